"""Ledger imports in batches (issue 20 item 4): a file's rows cost a few queries per batch, not
several per row, with the same checks, history and answers as a row-at-a-time import."""

import datetime
import itertools

import pytest
import reversion
import tablib
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CheckConstraint
from django.test.utils import CaptureQueriesContext
from reversion.models import Version
from reversion.revisions import _get_options

from imports.resources import CheckConstraints
from projects.models import ProgressUpdate, Project
from projects.resources import ProjectResource
from reforms.models import ServiceItem
from tests.reforms.factories import make_item

pytestmark = pytest.mark.django_db
HEADERS = [
    "编号",
    "批次",
    "项目名称",
    "类别",
    "责任单位",
    "完成时限",
    "是否公开",
    "当前进度(%)",
    "进度状态",
    "进度日期",
    "版本",
]


def project_rows(round_, count, start=0, **cells):
    rows = []
    for n in range(start, start + count):
        row = {
            "编号": "",
            "批次": round_.name,
            "项目名称": f"批量导入项目{n}",
            "类别": "其他",
            "责任单位": "第一党支部",
            "完成时限": "2021-06-30",
            "是否公开": "是",
            "当前进度(%)": 20,
            "进度状态": "进行中",
            "进度日期": "2021-06-01",
            "版本": "",
        }
        row.update(cells)
        rows.append([row[h] for h in HEADERS])
    return rows


def import_rows(user, rows, dry=False):
    dataset = tablib.Dataset(*rows, headers=HEADERS)
    with reversion.create_revision():
        reversion.set_user(user)
        return ProjectResource(user=user).import_data(
            dataset, dry_run=dry, use_transactions=True, rollback_on_validation_errors=True
        )


def queries_to_import(user, rows) -> tuple[int, int]:
    """(queries other than INSERTs, INSERTs): an INSERT holds as many rows as the database
    takes parameters (SQLite: 999), so their number follows the rows."""
    with CaptureQueriesContext(connection) as captured:
        result = import_rows(user, rows)
    assert not result.has_errors() and not result.has_validation_errors()
    inserts = sum(q["sql"].startswith("INSERT") for q in captured.captured_queries)
    return len(captured.captured_queries) - inserts, inserts


def test_the_queries_of_an_import_do_not_grow_with_its_rows(office_admin, round_, unit_a):
    queries_to_import(office_admin, project_rows(round_, 1, start=1000))  # content types cached
    few, _inserts = queries_to_import(office_admin, project_rows(round_, 5))
    many, inserts = queries_to_import(office_admin, project_rows(round_, 200, start=5))
    assert many == few
    assert inserts <= 15  # 200 projects, their 200 updates and 400 history rows (SQLite: 11)
    assert Project.objects.count() == 206 and ProgressUpdate.objects.count() == 206


def test_rows_written_in_bulk_are_in_the_imports_one_revision_as_reversion_writes_them(
    office_admin, round_, unit_a
):
    result = import_rows(office_admin, project_rows(round_, 3))
    assert result.totals["new"] == 3
    versions = Version.objects.all()
    assert {v.revision_id for v in versions} == {versions[0].revision_id}
    for project in Project.objects.all():
        stored = Version.objects.get_for_object(project).get()
        expected = serializers.serialize("json", (project,), fields=_get_options(Project).fields)
        assert stored.serialized_data == expected
        # The project's progress is in the revision too (its follow), as a restore needs.
        (update,) = project.updates.all()
        assert Version.objects.get_for_object(update).get().revision_id == stored.revision_id


def test_a_title_another_row_gives_up_earlier_in_the_file_is_free(office_admin, round_, unit_a, make_project):
    kept = make_project(title="旧名称")
    renamed = [
        kept.pk,
        round_.name,
        "新名称",
        "其他",
        "第一党支部",
        "2021-06-30",
        "是",
        "",
        "",
        "",
        kept.version,
    ]
    taken = project_rows(round_, 1, 项目名称="旧名称")[0]
    result = import_rows(office_admin, [renamed, taken], dry=True)
    assert not result.has_validation_errors(), [r.error_dict for r in result.invalid_rows]
    # The other way round the second row takes a title still in use, as row by row.
    refused = import_rows(office_admin, [taken, renamed], dry=True)
    assert [row.number for row in refused.invalid_rows] == [1]


