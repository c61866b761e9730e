"""One job model for every kind of file: the hotline's case imports join the ledgers' jobs.

Each case import becomes an ``ImportJob`` (its counts, errors and column summary kept; its
former id in ``details["case_import_id"]``, so old addresses still find it). One not over
when the portal is upgraded ends here, its file deleted: its uploader uploads it again.

A migration of its own, after the columns it fills (0002): on PostgreSQL the rows it inserts
leave deferred foreign-key checks pending, and the indexes 0002 creates at its end would then
be refused ("cannot CREATE INDEX … because it has pending trigger events").
"""

from django.db import migrations

OVER = {"refused", "done", "failed"}
UPGRADE_MESSAGE = "门户升级时此导入尚未完成，上传的文件已删除，未写入任何数据。请重新上传。"


def case_imports_into_jobs(apps, schema_editor):
    CaseImport = apps.get_model("hotline", "CaseImport")
    ImportJob = apps.get_model("imports", "ImportJob")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not CaseImport.objects.exists():
        return
    case_type, _ = ContentType.objects.get_or_create(app_label="hotline", model="case")
    for old in CaseImport.objects.order_by("pk").iterator():
        result = old.result or {}
        over = old.state in OVER
        errors = [[None, message] for message in result.get("file_errors", [])]
        errors += [[e.get("row"), "；".join(e.get("messages", []))] for e in result.get("first_errors", [])]
        if not over:
            errors = [[None, UPGRADE_MESSAGE]]
        job = ImportJob.objects.create(
            created_by_id=old.created_by_id,
            ledger=case_type,
            file_name=(old.original_name or old.file.name or "")[:255],
            file_format=1 if (old.original_name or "").lower().endswith(".csv") else 0,
            status=old.state if over else "failed",
            new=result.get("new", 0),
            updated=result.get("changed", 0),
            unchanged=result.get("unchanged", 0),
            error_count=(result.get("refused_rows", 0) + len(result.get("file_errors", []))) if over else 1,
            errors=errors[:500],
            details={
                "case_import_id": old.pk,
                "mapping": result.get("mapping", []),
                "dropped_columns": result.get("dropped_columns", []),
                "ignored_columns": result.get("ignored_columns", []),
                "months": result.get("months", []),
                "typed_months_kept": result.get("typed_months_kept", []),
            },
            rows_done=old.rows_done,
            rows_total=result.get("rows", old.rows_done),
            started_at=old.started_at,
            finished_at=old.finished_at,
        )
        ImportJob.objects.filter(pk=job.pk).update(created_at=old.created_at)
        if old.file:
            old.file.delete(save=False)  # callers' phones and names: never kept past the job


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_one_job_model"),
        ("hotline", "0004_caseimport_started_at"),
    ]

    operations = [migrations.RunPython(case_imports_into_jobs, migrations.RunPython.noop)]
