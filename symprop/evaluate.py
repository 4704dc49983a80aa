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
from functools import lru_cache

import mpmath
from mpmath.libmp import from_rational, fzero, mpf_add, mpf_neg, round_nearest
from sympy import E

from . import gates
from .decimals import extreme, places_for, round_half_up, to_fraction
from .errors import EvaluationError
from .graph import Graph

FRACTION_BITS = 1024  # an exact value needing more bits (numerator + denominator) is carried
# as an mpf from then on: the digits of exact values triple with every SGD step of a
# linear network, and a 1-1-1 identity chain needs 8 steps to reach 4,300 digits
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
        if expr.exp.is_Rational and expr.exp.q == 2 and abs(expr.exp.p) == 1:  # √u, Adam's √v̂
            root = f"sqrt({python_source(expr.base, names)})"
            return root if expr.exp.p == 1 else f"pw({root}, -1)"
        if not expr.exp.is_Integer:  # a root, or a quantity as the exponent
            return f"rpw({python_source(expr.base, names)}, {python_source(expr.exp, names)})"
        return f"pw({python_source(expr.base, names)}, {int(expr.exp)})"
    if expr == E:  # exp(1), which SymPy writes as the constant E
        return "exp(Q(1, 1))"
    if expr.is_Function:
        name = type(expr).__name__
        return f"{name}({', '.join(python_source(arg, names) for arg in expr.args)})"
    raise ValueError(f"no kit operation for {type(expr).__name__}")


def _mpf(value):
    if type(value) is Fraction:
        return mpmath.mp.make_mpf(from_rational(value.numerator, value.denominator,
                                                mpmath.mp.prec, round_nearest))
    return value


def _small(value: Fraction) -> bool:
    return value.numerator.bit_length() + value.denominator.bit_length() <= FRACTION_BITS


def _exact(value: Fraction):
    """An exact result, kept while it is small; past FRACTION_BITS, an mpf from then on."""
    return value if _small(value) else _mpf(value)


class Near(mpmath.mpf):
    """c + r: an exact rational c and an mpf residual r smaller than it (|r| < |c|/2).

    σ(1000) = 1 − 5.08·10⁻⁴³⁵ is Near(1, −5.08·10⁻⁴³⁵), so 1 − σ(1000), y − ŷ and 1 − a²
    cancel exactly in c and keep every digit of r, at any magnitude (1 − σ(10⁶) as well),
    where one mpf of any affordable precision rounds r away. As an mpf it is c + r at the
    working precision, so every consumer of mpf values can use it; +, − and unary −
    keep the split."""

    __slots__ = ("c", "r")

    def __reduce__(self):
        return _near, (self.c, self.r, self._mpf_)

    def __add__(self, other):
        operand = _operand(other)
        return _add(self, operand) if operand is not None else NotImplemented

    __radd__ = __add__

    def __sub__(self, other):
        other = _operand(other)
        return _add(self, _negate(other)) if other is not None else NotImplemented

    def __rsub__(self, other):
        other = _operand(other)
        return _add(other, _negate(self)) if other is not None else NotImplemented

    def __neg__(self):
        return _negate(self)


def _near(c: Fraction, r, raw=None) -> Near:
    near = mpmath.mpf.__new__(Near)
    near._mpf_ = raw if raw is not None else mpf_add(
        from_rational(c.numerator, c.denominator, mpmath.mp.prec, round_nearest), r._mpf_,
        mpmath.mp.prec, round_nearest)
    near.c, near.r = c, r
    return near


def _operand(value):
    """A value the kit's + and − take (int, Fraction, mpf, Near); None for others."""
    if type(value) is int:
        return Fraction(value)
    return value if isinstance(value, Fraction | mpmath.mpf) else None


def _negate(value):
    if type(value) is Near:
        return _near(-value.c, -value.r, mpf_neg(value._mpf_))
    return -value


def _magnitude(value: Fraction) -> int:
    """|value| lies between 2^(m − 1) and 2^(m + 1)."""
    return value.numerator.bit_length() - value.denominator.bit_length()


