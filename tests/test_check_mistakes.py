"""Each named mistake, made on purpose in a hand computation written out here.

``hand`` works the textbook 2-2-1 example (seed 004: x = (1, 0), y = 1, η = 0.5, sigmoid
units, L = ½(y − ŷ)²) the way a student does: plain float arithmetic, each written value
rounded to 4 places and used rounded from then on. It shares no code with symprop. One
switch makes one mistake; the test asserts that `check` names it at the first wrong step.
"""

import math

import pytest

from symprop.check import Checker
from symprop.check.claims import RawClaim
from symprop.spec import load, loads

EXAMPLES = __import__("conftest").EXAMPLES
_checker = {}


def checker(spec="textbook-2-2-1.yaml"):
    if spec not in _checker:
        _checker[spec] = Checker(load(EXAMPLES / spec))
    return _checker[spec]


def sig(t):
    return 1 / (1 + math.exp(-t))


def hand(mistake=None, z11=None, delta12=None, rounded=True):
    """name → text, as a student writes it (4 places, carried rounded); with
    ``rounded=False``, name → float carried at full float precision."""
    sheet = {}

    def put(name, value):
        if not rounded:
            sheet[name] = value
            return value
        value = round(value, 4)
        sheet[name] = f"{value:.4f}"
        return value

    x, y, lr = [1.0, 0.0], 1.0, 0.5
    W1, b1 = [[0.5, -0.3], [0.2, 0.8]], [0.1, -0.2]
    W2, b2 = [0.7, -0.5], 0.05
    bias = 0.0 if mistake == "bias_omitted" else 1.0
    # forward: z = W x + b, a = σ(z)
    z1 = []
    for i in range(2):
        w = [W1[j][i] for j in range(2)] if mistake == "index_transposed@z" else W1[i]
        z1.append(put(f"z1[{i + 1}]", w[0] * x[0] + w[1] * x[1] + bias * b1[i]))
    if z11 is not None:  # an arithmetic slip, carried forward from here on
        z1[0] = put("z1[1]", z11)
    a1 = [put(f"a1[{i + 1}]", sig(z1[i])) for i in range(2)]
    z2 = put("z2[1]", W2[0] * a1[0] + W2[1] * a1[1] + bias * b2)
    yh = put("yhat[1]", sig(z2))
    half = 1.0 if mistake == "half_dropped" else 0.25 if mistake == "half_doubled" else 0.5
    put("loss", half * (y - yh) ** 2)
    # backward: ∂L/∂ŷ = −(y − ŷ), δ2 = ∂L/∂ŷ σ'(z2)
    g = (y - yh) if mistake == "sign_flipped" else -(y - yh)
    g = put("grad.yhat[1]", g * {"half_dropped": 2, "half_doubled": 0.5}.get(mistake, 1))

    def slope(z, a):
        if mistake == "slope_from_z":
            return z * (1 - z)
        if mistake == "slope_of_activation":
            return sig(a) * (1 - sig(a))
        return a * (1 - a)

    s2 = put("dact2[1]", slope(z2, yh))
    d2 = put("delta2[1]", g if mistake == "slope_omitted" else g * s2)
    gW2 = [put(f"grad.W2[1,{j + 1}]", d2 * a1[j]) for j in range(2)]
    put("grad.b2[1]", d2)

    def step(theta, grad):
        if mistake == "gradient_added":
            return theta + lr * grad
        if mistake == "lr_omitted":
            return theta - grad
        return theta - lr * grad

    nW2 = [put(f"next.W2[1,{j + 1}]", step(W2[j], gW2[j])) for j in range(2)]
    put("next.b2[1]", step(b2, d2))
    # δ1 = (W2)ᵀ δ2 ⊙ σ'(z1)
    back = nW2 if mistake == "updated_weights" else W2
    ga = [put(f"grad.a1[{i + 1}]", back[i] * d2) for i in range(2)]
    s1 = [put(f"dact1[{i + 1}]", slope(z1[i], a1[i])) for i in range(2)]
    d1 = [put(f"delta1[{i + 1}]", ga[i] if mistake == "slope_omitted" else ga[i] * s1[i])
          for i in range(2)]
    if delta12 is not None:
        d1[1] = put("delta1[2]", delta12)
    gW1 = [[d1[i] * x[j] for j in range(2)] for i in range(2)]
    if mistake == "index_transposed":
        gW1 = [[gW1[j][i] for j in range(2)] for i in range(2)]
    gW1 = [[put(f"grad.W1[{i + 1},{j + 1}]", gW1[i][j]) for j in range(2)] for i in range(2)]
    for i in range(2):
        put(f"grad.b1[{i + 1}]", d1[i])
        put(f"next.b1[{i + 1}]", step(b1[i], d1[i]))
        for j in range(2):
            put(f"next.W1[{i + 1},{j + 1}]", step(W1[i][j], gW1[i][j]))
    return sheet


def claims(sheet):
    return [RawClaim(name, text) for name, text in sheet.items()]


def test_the_hand_computation_without_mistakes_is_all_right():
    report = checker().check(claims(hand()))
    assert {v.verdict for v in report.verdicts} <= {"correct", "rounding"}


