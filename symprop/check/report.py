"""Verdict records: one per claim, codes and numbers only (templates phrase them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..decimals import fixed_text, round_half_up, truncate

JSON_SCHEMA_VERSION = 1
VERDICTS = ("correct", "rounding", "carried", "wrong", "unknown")


@dataclass
class Verdict:
    """One claim's verdict: codes and numbers only (templates phrase them)."""

    written: str  # the name as written
    claimed: str  # the number as written
    verdict: str
    name: str = ""  # canonical node name or canonical sub-expression text
    kind: str = "node"  # node | expression
    symbol: str | None = None  # LaTeX, in the notation of the sheets (symprop.latex)
    where: str = ""
    decimals: int = 0
    expected: str | None = None  # the exact value rounded to the claim's decimals
    exact: str | None = None  # the exact value with two more decimals
    recomputed: str | None = None  # from the person's written inputs, one more decimal
    notes: list[dict] = field(default_factory=list)  # {code, …}
    inherits: list[str] = field(default_factory=list)  # the wrong claims it carries
    mistakes: list[dict] = field(default_factory=list)  # {code, inputs, value}
    suggestion: str | None = None
    order: float = 0.0

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "order"}


@dataclass
class Report:
    spec: str
    answers: str
    verdicts: list[Verdict]

    @property
    def first_wrong(self) -> Verdict | None:
        return next((v for v in self.verdicts if v.verdict == "wrong"), None)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for v in self.verdicts:
            counts[v.verdict] += 1
        return counts

    def to_dict(self) -> dict:
        first = self.first_wrong
        return {"schema": JSON_SCHEMA_VERSION, "spec": self.spec, "answers": self.answers,
                "counts": self.counts(), "first_wrong": first.name if first else None,
                "claims": [v.to_dict() for v in self.verdicts]}


def rounded(value, places: int, truncated: bool = False) -> Fraction:
    """``value`` rounded half up (or truncated towards zero) to ``places``, exactly."""
    return truncate(value, places) if truncated else round_half_up(value, places)


def text(value, places: int) -> str | None:
    """``value`` rounded half up to ``places`` as text, with no '-0'."""
    return None if value is None else fixed_text(value, places)
