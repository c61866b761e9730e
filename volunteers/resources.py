"""The volunteer register and the roster as spreadsheets, on the shared ledger base.

Phones are private: the phone column is in the volunteer file only for those
who keep the volunteers' own units (coordinators and the office), never for a
reader such as a leader.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, widgets
from import_export.instance_loaders import CachedInstanceLoader

from imports.resources import (
    ChoiceWidget,
    DecimalWidget,
    LedgerInstanceLoader,
    LedgerResource,
    NamedForeignKeyWidget,
    YesNoWidget,
    column,
)
from units.models import Unit
from units.scoping import scope_queryset, unit_path_of

from .models import Assignment, Attendance, Shift, Volunteer, double_booking_message


class VolunteerResource(LedgerResource):
    name = column("name", "姓名")
    unit = column("unit", "所在单位或支部", NamedForeignKeyWidget(Unit, label="所在单位或支部"))
    is_party_member = column("is_party_member", "是否党员", YesNoWidget())
    phone = column("phone", "联系电话")
    skills = column("skills", "特长")
    is_active = column("is_active", "是否在册", YesNoWidget())

    class Meta:
        model = Volunteer
        fields = ["id", "name", "unit", "is_party_member", "phone", "skills", "is_active", "version"]
        import_id_fields = ["id"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        instance_loader_class = LedgerInstanceLoader

    batched_writes = True  # Volunteer has no clean() and a plain save(): nothing reads other rows

    def get_export_fields(self, selected_fields=None):
        exported = super().get_export_fields(selected_fields)
        if self.keeps_volunteers(self.user):
            return exported
        # A reader's export (the leader's) leaves the private column out altogether.
        return [field for field in exported if field.attribute != "phone"]

    @staticmethod
    def keeps_volunteers(user) -> bool:
        return user is None or user.has_perm("volunteers.change_volunteer")

    def get_queryset(self):
        return super().get_queryset().select_related("unit")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("unit")


class ScopedForeignKeyWidget(widgets.ForeignKeyWidget):
    """A row id of a unit-owned model, looked up only among the importing user's rows."""

    def __init__(self, model, label, **kwargs):
        super().__init__(model, field="pk", **kwargs)
        self.label = label
        self.user = None

    def get_queryset(self, value, row, *args, **kwargs):
        queryset = self.model._default_manager.all()
        if self.user is None:
            return queryset
        return scope_queryset(queryset, self.user, unit_path_of(self.model))

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            return self.get_queryset(value, row).get(pk=int(float(str(value).strip())))
        except (ValueError, self.model.DoesNotExist):
            raise ValueError(
                _("%(label)s “%(value)s” does not exist or belongs to another unit")
                % {"label": self.label, "value": value}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return None if value is None else value.pk


def readonly(header, dehydrate) -> fields.Field:
    return fields.Field(column_name=header, readonly=True, dehydrate_method=dehydrate)


class AssignmentResource(LedgerResource):
    """The roster: one row per volunteer booked on a shift, with attendance."""

    shift = column("shift", "班次编号", ScopedForeignKeyWidget(Shift, label="班次"))
    shift_date = readonly("日期", lambda a: a.shift.date)
    shift_time = readonly(
        "时间",
        lambda a: (
            f"{timezone.localtime(a.shift.starts_at):%H:%M}–{timezone.localtime(a.shift.ends_at):%H:%M}"
        ),
    )
    post = readonly("岗位", lambda a: a.shift.post.name)
    service = readonly("服务类型", lambda a: a.shift.service.name)
    volunteer = column("volunteer", "志愿者编号", ScopedForeignKeyWidget(Volunteer, label="志愿者"))
    volunteer_name = readonly("志愿者", lambda a: a.volunteer.name)
    attendance = column("attendance", "出勤", ChoiceWidget(Attendance.choices))
    hours = column("hours", "服务时长(小时)", DecimalWidget())

    class Meta:
        model = Assignment
        fields = [
            "id",
            "shift",
            "shift_date",
            "shift_time",
            "post",
            "service",
            "volunteer",
            "volunteer_name",
            "attendance",
            "hours",
        ]
        import_id_fields = ["id"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        instance_loader_class = CachedInstanceLoader

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        for name in ("shift", "volunteer"):
            self.fields[name].widget.user = user

    def get_queryset(self):
        return super().get_queryset().select_related("shift__post", "shift__service", "volunteer")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("shift__post", "shift__service", "volunteer")

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.shift_id and instance.volunteer_id and not instance.shift.is_cancelled:
            message = double_booking_message(
                instance.volunteer, instance.shift.starts_at, instance.shift.ends_at, exclude_pk=instance.pk
            )
            if message:
                raise ValidationError({"volunteer": [message]})

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            with transaction.atomic():
                super().save_instance(instance, is_create, row, **kwargs)
        except IntegrityError:
            # Booked by someone else between the check above and this write.
            message = double_booking_message(
                instance.volunteer, instance.shift.starts_at, instance.shift.ends_at, exclude_pk=instance.pk
            )
            raise ValidationError(
                {"volunteer": [message or _("This volunteer is already on this shift.")]}
            ) from None
