"""Fair marking: every answer a careful student may give for an asked quantity.

For an asked node q with local formula f over its parents p (one chain-rule link), and d
the key's decimals (u = 10⁻ᵈ):

    exact      v_q; the key's answer r_q = round(v_q, d), half up
    carried    c_q: the carry model (``symprop.evaluate.carry``): every earlier value
               rounded to d before it is used again, as a student with a calculator does
    box        each computed parent spans cell(c_p) ∪ cell(r_p), where a figure x with d
               decimals stands for [x − u/2, x + u/2] (the checker's reading of a written
               figure); a given is its exact value
    accepted   every d-decimal figure whose cell meets f(box) (``check.intervals.span``:
               exact up to outward rounding where f is monotone, else split): A … B. It
               holds r_q and c_q by construction, and it is what ``symprop check`` judges
               correct or "rounding" for a student who wrote the carried values

The instructor's tolerance T stays the first answer (r_q ± T). Where A … B reaches past
it, a second full-credit answer covers the cells of A … B exactly: centre (A + B)/2,
half-width (B − A)/2 + u/2, so no other d-decimal figure gets in. The two intervals overlap
at r_q, so their union is one range (``low`` … ``high``), which QTI states directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import inf, isfinite, nextafter

from ..decimals import decimal_text, fixed_text, scaled
from ..evaluate import carry, finite
from .plan import Plan, Variant


@dataclass(frozen=True)
class Mark:
    """How one asked quantity of one variant is marked (texts are exact decimals)."""

    name: str
    value: str  # the key's answer: the exact value rounded to the key's decimals
    carried: str | None  # the carry model's answer (None where its step is undefined)
    tolerance: str  # the instructor's tolerance around ``value``
    accepted: tuple[str, str]  # the lowest and highest fair d-decimal figure
    answers: tuple[tuple[str, str], ...]  # full-credit (centre, tolerance) pairs
    low: str  # the union of the answers' intervals, as one range
    high: str

    def to_dict(self) -> dict:
        return {"carried": self.carried, "accepted": list(self.accepted),
                "range": [self.low, self.high],
                "answers": [{"value": v, "tolerance": t} for v, t in self.answers]}


class Marking:
    """Prepared once per plan: the asked quantities' local formulas in the checker's
    interval arithmetic (``Checker.locals``: compiled formulas and their slopes)."""

    def __init__(self, plan: Plan):
        from ..check import Checker

        checker = Checker(plan.problem)
        if checker.program.names != plan.program.names:  # one graph, built twice
            raise AssertionError("the checker's graph differs from the plan's")
        self.plan = plan
        self.locals = {i: checker.locals[i] for i in plan.asked}
        # a formula in which every parent occurs once (most of a network's: z, δ, ∂L/∂θ,
        # the update) has its exact range from one interval evaluation; the others (a(1−a),
        # softmax) go through ``span``, which splits where monotonicity does not hold
        self.single_use = {i: all(f.formula.count(s) <= 1 for s in f.symbols)
                           for i, f in self.locals.items()}
        self.computed = [f is not None for f in plan.program.functions]
        self.decimals = plan.rules.decimals
        self.scale = 10**self.decimals
        self.slack = 1e-3 / self.scale  # a thousandth of a unit: no figure turns on it
        self.tolerance_texts = plan.tolerance_texts
        self.tolerances = {name: (_whole(t * self.scale), max(self.decimals, _places(t)))
                           for name, t in plan.rules.tolerance.items()}

    def marks(self, variant: Variant) -> list[Mark]:
        """Each asked quantity's marks, in the order of ``ask``. Figures are counted in
        units of the last place (integers), which keeps this cheap for many variants."""
        plan, d = self.plan, self.decimals
        carried, _ = carry(plan.program, variant.givens, d)
        values, figures = variant.values, {}

        def figure(p: int) -> int:  # round(v_p, d) in units
            found = figures.get(p)
            if found is None:
                found = figures[p] = _units(values[p], d)
            return found

        out = []
        for i in plan.asked:
            name = plan.program.names[i]
            r = figure(i)
            c = _units(carried[i], d) if finite(carried[i]) else None
            low, high = self.accepted(i, values, carried, figure)
            low, high = min(low, r, r if c is None else c), max(high, r, r if c is None else c)
            tolerance, places = self.tolerances[name]  # in units, and its text's places
            value = self.text(r, d)
            answers = [(value, self.tolerance_texts[name])]
            lowest, highest = r - tolerance, r + tolerance  # int when T is whole units
            if low <= lowest or high >= highest:  # past (or on) the instructor's bounds
                centre, half = Fraction(low + high, 2), Fraction(high - low + 1, 2)
                answers.append((self.text(centre, d + 1), self.text(half, d + 1)))
                lowest, highest = min(lowest, centre - half), max(highest, centre + half)
                places = max(places, d + 1)
            out.append(Mark(name, value, None if c is None else self.text(c, d),
                            answers[0][1], (self.text(low, d), self.text(high, d)),
                            tuple(answers), self.text(lowest, places),
                            self.text(highest, places)))
        return out

    def text(self, units, places: int) -> str:
        """A number of units (an integer, or a Fraction of them) as fixed decimals."""
        if type(units) is int and places == self.decimals:
            digits = str(abs(units)).rjust(places + 1, "0")
            sign = "-" if units < 0 else ""
            return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else sign + digits
        return fixed_text(Fraction(units, self.scale), places)

    def accepted(self, i: int, values: list, carried: list, figure) -> tuple[int, int]:
        """(A, B) in units: the lowest and highest figure whose cell meets f(box)."""
        from ..check.intervals import point, span

        local, d, scale = self.locals[i], self.decimals, self.scale
        box = []
        for p in local.parents:
            if not self.computed[p]:
                box.append(point(values[p]))
                continue
            low = high = figure(p)
            if finite(carried[p]):
                c = _units(carried[p], d)
                low, high = min(low, c), max(high, c)
            box.append(_cells(low, high, scale))
        if self.single_use[i]:
            lo, hi = local.interval_fn(*box)
        else:
            lo, hi = span(local.interval_fn, tuple(box), local.slopes, self.slack)
        if not (isfinite(lo) and isfinite(hi)):
            r = figure(i)
            return r, r
        # the figures y with [y − u/2, y + u/2] ∩ [lo, hi] ≠ ∅: ⌈lo·10ᵈ − ½⌉ … ⌊hi·10ᵈ + ½⌋,
        # on the floats' exact values (n/m, m a power of 2) in integers
        n, m = lo.as_integer_ratio()
        low = -((m - 2 * n * scale) // (2 * m))
        n, m = hi.as_integer_ratio()
        return low, (2 * n * scale + m) // (2 * m)


def _units(value, places: int) -> int:
    """round(value, places) half up, in units of 10⁻ᵖˡᵃᶜᵉˢ."""
    units, negative = scaled(value, places)
    return -units if negative else units


def _whole(units: Fraction) -> int | Fraction:
    return units.numerator if units.denominator == 1 else units


def _places(value: Fraction) -> int:
    """The decimals of a terminating decimal (a tolerance as written)."""
    text = decimal_text(value)
    return len(text.partition(".")[2])


def _cells(low: int, high: int, scale: int) -> tuple[float, float]:
    """[low − ½, high + ½] units as floats, rounded outwards (the checker's ``cell``)."""
    return (nextafter((2 * low - 1) / (2 * scale), -inf),
            nextafter((2 * high + 1) / (2 * scale), inf))
