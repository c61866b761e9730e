"""百姓点菜: a citizen proposes a deed, staff moderate, the public sees and supports it."""

import datetime
import io
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.models import Project
from review.models import ReviewRequest
from suggestions.models import Suggestion, SuggestionStatus, Support, merge
from suggestions.protection import support_token
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

NEW = "/suggestions/new/"
CONTACT = "13912345678"


def propose(client, extra=None, **client_kwargs):
    """Post the form; ``extra`` changes fields, ``client_kwargs`` go to the test client (follow, REMOTE_ADDR)."""
    data = {
        "what": "小区门口加装路灯",
        "place": "东关社区",
        "why": "晚上太黑，老人出行不便",
        "contact": "",
        "website": "",
    }
    return client.post(NEW, {**data, **(extra or {})}, **client_kwargs)


def reference_from(response) -> str:
    return re.search(r"JY[0-9A-Z]{8}", response.text).group(0)


def publish(suggestion, status=SuggestionStatus.ACCEPTED, **fields):
    suggestion.status = status
    suggestion.is_published = True
    for name, value in fields.items():
        setattr(suggestion, name, value)
    suggestion.save()
    return suggestion


OWN_ORIGIN = "http://testserver"


def support(client, suggestion, **extra):
    """A support sent from the site's own list page (browsers send Origin with every POST)."""
    extra.setdefault("HTTP_ORIGIN", OWN_ORIGIN)
    return client.post("/suggestions/support/", {"token": support_token(suggestion.pk)}, **extra)


def test_citizen_proposes_and_looks_up_the_status(client):
    form = client.get(NEW)
    assert form.status_code == 200 and "csrfmiddlewaretoken" in form.text
    assert "no-cache" in form["Cache-Control"] or "no-store" in form["Cache-Control"]

    response = propose(client, dict(contact=CONTACT), follow=True)
    reference = reference_from(response)
    assert "已收到" in response.text
    suggestion = Suggestion.objects.get(reference=reference)
    assert (
        suggestion.contact == CONTACT
        and suggestion.address_hash
        and "127.0.0.1" not in suggestion.address_hash
    )

    lookup = client.get("/suggestions/status/", {"reference": reference.lower()})
    assert "小区门口加装路灯" in lookup.text and "已收到" in lookup.text
    assert CONTACT not in lookup.text

    publish(suggestion, SuggestionStatus.DECLINED, public_reason="已列入明年市政计划")
    lookup = client.get("/suggestions/status/", {"reference": reference})
    assert "不予采纳" in lookup.text and "已列入明年市政计划" in lookup.text

    unknown = client.get("/suggestions/status/", {"reference": "JY00000000"})
    assert "没有" in unknown.text and unknown.status_code == 200


def test_nothing_is_public_before_moderation_and_contact_never(client, django_capture_on_commit_callbacks):
    propose(client, dict(what="待审核的建议", contact=CONTACT))
    suggestion = Suggestion.objects.get()
    assert "待审核的建议" not in client.get("/suggestions/").text
    assert client.get(f"/suggestions/{suggestion.pk}/").status_code == 404
    assert "待审核的建议" not in client.get("/open-data/suggestions.json").text

    with django_capture_on_commit_callbacks(execute=True):  # the cached pages are renewed on commit
        publish(suggestion)
    pages = [
        "/suggestions/",
        f"/suggestions/{suggestion.pk}/",
        "/open-data/suggestions.json",
        "/open-data/suggestions.csv",
        "/en/suggestions/",
    ]
    for url in pages:
        text = client.get(url).content.decode()
        assert "待审核的建议" in text, url
        assert (
            CONTACT not in text and suggestion.address_hash not in text and suggestion.reference not in text
        ), url
    assert "已采纳" in client.get("/suggestions/").text


def test_bad_input_is_refused_in_chinese_and_nothing_written(client):
    response = propose(client, dict(what="", why="x" * 2001))
    assert response.status_code == 200
    assert "这个字段是必填项" in response.text
    assert "2000" in response.text
    assert not Suggestion.objects.exists()


def test_honeypot_writes_nothing(client):
    response = propose(client, dict(website="http://spam.example"))
    assert response.status_code == 302
    assert not Suggestion.objects.exists()


def test_script_and_formula_are_text(client):
    propose(client, dict(what="<script>alert(1)</script>", why='=HYPERLINK("http://evil")'))
    publish(Suggestion.objects.get())
    page = client.get("/suggestions/").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    csv = client.get("/open-data/suggestions.csv").content.decode()
    assert "'=HYPERLINK" in csv


