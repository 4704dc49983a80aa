"""Issue 12: the checker judges a claim the way a careful marker does.

Reference figures are seed 004's printed numbers, products worked out here in exact
decimal arithmetic, a NumPy forward and backward pass written in this file, and the
published values of the 2-2-2 tutorial (δ of the outputs 0.138498562 and −0.038098236)."""

from decimal import Decimal

import numpy as np
import pytest

from symprop.check import Checker
from symprop.check.claims import RawClaim, from_option, read_answers_text
from symprop.spec import load, loads

from conftest import EXAMPLES, RELU_AT_ZERO

_checkers = {}


def checker(spec: str) -> Checker:
    if spec not in _checkers:
        _checkers[spec] = Checker(loads(spec) if "\n" in spec else load(EXAMPLES / spec))
    return _checkers[spec]


def verdicts(spec: str, claims) -> dict:
    report = checker(spec).check(claims)
    return {v.written: v for v in report.verdicts}


SEED = "textbook-2-2-1.yaml"


# 1. clearly wrong figures are wrong, not "rounding" ---------------------------------------
@pytest.mark.parametrize("claim, exact", [
    ("grad.W2[1,1]=-1", "-0.0695"),  # δ⁽²⁾ a⁽¹⁾₁ = −0.1076 · 0.6457
    ("z2[1]=1", "0.2520"),
    ("loss*100=-7", "9.56"),  # 100 · 0.0956
])
def test_a_clearly_wrong_figure_is_wrong_not_rounding(claim, exact):
    (v,) = verdicts(SEED, [from_option(claim)]).values()
    assert v.verdict == "wrong"
    assert abs(Decimal(v.exact) - Decimal(exact)) < Decimal("0.01")


def test_rounding_allows_the_claims_own_places_for_an_unwritten_input():
    # written at 2 places, a⁽¹⁾₁ carried as 0.65: 0.7·0.65 − 0.5·0.5 + 0.05 = 0.255 → 0.26
    # (exactly 0.2520 → 0.25): a reasonable rounding of the author's inputs
    assert Decimal("0.7") * Decimal("0.65") - Decimal("0.25") + Decimal("0.05") == \
        Decimal("0.255")
    (v,) = verdicts(SEED, [from_option("z2[1]=0.26")]).values()
    assert (v.verdict, v.expected) == ("rounding", "0.25")
    # seed 004's 0.7348 (from the gradient −0.0695 it carried, not written) stays rounding
    (v,) = verdicts(SEED, [from_option("next.W2[1,1]=0.7348")]).values()
    assert (v.verdict, v.expected) == ("rounding", "0.7347")


# 2. shapes -----------------------------------------------------------------------------------
WIDE = """
name: 3-2-1 sigmoid
layers: [{units: 3}, {units: 2, activation: sigmoid}, {units: 1, activation: sigmoid}]
parameters:
  W1: [[0.5, -0.3, 0.1], [0.2, 0.8, -0.4]]
  b1: [0.1, -0.2]
  W2: [[0.7, -0.5]]
  b2: [0.05]
data: [{x: [1, 0.5, -1], y: [1]}]
loss: half_squared_error
learning_rate: 0.5
"""


def _wide_gradient() -> np.ndarray:
    """∂L/∂W⁽¹⁾ = δ⁽¹⁾ xᵀ, by a forward and backward pass written out here."""
    x = np.array([1, 0.5, -1.0])
    W1, b1 = np.array([[0.5, -0.3, 0.1], [0.2, 0.8, -0.4]]), np.array([0.1, -0.2])
    W2, b2 = np.array([0.7, -0.5]), 0.05
    a1 = 1 / (1 + np.exp(-(W1 @ x + b1)))
    yhat = 1 / (1 + np.exp(-(W2 @ a1 + b2)))
    delta2 = (yhat - 1) * yhat * (1 - yhat)
    delta1 = W2 * delta2 * a1 * (1 - a1)
    return np.outer(delta1, x)


def _rows(matrix) -> str:
    return "[" + ", ".join("[" + ", ".join(f"{v:.4f}" for v in row) + "]"
                           for row in matrix) + "]"


def test_a_transposed_matrix_is_one_shape_verdict_and_read_as_its_transpose():
    gradient = _wide_gradient()
    assert gradient.shape == (2, 3)
    report = checker(WIDE).check(read_answers_text(f"grad.W1: {_rows(gradient.T)}\n"))
    shape = [v for v in report.verdicts if v.kind == "shape"]
    assert len(shape) == 1 and shape[0].verdict == "wrong"
    assert shape[0].notes == [{"code": "shape", "expected": [2, 3], "written": [3, 2],
                               "ragged": False, "reading": "transpose", "right": True}]
    assert report.first_wrong is shape[0]
    entries = [v for v in report.verdicts if v.kind == "node"]
    assert len(entries) == 6
    assert {v.verdict for v in entries} == {"correct"}
    # the entry written in row 3, column 1 is ∂L/∂W⁽¹⁾₁₃
    by_written = {v.written: v for v in entries}
    assert by_written["grad.W1[3,1]"].name == "grad.W1[1,3]"
    assert {"code": "transposed"} in by_written["grad.W1[3,1]"].notes


