"""What a downloaded file and its sheet are called: the record's name in the reader's language
and the day (Asia/Shanghai), e.g. ``项目-2026-12-07.xlsx`` with a sheet named 项目."""

import datetime
import re

from django.utils import timezone
from django.utils.http import content_disposition_header

# Excel refuses these in a sheet name, and a name longer than 31 characters.
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
# Nor should a file name carry a path or quotes.
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def file_name(label, extension: str, on: datetime.date | None = None) -> str:
    day = on or timezone.localdate()
    stem = _NOT_IN_FILE_NAMES.sub("", str(label)).strip() or "export"
    return f"{stem}-{day:%Y-%m-%d}.{extension}"


def sheet_name(label) -> str:
    return _NOT_IN_SHEET_NAMES.sub("", str(label)).strip()[:31] or "Sheet1"


def attachment(response, name: str):
    """A Chinese file name reaches every browser only as RFC 6266's ``filename*``."""
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
