"""One number display for every view: the sheets (LaTeX, HTML, Jupyter), the terminal
table and the JSON show a value the same way.

A value is shown at ``decimals`` fixed places, or at ``significant`` figures, rounded half
up on its exact value (symprop.decimals), with no '-0' and no float noise; in scientific
notation where fixed places would hide it: from 10¹⁵ up, and for a value other than 0 that
would round to 0 (tanh′(40) at 4 decimals is 7.219 × 10⁻³⁵, not 0.0000). ``shown`` returns
a ``Shown``; ``.text`` is how the table and the JSON write it ('7.219e-35'), ``.latex``
how a sheet writes it ('7.219 \\times 10^{-35}'). Integer arithmetic only: this runs for
every number of a sheet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from .decimals import (
    binary_exponent,
    fixed_text,
    leading_place,
    ratio,
    round_half_up,
    scientific_parts,
)

FIXED_LIMIT = 10**15  # from here on numbers are shown in scientific notation
MAX_PLACES = 12  # a given or a significant-figures value needing more is shown as m × 10^e


@dataclass(frozen=True, slots=True)
class Shown:
    """A number as shown: its mantissa with sign ('-7.219', '0.6457') and a power of ten
    (0: fixed notation); ``special`` is 'inf', '-inf' or 'nan'."""

    mantissa: str
    exponent: int = 0
    special: str = ""

    @property
    def text(self) -> str:
        """'0.6457', '-7.219e-35', '1.2346e+15'; 'inf', '-inf', 'nan'."""
        if self.special:
            return self.special
        return self.mantissa if not self.exponent else f"{self.mantissa}e{self.exponent:+d}"

    @property
    def latex(self) -> str:
        """'0.6457', '-7.219 \\times 10^{-35}'; '\\infty', '\\text{undefined}'."""
        if self.special:
            return {"inf": r"\infty", "-inf": r"-\infty"}.get(self.special,
                                                                r"\text{undefined}")
        if not self.exponent:
            return self.mantissa
        return f"{self.mantissa} \\times 10^{{{self.exponent}}}"


def shown(value, decimals: int = 4, significant: int | None = None,
          natural: bool = False) -> Shown:
    """``value`` at ``decimals`` places (or ``significant`` figures). ``natural`` writes a
    terminating decimal with at most that many places as it is written (0.5, −0.3, 1)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return _special(value)
        value = Fraction(value)
    try:
        numerator, denominator = ratio(value)
    except ValueError:  # mpmath's inf, -inf and nan
        return _special(value)
    except OverflowError:  # beyond 2^±65,536 (e^{±10¹²}): decided from the exponent
        if binary_exponent(value) > 0 or significant is not None:
            return scientific(value, decimals + 1 if significant is None else significant)
        return scientific(value, decimals) if decimals else Shown("0")
    if abs(numerator) >= FIXED_LIMIT * denominator:
        return scientific(Fraction(numerator, denominator),
                          decimals + 1 if significant is None else significant)
    if significant is not None:
        if not numerator:
            return Shown("0")
        exact = Fraction(numerator, denominator)
        decimals = significant - 1 - leading_place(exact)
        if decimals > MAX_PLACES:
            return scientific(exact, significant)
        if decimals < 0:  # 1234.56 to 3 figures is 1230
            return Shown(str(round_half_up(exact / _pow10(-decimals), 0) * _pow10(-decimals)))
    elif numerator and decimals and 2 * abs(numerator) * _pow10(decimals) < denominator:
        return scientific(Fraction(numerator, denominator), decimals)
    text = fixed_text(value, decimals)
    if natural and decimals and numerator * _pow10(decimals) % denominator == 0:
        text = text.rstrip("0").rstrip(".")
    return Shown(text)


def written(value, decimals: int = 4, significant: int | None = None) -> Shown:
    """A given as its author wrote it: every place of a terminating decimal (0.00005,
    0.123456); others (1/3) as ``shown`` shows computed values."""
    numerator, denominator = ratio(value)
    places = terminating_places(denominator)
    if places is None or places > MAX_PLACES or abs(numerator) >= FIXED_LIMIT * denominator:
        return shown(value, decimals, significant)
    return shown(value, places, natural=True)


def scientific(value, digits: int = 2) -> Shown:
    """``digits`` significant figures as m × 10^e; 0 as 0."""
    mantissa, exponent = scientific_parts(value, digits)
    return Shown(mantissa, exponent)


def shown_exactly(value, decimals: int, significant: int | None = None) -> bool:
    """Whether ``shown`` writes an exact value exactly ('=' rather than '≈')."""
    if type(value) is not Fraction:
        return False
    if significant is None and value and decimals and \
            2 * abs(value.numerator) * _pow10(decimals) < value.denominator:
        significant = decimals  # shown in scientific notation, as ``shown`` does
    if significant is None or not value:
        return _pow10(decimals) % value.denominator == 0
    places = significant - 1 - leading_place(value)
    return (value * Fraction(10) ** places).denominator == 1


def terminating_places(denominator: int) -> int | None:
    """How many decimal places 1/denominator needs, or None if it never terminates."""
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    return max(twos, fives) if denominator == 1 else None


def _special(value) -> Shown:
    if value != value:
        return Shown("", special="nan")
    return Shown("", special="inf" if value > 0 else "-inf")


_POW10 = [10**k for k in range(64)]


def _pow10(k: int) -> int:
    return _POW10[k] if k < 64 else 10**k
