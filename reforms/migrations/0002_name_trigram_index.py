"""A trigram index for the catalogue's name search on PostgreSQL; nothing on SQLite.

The public search filters with ``name__icontains`` for each word, which Django
writes on PostgreSQL as ``UPPER("name"::text) LIKE UPPER('%word%')``. A GIN
index of ``gin_trgm_ops`` on that very expression serves it (for words of three
or more characters; shorter words read the whole table, which stays small
enough). SQLite has no such index and scans the table, with the same result.
"""

from django.db import migrations

INDEX = "reforms_serviceitem_name_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS {INDEX} ON reforms_serviceitem USING gin (UPPER("name"::text) gin_trgm_ops)'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("reforms", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
