"""The shared test kit: what every unit-owned ledger proves about itself.

A new ledger calls these with its own model and rows:

    ledger = LedgerAdmin(client, Project)
    content = ledger.export()                       # xlsx bytes, through the real admin
    preview, result = ledger.import_file(content)   # dry run, then confirm
    assert_unit_scoped(client, Project, mine=..., theirs=..., editor=...)

Factories for each app's rows live in ``tests/<app>/factories.py``.
"""

from .ledger import (
    CSV,
    XLSX,
    LedgerAdmin,
    assert_unit_scoped,
    preview_errors,
    read_csv,
    read_xlsx,
    rendered,
    write_csv,
    write_xlsx,
)

__all__ = [
    "CSV",
    "XLSX",
    "LedgerAdmin",
    "assert_unit_scoped",
    "preview_errors",
    "read_csv",
    "read_xlsx",
    "rendered",
    "write_csv",
    "write_xlsx",
]
