"""What an import's errors show the importer, and what they leave in the log."""

import logging
import traceback

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

logger = logging.getLogger("imports")


def user_facing_message(error) -> str:
    """What the importer reads: our own explanations; never internals of an unexpected error."""
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    if isinstance(error, ValueError):
        return str(error)
    return str(_("An unexpected error occurred while importing. It has been recorded for the administrator."))


def log_import_error(ledger, line, error) -> None:
    # The exception's message may quote cells (names, phone numbers): only its
    # type and where it was raised are logged.
    logger.warning(
        "Import into %s failed (%s): %s\n%s",
        ledger,
        f"row {line}" if line is not None else "file",
        type(error).__name__,
        "".join(traceback.format_tb(error.__traceback__)).rstrip(),
    )
