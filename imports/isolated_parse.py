"""Spreadsheet readers run in a child process, so a file that breaks one fails its job only.

The xlsx readers are native code: a crafted file can make one abort the whole process
(python-calamine asking for hundreds of gigabytes), or hold gigabytes for minutes. The
guards of ``imports.rules.check_upload`` refuse the files known to do that before
any reader runs; this is the backstop for the rest. The reader runs in a forked child
with an address-space limit (``IMPORT_PARSE_MEMORY_BYTES`` beyond what the worker
already maps) and a time limit (``IMPORT_PARSE_TIME_LIMIT_SECONDS``); if the child dies, runs out of memory or out of time,
``ParseFailed`` carries a message for the uploader and the worker goes on.

The child never touches the database: it reads bytes already in memory or a stream,
and sends back the parsed result (``parse_in_child``) or rows in batches
(``rows_in_child``) through a pipe.
"""

import faulthandler
import logging
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable, Iterator

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

ROWS_PER_MESSAGE = 2000


class ParseFailed(Exception):
    """The reader's child process died, ran out of memory or of time; the message is the uploader's."""


def _limit_memory(extra_bytes: int | None) -> None:
    if not extra_bytes:
        return
    try:
        with open("/proc/self/statm") as statm:
            mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return  # not Linux (a developer's Mac maps far more than it uses): no limit to add to
    limit = mapped + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _child(send, work: Callable, args, extra_bytes) -> None:
    # Ctrl-C or the worker's SIGTERM is the parent's to handle; it ends the child itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A native crash of the reader is the parent's to report (a Chinese message on the job):
    # the child does not print its own traceback into the worker's log (a cell may be in it).
    faulthandler.disable()
    _limit_memory(extra_bytes)
    try:
        work(send, *args)
    except MemoryError:
        send.send(("memory", None))
    except Exception as error:
        try:
            send.send(("error", error))
        except Exception:  # an exception that does not pickle: its type is enough
            send.send(("error", ValueError(type(error).__name__)))
    finally:
        send.close()


def _failure(reason: str, seconds: float = 0) -> ParseFailed:
    if reason == "time":
        message = _(
            "Reading the file took longer than %(seconds)s seconds, the most reading one file may "
            "take, so it was stopped. Nothing was imported. Split the file into smaller files and "
            "import them one by one."
        ) % {"seconds": f"{seconds:g}"}
    else:
        message = _(
            "The file could not be read: reading it needed more memory than an import may use, or "
            "the file is damaged. Nothing was imported. Save it again from Excel or WPS, or split it "
            "into smaller files, and upload it again."
        )
    return ParseFailed(message)


class _Child:
    def __init__(self, work: Callable, args, memory_bytes, timeout):
        context = multiprocessing.get_context("fork")
        self.receive, send = context.Pipe(duplex=False)
        self.timeout = settings.IMPORT_PARSE_TIME_LIMIT_SECONDS if timeout is None else timeout
        extra = settings.IMPORT_PARSE_MEMORY_BYTES if memory_bytes is None else memory_bytes
        self.process = context.Process(target=_child, args=(send, work, args, extra), daemon=True)
        self.process.start()
        send.close()  # the parent keeps only its end: the child's exit then reads as EOF

    def next_message(self):
        try:
            if not self.receive.poll(self.timeout):
                raise _failure("time", self.timeout)
            kind, payload = self.receive.recv()
        except (EOFError, OSError):
            self.process.join(5)
            logger.warning("spreadsheet reader died (exit code %s)", self.process.exitcode)
            raise _failure("crash") from None
        if kind == "memory":
            logger.warning("spreadsheet reader ran out of memory")
            raise _failure("memory")
        if kind == "error":
            raise payload
        return kind, payload

    def close(self) -> None:
        self.receive.close()
        self.process.join(1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _send_result(send, function, args):
    send.send(("result", function(*args)))


def parse_in_child(function: Callable, *args, memory_bytes: int | None = None, timeout: float | None = None):
    """``function(*args)`` run in a child process; its result, or its exception raised here."""
    child = _Child(_send_result, (function, args), memory_bytes, timeout)
    try:
        return child.next_message()[1]
    finally:
        child.close()


def _send_rows(send, rows_of, args):
    batch = []
    for row in rows_of(*args):
        batch.append(row)
        if len(batch) >= ROWS_PER_MESSAGE:
            send.send(("rows", batch))
            batch = []
    send.send(("rows", batch))
    send.send(("done", None))


def rows_in_child(
    rows_of: Callable[..., Iterator], *args, memory_bytes: int | None = None, timeout: float | None = None
) -> Iterator:
    """The rows ``rows_of(*args)`` yields, read in a child process and streamed back in batches."""
    child = _Child(_send_rows, (rows_of, args), memory_bytes, timeout)
    try:
        while True:
            kind, payload = child.next_message()
            if kind == "done":
                return
            yield from payload
    finally:
        child.close()
