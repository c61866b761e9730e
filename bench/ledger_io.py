"""The project ledger (项目台账) as xlsx: export and import through ``ProjectResource``.

Each operation is timed over several repeats (median) and has its memory
measured (tracemalloc peak in an extra traced run; growth of the RSS high-water
mark in the timed runs), beside a baseline:

* export  vs a plain openpyxl write-only workbook of the same cells;
* import  (unchanged file: every row skipped; changed file: every project gets a
  new progress update) vs a plain ``bulk_create`` of as many Project rows.

Writes are undone between repeats, so every repeat sees the same ledger.
"""

import datetime
import io

import openpyxl
from django.db import connection, transaction
from django.test.utils import override_settings
from import_export.formats.base_formats import XLSX

from projects.models import ProgressStatus, ProgressUpdate, Project, Round
from projects.resources import DATE, NOTE, PERCENT, STATUS, ProjectResource
from units.dates import today

from .stats import measure


def export_xlsx() -> bytes:
    dataset = ProjectResource().export(force_native_type=True)
    return XLSX().export_data(dataset)


def openpyxl_write(headers: list, rows: list) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_xlsx(data: bytes, resource_class=ProjectResource):
    dataset = XLSX().create_dataset(data)
    # The importer's speed is measured here, not the 20 s budget that guards a web
    # request (on a busy machine the budget would cut the run short).
    with override_settings(IMPORT_TIME_LIMIT_SECONDS=3600):
        return resource_class().import_data(dataset, dry_run=False, use_transactions=True)


def changed_file(data: bytes, on: datetime.date) -> bytes:
    """The same ledger with every project's progress moved on, as a keeper would fill it in."""
    dataset = XLSX().create_dataset(data)
    headers = list(dataset.headers)
    widget = ProjectResource().fields["progress_status"].widget
    ip, is_, id_, in_ = (headers.index(h) for h in (PERCENT, STATUS, DATE, NOTE))
    rows = []
    for row in dataset:
        row = list(row)
        percent = int(row[ip] or 0)
        new = 100 if percent >= 95 else percent + 5
        row[ip] = new
        row[is_] = widget.render(ProgressStatus.COMPLETED if new == 100 else ProgressStatus.IN_PROGRESS)
        row[id_] = on
        row[in_] = "本周进展:按计划推进,已向群众公示。" if new < 100 else "项目完工并通过验收。"
        rows.append(row)
    return openpyxl_write(headers, rows)


def _totals(result) -> dict:
    totals = {key: value for key, value in result.totals.items() if value}
    errors = [f"row {n}: {e[0].error}" for n, e in result.row_errors()[:3]]
    errors += [f"row {r.number}: {r.error_dict}" for r in result.invalid_rows[:3]]
    errors += [str(e.error) for e in result.base_errors[:3]]
    return {"totals": totals, "errors": errors}


def _latest_update_pk() -> int:
    return ProgressUpdate.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def measure_imports(
    data: bytes, changed: bytes, repeats: int, resource_class=ProjectResource, traced: bool = True
) -> dict:
    """Import the unchanged and the changed file; the new updates are deleted after each run."""
    projects = Project.objects.count()
    watermark = {"pk": 0}
    versions = dict(Project.objects.values_list("pk", "version"))

    def mark():
        watermark["pk"] = _latest_update_pk()

    def undo(_result=None):
        ProgressUpdate.objects.filter(pk__gt=watermark["pk"]).delete()
        # Each repeat imports the same file: put the row versions back too, or the
        # next repeat's rows would (rightly) be refused as changed since the export.
        changed = [Project(pk=pk, version=version) for pk, version in versions.items()]
        Project.objects.bulk_update(changed, ["version"], batch_size=500)

    out = {}
    for name, file, expect in (
        ("unchanged", data, {"skip": projects}),
        ("changed", changed, {"update": projects}),
    ):
        check = {}

        def after(result, check=check, expect=expect):
            check.update(_totals(result))
            check["new_updates"] = ProgressUpdate.objects.filter(pk__gt=watermark["pk"]).count()
            check["as_expected"] = (
                check["totals"] == expect
                and not check["errors"]
                and check["new_updates"] == (projects if expect.get("update") else 0)
            )
            undo()

        def run(file=file):
            return import_xlsx(file, resource_class)

        measured = measure(run, repeats, before=mark, after=after, traced=traced, connection=connection)
        out[name] = {**measured.as_dict(), "check": check}
    return out


def run(repeats: int = 5) -> dict:
    projects = Project.objects.count()

    # Export ---------------------------------------------------------------------------
    data = export_xlsx()
    dataset = ProjectResource().export(force_native_type=True)
    headers, cells = list(dataset.headers), [list(row) for row in dataset]
    exported = measure(export_xlsx, repeats, connection=connection)
    plain = measure(lambda: openpyxl_write(headers, cells), repeats)
    export = {
        "rows": len(cells),
        "columns": len(headers),
        "file_bytes": len(data),
        "queries": exported.queries.count,
        "resource": exported.as_dict(),
        "baseline_openpyxl_write_only": plain.as_dict(),
        "ratio": round(exported.median_s / plain.median_s, 2),
    }

    # Import ---------------------------------------------------------------------------
    changed = changed_file(data, today())
    imports = measure_imports(data, changed, repeats)

    # Baseline: bulk_create of as many Project rows, in rounds of their own (deleted after).
    fields = ["round_id", "title", "description", "category", "unit_id", "lead_name", "deadline"]
    fields += ["budget", "spent", "beneficiary_count", "beneficiaries", "demand_source", "is_public"]
    values = list(Project.objects.order_by("pk").values(*fields))
    bench_rounds = {  # one per real round: titles are unique within a round
        pk: Round.objects.create(
            name=f"基准对照批次{pk}(bench baseline)", start_date=datetime.date(2021, 1, 1)
        )
        for pk in sorted({row["round_id"] for row in values})
    }
    pending = {}

    def build():
        pending["rows"] = [Project(**{**row, "round_id": bench_rounds[row["round_id"]].pk}) for row in values]

    def bulk():
        with transaction.atomic():
            Project.objects.bulk_create(pending["rows"], batch_size=ProjectResource._meta.chunk_size or 500)

    def drop(_value=None):
        Project.objects.filter(round__in=bench_rounds.values()).delete()

    try:
        baseline = measure(bulk, repeats, before=build, after=drop, connection=connection)
    finally:
        drop()
        Round.objects.filter(pk__in=[r.pk for r in bench_rounds.values()]).delete()
    for result in imports.values():
        result["ratio"] = round(result["median_s"] / baseline.median_s, 2)

    return {
        "export": export,
        "import": {
            "rows": projects,
            "file_bytes_unchanged": len(data),
            "file_bytes_changed": len(changed),
            **imports,
            "baseline_bulk_create": baseline.as_dict(),
        },
    }
