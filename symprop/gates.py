"""The functions a computation graph may use beyond those of layered networks, as SymPy
functions that know their own derivatives, and as operations of the evaluation kits.

    sigmoid(u)              σ(u) = 1/(1 + e^{−u});  σ'(u) = σ(u)(1 − σ(u))
    maximum(c, a, b, …)     max(a, b, …); its derivative routes to the largest input
    minimum(c, a, b, …)     min(a, b, …); routes to the smallest input
    route(k, c, s, a, b, …) ∂max/∂(input k) (s = 1) or ∂min/∂(input k) (s = −1)
    rpw(b, e)               bᵉ for an exponent that is not a whole number, or a quantity

``c`` is the stated convention at a tie (``TIES``): 0 shares the gradient equally among
the tied inputs (PyTorch's maximum and minimum do this), 1 gives it all to the first
tied input in the order written. ReLU keeps its own convention for ReLU'(0)
(symprop.functions), and |u| uses SymPy's Abs with sign(0) = 0.

The kits (symprop.evaluate, symprop.check.intervals) get these operations from
``exact_kit``, ``fast_kit`` and ``interval_kit``: the same names, so one compiled formula
runs in every arithmetic.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
from sympy import Function, Integer, S, exp
from sympy.core.logic import fuzzy_and

TIES = ("split", "first")  # the convention at a tie of max or min, coded 0 and 1
MAX_WHOLE_POWER = 64  # bⁿ is exact for whole n up to this size; beyond it, mpf


def _numbers(args) -> bool:
    return all(a.is_number and a.is_comparable for a in args)


class sigmoid(Function):  # noqa: N801 (SymPy function classes are lower case)
    """σ(u) = 1/(1 + e^{−u})."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u.is_Number and u.is_zero:  # (no assumption queries: they cost milliseconds)
            return S.Half

    def fdiff(self, argindex=1):
        return self * (1 - self)  # σ'(u) = σ(u)(1 − σ(u))

    # what SymPy would otherwise infer slowly (milliseconds per query): 0 < σ(u) < 1
    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real

    def _eval_is_extended_positive(self):
        return self.args[0].is_extended_real

    def _eval_is_extended_negative(self):
        return False if self.args[0].is_extended_real else None

    def _eval_is_zero(self):
        return False if self.args[0].is_extended_real else None

    def _eval_rewrite_as_exp(self, u, **kwargs):
        return 1 / (1 + exp(-u))


class _Extreme(Function):
    """max (sense 1) or min (sense −1) of the arguments after the convention c."""

    sense = 1

    @classmethod
    def eval(cls, c, *args):
        if len(args) == 1:
            return args[0]
        if _numbers(args):
            return max(args) if cls.sense > 0 else min(args)

    def fdiff(self, argindex=1):
        if argindex == 1:
            return S.Zero
        c, *args = self.args
        return route(Integer(argindex - 2), c, Integer(self.sense), *args)

    def _eval_is_extended_real(self):
        return fuzzy_and(a.is_extended_real for a in self.args[1:])


class maximum(_Extreme):  # noqa: N801
    sense = 1


class minimum(_Extreme):  # noqa: N801
    sense = -1


def _comparable(args) -> list:
    """Values that compare with each other: Fractions as they are, with an mpf among
    them all as mpf (Python cannot order a Fraction and an mpf)."""
    if all(type(a) is Fraction for a in args) or not any(type(a) is Fraction for a in args):
        return list(args)
    return [_mpf(a) for a in args]


def extreme(args, sense):
    """The largest (sense 1) or smallest (−1) of ``args``, as it was given."""
    keys = _comparable(args)
    best = max(keys) if sense > 0 else min(keys)
    return args[keys.index(best)]


def _route(k: int, c, sense, args) -> Fraction:
    """∂max/∂(input k): 1 for the largest input, 0 for the others; at a tie, the stated
    convention (c = 0: shared equally, c = 1: all to the first tied input)."""
    keys = _comparable(args)
    best = max(keys) if sense > 0 else min(keys)
    tied = [i for i, a in enumerate(keys) if a == best]
    if k not in tied:
        return Fraction(0)
    if c == 1:
        return Fraction(1 if k == tied[0] else 0)
    return Fraction(1, len(tied))


