"""The coordinators' admin: registers, patterns, shifts, assignments and attendance.

Every door is scoped to the user's units by the shared base. Double booking is
refused by the database; where a write slips past the forms' check (two
coordinators saving at the same moment), the refusal comes back as a form error
naming the shift in the way, with nothing saved.
"""

import contextlib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from reversion.admin import VersionAdmin

from imports.admin import LedgerImportExportMixin
from units.admin import LockVersionAdminMixin, LockVersionForm, UnitScopedAdminMixin
from units.dates import today
from units.history import RecordHistoryMixin

from . import self_admin, services
from .models import (
    WEEKDAYS,
    Assignment,
    Attendance,
    Certificate,
    DoubleBooking,
    Post,
    ProblemSolved,
    ServiceType,
    Shift,
    ShiftPattern,
    Volunteer,
    double_booking_message,
    validate_month_in_range,
)


@contextlib.contextmanager
def refusing_double_booking(explain):
    """Turn the database's refusal of an overlap into ``DoubleBooking`` with ``explain()``'s message."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        if "assignment_no_double_booking" not in str(error):
            raise
        raise DoubleBooking(
            explain() or str(_("A volunteer is already booked on an overlapping shift; nothing was saved."))
        ) from None


class DoubleBookingAdminMixin:
    """Shows the database's refusal as an error on the form, keeping what was typed.

    The refused save is rolled back with the admin's transaction; the page is then
    built again from the same POST, with the refusal as the form's error.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DoubleBooking as refusal:
            request.double_booking_refusal = refusal.message
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "double_booking_refusal", None)
        if refusal is None:
            return form

        class RefusedForm(form):
            def clean(self):
                super().clean()
                raise ValidationError(refusal, code="double_booking")

        return RefusedForm

    def explain_refusal(self, candidates):
        for assignment in candidates:
            if assignment.volunteer_id and assignment.shift_id:
                message = double_booking_message(
                    assignment.volunteer, assignment.shift.starts_at, assignment.shift.ends_at, assignment.pk
                )
                if message:
                    return message
        return None


class AssignmentForm(forms.ModelForm):
    """Says which shift is in the way before the database has to refuse."""

    def clean(self):
        cleaned = super().clean()
        volunteer = cleaned.get("volunteer")
        shift = cleaned.get("shift") or getattr(self.instance, "shift", None)
        # A booking on a cancelled shift keeps nobody from serving elsewhere at that time.
        if volunteer is not None and shift is not None and shift.starts_at and not shift.is_cancelled:
            message = double_booking_message(volunteer, shift.starts_at, shift.ends_at, self.instance.pk)
            if message:
                self.add_error("volunteer", message)
        return cleaned


@admin.register(ServiceType)
class ServiceTypeAdmin(RecordHistoryMixin, VersionAdmin):
    list_display = ["name", "description", "sort_order"]
    search_fields = ["name"]


@admin.register(Post)
class PostAdmin(UnitScopedAdminMixin, VersionAdmin):
    list_display = ["name", "unit", "address", "is_active", "check_in_sign"]
    list_filter = [("unit", admin.RelatedOnlyFieldListFilter), "is_active"]
    list_select_related = ["unit"]
    search_fields = ["name", "address"]

    @admin.display(description=_("check-in sign"))
    def check_in_sign(self, post):
        return format_html(
            '<a href="{}">{}</a>', reverse("volunteers:check-in-sign", args=[post.pk]), _("Print (A4)")
        )


