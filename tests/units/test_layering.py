"""units is the bottom of the portal: the apps above it (audit, review, notifications, the
special tasks, the portal) import units, never the other way round. What must follow from
something done in units reaches them as a signal (``units.signals``)."""

import ast
from pathlib import Path

from django.conf import settings

UNITS = Path(settings.BASE_DIR) / "units"


def apps_above_units() -> set[str]:
    """The project's own apps listed after units in INSTALLED_APPS (dependencies point from later
    to earlier), by their top-level package."""
    names = [name.split(".")[0] for name in settings.INSTALLED_APPS]
    local = {name for name in names if (Path(settings.BASE_DIR) / name / "__init__.py").exists()}
    return {name for name in names[names.index("units") + 1 :] if name in local}


def imported_packages(source: Path) -> set[str]:
    """Top-level packages a module imports, at module level or inside a function."""
    packages = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), filename=str(source))):
        if isinstance(node, ast.Import):
            packages.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            packages.add(node.module.split(".")[0])
    return packages


def test_the_apps_above_units_include_audit_review_notifications_and_the_special_tasks():
    assert {
        "audit",
        "review",
        "notifications",
        "imports",
        "projects",
        "reforms",
        "hotline",
        "volunteers",
    } <= (apps_above_units())
    assert {"suggestions", "deeds_portal"} <= apps_above_units()


def test_no_module_of_units_imports_an_app_above_it():
    above = apps_above_units()
    found = {}
    for source in sorted(UNITS.rglob("*.py")):
        name = source.relative_to(UNITS).as_posix()
        wrong = imported_packages(source) & above
        if wrong:
            found[name] = sorted(wrong)
    assert found == {}
