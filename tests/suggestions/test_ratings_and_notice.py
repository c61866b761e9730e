"""百姓监督 and 扫码看进度: ratings of completed deeds, and the A4 site notice with its QR code."""

import datetime
import re

import pytest
import segno
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from suggestions.models import Rating
from tests.conftest import add_update, logged_in

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def done(make_project):
    project = make_project(title="修建一座风雨桥")
    add_update(project, D(2021, 6, 1), 100)
    return project


def rate(client, project, satisfaction="satisfied", comment="", **extra):
    url = reverse("suggestions:rate", args=[project.pk])
    return client.post(url, {"satisfaction": satisfaction, "comment": comment, "website": ""}, **extra)


def test_citizen_rates_a_completed_deed_and_the_page_shows_the_figures(
    client, done, django_capture_on_commit_callbacks
):
    page = client.get(done.get_absolute_url()).text
    assert "还没有评价" in page and reverse("suggestions:rate", args=[done.pk]) in page
    form = client.get(reverse("suggestions:rate", args=[done.pk]))
    assert "csrfmiddlewaretoken" in form.text and "基本满意" in form.text
    assert "no-store" in form["Cache-Control"] or "no-cache" in form["Cache-Control"]
    with django_capture_on_commit_callbacks(execute=True):  # the cached project page is renewed
        assert "感谢您的评价" in rate(client, done, "satisfied").text
        rate(Client(), done, "fairly")
        rate(Client(), done, "unsatisfied")
    page = client.get(done.get_absolute_url()).text
    assert "共3条评价，满意和基本满意占66.67%" in page
    assert "33.33%" in page


def test_a_comment_is_public_only_after_moderation(
    client, done, office_admin, django_capture_on_commit_callbacks
):
    rate(client, done, "unsatisfied", comment="<b>桥面</b>有积水 =1+1")
    rating = Rating.objects.get()
    assert "桥面" not in client.get(done.get_absolute_url()).text
    staff = logged_in(Client(), office_admin)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            reverse("admin:suggestions_rating_changelist"),
            {"action": "approve_comments", admin.helpers.ACTION_CHECKBOX_NAME: [rating.pk]},
        )
    page = client.get(done.get_absolute_url()).text
    assert "&lt;b&gt;桥面&lt;/b&gt;有积水" in page and "<b>桥面" not in page


def test_unfinished_and_unpublished_deeds_cannot_be_rated(client, make_project):
    ongoing = make_project(title="在建项目")
    add_update(ongoing, D(2021, 6, 1), 50)
    assert "完成后才能评价" in rate(client, ongoing).text
    draft = make_project(title="草稿", is_public=False)
    assert rate(client, draft).status_code == 404
    assert not Rating.objects.exists()


def test_ratings_are_throttled_per_address(client, done):
    for _ in range(10):
        rate(Client(), done)
    refused = rate(Client(), done)
    assert refused.status_code == 429 and "提交过于频繁" in refused.text
    assert Rating.objects.count() == 10


def test_bad_rating_is_refused_in_chinese(client, done):
    response = rate(client, done, satisfaction="excellent", comment="x" * 501)
    assert response.status_code == 200 and "选择一个有效的选项" in response.text and "500" in response.text
    assert not Rating.objects.exists()


def test_the_notice_encodes_the_projects_canonical_url(client, done, settings):
    settings.ALLOWED_HOSTS = ["deeds.example.gov.cn"]
    response = client.get(reverse("suggestions:notice", args=[done.pk]), HTTP_HOST="deeds.example.gov.cn")
    assert response.status_code == 200
    text = response.text
    assert "修建一座风雨桥" in text and "第一党支部" in text and "2021年6月30日" in text
    url = f"http://deeds.example.gov.cn/projects/{done.pk}/"
    assert url in text
    # The SVG drawn is exactly the QR code of that address (segno draws the same symbol for the same payload).
    drawn = re.search(r'<path class="qrline"[^>]* d="([^"]+)"', text).group(1)
    expected = segno.make_qr(url, error="m").svg_inline(border=4, omitsize=True)
    assert drawn == re.search(r' d="([^"]+)"', expected).group(1)
    # The same notice from the English address still points to the Chinese page.
    english = client.get(f"/en/suggestions/notice/{done.pk}/", HTTP_HOST="deeds.example.gov.cn").text
    assert url in english and "/en/projects/" not in english


def test_no_notice_for_a_draft(client, make_project):
    draft = make_project(is_public=False)
    assert client.get(reverse("suggestions:notice", args=[draft.pk])).status_code == 404


def test_one_ipv6_64_is_one_address_to_the_rating_limit(client, done):
    for n in range(1, 11):
        rate(Client(), done, REMOTE_ADDR=f"2001:db8:a:b::{n}")
    refused = rate(Client(), done, REMOTE_ADDR="2001:db8:a:b::beef")
    assert refused.status_code == 429 and "提交过于频繁" in refused.text
    assert rate(Client(), done, REMOTE_ADDR="2001:db8:a:c::1").status_code == 200
    assert Rating.objects.count() == 11


def test_one_browser_rates_a_project_once_and_a_later_rating_replaces_the_earlier(
    client, done, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rate(client, done, "unsatisfied", comment="桥面有积水")
        again = rate(client, done, "satisfied")
    assert "感谢您的评价" in again.text and "替换" in again.text
    rating = Rating.objects.get()
    assert (rating.satisfaction, rating.comment) == ("satisfied", "")
    assert "共1条评价，满意和基本满意占100.00%" in client.get(done.get_absolute_url()).text
    rate(Client(), done, "unsatisfied")  # another browser counts
    assert Rating.objects.count() == 2


def test_ratings_of_one_project_are_capped_per_address_beside_per_browser(
    client, done, settings, make_project
):
    settings.SUGGESTION_RATINGS_PER_ADDRESS = 3
    for _ in range(3):
        rate(Client(), done)  # browsers that drop their cookie
    refused = rate(Client(), done, "unsatisfied")
    assert refused.status_code == 429 and "您所在网络对这个项目的评价已达上限" in refused.text
    assert Rating.objects.count() == 3 and not Rating.objects.filter(satisfaction="unsatisfied").exists()
    assert rate(Client(), done, REMOTE_ADDR="10.0.0.9").status_code == 200  # another address
    other = make_project(title="另一个项目")
    add_update(other, D(2021, 6, 1), 100)
    assert rate(Client(), other).status_code == 200  # another project
