"""Bench-only trials of the fixes the report proposes; nothing here changes the project.

* ``indexes``: add the proposed ProgressUpdate indexes to the *temporary* database
  only (never to a caller's database), re-measure the pages, drop them again.
* ``ProposedProjectResource``: ``ProjectResource`` with the proposed import changes
  (one query for all rows' projects, cached round/unit lookups, the latest
  progress looked up once per row, no per-row query for the percent check
  constraint), measured on the same files as the real resource.
"""

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Index
from django.utils.translation import gettext as _
from import_export.instance_loaders import CachedInstanceLoader

from projects.models import ProgressUpdate
from projects.resources import DATE, NOTE, PERCENT, STATUS, ProjectResource
from units.resources import NamedForeignKeyWidget

from . import ledger_io, pages

PROPOSED_INDEXES = [
    (
        "+ index (project, date, id)",
        Index(fields=["project", "date", "id"], name="bench_progress_project_date"),
    ),
    ("+ index (date, id)", Index(fields=["date", "id"], name="bench_progress_date")),
]


def indexes(db, requests: int, warmup: int) -> dict:
    if not db.owned:
        return {"skipped": "the database is the caller's: bench never changes its schema"}
    out, added = {}, []
    try:
        for label, index in PROPOSED_INDEXES:
            with connection.schema_editor() as editor:
                editor.add_index(ProgressUpdate, index)
            added.append(index)
            out[label] = pages.measure(requests=requests, warmup=warmup)
    finally:
        for index in reversed(added):
            with connection.schema_editor() as editor:
                editor.remove_index(ProgressUpdate, index)
    return out


class CachingNamedForeignKeyWidget(NamedForeignKeyWidget):
    """Looks each name up once per import (a ledger names a handful of rounds and units)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._found = {}

    def clean(self, value, row=None, **kwargs):
        key = "" if value is None else str(value).strip()
        if key not in self._found:
            self._found[key] = super().clean(value, row, **kwargs)  # an unknown name still raises
        return self._found[key]


class ProposedProjectResource(ProjectResource):
    class Meta(ProjectResource.Meta):
        instance_loader_class = CachedInstanceLoader  # one query for every row's project

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("round", "unit"):
            old = self.fields[name].widget
            self.fields[name].widget = CachingNamedForeignKeyWidget(
                old.model, field=old.field, label=old.label
            )

    def _progress_changed(self, project) -> bool:
        # skip_row() and save_instance() both ask; look the latest update up once.
        pending = getattr(project, "_pending_update", None)
        memo = getattr(project, "_progress_changed_memo", None)
        if memo is None or memo[0] is not pending:
            memo = project._progress_changed_memo = (pending, super()._progress_changed(project))
        return memo[1]

    def _progress_from_row(self, project, row) -> ProgressUpdate | None:
        # As ProjectResource._progress_from_row, but full_clean(validate_constraints=False):
        # the 0..100 check constraint is already enforced just above and by the field's
        # validators, so its per-row "SELECT … WHERE COALESCE(…)" query is redundant.
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
            update.full_clean(exclude=["project", "photo"], validate_constraints=False)
        except ValidationError as error:
            raise ValidationError({PERCENT: error.messages}) from None
        return update


def imports(files: tuple[bytes, bytes], repeats: int) -> dict:
    data, changed = files
    return ledger_io.measure_imports(data, changed, repeats, ProposedProjectResource, traced=False)
