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


METHODS = [((400, 8_000), "symbolic"), ((0, 8_000), "composed-at-points"),
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
