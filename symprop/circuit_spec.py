"""A ``graph:`` spec (a computation graph such as CS231n's f = (x + y)z), read and
validated into a frozen record; and the ``nudges:`` of any spec.

    graph:
      inputs: {x: -2, y: 5, z: -4}      # givens, read exactly as elsewhere
      nodes:                             # in order; each uses inputs and nodes above it
        q: "x + y"
        f: "q * z"
      output: f                          # the scalar whose derivatives are taken
    learning_rate: 0.1                   # optional, with parameters:
    parameters: [x, y]                   # the inputs a gradient step updates
    nudges: [{x: 0.001}, {q: 0.001}]     # optional: nudge an input or a node

Formulas are read by symprop.expressions (never eval or sympify). Every value is then
computed once, exactly, at the given point and at each nudged point, so that a bad graph
is refused here with its file, line, column and node: a name that is not defined above
(a use before definition, or a cycle), a function name used as a name, an output that is
not a node, a value that is undefined (log 0, 1/0, √ of a negative number), max or min at
a tie without a stated convention, and a value too large for exact arithmetic. This
module does not import SymPy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import ClassVar

import mpmath

from . import expressions
from .decimals import decimal_text
from .errors import LimitError
from .expressions import GRAPH, GRAPH_FUNCTIONS, ParseError
from .source import Number
from .spec import Optimizer

TOP_KEYS = ("name", "description", "graph", "learning_rate", "parameters", "nudges",
            "relu_derivative_at_zero", "max_at_tie", "digits", "significant", "variants")
GRAPH_KEYS = ("inputs", "nodes", "output")
TIES = ("split", "first")  # symprop.gates: shared equally, or all to the first tied input
MAX_NODES = 1_000  # inputs and nodes together
MAX_BITS = 20_000  # an exact (rational) value needs at most this many bits
MAX_VALUE = Fraction(10) ** 300  # values stay far inside what exact arithmetic does fast
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,23}")
WORK_DPS = 50


@dataclass(frozen=True)
class Formula:
    """A node as written: its name, its text, and the parsed tree."""

    name: str
    text: str
    tree: tuple


@dataclass(frozen=True)
class Nudge:
    """Nudge k: ``target`` (a canonical name) changes by ``amount``."""

    target: str
    amount: Fraction
    written: str  # the target as the spec wrote it


@dataclass(frozen=True)
class CircuitProblem:
    """A validated computation graph. ``inputs`` keeps the order written."""

    kind: ClassVar[str] = "circuit"
    steps: ClassVar[int] = 1
    data: ClassVar[tuple] = ()
    depth: ClassVar[int] = 0
    frozen: ClassVar[frozenset] = frozenset()
    # a layered network's training options do not apply: plain gradient descent, one step
    optimizer: ClassVar[Optimizer] = Optimizer()
    weight_decay: ClassVar[None] = None
    training: ClassVar[None] = None

    name: str
    inputs: dict[str, Fraction]
    nodes: tuple[Formula, ...]
    output: str
    learning_rate: Fraction | None = None
    updated: tuple[str, ...] = ()  # the inputs a gradient step updates (``parameters:``)
    nudges: tuple[Nudge, ...] = ()
    relu_derivative_at_zero: Fraction = Fraction(0)
    max_at_tie: str = "split"
    tie_stated: bool = False
    digits: int = 4
    significant: int | None = None
    description: str = ""
    variants: dict = field(default_factory=dict, compare=False)
    source: str = ""
    origin: object = field(default=None, compare=False, repr=False)

    @property
    def parameters(self) -> dict[str, Fraction]:
        """Every given value by name: what a layered Problem calls its parameters, so that
        symprop.evaluate reads the givens of either kind of problem alike."""
        return self.inputs

    @property
    def names(self) -> dict[str, str]:
        return {}

    def decayed(self) -> list[str]:
        return []

    def extra_givens(self) -> dict[str, Fraction]:
        return {}

    def entries(self) -> list[str]:
        """The inputs: the output is differentiated by each of them."""
        return list(self.inputs)

    def trained(self) -> list[str]:
        """The inputs a gradient step updates (every input when there is no step)."""
        return list(self.updated) if self.updated else list(self.inputs)

    def formula(self, name: str) -> Formula:
        return next(node for node in self.nodes if node.name == name)

    def solve(self, **options):
        from .api import solve
        return solve(self, **options)

    def with_values(self, parameters=None, data=None) -> CircuitProblem:
        """The same graph with other input values (used by variants)."""
        from dataclasses import replace
        return replace(self, inputs={name: Fraction((parameters or {}).get(name, value))
                                     for name, value in self.inputs.items()})


# exact values at a point, with the domain of every operation checked --------------------
class DomainError(ArithmeticError):
    """An operation has no real value here: the words say which."""


class SizeError(ArithmeticError):
    pass


def _mpf(value):
    return mpmath.mpf(value.numerator) / value.denominator if type(value) is Fraction \
        else value


class Exact:
    """Fractions while the arithmetic is rational, mpf (50 digits) otherwise; a tie of max
    or min is recorded in ``ties``."""

    def __init__(self, relu0: Fraction):
        self.relu0, self.ties = relu0, []

    def check(self, value):
        if type(value) is Fraction:
            if value.numerator.bit_length() + value.denominator.bit_length() > MAX_BITS:
                raise SizeError(f"more than {MAX_BITS:,} bits")
            if abs(value) > MAX_VALUE:
                raise SizeError("a magnitude beyond 1e300")
        elif not mpmath.isfinite(value) or abs(value) > _mpf(MAX_VALUE):
            raise SizeError("a magnitude beyond 1e300")
        return value

    def num(self, value):
        return value

    def add(self, a, b):
        return self.check(a + b if type(a) is type(b) is Fraction else _mpf(a) + _mpf(b))

    def sub(self, a, b):
        return self.check(a - b if type(a) is type(b) is Fraction else _mpf(a) - _mpf(b))

    def mul(self, a, b):
        if (type(a) is Fraction and a == 0) or (type(b) is Fraction and b == 0):
            return Fraction(0)
        return self.check(a * b if type(a) is type(b) is Fraction else _mpf(a) * _mpf(b))

    def div(self, a, b):
        if b == 0:
            raise DomainError("a division by 0")
        return self.check(a / b if type(a) is type(b) is Fraction else _mpf(a) / _mpf(b))

    def neg(self, a):
        return -a

    def pow(self, base, exponent):
        from .gates import exact_power

        if base == 0 and exponent < 0:
            raise DomainError("0 to a negative power (a division by 0)")
        if base < 0 and not (type(exponent) is Fraction and exponent.denominator == 1):
            raise DomainError("a power of a negative number with an exponent that is not a "
                              "whole number")
        if type(base) is Fraction and abs(base) > 1 and abs(_mpf(exponent)) * \
                mpmath.log(abs(_mpf(base))) > 700:
            raise SizeError("a magnitude beyond 1e300")
        return self.check(exact_power(base, exponent))

    def call(self, function, arguments):
        u = arguments[0]
        if function == "exp":
            if u == 0:
                return Fraction(1)
            if u > 700:
                raise SizeError("a magnitude beyond 1e300")
            return self.check(mpmath.exp(_mpf(u)))
        if function == "log":
            if u <= 0:
                raise DomainError("the logarithm of 0" if u == 0 else
                                  "the logarithm of a negative number")
            return Fraction(0) if u == 1 else mpmath.log(_mpf(u))
        if function == "sqrt":
            if u < 0:
                raise DomainError("the square root of a negative number")
            return self.pow(u, Fraction(1, 2))
        if function == "tanh":
            return Fraction(0) if u == 0 else mpmath.tanh(_mpf(u))
        if function == "sigmoid":
            return Fraction(1, 2) if u == 0 else 1 / (1 + mpmath.exp(-_mpf(u)))
        if function == "relu":
            return u if u > 0 else Fraction(0)
        if function == "abs":
            return abs(u)
        from .gates import extreme
        best = extreme(arguments, 1 if function == "max" else -1)
        if sum(1 for a in arguments if a == best) > 1:
            self.ties.append((function, best))
        return best


# the reader ---------------------------------------------------------------------------------
def read(reader, default_name: str) -> CircuitProblem:
    """The problem of a spec with ``graph:`` (``reader``: the spec's Reader)."""
    root = reader.source.tree
    reader.mapping(root, (), TOP_KEYS, ("graph",))
    block = reader.mapping(root["graph"], ("graph",), GRAPH_KEYS, GRAPH_KEYS)
    inputs = _inputs(reader, block["inputs"])
    nodes = _nodes(reader, block["nodes"], inputs)
    output = _output(reader, block["output"], inputs, nodes)
    rate = root.get("learning_rate")
    rate = None if rate is None else reader.number(rate, ("learning_rate",))
    if rate is not None and rate <= 0:
        reader.fail(("learning_rate",), "a positive number", str(root["learning_rate"]))
    updated = _updated(reader, root, rate, inputs, nodes)
    relu0 = reader.number(root.get("relu_derivative_at_zero", Number("0")),
                          ("relu_derivative_at_zero",))
    if relu0 not in (0, 1):
        reader.fail(("relu_derivative_at_zero",), "0 or 1",
                    reader.show(root["relu_derivative_at_zero"]))
    tie = reader.choice(root.get("max_at_tie", "split"), ("max_at_tie",), TIES)
    if rate is not None and "lr" in (*inputs, *(n.name for n in nodes)):
        reader.fail(_path_of("lr", inputs), "a name other than lr (the learning rate is "
                    "called lr)", "'lr'")
    variants = root.get("variants") or {}
    if not isinstance(variants, dict):
        reader.fail(("variants",), "a mapping", reader.show(variants))
    problem = CircuitProblem(
        name=reader.text(root.get("name", default_name), ("name",)),
        description=reader.text(root.get("description", ""), ("description",)),
        inputs=inputs, nodes=nodes, output=output, learning_rate=rate, updated=updated,
        relu_derivative_at_zero=relu0, max_at_tie=tie, tie_stated="max_at_tie" in root,
        digits=reader.integer(root.get("digits", Number("4")), ("digits",), 0, 30),
        significant=reader.significant(root), variants=variants,
        source=reader.source.name, origin=reader.source)
    names = {name: name for name in (*inputs, *(n.name for n in nodes))}
    nudges = read_nudges(reader, root.get("nudges"), names)
    problem = CircuitProblem(**{**problem.__dict__, "nudges": nudges})
    check_values(reader, problem)
    return problem


def _path_of(name: str, inputs) -> tuple:
    return ("graph", "inputs" if name in inputs else "nodes", name)


def _name(reader, name, path: tuple, taken) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        reader.fail(path, "a name of letters, digits and _ (starting with a letter or _, at "
                    "most 24 characters)", repr(name))
    if name in GRAPH_FUNCTIONS:
        reader.fail(path, f"a name that is not a function ({', '.join(GRAPH_FUNCTIONS)})",
                    f"'{name}'")
    if name in taken:
        reader.fail(path, "each name once (inputs and nodes share one set of names)",
                    f"'{name}' a second time")
    return name


def _inputs(reader, value) -> dict[str, Fraction]:
    reader.mapping(value, ("graph", "inputs"))
    if not value:
        reader.fail(("graph", "inputs"), "at least one input", "none")
    out: dict[str, Fraction] = {}
    for name, raw in value.items():
        path = ("graph", "inputs", name)
        out[_name(reader, name, path, out)] = reader.number(raw, path)
    return out


def _text(reader, raw, path: tuple) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str):
        reader.fail(path, "an expression such as \"x * y + 1\"", reader.show(raw))
    return str(raw)