def _split(c: Fraction, r):
    """c + r in its faithful form: c + r as one mpf once r is not small beside c (one bit
    at most is lost by the rounding), else Near(c, r)."""
    if r is None:
        return _exact(c)
    if not c:
        return r
    raw = r._mpf_ if isinstance(r, mpmath.mpf) else None
    if raw is None or not _small(c) or (raw[1] == 0 and raw != fzero) or \
            (raw[1] and raw[2] + raw[3] > _magnitude(c) - 2):
        return mpmath.fsum((_mpf(c), r))
    return _near(c, r)


def _add(*terms):
    if all(type(t) is Fraction for t in terms):
        return _exact(sum(terms[1:], terms[0]))
    exact, rest = Fraction(0), []
    for t in terms:
        kind = type(t)
        if kind is Fraction:
            exact += t
        elif kind is Near:
            exact += t.c
            rest.append(t.r)
        else:
            rest.append(t)
    return _split(exact, mpmath.fsum(rest))


def _mul(*factors):
    exact = True
    for f in factors:
        if type(f) is Fraction:
            if not f.numerator:
                return Fraction(0)  # an exact zero stays exact: 0 · anything finite
        else:
            exact = False
    if exact:
        product = factors[0]
        for factor in factors[1:]:
            product *= factor
        return _exact(product)
    if any(type(f) is not Fraction and type(f) is not Near for f in factors):
        return mpmath.fprod(_mpf(f) for f in factors)
    c, r = Fraction(1), None  # (c + r)(c' + r') = cc' + (cr' + c'r + rr')
    for f in factors:
        if type(f) is Fraction:
            c, r = c * f, None if r is None else r * _mpf(f)
        else:
            terms = [_mpf(c) * f.r] + ([] if r is None else [r * _mpf(f.c), r * f.r])
            c, r = c * f.c, mpmath.fsum(terms)
    return _split(c, r)


def _pow(base, exponent: int):
    if base == 0 and exponent < 0:
        return mpmath.inf  # a division by 0: evaluate() retries at a higher precision
    kind = type(base)
    if kind is Fraction:
        return _exact(base ** exponent)
    if kind is Near:
        if exponent < 0:  # 1/(c + r) = 1/c − r/(c(c + r))
            inverse = _split(1 / base.c, -base.r / (_mpf(base.c) * base))
            return inverse if exponent == -1 else _pow(inverse, -exponent)
        return _mul(*[base] * exponent) if exponent <= 4 else mpmath.mpf(base) ** exponent
    return base ** exponent


def _log(value):
    """log(c + r) = log c + log1p(r/c): log(1 − σ(z)) keeps its digits however large z is."""
    if type(value) is Near:
        c = _mpf(value.c)
        ratio = value.r / c
        return mpmath.log1p(ratio) if value.c == 1 else mpmath.log(c) + mpmath.log1p(ratio)
    if value == 1:
        return Fraction(0)
    return gates.real_log(_mpf(value))  # a graph may take ln of a negative number: NaN


def _tanh(value):
    """tanh z = ±(1 − 2/(e^{2|z|} + 1)): for |z| ≥ 1 the gap to ±1 is kept as a residual,
    so 1 − tanh²(z) keeps its digits (tanh′(40) ≈ 7·10⁻³⁵ and tanh′(10⁴) alike)."""
    if type(value) is Fraction and value == 0:
        return Fraction(0)
    z = _mpf(value)
    if abs(z) < 1 or not mpmath.isfinite(z):
        return mpmath.tanh(z)
    sign = 1 if z > 0 else -1
    return _split(Fraction(sign), -sign * 2 / (mpmath.exp(2 * abs(z)) + 1))


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


@lru_cache(maxsize=8192)
def _exp_raw(raw: tuple, prec: int):
    return mpmath.libmp.mpf_exp(raw, prec, round_nearest)


