"""Exact evaluation: exact values stay small, tiny values keep their digits, and values far
beyond 10^±300 cost no memory. Reference values come from mpmath at high precision,
written out in each test, never from symprop's own output."""

from fractions import Fraction

import mpmath
import pytest

import symprop
from symprop.decimals import ratio
from symprop.evaluate import FRACTION_BITS, STABLE_DIGITS
from symprop.latex import number


def one_unit(weight: str, y: str = "1", loss: str = "half_squared_error") -> str:
    return (f"layers: [{{units: 1}}, {{units: 1, activation: sigmoid}}]\n"
            f"parameters: {{W1: {weight}, b1: 0}}\ndata: [{{x: 1, y: {y}}}]\n"
            f"loss: {loss}\nlearning_rate: 0.1\n")


def relative(value, expected) -> mpmath.mpf:
    with mpmath.workdps(200):
        return abs(mpmath.mpf(value) / expected - 1)


def test_exact_values_turn_high_precision_past_the_size_budget_over_many_steps():
    steps = 10  # exact digits triple every step: step 8 used to need 4,300 digits
    spec = ("layers: [{units: 1}, {units: 1, activation: identity}, "
            "{units: 1, activation: identity}]\n"
            "parameters: {W1: 0.3, b1: 0.1, W2: 0.7, b2: 0.05}\n"
            "data: [{x: 1, y: 1}]\nloss: half_squared_error\n"
            f"learning_rate: 0.1\nsteps: {steps}\n")
    solution = symprop.loads(spec).solve(symbolic_seconds=0)
    # SGD on ŷ = W2 (W1 x + b1) + b2, L = ½(y − ŷ)², by hand, at 100 digits
    with mpmath.workdps(100):
        w1, b1, w2, b2 = (mpmath.mpf(v) for v in ("0.3", "0.1", "0.7", "0.05"))
        lr = mpmath.mpf("0.1")
        for _ in range(steps):
            a1 = w1 + b1
            g = w2 * a1 + b2 - 1  # ∂L/∂ŷ
            w1, b1, w2, b2 = w1 - lr * g * w2, b1 - lr * g * w2, w2 - lr * g * a1, b2 - lr * g
        final = (w2 * (w1 + b1) + b2 - 1) ** 2 / 2
    assert relative(solution.value(f"step{steps}.next.loss"), final) < mpmath.mpf(10) ** -40
    assert solution.value("loss") == Fraction(1, 2) * (1 - Fraction(33, 100)) ** 2  # exact
    data = {q["name"]: q for q in solution.to_dict()["quantities"]}
    assert data["loss"]["exact"] == "4489/20000" and data["loss"]["significant_digits"] is None
    late = data[f"step{steps}.next.loss"]
    assert late["exact"] is None and late["significant_digits"] == STABLE_DIGITS
    # every exact value is within the size budget
    for name, value in solution.values.items():
        if type(value) is Fraction:
            assert value.numerator.bit_length() + value.denominator.bit_length() \
                <= FRACTION_BITS, name


@pytest.mark.parametrize("weight", ["200", "1000", "1e4"])
def test_tiny_values_keep_their_significant_digits(weight):
    solution = symprop.loads(one_unit(weight)).solve(symbolic_seconds=0)
    with mpmath.workdps(100):  # ∂L/∂ŷ = ŷ − 1 = −e^{−z}/(1 + e^{−z}), with no cancellation
        t = mpmath.exp(-mpmath.mpf(weight))
        expected = -t / (1 + t)
    assert relative(solution.value("grad.yhat[1]"), expected) < mpmath.mpf(10) ** -STABLE_DIGITS
    # and the residual of ŷ itself: 1 − ŷ is the same tiny number
    assert relative(1 - solution.value("yhat[1]"), -expected) < mpmath.mpf(10) ** -STABLE_DIGITS
    assert solution.to_dict()["quantities"][6]["float"] != 0.0


