"""What every kind of import job keeps, and for how long: no personal data at rest.

Uploaded files live in the private folder (``IMPORT_PENDING_DIR``, outside ``MEDIA_ROOT``,
never served or backed up with the media) and only while their job needs them; a job's
preview rows only while it waits for confirmation; job rows ``IMPORT_JOB_RETENTION_DAYS``.

One call, ``imports.tasks.sweep_import_jobs``, run on each upload and hourly by ``manage.py
sweep_pending_imports``, ends every kind of job (there is one job model).
"""

import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils import timezone


class PrivateUploadStorage(FileSystemStorage):
    """The private folder's ``files/``, readable by the portal's account only; its place is read
    from the settings each time (as ``MEDIA_ROOT`` is), never fixed when the model is loaded."""

    def __init__(self):
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self):
        return str(Path(settings.IMPORT_PENDING_DIR) / "files")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private uploads have no URL.")


_private_upload_storage = PrivateUploadStorage()


def private_upload_storage() -> PrivateUploadStorage:
    """The storage of the case imports' former FileField: their migrations name it (every
    upload now waits in the pending store, ``imports.pending``)."""
    return _private_upload_storage


def unconfirmed_before():
    """Jobs checked before this and never confirmed have waited long enough."""
    return timezone.now() - timedelta(hours=settings.IMPORT_PENDING_MAX_AGE_HOURS)


def retained_after():
    """Jobs created before this are deleted, rows and all."""
    return timezone.now() - timedelta(days=settings.IMPORT_JOB_RETENTION_DAYS)
