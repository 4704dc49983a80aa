"""Claims a person makes about a problem: ``name = number`` read from answers.yaml or from
``--claim`` options, each number kept exactly as written ('0.60' keeps two decimals).

A claim's name is a node (canonical or alias), a whole vector or matrix given as a list
(``grad.W1: [[-0.0172, 0], [0.01345, 0]]``, expanded to its entries, each remembering the
list and the shape it was written in), or a sub-expression of named quantities
(``next.W2[1,1]*next.a1[1]``, ``exp(-z2[1])``). A *formula* claim (``--formula``, or the
``formulas:`` mapping of an answers file) says what a quantity equals in general:
``delta1[1] = W2[1,1]*delta2[1]*a1[1]*(1 - a1[1])``. Sub-expressions and formulas are read
by symprop's one expression parser (symprop.expressions, in its ``CLAIMS`` dialect: whole
exponents up to 12, the functions exp, log, ln, tanh, sigma, sigmoid, relu); user text
never reaches ``eval`` or ``sympify``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import expressions
from ..decimals import parse_decimal
from ..errors import SpecError
from ..expressions import CLAIMS, ParseError, names_in, show
from ..source import Number, Source, path_text, read_file, read_text

MAX_CLAIMS = 5_000
MAX_EXPRESSION = CLAIMS.max_length  # characters
FUNCTIONS = CLAIMS.functions
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
__all__ = ["FUNCTIONS", "MAX_CLAIMS", "MAX_EXPRESSION", "ParseError", "RawClaim",
           "from_option", "from_source", "names_in", "number_text", "parse", "read_answers",
           "read_answers_text", "show", "tokens"]


FORMULAS = "formulas"  # the answers file's key for formula claims


@dataclass(frozen=True)
class RawClaim:
    """One claim before it meets a graph: the name as written and the number as written
    (or, for a formula claim, the right-hand side as written)."""

    name: str
    text: str  # the number exactly as written, normalised only in its minus sign
    where: str = ""
    kind: str = "number"  # number | formula
    group: str = ""  # an entry of a list: the list's name as written ('grad.W1')
    shape: tuple = ()  # …and the list's shape as written: (n,), (rows, columns), or the
    #                    row lengths (2, 1, …) with a leading -1 when the rows differ


# reading ---------------------------------------------------------------------------------
def _shown(value) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if value is None:
        return "nothing"
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "a mapping"
    text = str(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return text if isinstance(value, Number) else repr(text)


def number_text(value, field: str, where: str) -> str:
    """A written number as text (its minus sign normalised); anything else is a SpecError
    naming the field."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise SpecError(field, "a number as written", _shown(value), where)
    text = str(value).strip().replace("\u2212", "-")
    if not _DECIMAL.fullmatch(text):
        raise SpecError(field, "a number as written (a decimal such as 0.6457)",
                        _shown(value), where)
    try:
        parse_decimal(text)
    except ValueError as error:
        raise SpecError(field, "a number as written", f"{_shown(value)} ({error})",
                        where) from None
    return text


def from_source(source: Source) -> list[RawClaim]:
    """Claims from a parsed answers document: a mapping of name → number or list."""
    tree = source.tree
    if not isinstance(tree, dict):
        raise SpecError("", "a mapping of names to numbers", "a list" if isinstance(
            tree, list) else "no mapping", source.where(()))
    if len(tree) > MAX_CLAIMS:
        raise SpecError("", f"at most {MAX_CLAIMS:,} claims", f"{len(tree):,}", source.name)
    claims = []
    for key, value in tree.items():
        path = (key,)
        if key == FORMULAS:
            claims += _formulas(value, source)
            continue
        if isinstance(value, list):
            claims += _expand(key, value, (), source, _shape(value))
            continue
        claims.append(RawClaim(key, number_text(value, key, source.where(path)),
                               source.where(path)))
    return claims


