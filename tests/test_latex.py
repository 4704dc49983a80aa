"""The one printer: exact strings, as SymPy's own test_latex.py does."""

from fractions import Fraction

import mpmath
import pytest
from sympy import Float, Rational, Symbol, log

from symprop.latex import (
    BREAK,
    SheetPrinter,
    Slot,
    fill,
    latex,
    number,
    scientific,
    shown_exactly,
    skeleton,
    written,
)
from symprop.solution import Solution
from symprop.spec import load


@pytest.fixture(scope="module")
def graph():
    return Solution(load("examples/textbook-2-2-1.yaml"), verify=False).graph


def test_number_fixed_decimals_half_up_true_minus():
    assert number(Fraction(-3, 10)) == "-0.3000"
    assert number(Fraction(1, 8), 2) == "0.13"
    assert number(Fraction(-1, 8), 2) == "-0.13"
    assert number(Fraction(2675, 1000), 2) == "2.68"  # half up on the exact value
    assert number(0.1 + 0.2, 4) == "0.3000"  # no float noise
    assert number(mpmath.mpf("0.64565630622579537"), 4) == "0.6457"


def test_number_never_minus_zero():
    assert number(Fraction(-2, 5), 0) == "0"  # −0.4 to whole numbers
    assert number(Fraction(0), 4) == "0.0000"
    assert number(-0.0, 2) == "0.00"
    assert number(Fraction(0), 4, significant=3) == "0"


def test_a_value_that_would_round_to_zero_is_shown_in_scientific_notation():
    # 0.0000 would hide it: −0.000001 is −1.000 × 10⁻⁶ at four figures
    assert number(Fraction(-1, 10**6), 4) == r"-1.000 \times 10^{-6}"
    assert number(Fraction(2, 10**5), 2) == r"2.0 \times 10^{-5}"
    assert number(Fraction(5, 10**5), 4) == "0.0001"  # rounds half up to a non-zero value
    assert shown_exactly(Fraction(2, 10**5), 4)  # 2.000 × 10⁻⁵ is exact: '=' not '≈'
    assert not shown_exactly(Fraction(1, 3 * 10**5), 4)


def test_significant_figures():
    assert number(Fraction(1, 3), 4, significant=3) == "0.333"
    assert number(Fraction(-172, 10**4), 4, significant=2) == "-0.017"
    assert number(Fraction(955, 10**4), 4, significant=3) == "0.0955"
    assert number(Fraction(123456, 100), 4, significant=3) == "1230"  # not 1235
    assert number(Fraction(1, 10**20), 4, significant=2) == r"1.0 \times 10^{-20}"
    assert shown_exactly(Fraction(1230), 4, significant=3)
    assert not shown_exactly(Fraction(1234), 4, significant=3)


def test_givens_are_shown_as_written():
    assert written(Fraction(5, 10**5)) == "0.00005"  # not 0.0001 at four places
    assert written(Fraction(123456, 10**6)) == "0.123456"
    assert written(Fraction(-3, 10)) == "-0.3"
    assert written(Fraction(7)) == "7"
    assert written(Fraction(1, 3)) == "0.3333"  # never terminates: the sheet's places


def test_number_natural_for_givens():
    assert number(Fraction(-3, 10), 4, natural=True) == "-0.3"
    assert number(Fraction(1), 4, natural=True) == "1"
    assert number(Fraction(1, 3), 4, natural=True) == "0.3333"
    assert number(Fraction(123456, 10**6), 4, natural=True) == "0.1235"


def test_scientific():
    assert scientific(1.1102230246251565e-16, 2) == r"1.1 \times 10^{-16}"
    assert scientific(Fraction(0)) == "0"
    assert scientific(Fraction(999, 100), 2) == r"1.0 \times 10^{1}"


def test_float_printing_fixed_decimals():
    assert latex(Float(0.30000000000000004), decimals=4) == "0.3000"
    assert latex(Float(-0.0), decimals=2) == "0.00"
    assert latex(Float(1.5), decimals=4) == "1.5000"


def test_symbol_names(graph):
    printer = SheetPrinter(graph)
    name = {node.name: printer.doprint(node.symbol) for node in graph}
    assert name["W1[1,2]"] == "W^{(1)}_{12}"
    assert name["b2[1]"] == "b^{(2)}"  # one-entry vector: no index
    assert name["yhat[1]"] == r"\hat{y}"
    assert name["delta1[1]"] == r"\delta^{(1)}_{1}"
    assert name["loss"] == r"\mathcal{L}"
    assert name["lr"] == r"\eta"
    assert name["grad.W2[1,1]"] == r"\frac{\partial \mathcal{L}}{\partial W^{(2)}_{11}}"
    assert name["dact1[2]"] == r"\sigma'\left(z^{(1)}_{2}\right)"
    assert name["next.W1[1,1]"] == r"W^{(1)}_{11,\text{new}}"


