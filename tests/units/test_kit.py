"""The shared test kit works on the first ledger, so the next ones can rely on it."""

import datetime

import pytest

from projects.models import Project
from tests.conftest import add_update, logged_in
from tests.kit import CSV, LedgerAdmin, assert_unit_scoped, read_csv, read_xlsx

pytestmark = pytest.mark.django_db


def test_scoping_kit_on_the_project_ledger(client, editor_a, make_project, unit_a, unit_b):
    mine = make_project(title="我的项目", unit=unit_a)
    theirs = make_project(title="别人的项目", unit=unit_b)
    assert_unit_scoped(
        client, Project, mine=mine, theirs=theirs, editor=editor_a, column_of_theirs="别人的项目"
    )


def test_export_then_reimport_changes_nothing(client, office_admin, make_project):
    project = make_project(title="风雨桥")
    add_update(project, datetime.date(2021, 6, 1), 40)
    ledger = LedgerAdmin(logged_in(client, office_admin), Project)
    for file_format, reader in [(0, read_xlsx), (CSV, read_csv)]:
        content = ledger.export(file_format)
        assert "风雨桥" in str(reader(content))
        preview, result = ledger.import_file(
            content, file_format, name="台账.csv" if file_format else "台账.xlsx"
        )
        assert result.status_code == 302
        assert preview.context["job"].totals["skip"] == 1
    project.refresh_from_db()
    assert project.version == 1
