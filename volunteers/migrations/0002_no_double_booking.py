"""The database refuses to book a volunteer on two overlapping shifts.

PostgreSQL: an exclusion constraint over (volunteer, time range), which needs
btree_gist for the equality part; two transactions booking at the same moment
cannot both commit. SQLite has no exclusion constraints: triggers refuse an
insert or update that overlaps (SQLite runs one writer at a time, so the check
and the write cannot interleave).
"""

from django.db import migrations

CONSTRAINT = "assignment_no_double_booking"

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE volunteers_assignment ADD CONSTRAINT {CONSTRAINT}
        EXCLUDE USING gist (volunteer_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)""",
]
POSTGRES_BACKWARD = [f"ALTER TABLE volunteers_assignment DROP CONSTRAINT IF EXISTS {CONSTRAINT}"]

_OVERLAP = """
    EXISTS (SELECT 1 FROM volunteers_assignment other
            WHERE other.volunteer_id = NEW.volunteer_id
              AND other.id IS NOT NEW.id
              AND julianday(other.starts_at) < julianday(NEW.ends_at)
              AND julianday(NEW.starts_at) < julianday(other.ends_at))
"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER {CONSTRAINT}_insert BEFORE INSERT ON volunteers_assignment
        WHEN {_OVERLAP}
        BEGIN SELECT RAISE(ABORT, '{CONSTRAINT}'); END""",
    f"""CREATE TRIGGER {CONSTRAINT}_update BEFORE UPDATE OF volunteer_id, starts_at, ends_at
        ON volunteers_assignment
        WHEN {_OVERLAP}
        BEGIN SELECT RAISE(ABORT, '{CONSTRAINT}'); END""",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {CONSTRAINT}_insert",
    f"DROP TRIGGER IF EXISTS {CONSTRAINT}_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
