"""Rates (率) in one place: every percentage the portal shows or exports comes from here.

The rule, stated once: a rate is part ÷ whole × 100, computed in exact decimals
and rounded half up (四舍五入) to two decimal places; a rate with a zero (or
missing) denominator has no value (``None``) and is shown as “—”, never as 0%
and never as an error. Templates only format the result.
"""

from decimal import ROUND_HALF_UP, Decimal

PLACES = 2
QUANTUM = Decimal(1).scaleb(-PLACES)  # 0.01
ROUNDING_RULE = "四舍五入保留两位小数"


def _exact(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # Through its shortest text form: Decimal(0.1) would carry binary noise.
        return Decimal(repr(value))
    return Decimal(value)


def percentage(part, whole) -> Decimal | None:
    """part/whole as a percentage, e.g. ``percentage(1, 3) == Decimal("33.33")``.

    ``None`` when ``whole`` is 0 or None: there is nothing to divide by.
    """
    if not whole:
        return None
    return (_exact(part or 0) * 100 / _exact(whole)).quantize(QUANTUM, rounding=ROUND_HALF_UP)


def change_percentage(current, previous) -> Decimal | None:
    """Change against an earlier figure (同比/环比) in percent: (current − previous) ÷ previous."""
    if current is None or not previous:
        return None
    return percentage(_exact(current) - _exact(previous), previous)