def _nodes(reader, value, inputs: dict) -> tuple[Formula, ...]:
    reader.mapping(value, ("graph", "nodes"))
    if not value:
        reader.fail(("graph", "nodes"), "at least one node", "none")
    if len(value) + len(inputs) > MAX_NODES:
        raise LimitError(f"{reader.source.name}: the graph has {len(value) + len(inputs):,} "
                         f"inputs and nodes; the limit is {MAX_NODES:,}")
    parsed: dict[str, tuple] = {}
    texts: dict[str, str] = {}
    for name, raw in value.items():
        path = ("graph", "nodes", name)
        _name(reader, name, path, {**inputs, **parsed})
        text = _text(reader, raw, path)
        try:
            parsed[name] = expressions.parse(text, GRAPH)
        except ParseError as error:
            at = "" if error.at is None else f" at character {error.at + 1}"
            reader.fail(path, f"an expression of the graph grammar ({error}{at})",
                        repr(text if len(text) <= 40 else text[:37] + "..."))
        texts[name] = text
    order = list(parsed)
    for position, name in enumerate(order):
        path = ("graph", "nodes", name)
        for used in expressions.names_in(parsed[name]):
            if used in inputs or (used in parsed and order.index(used) < position):
                continue
            if used == name:
                reader.fail(path, "a formula in inputs and nodes above it", f"'{name}' "
                            "uses itself (a cycle)")
            if used in parsed:
                cycle = _cycle(parsed, used, name)
                if cycle:
                    reader.fail(path, "a formula in inputs and nodes above it (a graph "
                                "without cycles)", "a cycle " + " → ".join(cycle))
                reader.fail(path, "a formula in inputs and nodes above it (nodes are "
                            "computed in the order written)",
                            f"'{used}', which is defined below {name}")
            from .spec import suggest
            known = [*inputs, *order[:position]]
            reader.fail(path, "a formula in inputs and nodes above it",
                        f"the unknown name '{used}'{suggest(used, known)}")
    return tuple(Formula(name, texts[name], parsed[name]) for name in order)