def test_a_flood_from_one_address_is_throttled_in_chinese(client):
    for _ in range(5):
        assert propose(client).status_code == 302
    refused = propose(client, dict(what="第六条"))
    assert refused.status_code == 429
    assert "提交过于频繁" in refused.text
    assert Suggestion.objects.count() == 5
    # Another address is not affected.
    assert propose(client, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_support_counts_once_per_browser(client, settings):
    suggestion = publish(Suggestion.objects.create(what="修路", place="西村", why="坑多"))
    first = support(client, suggestion)
    assert first.status_code == 200 and "已计入" in first.text
    again = support(client, suggestion)
    assert "已经支持过" in again.text
    suggestion.refresh_from_db()
    assert suggestion.support_count == 1
    # A second browser (no cookie) counts.

    support(Client(), suggestion)
    suggestion.refresh_from_db()
    assert suggestion.support_count == 2
    assert "2" in client.get("/suggestions/").text


def test_support_is_rate_limited_per_address(client, settings):
    settings.SUGGESTION_SUPPORTS_PER_ADDRESS = 0  # the hourly limit, not the cap per suggestion
    suggestion = publish(Suggestion.objects.create(what="修路", place="西村", why="坑多"))
    for _ in range(30):
        support(Client(), suggestion)
    refused = support(Client(), suggestion)
    assert refused.status_code == 429 and "提交过于频繁" in refused.text
    suggestion.refresh_from_db()
    assert suggestion.support_count == 30


def test_support_refuses_forged_tokens_other_sites_and_unpublished(client):
    hidden = Suggestion.objects.create(what="未审核", place="西村", why="x")
    assert support(client, hidden).status_code == 404
    shown = publish(Suggestion.objects.create(what="修路", place="西村", why="坑多"))
    assert client.post("/suggestions/support/", {"token": f"{shown.pk}:forged"}).status_code == 404
    assert support(client, shown, HTTP_ORIGIN="https://evil.example").status_code == 404
    assert client.get("/suggestions/support/").status_code == 405
    assert not Support.objects.exists()


def test_merging_keeps_supporters_once(client):

    first = publish(Suggestion.objects.create(what="加装路灯", place="东关", why="黑"))
    duplicate = publish(Suggestion.objects.create(what="装路灯", place="东关", why="太黑"))
    both = Client()
    support(both, first)
    support(both, duplicate)  # the same browser supported both: counts once after the merge
    support(Client(), duplicate)
    merge(duplicate, first)
    first.refresh_from_db()
    duplicate.refresh_from_db()
    assert first.support_count == 2
    assert duplicate.status == SuggestionStatus.MERGED and duplicate.merged_into == first
    listing = client.get("/suggestions/").text
    assert "加装路灯" in listing and "装路灯</a>" not in listing.replace("加装路灯</a>", "")
    lookup = client.get("/suggestions/status/", {"reference": duplicate.reference}).text
    assert "加装路灯" in lookup and f"/suggestions/{first.pk}/" in lookup


def test_admin_merge_and_decline(client, office_admin):
    a = Suggestion.objects.create(what="A", place="东关", why="x")
    b = Suggestion.objects.create(what="B", place="东关", why="x")
    staff = logged_in(client, office_admin)
    staff.post(
        reverse("admin:suggestions_suggestion_changelist"),
        {"action": "merge_duplicates", admin.helpers.ACTION_CHECKBOX_NAME: [a.pk, b.pk]},
    )
    b.refresh_from_db()
    assert b.merged_into == a
    # Declining needs a public reason.
    url = reverse("admin:suggestions_suggestion_change", args=[a.pk])
    data = {
        "what": "A",
        "place": "东关",
        "why": "x",
        "contact": "",
        "status": "declined",
        "is_published": "on",
    }
    response = staff.post(url, {**data, "public_reason": ""})
    assert response.status_code == 200 and "公开" in response.text
    for shortcut in [
        "merged",
        "converted",
    ]:  # only the list actions, which move supporters or make the project
        assert "列表操作" in staff.post(url, {**data, "status": shortcut, "public_reason": ""}).text
    staff.post(url, {**data, "public_reason": "不在本级职权范围"})
    a.refresh_from_db()
    assert a.status == SuggestionStatus.DECLINED
    assert "不在本级职权范围" in client.get("/suggestions/").text


def test_conversion_links_both_pages(
    client, office_admin, round_, unit_a, django_capture_on_commit_callbacks
):
    suggestion = publish(
        Suggestion.objects.create(what="建一座口袋公园", place="南街社区", why="没有休闲地方")
    )
    staff = logged_in(client, office_admin)
    changelist = reverse("admin:suggestions_suggestion_changelist")
    form = staff.post(
        changelist, {"action": "make_into_project", admin.helpers.ACTION_CHECKBOX_NAME: [suggestion.pk]}
    )
    assert "round" in form.text and "deadline" in form.text
    staff.post(
        changelist,
        {
            "action": "make_into_project",
            admin.helpers.ACTION_CHECKBOX_NAME: [suggestion.pk],
            "make_project": "1",
            "round": round_.pk,
            "unit": unit_a.pk,
            "category": "infrastructure",
            "deadline": "2030-12-31",
        },
    )
    project = Project.objects.get(title="建一座口袋公园")
    suggestion.refresh_from_db()
    assert suggestion.project == project and suggestion.status == SuggestionStatus.CONVERTED
    assert project.demand_source == Project.DemandSource.CITIZEN and not project.is_public
    client.logout()
    assert project.get_absolute_url() not in client.get(f"/suggestions/{suggestion.pk}/").text  # a draft
    project.is_public = True
    with django_capture_on_commit_callbacks(execute=True):
        project.save()
    suggestion_page = client.get(f"/suggestions/{suggestion.pk}/").text
    assert "已转为项目" in suggestion_page and project.get_absolute_url() in suggestion_page
    assert f"/suggestions/{suggestion.pk}/" in client.get(project.get_absolute_url()).text


def test_editors_moderate_only_their_units(client, editor_a, unit_a, unit_b):
    mine = Suggestion.objects.create(what="本单位建议", place="东关", why="x", unit=unit_a)
    other = Suggestion.objects.create(what="他单位建议", place="西关", why="x", unit=unit_b)
    staff = logged_in(client, editor_a)
    listing = staff.get(reverse("admin:suggestions_suggestion_changelist")).text
    assert "本单位建议" in listing and "他单位建议" not in listing
    assert staff.get(reverse("admin:suggestions_suggestion_change", args=[other.pk])).status_code in (
        302,
        403,
        404,
    )
    assert staff.get(reverse("admin:suggestions_suggestion_change", args=[mine.pk])).status_code == 200


def test_addresses_are_forgotten_after_retention(client, settings):
    settings.SUGGESTION_ADDRESS_RETENTION_DAYS = 30
    propose(client, dict(contact=CONTACT))
    old = Suggestion.objects.get()
    Suggestion.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=31), status=SuggestionStatus.DECLINED
    )
    propose(client, dict(what="新的建议"))
    call_command("forget_citizen_addresses", stdout=io.StringIO())
    old.refresh_from_db()
    assert old.address_hash == "" and old.contact == ""
    assert Suggestion.objects.get(what="新的建议").address_hash != ""


