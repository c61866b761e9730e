"""Factories for the approval-reform catalogue: service items."""

import itertools

from reforms.models import ServiceItem

_sequence = itertools.count(1)


def make_item(unit, **fields) -> ServiceItem:
    """An item kept by ``unit`` (its implementing body and, unless given, competent department)."""
    number = next(_sequence)
    defaults = {
        "name": f"测试事项{number}",
        "code": f"62052400TS-XK-{number:04d}",
        "item_type": ServiceItem.Type.LICENSING,
        "competent_department": unit,
        "implementing_unit": unit,
        "level": ServiceItem.Level.CITY,
    }
    defaults.update(fields)
    return ServiceItem.objects.create(**defaults)


def item_rows(unit, count: int, start: int = 1, **fields) -> list[ServiceItem]:
    """Unsaved items for ``bulk_create``: many rows in a few queries."""
    return [
        ServiceItem(
            name=f"批量事项{number}",
            code=f"62052400BK-QR-{number:06d}",
            item_type=ServiceItem.Type.CONFIRMATION,
            competent_department=unit,
            implementing_unit=unit,
            level=ServiceItem.Level.VILLAGE,
            **fields,
        )
        for number in range(start, start + count)
    ]