def test_a_transposed_matrix_with_a_wrong_entry_says_so():
    written = _wide_gradient().T.copy()
    written[2, 1] += 0.01
    report = checker(WIDE).check(read_answers_text(f"grad.W1: {_rows(written)}\n"))
    (shape,) = [v for v in report.verdicts if v.kind == "shape"]
    assert shape.notes[0]["right"] is False
    assert {v.name: v.verdict for v in report.verdicts}["grad.W1[2,3]"] == "wrong"


MAZUR = "mazur-2-2-2.yaml"


@pytest.mark.parametrize("written, shape", [
    ("[0.1385]", [1]),  # the tutorial's δo1 = 0.138498562, δo2 left out
    ("[0.1385, -0.0381, 0.5]", [3]),
    ("[[0.1385, -0.0381], [0.1, 0.2]]", [2, 2]),
])
def test_a_vector_of_the_wrong_length_is_one_shape_verdict(written, shape):
    report = checker(MAZUR).check(read_answers_text(f"delta2: {written}\n"))
    (v,) = report.verdicts
    assert (v.kind, v.verdict, v.name) == ("shape", "wrong", "delta2")
    assert v.notes[0]["expected"] == [2] and v.notes[0]["written"] == shape
    assert v.notes[0]["reading"] == "none"


def test_a_vector_written_as_a_column_or_a_row_is_fine():
    # the tutorial: δo1 = 0.138498562, δo2 = −0.038098236
    for written in ("[[0.1385], [-0.0381]]", "[[0.1385, -0.0381]]", "[0.1385, -0.0381]"):
        report = checker(MAZUR).check(read_answers_text(f"delta2: {written}\n"))
        assert [(v.name, v.verdict) for v in report.verdicts] == [
            ("delta2[1]", "correct"), ("delta2[2]", "correct")], written


def test_a_ragged_matrix_is_one_shape_verdict():
    report = checker(SEED).check(read_answers_text("grad.W1: [[-0.0172, 0], [0.01345]]\n"))
    (v,) = report.verdicts
    assert v.kind == "shape" and v.notes[0]["ragged"] and v.notes[0]["written"] == [2, 1]


# 3. written sub-expressions are inputs, at any depth ---------------------------------------
# ŷ = 0.5·1 + 0.2569 = 0.7569 (an identity output), y = 0.01: 0.01 − ŷ = −0.7469
NEAR = """
name: one identity unit
layers: [{units: 1}, {units: 1, activation: identity}]
parameters: {W1: [[0.5]], b1: [0.2569]}
data: [{x: [1], y: [0.01]}]
loss: half_squared_error
learning_rate: 0.1
"""


def test_a_sub_expression_uses_the_authors_own_written_sub_expression():
    assert Decimal("-0.747") ** 2 == Decimal("0.558009")  # → 0.5580
    assert Decimal("-0.7469") ** 2 == Decimal("0.55785961")  # exactly → 0.5579
    v = verdicts(NEAR, read_answers_text(
        "0.01 - yhat[1]: -0.747\n(0.01 - yhat[1])**2: 0.5580\n"))
    assert v["0.01 - yhat[1]"].verdict == "correct"
    assert (v["(0.01 - yhat[1])**2"].verdict, v["(0.01 - yhat[1])**2"].expected) == \
        ("rounding", "0.5579")
    assert v["(0.01 - yhat[1])**2"].recomputed == "0.55801"
    # without the written −0.747 the same figure is wrong
    v = verdicts(NEAR, read_answers_text("(0.01 - yhat[1])**2: 0.5580\n"))
    assert v["(0.01 - yhat[1])**2"].verdict == "wrong"


def test_written_sub_expressions_nested_two_levels_deep():
    # ½ · 0.5580 = 0.2790, from the written square of the written difference; exactly
    # ½ · 0.55785961 = 0.278929805 → 0.2789. The loss ½(y − ŷ)² is built the same way.
    assert Decimal("0.5") * Decimal("0.5580") == Decimal("0.2790")
    v = verdicts(NEAR, read_answers_text(
        "0.01 - yhat[1]: -0.747\n(0.01 - yhat[1])**2: 0.5580\n"
        "0.5*(0.01 - yhat[1])**2: 0.2790\nloss: 0.2790\n"))
    assert v["0.5*(0.01 - yhat[1])**2"].verdict == "rounding"
    assert v["loss"].verdict == "rounding"
    # two quantities deep without writing them: 0.01 − ŷ = −0.747 written, then
    # ∂L/∂ŷ = ŷ − y and δ⁽¹⁾ = ∂L/∂ŷ not written, ∂L/∂W⁽¹⁾ = δ⁽¹⁾ x = 0.7470 (exactly 0.7469)
    v = verdicts(NEAR, read_answers_text("0.01 - yhat[1]: -0.747\ngrad.W1[1,1]: 0.7470\n"))
    assert (v["grad.W1[1,1]"].verdict, v["grad.W1[1,1]"].expected) == ("rounding", "0.7469")
    v = verdicts(NEAR, read_answers_text("grad.W1[1,1]: 0.7470\n"))
    assert v["grad.W1[1,1]"].verdict == "wrong"


