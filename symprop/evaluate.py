"""Evaluate the graph with numbers: exactly, or the way a person with a calculator does.

The local formulas are compiled once per graph into small Python functions (no SymPy at
evaluation time). Values are exact rationals (Fraction) for as long as the arithmetic
stays rational and high-precision mpf once an exponential or logarithm enters. The exact
mode checks itself at a second precision and raises the precision until every value is
stable, so a value like 1 − σ(1000) is computed, not lost to cancellation.

Carry mode rounds every computed value (half up, on its exact value) before any later
line uses it, as seed 004 does by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import mpmath

from .decimals import places_for, round_half_up, to_fraction
from .errors import EvaluationError
from .graph import Graph

START_DPS = 60
MAX_DPS = 2400
STABLE_DIGITS = 40  # every value must agree to this many digits at two precisions


def python_source(expr, names: dict) -> str:
    """Python source for a local formula; every operation is a call into the kit, so the
    kit alone decides the arithmetic (exact rationals, mpf, or intervals)."""
    if expr.is_Symbol:
        return names[expr]
    if expr.is_Rational:
        return f"Q({expr.p}, {expr.q})"
    if expr.is_Add or expr.is_Mul:
        parts = ", ".join(python_source(arg, names) for arg in expr.args)
        return f"{'add' if expr.is_Add else 'mul'}({parts})"
    if expr.is_Pow:
        if expr.exp.is_Rational and expr.exp.q == 2 and abs(expr.exp.p) == 1:  # Adam's √v̂
            root = f"sqrt({python_source(expr.base, names)})"
            return root if expr.exp.p == 1 else f"pw({root}, -1)"
        if not expr.exp.is_Integer:
            raise ValueError(f"no kit operation for {expr}")
        return f"pw({python_source(expr.base, names)}, {int(expr.exp)})"
    if expr.is_Function:
        name = type(expr).__name__
        return f"{name}({', '.join(python_source(arg, names) for arg in expr.args)})"
    raise ValueError(f"no kit operation for {type(expr).__name__}")


def _mpf(value):
    if type(value) is Fraction:
        return mpmath.mpf(value.numerator) / value.denominator
    return value


def _add(*terms):
    if all(type(t) is Fraction for t in terms):
        return sum(terms[1:], terms[0])
    return mpmath.fsum(_mpf(t) for t in terms)


def _mul(*factors):
    if any(type(f) is Fraction and f == 0 for f in factors):
        return Fraction(0)  # an exact zero stays exact: 0 · anything finite
    if all(type(f) is Fraction for f in factors):
        product = factors[0]
        for factor in factors[1:]:
            product *= factor
        return product
    return mpmath.fprod(_mpf(f) for f in factors)


def _pow(base, exponent: int):
    if base == 0 and exponent < 0:
        return mpmath.inf  # a division by 0: evaluate() retries at a higher precision
    return base ** exponent if type(base) is Fraction else _mpf(base) ** exponent


def _exact_or(function, exact_at, exact_value):
    def apply(value):
        return Fraction(exact_value) if value == exact_at else function(_mpf(value))
    return apply


def _sqrt(value):
    """√x, exact for the square of a rational (Adam's √v̂ at step 1 is |∂L/∂θ|); NaN for
    x < 0, which no valid optimiser state reaches."""
    if type(value) is Fraction:
        if value < 0:
            return mpmath.nan
        top, bottom = math.isqrt(value.numerator), math.isqrt(value.denominator)
        if top * top == value.numerator and bottom * bottom == value.denominator:
            return Fraction(top, bottom)
    value = _mpf(value)
    return mpmath.sqrt(value) if value >= 0 else mpmath.nan


def _relu(z, c):
    return z if z > 0 else Fraction(0)


def _relu_step(z, c):
    return Fraction(1) if z > 0 else (Fraction(0) if z < 0 else c)


def _leaky(z, alpha, c):
    return z if z > 0 else _mul(alpha, z)


def _leaky_step(z, alpha, c):
    return Fraction(1) if z > 0 else (alpha if z < 0 else (Fraction(1) if c == 1 else alpha))


EXACT_KIT = {
    "Q": Fraction, "add": _add, "mul": _mul, "pw": _pow,
    "exp": _exact_or(mpmath.exp, 0, 1),
    "log": _exact_or(mpmath.log, 1, 0),
    "tanh": _exact_or(mpmath.tanh, 0, 0),
    "relu": _relu, "relu_step": _relu_step,
    "leaky_relu": _leaky, "leaky_relu_step": _leaky_step, "sqrt": _sqrt,
}


def fast_kit(bits: int) -> dict:
    """The exact kit's arithmetic on mpmath's raw binary floats at ``bits`` of precision:
    rationals stay Fractions while the arithmetic allows, the rest skips mpf objects
    (2–3 times faster than EXACT_KIT, which walks the same formulas). Values are raw
    tuples until ``_walk`` wraps them as mpf."""
    from functools import lru_cache

    from mpmath.libmp import (
        fone,
        from_rational,
        fzero,
        mpf_add,
        mpf_div,
        mpf_exp,
        mpf_log,
        mpf_mul,
        mpf_pow_int,
        mpf_sign,
        mpf_sqrt,
        mpf_tanh,
    )
    from mpmath.libmp import round_nearest as nearest

    rational = Fraction

    @lru_cache(maxsize=4096)
    def convert(num: int, den: int):
        return from_rational(num, den, bits, nearest)

    def raw(x):
        return convert(x.numerator, x.denominator) if type(x) is rational else x

    def add(*terms):
        if all(type(t) is rational for t in terms):
            return sum(terms[1:], terms[0])
        total = fzero
        for t in terms:
            total = mpf_add(total, raw(t), bits, nearest)
        return total

    def mul(*factors):
        exact = True
        for f in factors:
            if type(f) is rational:
                if not f:
                    return rational(0)  # an exact zero stays exact
            else:
                exact = False
        if exact:
            product = factors[0]
            for f in factors[1:]:
                product *= f
            return product
        product = fone
        for f in factors:
            product = mpf_mul(product, raw(f), bits, nearest)
        return product

    def power(base, exponent: int):
        if type(base) is rational:
            if base == 0 and exponent < 0:
                raise ZeroDivisionError
            return base ** exponent
        if exponent < 0:
            return mpf_div(fone, mpf_pow_int(base, -exponent, bits + 20, nearest), bits,
                           nearest)
        return mpf_pow_int(base, exponent, bits, nearest)

    def unary(function, exact_at, exact_value):
        def apply(x):
            if type(x) is rational and x == exact_at:
                return rational(exact_value)
            return function(raw(x), bits, nearest)
        return apply

    def sign(z) -> int:
        return (z > 0) - (z < 0) if type(z) is rational else mpf_sign(z)

    def relu(z, c):
        return z if sign(z) > 0 else rational(0)

    def relu_step(z, c):
        s = sign(z)
        return rational(1) if s > 0 else (rational(0) if s < 0 else c)

    def leaky(z, alpha, c):
        return z if sign(z) > 0 else mul(alpha, z)

    def leaky_step(z, alpha, c):
        s = sign(z)
        return rational(1) if s > 0 else (alpha if s < 0 else (rational(1) if c == 1
                                                               else alpha))

    def root(x):  # √x: an exact square root stays exact
        if type(x) is rational:
            exact = _sqrt(x)
            if type(exact) is rational:
                return exact
        return mpf_sqrt(raw(x), bits, nearest)

    return {"Q": rational, "add": add, "mul": mul, "pw": power,
            "exp": unary(mpf_exp, 0, 1), "log": unary(mpf_log, 1, 0),
            "tanh": unary(mpf_tanh, 0, 0), "relu": relu, "relu_step": relu_step,
            "leaky_relu": leaky, "leaky_relu_step": leaky_step, "sqrt": root}


class Program:
    """The graph compiled: one Python function per node, taking its parents' values."""

    def __init__(self, graph: Graph, kit: dict | None = None):
        self.graph = graph
        self.names = list(graph.nodes)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.parents = [tuple(self.index[p] for p in node.parents) for node in graph]
        self.givens = [i for i, node in enumerate(graph) if node.formula is None]
        self.sources: list[str | None] = []
        code = []
        for i, node in enumerate(graph):
            if node.formula is None:
                self.sources.append(None)
                continue
            names = {graph.nodes[p].symbol: f"p{k}" for k, p in enumerate(node.parents)}
            body = python_source(node.formula, names)
            args = ", ".join(f"p{k}" for k in range(len(node.parents)))
            self.sources.append(body)
            code.append(f"def f{i}({args}):\n    return {body}\n")
        self.kit = dict(kit or EXACT_KIT)
        namespace = dict(self.kit)
        exec(compile("".join(code), "<symprop graph>", "exec"), namespace)  # noqa: S102
        self.functions = [namespace.get(f"f{i}") for i in range(len(self.names))]

    def given_values(self, problem) -> list:
        """The problem's givens as exact Fractions, in node order."""
        values = {}
        batch = len(problem.data) > 1
        for n, example in enumerate(problem.data, 1):
            prefix = f"ex{n}." if batch else ""
            for kind, numbers in (("x", example.x), ("y", example.y)):
                for i, v in enumerate(numbers, 1):
                    values[f"{prefix}{kind}[{i}]"] = v
        values.update(problem.parameters)
        if problem.learning_rate is not None:
            values["lr"] = problem.learning_rate
        values.update(problem.extra_givens())  # optimiser, its state before step 1, λ
        return [Fraction(values[self.names[i]]) for i in self.givens]

    def run(self, givens: list, rounding: Callable | None = None,
            overrides: dict[int, object] | None = None) -> tuple[list, list]:
        """Every node's value. With ``rounding``, each computed value is rounded before
        later lines use it; returns (values used downstream, values before rounding)."""
        values = [None] * len(self.names)
        for i, value in zip(self.givens, givens, strict=True):
            values[i] = value
        raw = list(values)
        functions, parents = self.functions, self.parents
        for i, function in enumerate(functions):
            if function is None:
                continue
            if overrides and i in overrides:
                raw[i] = values[i] = overrides[i]
                continue
            raw[i] = value = function(*[values[p] for p in parents[i]])
            values[i] = rounding(value) if rounding else value
        return values, raw


def finite(value) -> bool:
    return type(value) is Fraction or bool(mpmath.isfinite(value))


def is_exact(value) -> bool:
    return type(value) is Fraction


class Values:
    """Exact (or stable high-precision) values of every node, by canonical name."""

    def __init__(self, program: Program, values: list, dps: int):
        self.program, self.list, self.dps = program, values, dps

    def __getitem__(self, name: str):
        return self.list[self.program.index[self.program.graph.resolve(name)]]

    def items(self):
        return zip(self.program.names, self.list, strict=True)

    def fraction(self, name: str) -> Fraction:
        return to_fraction(self[name])

    def float(self, name: str) -> float:
        """The value in float64; ±inf where it lies beyond float64's range."""
        return float(self[name])


def evaluate(program: Program, givens: list, overrides: dict | None = None) -> Values:
    """Exact values, at a precision at which every value is stable to STABLE_DIGITS."""
    dps = START_DPS
    while True:
        with mpmath.workdps(dps):
            first, _ = program.run(givens, overrides=overrides)
        with mpmath.workdps(dps + 30):
            second, _ = program.run(givens, overrides=overrides)
        bad = _first_unstable(first, second, dps)
        if bad is None:
            return Values(program, second, dps + 30)
        if dps >= MAX_DPS:
            name = program.names[bad]
            raise EvaluationError(
                f"{name}: has no finite value at the given point "
                f"({_why(program, bad, second)}; tried {MAX_DPS} digits)")
        dps *= 2


def _first_unstable(first: list, second: list, dps: int) -> int | None:
    floor = mpmath.mpf(10) ** -(dps - 10)
    for i, (a, b) in enumerate(zip(first, second, strict=True)):
        if is_exact(a) and is_exact(b):
            continue
        if not (finite(a) and finite(b)):
            return i
        with mpmath.workdps(dps + 30):
            gap = abs(_mpf(a) - _mpf(b))
            if gap > mpmath.mpf(10) ** -STABLE_DIGITS * abs(_mpf(b)) + floor:
                return i
    return None


def _why(program: Program, index: int, values: list) -> str:
    source = program.sources[index] or ""
    if "log" in source:
        return "a logarithm of 0"
    if "/" in source:
        return "a division by 0"
    return "an overflow"


def carry(program: Program, givens: list, decimals: int | None = None,
          significant: int | None = None) -> tuple[list, list]:
    """Hand-style values: each computed value rounded before it is used again."""

    def rounding(value):
        if not finite(value):
            return value
        return round_half_up(value, places_for(value, decimals, significant))

    with mpmath.workdps(START_DPS):
        return program.run(givens, rounding)
