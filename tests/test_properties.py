"""Property: for random small networks, the chain rule, the direct derivative, NumPy and
central finite differences agree (any disagreement raises VerificationError in solve)."""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symprop

HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu"]
EXAMPLES = int(os.environ.get("SYMPROP_PROPERTY_EXAMPLES", "80"))
grid = st.integers(-10, 10).map(lambda k: f"{k / 10:.1f}")


@st.composite
def problems(draw):
    depth = draw(st.integers(1, 4))
    widths = [draw(st.integers(1, 4)) for _ in range(depth)]  # inputs, hidden…
    loss = draw(st.sampled_from(["half_squared_error", "squared_error", "mean_squared_error",
                                 "binary_cross_entropy", "cross_entropy"]))
    if loss == "binary_cross_entropy":
        output, outputs = "sigmoid", draw(st.integers(1, 3))
    elif loss == "cross_entropy":
        output = draw(st.sampled_from(["softmax", "sigmoid"]))
        outputs = draw(st.integers(2, 4)) if output == "softmax" else draw(st.integers(1, 3))
    else:
        output = draw(st.sampled_from([*HIDDEN, "softmax"]))
        outputs = draw(st.integers(2 if output == "softmax" else 1, 3))
    units = [*widths, outputs]
    layers = [f"  - {{units: {units[0]}}}"]
    for l in range(1, len(units)):
        activation = output if l == len(units) - 1 else draw(st.sampled_from(HIDDEN))
        bias = draw(st.sampled_from(["true", "false", "shared"]))
        layers.append(f"  - {{units: {units[l]}, activation: {activation}, bias: {bias}}}")
    lines = ["layers:", *layers, "parameters:"]
    for l in range(1, len(units)):
        rows = [[draw(grid) for _ in range(units[l - 1])] for _ in range(units[l])]
        lines.append(f"  W{l}: [{', '.join('[' + ', '.join(r) + ']' for r in rows)}]")
        if "bias: true" in layers[l]:
            lines.append(f"  b{l}: [{', '.join(draw(grid) for _ in range(units[l]))}]")
        elif "bias: shared" in layers[l]:
            lines.append(f"  b{l}: {draw(grid)}")
    target = (st.integers(0, 10).map(lambda k: f"{k / 10:.1f}")
              if "entropy" in loss else grid)
    lines.append("data:")
    for _ in range(draw(st.integers(1, 3))):
        x = ", ".join(draw(grid) for _ in range(units[0]))
        y = ", ".join(draw(target) for _ in range(outputs))
        lines.append(f"  - {{x: [{x}], y: [{y}]}}")
    lines += [f"loss: {loss}", f"reduction: {draw(st.sampled_from(['sum', 'mean']))}",
              "learning_rate: 0.5", f"relu_derivative_at_zero: {draw(st.integers(0, 1))}"]
    return "\n".join(lines) + "\n"


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_symbolic_numpy_and_finite_differences_agree(text):
    solution = symprop.loads(text).solve(symbolic_seconds=0)
    assert solution.proof.agrees and solution.numpy.agrees
    assert solution.finite_differences.agrees
    assert solution.proof.gradients, "every trained parameter has a proven gradient"
    assert solution.numpy.compared > 0
