"""Factories for the open-door deeds ledger: rounds, projects and dated progress."""

import datetime
import itertools

from projects.models import ProgressStatus, ProgressUpdate, Project, Round

_sequence = itertools.count(1)


def make_round(name=None, start_date=datetime.date(2021, 5, 1), **fields) -> Round:
    return Round.objects.create(name=name or f"测试批次{next(_sequence)}", start_date=start_date, **fields)


def make_project(round, unit, **fields) -> Project:
    defaults = {
        "round": round,
        "title": f"项目{next(_sequence)}",
        "category": Project.Category.OTHER,
        "unit": unit,
        "deadline": datetime.date(2021, 6, 30),
        "is_public": True,
    }
    defaults.update(fields)
    return Project.objects.create(**defaults)


def add_update(project, date, percent, status=None, **fields) -> ProgressUpdate:
    """A progress update; the status follows the percent unless given (0 → 未开始, 100 → 已完成)."""
    if status is None:
        status = {0: ProgressStatus.NOT_STARTED, 100: ProgressStatus.COMPLETED}.get(
            percent, ProgressStatus.IN_PROGRESS
        )
    return ProgressUpdate.objects.create(project=project, date=date, percent=percent, status=status, **fields)
