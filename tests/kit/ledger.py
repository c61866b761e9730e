"""Drive a ledger's admin the way staff do: export, dry run, confirm, and every door of scoping."""

import csv
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

XLSX, CSV = 0, 1  # positions in LedgerImportExportMixin.import_formats / export_formats


def read_xlsx(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def write_xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def write_csv(rows: list[list], encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def preview_errors(preview) -> str:
    """Every error a preview (the job page, or the upload form shown again) carries, as one string."""
    context = preview.context or {}
    form = context.get("form")
    job = context.get("job")
    parts = [str(form.errors) if form is not None else ""]
    if job is not None:
        parts += [str(message) for _line, message in job.errors]
    return " ".join(parts)


def confirm_data(preview) -> dict:
    form = preview.context["confirm_form"]
    assert form is not None, preview_errors(preview)
    return {name: form[name].value() for name in form.fields}


def confirm_preview(client, preview, **tampered):
    """Press the job page's confirm button (the import job runs at once under the test backend)."""
    return client.post(preview.context["confirm_url"], confirm_data(preview) | tampered)


class LedgerAdmin:
    """A model's admin import/export pages, for one logged-in test client."""

    def __init__(self, client, model):
        self.client = client
        self.model = model
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        self.changelist_url = reverse(f"{prefix}_changelist")
        self.export_url = reverse(f"{prefix}_export")
        self.import_url = reverse(f"{prefix}_import")
        self.process_url = reverse(f"{prefix}_process_import")
        self.prefix = prefix

    def change_url(self, obj) -> str:
        return reverse(f"{self.prefix}_change", args=[obj.pk])

    def delete_url(self, obj) -> str:
        return reverse(f"{self.prefix}_delete", args=[obj.pk])

    def history_url(self, obj) -> str:
        return reverse(f"{self.prefix}_history", args=[obj.pk])

    def export_response(self, file_format=XLSX, selected=None):
        """Every column, in the given format; ``selected``: only these rows (the list's action)."""
        form = self.client.get(self.export_url).context["form"]
        data = {"format": file_format, "resource": 0}
        data.update(
            {name: "on" for name in form.fields if name not in ("format", "resource", "export_items")}
        )
        if selected is not None:
            data["export_items"] = [obj.pk for obj in selected]
        return self.client.post(self.export_url, data)

    def export(self, file_format=XLSX, selected=None) -> bytes:
        response = self.export_response(file_format, selected)
        assert response.status_code == 200, response.content[:500]
        assert not response["Content-Type"].startswith("text/html"), "the export form was shown again"
        return response.content

    def upload(self, content: bytes, file_format=XLSX, name="台账.xlsx"):
        """The upload, followed to its job page once the check (dry run) is over: the preview."""
        return self.client.post(
            self.import_url,
            {"format": file_format, "resource": 0, "import_file": SimpleUploadedFile(name, content)},
            follow=True,
        )

    def confirm(self, preview, **tampered):
        return confirm_preview(self.client, preview, **tampered)

    def import_file(self, content: bytes, file_format=XLSX, name="台账.xlsx"):
        """Dry run then confirm; fails with the preview's errors if the dry run refused the file."""
        preview = self.upload(content, file_format, name)
        assert preview.status_code == 200
        assert preview.context.get("confirm_form") is not None, preview_errors(preview)
        return preview, self.confirm(preview)

    def refused(self, content: bytes, file_format=XLSX, name="台账.xlsx") -> str:
        """Dry-run a file that must be refused; returns the errors shown (no confirm offered)."""
        preview = self.upload(content, file_format, name)
        assert preview.status_code == 200
        assert preview.context.get("confirm_form") is None, "the file was accepted"
        return preview_errors(preview)


def assert_unit_scoped(client, model, *, mine, theirs, editor, column_of_theirs):
    """An editor touches ``mine`` and never ``theirs`` through every admin door.

    ``column_of_theirs`` is text that appears in an export only if ``theirs`` is in it
    (e.g. its title or code). Checks: the list, the change form (GET and POST), delete,
    bulk delete, history, and export, both whole and through "export selected".
    """
    client.force_login(editor)
    ledger = LedgerAdmin(client, model)
    listing = client.get(ledger.changelist_url)
    assert listing.status_code == 200
    shown = {obj.pk for obj in listing.context["cl"].result_list}
    assert mine.pk in shown and theirs.pk not in shown

    assert client.get(ledger.change_url(mine)).status_code == 200
    for url in (ledger.change_url(theirs), ledger.history_url(theirs)):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
    assert client.post(ledger.change_url(theirs), {}).status_code in (302, 403, 404)
    assert client.post(ledger.delete_url(theirs), {"post": "yes"}).status_code in (302, 403, 404)
    client.post(
        ledger.changelist_url, {"action": "delete_selected", "_selected_action": [theirs.pk], "post": "yes"}
    )
    assert model._default_manager.filter(pk=theirs.pk).exists()

    whole = read_xlsx(ledger.export())
    assert column_of_theirs not in str(whole)
    # "Export selected" with a forged id: refused, or exported without the foreign row.
    forged = ledger.export_response(selected=[mine, theirs])
    if forged["Content-Type"].startswith("text/html"):
        assert column_of_theirs not in forged.text
    else:
        assert column_of_theirs not in str(read_xlsx(forged.content))


def rendered(client, url, **extra):
    """The page rendered anew (its template context available), not served from the page cache."""
    from django.core.cache import cache

    cache.clear()
    return client.get(url, **extra)
