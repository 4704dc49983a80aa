"""SymPy functions for the kinks: ReLU and leaky ReLU with a stated derivative at 0.

``c`` is the convention for the derivative at z = 0 (0 or 1); ``alpha`` is the leaky slope.
Each function evaluates itself at numbers and knows its own derivative, so ``diff`` of a
composed loss and the chain rule agree even at a kink.
"""

from __future__ import annotations

from sympy import Function, S


def _sign(z):
    """1, -1 or 0 when SymPy can decide the sign of ``z``; None otherwise."""
    if z.is_positive:
        return 1
    if z.is_negative:
        return -1
    if z.is_zero:
        return 0
    return None


class relu(Function):  # noqa: N801 (SymPy function classes are lower case)
    """relu(z, c) = max(0, z); c only matters to the derivative."""

    nargs = 2

    @classmethod
    def eval(cls, z, c):
        sign = _sign(z)
        if sign is not None:
            return z if sign > 0 else S.Zero

    def fdiff(self, argindex=1):
        if argindex == 1:
            return relu_step(*self.args)
        return S.Zero


class relu_step(Function):  # noqa: N801
    """relu'(z) = 1 for z > 0, 0 for z < 0, and c at z = 0."""

    nargs = 2

    @classmethod
    def eval(cls, z, c):
        sign = _sign(z)
        if sign is not None:
            return {1: S.One, -1: S.Zero, 0: c}[sign]

    def fdiff(self, argindex=1):
        return S.Zero


class leaky_relu(Function):  # noqa: N801
    """leaky_relu(z, alpha, c) = z for z > 0, alpha·z otherwise."""

    nargs = 3

    @classmethod
    def eval(cls, z, alpha, c):
        sign = _sign(z)
        if sign is not None:
            return z if sign > 0 else alpha * z

    def fdiff(self, argindex=1):
        if argindex == 1:
            return leaky_relu_step(*self.args)
        return S.Zero


class leaky_relu_step(Function):  # noqa: N801
    """leaky_relu'(z) = 1 for z > 0, alpha for z < 0, and 1 or alpha at 0 (c = 1 or 0)."""

    nargs = 3

    @classmethod
    def eval(cls, z, alpha, c):
        sign = _sign(z)
        if sign is not None:
            return {1: S.One, -1: alpha, 0: S.One if c == 1 else alpha}[sign]

    def fdiff(self, argindex=1):
        return S.Zero
