"""Each activation as one record: its function, its local derivative, and its words.

The derivative is written the way a textbook writes it, in terms of the quantities already
computed: σ'(z) = a(1 − a) and tanh'(z) = 1 − a² use the activation a; ReLU'(z) uses z.
A record also owns everything a view says about it: its LaTeX name, its definition and
derivative as a sheet writes them, the convention at a kink, the exponential a student
needs to evaluate it by hand, and whether nice (finite-decimal) numbers are possible.
English words live in ``templates/words.j2``, keyed by the record's name.

SymPy is imported only when a formula is built, so the spec reader and the NumPy
reference can ask these records without importing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Activation:
    name: str
    forward: Callable | None  # (z, alpha, c) → a, a SymPy expression
    slope: Callable | None  # (z, a, alpha, c) → da/dz; None for identity and softmax
    slope_uses: str  # 'a' or 'z': the quantity the textbook slope is written in
    symbol: str  # LaTeX function name ('' for identity)
    definition: str  # LaTeX, as a sheet states it
    derivative: str  # LaTeX, as a sheet writes the slope
    elementwise: bool = True  # softmax couples its units
    exponent: int | None = None  # f(z) by hand needs e^{exponent · z}
    kinked: bool = False  # the derivative jumps at z = 0, so a convention is stated
    nice: bool = False  # finite decimals in give finite decimals out
    probabilities: bool = False  # values in (0, 1): allowed before a cross-entropy
    slope_bound: Fraction | None = None  # the largest f'(z): σ' ≤ ¼ (vanishing gradients)

    def at_kink(self, c) -> str | None:
        """f'(0) under the convention c (0 or 1), in LaTeX; None without a kink."""
        if not self.kinked:
            return None
        if self.name == "leaky_relu":
            return "1" if c == 1 else r"\alpha"
        return str(int(c))


# forward and slope formulas (SymPy, imported when a graph is built) -------------------------
def _identity(z, alpha, c):
    return z


def _sigmoid(z, alpha, c):
    from sympy import exp
    return 1 / (1 + exp(-z))


def _sigmoid_slope(z, a, alpha, c):  # σ'(z) = σ(z)(1 − σ(z)) = a(1 − a)
    return a * (1 - a)


def _tanh(z, alpha, c):
    from sympy import tanh
    return tanh(z)


def _tanh_slope(z, a, alpha, c):  # tanh'(z) = 1 − tanh²(z) = 1 − a²
    return 1 - a**2


def _relu(z, alpha, c):
    from .functions import relu
    return relu(z, c)


def _relu_slope(z, a, alpha, c):
    from .functions import relu_step
    return relu_step(z, c)


def _leaky(z, alpha, c):
    from .functions import leaky_relu
    return leaky_relu(z, alpha, c)


def _leaky_slope(z, a, alpha, c):
    from .functions import leaky_relu_step
    return leaky_relu_step(z, alpha, c)


_RELU = r"\operatorname{ReLU}"
_LRELU = r"\operatorname{LReLU}"
ACTIVATIONS = {a.name: a for a in (
    Activation("identity", _identity, None, "z", "", r"f(z) = z", r"f'(z) = 1", nice=True,
               slope_bound=Fraction(1)),
    Activation("sigmoid", _sigmoid, _sigmoid_slope, "a", r"\sigma",
               r"\sigma(z) = \frac{1}{1 + e^{-z}}",
               r"\sigma'(z) = \sigma(z)\bigl(1 - \sigma(z)\bigr) = a(1 - a)", exponent=-1,
               probabilities=True, slope_bound=Fraction(1, 4)),
    Activation("tanh", _tanh, _tanh_slope, "a", r"\tanh",
               r"\tanh z = \frac{1 - e^{-2z}}{1 + e^{-2z}}",
               r"\tanh'(z) = 1 - \tanh^2 z = 1 - a^2", exponent=-2, slope_bound=Fraction(1)),
    Activation("relu", _relu, _relu_slope, "z", _RELU, rf"{_RELU}(z) = \max(0, z)",
               rf"{_RELU}'(z) = \begin{{cases}} 1 & z > 0 \\ 0 & z < 0 \end{{cases}}",
               kinked=True, nice=True, slope_bound=Fraction(1)),
    Activation("leaky_relu", _leaky, _leaky_slope, "z", _LRELU,
               rf"{_LRELU}(z) = \begin{{cases}} z & z > 0 \\ \alpha z & z \le 0 \end{{cases}}",
               rf"{_LRELU}'(z) = \begin{{cases}} 1 & z > 0 \\ \alpha & z < 0 \end{{cases}}",
               kinked=True, nice=True, slope_bound=Fraction(1)),  # for α ≤ 1
    # softmax: a_i = e^{z_i} / Σ_k e^{z_k}; its Jacobian is applied where δ is built
    Activation("softmax", None, None, "a", r"\operatorname{softmax}",
               r"\operatorname{softmax}(\mathbf{z})_i = \frac{e^{z_i}}{\sum_k e^{z_k}}",
               r"\frac{\partial a_i}{\partial z_j} = a_i(\delta_{ij} - a_j)",
               elementwise=False, exponent=1, probabilities=True),
)}
NAMES = tuple(ACTIVATIONS)


def as_rational(value):
    """A Fraction (or int) as a SymPy Rational."""
    from sympy import Rational
    return Rational(value.numerator, value.denominator)
