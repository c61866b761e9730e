"""City-scale benchmark of the portal: `make bench` (``python -m bench``).

Builds a throwaway database with a city-sized ledger (30 units, 1,000 projects,
20,000 progress updates), then measures the public pages against a trivial
Django view and the ledger's xlsx export/import against plain openpyxl and
``bulk_create``. The report is printed and written to ``bench/results/latest.json``.

Nothing here is imported by the portal; the package only reads the project code.
"""
