"""Formula claims (issue 12): equivalent, equal_here, different with the named mistake.

Seed 004 (a 2-2-1 sigmoid network, x = (1, 0)) and a softmax network with a batch of two
one-hot examples and a mean. Which formulas are right is textbook algebra, worked out
here; the values a wrong formula gives come from a NumPy pass written in this file and
from seed 004's printed numbers."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from symprop.check import Checker
from symprop.check.claims import RawClaim, read_answers, read_answers_text
from symprop.cli import main
from symprop.spec import load, loads

from conftest import EXAMPLES

SEED = EXAMPLES / "textbook-2-2-1.yaml"
SOFTMAX = """
name: softmax batch
layers: [{units: 2}, {units: 3, activation: sigmoid}, {units: 3, activation: softmax}]
parameters:
  W1: [[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]]
  b1: [0.1, 0, -0.1]
  W2: [[0.3, -0.1, 0.2], [-0.4, 0.5, 0.1], [0.2, 0.2, -0.3]]
  b2: [0, 0.1, -0.1]
data: [{x: [1, 0.5], y: [1, 0, 0]}, {x: [-0.5, 1], y: [0, 0, 1]}]
loss: cross_entropy
reduction: mean
learning_rate: 0.5
"""
_checkers = {}


def checker(spec) -> Checker:
    if spec not in _checkers:
        _checkers[spec] = Checker(load(spec) if spec == SEED else loads(spec))
    return _checkers[spec]


def judge(spec, formulas: dict) -> dict:
    claims = [RawClaim(name, text, kind="formula") for name, text in formulas.items()]
    return {v.written: v for v in checker(spec).check(claims).verdicts}


def one(spec, name: str, text: str):
    return judge(spec, {name: text})[name]


# seed 004 ----------------------------------------------------------------------------------
SEED_EQUIVALENT = [
    ("delta1[1]", "W2[1,1]*delta2[1]*a1[1]*(1 - a1[1])"),  # the issue's example
    ("delta1[1]", "(a1[1] - a1[1]^2) * delta2[1] * W2[1,1]"),  # another order and form
    ("delta1[1]", "grad.a1[1]*dact1[1]"),
    ("grad.W2[1,2]", "a1[2]*delta2[1]"),
    ("next.W2[1,1]", "W2[1,1] - lr*delta2[1]*a1[1]"),
    ("yhat[1]", "1/(1 + exp(-z2[1]))"),
    ("yhat[1]", "sigma(W2[1,1]*a1[1] + W2[1,2]*a1[2] + b2[1])"),
    ("dact2[1]", "exp(-z2[1])/(1 + exp(-z2[1]))^2"),  # σ' = e^{-z}/(1 + e^{-z})²
    ("loss", "(yhat[1] - y[1])^2/2"),
    ("grad.yhat[1]", "-(y[1] - yhat[1])"),
    ("grad.W1[1,2]", "delta1[1]*x[2]"),
]


def test_the_issues_example_is_proven_symbolically():
    v = one(SEED, "delta1[1]", "W2[1,1]*delta2[1]*a1[1]*(1 - a1[1])")
    assert (v.method, v.expected) == ("symbolic", "-0.0172")  # seed 004: δ⁽¹⁾₁ = −0.0172
    assert v.formula_symbol and "\\delta^{(2)}" in v.formula_symbol


def test_equal_here_names_the_given_that_makes_it_hold():
    # ∂L/∂W⁽¹⁾₁₂ = δ⁽¹⁾₁ x₂ is 0 only because x₂ = 0 (seed 004: "x₂ = 0 contributed
    # nothing"); z⁽¹⁾₂ = 0.2·1 + 0.8·0 − 0.2 = 0 needs x₁, x₂, W⁽¹⁾₂₁ and b⁽¹⁾₂ as they are
    v = one(SEED, "grad.W1[1,2]", "0")
    assert (v.verdict, v.value, v.expected) == ("equal_here", "0.0000", "0.0000")
    assert v.notes == [{"code": "holds_because", "givens": [
        {"name": "x[2]", "symbol": "x_{2}", "value": "0"}]}]
    v = one(SEED, "z1[2]", "0")
    assert v.verdict == "equal_here"
    assert {g["name"] for g in v.notes[0]["givens"]} == {"x[1]", "x[2]", "W1[2,1]", "b1[2]"}


@pytest.mark.parametrize("name, text, mistake, value", [
    # seed 004 figures: 0.7·(−0.1076) = −0.0753; 0.5 · 0.01345 → δ⁽¹⁾₂ = 0.0135
    ("delta1[1]", "W2[1,1]*delta2[1]", "slope_omitted", "-0.0753"),
    ("grad.W1[1,2]", "delta1[2]*x[1]", "index_transposed", "0.0135"),
    ("next.W2[1,1]", "W2[1,1] + lr*grad.W2[1,1]", "gradient_added", "0.6653"),  # 0.7 − 0.0347
    ("next.W2[1,1]", "W2[1,1] - grad.W2[1,1]", "lr_omitted", "0.7695"),  # 0.7 + 0.0695
    ("loss", "(y[1] - yhat[1])^2", "half_dropped", "0.1913"),  # 2 · 0.0956
    ("dact1[1]", "z1[1]*(1 - z1[1])", "slope_from_z", "0.2400"),  # 0.6 · 0.4
    ("z2[1]", "W2[1,1]*a1[1] + W2[1,2]*a1[2]", "bias_omitted", "0.2020"),  # 0.2520 − 0.05
    ("delta2[1]", "(y[1] - yhat[1])*dact2[1]", "sign_flipped", "0.1076"),
    ("grad.W2[1,1]", "(y[1] - yhat[1])*dact2[1]*a1[1]", "sign_flipped", "0.0695"),
])
def test_seed_004_different_formulas_name_the_mistake(name, text, mistake, value):
    v = one(SEED, name, text)
    assert v.verdict == "different"
    assert v.value == value
    assert v.mistakes[0]["code"] == mistake


def test_unknown_and_circular_formulas():
    v = judge(SEED, {"delta1[1]": "W2[1,1]*dleta2[1]", "grad.W2[1,1]": "(W2[1,1] - "
                     "next.W2[1,1])/lr", "delta9[1]": "1", "loss": "exp(1e400)"})
    assert (v["delta1[1]"].verdict, v["delta1[1]"].suggestion) == ("unknown", "delta2[1]")
    assert v["grad.W2[1,1]"].notes == [{"code": "circular", "name": "next.W2[1,1]"}]
    assert v["delta9[1]"].verdict == "unknown"
    assert v["loss"].notes == [{"code": "too_large"}]


# a softmax network with a batch of two one-hot examples and a mean ------------------------------
def _softmax_pass():
    """Both examples' forward and backward passes, written out with NumPy."""
    W1 = np.array([[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]])
    b1 = np.array([0.1, 0, -0.1])
    W2 = np.array([[0.3, -0.1, 0.2], [-0.4, 0.5, 0.1], [0.2, 0.2, -0.3]])
    b2 = np.array([0, 0.1, -0.1])
    out = []
    for x, y in (([1, 0.5], [1, 0, 0]), ([-0.5, 1], [0, 0, 1])):
        a1 = 1 / (1 + np.exp(-(W1 @ np.array(x) + b1)))
        z2 = W2 @ a1 + b2
        yhat = np.exp(z2) / np.exp(z2).sum()
        delta2 = yhat - np.array(y)  # softmax with cross-entropy
        out.append({"a1": a1, "yhat": yhat, "delta2": delta2, "y": np.array(y),
                    "grad_a1": W2.T @ delta2, "W2": W2})
    return out


