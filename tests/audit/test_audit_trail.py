"""The audit trail (审计日志): every audited action leaves exactly one entry; the log is read-only."""

import csv
import datetime
import io

import pytest
import reversion
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from projects.models import Project
from tests.conftest import logged_in, make_user
from tests.projects.test_import_export import HEADERS, confirm, export, upload, valid_row, write_xlsx
from tests.units.test_history_restore import oldest_version, restore, revision_url
from units.models import Unit
from units.roles import LEADER

pytestmark = pytest.mark.django_db
Action = AuditEntry.Action
LIST = reverse("admin:audit_auditentry_changelist")
EXPORT = reverse("admin:audit_auditentry_export")


def entries(action):
    return list(AuditEntry.objects.filter(action=action))


# Sign-ins


def test_a_sign_in_leaves_one_entry_with_user_and_address(client, office_admin):
    response = client.post(reverse("admin:login"), {"username": "office", "password": "pw-office"})
    assert response.status_code == 302
    [entry] = entries(Action.SIGN_IN)
    assert (entry.user, entry.username, entry.address) == (office_admin, "office", "127.0.0.1")


def test_a_failed_sign_in_leaves_one_entry_without_the_password(client, office_admin):
    client.post(reverse("admin:login"), {"username": "office", "password": "guess-Secret-77"})
    [entry] = entries(Action.FAILED_SIGN_IN)
    assert entry.user is None and entry.details == {"username": "office"}
    stored = str(AuditEntry.objects.filter(pk=entry.pk).values().get())
    assert "guess-Secret-77" not in stored and "***" not in stored
    assert entries(Action.SIGN_IN) == []


# Imports and exports


def test_a_confirmed_import_leaves_one_entry_with_file_name_and_counts(client, office_admin, round_, unit_a):
    client = logged_in(client, office_admin)
    rows = [HEADERS, valid_row(round_.name, 项目名称="第一行"), valid_row(round_.name, 项目名称="第二行")]
    preview = upload(client, write_xlsx(rows), name="五月台账.xlsx")
    assert entries(Action.IMPORT) == []  # the preview is not an import
    assert confirm(client, preview).status_code == 302
    [entry] = entries(Action.IMPORT)
    assert entry.user == office_admin and entry.object_type.model == "project"
    assert entry.details == {
        "file": "五月台账.xlsx",
        "rows": 2,
        "new": 2,
        "updated": 0,
        "skipped": 0,
        "errors": 0,
        "result": "imported",
    }


def test_an_import_refused_at_confirmation_leaves_one_entry_saying_so(client, office_admin, round_, unit_a):
    client = logged_in(client, office_admin)
    rows = [HEADERS, valid_row(round_.name, 项目名称="第一行"), valid_row(round_.name, 项目名称="第二行")]
    preview = upload(client, write_xlsx(rows))
    Project.objects.create(
        round=round_, title="第二行", category="other", unit=unit_a, deadline=datetime.date(2021, 6, 30)
    )
    confirm(client, preview)
    assert not Project.objects.filter(title="第一行").exists()
    [entry] = entries(Action.IMPORT)
    assert entry.details["result"] == "refused" and entry.details["errors"] >= 1
    assert "第二行" not in str(entry.details)  # no cell contents


def test_an_export_leaves_one_entry_with_the_rows_the_user_got(client, editor_a, make_project, unit_b):
    make_project(title="A的项目")
    make_project(title="B的项目", unit=unit_b)
    export(logged_in(client, editor_a))
    [entry] = entries(Action.EXPORT)
    assert entry.user == editor_a and entry.details == {"format": "xlsx", "rows": 1}


# Workbook, restore


def test_each_workbook_issue_leaves_one_entry(client, leader):
    response = logged_in(client, leader).post(
        reverse("admin:deeds_portal_issuedworkbook_make"), {"month": "2021-06"}
    )
    assert response.status_code == 200
    [entry] = entries(Action.WORKBOOK_DOWNLOAD)
    assert entry.user == leader and entry.details == {"month": "2021-06", "via": "admin"}
    call_command("monthly_report", "2021-06", "-o", "/dev/null")
    assert len(entries(Action.WORKBOOK_DOWNLOAD)) == 2


def test_a_restore_leaves_one_entry_and_showing_a_version_none(client, office_admin, make_project):
    with reversion.create_revision():
        project = make_project(title="原来的名称")
    with reversion.create_revision():
        project.title = "改过的名称"
        project.save()
    client = logged_in(client, office_admin)  # editors may not restore: it would bypass review
    url = revision_url(project.pk, oldest_version(project))
    client.get(url)
    assert entries(Action.RESTORE) == []
    assert restore(client, url).status_code == 302
    project.refresh_from_db()
    assert project.title == "原来的名称"
    [entry] = entries(Action.RESTORE)
    assert entry.user == office_admin and entry.object_id == str(project.pk)


# Roles and unit memberships


def test_each_role_change_leaves_one_entry(office_admin, editor_a):
    AuditEntry.objects.all().delete()
    leaders = Group.objects.get(name=LEADER)
    editor_a.groups.add(leaders)
    leaders.user_set.remove(editor_a)
    added, removed = AuditEntry.objects.filter(action=Action.ROLE_CHANGE).order_by("pk")
    assert added.object_id == removed.object_id == str(editor_a.pk)
    assert (added.details, removed.details) == ({"added": [LEADER]}, {"removed": [LEADER]})
    assert AuditEntry.objects.count() == 2