def test_sitemap_lists_published_suggestions_only(client):
    shown = publish(Suggestion.objects.create(what="修路", place="西村", why="坑多"))
    hidden = Suggestion.objects.create(what="未审核", place="西村", why="x")
    sitemap = client.get("/sitemap.xml").text
    assert f"http://testserver/suggestions/{shown.pk}/" in sitemap
    assert f"http://testserver/en/suggestions/{shown.pk}/" in sitemap
    assert f"/suggestions/{hidden.pk}/" not in sitemap
    assert "http://testserver/suggestions/</loc>" in sitemap


def test_forgotten_addresses_and_contacts_leave_the_record_history_too(client, office_admin):
    from reversion.models import Version

    propose(client, dict(contact=CONTACT))
    suggestion = Suggestion.objects.get()
    url = reverse("admin:suggestions_suggestion_change", args=[suggestion.pk])
    data = {
        "what": suggestion.what,
        "place": "东关社区",
        "why": "x",
        "contact": CONTACT,
        "public_reason": "重复",
    }
    logged_in(Client(), office_admin).post(url, {**data, "status": "declined", "is_published": "on"})
    assert any(CONTACT in version.serialized_data for version in Version.objects.get_for_object(suggestion))
    Suggestion.objects.filter(pk=suggestion.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=91)
    )
    call_command("forget_citizen_addresses", stdout=io.StringIO())
    for version in Version.objects.get_for_object(suggestion):
        assert CONTACT not in version.serialized_data
        assert suggestion.address_hash not in version.serialized_data


def test_an_editors_project_made_from_a_suggestion_waits_for_review(client, editor_a, round_, unit_a):
    suggestion = publish(
        Suggestion.objects.create(what="修一条健身步道", place="东关社区", why="老人没处锻炼", unit=unit_a)
    )
    logged_in(client, editor_a).post(
        reverse("admin:suggestions_suggestion_changelist"),
        {
            "action": "make_into_project",
            admin.helpers.ACTION_CHECKBOX_NAME: [suggestion.pk],
            "make_project": "1",
            "round": round_.pk,
            "unit": unit_a.pk,
            "category": "infrastructure",
            "deadline": "2030-12-31",
        },
    )
    project = Project.objects.get(title="修一条健身步道")
    assert project.review_status == "pending"
    assert ReviewRequest.objects.get().target == project