def test_a_wrong_written_sub_expression_is_carried_forward():
    # 0.01 − ŷ written −0.757 (it is −0.7469), then squared correctly: 0.757² = 0.573049
    assert Decimal("0.757") ** 2 == Decimal("0.573049")
    v = verdicts(NEAR, read_answers_text(
        "0.01 - yhat[1]: -0.757\n(0.01 - yhat[1])**2: 0.5730\n"))
    assert v["0.01 - yhat[1]"].verdict == "wrong"
    assert (v["(0.01 - yhat[1])**2"].verdict, v["(0.01 - yhat[1])**2"].inherits) == \
        ("carried", ["0.01-yhat[1]"])


# 4. conventions before mistakes; no blame on a step written correctly -----------------------
RELU = RELU_AT_ZERO


def test_relu_prime_of_zero_taken_as_one_is_named_first_as_a_convention():
    # z⁽¹⁾ = 1·1 − 1 = 0, ∂L/∂a⁽¹⁾ = 2·(0.5 − 2) = −3; with ReLU'(0) = 1 (the spec says
    # 0), δ⁽¹⁾ = −3 · 1 = −3. ReLU'(z) itself is not written down.
    sheet = [RawClaim(n, t) for n, t in (("z1[1]", "0"), ("grad.a1[1]", "-3"),
                                         ("delta1[1]", "-3"))]
    v = verdicts(RELU, sheet)["delta1[1]"]
    assert v.verdict == "wrong"
    assert v.mistakes[0]["code"] == "relu_zero"
    assert "slope_omitted" in [m["code"] for m in v.mistakes[1:]]


def test_a_sign_slip_after_a_correct_derivative_is_not_blamed_upstream():
    # ∂L/∂ŷ written correctly as −0.4373; δ⁽²⁾ written +0.1076 (it is −0.1076)
    v = verdicts(SEED, [from_option("grad.yhat[1]=-0.4373"),
                        from_option("delta2[1]=0.1076")])["delta2[1]"]
    assert v.verdict == "wrong"
    assert not [m for m in v.mistakes if m["inputs"] == "chain"]
    assert {"code": "sign"} in v.notes
    # when ∂L/∂ŷ is not written down, the flipped sign there is a fair explanation
    v = verdicts(SEED, [from_option("delta2[1]=0.1076")])["delta2[1]"]
    assert v.mistakes[0]["code"] == "sign_flipped"


# 5. names ----------------------------------------------------------------------------------
TWO_STEPS = (EXAMPLES / SEED).read_text() + "steps: 2\n"


def test_next_loss_in_a_two_step_spec_is_suggested_with_both_readings():
    v = verdicts(TWO_STEPS, [from_option("next.loss=0.08")])["next.loss"]
    assert (v.verdict, v.suggestion) == ("unknown", "step2.next.loss")
    assert v.notes == [{"code": "after_step", "last": "step2.next.loss",
                        "first": "step2.loss"}]
    # and the suggested name is the loss after the last step
    report = checker(TWO_STEPS).check([from_option("step2.next.loss=0.08")])
    assert report.verdicts[0].name == "step2.next.loss"


@pytest.mark.parametrize("written, suggestion", [
    ("mse", "loss"), ("MSE", "loss"), ("cost", "loss"), ("E_total", "loss"),
    ("ReLU(z1[1])", "relu(z1[1])"), ("Sigmoid(z1[1])", "sigmoid(z1[1])"),
    ("linear(z1[1])", "z1[1]"), ("sigmoid", "a1[1]"), ("next.mse", "next.loss"),
    # a derivative written as a fraction is the gradient by that quantity
    ("dL/dW1[1,1]", "grad.W1[1,1]"), ("∂L/∂b2[1]", "grad.b2[1]"), ("dE / dW2[1,2]", "grad.W2[1,2]"),
])
def test_synonyms_get_a_useful_suggestion(written, suggestion):
    v = verdicts(SEED, [RawClaim(written, "1")])[written]
    assert (v.verdict, v.suggestion) == ("unknown", suggestion)


def test_an_activation_name_suggests_its_layers_output():
    v = verdicts(RELU, [RawClaim("ReLU", "0")])["ReLU"]
    assert v.suggestion == "a1[1]"
    v = verdicts(RELU, [RawClaim("linear", "0.5")])["linear"]
    assert v.suggestion == "yhat[1]"
