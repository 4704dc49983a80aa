"""Each loss as one record: the per-example loss, its local derivative ∂L/∂ŷ_k, and its
words (LaTeX definition and derivative; English in ``templates/words.j2``).

K is the number of outputs. The batch reduction (sum or mean over examples) is applied
where the per-example losses are combined. ``FUSED`` holds the textbook's closed forms of
the output error δ⁽ᴸ⁾ for an output activation and loss that cancel (softmax with
cross-entropy, sigmoid with binary cross-entropy): a sheet shows them beside the long
route. SymPy is imported only when a formula is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Loss:
    name: str
    term: Callable  # (ŷ_k, y_k, K) → this output's share of L
    slope: Callable  # (ŷ_k, y_k, K) → ∂L/∂ŷ_k
    definition: str  # LaTeX
    derivative: str  # LaTeX, ∂L/∂ŷ_k as a sheet writes it
    squared: bool = False  # a squared error: nice numbers possible, the ½ can be mistaken
    probabilities: bool = False  # needs outputs and targets in [0, 1]


def _log(x):
    from sympy import log
    return log(x)


def _rational(p: int, q: int):
    from sympy import Rational
    return Rational(p, q)


LOSSES = {loss.name: loss for loss in (
    # L = ½ Σ_k (y_k − ŷ_k)²,  ∂L/∂ŷ_k = −(y_k − ŷ_k)
    Loss("half_squared_error", lambda yh, y, k: _rational(1, 2) * (y - yh) ** 2,
         lambda yh, y, k: -(y - yh),
         r"\mathcal{L} = \tfrac{1}{2} \sum_k (y_k - \hat{y}_k)^2",
         r"\frac{\partial \mathcal{L}}{\partial \hat{y}_k} = -(y_k - \hat{y}_k)", squared=True),
    # L = Σ_k (y_k − ŷ_k)²,  ∂L/∂ŷ_k = −2(y_k − ŷ_k)
    Loss("squared_error", lambda yh, y, k: (y - yh) ** 2, lambda yh, y, k: -2 * (y - yh),
         r"\mathcal{L} = \sum_k (y_k - \hat{y}_k)^2",
         r"\frac{\partial \mathcal{L}}{\partial \hat{y}_k} = -2(y_k - \hat{y}_k)", squared=True),
    # L = (1/K) Σ_k (y_k − ŷ_k)²,  ∂L/∂ŷ_k = −(2/K)(y_k − ŷ_k)
    Loss("mean_squared_error", lambda yh, y, k: (y - yh) ** 2 / _rational(k, 1),
         lambda yh, y, k: -_rational(2, k) * (y - yh),
         r"\mathcal{L} = \frac{1}{K} \sum_k (y_k - \hat{y}_k)^2",
         r"\frac{\partial \mathcal{L}}{\partial \hat{y}_k} = -\frac{2}{K}(y_k - \hat{y}_k)",
         squared=True),
    # L = −Σ_k [y_k log ŷ_k + (1 − y_k) log(1 − ŷ_k)],  ∂L/∂ŷ_k = −y_k/ŷ_k + (1 − y_k)/(1 − ŷ_k)
    Loss("binary_cross_entropy", lambda yh, y, k: -(y * _log(yh) + (1 - y) * _log(1 - yh)),
         lambda yh, y, k: -y / yh + (1 - y) / (1 - yh),
         r"\mathcal{L} = -\sum_k \bigl[y_k \ln \hat{y}_k + (1 - y_k) \ln(1 - \hat{y}_k)\bigr]",
         r"\frac{\partial \mathcal{L}}{\partial \hat{y}_k} = -\frac{y_k}{\hat{y}_k} "
         r"+ \frac{1 - y_k}{1 - \hat{y}_k}", probabilities=True),
    # L = −Σ_k y_k log ŷ_k,  ∂L/∂ŷ_k = −y_k/ŷ_k
    Loss("cross_entropy", lambda yh, y, k: -y * _log(yh), lambda yh, y, k: -y / yh,
         r"\mathcal{L} = -\sum_k y_k \ln \hat{y}_k",
         r"\frac{\partial \mathcal{L}}{\partial \hat{y}_k} = -\frac{y_k}{\hat{y}_k}",
         probabilities=True),
)}
NAMES = tuple(LOSSES)
# what other texts and libraries call them: a spec that writes one is told our name
OTHER_NAMES = {"mse": "mean_squared_error", "mean_squared": "mean_squared_error",
               "l2": "squared_error", "sse": "squared_error", "se": "squared_error",
               "sum_of_squares": "squared_error", "half_mse": "half_squared_error",
               "bce": "binary_cross_entropy", "log_loss": "binary_cross_entropy",
               "logloss": "binary_cross_entropy", "logistic": "binary_cross_entropy",
               "binary_crossentropy": "binary_cross_entropy", "ce": "cross_entropy",
               "crossentropy": "cross_entropy", "nll": "cross_entropy",
               "categorical_cross_entropy": "cross_entropy",
               "categorical_crossentropy": "cross_entropy",
               "softmax_cross_entropy": "cross_entropy"}


@dataclass(frozen=True)
class Fused:
    """δ⁽ᴸ⁾ᵢ in closed form for an output activation and a loss whose derivatives cancel."""

    formula: Callable  # (ŷ_i, y_i, Σ_k y_k) → δᵢ
    latex: str  # the general form, as a sheet states it


FUSED = {
    # δᵢ = ŷᵢ Σₖ yₖ − yᵢ, which is ŷᵢ − yᵢ when the targets sum to 1
    ("softmax", "cross_entropy"): Fused(lambda yh, y, total: yh * total - y,
                                        r"\delta_i = \hat{y}_i - y_i"),
    # δₖ = ŷₖ − yₖ
    ("sigmoid", "binary_cross_entropy"): Fused(lambda yh, y, total: yh - y,
                                               r"\delta_k = \hat{y}_k - y_k"),
}
