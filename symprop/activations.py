"""Each activation as one record: its function, its local derivative, and how it is named.

The derivative is written the way a textbook writes it, in terms of the quantities already
computed: σ'(z) = a(1 − a) and tanh'(z) = 1 − a² use the activation a; ReLU'(z) uses z.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sympy import Expr, Rational, exp, tanh

from .functions import leaky_relu, leaky_relu_step, relu, relu_step


@dataclass(frozen=True)
class Activation:
    name: str
    forward: Callable[..., Expr]  # (z, alpha, c) → a
    slope: Callable[..., Expr] | None  # (z, a, alpha, c) → da/dz; None for identity
    slope_uses: str  # 'a' or 'z': which quantity the textbook slope is written in
    elementwise: bool = True


def _identity(z, alpha, c):
    return z


KINKED = ("relu", "leaky_relu")  # activations whose derivative jumps at z = 0

ACTIVATIONS = {
    "identity": Activation("identity", _identity, None, "z"),
    "sigmoid": Activation("sigmoid", lambda z, alpha, c: 1 / (1 + exp(-z)),
                          lambda z, a, alpha, c: a * (1 - a), "a"),
    "tanh": Activation("tanh", lambda z, alpha, c: tanh(z),
                       lambda z, a, alpha, c: 1 - a**2, "a"),
    "relu": Activation("relu", lambda z, alpha, c: relu(z, c),
                       lambda z, a, alpha, c: relu_step(z, c), "z"),
    "leaky_relu": Activation("leaky_relu", lambda z, alpha, c: leaky_relu(z, alpha, c),
                             lambda z, a, alpha, c: leaky_relu_step(z, alpha, c), "z"),
    # softmax: a_i = e^{z_i} / Σ_k e^{z_k}; its Jacobian is handled where δ is built.
    "softmax": Activation("softmax", None, None, "a", elementwise=False),
}


def as_rational(value) -> Rational:
    """A Fraction (or int) as a SymPy Rational."""
    return Rational(value.numerator, value.denominator)
