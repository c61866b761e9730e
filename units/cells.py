"""Text cells as spreadsheets hold them: what every file the portal writes or reads keeps.

Used by the exports of ``units.open_data`` and, through ``imports.rules``, by every import.
"""

import re

# Characters that make Excel, WPS or LibreOffice treat a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Text already starting with an apostrophe is neutralised too, so that on import
# one leading apostrophe before a trigger or another apostrophe is always ours.
NEUTRALISED_STARTS = (*FORMULA_TRIGGERS, "'")
# Control characters XML 1.0, and so an xlsx file, cannot hold (tab, line feed and carriage
# return it can). The admin's forms let them through (only NUL is refused).
UNSTORABLE_IN_SPREADSHEETS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise_formula(text: str) -> str:
    """Text as an exported cell holds it: an apostrophe before anything a spreadsheet would
    evaluate, so it is shown as text; control characters left out, since one (a bell typed
    into a title) would otherwise stop every export of the ledger for everyone."""
    if not text:
        return text
    if UNSTORABLE_IN_SPREADSHEETS.search(text):
        text = UNSTORABLE_IN_SPREADSHEETS.sub("", text)
    if text.startswith(NEUTRALISED_STARTS):
        return "'" + text
    return text


def restore_neutralised(text: str) -> str:
    """Undo ``neutralise_formula`` so an exported file re-imports unchanged."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(NEUTRALISED_STARTS):
        return text[1:]
    return text
