"""The README stands alone: a fresh clone holds everything it refers to."""

import re

from django.conf import settings
from django.urls import Resolver404, resolve

README = settings.BASE_DIR / "README.md"
# Paths in backticks or link targets that name a file, e.g. `units/scoping.py` or (../x/SPEC.md).
FILE_REFERENCE = re.compile(r"[`(]((?:\.{1,2}/|/)?[\w.-]+(?:/[\w.-]+)*\.(?:md|txt|py|html|css|toml|cfg))[`)]")


def test_readme_opens_with_make_run_and_make_test():
    first_block = README.read_text(encoding="utf-8").split("```")[1]
    assert "make run" in first_block and "make test" in first_block


def test_readme_refers_only_to_files_in_the_repository():
    text = README.read_text(encoding="utf-8")
    references = FILE_REFERENCE.findall(text)
    assert references  # the pattern does find the README's file references
    for reference in references:
        if reference.startswith("/") and _is_portal_url(reference):
            continue  # an address the portal serves (/robots.txt), not a file
        assert not reference.startswith(("../", "/")), f"{reference} is outside the repository"
        assert (settings.BASE_DIR / reference).exists(), f"{reference} is not in the repository"


def _is_portal_url(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True