@pytest.mark.parametrize("mistake, first", [
    ("half_dropped", "loss"),
    ("half_doubled", "loss"),
    ("sign_flipped", "grad.yhat[1]"),
    ("slope_from_z", "dact2[1]"),
    ("slope_of_activation", "dact2[1]"),
    ("slope_omitted", "delta2[1]"),
    ("updated_weights", "grad.a1[1]"),
    ("index_transposed", "grad.W1[1,2]"),
    ("index_transposed@z", "z1[2]"),
    ("gradient_added", "next.W1[1,1]"),
    ("lr_omitted", "next.W1[1,1]"),
    ("bias_omitted", "z1[1]"),
])
def test_check_names_the_mistake(mistake, first):
    report = checker().check(claims(hand(mistake)))
    wrong = report.first_wrong
    assert wrong is not None and wrong.name == first
    code = mistake.partition("@")[0]
    assert wrong.mistakes and wrong.mistakes[0]["code"] == code
    assert wrong.mistakes[0]["inputs"] == "own"  # reproduced from the student's own numbers


def test_a_mistake_is_named_from_the_chain_when_the_step_is_not_written():
    """σ' taken from z, but only δ2 written: the mistake is found upstream."""
    sheet = hand("slope_from_z")
    sheet = {k: v for k, v in sheet.items() if k in ("z2[1]", "yhat[1]", "delta2[1]")}
    (delta,) = [v for v in checker().check(claims(sheet)).verdicts if v.name == "delta2[1]"]
    assert delta.verdict == "wrong"
    assert delta.mistakes[0]["code"] == "slope_from_z"


RELU_AT_ZERO = __import__("conftest").RELU_AT_ZERO


def test_relu_zero_convention():
    # z1 = 1·1 − 1 = 0, a1 = 0, ŷ = 2·0 + 0.5 = 0.5, ∂L/∂ŷ = −(2 − 0.5) = −1.5,
    # ∂L/∂a1 = 2·(−1.5) = −3; the student takes relu'(0) = 1 (the spec says 0):
    # δ1 = −3·1 = −3, ∂L/∂W1 = δ1·x = −3.
    sheet = {"z1[1]": "0", "a1[1]": "0", "yhat[1]": "0.5", "grad.yhat[1]": "-1.5",
             "grad.a1[1]": "-3", "dact1[1]": "1", "delta1[1]": "-3", "grad.W1[1,1]": "-3"}
    report = Checker(loads(RELU_AT_ZERO)).check(claims(sheet))
    verdicts = {v.name: v for v in report.verdicts}
    assert report.first_wrong.name == "dact1[1]"
    assert verdicts["dact1[1]"].mistakes[0]["code"] == "relu_zero"
    assert verdicts["delta1[1]"].verdict == "carried"
    assert verdicts["grad.W1[1,1]"].verdict == "carried"


def test_error_carried_forward_one_wrong_and_the_rest_carried():
    """Only z1[1] is wrong (0.7 for 0.6); every later number is the student's own correct
    arithmetic on it. Numbers that the slip cannot reach (z1[2], a1[2], …) stay correct."""
    right, sheet, exact = hand(), hand(z11=0.7), hand(rounded=False)
    report = checker().check(claims(sheet))
    verdicts = {v.name: v for v in report.verdicts}
    assert verdicts["z1[1]"].verdict == "wrong"
    assert report.first_wrong.name == "z1[1]"
    assert [v.name for v in report.verdicts if v.verdict == "wrong"] == ["z1[1]"]
    changed = [name for name in sheet if sheet[name] != right[name] and name != "z1[1]"]
    assert len(changed) > 20
    for name in changed:
        if sheet[name] == f"{exact[name]:.4f}":  # the slip happens to vanish here
            assert verdicts[name].verdict == "correct", name
            continue
        assert verdicts[name].verdict == "carried", name
        assert verdicts[name].inherits == ["z1[1]"], name
    for name in sheet:
        if sheet[name] == right[name]:
            assert verdicts[name].verdict in ("correct", "rounding"), name


def test_a_carried_value_that_only_looks_right_because_of_a_zero_is_flagged():
    # δ1[2] written as 0 (it is 0.0135): ∂L/∂W1[2,1] = 0·1 = 0 and W1[2,1] after the step
    # = 0.2 − 0.5·0 = 0.2 are carried, but only because the wrong value is 0.
    report = checker().check(claims(hand(delta12=0.0)))
    verdicts = {v.name: v for v in report.verdicts}
    assert verdicts["delta1[2]"].verdict == "wrong"
    for name, zero in (("grad.W1[2,1]", "delta1[2]"), ("grad.b1[2]", "delta1[2]"),
                       ("next.W1[2,1]", "grad.W1[2,1]"), ("next.b1[2]", "grad.b1[2]")):
        assert verdicts[name].verdict == "carried"
        assert verdicts[name].inherits == ["delta1[2]"]
        assert {"code": "trivial_zero", "name": zero} in verdicts[name].notes
    assert not [n for n in verdicts["next.W1[1,1]"].notes if n["code"].startswith("trivial")]
