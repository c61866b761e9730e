"""Demo units: the office's party committee and its branches (机关党委及各支部)."""

from .models import Unit

DEMO_UNITS = [
    ("机关党委", Unit.Kind.PARTY_COMMITTEE),
    ("第一党支部", Unit.Kind.PARTY_BRANCH),
    ("第二党支部", Unit.Kind.PARTY_BRANCH),
    ("第三党支部", Unit.Kind.PARTY_BRANCH),
    ("第四党支部", Unit.Kind.PARTY_BRANCH),
    ("第五党支部", Unit.Kind.PARTY_BRANCH),
]


def load() -> dict[str, Unit]:
    units = {}
    for order, (name, kind) in enumerate(DEMO_UNITS, start=1):
        units[name], _ = Unit.objects.update_or_create(
            name=name, defaults={"kind": kind, "sort_order": order * 10, "is_active": True}
        )
    return units
