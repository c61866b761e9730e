"""Timing and memory helpers: medians over repeats, peak RSS and tracemalloc peak."""

import contextlib
import gc
import re
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

_CLEAR_REFS = "/proc/self/clear_refs"
_SAVEPOINT_NAME = re.compile(r'"s\d+_x\d+"')
_STATUS = "/proc/self/status"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p90(values: list[float]) -> float:
    if len(values) < 2:
        return median(values)
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def _proc_kib(key: str) -> int | None:
    try:
        with open(_STATUS) as status:
            match = re.search(rf"^{key}:\s+(\d+) kB", status.read(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark of RSS (Linux >= 4.0), so a peak is this operation's."""
    try:
        with open(_CLEAR_REFS, "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


@dataclass
class Measured:
    """Wall times (s) of the repeats and the memory figures of the operation."""

    seconds: list[float] = field(default_factory=list)
    rss_peak_growth_kib: list[int] = field(default_factory=list)  # VmHWM - VmRSS at start
    maxrss_delta_kib: list[int] = field(default_factory=list)  # getrusage ru_maxrss delta
    tracemalloc_peak_bytes: int | None = None
    peak_reset: bool = False
    queries: "QueryCounter | None" = None

    @property
    def median_s(self) -> float:
        return median(self.seconds)

    def as_dict(self) -> dict:
        return {
            "repeats": len(self.seconds),
            "seconds": [round(s, 6) for s in self.seconds],
            "median_s": round(self.median_s, 6),
            "min_s": round(min(self.seconds), 6) if self.seconds else None,
            "rss_peak_growth_kib_median": median(self.rss_peak_growth_kib)
            if self.rss_peak_growth_kib
            else None,
            "maxrss_delta_kib_median": median(self.maxrss_delta_kib) if self.maxrss_delta_kib else None,
            "rss_peak_was_reset": self.peak_reset,
            "tracemalloc_peak_bytes": self.tracemalloc_peak_bytes,
            **({"queries": self.queries.count, "top_queries": self.queries.top()} if self.queries else {}),
        }


def measure(
    operation: Callable[[], object],
    repeats: int,
    *,
    before: Callable[[], object] | None = None,
    after: Callable[[object], object] | None = None,
    traced: bool = True,
    connection=None,
) -> Measured:
    """Run ``operation`` ``repeats`` times, timing each run; then once more under tracemalloc.

    ``before``/``after`` run outside the timing (e.g. preparing input, undoing writes);
    ``after`` receives the operation's result. Timed runs are untraced (tracemalloc
    slows Python down several times); the RSS peak is read during the timed runs.
    With ``connection``, the queries are counted in the traced run (else in the first
    timed run: the counting wrapper costs about a microsecond a query).
    """
    result = Measured()

    def one(trace: bool, count: bool):
        if before:
            before()
        if count:
            result.queries = QueryCounter(connection)
        gc.collect()
        reset = _reset_peak_rss()
        rss_start = _proc_kib("VmRSS")
        maxrss_start = _maxrss_kib()
        if trace:
            tracemalloc.start()
        with result.queries if count else contextlib.nullcontext():
            start = time.perf_counter()
            value = operation()
            elapsed = time.perf_counter() - start
        if trace:
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            result.tracemalloc_peak_bytes = peak
        else:
            result.seconds.append(elapsed)
            hwm = _proc_kib("VmHWM")
            if reset and hwm is not None and rss_start is not None:
                result.rss_peak_growth_kib.append(hwm - rss_start)
            result.maxrss_delta_kib.append(_maxrss_kib() - maxrss_start)
            result.peak_reset = reset
        if after:
            after(value)

    for i in range(repeats):
        one(trace=False, count=connection is not None and not traced and i == 0)
    if traced:
        one(trace=True, count=connection is not None)
    return result


class QueryCounter:
    """Counts the queries run on a connection (no cap, unlike ``CaptureQueriesContext``),
    grouped by their shape (the SQL text with the parameters left out) to show N+1 patterns."""

    def __init__(self, connection):
        self.connection = connection
        self.count = 0
        self.shapes: dict[str, list] = {}

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            shape = self.shapes.setdefault(_SAVEPOINT_NAME.sub('"s…"', sql), [0, 0.0])
            shape[0] += 1
            shape[1] += time.perf_counter() - start

    def __enter__(self):
        self._wrapper = self.connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        return self._wrapper.__exit__(*exc)

    def top(self, n: int = 5) -> list[dict]:
        """The most frequent query shapes: count, total ms, SQL (shortened)."""
        ranked = sorted(self.shapes.items(), key=lambda item: -item[1][0])[:n]
        return [{"count": c, "ms": round(t * 1000, 1), "sql": _short(sql)} for sql, (c, t) in ranked]


def _short(sql: str, limit: int = 160) -> str:
    sql = re.sub(r"SELECT .*? FROM", "SELECT … FROM", sql, count=1, flags=re.DOTALL)
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"
