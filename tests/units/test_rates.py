"""The one rate function: exact decimals, half-up rounding to two places, no value without a denominator."""

from decimal import Decimal

import pytest

from units.rates import ROUNDING_RULE, change_percentage, percentage
from units.templatetags.portal import percent


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (10, 10, "100.00"),
        (1, 3, "33.33"),
        (2, 3, "66.67"),
        (226, 243, "93.00"),  # the article's 一窗通办 entry rate, 93%
        # Half up at the second decimal, where binary floats would round down.
        (1, 8, "12.50"),
        (1, 800, "0.13"),  # 0.125 → 0.13
        (Decimal("0.125"), 100, "0.13"),
        (0.1, 0.8, "12.50"),  # floats go through their decimal text, not their binary value
        (0, 5, "0.00"),
        (None, 5, "0.00"),
    ],
)
def test_percentage_rounds_half_up_to_two_places(part, whole, expected):
    assert percentage(part, whole) == Decimal(expected)


@pytest.mark.parametrize("whole", [0, None, Decimal(0)])
def test_a_zero_denominator_gives_no_rate(whole):
    assert percentage(3, whole) is None


def test_change_against_a_year_earlier():
    # The article: 52441 cases, +27.22% year on year.
    assert change_percentage(52441, 41220) == Decimal("27.22")
    assert change_percentage(90, 100) == Decimal("-10.00")
    assert change_percentage(5, 0) is None
    assert change_percentage(None, 5) is None


def test_templates_only_format_the_rate():
    assert percent(Decimal("93.00")) == "93%"
    assert percent(Decimal("93.35")) == "93.35%"
    assert percent(Decimal("99.90")) == "99.9%"
    assert percent(None) == "—"
    assert ROUNDING_RULE
