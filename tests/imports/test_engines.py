"""One pipeline: every import door goes through an engine its app names on its AppConfig."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin

from imports.admin import LedgerImportExportMixin
from imports.engines import ImportEngine, LedgerEngine, all_engines, collect, engine_for
from tests.conftest import logged_in

DOMAIN_APPS = {"projects", "reforms", "hotline", "volunteers", "suggestions", "deeds_portal"}


def test_every_ledger_admin_that_imports_has_its_apps_engine():
    importing = [
        model
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, LedgerImportExportMixin)
    ]
    assert importing, "no ledger admin offers an import"
    for model in importing:
        engine = engine_for(model)
        assert isinstance(engine, LedgerEngine), f"{model._meta.label} has an import page but no engine"
        declared = apps.get_app_config(model._meta.app_label)
        assert (
            model._meta.label in getattr(declared, "import_engines", {}) or model._meta.app_label == "units"
        )


def test_the_engines_are_collected_from_the_app_configs():
    keys = set(collect())
    assert {
        "projects.project",
        "reforms.serviceitem",
        "volunteers.volunteer",
        "volunteers.assignment",
        "hotline.month",
        "hotline.case",
        "units.unit",
    } <= keys
    assert all(isinstance(engine, ImportEngine) for engine in all_engines())


def test_a_mistyped_engine_is_reported_at_start_up(settings):
    from imports.engines import check_engines

    config = apps.get_app_config("projects")
    config.import_engines = {**config.import_engines, "projects.Round": "projects.resources.NoSuchResource"}
    try:
        problems = check_engines()
    finally:
        del config.import_engines  # back to the class's own
    assert [problem.id for problem in problems] == ["imports.E002"]


def _imported_modules(folder: Path) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
    return names


def test_the_import_machinery_names_no_domain_app_and_no_admin_registry():
    folder = Path(settings.BASE_DIR) / "imports"
    assert not _imported_modules(folder) & DOMAIN_APPS
    for path in folder.rglob("*.py"):
        assert "_registry" not in path.read_text(encoding="utf-8").replace("_registry_", ""), path


@pytest.mark.django_db
def test_one_job_list_shows_both_kinds_and_offers_the_case_upload_to_the_office(
    client, office_admin, editor_a
):
    page = logged_in(client, office_admin).get("/admin/imports/importjob/")
    assert page.status_code == 200
    assert "/admin/imports/importjob/upload/hotline.case/" in page.text
    editor_page = logged_in(client, editor_a).get("/admin/imports/importjob/")
    assert editor_page.status_code == 200
    assert "/admin/imports/importjob/upload/hotline.case/" not in editor_page.text
    assert logged_in(client, editor_a).get("/admin/imports/importjob/upload/hotline.case/").status_code == 403


@pytest.mark.django_db
def test_the_old_job_addresses_tell_a_stranger_nothing(client):
    for old in ("/admin/units/ledgerimport/1/change/", "/admin/hotline/caseimport/1/change/"):
        response = client.get(old)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
