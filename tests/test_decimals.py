"""The one rounding core (symprop.decimals) that the sheets, the checker and the variants'
keys share. Expected values are worked by hand."""

from fractions import Fraction

import mpmath
import pytest

from symprop.decimals import (
    decimal_text,
    decimals_in,
    fixed_text,
    parse_decimal,
    round_half_up,
    significant_text,
    to_fraction,
    truncate,
)


@pytest.mark.parametrize("value, places, text", [
    (Fraction(1, 8), 2, "0.13"),            # a tie rounds away from zero
    (Fraction(-1, 8), 2, "-0.13"),
    (Fraction(2675, 1000), 2, "2.68"),      # 2.675 is a tie only when exact (float: 2.67)
    (Fraction(-1, 100000), 4, "0.0000"),    # never '-0.0000'
    (Fraction(7, 2), 0, "4"),
    (Fraction(2, 3), 3, "0.667"),
])
def test_fixed_text_rounds_half_up_on_the_exact_value(value, places, text):
    assert fixed_text(value, places) == text


def test_truncation_cuts_towards_zero():
    # 0.22878 cut to 3 places is 0.228; rounded it is 0.229
    assert truncate(Fraction(22878, 100000), 3) == Fraction(228, 1000)
    assert truncate(Fraction(-22878, 100000), 3) == Fraction(-228, 1000)
    assert fixed_text(Fraction(-22878, 100000), 3, truncated=True) == "-0.228"
    assert round_half_up(Fraction(-22878, 100000), 3) == Fraction(-229, 1000)


def test_an_mpf_keeps_its_own_precision_outside_its_context():
    with mpmath.workdps(50):
        third = mpmath.mpf(1) / 3
    # the default context has 53 bits; the value must not be rounded to them
    assert abs(to_fraction(third) - Fraction(1, 3)) < Fraction(1, 10**49)
    assert fixed_text(third, 30) == "0." + "3" * 30


def test_reading_and_writing_decimals():
    assert parse_decimal("\u22120.25") == Fraction(-1, 4)
    assert parse_decimal("1e-3") == Fraction(1, 1000)
    assert parse_decimal("1/3") == Fraction(1, 3)
    for bad in ("0x10", "1/0", "nan", "1e999", ""):
        with pytest.raises(ValueError):
            parse_decimal(bad)
    assert decimals_in("0.60") == 2 and decimals_in("1.2e-3") == 4 and decimals_in("6") == 0
    assert decimal_text(Fraction(1, 100)) == "0.01"
    assert significant_text(Fraction(1, 3), 5) == "0.33333"
