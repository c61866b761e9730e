"""A GIN index of the characters of each item's name, for the search's in-order matching, on
PostgreSQL; nothing on SQLite.

The search matches a word's characters in order with gaps (老人优待证 finds 老年人优待证办理),
``UPPER(name) LIKE '%老%人%优%待%证%'``: a pattern of single characters, which the trigram index
of migration 0002 cannot narrow (at 100,000 items a search read the whole table, about a
second). ``reforms.search.InOrder`` also asks that the name's characters include the word's,
``string_to_array(UPPER(name), NULL) @> ARRAY[…]``, which this index answers from the posting
lists of those few characters; the LIKE then checks the order in the rows found.
"""

from django.db import migrations

INDEX = "reforms_serviceitem_name_chars"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON reforms_serviceitem "
        'USING gin (string_to_array(UPPER("name"::text), NULL))'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("reforms", "0007_serviceitem_service_guide")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
