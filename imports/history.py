"""The history (版本记录) of the rows an import writes in bulk, in the import's one revision.

django-reversion saves a revision's versions when its block ends: it looks each version's
model up twice and writes them through ``bulk_create``, which prepares every field of every
row in Python. For the thousands of rows one import writes that cost more than writing the
rows themselves. Inside ``import_revision`` the versions of rows written in bulk
(``imports.resources.add_versions``) are kept here instead, as plain values (``add``). Reversion still
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

# django-reversion's block of the revision being made: it has no public API for adding
# versions it did not build, so its frame is read and replaced as its own add_to_revision does.
from reversion.revisions import _current_frame, _update_frame

_collected: ContextVar["_Collector | None"] = ContextVar("imports_bulk_history", default=None)


class _Collector:
    """Versions of one import, by (content type id, object id): a row added again
    replaces its earlier version, as in reversion's own block."""

    def __init__(self, using: str):
        self.using = using
        self.versions: dict[tuple, tuple] = {}

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


def add(entries: list, using: str) -> None:
    """Versions of rows written in bulk: (content type id, object id, db, format, serialized
    data, repr) each. Kept by the import's collector, or put into reversion's block."""
    collector = collecting(using)
    if collector is None:
        _add_to_frame(entries, using)
        return
    # Rows added again replace their earlier version, as reversion's own add would.
    keys = {(entry[0], entry[1]) for entry in entries}
    frame = _current_frame().db_versions
    stale = [key for key in frame[using] if (key[0].pk, key[1]) in keys]
    if stale:
        db_versions = {db: dict(versions) for db, versions in frame.items()}
        for key in stale:
            del db_versions[using][key]
        _update_frame(db_versions=db_versions)
    collector.add(entries)


def held(using: str) -> set:
    """(content type id, object id) of the versions the revision holds so far."""
    found = {(content_type.pk, object_id) for content_type, object_id in _current_frame().db_versions[using]}
    collector = collecting(using)
    if collector is not None:
        found.update(collector.versions)
    return found


def _add_to_frame(entries, using) -> None:
    db_versions = {db: dict(versions) for db, versions in _current_frame().db_versions.items()}
    for entry in entries:
        key, version = _as_version(entry, using)
        db_versions.setdefault(using, {})[key] = version
    _update_frame(db_versions=db_versions)


def _as_version(entry, using):
    """The frame's key and the Version of an entry, as reversion's block holds them."""
    from django.contrib.contenttypes.models import ContentType
    from reversion.models import Version

    content_type_id, object_id, model_db, format_, serialized, repr_ = entry
    content_type = ContentType.objects.db_manager(using).get_for_id(content_type_id)
    version = Version(
        content_type=content_type,
        object_id=object_id,
        db=model_db,
        format=format_,
        serialized_data=serialized,
        object_repr=repr_,
    )
    return (content_type, object_id), version


def _hand_one_to_reversion(collector: _Collector) -> None:
    """Reversion makes a revision only when its block holds a version: one of ours goes there.
    A row that is in both was added to reversion's block later (a row saved one by one after
    its bulk write): that one is kept."""
    for content_type, object_id in _current_frame().db_versions.get(collector.using, {}):
        collector.versions.pop((content_type.pk, object_id), None)
    if collector.versions:
        key = next(iter(collector.versions))
        _add_to_frame([collector.versions.pop(key)], collector.using)


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
