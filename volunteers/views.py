"""The public page of the volunteer service, and the coordinators' printable roster, hours and certificates.

The public page and its open data carry counts only: no name, phone or other
personal data (《志愿服务条例》 Art. 20). Staff pages are scoped to the user's units.
"""

import datetime
import io

import openpyxl
from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from audit.records import Action, record
from imports.resources import neutralise_formula
from units.dates import today
from units.months import first_of, next_month, previous_month, year_start
from units.public_pages import public_page
from units.scoping import units_of

from . import services
from .models import (
    Assignment,
    Certificate,
    Post,
    ProblemSolved,
    ServiceType,
    Shift,
    ShiftPattern,
    Volunteer,
    validate_certificate_period,
    validate_month_in_range,
)


@public_page(Shift, Assignment, ProblemSolved, ServiceType, Post, ShiftPattern)
def index(request):
    return render(
        request,
        "volunteers/index.html",
        {"figures": services.public_totals(), "posts": services.public_posts()},
    )


@public_page(Shift, Assignment, ProblemSolved, ServiceType, Post, ShiftPattern)
def open_data(request):
    """What the public page shows, as JSON: the posts and their weekly times, counts by month
    and service type; nothing personal."""
    figures = services.public_totals()
    posts = [
        {
            "post": post["name"],
            "address": post["address"],
            "times": [
                {
                    "weekdays": time["weekdays"],
                    "start": time["start"].strftime("%H:%M"),
                    "end": time["end"].strftime("%H:%M"),
                    "service": time["service"],
                    "volunteers_per_shift": time["headcount"],
                    "from": time["from"].isoformat() if time["from"] else None,
                    "until": time["until"].isoformat() if time["until"] else None,
                }
                for time in post["times"]
            ],
        }
        for post in services.public_posts()
    ]

    def plain(row):
        return {
            key: (str(value) if key in ("hours", "month") else value)
            for key, value in row.items()
            if key != "order"
        }

    return JsonResponse(
        {
            "totals": plain(figures["totals"]),
            "by_service": [plain(row) for row in figures["services"]],
            "by_month": [plain(row) for row in figures["months"]],
            "posts": posts,
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


class MonthForm(forms.Form):
    month = forms.DateField(
        label=gettext_lazy("month"),
        input_formats=["%Y-%m"],
        required=False,
        validators=[validate_month_in_range],
    )

    def first_day(self) -> datetime.date:
        chosen = self.cleaned_data.get("month") if self.is_valid() else None
        return first_of(chosen or today())


def roster_rows(user, first: datetime.date):
    """The month's shifts of the user's units, each with its bookings (three queries)."""
    return list(
        Shift.objects.for_user(user)
        .filter(date__gte=first, date__lt=next_month(first))
        .with_staffing()
        .select_related("post", "service")
        .prefetch_related(
            Prefetch(
                "assignments",
                # check_in: the roster shows who checked in at the post (volunteers.self_service).
                Assignment.objects.select_related("volunteer", "check_in").order_by("volunteer__name"),
            )
        )
        .order_by("starts_at", "post__name")
    )


@never_cache
@staff_member_required
def roster(request):
    """A month's roster, print-friendly (A4)."""
    _require(request, "volunteers.view_shift")
    form = MonthForm(request.GET or None)
    first = form.first_day()
    shifts = roster_rows(request.user, first)
    context = {
        "form": form,
        "first": first,
        "shifts": shifts,
        "short": sum(1 for shift in shifts if shift.short),
        "previous": previous_month(first),
        "next": next_month(first),
    }
    return render(request, "volunteers/roster.html", context)


def xlsx_response(book: openpyxl.Workbook, filename: str) -> HttpResponse:
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@staff_member_required
def roster_xlsx(request):
    _require(request, "volunteers.export_assignment")
    form = MonthForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(
            " ".join(form.errors["month"]), content_type="text/plain; charset=utf-8"
        )
    first = form.first_day()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"{first:%Y-%m}"
    sheet.append(["日期", "开始", "结束", "岗位", "服务类型", "需要人数", "已安排", "志愿者", "已取消"])
    shifts = roster_rows(request.user, first)
    for shift in shifts:
        start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
        names = "、".join(a.volunteer.name for a in shift.assignments.all())
        sheet.append(
            [
                shift.date,
                start.strftime("%H:%M"),
                end.strftime("%H:%M"),
                neutralise_formula(shift.post.name),
                neutralise_formula(shift.service.name),
                shift.headcount,
                shift.assigned,
                neutralise_formula(names),
                "是" if shift.is_cancelled else "否",
            ]
        )
    for row in sheet.iter_rows(min_row=2, max_col=1):
        row[0].number_format = "yyyy-mm-dd"
    # The file names the volunteers on each shift: who took it away is on record.
    record(
        Action.EXPORT,
        request=request,
        model=Shift,
        details={"format": "xlsx", "rows": len(shifts), "month": f"{first:%Y-%m}"},
    )
    return xlsx_response(book, f"roster-{first:%Y-%m}.xlsx")


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("period from"))
    end = forms.DateField(label=gettext_lazy("period until"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            raise forms.ValidationError(_("The end date cannot be before the start date."))
        return cleaned


def default_period() -> dict:
    now = today()
    return {"start": year_start(now), "end": now}


@never_cache
@staff_member_required
def hours(request):
    """Each volunteer's attended hours for a period (sign-ups count nothing)."""
    _require(request, "volunteers.view_volunteer")
    form = PeriodForm(request.GET or default_period())
    rows = []
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        volunteers = Volunteer.objects.for_user(request.user).select_related("unit")
        rows = list(services.hours_by_volunteer(volunteers, start, end).order_by("unit__sort_order", "name"))
        if request.GET.get("format") == "xlsx":
            _require(request, "volunteers.export_volunteer")
            book = openpyxl.Workbook()
            sheet = book.active
            sheet.append(["编号", "姓名", "所在单位或支部", "服务次数", "缺勤次数", "服务时长(小时)"])
            for volunteer in rows:
                sheet.append(
                    [
                        volunteer.pk,
                        neutralise_formula(volunteer.name),
                        neutralise_formula(volunteer.unit.name),
                        volunteer.attended_shifts,
                        volunteer.absences,
                        float(volunteer.attended_hours or 0),
                    ]
                )
            record(
                Action.EXPORT,
                request=request,
                model=Volunteer,
                details={
                    "format": "xlsx",
                    "rows": len(rows),
                    "start": f"{start:%Y-%m-%d}",
                    "end": f"{end:%Y-%m-%d}",
                },
            )
            return xlsx_response(book, f"hours-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
    return render(request, "volunteers/hours.html", {"form": form, "rows": rows})


class CertificateForm(PeriodForm):
    issuing_unit = forms.ModelChoiceField(queryset=None, label=gettext_lazy("issuing unit"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuing_unit"].queryset = units_of(user)

    def clean(self):
        cleaned = super().clean()
        validate_certificate_period(cleaned.get("end"), today())
        return cleaned


@never_cache
@staff_member_required
@require_http_methods(["GET", "POST"])
def issue_certificate(request, volunteer_pk):
    """Preview a volunteer's service record for a period, and issue (record) the certificate."""
    _require(request, "volunteers.issue_certificate")
    volunteer = get_object_or_404(
        Volunteer.objects.for_user(request.user).select_related("unit"), pk=volunteer_pk
    )
    initial = {**default_period(), "issuing_unit": volunteer.unit_id}
    form = CertificateForm(request.POST or request.GET or initial, user=request.user)
    record = None
    if form.is_valid():
        data = form.cleaned_data
        record = services.service_record(volunteer, data["start"], data["end"])
        if request.method == "POST":
            certificate = services.issue_certificate(
                volunteer, data["start"], data["end"], request.user, data["issuing_unit"]
            )
            return redirect("volunteers:certificate", certificate.pk)
    return render(
        request, "volunteers/issue_certificate.html", {"volunteer": volunteer, "form": form, "record": record}
    )


@never_cache
@staff_member_required
def certificate(request, pk):
    """The issued certificate, print-ready on A4, exactly as recorded."""
    _require(request, "volunteers.view_certificate")
    issued = get_object_or_404(
        Certificate.objects.for_user(request.user).select_related("volunteer__unit", "issuing_unit"), pk=pk
    )
    return render(request, "volunteers/certificate.html", {"certificate": issued})