@admin.register(Volunteer)
class VolunteerAdmin(UnitScopedAdminMixin, LockVersionAdminMixin, LedgerImportExportMixin, VersionAdmin):
    list_display = ["name", "unit", "is_party_member", "phone", "is_active", "certificate_link"]
    list_filter = [("unit", admin.RelatedOnlyFieldListFilter), "is_party_member", "is_active"]
    list_select_related = ["unit"]
    search_fields = ["name", "phone", "skills"]
    fieldsets = [
        (None, {"fields": ["name", "unit", "is_party_member", "phone", "email", "skills", "is_active"]})
    ]
    actions = ["book_on_shift"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and request.user.has_perm("volunteers.change_volunteer"):
            return [*fieldsets, (_("personal link"), {"fields": [self_admin.personal_link_field(request)]})]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None and request.user.has_perm("volunteers.change_volunteer"):
            return [*readonly, self_admin.personal_link_field(request)]
        return readonly

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if not request.user.has_perm("volunteers.change_volunteer"):
            return [name for name in shown if name != "phone"]
        return shown

    @admin.display(description=_("service record certificate"))
    def certificate_link(self, volunteer):
        return format_html(
            '<a href="{}">{}</a>', reverse("volunteers:issue-certificate", args=[volunteer.pk]), _("Issue")
        )

    @admin.action(description=_("Book the selected volunteers on a shift"), permissions=["change"])
    def book_on_shift(self, request, queryset):
        shifts = Shift.objects.for_user(request.user).filter(date__gte=today(), is_cancelled=False)
        form = BookOnShiftForm(request.POST if "shift" in request.POST else None, shifts=shifts)
        if form.is_bound and form.is_valid():
            booked, refusals = book_many(queryset, [form.cleaned_data["shift"]])
            report_bookings(self, request, booked, refusals)
            return None
        return action_page(
            self, request, form, queryset, "book_on_shift", _("Book the selected volunteers on a shift")
        )


def action_page(model_admin, request, form, queryset, action, title):
    """The intermediate page of a list action that asks one more thing (a shift, a month)."""
    context = {
        **model_admin.admin_site.each_context(request),
        "form": form,
        "rows": queryset,
        "action": action,
        "title": title,
        "opts": model_admin.opts,
    }
    return render(request, "admin/volunteers/action_form.html", context)


class BookOnShiftForm(forms.Form):
    shift = forms.ModelChoiceField(queryset=Shift.objects.none(), label=_("shift"))

    def __init__(self, *args, shifts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].queryset = shifts.select_related("post", "service")


def book_many(volunteers, shifts):
    """Book each volunteer on each shift; a clash is reported and the others still booked.

    One transaction for the lot (each booking in a savepoint of its own): one commit, not one per row.
    """
    with transaction.atomic():
        return _book_each(volunteers, shifts)


def _book_each(volunteers, shifts):
    booked, refusals = 0, []
    for shift in shifts:
        for volunteer in volunteers:
            try:
                services.book(volunteer, shift)
                booked += 1
            except DoubleBooking as refusal:
                refusals.append(refusal.message)
    return booked, refusals


def report_bookings(model_admin, request, booked, refusals):
    model_admin.message_user(
        request, ngettext("%(n)d booking made.", "%(n)d bookings made.", booked) % {"n": booked}
    )
    for message in refusals:
        model_admin.message_user(request, message, level=messages.ERROR)


class WeekdaysField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.pop("max_length", None)
        kwargs.pop("empty_value", None)
        super().__init__(choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, str):
            return [int(d) for d in value.split(",") if d.strip().isdigit()]
        return value


class ShiftPatternForm(LockVersionForm):
    weekdays = WeekdaysField(label=_("weekdays"))

    class Meta:
        model = ShiftPattern
        fields = "__all__"

    def clean_weekdays(self):
        return ",".join(str(d) for d in sorted(set(self.cleaned_data["weekdays"])))


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=_("For example 2021-05."),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        validators=[validate_month_in_range],
    )


