"""Review before publishing in the project ledger: the public pages, the open data, the
sitemap, the dashboard and the monthly workbook show only approved content; photos wait
privately; imports by editors go to review."""

import datetime
import io

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.urls import reverse

from deeds_portal.workbook.build import MonthContext, build
from projects.models import ProgressUpdate, Project
from review import service as review
from review.models import ReviewRequest, ReviewStatus
from tests.conftest import add_update, logged_in
from tests.kit import LedgerAdmin, read_xlsx, write_xlsx
from tests.projects.test_admin import change_url
from tests.projects.test_photo_uploads import good_png, update_with_photo
from tests.review.test_review import with_changed_update
from tests.units.factories import approve_as_shown

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def bridge(make_project):
    project = make_project(title="修建一座风雨桥", deadline=D(2999, 6, 30))
    add_update(project, D(2021, 6, 1), 40, note="桥墩完工")
    return project


@pytest.fixture
def pending_project(make_project):
    return make_project(title="待审核的新项目", review_status=ReviewStatus.PENDING, deadline=D(2999, 1, 1))


def public_texts(client, *projects):
    pages = [
        "/",
        "/projects/",
        "/en/projects/",
        "/open-data/projects.json",
        "/open-data/projects.csv",
        "/sitemap.xml",
    ]
    texts = [client.get(url).content.decode() for url in pages]
    return "\n".join(texts)


