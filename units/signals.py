"""What units tells the apps above it, so it never imports them.

units is the bottom of the portal: audit, review, notifications and the domain apps
import it, never the other way round. Whatever must follow from something done here
(an audit entry, today) is done by a receiver of these signals, connected by the app
that wants it (``audit.receivers.connect``). Every signal is sent with the admin class
(or the module's function) as its sender and keyword arguments only.
"""

from contextlib import contextmanager

from django.dispatch import Signal

# A record was put back to a version from its history in the admin.
# Arguments: request, obj (the record as restored), version_id.
record_restored = Signal()

# A ledger was exported from the admin (xlsx or csv).
# Arguments: request, model, file_format (the format's title), rows (the rows written, or None).
ledger_exported = Signal()

# An uploaded spreadsheet was refused by its checks before anything was read into a ledger.
# Arguments: model, file_name, reason, size (bytes).
upload_refused = Signal()

# A staff member's units (单位) changed on their user page, whose membership rows send no
# signals of their own (Django sends none for an automatic through model).
# Arguments: user, added, removed (unit names).
memberships_changed = Signal()

# One admin page saves a user's related rows one by one (roles as a removal and an addition,
# units row by row): what changes between these two is one change of that page.
# Arguments: none besides the sender.
related_changes_started = Signal()
related_changes_finished = Signal()


@contextmanager
def one_page_of_changes(sender):
    """Send ``related_changes_started`` and, however the block ends, ``related_changes_finished``."""
    related_changes_started.send(sender=sender)
    try:
        yield
    finally:
        related_changes_finished.send(sender=sender)