def _cycle(parsed: dict, start: str, goal: str) -> list[str] | None:
    """goal → start → … → goal, when start depends on goal (through any nodes)."""
    stack, seen = [(start, [goal, start])], set()
    while stack:
        name, path = stack.pop()
        for used in expressions.names_in(parsed[name]):
            if used == goal:
                return [*path, goal]
            if used in parsed and used not in seen:
                seen.add(used)
                stack.append((used, [*path, used]))
    return None


def _output(reader, value, inputs: dict, nodes) -> str:
    names = [n.name for n in nodes]
    if not isinstance(value, str) or value not in names:
        from .spec import suggest
        got = reader.show(value)
        if isinstance(value, str) and value in inputs:
            got = f"'{value}', an input"
        elif isinstance(value, str):
            got += suggest(value, names)
        reader.fail(("graph", "output"), "one of the nodes (the scalar that is "
                    "differentiated)", got)
    return value


def _updated(reader, root: dict, rate, inputs: dict, nodes) -> tuple[str, ...]:
    raw = root.get("parameters")
    if raw is None:
        if rate is not None:
            reader.fail(("parameters",), "the inputs the learning rate updates (a list such "
                        "as [x, y])", "nothing")
        return ()
    if rate is None:
        reader.fail(("learning_rate",), "a learning rate for the parameters", "nothing")
    if not isinstance(raw, list) or not raw:
        reader.fail(("parameters",), "a list of inputs such as [x, y]", reader.show(raw))
    out = []
    for index, name in enumerate(raw):
        path = ("parameters", index)
        if not isinstance(name, str) or name not in inputs:
            from .spec import suggest
            got = reader.show(name)
            if isinstance(name, str) and name in {n.name for n in nodes}:
                got = f"'{name}', a node (only inputs are updated)"
            elif isinstance(name, str):
                got += suggest(name, inputs)
            reader.fail(path, f"an input ({', '.join(inputs)})", got)
        if name in out:
            reader.fail(path, "each input once", f"'{name}' a second time")
        out.append(name)
    return tuple(out)


