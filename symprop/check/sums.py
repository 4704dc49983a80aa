"""Named mistakes in the sums of backpropagation: a mean's 1/K or 1/N left out, a fan-out
sum cut to one term, softmax's Jacobian taken as its diagonal. Records of the same kind
as ``mistakes.LIBRARY`` (code, the maths in one line, a rewrite of a node's local
formula); the checker tries ``LIBRARY + SUMS``. Words live in ``templates/words.j2``.
"""

from __future__ import annotations

from sympy import Add, Integer

from ..graph import Graph, Label, Node
from .mistakes import Mistake


def _mean_omitted(graph: Graph, node: Node):
    """(1/N) Σₙ over the batch, or (1/K) Σₖ over the outputs of a mean squared error,
    taken as the plain sum."""
    problem, label = graph.problem, node.label
    batch = len(problem.data)
    if batch > 1 and problem.reduction == "mean" and label.example is None and \
            label.kind in ("loss", "grad"):
        return node.formula * Integer(batch)
    if problem.loss == "mean_squared_error" and label.kind in ("loss", "grad_yhat") and \
            (label.example is not None or batch == 1):
        return node.formula * Integer(graph.size("yhat"))
    return None


def _delta_index(graph: Graph, term) -> int | None:
    for symbol in term.free_symbols:
        label = graph.nodes[graph.by_symbol[symbol]].label
        if label.kind == "delta":
            return label.index[0]
    return None


def _fanout_omitted(graph: Graph, node: Node):
    """∂L/∂a⁽ˡ⁾ᵢ = Σₖ W⁽ˡ⁺¹⁾ₖᵢ δ⁽ˡ⁺¹⁾ₖ (or a shared bias's Σᵢ δᵢ) cut to the one term of
    the same unit (or the first), as if unit i fed only its namesake."""
    label, formula = node.label, node.formula
    if not isinstance(formula, Add) or len(formula.args) < 2:
        return None
    shared = label.kind == "grad" and label.target.startswith("b") and \
        graph.bias_kind(int(label.target[1:label.target.index("[")])) == "shared"
    if label.kind != "grad_a" and not shared:
        return None
    wanted = label.index[0] if label.kind == "grad_a" else 1
    for term in formula.args:
        if _delta_index(graph, term) == wanted:
            return term
    return formula.args[0]


def _softmax_diagonal(graph: Graph, node: Node):
    """δᵢ = ∂L/∂ŷᵢ · ŷᵢ(1 − ŷᵢ): softmax's Jacobian taken as its diagonal, as if it acted
    element by element like a sigmoid (the cross terms −ŷᵢŷₖ left out)."""
    label = node.label
    if label.kind != "delta" or label.layer != graph.depth or \
            graph.activation(label.layer).name != "softmax":
        return None
    where = {"example": label.example, "step": label.step}
    g = graph.nodes.get(str(Label("grad_yhat", index=label.index, **where)))
    a = graph.nodes.get(str(Label("yhat", None, label.index, **where)))
    if g is None or a is None:
        return None
    return g.symbol * a.symbol * (1 - a.symbol)


SUMS = (
    Mistake("mean_omitted", "Σ for the mean (1/N) Σₙ or (1/K) Σₖ", _mean_omitted),
    Mistake("fanout_omitted", "∂L/∂aᵢ = Wᵢᵢ δᵢ for Σₖ Wₖᵢ δₖ (one path of the fan-out)",
            _fanout_omitted),
    Mistake("softmax_diagonal", "δᵢ = ∂L/∂ŷᵢ ŷᵢ(1 − ŷᵢ) for ŷᵢ(∂L/∂ŷᵢ − Σₖ ∂L/∂ŷₖ ŷₖ)",
            _softmax_diagonal),
)
CODES = tuple(m.code for m in SUMS)
