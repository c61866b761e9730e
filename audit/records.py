"""``record(...)``: the one way an audit entry is written.

Details name files, counts and outcomes; never cell contents, passwords or
personal data beyond what identifies the record.
"""

import ipaddress
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.contenttypes.models import ContentType

from units.client_ip import client_ip

from .middleware import current_request
from .models import AuditEntry

Action = AuditEntry.Action


def record(
    action, *, user=None, request=None, obj=None, model=None, username="", details=None, address=None
) -> AuditEntry:
    """Write one entry. ``request`` defaults to the request being answered (if any), for
    the address and, when ``user`` is not given, the signed-in user. ``obj`` is the record
    acted on; ``model`` names only its kind (an export of a whole ledger). A background job
    passes the ``user`` and ``address`` of the request that started it."""
    request = request if request is not None else current_request.get()
    if user is None and request is not None:
        request_user = getattr(request, "user", None)
        user = request_user if getattr(request_user, "is_authenticated", False) else None
    if address is not None:
        address = _valid_address(address)
    elif request is not None:
        address = _valid_address(client_ip(request))
    object_type = None
    object_id = object_repr = ""
    if obj is not None:
        object_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        object_id = str(obj.pk)
        object_repr = str(obj)[:200]
    elif model is not None:
        object_type = ContentType.objects.get_for_model(model)
        object_repr = str(model._meta.verbose_name_plural)[:200]
    return AuditEntry.objects.create(
        action=action,
        user=user if getattr(user, "pk", None) else None,
        username=(getattr(user, "get_username", lambda: "")() or username)[:150],
        address=address or None,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        details=details or {},
    )


def _valid_address(text):
    try:
        return str(ipaddress.ip_address(text or ""))
    except ValueError:  # a test client's or a misconfigured server's placeholder
        return None


def record_import(
    model,
    file_name,
    *,
    user=None,
    address=None,
    imported: bool,
    rows=0,
    new=0,
    updated=0,
    skipped=0,
    errors=0,
) -> AuditEntry:
    """A confirmed import, or one refused at confirmation: counts and outcome, no cell contents."""
    return record(
        Action.IMPORT,
        user=user,
        address=address,
        model=model,
        details={
            "file": str(file_name)[:255],
            "rows": rows,
            "new": new,
            "updated": updated,
            "skipped": skipped,
            "errors": errors,
            "result": "imported" if imported else "refused",
        },
    )


def record_refused_upload(model, file_name, reason, *, user=None, address=None, **counts) -> AuditEntry:
    """An upload refused by its check (before parsing or by the dry run): nothing was written."""
    return record(
        Action.UPLOAD_REFUSED,
        user=user,
        address=address,
        model=model,
        details={"file": str(file_name)[:255], "reason": str(reason)[:500], **counts},
    )


# Role and membership changes collected while one form is saved (see combined_changes): a
# stack of {(action, user pk): (user, added, removed)}, the innermost page's last.
_collected = ContextVar("audit_collected_changes", default=())


def record_link_change(action, user, *, added=(), removed=()) -> None:
    """A user's roles or units changed: one entry, or part of the form's one entry."""
    stack = _collected.get()
    if not stack:
        _record_links(action, user, list(added), list(removed))
        return
    _user, was_added, was_removed = stack[-1].setdefault((action, user.pk), (user, [], []))
    was_added.extend(added)
    was_removed.extend(removed)


def _record_links(action, user, added, removed) -> None:
    details = {key: names for key, names in (("added", added), ("removed", removed)) if names}
    if details:
        record(action, obj=user, details=details)


def start_combining() -> None:
    """From here until ``finish_combining``, a user's link changes are collected, not recorded."""
    _collected.set((*_collected.get(), {}))


def finish_combining() -> None:
    """Record what was collected since the matching ``start_combining``: one entry per user and kind."""
    stack = _collected.get()
    if not stack:
        return
    _collected.set(stack[:-1])
    for (action, _pk), (user, added, removed) in stack[-1].items():
        _record_links(action, user, added, removed)


@contextmanager
def combined_changes():
    """Saving a user's page replaces roles as a removal and an addition, and saves
    membership rows one by one; the page's change is recorded as one entry per kind.
    (units marks such a page with ``units.signals.one_page_of_changes``.)"""
    start_combining()
    try:
        yield
    finally:
        finish_combining()
