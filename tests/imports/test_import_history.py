"""The history of an import (版本记录): one revision per import, each row's version as
django-reversion writes it, whichever way the row was written (``imports.history``)."""

import pytest
import reversion
import tablib
from django.core import serializers
from django.db import connection
from reversion.models import Revision, Version
from reversion.revisions import _get_options

from imports.history import import_revision
from projects.models import ProgressUpdate, Project
from projects.resources import ProjectResource
from tests.imports.test_import_batches import HEADERS, project_rows

pytestmark = pytest.mark.django_db


def import_in_revision(user, rows, comment="从“台账.xlsx”导入"):
    with import_revision(user, comment):
        return ProjectResource(user=user).import_data(
            tablib.Dataset(*rows, headers=HEADERS),
            dry_run=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
        )


def reversions_own_text(obj) -> str:
    return serializers.serialize("json", (obj,), fields=_get_options(type(obj)).fields)


def test_an_imports_rows_and_their_progress_are_in_one_revision_as_reversion_writes_them(
    office_admin, round_, unit_a
):
    result = import_in_revision(office_admin, project_rows(round_, 300))

    assert result.totals["new"] == 300
    revision = Revision.objects.get()
    assert revision.user == office_admin and revision.comment == "从“台账.xlsx”导入"
    assert Version.objects.count() == 600  # 300 projects and their 300 first updates
    for project in Project.objects.all():
        stored = Version.objects.get_for_object(project).get()
        assert stored.revision == revision
        assert stored.serialized_data == reversions_own_text(project)
        assert stored.object_repr == str(project)
        (update,) = project.updates.all()
        assert Version.objects.get_for_object(update).get().serialized_data == reversions_own_text(update)
    # What the history page and a restore read back.
    project = Project.objects.order_by("pk").last()
    restored = Version.objects.get_for_object(project).get().field_dict
    assert restored["title"] == project.title and restored["round_id"] == round_.pk


def test_a_row_saved_by_hand_in_the_same_revision_joins_it_once(office_admin, round_, unit_a, make_project):
    """A record saved one by one inside the import's revision (as a reviewed row is) shares the
    revision with the rows written in bulk, and a record written twice has one version."""
    saved_by_hand = make_project(title="另存的项目")
    with import_revision(office_admin, "混合"):
        result = ProjectResource(user=office_admin).import_data(
            tablib.Dataset(*project_rows(round_, 3), headers=HEADERS), use_transactions=True
        )
        saved_by_hand.title = "另存的项目(改)"
        saved_by_hand.save()
        imported = Project.objects.get(title="批量导入项目0")
        imported.title = "导入后又改的项目"
        imported.save()

    assert result.totals["new"] == 3
    revision = Revision.objects.get()
    assert set(Version.objects.values_list("revision", flat=True)) == {revision.pk}
    versions = Version.objects.get_for_object(imported)
    assert versions.count() == 1
    assert versions.get().field_dict["title"] == "导入后又改的项目"  # the later of the two
    assert Version.objects.get_for_object(saved_by_hand).get().field_dict["title"] == "另存的项目(改)"


def test_a_refused_import_leaves_no_history_and_nothing_for_the_next_revision(office_admin, round_, unit_a):
    rows = project_rows(round_, 3) + project_rows(round_, 1, start=99, 类别="不存在的类别")
    result = import_in_revision(office_admin, rows)

    assert result.has_validation_errors()
    assert not Project.objects.exists() and not Revision.objects.exists() and not Version.objects.exists()
    # The next revision in this process holds its own rows only.
    import_in_revision(office_admin, project_rows(round_, 2, start=10))
    assert Revision.objects.count() == 1
    assert sorted(v.object_repr for v in Version.objects.filter(content_type__model="project")) == sorted(
        str(p) for p in Project.objects.all()
    )


def test_an_import_in_a_plain_reversion_block_keeps_its_history_there(office_admin, round_, unit_a):
    """Outside an import job (a shell, a data migration) the rows still get their versions."""
    with reversion.create_revision():
        reversion.set_user(office_admin)
        ProjectResource(user=office_admin).import_data(
            tablib.Dataset(*project_rows(round_, 4), headers=HEADERS), use_transactions=True
        )
    assert Revision.objects.count() == 1
    assert Version.objects.filter(content_type__model="project").count() == 4
    for project in Project.objects.all():
        assert Version.objects.get_for_object(project).get().serialized_data == reversions_own_text(project)


