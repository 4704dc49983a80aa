"""The proof and the cross-checks catch a wrong chain-rule link; each method is exercised."""

import pytest
from sympy import Rational

import symprop
from symprop import proof
from symprop.errors import VerificationError
from symprop.solution import Solution

from conftest import EXAMPLES


def corrupted(problem, node_name, factor):
    """A solution whose graph has one backward formula scaled by ``factor``."""
    solution = Solution(problem, verify=False)
    node = solution.graph.nodes[node_name]
    object.__setattr__(node, "formula", node.formula * factor)
    from symprop.evaluate import Program, evaluate
    solution.program = Program(solution.graph)
    solution.values = evaluate(solution.program, solution.givens)
    return solution


METHODS = [((400, 1_000), "symbolic"), ((0, 1_000), "composed-at-points"),
           ((0, 0), "projections-at-points")]


@pytest.mark.parametrize("limits, method", METHODS)
def test_a_wrong_link_is_caught_by_every_method(monkeypatch, limits, method):
    monkeypatch.setattr(proof, "SYMBOLIC_MAX_TREE", limits[0])
    monkeypatch.setattr(proof, "COMPOSED_BUDGET", limits[1])
    problem = symprop.load(EXAMPLES / "textbook-2-2-1.yaml")
    solution = corrupted(problem, "dact1[1]", Rational(101, 100))  # σ' off by 1 %
    with pytest.raises(VerificationError, match="grad"):
        solution.verify(symbolic_seconds=5)
    # exactly the three gradients that pass through σ'(z⁽¹⁾₁) are named
    wrong = {g.name for g in solution.proof.gradients if not g.agrees}
    assert wrong == {"grad.W1[1,1]", "grad.W1[1,2]", "grad.b1[1]"}
    if method == "projections-at-points":  # the projections were halved down to each one
        assert {g.method for g in solution.proof.gradients if not g.agrees} == {
            "forward-mode-at-points"}


@pytest.mark.parametrize("limits, method", METHODS)
def test_each_method_proves_the_textbook_network(monkeypatch, limits, method):
    monkeypatch.setattr(proof, "SYMBOLIC_MAX_TREE", limits[0])
    monkeypatch.setattr(proof, "COMPOSED_BUDGET", limits[1])
    solution = symprop.load(EXAMPLES / "textbook-2-2-1.yaml").solve(symbolic_seconds=10)
    assert solution.proof.methods() == {method: 9}
    assert solution.proof.agrees


def test_several_steps_and_a_batch():
    text = (EXAMPLES / "textbook-2-2-1.yaml").read_text().replace(
        "  - {x: [1, 0], y: [1]}", "  - {x: [1, 0], y: [1]}\n  - {x: [0.5, 1], y: [0]}"
    ) + "steps: 3\nreduction: sum\n"
    solution = symprop.loads(text).solve(symbolic_seconds=0)
    assert solution.proof.agrees and solution.numpy.agrees
    assert solution.finite_differences.compared == 27  # 9 gradients × 3 steps
    # the batch gradient is the sum of the two examples' gradients
    s = solution
    import mpmath
    with mpmath.workdps(60):
        total = s.value("ex1.grad.W1[1,1]") + s.value("ex2.grad.W1[1,1]")
        assert abs(s.value("grad.W1[1,1]") - total) < 1e-40
    # step 2 starts from step 1's update, and the loss falls step by step
    assert s.graph.resolve("step2.W1[1,1]") == "next.W1[1,1]"
    losses = [s.value("loss"), s.value("step2.loss"), s.value("step3.loss"),
              s.value("step3.next.loss")]
    assert losses == sorted(losses, reverse=True)


def test_the_method_of_each_gradient_does_not_depend_on_the_clock(monkeypatch):
    import itertools
    import time

    problem = symprop.load(EXAMPLES / "mazur-2-2-2.yaml")
    calm = problem.solve().checks_dict()
    ticks = itertools.count(0, 1000.0)  # every reading of the clock: 1,000 s later
    monkeypatch.setattr(time, "monotonic", lambda: next(ticks))
    monkeypatch.setattr(time, "perf_counter", lambda: next(ticks))
    loaded = problem.solve().checks_dict()
    assert loaded == calm
    assert calm["symbolic"]["methods"] == {"symbolic": 8}
    assert "seconds" not in calm["symbolic"]


