"""Issue a monthly workbook: build it for the reader's scope, record it, compare with the last issue."""

from audit.records import Action, record
from units.scoping import sees_all_units, unit_ids_of, units_of

from ..models import IssuedWorkbook
from .build import MonthContext, build, differences


def scope_of(user) -> tuple[str, str]:
    """(key, description) of the units a workbook made by ``user`` covers."""
    if user is None or sees_all_units(user):
        return "all", "全部单位"
    key = ",".join(str(pk) for pk in sorted(unit_ids_of(user)))
    return key, "、".join(units_of(user).values_list("name", flat=True)) or "无"


def issue(month, *, user=None, via=IssuedWorkbook.Via.COMMAND) -> IssuedWorkbook:
    """Make the workbook of ``month`` (its first day) and keep it; ``.differences`` lists what changed."""
    scoped_user = None if user is None or sees_all_units(user) else user
    built = build(MonthContext(month=month, user=scoped_user))
    key, description = scope_of(user)
    previous = (
        IssuedWorkbook.objects.filter(month=month, scope_key=key)
        .order_by("-made_at", "-pk")
        .only("figures")
        .first()
    )
    changed = differences(previous.figures, built.figures) if previous else []
    issued = IssuedWorkbook.objects.create(
        month=month,
        made_by=user if getattr(user, "pk", None) else None,
        via=via,
        scope=description,
        scope_key=key,
        figures=built.figures,
        differences=[list(row) for row in changed],
        content=built.content,
    )
    record(
        Action.WORKBOOK_DOWNLOAD,
        user=user,
        obj=issued,
        details={"month": month.strftime("%Y-%m"), "via": via},
    )
    return issued
