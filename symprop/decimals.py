"""Exact decimal numbers: a strict reader, calculator-style rounding, and decimal text.

Values are ``fractions.Fraction`` (exact) or ``mpmath.mpf`` (high precision). Rounding is
ROUND_HALF_UP on the exact value, as a person with a calculator rounds: 0.125 → 0.13 and
−0.125 → −0.13.
"""

from __future__ import annotations

import re
from fractions import Fraction

import mpmath

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_RATIO = re.compile(r"[+-]?\d+/\d+")
MAX_EXPONENT = 400  # 1e±400 is far beyond any hand calculation; larger would be a DoS


def parse_decimal(text: str) -> Fraction:
    """Read '0.1', '-3', '1e-3', '.5' or '1/3' exactly; ValueError on anything else."""
    text = text.strip().replace("\u2212", "-")  # accept a typeset minus sign
    if _RATIO.fullmatch(text):
        num, den = text.split("/")
        if int(den) == 0:
            raise ValueError("zero denominator")
        return Fraction(int(num), int(den))
    if not _DECIMAL.fullmatch(text):
        raise ValueError("not a decimal number")
    mantissa, _, exponent = text.lower().partition("e")
    if exponent and abs(int(exponent)) > MAX_EXPONENT:
        raise ValueError("exponent out of range")
    return Fraction(mantissa) * Fraction(10) ** int(exponent or 0)


def decimals_in(text: str) -> int:
    """How many decimal places a written number shows: '0.60' → 2, '6' → 0, '1.2e-3' → 4."""
    text = text.strip().lower()
    mantissa, _, exponent = text.partition("e")
    places = len(mantissa.partition(".")[2])
    return max(0, places - int(exponent or 0))


EXACT_BITS = 1 << 16  # |value| within 2^±65,536: exact integer arithmetic on its value


def binary_exponent(value) -> int | None:
    """About log₂|value| (within 1), read from its parts without building them: e^{−10¹²}
    as an mpf has a 4·10¹¹-digit exact value. None for 0, ±∞ and NaN."""
    if type(value) is Fraction:
        numerator = value.numerator
        return numerator.bit_length() - value.denominator.bit_length() if numerator else None
    if isinstance(value, Fraction | int):
        value = Fraction(value)
        if not value:
            return None
        return value.numerator.bit_length() - value.denominator.bit_length()
    _, man, exp, bc = value._mpf_ if isinstance(value, mpmath.mpf) else mpmath.mpf(value)._mpf_
    return exp + bc if man else None


def extreme(value) -> bool:
    """Whether |value| lies beyond 2^±EXACT_BITS (and is not 0): such values are rounded,
    compared and written from their binary exponent, never as integers."""
    exponent = binary_exponent(value)
    return exponent is not None and abs(exponent) > EXACT_BITS


def ratio(value) -> tuple[int, int]:
    """The exact (numerator, denominator) of a Fraction, an int or a finite mpf;
    ValueError for ±∞ and NaN, OverflowError beyond 2^±EXACT_BITS (see ``extreme``)."""
    if type(value) is Fraction or isinstance(value, Fraction | int):
        return value.numerator, value.denominator
    # the stored binary value: mpmath.mpf(value) would round it to the context's precision
    sign, man, exp, bc = value._mpf_ if isinstance(value, mpmath.mpf) else \
        mpmath.mpf(value)._mpf_
    if not man and exp:
        raise ValueError("not finite")
    if man and abs(exp + bc) > EXACT_BITS:
        raise OverflowError(f"2^{exp + bc} is too far from 1 to write as a fraction")
    numerator = -int(man) if sign else int(man)
    return (numerator << exp, 1) if exp >= 0 else (numerator, 1 << -exp)


def to_fraction(value) -> Fraction:
    """The exact rational value of a Fraction, an int or a finite mpf (see ``ratio``)."""
    return Fraction(*ratio(value))


def less(a, b) -> bool:
    """a < b for exact and mpf values of any magnitude (mpmath compares binary exponents
    first; an mpf and a Fraction do not compare directly)."""
    if isinstance(a, Fraction | int) and isinstance(b, Fraction | int):
        return a < b
    with mpmath.workprec(max(mpmath.mp.prec, 64)):
        return _mpf(a) < _mpf(b)


def difference(a, b, digits: int = 60):
    """a − b: exact for exact values, else an mpf to ``digits`` digits."""
    if isinstance(a, Fraction | int) and isinstance(b, Fraction | int):
        return Fraction(a) - Fraction(b)
    with mpmath.workdps(digits):
        return _mpf(a) - _mpf(b)


def _mpf(value):
    if isinstance(value, Fraction | int):
        value = Fraction(value)
        return mpmath.mpf(value.numerator) / value.denominator
    return value


