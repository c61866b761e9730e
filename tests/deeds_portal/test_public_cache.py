"""Public pages from the page cache: zero queries on a hit, exact invalidation, HTTP validators."""

import datetime
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Project
from tests.conftest import add_update, logged_in
from tests.kit import LedgerAdmin, read_xlsx, write_xlsx
from tests.projects.test_admin import form_data
from units.public_pages import GENERATION_KEY, generation

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PUBLIC = ["/", "/projects/", "/en/", "/en/projects/", "/open-data/", "/open-data/projects.json"]


@pytest.fixture
def bridge(make_project):
    project = make_project(title="修建一座风雨桥", lead_name="演示·周建国", internal_notes="困难户王某某")
    add_update(project, datetime.date(2021, 6, 1), 40, note="桥墩完工")
    return project


@pytest.mark.parametrize("url", PUBLIC)
def test_the_second_request_comes_from_the_cache_without_sql(client, bridge, url, django_assert_num_queries):
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_detail_page_is_cached_too(client, bridge, django_assert_num_queries):
    url = reverse("projects:detail", args=[bridge.pk])
    client.get(url)
    with django_assert_num_queries(0):
        assert "修建一座风雨桥" in client.get(url).text


def test_a_conditional_request_gets_304(client, bridge):
    etag = client.get("/projects/")["ETag"]
    assert etag
    again = client.get("/projects/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert client.get("/projects/", HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_public_pages_let_a_proxy_keep_them_briefly_and_vary_on_nothing(client, bridge):
    for url in PUBLIC:
        response = client.get(url)
        assert "public" in response["Cache-Control"] and "s-maxage=" in response["Cache-Control"], url
        assert not response.has_header("Vary"), (url, response.get("Vary"))
        assert "csrftoken" not in response.cookies and "sessionid" not in response.cookies


def test_a_staff_save_through_the_form_shows_at_once(
    client, bridge, office_admin, django_capture_on_commit_callbacks
):
    assert "修建一座风雨桥" in client.get("/projects/").text
    staff = logged_in(client.__class__(), office_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("admin:projects_project_change", args=[bridge.pk]),
            form_data(bridge, title="风雨桥改名了"),
        )
    assert response.status_code == 302
    page = client.get("/projects/").text
    assert "风雨桥改名了" in page and "修建一座风雨桥" not in page


def test_an_import_shows_at_once(client, bridge, office_admin, django_capture_on_commit_callbacks):
    assert "40%" in client.get(reverse("projects:detail", args=[bridge.pk])).text
    ledger = LedgerAdmin(logged_in(client.__class__(), office_admin), Project)
    rows = read_xlsx(ledger.export())
    percent = rows[0].index("当前进度(%)")
    rows[1][percent] = 90
    rows[1][rows[0].index("进度日期")] = datetime.date(2021, 6, 20)
    with django_capture_on_commit_callbacks(execute=True):
        _, response = ledger.import_file(write_xlsx(rows))
    assert response.status_code == 302
    assert "90%" in client.get(reverse("projects:detail", args=[bridge.pk])).text


def test_a_restore_and_a_delete_show_at_once(
    client, bridge, office_admin, django_capture_on_commit_callbacks
):
    import reversion

    from tests.units.test_history_restore import oldest_version, restore, revision_url

    with reversion.create_revision():
        bridge.save()
    bridge.title = "临时标题"
    with django_capture_on_commit_callbacks(execute=True), reversion.create_revision():
        bridge.save()
    assert "临时标题" in client.get("/projects/").text
    staff = logged_in(client.__class__(), office_admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert restore(staff, revision_url(bridge.pk, oldest_version(bridge))).status_code == 302
    assert "修建一座风雨桥" in client.get("/projects/").text

    with django_capture_on_commit_callbacks(execute=True):
        Project.objects.get(pk=bridge.pk).delete()
    assert "修建一座风雨桥" not in client.get("/projects/").text


def test_a_write_that_rolls_back_keeps_the_cache(client, bridge, django_capture_on_commit_callbacks):
    before = generation("projects.Project")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bridge.save()
    assert callbacks  # the bump waits for the commit …
    assert generation("projects.Project") == before  # … so a rolled-back write bumps nothing


def test_drafts_and_personal_data_stay_out_of_the_cache_and_open_data(client, bridge, make_project):
    make_project(title="尚未公开的草稿", is_public=False)
    for url in [*PUBLIC, "/open-data/projects.csv", reverse("projects:detail", args=[bridge.pk])]:
        text = client.get(url).content.decode()
        for secret in ("尚未公开的草稿", "演示·周建国", "困难户王某某"):
            assert secret not in text, (url, secret)
    assert client.get(reverse("projects:detail", args=[bridge.pk + 1])).status_code == 404


def test_staff_pages_and_exports_are_never_cached(client, bridge, office_admin):
    client = logged_in(client, office_admin)
    for url in [
        "/admin/",
        reverse("admin:projects_project_changelist"),
        reverse("admin:projects_project_export"),
    ]:
        assert "no-store" in client.get(url)["Cache-Control"], url
    export = LedgerAdmin(client, Project).export_response()
    assert "no-store" in export["Cache-Control"]


@pytest.mark.parametrize(
    ("url", "language", "other"),
    [("/projects/", "zh-hans", "/en/projects/"), ("/en/projects/", "en", "/projects/")],
)
def test_each_page_names_its_canonical_and_other_language_version(client, bridge, url, language, other):
    page = client.get(url).text
    assert f'<link rel="canonical" href="http://testserver{url}">' in page
    assert '<link rel="alternate" hreflang="zh-Hans" href="http://testserver/projects/">' in page
    assert '<link rel="alternate" hreflang="en" href="http://testserver/en/projects/">' in page
    assert '<link rel="alternate" hreflang="x-default" href="http://testserver/projects/">' in page
    assert f'href="{other}"' in page  # the language switch is a plain link
    assert "csrfmiddlewaretoken" not in page
    assert '<meta property="og:title"' in page and '<meta name="description"' in page


def test_a_shared_link_keeps_its_query_in_the_other_language(client, bridge):
    page = client.get("/projects/?status=in_progress").text
    assert 'href="/en/projects/?status=in_progress"' in page


def test_robots_and_sitemap(client, bridge, make_project):
    make_project(title="草稿", is_public=False)
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in robots.text and "Sitemap: http://testserver/sitemap.xml" in robots.text
    sitemap = client.get("/sitemap.xml")
    root = ET.fromstring(sitemap.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    locations = [loc.text for loc in root.findall("s:url/s:loc", ns)]
    assert "http://testserver/" in locations and "http://testserver/en/" in locations
    assert f"http://testserver/projects/{bridge.pk}/" in locations
    assert f"http://testserver/en/projects/{bridge.pk}/" in locations
    assert (
        len([loc for loc in locations if "/projects/" in loc and loc.rstrip("/").split("/")[-1].isdigit()])
        == 2
    )
    assert root.findall("s:url/x:link[@hreflang='en']", ns)


def test_open_data_lists_its_files_and_serves_them_with_the_pages_filters(client, bridge, make_project):
    make_project(title='=HYPERLINK("http://evil")', deadline=datetime.date(2030, 1, 1))
    index = client.get("/open-data/").text
    assert "/open-data/projects.json" in index and "/open-data/projects.csv" in index
    assert "percent" in index and "status" in index  # the documented field list
    data = client.get("/open-data/projects.json").json()
    assert data["count"] == 2
    row = next(r for r in data["rows"] if r["title"] == "修建一座风雨桥")
    assert row["percent"] == 40 and row["status"] == "overdue" and row["unit"] == "第一党支部"
    assert row["url"] == f"http://testserver/projects/{bridge.pk}/"
    assert "lead_name" not in row and "internal_notes" not in row
    filtered = client.get("/open-data/projects.json?status=not_started").json()
    assert [r["title"] for r in filtered["rows"]] == ['=HYPERLINK("http://evil")']
    csv_text = client.get("/open-data/projects.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("id,title,round,unit")
    assert "'=HYPERLINK" in csv_text  # neutralised: a spreadsheet shows it, never runs it
    assert client.get("/open-data/nothing.json").status_code == 404


@pytest.mark.skipif(
    not os.environ.get("CACHE_URL", "").startswith("redis"), reason="needs a cache shared across processes"
)
def test_invalidation_reaches_other_processes(client, bridge):
    """Another application server (a separate process) bumps the generation; this one sees it."""
    client.get("/projects/")
    before = cache.get(GENERATION_KEY)
    probe = "import django; django.setup(); from units.public_pages import _bump; _bump()"
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment["DJANGO_SETTINGS_MODULE"] = "deeds_portal.settings.test"
    subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=environment, check=True, timeout=60)
    assert cache.get(GENERATION_KEY) == before + 1


def test_a_search_pages_language_links_keep_the_search_and_its_canonical_drops_it(client, db):
    # The addresses come from the request's own URL match, not from resolving the path again.
    page = client.get("/reforms/?q=%E8%80%81%E5%B9%B4&level=village").text
    assert '<link rel="canonical" href="http://testserver/reforms/">' in page
    assert 'hreflang="en" href="http://testserver/en/reforms/?q=%E8%80%81%E5%B9%B4&amp;level=village"' in page
    assert 'href="/en/reforms/?q=%E8%80%81%E5%B9%B4&amp;level=village"' in page  # the language switch
    english = client.get("/en/reforms/?page=2").text
    assert 'hreflang="zh-Hans" href="http://testserver/reforms/?page=2"' in english


def test_a_hit_is_served_before_the_session_and_the_sign_in_run(client, bridge, office_admin):
    staff = logged_in(client, office_admin)  # a session cookie: loading it would be a query
    first = staff.get("/projects/")
    assert first.status_code == 200 and "sessionid" not in first.cookies
    with CaptureQueriesContext(connection) as queries:
        second = staff.get("/projects/")
    assert len(queries) == 0 and second.content == first.content
    assert second["X-Frame-Options"] == "DENY" and second["Content-Security-Policy"]
    assert second["Content-Language"] == "zh-hans" and not second.has_header("Vary")


def test_a_save_invalidates_only_the_pages_that_show_its_model(
    client, bridge, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from tests.reforms.factories import make_item

    for url in ("/projects/", "/reforms/"):
        client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        make_item(bridge.unit, name="老年人优待证办理")
    with django_assert_num_queries(0):
        assert client.get("/projects/").status_code == 200  # a reform item is not on it
    assert "老年人优待证办理" in client.get("/reforms/").text
    with django_capture_on_commit_callbacks(execute=True):
        Project.objects.filter(pk=bridge.pk).update(title="改名的风雨桥")
        bridge.refresh_from_db()
        bridge.save()
    with django_assert_num_queries(0):
        client.get("/reforms/")
    assert "改名的风雨桥" in client.get("/projects/").text


def test_a_citizens_rating_renews_the_project_page_that_shows_it(
    client, bridge, django_capture_on_commit_callbacks
):
    from suggestions.models import Rating

    url = reverse("projects:detail", args=[bridge.pk])
    client.get(url)
    before = generation("projects.Project")
    with django_capture_on_commit_callbacks(execute=True):
        Rating.objects.create(project=bridge, satisfaction="satisfied")
    assert generation("projects.Project") != before


@pytest.mark.parametrize(
    "noise", ["?utm_source=wechat", "?from=timeline", "?utm=1&utm=2&x=%00", "?fbclid=x&utm_medium=y"]
)
def test_unknown_parameters_share_the_pages_entry_and_never_reach_it(
    client, bridge, noise, django_assert_num_queries
):
    plain = client.get("/projects/")
    with django_assert_num_queries(0):
        noisy = client.get("/projects/" + noise)
    assert noisy.content == plain.content
    assert "utm" not in noisy.text and "timeline" not in noisy.text  # the page's links carry none of it


def test_a_declared_parameter_is_a_page_of_its_own(client, bridge, make_project):
    make_project(title="未开始的项目", deadline=datetime.date(2030, 1, 1))
    everything = client.get("/projects/").text
    filtered = client.get("/projects/?status=not_started&utm_source=x").text
    assert "修建一座风雨桥" in everything and "修建一座风雨桥" not in filtered
    assert 'href="/en/projects/?status=not_started"' in filtered


def test_three_hundred_tracking_links_make_one_entry(client, bridge):
    stored = set(_page_entries())
    for number in range(300):
        client.get(f"/projects/?utm={number}")
    assert len(set(_page_entries()) - stored) == 1


def _page_entries():
    if isinstance(cache._cache, dict):  # local memory
        return [key for key in cache._cache if ":public-pages:2" in key]
    return [key.decode() for key in cache._cache.get_client().keys("*public-pages:2*")]


SECURITY_HEADERS = [
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Frame-Options",
]


def test_a_page_fetched_over_https_never_reaches_plain_http(
    client, bridge, settings, django_assert_num_queries
):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_SSL_REDIRECT = True
    secure = client.get("/projects/", secure=True)
    assert secure.status_code == 200 and secure["Strict-Transport-Security"].startswith("max-age=3600")
    with django_assert_num_queries(0):
        hit = client.get("/projects/", secure=True)
    for header in SECURITY_HEADERS:  # a hit runs no middleware: the headers come with the stored page
        assert hit[header] == secure[header], header
    plain = client.get("/projects/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/projects/"

    settings.SECURE_SSL_REDIRECT = False  # a site served over plain http too
    plain = client.__class__().get("/projects/")
    assert plain.status_code == 200 and not plain.has_header("Strict-Transport-Security")
    assert '<link rel="canonical" href="http://testserver/projects/">' in plain.text
    assert client.get("/projects/", secure=True)["Strict-Transport-Security"]


def test_a_host_outside_allowed_hosts_gets_400_not_the_cached_page(client, bridge):
    assert client.get("/projects/").status_code == 200
    assert client.get("/projects/").status_code == 200  # cached for testserver
    assert client.get("/projects/", HTTP_HOST="evil.example").status_code == 400
    other = client.get("/projects/", HTTP_HOST="localhost")  # an allowed host: a page of its own
    assert '<link rel="canonical" href="http://localhost/projects/">' in other.text


def test_made_up_addresses_cannot_fill_the_memory_of_url_matches(client, bridge):
    from units import public_pages

    for number in range(public_pages.DECLARATIONS_KEPT + 50):
        public_pages._declaration(f"/projects/{number}/nothing-here/")
    assert public_pages._remembered_declaration.cache_info().currsize == public_pages.DECLARATIONS_KEPT
    public_pages._declaration("/projects/" + "x" * public_pages.LONGEST_PATH_KEPT)
    assert public_pages._remembered_declaration.cache_info().currsize == public_pages.DECLARATIONS_KEPT
    assert client.get("/projects/0/nothing-here/").status_code == 404
    assert "修建一座风雨桥" in client.get("/projects/").text  # the public pages still match


def test_the_page_of_yesterday_is_not_served_after_midnight_in_beijing(client, make_project):
    import time_machine

    make_project(title="今天到期的项目", deadline=datetime.date(2021, 6, 30))
    beijing = datetime.timezone(datetime.timedelta(hours=8))
    with time_machine.travel(datetime.datetime(2021, 6, 30, 23, 59, tzinfo=beijing), tick=False):
        assert client.get("/open-data/projects.json").json()["rows"][0]["status"] != "overdue"
    with time_machine.travel(datetime.datetime(2021, 7, 1, 0, 1, tzinfo=beijing), tick=False):
        assert client.get("/open-data/projects.json").json()["rows"][0]["status"] == "overdue"
    with time_machine.travel(datetime.datetime(2021, 6, 30, 12, 0, tzinfo=beijing), tick=False):
        assert client.get("/open-data/projects.json").json()["rows"][0]["status"] != "overdue"


def test_with_redis_down_public_pages_are_built_from_the_database(client, bridge, settings):
    from tests.deeds_portal.test_cache import UNREACHABLE_REDIS

    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "deeds_portal.cache.TolerantRedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    for _request in range(2):
        response = client.get("/projects/")
        assert response.status_code == 200 and "修建一座风雨桥" in response.text
        assert response["Content-Security-Policy"] and not response.cookies


def test_head_is_answered_from_the_cache_and_a_head_miss_fills_it_for_get(
    client, bridge, django_assert_num_queries
):
    head = client.head("/projects/")
    assert head.status_code == 200 and head.content == b"" and head["ETag"]
    with django_assert_num_queries(0):
        page = client.get("/projects/")
    assert "修建一座风雨桥" in page.text and page["ETag"] == head["ETag"]
    with django_assert_num_queries(0):
        again = client.head("/projects/")
    assert again.status_code == 200 and again.content == b"" and again["ETag"] == head["ETag"]
    assert client.head("/projects/", HTTP_IF_NONE_MATCH=head["ETag"]).status_code == 304


NEAR_SECONDS = 0.5


@pytest.fixture
def near_copy(settings):
    """Each application server keeps a copy of the pages it serves (production with Redis)."""
    settings.PUBLIC_PAGE_NEAR_SECONDS = NEAR_SECONDS


def test_with_a_near_copy_a_change_saved_here_shows_at_once(
    client, bridge, near_copy, office_admin, django_capture_on_commit_callbacks, django_assert_num_queries
):
    assert "修建一座风雨桥" in client.get("/projects/").text
    with django_assert_num_queries(0):
        assert client.get("/projects/").status_code == 200
    staff = logged_in(client.__class__(), office_admin)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            reverse("admin:projects_project_change", args=[bridge.pk]),
            form_data(bridge, title="风雨桥改名了"),
        )
    assert "风雨桥改名了" in client.get("/projects/").text


@pytest.mark.skipif(
    not os.environ.get("CACHE_URL", "").startswith("redis"), reason="needs a cache shared across processes"
)
def test_with_a_near_copy_a_change_saved_by_another_server_shows_within_its_seconds(
    client, bridge, near_copy
):
    import time

    client.get("/projects/")
    Project.objects.filter(pk=bridge.pk).update(
        title="另一台服务器改的标题"
    )  # no signal: only the bump tells
    probe = "import django; django.setup(); from units.public_pages import _bump; _bump('projects.Project')"
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment["DJANGO_SETTINGS_MODULE"] = "deeds_portal.settings.test"
    subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=environment, check=True, timeout=60)
    time.sleep(NEAR_SECONDS)
    assert "另一台服务器改的标题" in client.get("/projects/").text


def test_with_redis_down_a_near_copy_keeps_nothing_and_pages_come_from_the_database(
    client, bridge, settings, near_copy
):
    from tests.deeds_portal.test_cache import UNREACHABLE_REDIS

    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "deeds_portal.cache.TolerantRedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    assert "修建一座风雨桥" in client.get("/projects/").text
    # Another server's save while Redis is down can tell nobody: the database is all there is.
    Project.objects.filter(pk=bridge.pk).update(title="停机时另一台服务器改的标题")
    assert "停机时另一台服务器改的标题" in client.get("/projects/").text


def test_the_near_copy_is_bounded_by_the_bytes_it_keeps():
    from django.http import HttpResponse

    from units.public_pages import _NearCopy

    near = _NearCopy(max_bytes=200_000)
    for number in range(100):
        near.keep(f"page-{number}", (1,), HttpResponse(b"x" * 10_000))
    assert near.size <= 200_000 and len(near.pages) < 100
    assert near.page("page-99", (1,)).content == b"x" * 10_000  # the latest are kept
    assert near.page("page-0", (1,)) is None and near.page("page-99", (2,)) is None


def test_any_django_cache_backend_serves_hits(client, bridge, settings, tmp_path, django_assert_num_queries):
    # make run's development cache is Django's file cache, without the portal's quicker read.
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path},
    }
    first = client.get("/projects/")
    with django_assert_num_queries(0):
        second = client.get("/projects/")
    assert second.content == first.content and second["ETag"] == first["ETag"]


def test_the_near_copy_is_on_for_a_cache_of_one_process_and_off_for_one_shared_through_files(tmp_path):
    """Production without Redis keeps pages in the process's own memory: the copy only spares the
    unpickling. Development shares a file cache with the worker: its imports show at once."""
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    def near_seconds(module: str) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "PUBLIC_PAGE_NEAR_SECONDS")}
        env.update(
            DJANGO_SETTINGS_MODULE=module,
            SECRET_KEY="k" * 60,
            ALLOWED_HOSTS="example.org",
            DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
            DEV_CACHE_DIR=str(tmp_path / "cache"),
        )
        code = "import django; django.setup(); from django.conf import settings as s; "
        code += "print(s.CACHES['default']['BACKEND'].rsplit('.', 1)[1], s.PUBLIC_PAGE_NEAR_SECONDS)"
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=django_settings.BASE_DIR,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.split()

    assert near_seconds("deeds_portal.settings.prod") == ["PageLocMemCache", "0.5"]
    assert near_seconds("deeds_portal.settings.dev") == ["FileBasedCache", "0"]
