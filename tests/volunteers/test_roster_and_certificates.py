"""Coordinators print and export the month's roster, hours per volunteer, and service record certificates."""

import datetime
from decimal import Decimal

from django.urls import reverse

from tests.kit import read_xlsx
from volunteers.models import Attendance, Certificate

from .factories import book, make_shift

D = datetime.date


def test_month_roster_page_and_xlsx(client, coordinator_a, post_a, post_b, volunteer_a, volunteer_b, unit_a):
    shift = make_shift(post_a, D(2021, 5, 3), "07:30", "09:00", headcount=2)
    book(volunteer_a, shift)
    book(volunteer_b, make_shift(post_b, D(2021, 5, 3)))
    make_shift(post_a, D(2021, 6, 7))
    client.force_login(coordinator_a)
    page = client.get(reverse("volunteers:roster"), {"month": "2021-05"}).content.decode()
    assert "大庸路与机场路交叉路口" in page and "张三" in page
    assert "李四" not in page  # another unit's roster
    assert "1 个班次人数不足" in page
    rows = read_xlsx(client.get(reverse("volunteers:roster-xlsx"), {"month": "2021-05"}).content)
    assert rows[0][:5] == ["日期", "开始", "结束", "岗位", "服务类型"]
    assert len(rows) == 2
    assert rows[1][0] == datetime.datetime(2021, 5, 3)  # a real date
    assert rows[1][1:5] == ["07:30", "09:00", "大庸路与机场路交叉路口", "三导"]
    assert rows[1][7] == "张三"


def test_hours_per_volunteer_for_a_period(client, coordinator_a, post_a, volunteer_a, unit_a):
    book(volunteer_a, make_shift(post_a, D(2021, 5, 3)), Attendance.PRESENT)
    book(volunteer_a, make_shift(post_a, D(2021, 5, 10)), Attendance.PRESENT, hours=Decimal("1"))
    book(volunteer_a, make_shift(post_a, D(2021, 5, 17)), Attendance.ABSENT)
    book(volunteer_a, make_shift(post_a, D(2021, 5, 24)))  # signed up only
    book(volunteer_a, make_shift(post_a, D(2021, 7, 5)), Attendance.PRESENT)  # outside the period
    client.force_login(coordinator_a)
    params = {"start": "2021-05-01", "end": "2021-05-31"}
    rows = client.get(reverse("volunteers:hours"), params).context["rows"]
    (row,) = [r for r in rows if r.pk == volunteer_a.pk]
    assert (row.attended_hours, row.attended_shifts, row.absences) == (Decimal("2.50"), 2, 1)
    sheet = read_xlsx(client.get(reverse("volunteers:hours"), {**params, "format": "xlsx"}).content)
    assert sheet[1][1:] == ["张三", "第一党支部", 2, 1, 2.5]
    refused = client.get(reverse("volunteers:hours"), {"start": "2021-06-01", "end": "2021-05-01"})
    assert refused.status_code == 200 and "结束日期不能早于开始日期" in refused.content.decode()


def test_certificate_hours_equal_attended_hours_and_each_is_recorded(
    client, coordinator_a, post_a, volunteer_a
):
    book(volunteer_a, make_shift(post_a, D(2021, 5, 3)), Attendance.PRESENT)  # 1.5
    book(volunteer_a, make_shift(post_a, D(2021, 5, 10)), Attendance.PRESENT, hours=Decimal("1.25"))
    book(volunteer_a, make_shift(post_a, D(2021, 5, 17)), Attendance.ABSENT)
    book(volunteer_a, make_shift(post_a, D(2021, 5, 24)))
    expected = sum(volunteer_a.assignments.attended().values_list("hours", flat=True))
    assert expected == Decimal("2.75")
    client.force_login(coordinator_a)
    url = reverse("volunteers:issue-certificate", args=[volunteer_a.pk])
    data = {"start": "2021-05-01", "end": "2021-12-31", "issuing_unit": volunteer_a.unit_id}
    preview = client.get(url, data)
    assert "2.75" in preview.content.decode() and not Certificate.objects.exists()
    response = client.post(url, data, follow=True)
    certificate = Certificate.objects.get()
    assert certificate.hours == expected and certificate.shifts_attended == 2
    page = response.content.decode()
    assert "志愿服务记录证明" in page and certificate.number in page
    assert "张三" in page and "2.75" in page and "第一党支部" in page and "2021年5月1日" in page
    client.post(url, data)
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 2  # each issue is recorded with its own number


def test_certificates_of_another_unit_are_out_of_reach(client, coordinator_a, coordinator_b, volunteer_b):
    client.force_login(coordinator_b)
    url = reverse("volunteers:issue-certificate", args=[volunteer_b.pk])
    client.post(url, {"start": "2021-05-01", "end": "2021-12-31", "issuing_unit": volunteer_b.unit_id})
    certificate = Certificate.objects.get()
    client.force_login(coordinator_a)
    assert client.get(url).status_code == 404
    assert client.post(url, {"start": "2021-05-01", "end": "2021-12-31"}).status_code == 404
    assert client.get(reverse("volunteers:certificate", args=[certificate.pk])).status_code == 404
    assert Certificate.objects.count() == 1


def test_a_coordinator_cannot_issue_in_another_units_name(client, coordinator_a, volunteer_a, unit_b):
    client.force_login(coordinator_a)
    url = reverse("volunteers:issue-certificate", args=[volunteer_a.pk])
    response = client.post(url, {"start": "2021-05-01", "end": "2021-12-31", "issuing_unit": unit_b.pk})
    assert response.status_code == 200 and not Certificate.objects.exists()