def scaled(value, places: int, truncated: bool = False) -> tuple[int, bool]:
    """(|value|·10^places rounded half up, or cut towards zero; is the result negative).
    Integer arithmetic on the exact value: this runs for every number shown. A value
    below 10^−places/2 is decided from its binary exponent (it rounds to 0)."""
    kind = type(value)
    if kind is Fraction:  # the common cases first, read from their parts
        return _scaled_ratio(value.numerator, value.denominator, places, truncated)
    if kind is mpmath.mpf:
        sign, mantissa, exponent, bits = value._mpf_
        if mantissa and exponent < 0 and abs(exponent + bits) <= EXACT_BITS:
            if exponent + bits < -(places * 10 // 3 + 2):
                return 0, False
            return _scaled_binary(mantissa, -exponent, places, truncated, sign)
    return _scaled(value, places, truncated)


def _scaled_ratio(numerator: int, denominator: int, places: int,
                  truncated: bool) -> tuple[int, bool]:
    """``scaled`` of numerator/denominator."""
    units, rest = divmod(abs(numerator) * 10**places, denominator)
    if not truncated and 2 * rest >= denominator:
        units += 1  # floor(|x|·10^d + ½): ties away from zero
    return units, numerator < 0 and units > 0


def _scaled_binary(mantissa: int, shift: int, places: int, truncated: bool,
                   negative: int) -> tuple[int, bool]:
    """``scaled`` of ±mantissa/2^shift (shift > 0): shifts in place of a division."""
    product = mantissa * 10**places
    units = product >> shift
    if not truncated and (product >> (shift - 1)) & 1:
        units += 1  # the remainder is at least half of 2^shift
    return units, bool(negative) and units > 0


def _scaled(value, places: int, truncated: bool) -> tuple[int, bool]:
    """``scaled`` of any value (0, ±∞, NaN, extreme and integral mpf values, ints)."""
    exponent = binary_exponent(value)
    if exponent is None:
        ratio(value)  # ValueError for ±∞ and NaN
        return 0, False
    if exponent < -(places * 10 // 3 + 2):  # |value| < 2^exponent ≤ 10^−places / 2
        return 0, False
    return _scaled_ratio(*ratio(value), places, truncated)


def rounded(numerator: int, denominator: int, places: int) -> int:
    """numerator/denominator rounded half up to ``places``, in units of 10^−places (the
    integer that ``round_half_up`` divides by 10^places), without building a Fraction."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    units, negative = _scaled_ratio(numerator, denominator, places, False)
    return -units if negative else units


def round_half_up(value, decimals: int) -> Fraction:
    """Round to ``decimals`` places, ties away from zero, on the exact value."""
    units, negative = scaled(value, decimals)
    return Fraction(-units if negative else units, 10**decimals)


def truncate(value, decimals: int) -> Fraction:
    """Cut to ``decimals`` places, towards zero, as some hand calculations do."""
    units, negative = scaled(value, decimals, truncated=True)
    return Fraction(-units if negative else units, 10**decimals)


def fixed_text(value, places: int, truncated: bool = False) -> str:
    """The value rounded half up (or truncated) as text with exactly ``places`` decimals;
    never '-0.00'."""
    units, negative = scaled(value, places, truncated)
    digits = str(units).rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}" if places else digits
    return "-" + text if negative else text


def leading_place(value) -> int:
    """The decimal exponent of the leading digit: 0.0172 → −2, 6 → 0, 0 → 0."""
    if not isinstance(value, Fraction | int) and extreme(value):  # mpmath reads the exponent
        with mpmath.workdps(40 + len(str(binary_exponent(value)))):
            return int(mpmath.floor(mpmath.log10(abs(value))))
    numerator, denominator = ratio(value)
    numerator = abs(numerator)
    if not numerator:
        return 0
    # 10^place ≤ n/d < 10^(place + 1), from the bit lengths (±1), then integer comparisons

    def at_least(place: int) -> bool:  # n/d ≥ 10^place
        return numerator >= denominator * 10**place if place >= 0 else \
            numerator * 10**-place >= denominator

    place = (numerator.bit_length() - denominator.bit_length()) * 30103 // 100000
    while not at_least(place):
        place -= 1
    while at_least(place + 1):
        place += 1
    return place


def scientific_parts(value, digits: int) -> tuple[str, int]:
    """(mantissa, exponent): ``digits`` significant figures rounded half up, as
    '-5.076' and -435 for −5.07596 × 10⁻⁴³⁵; ('0', 0) for 0."""
    if extreme(value):  # no tie is possible this far from 1: mpmath at ample precision
        with mpmath.workdps(digits + 40 + len(str(binary_exponent(value)))):
            x = abs(value)
            exponent = int(mpmath.floor(mpmath.log10(x)))
            units = int(mpmath.floor(x / mpmath.mpf(10) ** exponent * 10 ** (digits - 1)
                                     + mpmath.mpf(1) / 2))
        if units >= 10**digits:
            units, exponent = units // 10, exponent + 1
        text = fixed(Fraction(units, 10 ** (digits - 1)), digits - 1)
        return ("-" + text if value < 0 else text), exponent
    exact = to_fraction(value)
    if exact == 0:
        return "0", 0
    exponent = leading_place(exact)
    mantissa = round_half_up(exact / Fraction(10) ** exponent, digits - 1)
    if abs(mantissa) >= 10:
        exponent += 1
        mantissa = round_half_up(exact / Fraction(10) ** exponent, digits - 1)
    return fixed(mantissa, digits - 1), exponent


def places_for(value, decimals: int | None = None, significant: int | None = None) -> int:
    """Decimal places that show ``value`` at fixed decimals or at significant figures."""
    if significant is None:
        return decimals if decimals is not None else 4
    return max(0, significant - 1 - leading_place(value))


def fixed(value: Fraction, decimals: int) -> str:
    """An exact Fraction with a finite expansion as text with exactly ``decimals`` places."""
    if (value * Fraction(10) ** decimals).denominator != 1:
        raise ValueError("value has more places than requested")
    return fixed_text(value, decimals)


def significant_text(value, digits: int = 32) -> str:
    """``digits`` significant figures of an exact or mpf value, as a plain decimal string."""
    if isinstance(value, Fraction | int):
        exact = to_fraction(value)
        if exact == 0:
            return "0"
        return fixed(round_half_up(exact, places_for(exact, significant=digits)),
                     places_for(exact, significant=digits)).rstrip("0").rstrip(".") or "0"
    return mpmath.nstr(value, digits, min_fixed=-30, max_fixed=40, strip_zeros=True)


def decimal_text(value: Fraction) -> str:
    """An exact Fraction as a terminating decimal ('0.01') or, failing that, 'p/q'."""
    value = Fraction(value)
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    return fixed(value, max(twos, fives))