def user_page_data(client, user, **changes):
    form = client.get(reverse("admin:auth_user_change", args=[user.pk])).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for name in ("password", "last_login", "date_joined"):
        data.pop(name, None)
    data.update(date_joined_0="2021-05-01", date_joined_1="09:00:00")
    memberships = list(Unit.members.through.objects.filter(user=user))
    prefix = "Unit_members"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": len(memberships),
            f"{prefix}-INITIAL_FORMS": len(memberships),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    )
    for number, row in enumerate(memberships):
        data.update(
            {
                f"{prefix}-{number}-id": row.pk,
                f"{prefix}-{number}-unit": row.unit_id,
                f"{prefix}-{number}-user": user.pk,
            }
        )
    data.update(changes)
    return data


def test_changing_a_role_and_a_unit_in_the_user_page_leaves_one_entry_each(
    client, office_admin, editor_a, unit_b
):
    client = logged_in(client, office_admin)
    data = user_page_data(client, editor_a, groups=[Group.objects.get(name=LEADER).pk])
    data["Unit_members-0-unit"] = unit_b.pk  # moved from unit A to unit B
    AuditEntry.objects.all().delete()
    response = client.post(reverse("admin:auth_user_change", args=[editor_a.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(editor_a.units.all()) == [unit_b]
    [role] = entries(Action.ROLE_CHANGE)
    assert role.user == office_admin and role.object_id == str(editor_a.pk)
    assert role.details == {"added": [LEADER], "removed": ["单位台账员"]}
    [membership] = entries(Action.MEMBERSHIP_CHANGE)
    assert membership.details == {"added": ["第二党支部"], "removed": ["第一党支部"]}
    assert AuditEntry.objects.count() == 2


def test_each_membership_change_leaves_one_entry(editor_a, unit_b):
    AuditEntry.objects.all().delete()
    unit_b.members.add(editor_a)
    editor_a.units.remove(unit_b)
    unit_b.members.add(editor_a)
    unit_b.members.clear()
    details = [entry.details for entry in AuditEntry.objects.order_by("pk")]
    assert details == [{"added": ["第二党支部"]}, {"removed": ["第二党支部"]}] * 2
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {Action.MEMBERSHIP_CHANGE}


# The admin


def test_office_and_leaders_read_the_log_unit_editors_do_not(client, office_admin, leader, editor_a):
    for reader in (office_admin, leader):
        assert logged_in(client, reader).get(LIST).status_code == 200
    assert logged_in(client, editor_a).get(LIST).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_entries_cannot_be_added_changed_or_deleted_through_the_admin(client, office_admin):
    client = logged_in(client, office_admin)
    entry = AuditEntry.objects.get(action=Action.SIGN_IN)
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    assert client.get(change).status_code == 200  # shown read-only
    assert client.post(change, {"username": "someone-else", "action": "export"}).status_code == 403
    assert (
        client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    client.post(LIST, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    entry_now = AuditEntry.objects.get(pk=entry.pk)
    assert (entry_now.username, entry_now.action) == ("office", Action.SIGN_IN)


def test_the_log_is_filtered_and_exported_as_csv_with_formulas_neutralised(client, leader):
    make_user("=HYPERLINK(1)")  # a failed sign-in keeps only the name of an existing user
    client.post(reverse("admin:login"), {"username": "=HYPERLINK(1)", "password": "x"})
    client = logged_in(client, leader)
    listing = client.get(LIST, {"action__exact": Action.FAILED_SIGN_IN})
    assert [entry.action for entry in listing.context["cl"].result_list] == [Action.FAILED_SIGN_IN]
    response = client.get(EXPORT, {"action__exact": Action.FAILED_SIGN_IN})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["时间", "用户名", "地址", "操作"]
    assert len(rows) == 2 and rows[1][3] == "登录失败"
    assert rows[1][7].startswith("{") and "=HYPERLINK" in rows[1][7]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in rows[1])


def test_a_username_that_looks_like_a_formula_is_neutralised_in_the_csv(client, office_admin):
    from audit.records import record

    record(Action.FAILED_SIGN_IN, username="=cmd|' /C calc'!A0")
    rows = list(
        csv.reader(io.StringIO(logged_in(client, office_admin).get(EXPORT).content.decode("utf-8-sig")))
    )
    assert "'=cmd|' /C calc'!A0" in [row[1] for row in rows]


# Retention


def test_prune_keeps_the_retention_period_and_refuses_less_than_six_months(settings):
    old = AuditEntry.objects.create(action=Action.EXPORT, time=timezone.now() - datetime.timedelta(days=201))
    recent = AuditEntry.objects.create(
        action=Action.EXPORT, time=timezone.now() - datetime.timedelta(days=199)
    )
    with pytest.raises(CommandError, match="至少"):
        call_command("prune_audit", "--days", "182")
    assert settings.AUDIT_RETENTION_DAYS == 200
    call_command("prune_audit", stdout=io.StringIO())
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