def test_a_row_the_database_refuses_in_a_batch_is_named_and_the_file_writes_nothing(
    office_admin, round_, unit_a
):
    """A refusal the checks cannot foresee (here a database trigger): the batch is written
    again row by row, so the row the database refuses is the one reported."""
    refused = "数据库拒绝的项目"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_title() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.title = '{refused}' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; "
                "END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_title BEFORE INSERT ON projects_project "
                "FOR EACH ROW EXECUTE FUNCTION refuse_title()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_title BEFORE INSERT ON projects_project "
                f"WHEN NEW.title = '{refused}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
    rows = (
        project_rows(round_, 5) + project_rows(round_, 1, 项目名称=refused) + project_rows(round_, 3, start=5)
    )

    result = import_in_revision(office_admin, rows)

    assert [number for number, _errors in result.row_errors()] == [6]
    assert not Project.objects.exists() and not ProgressUpdate.objects.exists()
    assert not Version.objects.exists()


def test_each_row_with_the_same_wrong_value_is_refused_on_its_own_line(office_admin, round_, unit_a):
    """Cleaned values are remembered within an import (a ledger repeats them); a refused one
    is refused again on every row that has it."""
    too_long = "负" * 51  # 负责人 holds 50 characters
    header = HEADERS + ["负责人"]
    rows = [row + [too_long if n % 2 else "张三"] for n, row in enumerate(project_rows(round_, 6))]
    with import_revision(office_admin, "x"):
        result = ProjectResource(user=office_admin).import_data(
            tablib.Dataset(*rows, headers=header), use_transactions=True, rollback_on_validation_errors=True
        )
    assert [row.number for row in result.invalid_rows] == [2, 4, 6]
    assert all("lead_name" in row.error_dict for row in result.invalid_rows)
    assert not Project.objects.exists()


def test_equal_amounts_written_differently_keep_their_own_digits_in_the_history(office_admin, round_, unit_a):
    header = HEADERS + ["预算(元)"]
    amounts = ["100.5", "100.50", "100.5", "7"]
    rows = [row + [amount] for row, amount in zip(project_rows(round_, 4), amounts, strict=True)]
    with import_revision(office_admin, "x"):
        ProjectResource(user=office_admin).import_data(
            tablib.Dataset(*rows, headers=header), use_transactions=True
        )
    written = {Project.objects.get(title=f"批量导入项目{n}"): amount for n, amount in enumerate(amounts)}
    for project, amount in written.items():
        version = Version.objects.get_for_object(project).get()
        assert f'"budget": "{amount}"' in version.serialized_data
        assert version.serialized_data == reversions_own_text(project).replace(str(project.budget), amount)


def test_each_ledgers_history_text_is_what_djangos_serializer_writes(round_, unit_a, make_project):
    """Every kind of value a ledger row holds, text a spreadsheet may carry included (quotes,
    a backslash, %, a tab, a line break, an emoji), as reversion's own serializer writes it."""
    import datetime
    from decimal import Decimal

    from django.contrib.contenttypes.models import ContentType

    from imports.resources import _json_rows, _versions_with_followed
    from tests.reforms.factories import make_item
    from tests.volunteers.factories import make_volunteer

    awkward = '他说"你好" \\ 100% \t换行\n😀'
    project = make_project(title=awkward, budget=Decimal("100.50"), beneficiary_count=None)
    project.budget = Decimal("100.5")  # a value as the import left it, before the database's
    update = ProgressUpdate.objects.create(project=project, percent=30, status="ongoing", note=awkward)
    item = make_item(unit_a, name=awkward, batch=1, landed_on=datetime.date(2021, 6, 1), fee="免费")
    volunteer = make_volunteer(unit_a, name=awkward, email="a@example.com")
    for obj in (project, update, item, volunteer, unit_a):  # a unit's members: the serializer's own path
        fields = _get_options(type(obj)).fields
        with reversion.create_revision():
            entries = _versions_with_followed([obj], "default", "default", [])
        kind = ContentType.objects.get_for_model(obj).pk
        (text,) = [entry[4] for entry in entries if entry[:2] == (kind, str(obj.pk))]
        assert text == serializers.serialize("json", (obj,), fields=fields), type(obj)
    assert _json_rows([unit_a], None) is None
