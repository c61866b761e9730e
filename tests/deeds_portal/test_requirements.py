"""requirements.txt lists every package the design card mandates, so one install gets them all."""

import re

from django.conf import settings

MANDATED = {"django", "django-environ", "psycopg2-binary", "django-import-export", "pytest-django"}


def listed_packages(path):
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].strip()
        if requirement and not requirement.startswith("-"):
            names.add(re.split(r"[\[=<>!~ ]", requirement, maxsplit=1)[0].lower())
    return names


def test_requirements_list_the_mandated_packages():
    assert MANDATED <= listed_packages(settings.BASE_DIR / "requirements.txt")
