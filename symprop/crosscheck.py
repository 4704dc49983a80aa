"""Compare the exact values with two independent numeric references.

* NumPy: the float64 backprop of ``backprop.py`` for every quantity it names.
* Finite differences: central differences of the NumPy loss for every gradient, at the
  parameters of each step; skipped (and said so) for a step whose ReLU pre-activation
  lies within the difference step of the kink.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .activations import ACTIVATIONS
from .backprop import Network, reference

NUMPY_RTOL = 1e-9  # |numpy − exact| ≤ NUMPY_RTOL · max(1, |exact|)
FD_STEP = 1e-6  # h = FD_STEP · max(1, |θ|)
FD_RTOL = 1e-5  # |fd − exact| ≤ FD_RTOL · max(1, |exact|, |L|)


@dataclass
class Comparison:
    kind: str  # 'numpy' or 'finite_differences'
    tolerance: float
    compared: int = 0
    largest_difference: float = 0.0
    worst: str = ""
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.failures

    def record(self, name: str, exact: float, other: float, scale: float) -> None:
        """Compare where float64 can know the answer; say why where it cannot."""
        if not math.isfinite(exact):  # the exact value lies beyond float64's range
            self.skipped.append(f"{name}: beyond the float64 range")
            return
        if not math.isfinite(other):  # e.g. 1/(1 − ŷ) = e^{1500} on the way to a finite δ
            self.skipped.append(f"{name}: float64 overflows on the way to it "
                                f"(exact {exact:.6g}, {self.kind} {other!r})")
            return
        self.compared += 1
        gap = abs(other - exact)
        relative = gap / scale
        if relative > self.largest_difference or not self.worst:
            self.largest_difference, self.worst = relative, name
        if not relative <= self.tolerance:
            self.failures.append(f"{name}: exact {exact!r}, {self.kind} {other!r}")


def against_numpy(problem, float_of) -> Comparison:
    """``float_of(name)``: the exact value of any node or alias, as a float."""
    out = Comparison("numpy", NUMPY_RTOL)
    if problem.kind == "circuit":  # a computation graph: the reverse-mode walk over its trees
        from .backprop_graph import reference as graph_reference
        found = {}
        for name, value in graph_reference(problem).items():
            try:  # an edge SymPy simplified away (x − x) has no local-gradient node
                float_of(name)
            except KeyError:
                continue
            found[name] = value
    else:
        found = reference(problem)
    for name, value in found.items():
        exact = float_of(name)
        out.record(name, exact, value, max(1.0, abs(exact)))
    return out


def against_finite_differences(problem, graph, float_of) -> Comparison:
    out = Comparison("finite_differences", FD_RTOL)
    if problem.kind == "circuit":
        return _graph_differences(problem, float_of, out)
    for step in range(1, problem.steps + 1):
        prefix = f"step{step}." if step > 1 else ""
        params = {e: float_of(f"{prefix}{e}") for e in problem.entries()}
        if _near_kink(graph, float_of, step):
            out.skipped.append(f"step {step}: a ReLU pre-activation lies within h of 0")
            continue
        loss = float_of(f"{prefix}loss")
        network = Network(problem, params)
        for entry in problem.trained():
            h = FD_STEP * max(1.0, abs(params[entry]))
            fd = (network.nudged_loss(entry, h) - network.nudged_loss(entry, -h)) / (2 * h)
            exact = float_of(f"{prefix}grad.{entry}")
            scale = max(1.0, abs(exact), abs(loss)) if math.isfinite(loss) else math.inf
            out.record(f"{prefix}grad.{entry}", exact, fd, scale)
    return out


def _near_kink(graph, float_of, step: int) -> bool:
    layers = graph.problem.layers
    for node in graph.stage("forward"):
        label = node.label
        kinked = label.kind == "z" and ACTIVATIONS[layers[label.layer].activation].kinked
        if kinked and label.step == step:
            if abs(float_of(node.name)) < 1000 * FD_STEP:
                return True
    return False


def _graph_differences(problem, float_of, out: Comparison) -> Comparison:
    """Central differences of a computation graph's output by each input; skipped (and
    said so) when a kink (ReLU at 0, max or min at a tie, |u| at 0) lies within reach."""
    from .backprop_graph import kink_within, output_at

    inputs = {name: float(value) for name, value in problem.inputs.items()}
    reach = 1000 * FD_STEP * max(1.0, *map(abs, inputs.values()))
    if kink_within(problem, inputs, reach):
        out.skipped.append("a kink (ReLU at 0, max or min at a tie, |u| at 0) lies within "
                           "h of its input")
        return out
    output = float_of(problem.output)
    for name in problem.inputs:
        h = FD_STEP * max(1.0, abs(inputs[name]))
        up, down = dict(inputs), dict(inputs)
        up[name] += h
        down[name] -= h
        fd = (output_at(problem, up) - output_at(problem, down)) / (2 * h)
        exact = float_of(f"grad.{name}")
        scale = max(1.0, abs(exact), abs(output)) if math.isfinite(output) else math.inf
        out.record(f"grad.{name}", exact, fd, scale)
    return out