def test_formulas_in_textbook_order(graph):
    printer = SheetPrinter(graph)
    formula = {node.name: printer.doprint(node.formula) for node in graph if node.formula}
    assert formula["z1[1]"] == r"W^{(1)}_{11} x_{1} + W^{(1)}_{12} x_{2} + b^{(1)}_{1}"
    assert formula["a1[1]"] == r"\frac{1}{1 + e^{-z^{(1)}_{1}}}"
    assert formula["loss"] == r"\frac{1}{2} \left(y - \hat{y}\right)^{2}"
    assert formula["grad.yhat[1]"] == r"\hat{y} - y"
    assert formula["grad.W2[1,1]"] == r"\delta^{(2)} a^{(1)}_{1}"
    assert formula["next.b2[1]"] == \
        r"b^{(2)} - \eta \cdot \frac{\partial \mathcal{L}}{\partial b^{(2)}}"


def _substituted(graph, name, numbers):
    node = graph.nodes[name]
    printer = SheetPrinter(graph, {"dot": True})
    slots = {graph.nodes[p].symbol: Slot(k, printer.ranks[graph.nodes[p].symbol])
             for k, p in enumerate(node.parents)}
    parts = skeleton(printer.doprint(node.formula.xreplace(slots)))
    values = dict(zip(node.parents, numbers, strict=True))
    return fill(parts, [values[p] for p in node.parents])


def test_substitution_parenthesises_negatives_and_never_plus_minus(graph):
    # parents of z1[2] in order: x[1], x[2], W1[2,1], W1[2,2], b1[2]
    text = _substituted(graph, "z1[2]", ["1", "0", "0.2", "0.8", "-0.2"])
    assert text == r"0.2 \cdot 1 + 0.8 \cdot 0 + (-0.2)"
    text = _substituted(graph, "z1[1]", ["1", "0", "-0.5", "-0.3", "0.1"])
    assert text == r"(-0.5) \cdot 1 + (-0.3) \cdot 0 + 0.1"  # every factor, as seed 004
    assert "+ -" not in text
    text = _substituted(graph, "delta2[1]", ["-0.4373", "0.2461"])
    assert text == r"(-0.4373) \cdot 0.2461"
    text = _substituted(graph, "next.W2[1,1]", ["0.7", "0.5", "-0.0695"])
    assert text == r"0.7 - 0.5 \cdot (-0.0695)"


def test_sigmoid_of_a_negative_number(graph):
    text = _substituted(graph, "a1[2]", ["-0.0134"])
    assert text == r"\frac{1}{1 + e^{-(-0.0134)}}"


def test_no_minus_zero_in_a_product():
    y, yh = Symbol("y"), Symbol("yh")
    printer = SheetPrinter(None, {"dot": True})
    parts = skeleton(printer.doprint((-y * log(yh)).xreplace({y: Slot(0), yh: Slot(1)})))
    assert fill(parts, ["0", "0.5"]) == r"0 \cdot \ln\left(0.5\right)"
    assert fill(parts, ["1", "0.5"]) == r"-1 \cdot \ln\left(0.5\right)"


def test_rational_coefficients():
    x = Symbol("x")
    assert latex(Rational(1, 2) * x**2) == r"\frac{1}{2} x^{2}"
    assert latex(-x / 3) == r"-\frac{1}{3} x"
    assert latex(1 / (1 + x)) == r"\frac{1}{1 + x}"


def test_long_sums_break_between_terms():
    xs = [Symbol(f"x{i}") for i in range(7)]
    printer = SheetPrinter(None, {"breaks": True})
    terms = printer.doprint(sum(xs[1:], xs[0])).split(BREAK)
    assert terms == ["x_{0}"] + [f" + x_{{{i}}}" for i in range(1, 7)]
    assert printer.doprint(xs[0] + xs[1] - xs[2]).split(BREAK) == \
        ["x_{0}", " + x_{1}", " - x_{2}"]
    assert latex(sum(xs[1:], xs[0]), breaks=True) == " + ".join(f"x_{{{i}}}" for i in range(7))


def test_shown_exactly():
    assert shown_exactly(Fraction(1, 8), 3) and not shown_exactly(Fraction(1, 8), 2)
    assert not shown_exactly(mpmath.mpf("0.5"), 4)  # high-precision values are never exact


def test_special_values():
    assert number(mpmath.inf) == r"\infty" and number(-mpmath.inf) == r"-\infty"
    assert number(mpmath.nan) == r"\text{undefined}" and number(float("nan")) == \
        r"\text{undefined}"
    assert number(Fraction(10**16)) == r"1.0000 \times 10^{16}"  # digits + 1 figures
