"""2,000 variants over many seeds and four small networks. Every variant satisfies the
rules (checked here, from its exact values, not by the code that enforced them), and for
every variant the symbolic values agree with NumPy and with central finite differences;
on a sample, the values equal the library's self-checking evaluation to 40 digits and the
chain-rule gradients equal diff() of the composed loss at that point."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import pytest

from symprop.crosscheck import against_finite_differences, against_numpy
from symprop.evaluate import evaluate
from symprop.proof import _compile_composed, _tasks
from symprop.spec import load, loads
from symprop.variants import Plan

from conftest import EXAMPLES

LINEAR = """
name: linear
layers: [{units: 2}, {units: 1, activation: identity}]
parameters: {W1: [[1, 0.5]], b1: [0]}
data: [{x: [2, 1], y: 4}]
loss: squared_error
learning_rate: 0.05
variants:
  vary: {parameters: {low: -2, high: 2, step: 0.5}, x: {low: -3, high: 3, step: 1},
         y: {low: -5, high: 5, step: 1}}
  ask: [loss, gradients, updates, next.loss]
  nice: {decimals: 4}
"""
TANH_BATCH = """
name: tanh batch
layers: [{units: 1}, {units: 2, activation: tanh}, {units: 1, activation: sigmoid}]
parameters: {W1: [[0.5], [-0.5]], b1: [0, 0], W2: [[1, 1]], b2: [0]}
data: [{x: 1, y: 1}, {x: -1, y: 0}]
loss: binary_cross_entropy
reduction: mean
learning_rate: 0.5
variants:
  vary: {parameters: {low: -1, high: 1, step: 0.1}, y: {values: [0, 1]}}
  preactivation: {low: -3, high: 3}
"""
CASES = [  # (spec, seeds, variants per seed)
    (lambda: load(EXAMPLES / "exam-relu-nice.yaml"), range(10), 60),
    (lambda: loads(LINEAR), range(10), 50),
    (lambda: load(EXAMPLES / "exam-sigmoid-2-2-1.yaml"), range(10), 50),
    (lambda: loads(TANH_BATCH), range(10), 40),
]
SAMPLE = 25  # every 25th variant also gets the composed-derivative comparison


def exact(value) -> Fraction:
    if type(value) is Fraction:
        return value
    sign, man, exp, _ = mpmath.mpf(value)._mpf_
    return (-1 if sign else 1) * Fraction(int(man)) * Fraction(2) ** int(exp)


def assert_rules(plan: Plan, variant) -> None:
    values = dict(zip(plan.program.names, variant.values, strict=True))
    rules, graph = plan.rules, plan.graph
    if rules.nice is not None:
        assert all((exact(v) * 10**rules.nice).denominator == 1 for v in values.values())
    for node in graph:
        label = node.label
        if label.kind == "z":
            activation = plan.problem.layers[label.layer].activation
            if activation in ("relu", "leaky_relu"):
                assert values[node.name] != 0, node.name
            if rules.preactivation:
                assert rules.preactivation[0] <= exact(values[node.name]) <= \
                    rules.preactivation[1]
        if node.stage == "gradient" and label.example is None and \
                node.name not in rules.allowed_zero:
            assert values[node.name] != 0, node.name
    if plan.problem.learning_rate is not None:
        after = "next.loss" if plan.problem.steps == 1 else f"step{plan.problem.steps}.next.loss"
        assert exact(values[after]) < exact(values["loss"])


def assert_numpy_and_fd(plan: Plan, variant) -> None:
    """The same comparisons `symprop solve` makes, on the variant's own values."""
    problem = plan.problem_of(variant)
    values = dict(zip(plan.program.names, variant.values, strict=True))

    def float_of(name: str) -> float:
        return float(values[plan.graph.resolve(name)])

    numpy = against_numpy(problem, float_of)
    differences = against_finite_differences(problem, plan.graph, float_of)
    assert numpy.agrees and numpy.compared, numpy.failures
    assert differences.agrees and differences.compared, differences.failures


@pytest.mark.parametrize("case", range(len(CASES)))
def test_stress(case):
    make_problem, seeds, per_seed = CASES[case]
    plan = Plan(make_problem())
    tasks = _tasks(plan.graph)
    direct = _compile_composed(plan.graph, plan.program, tasks)
    total = 0
    for seed in seeds:
        variants, _ = plan.generate(per_seed, seed)
        assert len({tuple(v.givens) for v in variants}) == per_seed  # no duplicates
        for variant in variants:
            assert_rules(plan, variant)
            assert_numpy_and_fd(plan, variant)
            total += 1
            if total % SAMPLE:
                continue
            checked = evaluate(plan.program, variant.givens)  # the self-checking walk
            for name, fast, slow in zip(plan.program.names, variant.values, checked.list,
                                        strict=True):  # the variant's values, 40 digits
                gap = abs(exact(fast) - exact(slow))
                assert gap <= Fraction(1, 10**40) * max(1, abs(exact(slow))), name
            with mpmath.workdps(checked.dps):
                for task in tasks:  # chain rule = d/dθ of the composed loss, at this point
                    function, args = direct[task.grad]
                    composed = function(*[checked.list[plan.program.index[a]] for a in args])
                    chain, composed = exact(checked[task.grad]), exact(composed)
                    scale = max(abs(chain), abs(composed), Fraction(1, 10**30))
                    assert abs(chain - composed) / scale < Fraction(1, 10**35), task.grad
    assert total == len(seeds) * per_seed


def test_stress_covers_two_thousand_variants():
    assert sum(len(seeds) * n for _, seeds, n in CASES) == 2000
    assert all(math.isfinite(n) for _, _, n in CASES)
