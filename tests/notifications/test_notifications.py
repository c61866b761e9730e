"""Notifications end to end: what happens in the portal becomes a Notification record, the
worker (the tests' immediate backend) sends it through Django's e-mail (the test outbox), a
failing send is retried and finally marked failed, and staff turn off what they do not want."""

import datetime
import io
import logging
import re
import smtplib
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications.models import Kind, Notification
from notifications.services import Recipient, notify
from review.models import ReviewRequest
from suggestions.models import Suggestion, SuggestionStatus
from tests.conftest import logged_in
from tests.projects.test_admin import change_url, form_data
from tests.units.factories import approve_as_shown
from tests.volunteers.factories import book, make_post, make_shift, make_volunteer

pytestmark = pytest.mark.django_db
Status = Notification.Status
PREFERENCES = reverse("admin:notifications_notification_preferences")
FAILURES = {"left": 0}


class FlakySMTP(BaseEmailBackend):
    """An SMTP server that drops the connection ``FAILURES["left"]`` times, then delivers."""

    def send_messages(self, messages):
        if FAILURES["left"]:
            FAILURES["left"] -= 1
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def run_worker(django_capture_on_commit_callbacks):
    """Whatever the block queues is sent by the worker once its transaction commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def editor(editor_a):
    editor_a.email = "editor-a@example.gov.cn"
    editor_a.save()
    return editor_a


@pytest.fixture
def submission(client, editor, make_project):
    project = make_project(title="修建一座风雨桥")
    logged_in(client, editor).post(change_url(project), form_data(project, title="风雨桥（新名）"))
    client.logout()
    return ReviewRequest.objects.get()


def test_the_editor_is_told_when_the_office_sends_back_with_the_comment(
    client, submission, office_admin, run_worker
):
    with run_worker():
        logged_in(client, office_admin).post(
            reverse("admin:review_reviewrequest_change", args=[submission.pk]),
            {"decision": "send_back", "comment": "名称请写全称"},
        )
    [message] = mail.outbox
    assert message.to == ["editor-a@example.gov.cn"]
    assert "已退回" in message.subject and "风雨桥" in message.subject
    assert "名称请写全称" in message.body and "我的提交" in message.body
    notification = Notification.objects.get()
    assert (notification.kind, notification.status, notification.attempts) == (
        Kind.REVIEW_DECIDED,
        Status.SENT,
        1,
    )


def test_the_editor_is_told_of_an_approval_unless_they_turned_it_off(
    client, submission, editor, office_admin, make_project, run_worker
):
    with run_worker():
        approve_as_shown(submission, office_admin)
    [message] = mail.outbox
    assert "审核通过" in message.subject

    page = logged_in(client, editor).get(PREFERENCES).text
    assert "办公室审核了我的提交" in page and "每天：等待我审核的提交" in page
    assert client.post(PREFERENCES, {"kinds": [Kind.REVIEW_QUEUE]}).status_code == 302
    project = make_project(title="建书屋")
    client.post(change_url(project), form_data(project, title="建社区书屋"))
    with run_worker():
        approve_as_shown(ReviewRequest.objects.pending().get(), office_admin)
    assert len(mail.outbox) == 1 and Notification.objects.count() == 1  # nothing kept, nothing sent
    assert "办公室审核了我的提交" in client.get(PREFERENCES).text  # the page shows the choice


def test_a_bad_choice_on_the_preferences_page_is_refused_in_chinese(client, editor):
    page = logged_in(client, editor).post(PREFERENCES, {"kinds": ["no_such_kind"]}).text
    assert "不在可用的选项中" in page or "选择一个有效的选项" in page


def test_the_office_is_told_once_a_day_how_much_waits(client, submission, office_admin, editor, run_worker):
    office_admin.email = "office@example.gov.cn"
    office_admin.save()
    ReviewRequest.objects.filter(pk=submission.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=3)
    )
    with run_worker():
        call_command("notify_review_queue", stdout=io.StringIO())
        call_command("notify_review_queue", stdout=io.StringIO())  # a rerun the same day
    [message] = mail.outbox
    assert message.to == ["office@example.gov.cn"]  # the editor decides nothing: not told
    assert "1 条提交等待您审核" in message.subject and "最早的一条已等待 3" in message.body


def test_the_office_is_not_told_of_an_empty_queue(office_admin, run_worker):
    office_admin.email = "office@example.gov.cn"
    office_admin.save()
    with run_worker():
        call_command("notify_review_queue", stdout=io.StringIO())
    assert mail.outbox == []


def test_a_citizen_who_left_an_email_address_learns_the_new_status(run_worker):
    by_mail = Suggestion.objects.create(
        what="修路灯", place="东关", why="太黑", contact="citizen@example.com"
    )
    by_phone = Suggestion.objects.create(what="建书屋", place="西关", why="没地方", contact="13800000000")
    with run_worker():
        for suggestion in (by_mail, by_phone):
            suggestion.status = SuggestionStatus.DECLINED
            suggestion.public_reason = "不在本级职权范围"
            suggestion.save()
        by_mail.save()  # saved again without a change of status: nothing more
    [message] = mail.outbox
    assert message.to == ["citizen@example.com"]
    assert by_mail.reference in message.subject and "不予采纳" in message.subject
    assert "不在本级职权范围" in message.body


def test_the_suggestion_form_says_an_email_address_is_told_of_the_status(client):
    assert "建议状态变化时会发邮件告诉您" in client.get(reverse("suggestions:new")).text


def test_volunteers_with_an_email_address_are_reminded_the_day_before(unit_a, run_worker):
    post = make_post(unit_a)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    shift = make_shift(post, day=tomorrow, start="07:30", end="09:00")
    later = make_shift(post, day=tomorrow + datetime.timedelta(days=1))
    cancelled = make_shift(post, day=tomorrow, start="10:00", end="11:00", is_cancelled=True)
    reminded = make_volunteer(unit_a, name="张三", email="zhang@example.com")
    book(reminded, shift)
    book(reminded, later)
    book(reminded, cancelled)
    book(make_volunteer(unit_a, name="李四"), shift)  # no address: nobody to write to
    with run_worker():
        call_command("remind_shifts", stdout=io.StringIO())
        call_command("remind_shifts", stdout=io.StringIO())
    [message] = mail.outbox
    assert message.to == ["zhang@example.com"]
    assert "张三" in message.body and "07:30" in message.body and str(post) in message.body


def test_a_failed_send_is_retried_then_sent(settings, run_worker):
    settings.EMAIL_BACKEND = "tests.notifications.test_notifications.FlakySMTP"
    FAILURES["left"] = 2
    with run_worker():
        notify(Kind.SUGGESTION_STATUS, Recipient(email="citizen@example.com"), "主题", "正文")
    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == (Status.SENT, 3)
    assert len(mail.outbox) == 1


def test_a_send_that_keeps_failing_is_finally_marked_failed_and_logs_no_address(settings, run_worker, caplog):
    settings.EMAIL_BACKEND = "tests.notifications.test_notifications.FlakySMTP"
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    FAILURES["left"] = 100
    with caplog.at_level(logging.INFO, logger="notifications"), run_worker():
        notify(Kind.SUGGESTION_STATUS, Recipient(email="citizen@example.com"), "主题", "正文")
    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == (Status.FAILED, 3)
    assert notification.last_error == "SMTPServerDisconnected" and notification.address == ""
    assert mail.outbox == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"notification {notification.pk} failed" in logged and "citizen@example.com" not in logged
    FAILURES["left"] = 0


class TextMessageChannel:
    """A second channel as an SMS gateway's would be: reaches people by phone."""

    name = "sms"
    sent = []

    def address_of(self, recipient):
        return recipient.phone

    def send(self, notification):
        self.sent.append(notification.address)