class route(Function):  # noqa: N801
    """route(k, c, s, a, b, …): the derivative of max (s = 1) or min (s = −1) by input k."""

    @classmethod
    def eval(cls, k, c, s, *args):
        if _numbers(args):
            value = _route(int(k), int(c), int(s), list(args))
            return Integer(value.numerator) / value.denominator

    def fdiff(self, argindex=1):
        return S.Zero

    def _eval_is_extended_real(self):
        return True

    def _eval_is_extended_negative(self):
        return False


KINKED = (route,)  # functions that jump: no slopes across them (the checker's intervals)


# the exact kit: Fractions while rational, mpf otherwise ---------------------------------
def _mpf(value):
    if type(value) is Fraction:
        return mpmath.mpf(value.numerator) / value.denominator
    return value


def _iroot(n: int, q: int) -> int | None:
    """The whole q-th root of n ≥ 0, or None."""
    if n < 2:
        return n
    root = int(round(n ** (1.0 / q))) if n.bit_length() < 1000 else \
        int(mpmath.nint(mpmath.root(n, q)))
    for candidate in (root - 1, root, root + 1):
        if candidate >= 0 and candidate ** q == n:
            return candidate
    return None


def exact_power(base, exponent):
    """bᵉ exactly where that is rational (4^{1/2} = 2), else in mpf; NaN where it is not a
    real number (a negative base with a fractional exponent) and ∞ for 0 to a negative
    power (a division by 0)."""
    if type(base) is Fraction and type(exponent) is Fraction:
        if exponent.denominator == 1 and abs(exponent) <= MAX_WHOLE_POWER:
            if base == 0 and exponent < 0:
                return mpmath.inf
            return base ** int(exponent)
        if base > 0 and exponent.denominator <= 16:
            p, q = exponent.numerator, exponent.denominator
            top, bottom = _iroot(base.numerator, q), _iroot(base.denominator, q)
            if top is not None and bottom is not None and abs(p) <= MAX_WHOLE_POWER:
                return Fraction(top, bottom) ** p
    if base == 0:
        return Fraction(0) if exponent > 0 else mpmath.inf
    if base < 0:
        whole = type(exponent) is Fraction and exponent.denominator == 1
        if not whole:
            return mpmath.nan  # not a real number
        return mpmath.power(_mpf(base), int(exponent))
    return mpmath.power(_mpf(base), _mpf(exponent))


def real_log(x):
    """ln x for x > 0; NaN (not a real number) for x < 0, −∞ at 0."""
    return mpmath.log(x) if x >= 0 else mpmath.nan


def exact_kit() -> dict:
    def sigmoid_(u):
        if type(u) is Fraction and u == 0:
            return Fraction(1, 2)
        return 1 / (1 + mpmath.exp(-_mpf(u)))

    def route_(k, c, s, *args):
        return _route(int(k), c, s, list(args))

    def sign(u):
        return Fraction((u > 0) - (u < 0))

    return {"sigmoid": sigmoid_, "maximum": lambda c, *args: extreme(args, 1),
            "minimum": lambda c, *args: extreme(args, -1),
            "route": route_, "Abs": abs, "sign": sign, "rpw": exact_power}


