"""Huge arguments stay exact in the graph and stable in NumPy; the checks still agree."""

import mpmath

import symprop


def spec(z: str, activation: str, loss: str, outputs: int, y: str) -> str:
    weights = "[[1]]" if outputs == 1 else "[[1], [-1]]"
    biases = "[0]" if outputs == 1 else "[0, 0]"
    return f"""
layers: [{{units: 1}}, {{units: {outputs}, activation: {activation}}}]
parameters: {{W1: {weights}, b1: {biases}}}
data: [{{x: {z}, y: {y}}}]
loss: {loss}
learning_rate: 0.1
"""


def test_sigmoid_of_1000_with_target_0():
    solution = symprop.loads(spec("1000", "sigmoid", "binary_cross_entropy", 1, "0")).solve(
        symbolic_seconds=0)
    # L = −log(1 − σ(1000)) = log(1 + e^{1000}) = 1000 + log(1 + e^{−1000})
    with mpmath.workdps(500):
        expected = 1000 + mpmath.log(1 + mpmath.exp(-1000))
        # the evaluator guarantees 40 significant digits (symprop.evaluate.STABLE_DIGITS)
        assert abs(solution.value("loss") / expected - 1) < mpmath.mpf(10) ** -40
        # 1 − σ(1000) ≈ e^{−1000} is computed, not lost to cancellation
        gap = 1 - solution.value("yhat")
        assert abs(gap / mpmath.exp(-1000) - 1) < mpmath.mpf(10) ** -35
    assert solution.numpy.agrees and solution.finite_differences.agrees


def test_softmax_of_large_logits():
    solution = symprop.loads(spec("800", "softmax", "cross_entropy", 2, "[0, 1]")).solve(
        symbolic_seconds=0)
    # z = (800, −800): L = −log ŷ₂ = 1600 + log(1 + e^{−1600})
    with mpmath.workdps(1000):
        expected = 1600 + mpmath.log(1 + mpmath.exp(-1600))
        assert abs(solution.value("loss") / expected - 1) < mpmath.mpf(10) ** -40
    assert solution.numpy.agrees and solution.proof.agrees
    data = solution.to_dict()
    floats = [q["float"] for q in data["quantities"]]
    assert all(f is None or abs(f) < float("inf") for f in floats)


def test_tanh_saturates_without_losing_its_slope():
    solution = symprop.loads(spec("40", "tanh", "half_squared_error", 1, "0")).solve(
        symbolic_seconds=0)
    # tanh'(40) = 1 − tanh²(40) ≈ 4e^{−80} ≈ 7.2e−35: tiny but exact, not 0
    with mpmath.workdps(100):
        expected = 1 - mpmath.tanh(40) ** 2
        assert abs(solution.value("dact1[1]") / expected - 1) < mpmath.mpf(10) ** -30
    assert solution.numpy.agrees