def test_one_ipv6_64_is_one_address_to_the_submission_limit(client):
    for n in range(1, 6):
        assert propose(Client(), REMOTE_ADDR=f"2001:db8:a:b::{n}").status_code == 302
    refused = propose(Client(), dict(what="第六条"), REMOTE_ADDR="2001:db8:a:b:ffff::9")
    assert refused.status_code == 429 and "提交过于频繁" in refused.text
    assert propose(Client(), REMOTE_ADDR="2001:db8:a:c::1").status_code == 302  # the next /64
    assert Suggestion.objects.count() == 6


def test_a_merged_suggestions_status_never_shows_the_unpublished_text_it_went_into(client):
    target = Suggestion.objects.create(what="尚未审核的目标建议", place="东关", why="x")
    duplicate = publish(Suggestion.objects.create(what="装路灯", place="东关", why="太黑"))
    merge(duplicate, target)
    lookup = client.get("/suggestions/status/", {"reference": duplicate.reference}).text
    assert "已合并" in lookup
    assert "尚未审核的目标建议" not in lookup and f"/suggestions/{target.pk}/" not in lookup
    publish(target)
    lookup = client.get("/suggestions/status/", {"reference": duplicate.reference}).text
    assert "尚未审核的目标建议" in lookup and f"/suggestions/{target.pk}/" in lookup


def test_support_from_another_site_a_sandboxed_frame_or_without_origin_is_refused(client):
    shown = publish(Suggestion.objects.create(what="修路", place="西村", why="坑多"))
    for origin in ["null", "https://evil.example", "http://testserver.evil.example", "https://testserver"]:
        assert support(Client(), shown, HTTP_ORIGIN=origin).status_code == 404, origin
    without = {"token": support_token(shown.pk)}
    assert Client().post("/suggestions/support/", without).status_code == 404
    cross_referer = Client().post("/suggestions/support/", without, HTTP_REFERER="https://evil.example/x")
    assert cross_referer.status_code == 404
    assert not Support.objects.exists()
    # The site's own page: by its Origin, or (a browser that sends none) by its Referer.
    assert "已计入" in support(Client(), shown).text
    own_referer = Client().post(
        "/suggestions/support/", without, HTTP_REFERER="http://testserver/suggestions/"
    )
    assert "已计入" in own_referer.text
    shown.refresh_from_db()
    assert shown.support_count == 2


def test_supports_are_counted_per_browser_and_per_address(client, settings):
    settings.SUGGESTION_SUPPORTS_PER_ADDRESS = 3
    shown = publish(Suggestion.objects.create(what="修路", place="西村", why="坑多"))
    other = publish(Suggestion.objects.create(what="装灯", place="西村", why="黑"))
    for _ in range(3):
        assert "已计入" in support(Client(), shown).text  # a browser without its cookie is a new one
    capped = support(Client(), shown)
    assert capped.status_code == 200 and "您所在网络对这条建议的支持已达上限" in capped.text
    assert "已计入" in support(Client(), shown, REMOTE_ADDR="10.0.0.9").text  # another address
    assert "已计入" in support(Client(), other).text  # another suggestion
    shown.refresh_from_db()
    assert shown.support_count == 4 and Support.objects.filter(suggestion=shown).count() == 4


def test_making_a_project_asks_for_its_deadline_and_refuses_a_past_one(client, office_admin, round_, unit_a):
    suggestion = publish(Suggestion.objects.create(what="修一条步道", place="南街社区", why="没有步道"))
    changelist = reverse("admin:suggestions_suggestion_changelist")
    staff = logged_in(client, office_admin)
    chosen = {"action": "make_into_project", admin.helpers.ACTION_CHECKBOX_NAME: [suggestion.pk]}
    form = staff.post(changelist, chosen).text
    assert 'name="deadline"' in form and 'name="deadline" value=' not in form  # not guessed for them
    data = {
        **chosen,
        "make_project": "1",
        "round": round_.pk,
        "unit": unit_a.pk,
        "category": "infrastructure",
    }
    assert "这个字段是必填项" in staff.post(changelist, {**data, "deadline": ""}).text
    assert "完成时限不能早于今天" in staff.post(changelist, {**data, "deadline": "2020-01-01"}).text
    assert not Project.objects.filter(title="修一条步道").exists()
    staff.post(changelist, {**data, "deadline": "2030-12-31"})
    assert Project.objects.get(title="修一条步道").deadline.isoformat() == "2030-12-31"
