"""A cancelled shift's bookings no longer keep its volunteers from another shift at that time.

Each booking carries its shift's ``is_cancelled`` (as it carries the time range),
and the check of migration 0002 leaves cancelled bookings out: on PostgreSQL the
exclusion constraint gets a ``WHERE``, on SQLite the triggers a condition (and the
update trigger also fires when a shift is brought back, so that is refused when
someone else's booking is in the way).
"""

from django.db import migrations, models

CONSTRAINT = "assignment_no_double_booking"

_PG_CONSTRAINT = f"""ALTER TABLE volunteers_assignment ADD CONSTRAINT {CONSTRAINT}
    EXCLUDE USING gist (volunteer_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&){{where}}"""
POSTGRES_FORWARD = [
    f"ALTER TABLE volunteers_assignment DROP CONSTRAINT IF EXISTS {CONSTRAINT}",
    _PG_CONSTRAINT.format(where=" WHERE (NOT shift_cancelled)"),
]
POSTGRES_BACKWARD = [
    f"ALTER TABLE volunteers_assignment DROP CONSTRAINT IF EXISTS {CONSTRAINT}",
    _PG_CONSTRAINT.format(where=""),
]


def _sqlite_triggers(cancelled_left_out: bool) -> list[str]:
    left_out = "AND NOT NEW.shift_cancelled AND NOT other.shift_cancelled" if cancelled_left_out else ""
    columns = "volunteer_id, starts_at, ends_at" + (", shift_cancelled" if cancelled_left_out else "")
    overlap = f"""
    EXISTS (SELECT 1 FROM volunteers_assignment other
            WHERE other.volunteer_id = NEW.volunteer_id
              AND other.id IS NOT NEW.id
              AND julianday(other.starts_at) < julianday(NEW.ends_at)
              AND julianday(NEW.starts_at) < julianday(other.ends_at)
              {left_out})
    """
    return [
        f"DROP TRIGGER IF EXISTS {CONSTRAINT}_insert",
        f"DROP TRIGGER IF EXISTS {CONSTRAINT}_update",
        f"""CREATE TRIGGER {CONSTRAINT}_insert BEFORE INSERT ON volunteers_assignment
            WHEN {overlap}
            BEGIN SELECT RAISE(ABORT, '{CONSTRAINT}'); END""",
        f"""CREATE TRIGGER {CONSTRAINT}_update BEFORE UPDATE OF {columns}
            ON volunteers_assignment
            WHEN {overlap}
            BEGIN SELECT RAISE(ABORT, '{CONSTRAINT}'); END""",
    ]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def copy_cancellation(apps, schema_editor):
    Assignment = apps.get_model("volunteers", "Assignment")
    Assignment.objects.filter(shift__is_cancelled=True).update(shift_cancelled=True)


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0003_service_types")]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="shift_cancelled",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(copy_cancellation, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": _sqlite_triggers(cancelled_left_out=True)}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": _sqlite_triggers(cancelled_left_out=False)}),
        ),
    ]
