"""Claims a person makes about a problem: ``name = number`` read from answers.yaml or from
``--claim`` options, each number kept exactly as written ('0.60' keeps two decimals).

A claim's name is a node (canonical or alias), a whole vector or matrix given as a list
(``grad.W1: [[-0.0172, 0], [0.01345, 0]]``, expanded to its entries, each remembering the
list and the shape it was written in), or a sub-expression of named quantities
(``next.W2[1,1]*next.a1[1]``, ``exp(-z2[1])``). A *formula* claim (``--formula``, or the
``formulas:`` mapping of an answers file) says what a quantity equals in general:
``delta1[1] = W2[1,1]*delta2[1]*a1[1]*(1 - a1[1])``. Sub-expressions and formulas are read
by a small recursive-descent parser over a fixed grammar; user text never reaches
``eval`` or ``sympify``:

    expr  := term (('+' | '-') term)*
    term  := unary (('*' | '/') unary)*
    unary := ('-' | '+') unary | power
    power := atom (('^' | '**') ['-'] INTEGER)?
    atom  := NUMBER | FUNCTION '(' expr ')' | NAME | '(' expr ')'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ..decimals import parse_decimal
from ..errors import SpecError
from ..source import Number, Source, path_text, read_file, read_text

MAX_CLAIMS = 5_000
MAX_EXPRESSION = 200  # characters
MAX_DEPTH = 30
MAX_EXPONENT = 12
FUNCTIONS = {"exp": "exp", "log": "log", "ln": "log", "tanh": "tanh", "sigma": "sigma",
             "sigmoid": "sigma", "relu": "relu"}
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*
             (?:\[\s*\d+\s*(?:,\s*\d+\s*)?\])?)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<op>\*\*|[-+*/^()·×−])
""", re.VERBOSE)


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


# sub-expressions -------------------------------------------------------------------------
class ParseError(ValueError):
    """The text is not an expression of the grammar above."""


def tokens(text: str) -> list[tuple[str, str]]:
    if len(text) > MAX_EXPRESSION:
        raise ParseError("too long")
    out, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise ParseError(f"unexpected {text[position]!r}")
        position = match.end()
        kind = match.lastgroup
        if kind == "space":
            continue
        word = re.sub(r"\s+", "", match.group())
        if kind == "op":
            word = {"·": "*", "×": "*", "−": "-", "^": "**"}.get(word, word)
        out.append((kind, word))
    return out


class _Parser:
    def __init__(self, items: list[tuple[str, str]]):
        self.items, self.at, self.depth = items, 0, 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self, word: str | None = None) -> tuple[str, str]:
        item = self.peek()
        if item is None or (word is not None and item[1] != word):
            raise ParseError(f"expected {word or 'more'}")
        self.at += 1
        return item

    def enter(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError("nested too deeply")

    def expr(self):
        self.enter()
        node = self.term()
        while (item := self.peek()) and item[1] in "+-" and item[0] == "op":
            self.take()
            node = ("add" if item[1] == "+" else "sub", node, self.term())
        self.depth -= 1
        return node

    def term(self):
        node = self.unary()
        while (item := self.peek()) and item[0] == "op" and item[1] in ("*", "/"):
            self.take()
            node = ("mul" if item[1] == "*" else "div", node, self.unary())
        return node

    def unary(self):
        item = self.peek()
        if item and item[0] == "op" and item[1] in "+-":
            self.take()
            self.enter()
            inner = self.unary()
            self.depth -= 1
            return inner if item[1] == "+" else ("neg", inner)
        return self.power()

    def power(self):
        base = self.atom()
        item = self.peek()
        if item and item[1] == "**":
            self.take()
            sign = 1
            if (nxt := self.peek()) and nxt[1] == "-":
                self.take()
                sign = -1
            kind, word = self.take()
            if kind != "number" or not word.isdigit() or int(word) > MAX_EXPONENT:
                raise ParseError(f"an integer exponent up to {MAX_EXPONENT}")
            return ("pow", base, sign * int(word))
        return base

    def atom(self):
        kind, word = self.take()
        if kind == "number":
            try:
                return ("num", parse_decimal(word))
            except ValueError as error:  # e.g. an exponent beyond ±400
                raise ParseError(f"a number within range ({error})") from None
        if kind == "name":
            nxt = self.peek()
            if word in FUNCTIONS and nxt and nxt[1] == "(":
                self.take("(")
                inner = self.expr()
                self.take(")")
                return ("call", FUNCTIONS[word], inner)
            return ("name", word)
        if word == "(":
            inner = self.expr()
            self.take(")")
            return inner
        raise ParseError(f"unexpected {word!r}")


def parse(text: str):
    """A small tree of tuples: ('num', Fraction), ('name', text), ('neg', x),
    ('add'|'sub'|'mul'|'div', x, y), ('pow', x, n), ('call', function, x)."""
    parser = _Parser(tokens(text))
    tree = parser.expr()
    if parser.peek() is not None:
        raise ParseError(f"unexpected {parser.peek()[1]!r}")
    return tree


def names_in(tree) -> list[str]:
    """Every name the tree uses, in order of first use."""
    out: list[str] = []

    def walk(node):
        if node[0] == "name":
            if node[1] not in out:
                out.append(node[1])
        elif node[0] in ("neg", "pow"):
            walk(node[1])
        elif node[0] == "call":
            walk(node[2])
        elif node[0] != "num":
            walk(node[1])
            walk(node[2])

    walk(tree)
    return out


def show(tree, names: dict[str, str]) -> str:
    """Canonical text of a tree, with names replaced by ``names`` (canonical names)."""
    precedence = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}

    def go(node, outer: int = 0) -> str:
        kind = node[0]
        if kind == "num":
            value = node[1]
            text = str(value) if value.denominator == 1 else _plain(value)
            return text
        if kind == "name":
            return names.get(node[1], node[1])
        if kind == "call":
            function = {"sigma": "sigma"}.get(node[1], node[1])
            return f"{function}({go(node[2])})"
        mine = precedence[kind]
        if kind == "neg":
            text = "-" + go(node[1], mine)
        elif kind == "pow":
            text = f"{go(node[1], mine + 1)}^{node[2]}"
        else:
            symbol = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[kind]
            right = go(node[2], mine + (kind in ("sub", "div")))
            text = f"{go(node[1], mine)}{symbol}{right}"
        return f"({text})" if mine < outer else text

    return go(tree)


def _plain(value: Fraction) -> str:
    from ..decimals import decimal_text
    return decimal_text(value)