SOFTMAX_EQUIVALENT = [
    ("ex1.delta2[1]", "ex1.yhat[1] - ex1.y[1]"),  # holds because the targets sum to 1
    ("ex2.grad.yhat[3]", "-ex2.y[3]/ex2.yhat[3]"),
    ("ex1.grad.a1[2]", "W2[1,2]*ex1.delta2[1] + W2[2,2]*ex1.delta2[2] + W2[3,2]*ex1.delta2[3]"),
    ("grad.W2[2,3]", "(ex1.delta2[2]*ex1.a1[3] + ex2.delta2[2]*ex2.a1[3])/2"),
    ("loss", "(ex1.loss + ex2.loss)/2"),
    ("next.b2[1]", "b2[1] - lr*(ex1.yhat[1] - ex1.y[1] + ex2.yhat[1] - ex2.y[1])/2"),
]


@pytest.mark.parametrize("spec, name, text", [(SEED, n, t) for n, t in SEED_EQUIVALENT] +
                         [(SOFTMAX, n, t) for n, t in SOFTMAX_EQUIVALENT])
def test_equivalent_formulas(spec, name, text):
    v = one(spec, name, text)
    assert v.verdict == "equivalent", v
    assert v.method in ("symbolic", "points")
    assert v.value == v.expected


