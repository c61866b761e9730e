"""The article's volunteer service: the Monday 三导 post and the anti-fraud and legal sessions.

The article: every Monday 4 volunteers serve at 大庸路与机场路交叉路口 (文明交通劝导 /
文明行为引导 / 文明旅游督导); anti-fraud publicity and legal consultation in the
neighbourhoods solved 10余件次 problems (here 12). The volunteers are invented,
marked as demo, named “演示志愿者NN” with phones 1380000NNNN, so a test can look
for them in every public response.
"""

import datetime
from decimal import Decimal

from .models import (
    Assignment,
    Attendance,
    Post,
    ProblemKind,
    ProblemSolved,
    ServiceType,
    Shift,
    ShiftPattern,
    Volunteer,
    combine,
)
from .services import generate_month

D = datetime.date
NAME_PREFIX = "演示志愿者"
PHONE_PREFIX = "1380000"
CROSSING = "大庸路与机场路交叉路口"
STATION = "社区新时代文明实践站"
SERVICE_TYPES = [
    ("三导", "文明交通劝导 / 文明行为引导 / 文明旅游督导", 10),
    ("反诈骗宣传", "深入小区社区开展反诈骗宣传", 20),
    ("法律咨询", "为群众解答法律疑问", 30),
]
# (unit, party member, skills) of the invented volunteers 01–10.
VOLUNTEERS = [
    ("机关党委", True, "交通劝导"),
    ("机关党委", True, "交通劝导"),
    ("第一党支部", True, "文明引导"),
    ("第一党支部", True, "文明引导"),
    ("第二党支部", True, "旅游督导"),
    ("第二党支部", False, "交通劝导"),
    ("第三党支部", True, "反诈骗宣传"),
    ("第四党支部", True, "法律咨询（法律职业资格）"),
    ("第五党支部", True, "反诈骗宣传"),
    ("机关党委", True, "法律咨询（法律职业资格）"),
]
# Two teams of four take the Monday post in turn.
MONDAY_TEAMS = [[1, 2, 3, 4], [5, 6, 3, 1]]
NO_SHOW = (D(2021, 7, 12), 2)  # one recorded no-show: kept, counts no hours
# date, service, problems solved, citizens served, volunteers
SESSIONS = [
    (D(2021, 6, 19), "反诈骗宣传", ProblemKind.FRAUD, 3, 60, [7, 9, 2]),
    (D(2021, 6, 26), "法律咨询", ProblemKind.LEGAL, 3, 25, [8, 10]),
    (D(2021, 7, 17), "反诈骗宣传", ProblemKind.FRAUD, 2, 45, [7, 9, 4]),
    (D(2021, 8, 21), "法律咨询", ProblemKind.LEGAL, 2, 20, [8, 10]),
    (D(2021, 9, 18), "反诈骗宣传", ProblemKind.FRAUD, 2, 50, [7, 9, 5]),
]


def name(n: int) -> str:
    return f"{NAME_PREFIX}{n:02d}"


def phone(n: int) -> str:
    return f"{PHONE_PREFIX}{n:04d}"


def load(unit_map) -> None:
    # Created by a migration too; again here, since a test database may have been flushed.
    services = {
        name: ServiceType.objects.get_or_create(
            name=name, defaults={"description": text, "sort_order": order}
        )[0]
        for name, text, order in SERVICE_TYPES
    }
    volunteers = {}
    for n, (unit, member, skills) in enumerate(VOLUNTEERS, start=1):
        volunteers[n], _ = Volunteer.objects.get_or_create(
            name=name(n),
            is_demo=True,
            defaults={"unit": unit_map[unit], "is_party_member": member, "skills": skills, "phone": phone(n)},
        )
    crossing, _ = Post.objects.get_or_create(
        name=CROSSING, unit=unit_map["机关党委"], defaults={"address": "大庸路与机场路交叉路口"}
    )
    station, _ = Post.objects.get_or_create(name=STATION, unit=unit_map["机关党委"])

    pattern = ShiftPattern.objects.filter(post=crossing, service=services["三导"]).first()
    if pattern is None:
        pattern = ShiftPattern(
            post=crossing,
            service=services["三导"],
            start_time=datetime.time(7, 30),
            end_time=datetime.time(9, 0),
            headcount=4,
            starts_on=D(2021, 5, 1),
        )
        pattern.weekday_numbers = [0]
        pattern.save()
        pattern.regular_volunteers.set([volunteers[n] for team in MONDAY_TEAMS for n in team])
    for month in range(5, 13):
        generate_month([pattern], 2021, month)
    mondays = pattern.shifts.filter(date__lte=D(2021, 12, 31)).order_by("date")
    for week, shift in enumerate(mondays):
        if shift.citizens_served is None:
            shift.citizens_served = 20 + (week % 5) * 3
            shift.save()
        for n in MONDAY_TEAMS[week % 2]:
            absent = (shift.date, n) == NO_SHOW
            _attend(shift, volunteers[n], absent=absent)

    for day, service, kind, solved, citizens, team in SESSIONS:
        shift, _ = Shift.objects.get_or_create(
            post=station,
            service=services[service],
            starts_at=combine(day, datetime.time(9, 0)),
            defaults={"ends_at": combine(day, datetime.time(11, 30)), "headcount": len(team)},
        )
        if shift.citizens_served is None:
            shift.citizens_served = citizens
            shift.save()
        ProblemSolved.objects.get_or_create(shift=shift, kind=kind, defaults={"count": solved})
        for n in team:
            _attend(shift, volunteers[n])


def _attend(shift, volunteer, absent=False) -> None:
    Assignment.objects.get_or_create(
        shift=shift,
        volunteer=volunteer,
        defaults={
            "attendance": Attendance.ABSENT if absent else Attendance.PRESENT,
            "hours": Decimal(0) if absent else None,
        },
    )