def test_an_inexact_zero_is_not_taken_for_an_answer():
    # z = (750, −750): 1 − ŷ₁ = e^{−1500}/(1 + e^{−1500}) cancels 651 digits; δ₁ = ŷ₁ − 1
    spec = ("layers: [{units: 1}, {units: 2, activation: softmax}]\n"
            "parameters: {W1: [[750], [-750]], b1: [0, 0]}\n"
            "data: [{x: 1, y: [1, 0]}]\nloss: cross_entropy\nlearning_rate: 0.1\n")
    solution = symprop.loads(spec).solve(symbolic_seconds=0)
    with mpmath.workdps(50):
        t = mpmath.exp(-1500)
        expected_delta, expected_loss = -t / (1 + t), mpmath.log1p(t)
    assert relative(solution.value("delta1[1]"), expected_delta) < mpmath.mpf(10) ** -40
    assert relative(solution.value("loss"), expected_loss) < mpmath.mpf(10) ** -40


def test_extreme_exponents_are_never_written_out_as_integers():
    solution = symprop.loads(one_unit("-1e12")).solve(symbolic_seconds=0)
    yhat = solution.value("yhat[1]")  # σ(−10¹²) = e^{−10¹²}/(1 + e^{−10¹²})
    with pytest.raises(OverflowError):
        ratio(yhat)  # would be a 1.4·10¹²-bit integer
    with mpmath.workdps(60):
        t = mpmath.exp(-mpmath.mpf(10) ** 12)
        expected = t / (1 + t)
        log10 = mpmath.log10(expected)
        exponent = int(mpmath.floor(log10))
        mantissa = mpmath.mpf(10) ** (log10 - exponent)
    assert relative(yhat, expected) < mpmath.mpf(10) ** -40
    assert number(yhat, 4) == \
        f"{mpmath.nstr(mantissa, 4, strip_zeros=False)} \\times 10^{{{exponent}}}"
    # the one number display: the table and JSON write what the sheet writes
    assert solution.text("yhat[1]", 4) == \
        f"{mpmath.nstr(mantissa, 4, strip_zeros=False)}e{exponent:+d}"
    assert solution.text("yhat[1]", significant=3) == \
        f"{mpmath.nstr(mantissa, 3, strip_zeros=False)}e{exponent:+d}"
    data = {q["name"]: q for q in solution.to_dict(significant=3)["quantities"]}
    assert data["yhat[1]"]["float"] is None and data["yhat[1]"]["carry"] is None
    with mpmath.workdps(60):
        written = mpmath.mpf(data["yhat[1]"]["value"])
    assert relative(written, expected) < mpmath.mpf(10) ** -30


def test_a_structural_zero_is_stated_with_an_absolute_bound():
    # two identical hidden units and output weights 1, −1: z⁽²⁾ = a₁ − a₂ = 0, computed
    # from two inexact sigmoids; no number of digits makes it relatively stable
    spec = ("layers: [{units: 1}, {units: 2, activation: sigmoid}, "
            "{units: 1, activation: identity}]\n"
            "parameters: {W1: [[0.5], [0.5]], b1: [0.1, 0.1], W2: [[1, -1]], b2: 0}\n"
            "data: [{x: 1, y: 1}]\nloss: half_squared_error\nlearning_rate: 0.1\n")
    solution = symprop.loads(spec).solve(symbolic_seconds=0)
    kind, digits = solution.values.precision("z2[1]")
    assert abs(solution.value("z2[1]")) < mpmath.mpf(10) ** -2000
    assert kind in ("absolute", "exact")
    if kind == "absolute":
        assert digits > 2000
        assert solution.precision("z2[1]") == {"significant_digits": None,
                                               "absolute_error": f"1e-{digits}"}


def test_the_variants_fast_kit_keeps_the_same_size_budget():
    from symprop.derive import build
    from symprop.evaluate import Program, fast_kit

    spec = ("layers: [{units: 1}, {units: 1, activation: identity}, "
            "{units: 1, activation: identity}]\n"
            "parameters: {W1: 0.3, b1: 0.1, W2: 0.7, b2: 0.05}\n"
            "data: [{x: 1, y: 1}]\nloss: half_squared_error\nlearning_rate: 0.1\nsteps: 12\n")
    problem = symprop.loads(spec)
    program = Program(build(problem), fast_kit(256))
    values, _ = program.run(program.given_values(problem))
    for value in values:
        if type(value) is Fraction:
            assert value.numerator.bit_length() + value.denominator.bit_length() \
                <= FRACTION_BITS
    assert type(values[-1]) is tuple  # the last loss: a raw binary float, not 10⁶ digits