def test_softmax_delta_is_yhat_minus_y_symbolically_for_a_distribution_of_targets():
    v = one(SOFTMAX, "ex1.delta2[1]", "ex1.yhat[1] - ex1.y[1]")
    assert (v.verdict, v.method) == ("equivalent", "symbolic")


def test_softmax_equal_here_names_the_one_hot_target():
    # −log ŷ₁ is the cross-entropy only because example 1's target is (1, 0, 0)
    v = one(SOFTMAX, "ex1.loss", "-log(ex1.yhat[1])")
    assert v.verdict == "equal_here"
    assert {g["name"] for g in v.notes[0]["givens"]} == {"ex1.y[1]", "ex1.y[2]", "ex1.y[3]"}


@pytest.mark.parametrize("name, text, mistake, value", [
    ("grad.W2[1,1]", "ex1.delta2[1]*ex1.a1[1] + ex2.delta2[1]*ex2.a1[1]", "mean_omitted",
     lambda p: p[0]["delta2"][0] * p[0]["a1"][0] + p[1]["delta2"][0] * p[1]["a1"][0]),
    ("ex1.grad.a1[1]", "W2[1,1]*ex1.delta2[1]", "fanout_omitted",
     lambda p: p[0]["W2"][0, 0] * p[0]["delta2"][0]),
    ("ex1.grad.a1[1]", "W2[1,1]*ex1.delta2[1] + W2[1,2]*ex1.delta2[2] + "
     "W2[1,3]*ex1.delta2[3]", "index_transposed", lambda p: p[0]["W2"][0] @ p[0]["delta2"]),
    # for the class that is not the target, ∂L/∂ŷ₂ = −0/ŷ₂ = 0 kills the diagonal form
    # (for the target class it happens to agree: ŷ₁ − 1 either way)
    ("ex1.delta2[2]", "ex1.grad.yhat[2]*ex1.yhat[2]*(1 - ex1.yhat[2])", "softmax_diagonal",
     lambda p: 0.0),
    ("ex1.delta2[1]", "ex1.y[1] - ex1.yhat[1]", "sign_flipped",
     lambda p: 1 - p[0]["yhat"][0]),
    ("next.W2[1,1]", "W2[1,1] + lr*grad.W2[1,1]", "gradient_added",
     lambda p: 0.3 + 0.5 * (p[0]["delta2"][0] * p[0]["a1"][0]
                            + p[1]["delta2"][0] * p[1]["a1"][0]) / 2),
])
def test_softmax_different_formulas_name_the_mistake(name, text, mistake, value):
    v = one(SOFTMAX, name, text)
    assert v.verdict == "different"
    assert v.mistakes[0]["code"] == mistake
    assert float(v.value) == pytest.approx(value(_softmax_pass()), abs=6e-5)


# the answers file, the command line, the views ---------------------------------------------
def test_formulas_in_an_answers_file_beside_numbers():
    claims = read_answers_text("delta1[1]: -0.0172\nformulas:\n  delta1[1]: W2[1,1]*delta2[1]\n"
                               "  grad.W1[1,2]: 0\n", "answers.yaml")
    assert [(c.name, c.kind) for c in claims] == [("delta1[1]", "number"),
                                                  ("delta1[1]", "formula"),
                                                  ("grad.W1[1,2]", "formula")]
    report = checker(SEED).check(claims)
    assert [(v.kind, v.verdict) for v in report.verdicts] == [
        ("node", "correct"), ("formula", "different"), ("formula", "equal_here")]
    data = report.to_dict()
    assert data["counts"]["correct"] == 1
    assert data["formula_counts"] == {"equivalent": 0, "equal_here": 1, "different": 1,
                                      "unknown": 0}
    assert data["first_wrong"] == "delta1[1]"


