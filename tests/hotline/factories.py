"""Factories for the hotline: months and cases, plus the platform export as csv/xlsx bytes."""

import datetime
import itertools

from django.utils import timezone

from hotline.models import Case, Feedback, Month, MonthSource
from tests.kit.ledger import write_csv, write_xlsx

_sequence = itertools.count(1)


def make_month(month: datetime.date, **figures) -> Month:
    defaults = {
        "calls": 1000,
        "accepted": 500,
        "completed": 490,
        "callbacks": 400,
        "satisfied": 380,
        "online_completed": 100,
        "source": MonthSource.TYPED,
    }
    defaults.update(figures)
    return Month.objects.create(month=month, **defaults)


def make_case(received: datetime.datetime | None = None, **fields) -> Case:
    received = received or timezone.make_aware(datetime.datetime(2021, 6, 1, 9, 0))
    defaults = {
        "number": f"T{next(_sequence):08d}",
        "received_at": received,
        "month": timezone.localtime(received).date().replace(day=1),
        "category": "城市管理",
        "handling_unit": "市城管局",
        "status": "已办结",
        "is_completed": True,
        "completed_at": received + datetime.timedelta(days=1),
        "due_at": received + datetime.timedelta(days=5),
        "feedback": Feedback.SATISFIED,
    }
    defaults.update(fields)
    return Case.objects.create(**defaults)


CASE_HEADERS = [
    "工单编号",
    "受理时间",
    "来源渠道",
    "诉求类型",
    "一级分类",
    "二级分类",
    "承办单位",
    "办理状态",
    "办结时间",
    "应办结时间",
    "回访结果",
    "办理方式",
]


def case_row(number, received="2021-06-01 09:00:00", status="已办结", **cells) -> list:
    values = {
        "工单编号": number,
        "受理时间": received,
        "来源渠道": "电话",
        "诉求类型": "投诉",
        "一级分类": "城市管理",
        "二级分类": "占道经营",
        "承办单位": "市城管局",
        "办理状态": status,
        "办结时间": "2021-06-02 10:00:00" if status == "已办结" else "",
        "应办结时间": "2021-06-06 09:00:00",
        "回访结果": "满意" if status == "已办结" else "未回访",
        "办理方式": "转办",
    }
    values.update(cells)
    return values


def case_file(rows: list[dict], headers=None, fmt="csv") -> bytes:
    headers = headers or list(rows[0].keys()) if rows else CASE_HEADERS
    table = [headers] + [[row.get(h, "") for h in headers] for row in rows]
    return write_csv(table) if fmt == "csv" else write_xlsx(table)