def test_a_version_changed_since_the_file_was_read_is_refused_at_the_write(
    office_admin, round_, unit_a, make_project
):
    project = make_project(title="会被别人改的项目")
    row = [project.pk, round_.name, "导入的新名称", "其他", "第一党支部", "2021-06-30", "是", "", "", ""]
    resource = ProjectResource(user=office_admin)
    original = resource._write_in_bulk

    def someone_saves_first(items, kwargs):
        Project.objects.filter(pk=project.pk).update(version=project.version + 1)
        return original(items, kwargs)

    resource._write_in_bulk = someone_saves_first
    dataset = tablib.Dataset(row + [project.version], headers=HEADERS)
    result = resource.import_data(
        dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )
    assert [r.number for r in result.invalid_rows] == [1]
    assert "版本" in result.invalid_rows[0].error_dict
    project.refresh_from_db()
    assert project.title == "会被别人改的项目"


def test_the_check_constraints_told_in_python_agree_with_the_database(unit_a):
    """Each check of the catalogue's table over the values of the fields it reads: where
    Python says a row passes, the database's own check passes, and the other way round."""
    item = make_item(unit_a)
    day = datetime.date(2021, 6, 1)
    values = {
        "batch": [None, 0, 1],
        "landed_on": [None, day],
        "planned_landing_on": [None, day],
        "should_enter": [False, True],
        "has_entered": [False, True],
        "entered_on": [None, day],
        "planned_entry_on": [None, day],
        "time_limit_days": [None, 3, 10],
        "legal_time_limit_days": [None, 5],
        "nearby": [False, True],
        "one_seal": [False, True],
    }
    constraints = [c for c in ServiceItem._meta.constraints if isinstance(c, CheckConstraint)]
    assert len(constraints) == 8
    for constraint in constraints:
        # The model's clean() tells users about these; the evaluator serves any model that
        # leaves its checks to Django.
        checks = CheckConstraints(ServiceItem, [constraint])
        names = sorted({name for name in values if name in str(constraint.condition)})
        for combination in itertools.product(*(values[name] for name in names)):
            for name, value in zip(names, combination, strict=True):
                setattr(item, name, value)
            try:
                constraint.validate(ServiceItem, item, exclude={"code"})
                valid = True
            except ValidationError:
                valid = False
            assert checks.may_fail(item, {"code"}) is not valid, (constraint.name, combination)


def test_each_new_row_starts_from_the_models_defaults(db):
    """A new row's record is made as ``Model()`` makes it, for every ledger that imports: its
    fixed defaults copied, its default functions (a certificate's time of issue) called for each."""
    import time

    from imports import engines
    from imports.resources import LedgerResource
    from volunteers.models import Certificate

    resources = [e.resource_class for e in engines.collect().values() if hasattr(e, "resource_class")]
    assert ProjectResource in resources and len(resources) >= 4

    class CertificateResource(LedgerResource):
        class Meta:
            model = Certificate
            fields = ["issued_at"]

    for resource_class in [*resources, CertificateResource]:
        model = resource_class._meta.model
        resource = resource_class()
        made = [resource.init_instance() for _ in range(3)]
        fresh = {k: v for k, v in model().__dict__.items() if k not in ("_state", "issued_at")}
        for instance in made:
            assert type(instance) is model and instance._state.adding and instance._state.db is None
            values = {k: v for k, v in instance.__dict__.items() if k not in ("_state", "issued_at")}
            assert values == fresh, model
        assert len({id(instance._state) for instance in made}) == 3
    resource = CertificateResource()
    issued = []
    for _ in range(3):
        issued.append(resource.init_instance().issued_at)
        time.sleep(0.002)
    assert issued == sorted(set(issued)) and len(issued) == 3
