"""The one expression grammar: node formulas of ``graph:`` specs and the sub-expressions a
checked claim may name are read by this small recursive-descent parser. User text never
reaches ``eval`` or ``sympify``.

    expr  := term (('+' | '-') term)*
    term  := unary (('*' | '/') unary)*
    unary := ('-' | '+') unary | power
    power := atom (('**' | '^') exponent)?
    exponent := ['-'] NUMBER | NAME                 (what a dialect allows)
    atom  := NUMBER | FUNCTION '(' expr (',' expr)* ')' | NAME | '(' expr ')'

There are no built-in constants: ``e``, ``s``, ``neg`` or ``dot`` are ordinary names. A
function name is reserved: it must be followed by '('. ``·``, ``×`` and ``−`` read as
``*``, ``*`` and ``-``. A *dialect* says which functions exist (and under which spellings),
which exponents are allowed, and how long and deep a text may be: ``GRAPH`` for the node
formulas of a spec, ``CLAIMS`` for the checker's sub-expressions.

The tree is made of tuples:

    ('num', Fraction)  ('name', text)  ('neg', x)  ('add'|'sub'|'mul'|'div', x, y)
    ('pow', x, n)      n: an int, a Fraction (a decimal exponent) or ('name', text)
    ('call', function, x, …)   one argument, or several for max and min

Nothing is computed while parsing, so ``2 ** 10 ** 10`` costs nothing (and is refused:
an exponent is a number or a name, never a power). ``walk`` evaluates a tree with any
arithmetic (exact, float64, intervals) given as a small object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from .decimals import parse_decimal


class ParseError(ValueError):
    """The text is not an expression of the grammar (of the dialect)."""

    def __init__(self, message: str, at: int | None = None):
        super().__init__(message)
        self.at = at  # character offset in the text, when known


@dataclass(frozen=True)
class Dialect:
    functions: dict[str, str]  # spelling → function
    max_length: int  # characters
    max_depth: int  # nesting of parentheses and unary minus
    max_exponent: int  # |n| of a number exponent
    integer_exponents: bool = True  # only whole-number exponents
    name_exponents: bool = False  # x ** y with y a name
    several: frozenset = field(default_factory=frozenset)  # functions of several arguments


# the functions of graph specs, each with one argument except max and min
GRAPH_FUNCTIONS = ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "max", "min")
GRAPH = Dialect({f: f for f in GRAPH_FUNCTIONS}, max_length=2_000, max_depth=60,
                max_exponent=64, integer_exponents=False, name_exponents=True,
                several=frozenset({"max", "min"}))
# a claim's sub-expression (symprop check): the spellings of worked examples; ``sigma`` is
# the sigmoid, ``ln`` the natural logarithm
CLAIMS = Dialect({"exp": "exp", "log": "log", "ln": "log", "tanh": "tanh", "sigma": "sigma",
                  "sigmoid": "sigma", "relu": "relu"}, max_length=200, max_depth=30,
                 max_exponent=12)

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*
             (?:\[\s*\d+\s*(?:,\s*\d+\s*)?\])?)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<op>\*\*|[-+*/^(),·×−])
""", re.VERBOSE)
_SPELLING = {"·": "*", "×": "*", "−": "-", "^": "**"}


def scan(text: str, dialect: Dialect = CLAIMS) -> list[tuple[str, str, int]]:
    """(kind, word, offset) for each token: kind is name, number or op."""
    if len(text) > dialect.max_length:
        raise ParseError(f"at most {dialect.max_length:,} characters")
    out, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise ParseError(f"unexpected {text[position]!r}", position)
        start, position = position, match.end()
        kind = match.lastgroup
        if kind == "space":
            continue
        word = re.sub(r"\s+", "", match.group())
        if kind == "op":
            word = _SPELLING.get(word, word)
        out.append((kind, word, start))
    return out


def tokens(text: str, dialect: Dialect = CLAIMS) -> list[tuple[str, str]]:
    """(kind, word) for each token of ``text``."""
    return [(kind, word) for kind, word, _ in scan(text, dialect)]


