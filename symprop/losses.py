"""Each loss as one record: the per-example loss and its local derivative ∂L/∂ŷ_k.

K is the number of outputs. The batch reduction (sum or mean over examples) is applied
where the per-example losses are combined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sympy import Expr, Integer, Rational, log


@dataclass(frozen=True)
class Loss:
    name: str
    term: Callable[[Expr, Expr, int], Expr]  # (ŷ_k, y_k, K) → this output's share of L
    slope: Callable[[Expr, Expr, int], Expr]  # (ŷ_k, y_k, K) → ∂L/∂ŷ_k


LOSSES = {
    # L = ½ Σ_k (y_k − ŷ_k)²,  ∂L/∂ŷ_k = −(y_k − ŷ_k)
    "half_squared_error": Loss("half_squared_error",
                               lambda yh, y, k: Rational(1, 2) * (y - yh) ** 2,
                               lambda yh, y, k: -(y - yh)),
    # L = Σ_k (y_k − ŷ_k)²,  ∂L/∂ŷ_k = −2(y_k − ŷ_k)
    "squared_error": Loss("squared_error", lambda yh, y, k: (y - yh) ** 2,
                          lambda yh, y, k: -2 * (y - yh)),
    # L = (1/K) Σ_k (y_k − ŷ_k)²,  ∂L/∂ŷ_k = −(2/K)(y_k − ŷ_k)
    "mean_squared_error": Loss("mean_squared_error",
                               lambda yh, y, k: (y - yh) ** 2 / Integer(k),
                               lambda yh, y, k: -Rational(2, k) * (y - yh)),
    # L = −Σ_k [y_k log ŷ_k + (1 − y_k) log(1 − ŷ_k)],  ∂L/∂ŷ_k = −y_k/ŷ_k + (1 − y_k)/(1 − ŷ_k)
    "binary_cross_entropy": Loss("binary_cross_entropy",
                                 lambda yh, y, k: -(y * log(yh) + (1 - y) * log(1 - yh)),
                                 lambda yh, y, k: -y / yh + (1 - y) / (1 - yh)),
    # L = −Σ_k y_k log ŷ_k,  ∂L/∂ŷ_k = −y_k/ŷ_k
    "cross_entropy": Loss("cross_entropy", lambda yh, y, k: -y * log(yh),
                          lambda yh, y, k: -y / yh),
}
