"""Load the article's demo data; running it again changes nothing."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

import hotline.demo
import projects.demo
import reforms.demo
import units.demo
import volunteers.demo
from units.roles import LEADER, OFFICE_ADMIN, UNIT_EDITOR, VOLUNTEER_COORDINATOR

DEMO_USERS = [
    # username, role, unit, last name
    ("demo-admin", OFFICE_ADMIN, None, "演示·办公室管理员"),
    ("demo-editor", UNIT_EDITOR, "第一党支部", "演示·第一党支部台账员"),
    ("demo-leader", LEADER, None, "演示·领导"),
    ("demo-coordinator", VOLUNTEER_COORDINATOR, "机关党委", "演示·志愿服务协调员"),
]
DEMO_PASSWORD = "demo-password-2021"


class Command(BaseCommand):
    help = "Load the article's real data (the ten projects, the hotline months, the Monday volunteer roster …) idempotently."

    def add_arguments(self, parser):
        parser.add_argument(
            "--users",
            action="store_true",
            help=f"Also create demo staff accounts (password {DEMO_PASSWORD!r}); development only.",
        )

    @transaction.atomic
    def handle(self, *args, users=False, **options):
        if users and not settings.DEBUG:
            raise CommandError("Demo accounts have a published password: only with DEBUG on.")
        unit_map = units.demo.load()
        projects.demo.load(unit_map)
        reforms.demo.load(unit_map)
        volunteers.demo.load(unit_map)
        hotline.demo.load(unit_map)
        if users:
            self._load_users(unit_map)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))

    def _load_users(self, unit_map) -> None:
        User = get_user_model()
        for username, role, unit, last_name in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "last_name": last_name}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.set([Group.objects.get(name=role)])
            if unit:
                unit_map[unit].members.add(user)
            self.stdout.write(f"  {username} / {DEMO_PASSWORD} ({role})")
