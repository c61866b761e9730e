"""One month helper for the whole portal: one reading of a typed month, one step, one last day."""

import ast
import datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from deeds_portal.workbook.build import BadMonth, workbook_month
from hotline.forms import MonthField
from units import months

D = datetime.date
ROOT = Path(settings.BASE_DIR)
APPS = ["deeds_portal", "projects", "reforms", "hotline", "volunteers", "suggestions", "units", "audit"]


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2021-06", D(2021, 6, 1)),
        (" 2021-6 ", D(2021, 6, 1)),
        ("2021/6", D(2021, 6, 1)),
        ("2021.06", D(2021, 6, 1)),
        ("2021年6月", D(2021, 6, 1)),
        ("2021-13", None),
        ("2021-00", None),
        ("六月", None),
        ("", None),
        ("1999-12", None),  # before the portal's years: a typing slip
        ("2101-01", None),
    ],
)
def test_a_typed_month_reads_the_same_in_the_hotline_form_and_the_workbook(text, month):
    assert months.parse_month(text) == month
    field = MonthField(required=False)
    if month is None:
        with pytest.raises(Exception):  # noqa: B017, PT011 - the form's and the workbook's refusal
            field.clean(text or "x")
        with pytest.raises(BadMonth):
            workbook_month(text)
    else:
        assert field.clean(text) == month
        with time_machine.travel(datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC), tick=False):
            assert workbook_month(text) == month


def test_stepping_across_year_ends_and_last_days():
    assert months.add_months(D(2021, 12, 1), 1) == D(2022, 1, 1)
    assert months.add_months(D(2021, 1, 1), -13) == D(2019, 12, 1)
    assert months.next_month(D(2021, 12, 15)) == D(2022, 1, 1)
    assert months.previous_month(D(2021, 1, 31)) == D(2020, 12, 1)
    assert months.last_day(D(2024, 2, 1)) == D(2024, 2, 29)
    assert months.last_day(D(2021, 2, 1)) == D(2021, 2, 28)
    assert months.months_between(D(2020, 11, 1), D(2021, 2, 1)) == 4
    assert months.year_start(D(2021, 6, 1)) == D(2021, 1, 1)


def test_the_month_of_a_moment_is_its_month_in_beijing():
    # 16:30 UTC on 31 May is 00:30 on 1 June in Beijing.
    moment = datetime.datetime(2021, 5, 31, 16, 30, tzinfo=datetime.UTC)
    assert months.first_of(moment) == D(2021, 6, 1)
    with time_machine.travel(moment, tick=False):
        assert months.current_month() == D(2021, 6, 1)


def test_no_app_keeps_month_arithmetic_of_its_own():
    """Month helpers sat in seven places, with two ``parse_month`` that disagreed: every app's
    months now come from ``units.months``."""
    own = {
        "parse_month",
        "add_months",
        "next_month",
        "previous_month",
        "first_of_month",
        "last_day",
        "month_end",
    }
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if path == ROOT / "units" / "months.py" or "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef) and node.name in own and not _is_property(node):
                    found.append(f"{path.relative_to(ROOT)}: def {node.name}")
                if isinstance(node, ast.Attribute) and node.attr == "monthrange":
                    found.append(f"{path.relative_to(ROOT)}: calendar.monthrange")
    assert found == []


def _is_property(node) -> bool:
    # MonthContext.month_end is the workbook's name for its month's last day (it asks units.months).
    return any(isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list)