def test_cli_formula_option_json_and_table():
    runner = CliRunner()
    args = ["check", str(SEED), "--formula", "delta1[1] = W2[1,1]*delta2[1]*dact1[1]",
            "--formula", "grad.W1[1,2]=0"]
    data = json.loads(runner.invoke(main, [*args, "--format", "json"]).output)
    assert [c["verdict"] for c in data["claims"]] == ["equivalent", "equal_here"]
    table = runner.invoke(main, args).output
    assert "it holds only because x[2] = 0" in table
    assert "proven symbolically" in table
    bad = runner.invoke(main, ["check", str(SEED), "--formula", "delta1[1]"])
    assert bad.exit_code == 2 and "--formula: expected name = formula" in bad.output


def test_a_formulas_key_that_is_not_a_mapping_is_an_error():
    from symprop.errors import SpecError
    with pytest.raises(SpecError, match="formulas: expected a mapping"):
        read_answers_text("formulas: [1, 2]\n", "answers.yaml")
    with pytest.raises(SpecError, match=r"answers.yaml:2:3: formulas.delta1\[1\]: expected"):
        read_answers_text("formulas:\n  delta1[1]: [1]\n", "answers.yaml")


@pytest.mark.tex
def test_the_marked_sheet_shows_formulas_and_shapes_beside_numbers(tmp_path):
    """Seed 004's sheet with a shape slip and formulas: one PDF, no box more than 1 pt
    too wide, and the formula verdicts in the text beside the number verdicts."""
    import re
    import subprocess

    from symprop.render import render
    answers = tmp_path / "answers.yaml"
    answers.write_text((EXAMPLES / "answers" / "seed-004.yaml").read_text().replace(
        "grad.W1: [[-0.0172, 0], [0.01345, 0]]", "grad.W1: [[-0.0172, 0.01345, 0]]") +
        "formulas:\n  delta1[1]: W2[1,1]*delta2[1]*a1[1]*(1 - a1[1])\n"
        "  next.W2[1,1]: W2[1,1] + lr*grad.W2[1,1]\n  grad.W1[1,2]: '0'\n"
        "  yhat[1]: sigma(W2[1,1]*a1[1] + W2[1,2]*a1[2] + b2[1])\n")
    data = json.loads(CliRunner().invoke(main, ["check", str(SEED), str(answers),
                                                "--format", "json"]).output)
    (tmp_path / "m.tex").write_text(render("check.tex.j2", data))
    subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "m.tex"],
                   cwd=tmp_path, capture_output=True, timeout=120, check=True)
    log = (tmp_path / "m.log").read_text(errors="replace")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide", log)]
    assert max(widths, default=0) < 1, widths
    words = " ".join(subprocess.run(["pdftotext", str(tmp_path / "m.pdf"), "-"],
                                    capture_output=True, text=True, check=True).stdout.split())
    assert "equivalent, proven symbolically" in words
    assert "grad.W1 is 2×2; you wrote 1×3" in words
    assert "it holds only because x[2] = 0" in words
    assert "gradient added instead of subtracted" in words
    assert "Formulas: 2 equivalent, 1 equal here only, 1 different, 0 unknown" in words


def test_the_example_formula_sheet():
    report = checker(SEED).check(read_answers(EXAMPLES / "answers" / "seed-004-formulas.yaml"))
    formulas = {(v.name, v.verdict) for v in report.verdicts if v.kind == "formula"}
    assert formulas == {("delta2[1]", "equivalent"), ("delta1[1]", "equivalent"),
                        ("grad.W2[1,2]", "equivalent"), ("grad.W1[1,2]", "equal_here"),
                        ("delta1[2]", "different"), ("next.W2[1,1]", "different")}
    assert report.counts()["wrong"] == 0
