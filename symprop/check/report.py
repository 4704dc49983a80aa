"""Verdict records: one per claim, codes and numbers only (templates phrase them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import mpmath

from ..decimals import fixed_text, round_half_up, truncate

JSON_SCHEMA_VERSION = 1
VERDICTS = ("correct", "rounding", "carried", "wrong", "unknown")  # number claims
FORMULA_VERDICTS = ("equivalent", "equal_here", "different", "unknown")  # formula claims
_FORMULA_FIELDS = ("formula", "formula_symbol", "value", "method")


@dataclass
class Verdict:
    """One claim's verdict: codes and numbers only (templates phrase them).

    ``kind`` is node | expression (a number claim), shape (a list of the wrong shape, one
    record for the whole list) or formula (a formula claim: ``formula`` is the right-hand
    side, ``value`` what it gives at this problem's numbers, ``method`` how equivalence
    was decided)."""

    written: str  # the name as written
    claimed: str  # the number as written (a formula claim: its right-hand side)
    verdict: str
    name: str = ""  # canonical node name or canonical sub-expression text
    kind: str = "node"  # node | expression | shape | formula
    symbol: str | None = None  # LaTeX, in the notation of the sheets (symprop.latex)
    where: str = ""
    decimals: int = 0
    expected: str | None = None  # the exact value rounded to the claim's decimals
    exact: str | None = None  # the exact value with two more decimals
    recomputed: str | None = None  # from the person's written inputs, one more decimal
    notes: list[dict] = field(default_factory=list)  # {code, …}
    inherits: list[str] = field(default_factory=list)  # the wrong claims it carries
    mistakes: list[dict] = field(default_factory=list)  # {code, inputs, value} or {code, at}
    suggestion: str | None = None
    order: float = 0.0
    formula: str | None = None  # formula claims: the right-hand side, canonical text
    formula_symbol: str | None = None  # …in the sheets' notation (LaTeX)
    value: str | None = None  # …its value at this problem's numbers
    method: str | None = None  # …symbolic | points

    def to_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "order"}
        if self.kind != "formula":
            for key in _FORMULA_FIELDS:
                del out[key]
        return out


@dataclass
class Report:
    spec: str
    answers: str
    verdicts: list[Verdict]

    @property
    def first_wrong(self) -> Verdict | None:
        """The first wrong step in the graph's order: a wrong number, a list of the wrong
        shape, or a formula that is different."""
        return next((v for v in self.verdicts if v.verdict in ("wrong", "different")), None)

    def counts(self) -> dict[str, int]:
        """Verdicts of the number claims (and of lists of the wrong shape)."""
        counts = dict.fromkeys(VERDICTS, 0)
        for v in self.verdicts:
            if v.kind != "formula":
                counts[v.verdict] += 1
        return counts

    def formula_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(FORMULA_VERDICTS, 0)
        for v in self.verdicts:
            if v.kind == "formula":
                counts[v.verdict] += 1
        return counts

    def to_dict(self) -> dict:
        first = self.first_wrong
        out = {"schema": JSON_SCHEMA_VERSION, "spec": self.spec, "answers": self.answers,
               "counts": self.counts(), "first_wrong": first.name if first else None,
               "claims": [v.to_dict() for v in self.verdicts]}
        if any(v.kind == "formula" for v in self.verdicts):
            out["formula_counts"] = self.formula_counts()
        return out


def rounded(value, places: int, truncated: bool = False) -> Fraction:
    """``value`` rounded half up (or truncated towards zero) to ``places``, exactly."""
    if _negligible(value, places):
        return Fraction(0)
    return truncate(value, places) if truncated else round_half_up(value, places)


def text(value, places: int) -> str | None:
    """``value`` rounded half up to ``places`` as text, with no '-0'."""
    if value is None:
        return None
    return fixed_text(0 if _negligible(value, places) else value, places)


def _negligible(value, places: int) -> bool:
    """A high-precision value far below the last place (e^-1000 at 4 places): 0 there,
    without converting its binary exponent into a huge exact fraction."""
    if not isinstance(value, mpmath.mpf):
        return False
    _, mantissa, exponent, bits = value._mpf_
    return bool(mantissa) and exponent + bits < -4 * (places + 10)
