"""Issue a second-factor enrolment code (启用码) from the server, for the first administrator.

The office hands codes out from the staff list. The first office administrator has no colleague
to do that: whoever can run commands on the server issues theirs here (recorded like a reset).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.records import Action, record
from deeds_portal.second_factor import issue_enrolment_code


class Command(BaseCommand):
    help = "Issue a one-time second-factor enrolment code for a staff member (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        try:
            user = get_user_model().objects.get(username=username, is_staff=True, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"没有用户名为 {username} 的在职工作人员。")
        code = issue_enrolment_code(user)
        record(
            Action.SECOND_FACTOR_RESET,
            obj=user,
            details={"via": "enrolment_code command", "enrolment_code_expires": code.expires_at.isoformat()},
        )
        expires = timezone.localtime(code.expires_at).strftime("%Y-%m-%d %H:%M")
        self.stdout.write(
            f"{user.get_username()} 的启用码：{code.plain_code}（{expires} 前有效，只能使用一次）"
        )
