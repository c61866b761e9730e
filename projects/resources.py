"""The project ledger as a spreadsheet (项目台账): export, and import of the same file.

Besides the project's own columns the ledger carries its current progress. On
import, progress that differs from the latest recorded update becomes a new
dated update; unchanged progress writes nothing.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields

from imports.resources import (
    ChoiceWidget,
    DateWidget,
    DecimalWidget,
    IntegerWidget,
    LedgerInstanceLoader,
    LedgerResource,
    NamedForeignKeyWidget,
    TextWidget,
    YesNoWidget,
    column,
    is_blank,
)
from review.models import ReviewRequest
from units.dates import today
from units.models import Unit, rows_written_in_bulk

from .models import ProgressStatus, ProgressUpdate, Project, Round

PERCENT, STATUS, DATE, NOTE = "当前进度(%)", "进度状态", "进度日期", "最新进展"


def progress_column(header, widget):
    return fields.Field(column_name=header, widget=widget, readonly=False)


class ProjectResource(LedgerResource):
    required_columns = ("批次", "项目名称", "责任单位")
    round = column("round", "批次", NamedForeignKeyWidget(Round, label="批次"))
    title = column("title", "项目名称")
    description = column("description", "项目内容")
    category = column("category", "类别", ChoiceWidget(Project.Category.choices))
    unit = column("unit", "责任单位", NamedForeignKeyWidget(Unit, label="责任单位"))
    lead_name = column("lead_name", "负责人")
    deadline = column("deadline", "完成时限", DateWidget())
    budget = column("budget", "预算(元)", DecimalWidget())
    spent = column("spent", "已支出(元)", DecimalWidget())
    beneficiary_count = column("beneficiary_count", "受益人数", IntegerWidget())
    beneficiaries = column("beneficiaries", "受益对象")
    demand_source = column(
        "demand_source", "需求来源", ChoiceWidget(Project.DemandSource.choices, allow_blank=True)
    )
    is_public = column("is_public", "是否公开", YesNoWidget())
    progress_percent = progress_column(PERCENT, IntegerWidget())
    progress_status = progress_column(STATUS, ChoiceWidget(ProgressStatus.choices, allow_blank=True))
    progress_date = progress_column(DATE, DateWidget())
    progress_note = progress_column(NOTE, TextWidget())

    class Meta:
        model = Project
        fields = [
            "id",
            "round",
            "title",
            "description",
            "category",
            "unit",
            "lead_name",
            "deadline",
            "budget",
            "spent",
            "beneficiary_count",
            "beneficiaries",
            "demand_source",
            "is_public",
            "progress_percent",
            "progress_status",
            "progress_date",
            "progress_note",
            "version",
        ]
        import_id_fields = ["id"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        chunk_size = 500
        # One query loads every row's existing project (through the scoped queryset).
        instance_loader_class = LedgerInstanceLoader

    batched_writes = True  # Project.clean and ProgressUpdate.clean read no other rows

    def get_queryset(self):
        # Loaded with their latest progress, so an import compares without a query per row.
        return super().get_queryset().select_related("round", "unit").with_progress().with_latest_note()

    def filter_export(self, queryset, **kwargs):
        annotations = queryset.query.annotations
        if "progress_percent" not in annotations:
            queryset = queryset.with_progress()
        if "progress_note" not in annotations:
            queryset = queryset.with_latest_note()
        return queryset.select_related("round", "unit")

    # Export of the progress columns (annotated by ``filter_export``).
    # A project with no update yet has blank progress columns, not "0%, not started",
    # so re-importing it does not invent a first update.
    def dehydrate_progress_percent(self, project):
        return project.progress_percent if project.progress_date else None

    def dehydrate_progress_status(self, project):
        if not project.progress_date:
            return ""
        return self.fields["progress_status"].widget.render(project.progress_status)

    def dehydrate_progress_date(self, project):
        return project.progress_date

    def dehydrate_progress_note(self, project):
        return project.progress_note or ""

    # Import of the progress columns.
    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        try:
            instance._pending_update = self._progress_from_row(instance, row)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _progress_from_row(self, project, row) -> ProgressUpdate | None:
        if all(is_blank(row.get(header)) for header in (PERCENT, STATUS, DATE, NOTE)):
            return None  # no progress given (most rows of a new ledger)
        values, errors = {}, {}
        for key, header in [("percent", PERCENT), ("status", STATUS), ("date", DATE), ("note", NOTE)]:
            field = self.fields[f"progress_{key}"]
            try:
                values[key] = field.widget.clean(row.get(header))
            except ValueError as error:
                errors[header] = [str(error)]
        if errors:
            raise ValidationError(errors)
        if values["percent"] is None and not values["status"]:
            return None
        if values["percent"] is None or values["percent"] < 0 or values["percent"] > 100:
            raise ValidationError({PERCENT: [_("Progress must be a whole number from 0 to 100.")]})
        update = ProgressUpdate(percent=values["percent"], status=values["status"], note=values["note"] or "")
        if values["date"]:
            update.date = values["date"]
        try:
            # The 0–100 range is checked above; skip the per-row constraint query.
            update.full_clean(exclude=["project", "photo"], validate_constraints=False)
        except ValidationError as error:
            columns = {"percent": PERCENT, "status": STATUS, "date": DATE, "note": NOTE}
            raise ValidationError(
                {columns.get(name, PERCENT): messages for name, messages in error.message_dict.items()}
            ) from None
        return update

    def _progress_changed(self, project) -> bool:
        """Whether the row's progress differs from the latest recorded update (asked twice per row)."""
        pending = getattr(project, "_pending_update", None)
        if pending is None:
            return False
        if getattr(project, "_progress_compared", None) is not pending:
            project._progress_compared = pending
            project._progress_differs = self._differs_from_latest(project, pending)
        return project._progress_differs

    @staticmethod
    def _differs_from_latest(project, pending) -> bool:
        if project.pk is None:
            return True
        wanted = (pending.percent, pending.status, pending.note)
        latest_date = getattr(project, "progress_date", None)
        annotated = hasattr(project, "progress_date")
        if annotated and pending.date <= today() and (latest_date is None or latest_date <= pending.date):
            # The latest update as of today (annotated by get_queryset) is also the
            # latest on or before the file's date.
            if latest_date is None:
                return True
            return (project.progress_percent, project.progress_status, project.progress_note or "") != wanted
        latest = project.progress_on(pending.date)  # a back-dated or future-dated row
        return latest is None or (latest.percent, latest.status, latest.note) != wanted

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if self._progress_changed(instance):
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def after_bulk_write(self, items) -> None:
        """The rows' new progress, written with them (``imports.resources``: imports in batches)."""
        updates = []
        for item in items:
            if self._progress_changed(item.instance):
                update = item.instance._pending_update
                update.project = item.instance
                update.created_by = self.user if getattr(self.user, "pk", None) else None
                updates.append(update)
        if updates:
            ProgressUpdate.objects.bulk_create(updates, batch_size=self.write_batch_size)
            self._written_models.add(ProgressUpdate)
            rows_written_in_bulk.send(sender=ProgressUpdate, instances=updates)

    def undo_bulk_write(self, item) -> None:
        super().undo_bulk_write(item)
        update = getattr(item.instance, "_pending_update", None)
        if update is not None:
            update.pk = None
            update._state.adding = True

    def save_instance(self, instance, is_create, row, **kwargs):
        changed = self._progress_changed(instance)
        super().save_instance(instance, is_create, row, **kwargs)
        if changed:
            update = instance._pending_update
            update.project = instance
            update.created_by = self.user if getattr(self.user, "pk", None) else None
            self.save_reviewed(update, kind=ReviewRequest.Kind.UPDATE)
