"""The history (版本记录) of the rows an import writes in bulk, in the import's one revision.

django-reversion saves a revision's versions when its block ends: it looks each version's
model up twice and writes them through ``bulk_create``, which prepares every field of every
row in Python. For the thousands of rows one import writes that cost more than writing the
rows themselves. Inside ``import_revision`` the versions of rows written in bulk
(``imports.resources.add_versions``) are kept here instead, as plain values. Reversion still
makes the revision itself (user, comment, date, meta, signals) from what its own block
holds, to which one of these versions is handed so that there is always a revision; when
reversion has saved it, ``post_revision_commit`` writes the rest beside it with multi-row
INSERTs. The rows stored are the ones reversion would have written (a test compares them).

Outside ``import_revision`` (an import run by hand in a plain ``create_revision``) the
versions go into reversion's block as before.
"""

import contextlib
from contextvars import ContextVar

import reversion
from django.db import connections, transaction

_collected: ContextVar["_Collector | None"] = ContextVar("imports_bulk_history", default=None)


class _Collector:
    """Versions of one import, by (database, content type id, object id): a row added again
    replaces its earlier version, as in reversion's own block."""

    def __init__(self, using: str):
        self.using = using
        self.versions: dict[tuple, tuple] = {}

    def holds(self, content_type_id: int, object_id: str) -> bool:
        return (content_type_id, object_id) in self.versions

    def add(self, entries) -> None:
        """``entries``: (content_type_id, object_id, model_db, format, serialized, repr)."""
        for entry in entries:
            self.versions[(entry[0], entry[1])] = entry


def collecting(using: str) -> _Collector | None:
    """The collector of the import running here, if it writes to ``using``."""
    collector = _collected.get()
    return collector if collector is not None and collector.using == using else None


@contextlib.contextmanager
def import_revision(user, comment: str, using: str = "default"):
    """One revision for the whole import, by ``user``; nothing of it when the block fails or its
    transaction is marked for rollback (the import is then rolled back too)."""
    collector = _Collector(using)
    token = _collected.set(collector)
    try:
        with reversion.create_revision(using=using):
            reversion.set_user(user)
            reversion.set_comment(comment)
            yield
            _hand_one_to_reversion(collector)
    finally:
        _collected.reset(token)


def _hand_one_to_reversion(collector: _Collector) -> None:
    """Reversion makes a revision only when its block holds a version: one of ours goes there.
    A row that is in both was added to reversion's block later (a row saved one by one after
    its bulk write): that one is kept."""
    from django.contrib.contenttypes.models import ContentType
    from reversion.models import Version
    from reversion.revisions import _current_frame, _update_frame

    frame = _current_frame()
    held = frame.db_versions.get(collector.using, {})
    for content_type, object_id in held:
        collector.versions.pop((content_type.pk, object_id), None)
    if not collector.versions:
        return
    key = next(iter(collector.versions))
    content_type_id, object_id, model_db, format_, serialized, repr_ = collector.versions.pop(key)
    content_type = ContentType.objects.db_manager(collector.using).get_for_id(content_type_id)
    db_versions = {db: dict(versions) for db, versions in frame.db_versions.items()}
    db_versions.setdefault(collector.using, {})[(content_type, object_id)] = Version(
        content_type=content_type,
        object_id=object_id,
        db=model_db,
        format=format_,
        serialized_data=serialized,
        object_repr=repr_,
    )
    _update_frame(db_versions=db_versions)


def write_collected(sender, revision, versions, **kwargs) -> None:
    """``post_revision_commit``: the import's other versions, in the revision just saved."""
    collector = collecting(revision._state.db or "default")
    if collector is None or not collector.versions:
        return
    from reversion.models import Version

    rows = [(revision.pk, *entry) for entry in collector.versions.values()]
    collector.versions = {}
    connection = connections[collector.using]
    # Every value is an id or text, stored as it is (what bulk_create would send).
    names = ("revision", "content_type", "object_id", "db", "format", "serialized_data", "object_repr")
    fields = [Version._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    batch = max(1, min(1_000, connection.ops.bulk_batch_size(fields, rows)))
    head = "INSERT INTO {} ({}) VALUES ".format(
        quote(Version._meta.db_table), ", ".join(quote(field.column) for field in fields)
    )
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with transaction.atomic(using=collector.using), connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            cursor.execute(head + ", ".join([one] * len(chunk)), [value for row in chunk for value in row])