@admin.register(ShiftPattern)
class ShiftPatternAdmin(UnitScopedAdminMixin, LockVersionAdminMixin, VersionAdmin):
    form = ShiftPatternForm
    list_display = ["__str__", "post", "service", "headcount", "starts_on", "ends_on"]
    list_filter = ["service", ("post__unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["post", "service"]
    filter_horizontal = ["regular_volunteers"]
    fieldsets = [
        (None, {"fields": ["post", "service", "weekdays", ("start_time", "end_time"), "headcount"]}),
        (None, {"fields": [("starts_on", "ends_on"), "regular_volunteers"]}),
    ]
    actions = ["generate_month"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "regular_volunteers":
            kwargs["queryset"] = Volunteer.objects.for_user(request.user).active()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            changed = services.apply_pattern_change(obj)
            if changed:
                self.message_user(
                    request,
                    ngettext(
                        "%(n)d future shift nobody was booked on follows the change.",
                        "%(n)d future shifts nobody was booked on follow the change.",
                        changed,
                    )
                    % {"n": changed},
                )

    @admin.action(description=_("Generate the shifts of a month"), permissions=["change"])
    def generate_month(self, request, queryset):
        form = MonthForm(request.POST if "month" in request.POST else None)
        if form.is_bound and form.is_valid():
            month = form.cleaned_data["month"]
            created = services.generate_month(queryset, month.year, month.month)
            self.message_user(
                request,
                ngettext("%(n)d shift created for %(month)s.", "%(n)d shifts created for %(month)s.", created)
                % {"n": created, "month": f"{month:%Y-%m}"},
            )
            return None
        return action_page(
            self, request, form, queryset, "generate_month", _("Generate the shifts of a month")
        )


class KeepsRecordedAttendance(forms.BaseInlineFormSet):
    """A booking whose attendance is recorded is part of the record: it cannot be deleted."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk and form.initial.get("attendance") != Attendance.EXPECTED:
                raise ValidationError(
                    _(
                        "%(volunteer)s's attendance is recorded; a record is kept, not deleted (mark absent instead)."
                    )
                    % {"volunteer": form.instance.volunteer}
                )


class AssignmentInline(admin.TabularInline):
    model = Assignment
    form = AssignmentForm
    formset = KeepsRecordedAttendance
    extra = 0
    fields = ["volunteer", "attendance", "hours"]
    autocomplete_fields = ["volunteer"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("volunteer", "shift__post", "shift__service")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "volunteer":
            kwargs["queryset"] = Volunteer.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ProblemSolvedInline(admin.TabularInline):
    model = ProblemSolved
    extra = 0


class ShiftForm(LockVersionForm):
    class Meta:
        model = Shift
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if self.instance.pk and starts_at and ends_at and not cleaned.get("is_cancelled"):
            for assignment in self.instance.assignments.select_related("volunteer"):
                message = double_booking_message(assignment.volunteer, starts_at, ends_at, assignment.pk)
                if message:
                    raise ValidationError(message)
        return cleaned


class StaffingFilter(admin.SimpleListFilter):
    title = _("staffing")
    parameter_name = "staffing"

    def lookups(self, request, model_admin):
        return [("short", _("Below headcount")), ("full", _("Fully staffed"))]

    def queryset(self, request, queryset):
        if self.value() == "short":
            return queryset.filter(short=True)
        if self.value() == "full":
            return queryset.filter(short=False)
        return queryset


@admin.register(Shift)
class ShiftAdmin(DoubleBookingAdminMixin, UnitScopedAdminMixin, LockVersionAdminMixin, VersionAdmin):
    form = ShiftForm
    inlines = [AssignmentInline, ProblemSolvedInline]
    list_display = ["__str__", "post", "service", "staffing", "is_cancelled", "citizens_served"]
    list_filter = [StaffingFilter, "service", "is_cancelled", ("post", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["post", "service"]
    date_hierarchy = "date"
    search_fields = ["post__name", "service__name"]
    fieldsets = [
        (None, {"fields": ["post", "service", ("starts_at", "ends_at"), "headcount", "is_cancelled"]}),
        (None, {"fields": ["free_volunteers"]}),
        (_("What happened"), {"fields": ["citizens_served", "notes"]}),
        (None, {"fields": ["pattern"], "classes": ["collapse"]}),
    ]
    actions = ["cancel_shifts", "assign_regular_volunteers"]
    change_list_template = "admin/volunteers/shift/change_list.html"

    readonly_fields = ["free_volunteers"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_staffing()

    def changelist_view(self, request, extra_context=None):
        upcoming = Shift.objects.for_user(request.user).filter(date__gte=today()).short_staffed()
        extra_context = {**(extra_context or {}), "upcoming_short": upcoming.count(), "today": today()}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("free at this time"))
    def free_volunteers(self, shift):
        """Active volunteers of the post's unit not booked on this or an overlapping shift."""
        if shift.pk is None:
            return "—"
        free = services.free_volunteers(shift).values_list("name", flat=True)
        return "、".join(free) or "—"

    @admin.display(description=_("booked / needed"), ordering="assigned")
    def staffing(self, shift):
        if shift.short:
            return format_html(
                '<span class="status status-overdue" title="{}">{} / {} ⚠</span>',
                _("Below headcount"),
                shift.assigned,
                shift.headcount,
            )
        return f"{shift.assigned} / {shift.headcount}"

    def save_model(self, request, obj, form, change):
        def explain():
            for assignment in Assignment.objects.filter(shift=obj).select_related("volunteer"):
                message = double_booking_message(
                    assignment.volunteer, obj.starts_at, obj.ends_at, assignment.pk
                )
                if message:
                    return message
            return None

        with refusing_double_booking(explain):
            super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Assignment:
            return super().save_formset(request, form, formset, change)
        candidates = [f.instance for f in formset.forms if f.has_changed()]
        with refusing_double_booking(lambda: self.explain_refusal(candidates)):
            super().save_formset(request, form, formset, change)
        return None

    @admin.action(description=_("Cancel the selected shifts (kept on record)"), permissions=["change"])
    def cancel_shifts(self, request, queryset):
        count = queryset.cancel()
        self.message_user(
            request, ngettext("%(n)d shift cancelled.", "%(n)d shifts cancelled.", count) % {"n": count}
        )

    @admin.action(description=_("Assign the pattern's regular volunteers"), permissions=["change"])
    def assign_regular_volunteers(self, request, queryset):
        booked, refusals = 0, []
        shifts = queryset.filter(is_cancelled=False, pattern__isnull=False).select_related(
            "pattern", "post", "service"
        )
        for shift in shifts:
            regulars = shift.pattern.regular_volunteers.for_user(request.user).active()
            regulars = regulars.exclude(assignments__shift=shift)
            made, refused = book_many(regulars, [shift])
            booked += made
            refusals += refused
        report_bookings(self, request, booked, refusals)


@admin.register(Assignment)
class AssignmentAdmin(DoubleBookingAdminMixin, UnitScopedAdminMixin, LedgerImportExportMixin, VersionAdmin):
    form = AssignmentForm
    list_display = ["shift", "volunteer", "attendance", "hours"]
    list_filter = ["attendance", "shift__service", ("shift__post", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["shift__post", "shift__service", "volunteer"]
    list_editable = ["attendance", "hours"]
    search_fields = ["volunteer__name", "shift__post__name"]
    autocomplete_fields = ["volunteer", "shift"]
    date_hierarchy = "starts_at"
    actions = ["mark_present", "mark_absent"]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.attendance != Attendance.EXPECTED:
            return False  # recorded attendance, a no-show included, is kept
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset.filter(attendance=Attendance.EXPECTED))

    def save_model(self, request, obj, form, change):
        with refusing_double_booking(lambda: self.explain_refusal([obj])):
            super().save_model(request, obj, form, change)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "shift" and field is not None:
            field.queryset = field.queryset.select_related("post", "service")
        return field

    def _mark(self, request, queryset, attendance):
        count, refusals = 0, []
        for assignment in queryset.select_related("shift__post", "shift__service", "volunteer"):
            assignment.attendance = attendance
            assignment.hours = None if attendance == "present" else assignment.hours
            try:
                assignment.save()
            except ValidationError as refusal:
                refusals.append(f"{assignment.volunteer}：{' '.join(refusal.messages)}")
                continue
            count += 1
        self.message_user(
            request, ngettext("%(n)d record updated.", "%(n)d records updated.", count) % {"n": count}
        )
        for message in refusals:
            self.message_user(request, message, level=messages.ERROR)

    @admin.action(description=_("Mark present (hours: the shift's length)"), permissions=["change"])
    def mark_present(self, request, queryset):
        self._mark(request, queryset, "present")

    @admin.action(description=_("Mark absent (the no-show is kept)"), permissions=["change"])
    def mark_absent(self, request, queryset):
        self._mark(request, queryset, "absent")


@admin.register(Certificate)
class CertificateAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "volunteer",
        "period_start",
        "period_end",
        "hours",
        "issuing_unit",
        "issued_at",
        "print_link",
    ]
    list_select_related = ["volunteer", "issuing_unit"]
    search_fields = ["number", "volunteer__name"]
    readonly_fields = [f.name for f in Certificate._meta.fields]

    @admin.display(description=_("print"))
    def print_link(self, certificate):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("volunteers:certificate", args=[certificate.pk]),
            certificate.number,
        )

    def has_add_permission(self, request):
        return False  # issued from the certificate page, which records it

    def has_change_permission(self, request, obj=None):
        return False