def _exp(value):
    """e^value; e⁰ = 1 exactly for an exact 0. Cached by value and precision: a softmax
    layer of K outputs writes Σₖ e^{zₖ} into each of its K formulas (100 outputs: 10,000
    exponentials per walk, 15 s, instead of 100)."""
    if type(value) is Fraction and value == 0:
        return Fraction(1)
    x = _mpf(value)
    if not isinstance(x, mpmath.mpf):
        return mpmath.exp(x)
    prec = mpmath.mp.prec
    return mpmath.mp.make_mpf(_exp_raw(x._mpf_, prec))


EXACT_KIT = {
    "Q": Fraction, "add": _add, "mul": _mul, "pw": _pow,
    "exp": _exp, "log": _log, "tanh": _tanh,
    "relu": _relu, "relu_step": _relu_step,
    "leaky_relu": _leaky, "leaky_relu_step": _leaky_step, "sqrt": _sqrt,
    **gates.exact_kit(),  # computation graphs: σ, max, min, |u|, non-whole powers
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

    def budget(x: Fraction):  # past FRACTION_BITS, a raw binary float, as _exact does
        return x if _small(x) else from_rational(x.numerator, x.denominator, bits, nearest)

    def add(*terms):
        if all(type(t) is rational for t in terms):
            return budget(sum(terms[1:], terms[0]))
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
            return budget(product)
        product = fone
        for f in factors:
            product = mpf_mul(product, raw(f), bits, nearest)
        return product

    def power(base, exponent: int):
        if type(base) is rational:
            if base == 0 and exponent < 0:
                raise ZeroDivisionError
            return budget(base ** exponent)
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
            "leaky_relu": leaky, "leaky_relu_step": leaky_step, "sqrt": root,
            **gates.fast_kit(bits)}


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
    """Exact (or stable high-precision) values of every node, by canonical name.

    Precision, stated per value (``precision``): a Fraction is exact; any other value
    agreed with a run 30 digits finer to STABLE_DIGITS significant digits, except those in
    ``absolute``: values that stayed 0, or kept changing below 10⁻⁽ᵏ⁾ of their operands,
    at MAX_DPS digits, which are known only to |error| < 10⁻ᵏ (index → k)."""

    def __init__(self, program: Program, values: list, dps: int,
                 absolute: dict[int, int] | None = None):
        self.program, self.list, self.dps = program, values, dps
        self.absolute = absolute or {}

    def __getitem__(self, name: str):
        return self.list[self.program.index[self.program.graph.resolve(name)]]

    def items(self):
        return zip(self.program.names, self.list, strict=True)

    def fraction(self, name: str) -> Fraction:
        return to_fraction(self[name])

    def float(self, name: str) -> float:
        """The value in float64; ±inf where it lies beyond float64's range."""
        return float(self[name])

    def precision(self, name: str) -> tuple[str, int | None]:
        """('exact', None), ('relative', significant digits) or ('absolute', k) for an
        error below 10⁻ᵏ."""
        index = self.program.index[self.program.graph.resolve(name)]
        if is_exact(self.list[index]):
            return "exact", None
        if index in self.absolute:
            return "absolute", self.absolute[index]
        return "relative", STABLE_DIGITS


def evaluate(program: Program, givens: list, overrides: dict | None = None,
             absolute_from: int = MAX_DPS) -> Values:
    """Exact values, at a precision at which every value is stable to STABLE_DIGITS
    significant digits; the precision doubles from START_DPS up to MAX_DPS digits. From
    ``absolute_from`` digits on, a value that is 0 or noise below the rounding error of
    its operands is accepted with that absolute bound (the proof's random points, whose
    values are never shown, take it at once)."""
    dps = START_DPS
    while True:
        with mpmath.workdps(dps):
            first, _ = program.run(givens, overrides=overrides)
        with mpmath.workdps(dps + 30):
            second, _ = program.run(givens, overrides=overrides)
        bad, absolute = _unstable(program, first, second, dps, dps >= absolute_from)
        final = dps >= MAX_DPS
        if bad is None:
            return Values(program, second, dps + 30, absolute)
        if final:
            name = program.names[bad]
            raise EvaluationError(
                f"{name}: has no finite value at the given point "
                f"({_why(program, bad, second)}; tried {MAX_DPS} digits)")
        # a value at the rounding noise of the working precision is a 0 or a value hidden
        # by cancellation: only MAX_DPS can tell, so go there at once (a symmetric
        # network's zeros cost one walk at 2,400 digits instead of five on the way)
        dps = MAX_DPS if _noise(program, second, bad, dps) else min(2 * dps, MAX_DPS)