class _Parser:
    def __init__(self, items: list[tuple[str, str, int]], dialect: Dialect, end: int):
        self.items, self.at, self.depth, self.dialect, self.end = items, 0, 0, dialect, end

    def peek(self) -> tuple[str, str, int] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def where(self) -> int:
        item = self.peek()
        return item[2] if item else self.end

    def take(self, word: str | None = None) -> tuple[str, str, int]:
        item = self.peek()
        if item is None or (word is not None and item[1] != word):
            found = "the end" if item is None else repr(item[1])
            raise ParseError(f"expected {word or 'more'}, got {found}", self.where())
        self.at += 1
        return item

    def enter(self):
        self.depth += 1
        if self.depth > self.dialect.max_depth:
            raise ParseError(f"at most {self.dialect.max_depth} levels of nesting",
                             self.where())

    def expr(self):
        self.enter()
        node = self.term()
        while (item := self.peek()) and item[0] == "op" and item[1] in ("+", "-"):
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
        if item and item[0] == "op" and item[1] in ("+", "-"):
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
            return ("pow", base, self.exponent())
        return base

    def exponent(self):
        dialect, at = self.dialect, self.where()
        sign = 1
        if (item := self.peek()) and item[1] == "-":
            self.take()
            sign = -1
        kind, word, _ = self.take()
        if kind == "name" and sign == 1 and dialect.name_exponents and \
                word not in dialect.functions:
            return ("name", word)
        allowed = "a whole number" if dialect.integer_exponents else "a number"
        allowed += f" up to {dialect.max_exponent}"
        if dialect.name_exponents:
            allowed += " or a name"
        if kind != "number":
            raise ParseError(f"an exponent that is {allowed}", at)
        value = sign * self.number(word, at)
        if abs(value) > dialect.max_exponent or (dialect.integer_exponents and
                                                 value.denominator != 1):
            raise ParseError(f"an exponent that is {allowed}", at)
        return int(value) if value.denominator == 1 else value

    def number(self, word: str, at: int) -> Fraction:
        try:
            return parse_decimal(word)
        except ValueError as error:  # e.g. an exponent beyond ±400
            raise ParseError(f"a number within range ({error})", at) from None

    def atom(self):
        kind, word, at = self.take()
        if kind == "number":
            return ("num", self.number(word, at))
        if kind == "name":
            function = self.dialect.functions.get(word)
            if function is None:
                return ("name", word)
            if (nxt := self.peek()) is None or nxt[1] != "(":
                raise ParseError(f"'(' after the function {word}", self.where())
            self.take("(")
            arguments = [self.expr()]
            while (nxt := self.peek()) and nxt[1] == ",":
                if function not in self.dialect.several:
                    raise ParseError(f"one argument for {word}", nxt[2])
                self.take(",")
                arguments.append(self.expr())
            self.take(")")
            if function in self.dialect.several and len(arguments) < 2:
                raise ParseError(f"at least two arguments for {word}", at)
            return ("call", function, *arguments)
        if word == "(":
            inner = self.expr()
            self.take(")")
            return inner
        raise ParseError(f"unexpected {word!r}", at)


def parse(text: str, dialect: Dialect = CLAIMS):
    """The tree of ``text`` (see the module's docstring); ParseError if it is not one."""
    parser = _Parser(scan(text, dialect), dialect, len(text))
    if parser.peek() is None:
        raise ParseError("an expression, got nothing", 0)
    tree = parser.expr()
    if parser.peek() is not None:
        raise ParseError(f"unexpected {parser.peek()[1]!r}", parser.where())
    return tree


def children(node) -> tuple:
    """The sub-trees of a node (a name exponent counts as one)."""
    kind = node[0]
    if kind in ("num", "name"):
        return ()
    if kind == "neg":
        return (node[1],)
    if kind == "pow":
        return (node[1], node[2]) if type(node[2]) is tuple else (node[1],)
    if kind == "call":
        return node[2:]
    return (node[1], node[2])


def names_in(tree) -> list[str]:
    """Every name the tree uses, in order of first use."""
    out: list[str] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if node[0] == "name":
            if node[1] not in out:
                out.append(node[1])
        else:
            stack.extend(reversed(children(node)))
    return out


def size(tree) -> int:
    """How many operations and leaves the tree has."""
    return 1 + sum(size(child) for child in children(tree))


_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


def show(tree, names: dict[str, str] | None = None) -> str:
    """Canonical text of a tree, with names replaced by ``names`` (e.g. canonical names)."""
    from .decimals import decimal_text

    names = names or {}

    def number(value: Fraction) -> str:
        return str(value) if value.denominator == 1 else decimal_text(value)

    def go(node, outer: int = 0) -> str:
        kind = node[0]
        if kind == "num":
            return number(node[1])
        if kind == "name":
            return names.get(node[1], node[1])
        if kind == "call":
            return f"{node[1]}({', '.join(go(a) for a in node[2:])})"
        mine = _PRECEDENCE[kind]
        if kind == "neg":
            text = "-" + go(node[1], mine)
        elif kind == "pow":
            power = node[2]
            shown = go(power) if type(power) is tuple else (
                str(power) if type(power) is int else number(power))
            text = f"{go(node[1], mine + 1)}^{shown}"
        else:
            right = go(node[2], mine + (kind in ("sub", "div")))
            text = f"{go(node[1], mine)}{_SYMBOLS[kind]}{right}"
        return f"({text})" if mine < outer else text

    return go(tree)


def walk(tree, lookup, arithmetic):
    """The value of a tree: ``lookup(name)`` gives a name's value, and ``arithmetic`` has
    the methods num, add, sub, mul, div, neg, pow(base, exponent) and call(function,
    arguments). Iterative, so deep trees cost no recursion."""
    values: list = []
    stack: list = [(tree, False)]
    while stack:
        node, ready = stack.pop()
        kind = node[0]
        if kind == "num":
            values.append(arithmetic.num(node[1]))
            continue
        if kind == "name":
            values.append(lookup(node[1]))
            continue
        parts = children(node)
        if not ready:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(parts))
            continue
        arguments = values[len(values) - len(parts):]
        del values[len(values) - len(parts):]
        if kind == "neg":
            values.append(arithmetic.neg(arguments[0]))
        elif kind == "pow":
            exponent = arguments[1] if len(arguments) > 1 else arithmetic.num(
                Fraction(node[2]))
            values.append(arithmetic.pow(arguments[0], exponent))
        elif kind == "call":
            values.append(arithmetic.call(node[1], arguments))
        else:
            values.append(getattr(arithmetic, kind)(*arguments))
    return values[0]
