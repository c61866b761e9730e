"""Every ledger's export page and file speak Chinese: the page's own strings (django-import-export's
"Select all" among them), the file's name (项目-2026-12-07.xlsx) and the sheet's (项目)."""

import io
import re
from urllib.parse import unquote

import openpyxl
import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from imports.admin import LedgerImportExportMixin
from projects.models import Project
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db
XLSX, CSV = 0, 1
ENGLISH = ["Select all", "Export", "Format", "Resource", "Submit", "Tablib"]
LEDGERS = [
    model
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, LedgerImportExportMixin)
]


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def download(client, model, file_format):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")
    form = client.get(url).context["form"]
    data = {"format": file_format, "resource": 0}
    data.update({name: "on" for name in form.fields if name not in ("format", "resource", "export_items")})
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:300]
    return response


def downloaded_name(response) -> str:
    header = response["Content-Disposition"]
    assert header.startswith("attachment;") and "filename*=utf-8''" in header, header
    return unquote(header.split("filename*=utf-8''", 1)[1])


def test_there_are_ledgers_to_check():
    assert len(LEDGERS) >= 4


@pytest.mark.parametrize("model", LEDGERS, ids=lambda model: model._meta.label)
def test_each_ledgers_export_page_and_files_are_chinese(client, office_admin, model):
    staff = logged_in(client, office_admin)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")
    text = visible_text(staff.get(url).text)
    assert "全选" in text
    assert [word for word in ENGLISH if word in text] == []

    name = str(model._meta.verbose_name)
    today = timezone.localdate().isoformat()
    xlsx = download(staff, model, XLSX)
    assert downloaded_name(xlsx) == f"{name}-{today}.xlsx"
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.title == name[:31]
    assert downloaded_name(download(staff, model, CSV)) == f"{name}-{today}.csv"


def test_the_project_ledger_is_named_as_the_office_calls_it(client, editor_a):
    response = download(logged_in(client, editor_a), Project, XLSX)
    assert downloaded_name(response) == f"项目-{timezone.localdate():%Y-%m-%d}.xlsx"
    assert openpyxl.load_workbook(io.BytesIO(response.content)).active.title == "项目"
