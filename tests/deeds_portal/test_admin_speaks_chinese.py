"""Every admin page a staff member opens is in Chinese: a walk of every registered admin
(list, add, a record's page and its history) for each role, in zh-hans, that fails on
English words; and the admin's JavaScript strings (the volunteer picker) in Chinese."""

import html
import json
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from reversion.admin import VersionAdmin

from tests.kit.once import shared_rows
from tests.units.factories import make_user
from units.models import Unit
from units.roles import LEADER, OFFICE_ADMIN, UNIT_EDITOR, VOLUNTEER_COORDINATOR

# Latin words that are right in a Chinese admin: key names in Django's own Chinese help
# text (“按住 Control 键或 Mac 上的 Command 键”) and file formats.
ALLOWED = {
    "Control",
    "Command",
    "Mac",
    "csv",
    "xlsx",
    "http",
    "https",
}  # key names, file formats, web schemes

PERSONAS = {
    "office": (OFFICE_ADMIN, None),
    "editor": (UNIT_EDITOR, "第一党支部"),
    "leader": (LEADER, None),
    "coordinator": (VOLUNTEER_COORDINATOR, "机关党委"),
}

# A run of Latin letters, digits and underscores, words joined by spaces or hyphens.
LATIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_'’]*(?:[ -][A-Za-z0-9_][A-Za-z0-9_'’]*)*")


def visible_text(page: str) -> str:
    """What a reader (or a screen reader) gets: text outside tags, scripts and styles,
    plus the labels of buttons and the placeholders of boxes."""
    page = re.sub(r"<(script|style|template)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    labels = re.findall(r'<input[^>]*type="(?:submit|button)"[^>]*value="([^"]*)"', page)
    labels += re.findall(r'placeholder="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *labels]))


def english_words(text: str, ignore=()) -> list[str]:
    """Latin runs that read as English: codes (no lower case), numbers and identifiers
    (digits, underscores) are data, not words."""
    for phrase in sorted(ignore, key=len, reverse=True):
        text = text.replace(phrase, " ")
    text = re.sub(r"\S*\*{3,}", " ", text)  # a masked secret (a password hash's salt): data
    found = set()
    for run in LATIN.findall(text):
        for word in re.split(r"[ -]", run):
            if not re.search(r"[a-z]", word) or re.search(r"[0-9_]", word) or word in ALLOWED:
                continue
            found.add(run)
    return sorted(found)


def admin_pages(user):
    """(url, what) of each admin page the user may open: home, each app, each model's list,
    add page, first record's page and its history."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = [(reverse("admin:index"), "home")]
    apps = set()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        if not model_admin.has_module_permission(request):
            continue
        if not model_admin.has_view_or_change_permission(request):
            continue
        apps.add(opts.app_label)
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        pages.append((reverse(f"{prefix}_changelist"), "list"))
        if model_admin.has_add_permission(request):
            pages.append((reverse(f"{prefix}_add"), "add"))
        record = model_admin.get_queryset(request).order_by("pk").first()
        if record is not None and model_admin.has_view_or_change_permission(request, record):
            pages.append((reverse(f"{prefix}_change", args=[record.pk]), "record"))
            if isinstance(model_admin, VersionAdmin):
                pages.append((reverse(f"{prefix}_history", args=[record.pk]), "history"))
    for label in sorted(apps):
        try:
            pages.append((reverse("admin:app_list", args=[label]), "app"))
        except NoReverseMatch:
            pass
    return pages


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo ledgers, loaded once for the four roles' walks (each walk only reads them)."""
    with shared_rows(django_db_blocker):
        yield _seed()


def _seed():
    from tests.volunteers.factories import make_shift
    from volunteers import services
    from volunteers.models import Post, Volunteer

    call_command("seed_demo")
    volunteer = Volunteer.objects.order_by("pk").first()
    services.issue_certificate(
        volunteer,
        volunteer.assignments.order_by("starts_at").first().shift.date,
        volunteer.assignments.order_by("starts_at").first().shift.date,
        None,
    )
    make_shift(Post.objects.order_by("pk").first())
    return True


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_admin_page_speaks_chinese_to_each_role(client, seeded, db, persona):
    role, unit_name = PERSONAS[persona]
    user = make_user(persona, role, Unit.objects.get(name=unit_name) if unit_name else None)
    client.force_login(user)
    ignore = {persona, "<unknown>"}
    english = {}
    pages = admin_pages(user)
    assert len(pages) > 5
    for url, what in pages:
        response = client.get(url, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, (url, response.status_code)
        words = english_words(visible_text(response.content.decode()), ignore)
        if words:
            english[f"{what} {url}"] = words
    for url in staff_pages():  # the coordinators' pages beside the admin, where the role may open them
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code == 200:
            words = english_words(visible_text(response.content.decode()), ignore)
            if words:
                english[f"staff {url}"] = words
    assert english == {}


def staff_pages() -> list[str]:
    from volunteers.models import Certificate, Volunteer

    volunteer = Volunteer.objects.order_by("pk").first()
    certificate = Certificate.objects.order_by("pk").first()
    return [
        reverse("volunteers:roster") + "?month=2021-05",
        reverse("volunteers:hours") + "?start=2021-01-01&end=2021-12-31",
        reverse("volunteers:issue-certificate", args=[volunteer.pk]),
        reverse("volunteers:certificate", args=[certificate.pk]),
    ]


def test_the_volunteer_picker_and_other_admin_scripts_speak_chinese(client, db):
    from pathlib import Path

    import django

    client.force_login(make_user("office", OFFICE_ADMIN))
    response = client.get(reverse("admin:jsi18n"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", response.text, re.S).group(1))
    scripts = Path(django.__file__).parent / "contrib/admin/static/admin/js"
    used = set()
    for script in [*scripts.glob("*.js"), *scripts.glob("admin/*.js")]:
        used |= set(re.findall(r"\bgettext\(\s*'([^']+)'\s*\)", script.read_text()))
        used |= set(re.findall(r'\bgettext\(\s*"([^"]+)"\s*\)', script.read_text()))
    assert "Choose all %s" in used  # the two-box picker of a pattern's regular volunteers
    untranslated = sorted(
        msgid for msgid in used if not re.search(r"[\u4e00-\u9fff]", catalog.get(msgid, ""))
    )
    assert untranslated == []