def _formulas(mapping: dict, source: Source) -> list[RawClaim]:
    """``formulas: {delta1[1]: "W2[1,1]*delta2[1]*…"}``: one formula claim per entry."""
    if not isinstance(mapping, dict):
        raise SpecError(FORMULAS, "a mapping of quantities to formulas", _shown(mapping),
                        source.where((FORMULAS,)))
    if len(mapping) > MAX_CLAIMS:
        raise SpecError(FORMULAS, f"at most {MAX_CLAIMS:,} formulas", f"{len(mapping):,}",
                        source.where((FORMULAS,)))
    out = []
    for name, value in mapping.items():
        where = source.where((FORMULAS, name))
        if isinstance(value, bool) or not isinstance(value, str) or not value.strip():
            raise SpecError(f"{FORMULAS}.{name}", "a formula as text (for example "
                            "\"W2[1,1]*delta2[1]\")", _shown(value), where)
        out.append(RawClaim(name, value.strip(), where, kind="formula"))
    return out


def _shape(value: list) -> tuple:
    """The shape a list is written in: (n,) flat, (rows, columns) nested, or (-1, row
    lengths…) when its rows differ in length (a number among lists counts as length 0)."""
    if not any(isinstance(item, list) for item in value):
        return (len(value),)
    lengths = [len(item) if isinstance(item, list) else 0 for item in value]
    if len(set(lengths)) == 1 and lengths[0]:
        return (len(value), lengths[0])
    return (-1, *lengths)


def _expand(key: str, value: list, index: tuple, source: Source,
            shape: tuple) -> list[RawClaim]:
    """A vector or matrix written as a list: one claim per entry, named key[i] or key[i,j]
    (1-based) and tagged with the list's name and shape; the graph decides later whether
    the shape is the quantity's and whether that entry exists."""
    if len(index) >= 2:
        raise SpecError(path_text((key, *index)), "a number as written", "a list",
                        source.where((key, *index)))
    claims = []
    for position, item in enumerate(value):
        inner = (*index, position)
        if isinstance(item, list):
            claims += _expand(key, item, inner, source, shape)
            continue
        where = source.where((key, *inner))
        entry = f"{key}[{','.join(str(i + 1) for i in inner)}]"
        claims.append(RawClaim(entry, number_text(item, path_text((key, *inner)), where),
                               where, group=key, shape=shape))
    return claims


def read_answers(path) -> list[RawClaim]:
    return from_source(read_file(path))


def read_answers_text(text: str, name: str = "answers") -> list[RawClaim]:
    return from_source(read_text(text, name))


def from_option(option: str) -> RawClaim:
    """``--claim 'a1[1]=0.6457'``: the number is what follows the last '='."""
    name, equals, text = option.rpartition("=")
    if not equals or not name.strip():
        raise SpecError("--claim", "name=value (for example 'a1[1]=0.6457')", repr(option))
    return RawClaim(name.strip(), number_text(text.strip(), name.strip(), "--claim"), "--claim")


def from_formula_option(option: str) -> RawClaim:
    """``--formula 'delta1[1] = W2[1,1]*delta2[1]*dact1[1]'``: the quantity is what comes
    before the first '=', its formula what follows."""
    name, equals, text = option.partition("=")
    if not equals or not name.strip() or not text.strip():
        raise SpecError("--formula", "name = formula (for example 'delta2[1] = "
                        "grad.yhat[1]*dact2[1]')", repr(option))
    return RawClaim(name.strip(), text.strip(), "--formula", kind="formula")


# sub-expressions: the one grammar of symprop.expressions, in the claims' dialect ---------
def parse(text: str):
    """A small tree of tuples: ('num', Fraction), ('name', text), ('neg', x),
    ('add'|'sub'|'mul'|'div', x, y), ('pow', x, n), ('call', function, x)."""
    return expressions.parse(text, CLAIMS)


def tokens(text: str) -> list[tuple[str, str]]:
    return expressions.tokens(text, CLAIMS)
