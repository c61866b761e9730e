"""Which database the benchmark writes into, and cleaning up after it.

Must be imported and used *before* ``django.setup()``: the settings read
``DATABASE_URL`` through django-environ when they are first loaded.

* ``DATABASE_URL`` unset: a temporary SQLite file in a directory of our own,
  removed at the end (``--keep-db`` keeps it).
* ``DATABASE_URL`` set by the caller: that database is used as it is. It is
  never created or dropped; it must not hold any ledger rows yet, and only the
  rows the benchmark inserted are deleted at the end.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass, field


@dataclass
class BenchDatabase:
    url: str
    owned: bool  # True: a temporary SQLite file we created and may delete
    tmpdir: str | None = None
    created: dict = field(default_factory=dict)  # model label -> pks we inserted (caller's db)

    def describe(self) -> str:
        from django.db import connection

        vendor = connection.vendor
        version = ""
        if vendor == "sqlite":
            import sqlite3

            version = sqlite3.sqlite_version
        elif vendor == "postgresql":
            version = ".".join(str(n) for n in divmod(connection.pg_version, 10000))
        where = connection.settings_dict.get("NAME")
        if vendor != "sqlite":
            host = connection.settings_dict.get("HOST") or "local socket"
            where = f"{where} on {host}"
        kind = "temporary, created by bench" if self.owned else "from DATABASE_URL, caller's"
        return f"{vendor} {version} · {where} ({kind})"


def choose() -> BenchDatabase:
    """Pick the database and put it in the environment for the settings to read."""
    caller_url = os.environ.get("DATABASE_URL", "").strip()
    if caller_url:
        return BenchDatabase(url=caller_url, owned=False)
    tmpdir = tempfile.mkdtemp(prefix="deeds-bench-")
    url = f"sqlite:///{os.path.join(tmpdir, 'bench.sqlite3')}"
    os.environ["DATABASE_URL"] = url
    return BenchDatabase(url=url, owned=True, tmpdir=tmpdir)


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def ensure_empty(db: BenchDatabase) -> None:
    """Refuse to write into a caller's database that already holds a ledger."""
    if db.owned:
        return
    from projects.models import Project, Round
    from reforms.models import ServiceItem
    from units.models import Unit

    counts = {m.__name__: m.objects.count() for m in (Unit, Round, Project, ServiceItem)}
    if any(counts.values()):
        raise SystemExit(
            "bench: DATABASE_URL points at a database that already holds ledger rows "
            f"({', '.join(f'{k}={v}' for k, v in counts.items())}); the benchmark needs an "
            "empty (migrated) database and never writes into a populated one. "
            "Unset DATABASE_URL to use a temporary SQLite file."
        )


def cleanup(db: BenchDatabase, keep: bool = False) -> str:
    """Undo what the benchmark did; returns a sentence for the report."""
    from django.db import connections

    if db.owned:
        connections.close_all()
        if keep:
            return f"kept {db.url}"
        shutil.rmtree(db.tmpdir, ignore_errors=True)
        return f"removed {db.tmpdir}"
    # Caller's database: delete only the rows we inserted, children first.
    from projects.models import ProgressUpdate, Project, Round
    from reforms.models import ServiceItem
    from units.models import Unit

    item_ids = db.created.get("reforms.ServiceItem", [])
    deleted = 0
    for start in range(0, len(item_ids), 500):
        deleted += ServiceItem.objects.filter(pk__in=item_ids[start : start + 500]).delete()[0]
    project_ids = db.created.get("projects.Project", [])
    for start in range(0, len(project_ids), 500):
        chunk = project_ids[start : start + 500]
        deleted += ProgressUpdate.objects.filter(project_id__in=chunk).delete()[0]
        deleted += Project.objects.filter(pk__in=chunk).delete()[0]
    deleted += Round.objects.filter(pk__in=db.created.get("projects.Round", [])).delete()[0]
    deleted += Unit.objects.filter(pk__in=db.created.get("units.Unit", [])).delete()[0]
    connections.close_all()
    return f"deleted the {deleted} rows bench inserted into the caller's database (database kept)"