def read_nudges(reader, raw, targets: dict[str, str]) -> tuple[Nudge, ...]:
    """``nudges:`` — a list of one-entry mappings {name: change}; ``targets`` maps every
    name a nudge may use to its canonical name."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        reader.fail(("nudges",), "a list such as [{x: 0.001}]", reader.show(raw))
    out = []
    for index, item in enumerate(raw):
        path = ("nudges", index)
        if not isinstance(item, dict) or len(item) != 1:
            got = f"{len(item)} names" if isinstance(item, dict) else reader.show(item)
            reader.fail(path, "one name and its change, such as {x: 0.001}", got)
        (written, amount), = item.items()
        if written.replace(" ", "") not in targets:
            from .spec import suggest
            reader.fail((*path, written), "a given or a computed value before the loss "
                        "(an input or node of a graph)",
                        f"'{written}'{suggest(written, targets)}")
        change = reader.number(amount, (*path, written))
        if change == 0:
            reader.fail((*path, written), "a change other than 0", reader.show(amount))
        out.append(Nudge(targets[written.replace(" ", "")], change, written))
    return tuple(out)


def values_at(problem: CircuitProblem, inputs: dict, nudge: Nudge | None = None,
              arithmetic: Exact | None = None) -> dict:
    """Every input and node's exact value at ``inputs`` (with ``nudge`` applied): raises
    DomainError or SizeError with the node where it happened as ``error.node``."""
    arithmetic = arithmetic or Exact(problem.relu_derivative_at_zero)
    values = dict(inputs)
    if nudge is not None and nudge.target in values:
        values[nudge.target] += nudge.amount
    with mpmath.workdps(WORK_DPS):
        for node in problem.nodes:
            try:
                values[node.name] = expressions.walk(node.tree, values.__getitem__,
                                                     arithmetic)
            except ArithmeticError as error:
                error.node = node.name
                raise
            if nudge is not None and nudge.target == node.name:
                values[node.name] = arithmetic.add(values[node.name], nudge.amount)
    return values


def check_values(reader, problem: CircuitProblem) -> None:
    """Compute every value at the given point, at each nudged point and after the gradient
    step; refuse undefined values, ties without a stated convention, and values too large
    for exact arithmetic."""
    points = [(problem.inputs, None, "at the given point")]
    points += [(problem.inputs, nudge, f"at nudge {k} ({nudge.written} "
                f"{'-' if nudge.amount < 0 else '+'} {decimal_text(abs(nudge.amount))})")
               for k, nudge in enumerate(problem.nudges, 1)]
    stepped = _stepped(problem)
    if stepped is not None:
        points.append((stepped, None, "after the gradient step"))
    for inputs, nudge, where in points:
        arithmetic = Exact(problem.relu_derivative_at_zero)
        try:
            values_at(problem, inputs, nudge, arithmetic)
        except (DomainError, SizeError) as error:
            path = ("graph", "nodes", error.node)
            if isinstance(error, SizeError):
                reader.fail(path, f"values small enough for exact arithmetic {where} "
                            f"(within ±1e300, {MAX_BITS:,} bits)", str(error))
            reader.fail(path, f"a value defined {where}", str(error))
        if inputs is problem.inputs and nudge is None and arithmetic.ties and \
                not problem.tie_stated:
            function, value = arithmetic.ties[0]
            node = _tied_node(problem, reader)
            reader.fail(("graph", "nodes", node), f"inputs of {function} that differ at "
                        "the given point, or a stated convention (max_at_tie: split or "
                        "first)", f"a tie at {_short(value)}")


def _stepped(problem: CircuitProblem) -> dict | None:
    """The inputs after the gradient step, near enough (the float64 reference's gradients)
    to find a value the step makes undefined."""
    if problem.learning_rate is None:
        return None
    from .backprop_graph import reference

    found = reference(problem)
    out = dict(problem.inputs)
    for name in problem.updated:
        value = found.get(f"next.{name}")
        if value is None or value != value or abs(value) == float("inf"):
            return None  # the exact evaluation reports it
        out[name] = Fraction(value)
    return out


def _tied_node(problem: CircuitProblem, reader) -> str:
    """The first node whose own formula has max or min at a tie."""
    values = dict(problem.inputs)
    for node in problem.nodes:
        arithmetic = Exact(problem.relu_derivative_at_zero)
        with mpmath.workdps(WORK_DPS):
            values[node.name] = expressions.walk(node.tree, values.__getitem__, arithmetic)
        if arithmetic.ties:
            return node.name
    return problem.nodes[0].name


def _short(value) -> str:
    if type(value) is Fraction:
        text = decimal_text(value)
        return text if len(text) <= 20 else mpmath.nstr(_mpf(value), 8)
    return mpmath.nstr(value, 8)


def problem_dict(problem: CircuitProblem) -> dict:
    """The JSON output's "problem" for a computation graph."""
    return {
        "name": problem.name, "kind": "graph",
        "inputs": {name: decimal_text(v) for name, v in problem.inputs.items()},
        "nodes": {node.name: node.text for node in problem.nodes},
        "output": problem.output,
        "learning_rate": None if problem.learning_rate is None
        else decimal_text(problem.learning_rate),
        "parameters": list(problem.updated),
        "nudges": [{nudge.target: decimal_text(nudge.amount)} for nudge in problem.nudges],
        "relu_derivative_at_zero": str(problem.relu_derivative_at_zero),
        "max_at_tie": problem.max_at_tie,
    }
