from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


# specs several test files use: a tanh batch over two steps with drawing rules, and a deep
# softmax batch with shared and absent biases and frozen entries
BATCH_SPEC = """
name: tanh batch, two steps
layers: [{units: 1}, {units: 2, activation: tanh}, {units: 1, activation: sigmoid}]
parameters: {W1: [[0.5], [-0.5]], b1: [0, 0], W2: [[1, 1]], b2: [0]}
data: [{x: 1, y: 1}, {x: -1, y: 0}]
loss: binary_cross_entropy
learning_rate: 0.5
steps: 2
variants:
  vary: {parameters: {low: -1, high: 1, step: 0.1}, y: {values: [0, 1]}}
  ask: [loss, ex1.loss, grad.W1, step2.grad.W1, step2.next.loss]
  preactivation: 3
"""

DEEP_SPEC = """
name: deep batch softmax, shared and no biases, frozen, mean
layers:
  - {units: 2}
  - {units: 3, activation: tanh, bias: false}
  - {units: 2, activation: relu, bias: shared}
  - {units: 2, activation: softmax}
parameters:
  W1: [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]
  W2: [[0.2, -0.1, 0.3], [-0.4, 0.5, 0.1]]
  b2: [0.05]
  W3: [[0.3, -0.2], [0.1, 0.4]]
  b3: [0, 0.1]
frozen: ["W1[1,1]", "b3"]
data:
  - {x: [1, 0], y: [1, 0]}
  - {x: [0, 1], y: [0, 1]}
loss: cross_entropy
reduction: mean
learning_rate: 0.5
steps: 2
"""

# a ReLU unit exactly at its kink (z⁽¹⁾ = 1·1 − 1 = 0), with the convention ReLU'(0) = 0
RELU_AT_ZERO = """
layers: [{units: 1}, {units: 1, activation: relu}, {units: 1, activation: identity}]
parameters: {W1: [[1]], b1: [-1], W2: [[2]], b2: [0.5]}
data: [{x: [1], y: [2]}]
loss: half_squared_error
relu_derivative_at_zero: 0
"""


@pytest.fixture(scope="session")
def examples() -> Path:
    return EXAMPLES


_solved = {}


def worked_lines(context, kind: str | None = None) -> list:
    """Every worked line and equation (``Worked``) in a sheet's context, in order."""
    from symprop.sheets import Worked

    out = []

    def walk(item):
        if isinstance(item, Worked):
            out.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(context)
    return [line for line in out if kind is None or line.kind == kind]


def solved(name: str, **options):
    """Solve an example once per session (the symbolic proof takes a moment)."""
    import symprop

    key = (name, tuple(sorted(options.items())))
    if key not in _solved:
        _solved[key] = symprop.load(EXAMPLES / name).solve(**options)
    return _solved[key]


def pytest_collection_modifyitems(config, items):
    """Tests marked ``tex`` need pdflatex: skipped locally without it, failed in CI."""
    import os
    import shutil

    if shutil.which("pdflatex") or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="pdflatex not installed (CI installs TeX Live)")
    for item in items:
        if "tex" in item.keywords:
            item.add_marker(skip)
