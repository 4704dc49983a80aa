"""Line breaking: an equation (a left side, then pieces "= …") packed into rows that fit
the page, planned once per equation from estimated widths (symprop.latex.width).

The plan depends on the sheet's structure and precision, not on its numbers: every computed
number is measured as the widest number the sheet's precision shows in fixed places (the
nominal number), every given as the spec writes it, with a minus. A number that comes out
wider (scientific notation for a tiny gradient, a large value) is measured by its width
class, which joins the sheet's signature. So sheets of one structure break at the same
places (symprop.sheets.skeleton relies on this), and a worker process drawing variants
plans what the main process plans.

    lhs  = piece one = piece two            a row holds whole pieces while they fit;
         = piece three + its second term     a piece too long for a row of its own breaks
           + its third term                  between its terms (continuation rows indent)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..latex import width, written

# The width of a row, in em of the text font: the sheet's \linewidth (A4, 2.2 cm margins:
# 472 pt at 11 pt, 43.1 em) less a margin for the estimate's error (it is within 5 %).
LINE_EM = 41.0
INDENT_EM = 1.0  # \quad before a continuation row
RELATION_EM = width("=")
NOTE_MARK_EM = 0.6  # a dagger after a result


@dataclass(slots=True)
class Part:
    """What a row shows of one piece: its relation (or '' for a continuation), its text,
    whether it is the result (bold), and its terms (where a narrow window may wrap)."""

    relation: str
    text: str
    bold: bool = False
    terms: list | None = None


@dataclass(slots=True)
class Row:
    indent: bool  # a continuation of a piece broken between its terms
    parts: list


def nominal(decimals: int, significant: int | None) -> str:
    """The widest computed number the sheet shows, as LaTeX: a negative value with every
    place (significant figures: two leading zeros more)."""
    places = decimals if significant is None else significant + 2
    return "-0." + "0" * places if places else "-00"


def nominal_given(value, decimals: int, significant: int | None) -> str:
    """A given as wide as it may come out: as written, with a minus (a variant may draw
    the other sign)."""
    return "-" + written(abs(value), decimals, significant)


def wider(text: str, planned: str) -> str | None:
    """A number shown wider than the plan measured it (scientific notation, or more
    digits): a nominal text of its width class, which the plan then measures; None when
    the planned width holds it."""
    digits = text.lstrip("-")
    if r"\times" in text:
        mantissa = digits.split(r" \times")[0]
        return "-" + re.sub(r"\d", "0", mantissa) + r" \times 10^{-00}"
    if len(digits) >= len(planned):
        return "-" + re.sub(r"\d", "0", digits)
    return None


def pack(pieces: list[tuple[float, list[float]]], budget: float) -> list[list[tuple]]:
    """Rows of (piece, first term, end term) from pieces given as (width of the relation,
    widths of its terms), for a row of ``budget`` em: whole pieces while they fit, a
    piece broken between terms when it does not fit a row of its own. The first row
    always holds something, so that a piece wider than any row still has a place."""
    rows: list[list[tuple]] = [[]]
    used = 0.0
    for k, (relation, terms) in enumerate(pieces):
        whole = relation + sum(terms)
        if rows[-1] and used + whole > budget and whole <= budget:
            rows.append([])
            used = 0.0
        if used + whole <= budget or whole <= budget:
            rows[-1].append((k, 0, len(terms)))
            used += whole
            continue
        start, run = 0, relation  # the piece breaks between its terms
        if rows[-1]:
            rows.append([])
            used = 0.0
        for t, term in enumerate(terms):
            if t > start and used + run + term > budget:
                rows[-1].append((k, start, t))
                rows.append([])
                used, start, run = INDENT_EM, t, 0.0
            run += term
        rows[-1].append((k, start, len(terms)))
        used += run
    return rows
