"""derive.py's shortcuts build exactly what SymPy's evaluation and a full scan would."""

import pytest
from sympy import Dummy, Rational, Symbol, srepr

import symprop
from symprop.activations import ACTIVATIONS
from symprop.derive import _rebuild, build

from conftest import EXAMPLES


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu", "leaky_relu"])
def test_an_activation_rebuilt_from_its_template_is_the_evaluated_formula(name):
    activation = ACTIVATIONS[name]
    placeholder = Dummy(real=True)
    template = activation.forward(placeholder, Rational(1, 100), Rational(0))
    for z in ("z1[1]", "ex12.z3[4]", "step2.next.z1[2]", "a"):
        symbol = Symbol(z, real=True)
        evaluated = activation.forward(symbol, Rational(1, 100), Rational(0))
        rebuilt = _rebuild(template, placeholder, symbol)
        assert srepr(rebuilt) == srepr(evaluated) and hash(rebuilt) == hash(evaluated)
        assert (2 * rebuilt + 1).diff(symbol) == (2 * evaluated + 1).diff(symbol)


def test_short_names_for_one_entry_families():
    graph = build(symprop.load(EXAMPLES / "textbook-2-2-1.yaml"))
    # one output: yhat, delta2, grad.b2 and next.b2 drop their index; two units do not
    for short, full in [("yhat", "yhat[1]"), ("delta2", "delta2[1]"), ("grad.b2", "grad.b2[1]"),
                        ("next.b2", "next.b2[1]"), ("z2", "z2[1]")]:
        assert graph.resolve(short) == full
    assert "z1" not in graph and "a1" not in graph and "W1" not in graph
    batch = build(symprop.loads((EXAMPLES / "textbook-2-2-1.yaml").read_text().replace(
        "  - {x: [1, 0], y: [1]}", "  - {x: [1, 0], y: [1]}\n  - {x: [0, 1], y: [0]}")))
    assert batch.resolve("ex2.yhat") == "ex2.yhat[1]"