def workbook_rows(on=None):
    book = openpyxl.load_workbook(io.BytesIO(build(MonthContext(month=on or D(2021, 6, 1))).content))
    return [list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


def test_a_pending_project_is_on_no_public_page_and_not_in_the_workbook(
    client, bridge, pending_project, office_admin
):
    add_update(pending_project, D(2021, 6, 2), 30)
    text = public_texts(client)
    assert "修建一座风雨桥" in text and "待审核的新项目" not in text
    assert client.get(reverse("projects:detail", args=[pending_project.pk])).status_code == 404
    assert client.get("/open-data/projects.json").json()["rows"][0]["title"] == "修建一座风雨桥"
    assert len(client.get("/open-data/projects.json").json()["rows"]) == 1
    cache.clear()  # the dashboard rendered anew, for its context
    assert client.get("/").context["figures"]["total"] == 1
    rows = workbook_rows()
    assert any("修建一座风雨桥" in row for row in rows)
    assert not any("待审核的新项目" in row for row in rows)

    approve_as_shown(review._create_request(pending_project, None, review.Kind.NEW), office_admin)
    assert "待审核的新项目" in public_texts(client)
    assert client.get(reverse("projects:detail", args=[pending_project.pk])).status_code == 200
    assert any("待审核的新项目" in row for row in workbook_rows())


def test_only_approved_updates_count_everywhere(client, bridge):
    add_update(bridge, D(2021, 6, 5), 100, note="已经完工（待审核）", review_status=ReviewStatus.PENDING)
    add_update(bridge, D(2021, 6, 6), 90, note="退回的进展", review_status=ReviewStatus.RETURNED)
    bridge = Project.objects.with_progress().with_latest_note().get(pk=bridge.pk)
    assert (bridge.progress_percent, bridge.derived_status, bridge.progress_note) == (
        40,
        "in_progress",
        "桥墩完工",
    )
    assert bridge.progress_on().percent == 40 and bridge.status_on() == "in_progress"
    assert Project.objects.figures()["completed"] == 0
    text = public_texts(client)
    detail = client.get(reverse("projects:detail", args=[bridge.pk])).text
    for hidden in ("已经完工（待审核）", "退回的进展"):
        assert hidden not in text and hidden not in detail
    assert client.get("/open-data/projects.json").json()["rows"][0]["percent"] == 40
    cache.clear()
    assert client.get("/").context["figures"]["completed"] == 0
    [row] = [row for row in workbook_rows(D(2021, 6, 1)) if "修建一座风雨桥" in row]
    assert 40 in row and 100 not in row
    # A month later the progress at the previous month's end counts only approved updates too.
    [row] = [row for row in workbook_rows(D(2021, 7, 1)) if "修建一座风雨桥" in row]
    assert row[5:8] == [0.4, 0.4, 0]  # 月末进度, 上月末进度, 较上月末


def test_an_editors_import_goes_to_review(client, bridge, editor_a, office_admin):
    ledger = LedgerAdmin(logged_in(client, editor_a), Project)
    rows = read_xlsx(ledger.export())
    header = rows[0]
    rows[1][header.index("项目名称")] = "风雨桥（导入改名）"
    rows[1][header.index("当前进度(%)")] = 70
    rows[1][header.index("进度日期")] = D(2021, 6, 20)
    new = list(rows[1])
    new[header.index("编号")] = None
    new[header.index("版本")] = None
    new[header.index("项目名称")] = "导入的新项目"
    rows.append(new)
    preview, response = ledger.import_file(write_xlsx(rows))
    assert "导入的数据将提交办公室审核（待审核）" in preview.text
    assert response.status_code == 302
    bridge.refresh_from_db()
    assert bridge.title == "修建一座风雨桥"  # the approved values stay until approval
    assert Project.objects.get(title="导入的新项目").review_status == ReviewStatus.PENDING
    assert {update.review_status for update in ProgressUpdate.objects.filter(percent=70)} == {"pending"}
    kinds = sorted(ReviewRequest.objects.values_list("kind", flat=True))
    assert kinds == sorted(["change", "new", "update", "update"])
    text = public_texts(client.__class__())
    assert "导入的新项目" not in text and "风雨桥（导入改名）" not in text

    change = ReviewRequest.objects.get(kind="change")
    approve_as_shown(change, office_admin)
    bridge.refresh_from_db()
    assert bridge.title == "风雨桥（导入改名）"


def test_an_office_import_is_public_at_once(client, bridge, office_admin):
    ledger = LedgerAdmin(logged_in(client, office_admin), Project)
    rows = read_xlsx(ledger.export())
    rows[1][rows[0].index("项目名称")] = "风雨桥（办公室改名）"
    ledger.import_file(write_xlsx(rows))
    bridge.refresh_from_db()
    assert bridge.title == "风雨桥（办公室改名）" and not ReviewRequest.objects.exists()


# Photos


def fetch(client, url):
    """GET a photo and read it through (closing the response here would end the test's database
    connection: it signals the end of a request)."""
    response = client.get(url)
    if response.streaming:
        response.content_read = b"".join(response.streaming_content)
    return response


def test_a_pending_photo_is_served_only_to_staff_who_may_see_it(
    client, bridge, editor_a, editor_b, office_admin, django_capture_on_commit_callbacks
):
    response = logged_in(client, editor_a).post(change_url(bridge), update_with_photo(bridge, good_png()))
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(percent=60)
    url = f"/media/{update.photo.name}"
    anonymous = client.__class__()
    assert fetch(anonymous, url).status_code == 404
    assert fetch(logged_in(client.__class__(), editor_b), url).status_code == 404
    office = logged_in(client.__class__(), office_admin)
    response = fetch(office, url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert update.photo.name not in anonymous.get(reverse("projects:detail", args=[bridge.pk])).text

    with django_capture_on_commit_callbacks(execute=True):
        approve_as_shown(ReviewRequest.objects.get(), office_admin)
    response = fetch(anonymous, url)
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    assert update.photo.name in anonymous.get(reverse("projects:detail", args=[bridge.pk])).text


def test_a_new_photo_for_an_approved_update_waits_privately(
    client, bridge, editor_a, editor_b, office_admin, django_capture_on_commit_callbacks
):
    update = bridge.updates.get()
    data = with_changed_update(bridge, update, photo=good_png(), photo_caption="")
    assert logged_in(client, editor_a).post(change_url(bridge), data).status_code == 302
    update.refresh_from_db()
    assert not update.photo
    submission = ReviewRequest.objects.get()
    assert submission.kind == ReviewRequest.Kind.PHOTO
    private = submission.proposed_file
    assert private.startswith("review/") and default_storage.exists(private)
    url = f"/media/{private}"
    assert fetch(client.__class__(), url).status_code == 404  # guessed anonymously
    assert fetch(logged_in(client.__class__(), editor_b), url).status_code == 404
    office = logged_in(client.__class__(), office_admin)
    assert fetch(office, url).status_code == 200
    assert private in office.get(reverse("admin:review_reviewrequest_change", args=[submission.pk])).text

    with django_capture_on_commit_callbacks(execute=True):
        approve_as_shown(submission, office_admin)
    update.refresh_from_db()
    assert update.photo.name.startswith("progress/")
    assert not default_storage.exists(private)
    assert fetch(client.__class__(), f"/media/{update.photo.name}").status_code == 200


def test_a_sent_back_photo_is_deleted(
    client, bridge, editor_a, office_admin, django_capture_on_commit_callbacks
):
    update = bridge.updates.get()
    data = with_changed_update(bridge, update, photo=good_png(), photo_caption="")
    logged_in(client, editor_a).post(change_url(bridge), data)
    submission = ReviewRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        review.send_back(submission, office_admin, "照片与项目无关")
    assert not default_storage.exists(submission.proposed_file)
    assert fetch(client.__class__(), f"/media/{submission.proposed_file}").status_code == 404


def test_the_workbooks_previous_month_percent_counts_approved_updates_only(bridge):
    add_update(bridge, D(2021, 6, 5), 100, note="已经完工（待审核）", review_status=ReviewStatus.PENDING)
    add_update(bridge, D(2021, 6, 6), 90, note="退回的进展", review_status=ReviewStatus.RETURNED)
    # July's sheet: the percent at the end of July and at the end of June are both the approved 40.
    [row] = [row for row in workbook_rows(D(2021, 7, 1)) if "修建一座风雨桥" in row]
    assert row.count(0.4) == 2 and 0.9 not in row and 1 not in row, row


def test_restoring_a_version_publishes_no_update_that_was_pending_or_sent_back(client, bridge, office_admin):
    """A project's version carries its updates (``follow``); a restore puts back their
    contents, never an approval: a pending update stays pending, and an update sent back and
    deleted since comes back as it was then, not public."""
    import reversion
    from reversion.models import Version

    from tests.projects.test_admin import form_data

    waiting = add_update(bridge, D(2021, 6, 5), 60, note="待审核的进展", review_status=ReviewStatus.PENDING)
    returned = add_update(
        bridge, D(2021, 6, 6), 70, note="退回后删除的进展", review_status=ReviewStatus.RETURNED
    )
    with reversion.create_revision():
        bridge.save()  # e.g. the office corrected the title: the version holds every update
    version = Version.objects.get_for_object(bridge).latest("pk")
    returned.delete()  # its editor removed the update sent back
    bridge.title = "风雨桥（改名）"
    with reversion.create_revision():
        bridge.save()

    office = logged_in(client, office_admin)
    url = reverse("admin:projects_project_revision", args=[bridge.pk, version.pk])
    shown = office.get(url).context["adminform"].form["lock_version"].value()
    response = office.post(url, form_data(bridge, title="修建一座风雨桥", lock_version=shown))

    assert response.status_code == 302
    bridge.refresh_from_db()
    assert bridge.title == "修建一座风雨桥" and bridge.review_status == ReviewStatus.APPROVED
    statuses = dict(ProgressUpdate.objects.filter(project=bridge).values_list("note", "review_status"))
    assert statuses == {
        "桥墩完工": ReviewStatus.APPROVED,
        "待审核的进展": ReviewStatus.PENDING,
        "退回后删除的进展": ReviewStatus.RETURNED,
    }
    waiting.refresh_from_db()
    detail = client.get(reverse("projects:detail", args=[bridge.pk])).text
    assert "待审核的进展" not in detail and "退回后删除的进展" not in detail
