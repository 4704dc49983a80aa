"""The float64 reference and finite differences compare only where float64 can know the
answer; saturated valid problems are solved, not refused. Reference values: mpmath."""

import mpmath
import pytest

import symprop


def sigmoid_bce(weight: str) -> str:
    return ("layers: [{units: 1}, {units: 1, activation: sigmoid}]\n"
            f"parameters: {{W1: {weight}, b1: 0}}\ndata: [{{x: 1, y: 0}}]\n"
            "loss: binary_cross_entropy\nlearning_rate: 0.1\n")


def softmax_ce(y: str) -> str:
    return ("layers: [{units: 1}, {units: 2, activation: softmax}]\n"
            "parameters: {W1: [[750], [-750]], b1: [0, 0]}\n"
            f"data: [{{x: 1, y: {y}}}]\nloss: cross_entropy\nlearning_rate: 0.1\n")


@pytest.mark.parametrize("weight", ["20", "30", "700"])
def test_saturated_sigmoid_with_cross_entropy_is_solved_and_compared(weight):
    solution = symprop.loads(sigmoid_bce(weight)).solve(symbolic_seconds=0)  # no error
    z = mpmath.mpf(weight)
    with mpmath.workdps(60):  # ∂L/∂ŷ = 1/(1 − σ(z)) = 1 + e^z, L = log(1 + e^z)
        assert abs(solution.value("grad.yhat[1]") / (1 + mpmath.exp(z)) - 1) < 1e-40
        assert abs(solution.value("loss") / mpmath.log1p(mpmath.exp(z)) - 1) < 1e-40
    # float64 knows 1 + e^20 = 485165196.41…: the reference computes it from the logits
    assert "grad.yhat[1]" not in " ".join(solution.numpy.skipped)
    assert solution.numpy.largest_difference < 1e-12


def test_a_loss_of_a_million_is_finite():
    solution = symprop.loads(sigmoid_bce("1e6")).solve(symbolic_seconds=0)
    with mpmath.workdps(60):  # L = −log(1 − σ(10⁶)) = 10⁶ + log(1 + e^{−10⁶})
        expected = mpmath.mpf(10) ** 6 + mpmath.log1p(mpmath.exp(-mpmath.mpf(10) ** 6))
        assert abs(solution.value("loss") / expected - 1) < 1e-40
    # 1/(1 − ŷ) = e^{10⁶} is beyond float64: said so, not compared
    assert any(s.startswith("grad.yhat[1]: beyond the float64 range")
               for s in solution.numpy.skipped)


@pytest.mark.parametrize("y", ["[0, 1]", "[1, 0]"])
def test_saturated_softmax_is_solved_and_what_float64_cannot_know_is_listed(y):
    solution = symprop.loads(softmax_ce(y)).solve(symbolic_seconds=0)
    with mpmath.workdps(60):  # z = (750, −750); L = log(1 + e^{∓1500}) ± 1500
        t = mpmath.exp(-1500)
        expected = 1500 + mpmath.log1p(t) if y == "[0, 1]" else mpmath.log1p(t)
        assert abs(solution.value("loss") / expected - 1) < 1e-40
    assert solution.numpy.agrees and solution.finite_differences.agrees
    for skipped in solution.numpy.skipped:
        assert "float64" in skipped
