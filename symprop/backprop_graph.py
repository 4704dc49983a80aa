"""An independent reference for computation graphs: a small reverse-mode walk in float64
over the parsed formulas, in the spirit of micrograd (each operation knows its local
derivative beside its value). It never imports SymPy and shares no formula with the
derivation graph: it reads only the validated CircuitProblem and its parsed trees.

    forward   every node's value, operation by operation
    backward  ∂node/∂operand for each edge (local.node.operand) by a reverse sweep over
              the node's own formula; then grad.output = 1 and, from the output back,
              grad.p += grad.q · local.q.p over every use (fan-out adds)
    step      next.x = x − η grad.x, and the forward pass again
    nudges    the forward pass with one value changed

Conventions match the derivation's: ReLU'(0) = relu_derivative_at_zero, |u|'(0) = 0, and
at a tie max and min share the gradient equally (split) or give it to the first tied
input (first). A tie is a difference within float64 rounding of the values.
"""

from __future__ import annotations

import math
from fractions import Fraction

TIE = 1e-12  # relative: values this close are a tie (float64 rounding cannot tell)


class _Tape:
    """One node's formula evaluated in float64, recording each operation for the sweep."""

    def __init__(self, problem, values: dict[str, float]):
        self.problem, self.values = problem, values
        self.kinks: list[float] = []  # distances to a kink (relu at 0, max at a tie, |u|)

    def run(self, tree):
        """(value, backward) where backward(seed) gives {operand name: ∂/∂operand}."""
        value, back = self.go(tree)
        return value, back

    def go(self, node):
        kind = node[0]
        if kind == "num":
            return float(node[1]), lambda g, out: None
        if kind == "name":
            name = node[1]

            def back(g, out, name=name):
                out[name] = out.get(name, 0.0) + g
            return self.values[name], back
        if kind == "neg":
            a, back_a = self.go(node[1])
            return -a, lambda g, out: back_a(-g, out)
        if kind in ("add", "sub", "mul", "div"):
            (a, back_a), (b, back_b) = self.go(node[1]), self.go(node[2])
            if kind == "add":
                return a + b, lambda g, out: (back_a(g, out), back_b(g, out))
            if kind == "sub":
                return a - b, lambda g, out: (back_a(g, out), back_b(-g, out))
            if kind == "mul":  # a multiply gate swaps its inputs
                return a * b, lambda g, out: (back_a(g * b, out), back_b(g * a, out))
            return a / b, lambda g, out: (back_a(g / b, out), back_b(-g * a / b**2, out))
        if kind == "pow":
            a, back_a = self.go(node[1])
            whole = type(node[2]) is not tuple and Fraction(node[2]).denominator == 1
            if a < 0 and not whole:  # not a real number (Python would give a complex one)
                raise ValueError("a power of a negative number")
            if type(node[2]) is tuple:  # a name as the exponent: aᵉ = e^{e ln a}
                e, back_e = self.go(node[2])
                value = a ** e
                return value, lambda g, out: (back_a(g * e * a ** (e - 1), out),
                                              back_e(g * value * math.log(a), out))
            e = float(node[2])
            return a ** e, lambda g, out: back_a(g * e * a ** (e - 1), out)
        return self.call(node[1], [self.go(argument) for argument in node[2:]])

    def call(self, function, arguments):
        (u, back_u) = arguments[0]
        if function == "exp":
            value = math.exp(u)
            return value, lambda g, out: back_u(g * value, out)
        if function == "log":
            return math.log(u), lambda g, out: back_u(g / u, out)
        if function == "sqrt":
            value = math.sqrt(u)
            return value, lambda g, out: back_u(g * 0.5 / value, out)
        if function == "tanh":
            value = math.tanh(u)
            return value, lambda g, out: back_u(g * (1 - value * value), out)
        if function == "sigmoid":
            value = 1 / (1 + math.exp(-u)) if u >= 0 else math.exp(u) / (1 + math.exp(u))
            return value, lambda g, out: back_u(g * value * (1 - value), out)
        if function == "relu":
            self.kinks.append(abs(u))
            zero = abs(u) <= TIE
            slope = float(self.problem.relu_derivative_at_zero) if zero else float(u > 0)
            return (0.0 if zero or u < 0 else u), lambda g, out: back_u(g * slope, out)
        if function == "abs":
            self.kinks.append(abs(u))
            sign = 0.0 if abs(u) <= TIE else math.copysign(1.0, u)
            return abs(u), lambda g, out: back_u(g * sign, out)
        values = [v for v, _ in arguments]  # max and min
        best = max(values) if function == "max" else min(values)
        scale = max(1.0, *map(abs, values))
        tied = [k for k, v in enumerate(values) if abs(v - best) <= TIE * scale]
        self.kinks += [abs(v - best) for v in values if abs(v - best) > TIE * scale]
        if len(tied) > 1:
            self.kinks.append(0.0)
        share = [0.0] * len(values)
        if self.problem.max_at_tie == "first":
            share[tied[0]] = 1.0
        else:
            for k in tied:
                share[k] = 1.0 / len(tied)

        def back(g, out):
            for (_, back_k), part in zip(arguments, share, strict=True):
                if part:
                    back_k(g * part, out)
        return best, back


