"""What a citizen sees: published projects only, no personal data, a fixed number of queries."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from projects.models import ProgressStatus, ProgressUpdate, Project
from tests.conftest import add_update, logged_in

pytestmark = pytest.mark.django_db
D = datetime.date


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def test_drafts_never_reach_the_public(client, make_project):
    make_project(title="已公开项目")
    draft = make_project(title="草稿项目", is_public=False)
    add_update(draft, D(2021, 6, 1), 50, note="草稿进展")
    listing = client.get(reverse("projects:list"))
    assert "已公开项目" in listing.text and "草稿项目" not in listing.text
    assert client.get(reverse("projects:detail", args=[draft.pk])).status_code == 404
    assert "草稿进展" not in client.get("/").text


def test_personal_data_stays_off_public_pages(client, make_project):
    project = make_project(lead_name="演示·周建国", internal_notes="困难户王某某 13800000000")
    add_update(project, D(2021, 6, 1), 50)
    for url in ["/", reverse("projects:list"), reverse("projects:detail", args=[project.pk])]:
        text = client.get(url).text
        assert "周建国" not in text and "王某某" not in text and "13800000000" not in text


def test_list_shows_progress_status_unit_and_deadline(client, make_project):
    project = make_project(title="修建一座风雨桥", deadline=D(2021, 6, 30))
    add_update(project, D(2021, 6, 10), 70)
    response = client.get(reverse("projects:list"))
    assert '<progress max="100" value="70"' in response.text
    assert "第一党支部" in response.text
    assert "2021年6月30日" in response.text
    assert "逾期" in response.text  # not finished, deadline long past


def test_list_filters_by_round_unit_and_status(client, make_project, unit_b):
    done = make_project(title="已完成项目")
    add_update(done, D(2021, 6, 1), 100)
    make_project(title="B单位项目", unit=unit_b, deadline=D(2999, 1, 1))
    by_status = client.get(reverse("projects:list"), {"status": "completed"}).text
    assert "已完成项目" in by_status and "B单位项目" not in by_status
    by_unit = client.get(reverse("projects:list"), {"unit": unit_b.pk}).text
    assert "B单位项目" in by_unit and "已完成项目" not in by_unit
    nonsense = client.get(reverse("projects:list"), {"unit": "abc", "status": "x", "page": "9999"})
    assert nonsense.status_code == 200


def test_detail_shows_the_dated_timeline_with_photos(client, make_project):
    project = make_project(title="修建一座风雨桥")
    add_update(project, D(2021, 5, 20), 30, note="完成选址")
    with_photo = add_update(
        project,
        D(2021, 6, 28),
        100,
        note="风雨桥建成",
        photo=SimpleUploadedFile("bridge.png", png_bytes()),
        photo_caption="建成后的风雨桥",
    )
    response = client.get(reverse("projects:detail", args=[project.pk]))
    text = response.text
    assert text.index("2021-06-28") < text.index("2021-05-20")  # newest first
    assert "完成选址" in text and "建成后的风雨桥" in text
    photo = client.get(with_photo.photo.url)
    assert photo.status_code == 200
    # Reading the stream to its end lets the test client close the file.
    assert b"".join(photo.streaming_content).startswith(b"\xff\xd8")  # re-encoded as JPEG


def test_photos_of_drafts_are_not_served_to_the_public(client, make_project, editor_a, editor_b):
    draft = make_project(is_public=False)
    update = add_update(draft, D(2021, 6, 1), 50, photo=SimpleUploadedFile("p.png", png_bytes()))
    assert client.get(update.photo.url).status_code == 404
    assert logged_in(client, editor_b).get(update.photo.url).status_code == 404
    allowed = logged_in(client, editor_a).get(update.photo.url)
    assert allowed.status_code == 200
    assert b"".join(allowed.streaming_content)
    assert client.get("/media/progress/none.png").status_code == 404


def build_ledger(round_, unit_a, count, start=0):
    projects = Project.objects.bulk_create(
        Project(
            round=round_,
            title=f"项目{start + i}",
            category="other",
            unit=unit_a,
            deadline=D(2021, 6, 1) + datetime.timedelta(days=i % 60),
            is_public=True,
        )
        for i in range(count)
    )
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            project=p,
            date=D(2021, 5, 1) + datetime.timedelta(days=k),
            percent=20 * k,
            status=ProgressStatus.IN_PROGRESS if k < 5 else ProgressStatus.COMPLETED,
        )
        for p in projects
        for k in (1, 3, 5)
    )


def count_queries(client, url) -> int:
    """Queries of a page rendered anew (a page cache miss)."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url",
    ["/", "/projects/", "/projects/?status=completed", "/projects/?page=2", "/open-data/projects.json"],
)
def test_public_pages_run_the_same_number_of_queries_for_10_and_500_projects(client, round_, unit_a, url):
    build_ledger(round_, unit_a, 10)
    small = count_queries(client, url.replace("page=2", "page=1"))
    build_ledger(round_, unit_a, 490, start=10)
    large = count_queries(client, url)
    assert small == large
    assert large <= (12 if url == "/" else 6)  # the dashboard also shows the other tasks


def test_detail_page_queries_do_not_grow_with_updates(client, make_project):
    project = make_project()
    add_update(project, D(2021, 5, 1), 10)
    few = count_queries(client, reverse("projects:detail", args=[project.pk]))
    for day in range(2, 40):
        add_update(project, D(2021, 5, day % 28 + 1), 20)
    assert count_queries(client, reverse("projects:detail", args=[project.pk])) == few


def test_open_data_rows_follow_the_documented_fields_in_each_language(client, make_project):
    project = make_project(title="修建一座风雨桥", category="infrastructure")
    add_update(project, D(2021, 6, 1), 100, status="completed")
    chinese = client.get("/open-data/projects.json").json()
    assert list(chinese["rows"][0]) == [field["name"] for field in chinese["fields"]]
    row = chinese["rows"][0]
    assert (row["category"], row["status"], row["status_label"]) == ("设施建设", "completed", "已完成")
    assert row["url"] == f"http://testserver/projects/{project.pk}/"
    english = client.get("/en/open-data/projects.json").json()["rows"][0]
    assert english["status_label"] == "Completed (已完成)" and english["url"].endswith(
        f"/en/projects/{project.pk}/"
    )
