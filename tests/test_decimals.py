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


def test_values_beyond_2_to_the_65536_are_handled_from_their_exponent():
    import mpmath
    import pytest

    from symprop.decimals import (
        fixed_text,
        leading_place,
        less,
        ratio,
        scientific_parts,
    )

    with mpmath.workdps(50):
        tiny = -mpmath.exp(-mpmath.mpf(10) ** 10)  # −10^(−4,342,944,819.03…)
        huge = mpmath.exp(mpmath.mpf(10) ** 6)  # 3.0332·10^434,294
        # independent: log₁₀ by hand, 10¹⁰·log₁₀(e) and 10⁶·log₁₀(e)
        tiny_log = -mpmath.mpf(10) ** 10 * mpmath.log10(mpmath.e)
        huge_log = mpmath.mpf(10) ** 6 * mpmath.log10(mpmath.e)
    with pytest.raises(OverflowError):
        ratio(tiny)
    assert leading_place(tiny) == int(mpmath.floor(tiny_log)) == -4342944820
    assert leading_place(huge) == int(mpmath.floor(huge_log)) == 434294
    with mpmath.workdps(50):
        mantissa = mpmath.mpf(10) ** (huge_log - mpmath.floor(huge_log))
    assert scientific_parts(huge, 5) == (mpmath.nstr(mantissa, 5, strip_zeros=False), 434294)
    assert scientific_parts(tiny, 2)[1] == -4342944820
    assert scientific_parts(tiny, 2)[0].startswith("-")
    assert fixed_text(tiny, 4) == "0.0000"  # never −0.0000, and no 1.4·10¹⁰-bit integer
    assert less(tiny, Fraction(0)) and less(Fraction(1), huge) and not less(huge, tiny)


def test_leading_place_at_powers_of_ten():
    from symprop.decimals import leading_place

    for k in range(-40, 41):
        assert leading_place(Fraction(10) ** k) == k
        assert leading_place(Fraction(10) ** k * Fraction(999, 1000)) == k - 1
        assert leading_place(-Fraction(10) ** k * Fraction(1001, 1000)) == k
