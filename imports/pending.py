"""Uploads waiting between an import's preview and its confirmation.

django-import-export keeps the uploaded file between the dry run and the
confirm step and sends its name through a hidden form field. Its default
storage puts the file in the shared system temp folder under a guessable name
and trusts that field. Here a pending upload:

* lives in a private folder (``IMPORT_PENDING_DIR``, outside ``MEDIA_ROOT`` so
  it is never served), readable by the portal's account only;
* is named by a random token and stored under its owner's user id, so a token
  opens nothing for anyone else, and anything that is not a token opens nothing;
* is taken exactly once: the confirm step moves it aside atomically before
  reading it and deletes it afterwards, so a double submit finds nothing;
* is swept once older than ``IMPORT_PENDING_MAX_AGE_HOURS`` (before each new upload is
  stored, and by ``manage.py sweep_pending_imports``: ``imports.tasks.sweep_import_jobs``).
"""

import os
import re
import secrets
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core import checks
from import_export.tmp_storages import BaseStorage

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
TAKEN_SUFFIX = ".taken"


class PendingImportUnavailable(Exception):
    """No pending upload of this user under this name (never was, taken, swept or someone else's)."""


def pending_folder() -> Path:
    return Path(settings.IMPORT_PENDING_DIR)


def check_pending_folder(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Refuse a pending folder where the web server or the portal would serve its files."""
    folder = pending_folder().resolve()
    served = [
        (name, Path(value).resolve())
        for name in ("MEDIA_ROOT", "STATIC_ROOT")
        if (value := getattr(settings, name, None))
    ]
    return [
        checks.Error(
            f"IMPORT_PENDING_DIR ({folder}) must not be inside {name} ({root}): uploads would be served.",
            id="imports.E001",
        )
        for name, root in served
        if folder == root or root in folder.parents
    ]


def sweep(max_age_hours: float | None = None) -> int:
    """Delete pending uploads older than the limit; return how many were deleted."""
    if max_age_hours is None:
        max_age_hours = settings.IMPORT_PENDING_MAX_AGE_HOURS
    cutoff = time.time() - max_age_hours * 3600
    removed = 0
    try:
        entries = list(os.scandir(pending_folder()))
    except FileNotFoundError:
        return 0
    for entry in entries:
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.remove(entry.path)
                removed += 1
        except FileNotFoundError:
            continue  # taken or swept meanwhile by another request
    return removed


class PendingImportStorage(BaseStorage):
    """django-import-export temp storage for pending uploads; needs ``owner_id``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.owner_id = kwargs.get("owner_id")

    @property
    def path(self) -> Path:
        if not isinstance(self.owner_id, int) or not TOKEN_PATTERN.fullmatch(self.name or ""):
            raise PendingImportUnavailable
        return pending_folder() / f"{self.owner_id}-{self.name}"

    def save(self, data):
        if not isinstance(self.owner_id, int):
            # Without an owner the upload could be confirmed by anyone.
            raise TypeError("PendingImportStorage needs the uploading user's id (owner_id)")
        folder = pending_folder()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.name = secrets.token_urlsafe(32)
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)

    def read(self):
        try:
            return self._read(self.path)
        except FileNotFoundError:
            raise PendingImportUnavailable from None

    def take(self):
        """Read the upload and delete it; of two simultaneous calls only one gets it."""
        source = self.path
        taken = source.with_name(source.name + TAKEN_SUFFIX + secrets.token_hex(4))
        try:
            os.rename(source, taken)
        except FileNotFoundError:
            raise PendingImportUnavailable from None
        try:
            return self._read(taken)
        finally:
            taken.unlink(missing_ok=True)

    @contextmanager
    def opened(self, *, take: bool = False):
        """The upload as a binary file, streamed rather than read whole (a case export may be
        100 MB). ``take``: moved aside first and deleted afterwards, as ``take()`` does."""
        path = self.path
        if take:
            taken = path.with_name(path.name + TAKEN_SUFFIX + secrets.token_hex(4))
            try:
                os.rename(path, taken)
            except FileNotFoundError:
                raise PendingImportUnavailable from None
            path = taken
        try:
            file = open(path, "rb")  # noqa: SIM115  (closed below, after the caller is done)
        except FileNotFoundError:
            raise PendingImportUnavailable from None
        try:
            yield file
        finally:
            file.close()
            if take:
                path.unlink(missing_ok=True)

    def exists(self) -> bool:
        try:
            return self.path.is_file()
        except PendingImportUnavailable:
            return False

    def remove(self):
        try:
            self.path.unlink(missing_ok=True)
        except PendingImportUnavailable:
            pass

    def _read(self, path):
        with open(path, self.read_mode, encoding=None if "b" in self.read_mode else self.encoding) as file:
            return file.read()
