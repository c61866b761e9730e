"""Review before publishing in the reform catalogue: an editor's new item and changed figures
wait for the office; the catalogue, its figures, the open data, the sitemap and the
workbook show only approved items."""

import datetime
import io

import openpyxl
import pytest
from django.core.cache import cache
from django.urls import reverse

from deeds_portal.workbook.build import MonthContext, build
from reforms.models import ServiceItem
from review import service as review
from review.models import ReviewRequest, ReviewStatus
from tests.conftest import logged_in
from tests.kit import LedgerAdmin, read_xlsx, write_xlsx
from tests.units.factories import approve_as_shown

from .factories import make_item
from .test_admin import form_data

pytestmark = pytest.mark.django_db


def public_text(client):
    cache.clear()
    pages = ["/reforms/", "/open-data/service-items.json", "/sitemap.xml", "/"]
    return "\n".join(client.get(url).content.decode() for url in pages)


def test_an_editors_new_item_is_public_only_once_approved(client, editor_a, office_admin, unit_a):
    make_item(unit_a, name="已公开的事项", nearby=True)
    editor = logged_in(client.__class__(), editor_a)
    data = form_data(make_item(unit_a, name="模板"), name="新增的事项", code="62052400NEW-0001", nearby="on")
    ServiceItem.objects.filter(name="模板").delete()
    assert editor.post(reverse("admin:reforms_serviceitem_add"), data).status_code == 302
    item = ServiceItem.objects.get(name="新增的事项")
    assert item.review_status == ReviewStatus.PENDING
    text = public_text(client)
    assert "已公开的事项" in text and "新增的事项" not in text
    assert client.get(reverse("reforms:detail", args=[item.pk])).status_code == 404
    cache.clear()
    assert client.get("/reforms/").context["figures"]["nearby"] == 1
    book = openpyxl.load_workbook(io.BytesIO(build(MonthContext(month=datetime.date.today())).content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "新增的事项" not in cells

    approve_as_shown(ReviewRequest.objects.get(), office_admin)
    assert "新增的事项" in public_text(client)
    cache.clear()
    assert client.get("/reforms/").context["figures"]["nearby"] == 2


def test_changed_figures_wait_and_the_public_keeps_the_approved_ones(client, editor_a, office_admin, unit_a):
    item = make_item(unit_a, name="老年人优待证办理")
    editor = logged_in(client.__class__(), editor_a)
    response = editor.post(
        reverse("admin:reforms_serviceitem_change", args=[item.pk]),
        form_data(item, nearby="on", time_limit_days="3"),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert not item.nearby
    cache.clear()
    assert client.get("/reforms/").context["figures"]["nearby"] == 0
    submission = ReviewRequest.objects.get()
    assert submission.kind == ReviewRequest.Kind.CHANGE and submission.proposed["nearby"] == "True"
    review.send_back(submission, office_admin, "就近办需有乡镇依据")
    assert (
        "就近办需有乡镇依据" in editor.get(reverse("admin:reforms_serviceitem_change", args=[item.pk])).text
    )
    item.refresh_from_db()
    assert not item.nearby


def test_an_editors_import_goes_to_review(client, editor_a, unit_a):
    item = make_item(unit_a, name="原来的事项名")
    ledger = LedgerAdmin(logged_in(client, editor_a), ServiceItem)
    rows = read_xlsx(ledger.export())
    rows[1][rows[0].index("事项名称")] = "导入改过的事项名"
    preview, response = ledger.import_file(write_xlsx(rows))
    assert "导入的数据将提交办公室审核（待审核）" in preview.text and response.status_code == 302
    item.refresh_from_db()
    assert item.name == "原来的事项名"
    assert ReviewRequest.objects.get().proposed == {"name": "导入改过的事项名"}