def test_a_second_channel_is_added_by_configuration(settings, run_worker):
    settings.NOTIFICATION_CHANNELS = [
        "notifications.channels.EmailChannel",
        "tests.notifications.test_notifications.TextMessageChannel",
    ]
    with run_worker():
        notify(Kind.SHIFT_REMINDER, Recipient(email="a@example.com", phone="13800000000"), "主题", "正文")
        notify(Kind.SHIFT_REMINDER, Recipient(phone="13900000000"), "主题", "正文")
    assert [message.to for message in mail.outbox] == [["a@example.com"]]
    assert TextMessageChannel.sent == ["13800000000", "13900000000"]
    assert Notification.objects.filter(status=Status.SENT).count() == 3


def test_the_daily_commands_run_from_a_systemd_timer_that_renders():
    deploy = Path(__file__).resolve().parents[2] / "deploy"
    values = ["APP_USER=deeds", "APP_DIR=/srv/deeds-portal/app", "ENV_FILE=/etc/deeds-portal/env"]
    service = subprocess.run(
        [
            sys.executable,
            str(deploy / "render.py"),
            str(deploy / "systemd" / "deeds-portal-notify.service"),
            *values,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commands = re.findall(r"^ExecStart=\S+ manage.py (\S+)$", service, re.M)
    assert commands == ["notify_review_queue", "remind_shifts"]
    for command in commands:
        call_command(command, stdout=io.StringIO())  # each exists and runs
    timer = (deploy / "systemd" / "deeds-portal-notify.timer").read_text()
    assert re.search(r"^OnCalendar=\*-\*-\* 08:30:00 Asia/Shanghai$", timer, re.M)


def test_production_mails_through_the_smtp_server_the_environment_names(monkeypatch):
    from tests.deeds_portal.test_settings import GOOD, load_prod

    monkeypatch.delenv("EMAIL_HOST", raising=False)
    prod = load_prod(monkeypatch, EMAIL_URL="smtp+tls://noreply:secret@smtp.example.gov.cn:587", **GOOD)
    assert prod.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    assert (prod.EMAIL_HOST, prod.EMAIL_PORT, prod.EMAIL_USE_TLS) == ("smtp.example.gov.cn", 587, True)
    assert prod.NOTIFICATION_CHANNELS == ["notifications.channels.EmailChannel"]

    monkeypatch.delenv("EMAIL_URL")
    prod = load_prod(monkeypatch, EMAIL_HOST="mail.internal", EMAIL_PORT="2525", **GOOD)
    assert (prod.EMAIL_BACKEND, prod.EMAIL_HOST, prod.EMAIL_PORT) == (
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.internal",
        2525,
    )

    # No mail server: nothing is mailed, rather than printed with its address into the log.
    monkeypatch.delenv("EMAIL_HOST")
    monkeypatch.delenv("EMAIL_PORT")
    prod = load_prod(monkeypatch, **GOOD)
    assert prod.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
    assert prod.NOTIFICATION_CHANNELS == []


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_sends_and_puts_a_retry_off_until_later(settings):
    """As production runs it: queued in the database, sent by ``manage.py db_worker``; a failed
    try is queued again for later (run_after), not hammered at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "tests.notifications.test_notifications.FlakySMTP"
    FAILURES["left"] = 1
    notify(Kind.SUGGESTION_STATUS, Recipient(email="citizen@example.com"), "主题", "正文")
    notification = Notification.objects.get()
    assert notification.status == Status.QUEUED and mail.outbox == []  # nothing sent by the caller

    worker = ["db_worker", "--batch", "--no-startup-delay", "--no-reload"]
    call_command(*worker)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.QUEUED, 1)
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after > timezone.now() + datetime.timedelta(seconds=50)  # a minute later

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # that minute passes
    call_command(*worker)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 2)
    assert [message.to for message in mail.outbox] == [["citizen@example.com"]]