def _unstable(program: Program, first: list, second: list, dps: int,
              floor: bool) -> tuple[int | None, dict[int, int]]:
    """The first value that did not agree to STABLE_DIGITS significant digits at two
    precisions (relative at every magnitude: 10⁻⁴³⁵ as well as 10⁴³⁵), and, with
    ``floor``, the values accepted on an absolute bound instead (index → k, for 10⁻ᵏ)."""
    absolute = {}
    with mpmath.workdps(dps + 30):
        tolerance = mpmath.mpf(10) ** -STABLE_DIGITS
        for i, (a, b) in enumerate(zip(first, second, strict=True)):
            if type(a) is Fraction and type(b) is Fraction:
                continue
            if not (finite(a) and finite(b)):
                return i, absolute
            if _agree(a, b, tolerance):
                continue
            if not floor:
                return i, absolute
            # at MAX_DPS: a value that is 0, or noise below the rounding error of its
            # operands, is known to that error and no better (a symmetric network's
            # W·a₁ − W·a₂ is 0; 1 − σ(10⁴) by softmax is below 10⁻²⁴⁰⁰ of its operands)
            scale = max([mpmath.mpf(1)] + [abs(_mpf(second[p])) for p in program.parents[i]
                                           if finite(second[p])])
            places = dps - 10 - int(mpmath.log10(scale))
            if abs(_mpf(a) - _mpf(b)) > mpmath.mpf(10) ** -places or \
                    abs(_mpf(b)) > mpmath.mpf(10) ** -places:
                return i, absolute
            absolute[i] = places
    return None, absolute


def _noise(program: Program, values: list, index: int, dps: int) -> bool:
    """Whether the value lies below the rounding error of its operands at ``dps``."""
    value = values[index]
    if not finite(value):
        return False
    with mpmath.workdps(dps + 30):
        scale = max([mpmath.mpf(1)] + [abs(_mpf(values[p])) for p in program.parents[index]
                                       if finite(values[p])])
        return abs(_mpf(value)) <= scale * mpmath.mpf(10) ** -(dps - 10)


def _agree(a, b, tolerance) -> bool:
    """|a − b| ≤ tolerance · |b| with b ≠ 0. Two Nears agree if their residuals do: the
    digits that 1 − ŷ exposes are then checked too."""
    if type(a) is Near and type(b) is Near and a.c == b.c and (a.r or b.r) and \
            _agree(a.r, b.r, tolerance):
        return True
    b_value = _mpf(b)
    if not b_value:
        return False  # an inexact 0 is no answer yet: 1 − σ(1000) rounds to 0 at 60 digits
    return abs(_mpf(a) - b_value) <= tolerance * abs(b_value)


def _why(program: Program, index: int, values: list) -> str:
    source = program.sources[index] or ""
    if "log" in source:
        return "a logarithm of 0"
    if ", -" in source:
        return "a division by 0"
    return "an overflow"


def carry(program: Program, givens: list, decimals: int | None = None,
          significant: int | None = None) -> tuple[list, list]:
    """Hand-style values: each computed value rounded before it is used again."""

    def rounding(value):  # a calculator cannot hold e^{±10⁶}: such values stay as they are
        if not finite(value) or extreme(value):
            return value
        return round_half_up(value, places_for(value, decimals, significant))

    with mpmath.workdps(START_DPS):
        return program.run(givens, rounding)
