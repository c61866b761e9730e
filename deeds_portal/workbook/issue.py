"""Issue a monthly workbook: build it for the reader's scope, record it, compare with the last issue."""

from audit.records import Action, record
from units.scoping import sees_all_units, unit_ids_of, units_of

from ..models import IssuedWorkbook
from .build import MonthContext, build, differences


def scope_of(user, round_=None) -> tuple[str, str]:
    """(key, description) of the units a workbook made by ``user`` covers, and of the round
    chosen: a workbook is compared with the last one issued for the same units and round."""
    if user is None or sees_all_units(user):
        key, description = "all", "全部单位"
    else:
        key = ",".join(str(pk) for pk in sorted(unit_ids_of(user)))
        description = "、".join(units_of(user).values_list("name", flat=True)) or "无"
    if round_ is not None:
        return f"{key};round={round_.pk}", f"{description}；{round_.name}"
    return key, description


def issue(month, *, user=None, via=IssuedWorkbook.Via.COMMAND, round_=None) -> IssuedWorkbook:
    """Make the workbook of ``month`` (its first day) and keep it; ``.differences`` lists what changed.

    ``round_``: the round the project sheets hold; None for the current round and what earlier
    rounds left overdue."""
    scoped_user = None if user is None or sees_all_units(user) else user
    built = build(MonthContext(month=month, user=scoped_user, round=round_))
    key, description = scope_of(user, round_)
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
        details={"month": month.strftime("%Y-%m"), "via": via, **({"round": round_.pk} if round_ else {})},
    )
    return issued