def test_symbolic_seconds_is_a_budget_of_estimated_cost():
    problem = symprop.load(EXAMPLES / "mazur-2-2-2.yaml")
    assert problem.solve(symbolic_seconds=0).proof.methods() == {"composed-at-points": 8}
    # (96 / 200)² · 0.2 s = 0.046 s per gradient: 0.1 s buys two
    assert problem.solve(symbolic_seconds=0.1).proof.methods() == {
        "symbolic": 2, "composed-at-points": 6}


def test_the_zero_test_proves_identities_and_only_those():
    from sympy import Symbol, exp, tanh

    z, w = Symbol("z", real=True), Symbol("w", real=True)
    sigma = 1 / (1 + exp(-z))
    assert proof.identically_zero(sigma * (1 - sigma) - exp(-z) / (1 + exp(-z)) ** 2)
    assert proof.identically_zero(1 - tanh(w) ** 2 - 4 / (exp(w) + exp(-w)) ** 2)
    assert not proof.identically_zero(sigma * (1 - sigma) - exp(-z) / (1 + exp(-z)))


def test_projections_name_each_wrong_gradient_of_a_larger_network():
    text = "\n".join([
        "layers: [{units: 3}, {units: 4, activation: tanh}, {units: 3, activation: relu},",
        "         {units: 2, activation: sigmoid}]",
        "parameters:",
        "  W1: [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [0.2, 0.1, -0.3]]",
        "  b1: [0.1, 0.2, -0.1, 0.05]",
        "  W2: [[0.3, -0.1, 0.2, 0.4], [0.5, 0.6, -0.2, 0.1], [-0.3, 0.2, 0.7, 0.2]]",
        "  b2: [0.1, 0.2, 0.3]",
        "  W3: [[0.2, -0.4, 0.6], [0.5, 0.3, -0.1]]",
        "  b3: [0, 0.1]",
        "data: [{x: [1, -0.5, 0.25], y: [1, 0]}, {x: [0.5, 0.5, -1], y: [0, 1]}]",
        "loss: binary_cross_entropy", "learning_rate: 0.5", "steps: 2", ""])
    problem = symprop.loads(text)
    clean = problem.solve(symbolic_seconds=0)
    assert clean.proof.methods() == {"projections-at-points": 2 * 39} and clean.proof.agrees
    solution = corrupted(problem, "step2.ex2.delta2[3]", Rational(-1))  # one sign flipped
    with pytest.raises(VerificationError):
        solution.verify(symbolic_seconds=0)
    wrong = {g.name: g.method for g in solution.proof.gradients if not g.agrees}
    # δ⁽²⁾₃ of example 2 feeds W2 row 3, b2[3] and, through W2ᵀ, every W1 and b1 entry
    assert set(wrong) >= {"step2.grad.W2[3,1]", "step2.grad.b2[3]"}
    assert all(name.startswith("step2.grad.") and name[11:13] in ("W1", "b1", "W2", "b2")
               for name in wrong)
    assert not any(name[11:13] in ("W3", "b3") for name in wrong)
    assert set(wrong.values()) == {"forward-mode-at-points"}


def test_a_second_tex_run_finds_the_same_sheet(tmp_path):
    from click.testing import CliRunner

    from symprop.cli import main

    arguments = ["solve", str(EXAMPLES / "mazur-2-2-2.yaml"), "--format", "tex",
                 "--output", str(tmp_path)]
    first = CliRunner().invoke(main, arguments)
    second = CliRunner().invoke(main, arguments)  # no --force: the bytes must be the same
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    tex = (tmp_path / "mazur-2-2-2" / "solution.tex").read_text()
    assert "8 by symbolic" in tex


EVERY_GATE = """
name: every gate
graph:
  inputs: {x: 3, y: -4, z: 2, w: -1}
  nodes:
    p: "x * y"
    m: "max(z, w, x)"
    n: "min(z, y)"
    q: "abs(p) + sqrt(z + 7)"
    r: "sigmoid(n) * m"
    t: "z ** 1.5 + w ** 2 + x ** z"
    f: "q + r + t + relu(m) + tanh(w) + exp(w) + log(x)"
  output: f
"""


def test_forward_mode_runs_every_gate_of_a_computation_graph(monkeypatch):
    """A graph too big for the symbolic test and for the composed loss is proven by
    forward-mode projections; every gate (max, min, |u|, √, σ, non-whole powers) needs
    its tangent rule there (a 200-node random graph once failed on max)."""
    from symprop.spec import loads

    monkeypatch.setattr(proof, "COMPOSED_BUDGET", 0)
    solution = loads(EVERY_GATE, "gates").solve(symbolic_seconds=0)
    assert solution.proof.methods() == {"projections-at-points": 4}
    assert solution.proof.agrees