# the fast kit: raw mpmath binary floats at a fixed precision ------------------------------
def fast_kit(bits: int) -> dict:
    from mpmath.libmp import (
        fnan,
        fone,
        from_rational,
        mpf_abs,
        mpf_add,
        mpf_cmp,
        mpf_div,
        mpf_exp,
        mpf_neg,
        mpf_pow,
        mpf_sign,
    )
    from mpmath.libmp import round_nearest as nearest

    def raw(x):
        return from_rational(x.numerator, x.denominator, bits, nearest) \
            if type(x) is Fraction else x

    def sign(u) -> int:
        return (u > 0) - (u < 0) if type(u) is Fraction else mpf_sign(u)

    def compare(a, b) -> int:
        if type(a) is Fraction and type(b) is Fraction:
            return (a > b) - (a < b)
        return mpf_cmp(raw(a), raw(b))

    def sigmoid_(u):
        if type(u) is Fraction and u == 0:
            return Fraction(1, 2)
        return mpf_div(fone, mpf_add(fone, mpf_exp(mpf_neg(raw(u)), bits, nearest), bits,
                                     nearest), bits, nearest)

    def extreme(sense):
        def apply(c, *args):
            best = args[0]
            for a in args[1:]:
                if sense * compare(a, best) > 0:
                    best = a
            return best
        return apply

    def route_(k, c, s, *args):
        best = extreme(int(s))(c, *args)
        tied = [i for i, a in enumerate(args) if compare(a, best) == 0]
        k = int(k)
        if k not in tied:
            return Fraction(0)
        if c == 1:
            return Fraction(1 if k == tied[0] else 0)
        return Fraction(1, len(tied))

    def absolute(u):
        return abs(u) if type(u) is Fraction else mpf_abs(u)

    def power(base, exponent):
        if type(base) is Fraction and type(exponent) is Fraction:
            value = exact_power(base, exponent)
            if type(value) is Fraction:
                return value
        if sign(base) <= 0:
            value = exact_power(base if type(base) is Fraction else mpmath.mpf(base),
                                exponent if type(exponent) is Fraction else
                                mpmath.mpf(exponent))
            return value if type(value) is Fraction else mpmath.mpf(value)._mpf_
        try:
            return mpf_pow(raw(base), raw(exponent), bits, nearest)
        except (ValueError, ArithmeticError):
            return fnan

    return {"sigmoid": sigmoid_, "maximum": extreme(1), "minimum": extreme(-1),
            "route": route_, "Abs": absolute, "sign": lambda u: Fraction(sign(u)),
            "rpw": power}


# the interval kit: (low, high) floats, rounded outwards ---------------------------------
def _down(x: float) -> float:
    return math.nextafter(x, -math.inf)


def _up(x: float) -> float:
    return math.nextafter(x, math.inf)


def interval_kit() -> dict:
    def sigmoid_(u):
        def f(x):
            if x >= 0:
                return 1 / (1 + math.exp(-x))
            try:
                return math.exp(x) / (1 + math.exp(x))
            except OverflowError:
                return 0.0
        return (max(0.0, _down(_down(f(u[0])))), min(1.0, _up(_up(f(u[1])))))

    def extreme(sense):
        def apply(c, *args):
            pick = max if sense > 0 else min
            return (pick(a[0] for a in args), pick(a[1] for a in args))
        return apply

    def route_(k, c, s, *args):
        k, sense = int(k[0]), int(s[0])
        mine = args[k]
        others = [a for i, a in enumerate(args) if i != k]
        if sense > 0:
            surely = all(mine[0] > o[1] for o in others)
            never = any(mine[1] < o[0] for o in others)
        else:
            surely = all(mine[1] < o[0] for o in others)
            never = any(mine[0] > o[1] for o in others)
        return (1.0, 1.0) if surely else (0.0, 0.0) if never else (0.0, 1.0)

    def absolute(u):
        low, high = u
        if low >= 0:
            return u
        if high <= 0:
            return (-high, -low)
        return (0.0, max(-low, high))

    def sign(u):
        values = ([1.0] if u[1] > 0 else []) + ([-1.0] if u[0] < 0 else []) + \
            ([0.0] if u[0] <= 0 <= u[1] else [])
        return (min(values), max(values))

    def power(base, exponent):
        if base[0] <= 0:
            return (-math.inf, math.inf)
        corners = []
        for b in base:
            for e in exponent:
                try:
                    corners.append(b ** e)
                except OverflowError:
                    corners.append(math.inf)
        return (_down(_down(min(corners))), _up(_up(max(corners))))

    return {"sigmoid": sigmoid_, "maximum": extreme(1), "minimum": extreme(-1),
            "route": route_, "Abs": absolute, "sign": sign, "rpw": power}