def forward(problem, inputs: dict[str, float], nudge=None) -> tuple[dict, dict, list]:
    """(values, local gradients {(node, operand): value}, kink distances) at ``inputs``,
    with ``nudge`` (a Nudge) applied."""
    values = dict(inputs)
    if nudge is not None and nudge.target in values:
        values[nudge.target] += float(nudge.amount)
    locals_, kinks = {}, []
    for node in problem.nodes:
        tape = _Tape(problem, values)
        value, back = tape.run(node.tree)
        values[node.name] = value
        if nudge is not None and nudge.target == node.name:
            values[node.name] += float(nudge.amount)
        seeds: dict[str, float] = {}
        back(1.0, seeds)
        for operand, slope in seeds.items():
            locals_[(node.name, operand)] = slope
        kinks += tape.kinks
    return values, locals_, kinks


def _live(problem) -> set[str]:
    from .expressions import names_in

    uses = {node.name: names_in(node.tree) for node in problem.nodes}
    live, stack = {problem.output}, [problem.output]
    while stack:
        for name in uses[stack.pop()]:
            if name in uses and name not in live:
                live.add(name)
                stack.append(name)
    return live


def reference(problem) -> dict[str, float]:
    """Every quantity in float64 under the graph's canonical names (values beyond float64's
    range come out as ±inf or nan)."""
    try:
        return _reference(problem)
    except (OverflowError, ValueError, ZeroDivisionError):
        return {}


def _reference(problem) -> dict[str, float]:
    inputs = {name: float(v) for name, v in problem.inputs.items()}
    values, locals_, _ = forward(problem, inputs)
    out = dict(values)
    live = _live(problem)
    grads = {name: 0.0 for name in (*problem.inputs, *live)}
    grads[problem.output] = 1.0
    for node in reversed(problem.nodes):  # upstream × local, summed over the uses
        if node.name not in live:
            continue
        for (owner, operand), local in locals_.items():
            if owner == node.name:
                out[f"local.{owner}.{operand}"] = local
                grads[operand] += grads[owner] * local
    out.update({f"grad.{name}": g for name, g in grads.items()})
    if problem.learning_rate is not None:
        rate = float(problem.learning_rate)
        stepped = dict(inputs)
        for name in problem.updated:  # x ← x − η ∂f/∂x
            stepped[name] = out[f"next.{name}"] = inputs[name] - rate * grads[name]
        after = _forward_or_none(problem, stepped)
        if after is not None:
            out.update({f"next.{node.name}": after[node.name] for node in problem.nodes})
    for k, nudge in enumerate(problem.nudges, 1):  # (the slope Δ/h is not compared: in
        nudged = _forward_or_none(problem, inputs, nudge)  # float64 it cancels digits)
        if nudged is not None:
            out.update({f"nudge{k}.{name}": value for name, value in nudged.items()})
    return out


def _forward_or_none(problem, inputs, nudge=None) -> dict | None:
    try:
        return forward(problem, inputs, nudge)[0]
    except (OverflowError, ValueError, ZeroDivisionError):
        return None


def output_at(problem, inputs: dict[str, float]) -> float:
    """The output at ``inputs`` (for finite differences)."""
    try:
        return forward(problem, inputs)[0][problem.output]
    except (OverflowError, ValueError, ZeroDivisionError):
        return math.nan


def kink_within(problem, inputs: dict[str, float], width: float) -> bool:
    """Whether a kink (ReLU at 0, max or min at a tie, |u| at 0) lies within ``width`` of
    where the formula is evaluated: finite differences across it mean nothing."""
    try:
        return any(distance < width for distance in forward(problem, inputs)[2])
    except (OverflowError, ValueError, ZeroDivisionError):
        return False
