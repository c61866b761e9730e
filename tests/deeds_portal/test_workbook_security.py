"""The monthly workbook tried as an attacker would: names typed by staff never run as formulas."""

import datetime
import io

import openpyxl
import pytest

from deeds_portal.workbook.build import MonthContext, build
from tests.reforms.factories import make_item
from tests.units.factories import make_unit
from tests.volunteers.factories import book, make_post, make_shift, make_volunteer, service
from volunteers.models import Attendance

pytestmark = pytest.mark.django_db


def test_unit_and_service_names_never_run_as_formulas_on_any_sheet():
    unit = make_unit(name="=1+1 党支部")
    make_item(unit, batch=1, landed_on=datetime.date(2021, 6, 3), should_enter=True, has_entered=True)
    post = make_post(unit)
    shift = make_shift(post, datetime.date(2021, 6, 7), service=service("@SUM(A1)"))
    book(make_volunteer(unit), shift, Attendance.PRESENT)
    workbook = openpyxl.load_workbook(
        io.BytesIO(build(MonthContext(month=datetime.date(2021, 6, 1))).content)
    )
    texts = [
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    assert not [text for text in texts if text.startswith(("=", "+", "-", "@"))]
    assert any(text.startswith("'=1+1") for text in texts) and "'@SUM(A1)" in texts
