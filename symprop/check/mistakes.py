"""The library of named mistakes: each one rewrites a node's local formula the way a person
who makes that mistake computes it.

A record holds a code (templates phrase it), a one-line statement of its maths, and
``rewrite(graph, node)``: the node's formula under the mistake, or None where the mistake
cannot happen at that node. The checker evaluates a rewrite twice: at the person's own
inputs (the step went wrong here) and inside a whole graph where every node of one stage
is rewritten and the error flows downstream (the person never wrote the step down).

A record marked ``convention`` is not a slip but another textbook's convention (ReLU'(0)
taken as 1 rather than 0): where it reproduces a figure, it is the first explanation given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sympy import Expr, Integer, Rational

from ..activations import ACTIVATIONS, as_rational
from ..functions import leaky_relu_step, relu_step
from ..graph import Graph, Label, Node
from ..losses import LOSSES


@dataclass(frozen=True)
class Mistake:
    code: str
    description: str  # the maths of the mistake, one line
    rewrite: Callable[[Graph, Node], Expr | None]
    scope: str = "layers"  # the graphs it is tried on: layers, circuit (graph: specs), both
    convention: bool = False  # another convention rather than a slip: named first


# helpers -------------------------------------------------------------------------------
def _symbol(graph: Graph, label: Label):
    node = graph.nodes.get(str(label))
    return None if node is None else node.symbol


def _unit_symbols(graph: Graph, node: Node):
    """(z, a) symbols of the unit of a dact node; a is ŷ on the output layer."""
    label, depth = node.label, graph.problem.depth
    where = {"example": label.example, "step": label.step}
    z = _symbol(graph, Label("z", label.layer, label.index, **where))
    a_label = (Label("yhat", None, label.index, **where) if label.layer == depth
               else Label("a", label.layer, label.index, **where))
    return z, _symbol(graph, a_label)


def _parameter_entry(graph: Graph, symbol) -> tuple[str, Label] | None:
    """('W2[1,1]', label) when ``symbol`` is a parameter node (given or after a step)."""
    label = graph.nodes[graph.by_symbol[symbol]].label
    if label.kind in ("W", "b"):
        return f"{label.kind}{label.layer}[{','.join(map(str, label.index))}]", label
    if label.kind == "next":
        return label.target, label
    return None


def _same_version(graph: Graph, label: Label, entry: str):
    """The symbol of ``entry`` in the same version (given, or after the same step)."""
    if label.kind == "next":
        return _symbol(graph, Label("next", step=label.step, target=entry))
    name = entry if entry in graph.nodes else None
    return None if name is None else graph.nodes[name].symbol


def _parameters(graph: Graph, node: Node, kind: str):
    out = []
    for symbol in sorted(node.formula.free_symbols, key=str):
        found = _parameter_entry(graph, symbol)
        if found and found[0].startswith(kind):
            out.append((symbol, *found))
    return out


def _transpose(entry: str) -> str:
    head, _, index = entry.partition("[")
    i, j = index.rstrip("]").split(",")
    return f"{head}[{j},{i}]"


# rewrites ------------------------------------------------------------------------------
def _loss_factor(factor: Rational):
    def rewrite(graph: Graph, node: Node):
        if not LOSSES[graph.problem.loss].squared or node.label.kind not in (
                "loss", "grad_yhat"):
            return None
        return node.formula * factor
    return rewrite


def _sign_flipped(graph: Graph, node: Node):
    return -node.formula if node.label.kind == "grad_yhat" else None


def _slope(which: str):
    def rewrite(graph: Graph, node: Node):
        if node.label.kind != "dact":
            return None
        layer = graph.problem.layers[node.label.layer]
        activation = ACTIVATIONS[layer.activation]
        z, a = _unit_symbols(graph, node)
        if z is None or a is None:
            return None
        if which == "z":  # σ'(z) = z(1 − z): the slope's formula fed z instead of a
            return node.formula.xreplace({a: z}) if activation.slope_uses == "a" else None
        if activation.slope_uses == "a":  # σ'(z) = σ(a)(1 − σ(a))
            c = as_rational(graph.problem.relu_derivative_at_zero)
            return node.formula.xreplace({a: activation.forward(a, as_rational(layer.alpha),
                                                                c)})
        return node.formula.xreplace({z: a})  # relu'(a) instead of relu'(z)
    return rewrite


def _slope_omitted(graph: Graph, node: Node):
    if node.label.kind != "delta":
        return None
    slopes = {s: Integer(1) for s in node.formula.free_symbols
              if graph.nodes[graph.by_symbol[s]].label.kind == "dact"}
    return node.formula.xreplace(slopes) if slopes else None


def _updated_weights(graph: Graph, node: Node):
    """∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ after the step)ᵀ δ⁽ˡ⁺¹⁾."""
    if node.label.kind != "grad_a":
        return None
    swap = {}
    for symbol, entry, _ in _parameters(graph, node, "W"):
        new = _symbol(graph, Label("next", step=node.label.step, target=entry))
        if new is None:
            return None
        swap[symbol] = new
    return node.formula.xreplace(swap) if swap else None


def _index_transposed(graph: Graph, node: Node):
    """W[i,j] read as W[j,i]; for a gradient, ∂L/∂W[i,j] given the value of ∂L/∂W[j,i]."""
    label = node.label
    if label.kind == "grad" and label.target.startswith("W"):
        other = graph.nodes.get(str(Label("grad", example=label.example, step=label.step,
                                          target=_transpose(label.target))))
        return None if other is None or other.name == node.name else other.formula
    if label.kind not in ("z", "grad_a"):
        return None
    swap = {}
    for symbol, entry, version in _parameters(graph, node, "W"):
        new = _same_version(graph, version, _transpose(entry))
        if new is None:
            return None
        swap[symbol] = new
    return node.formula.xreplace(swap) if swap else None


def _update(change: str):
    def rewrite(graph: Graph, node: Node):
        if node.label.kind != "next":
            return None
        if change == "lr":  # θ − ∂L/∂θ
            return node.formula.xreplace({graph.nodes["lr"].symbol: Integer(1)})
        grads = {s: -s for s in node.formula.free_symbols
                 if graph.nodes[graph.by_symbol[s]].label.kind == "grad"}
        return node.formula.xreplace(grads)  # θ + η ∂L/∂θ
    return rewrite


def _bias_omitted(graph: Graph, node: Node):
    if node.label.kind != "z":
        return None
    biases = {s: Integer(0) for s, _, _ in _parameters(graph, node, "b")}
    return node.formula.xreplace(biases) if biases else None


def _relu_zero(graph: Graph, node: Node):
    """relu'(0) taken as 1 − c, the other convention."""
    if node.label.kind != "dact" or not node.formula.has(relu_step, leaky_relu_step):
        return None
    flipped = node.formula.replace(relu_step, lambda z, c: relu_step(z, 1 - c))
    return flipped.replace(leaky_relu_step, lambda z, alpha, c: leaky_relu_step(z, alpha, 1 - c))


LIBRARY = (
    Mistake("half_dropped", "L = (y − ŷ)² for ½(y − ŷ)², so ∂L/∂ŷ doubles",
            _loss_factor(Integer(2))),
    Mistake("half_doubled", "L = ¼(y − ŷ)² (½ applied twice, or added), so ∂L/∂ŷ halves",
            _loss_factor(Rational(1, 2))),
    Mistake("sign_flipped", "∂L/∂ŷ = y − ŷ for ŷ − y", _sign_flipped),
    Mistake("slope_from_z", "σ'(z) = z(1 − z) for a(1 − a)", _slope("z")),
    Mistake("slope_of_activation", "σ'(z) = σ(a)(1 − σ(a)) for a(1 − a); relu'(a) for relu'(z)",
            _slope("a")),
    Mistake("slope_omitted", "δ = ∂L/∂a without the factor f'(z)", _slope_omitted),
    Mistake("updated_weights", "∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ after the step)ᵀ δ⁽ˡ⁺¹⁾", _updated_weights),
    Mistake("index_transposed", "W[i,j] read as W[j,i]", _index_transposed),
    Mistake("gradient_added", "θ + η ∂L/∂θ for θ − η ∂L/∂θ", _update("add"), "both"),
    Mistake("lr_omitted", "θ − ∂L/∂θ for θ − η ∂L/∂θ", _update("lr"), "both"),
    Mistake("bias_omitted", "z = W a without + b", _bias_omitted),
    Mistake("relu_zero", "relu'(0) = 1 − c for the convention c", _relu_zero, convention=True),
)


# computation graphs (graph: specs, symprop.circuit) ----------------------------------------
def _circuit_local(graph: Graph, node: Node, gates: tuple):
    """(consumer, operand) of a local-gradient node of a gate in ``gates``, or None."""
    if graph.kind != "circuit" or node.label.kind != "local":
        return None
    consumer, operand = node.label.target.split(".")
    return (consumer, operand) if graph.gate(consumer) in gates else None


def _fanout(which: int):
    """At a fan-out, the gradient along one use only (the sum over the uses left out)."""
    def rewrite(graph: Graph, node: Node):
        if graph.kind != "circuit" or node.label.kind != "grad" or node.label.nudge:
            return None
        uses = graph.uses(node.label.target)
        if len(uses) < 2:
            return None
        use = uses[which]
        return graph[graph.gradient(use)].symbol * \
            graph[graph.local(use, node.label.target)].symbol
    return rewrite


def _not_swapped(graph: Graph, node: Node):
    """∂(xy)/∂x taken as x, the input itself, instead of the other input y."""
    found = _circuit_local(graph, node, ("multiply",))
    return None if found is None else graph[found[1]].symbol


def _add_split(graph: Graph, node: Node):
    """An add gate's gradient shared among its n inputs (1/n each) instead of copied."""
    found = _circuit_local(graph, node, ("add",))
    if found is None:
        return None
    return node.formula / Integer(len(graph.operands(found[0])))


def _other_input(graph: Graph, node: Node):
    """A max (min) gate routing the gradient to the other input: 1 − its local gradient."""
    found = _circuit_local(graph, node, ("max", "min"))
    return None if found is None else 1 - node.formula


def _from_input(graph: Graph, node: Node):
    """tanh' = 1 − u², σ' = u(1 − u) from the gate's input u, not its output."""
    found = _circuit_local(graph, node, ("tanh", "sigmoid"))
    if found is None:
        return None
    return node.formula.xreplace({graph[found[0]].symbol: graph[found[1]].symbol})


def _subtract_sign(graph: Graph, node: Node):
    """∂(x − y)/∂y taken as +1."""
    found = _circuit_local(graph, node, ("subtract",))
    return -node.formula if found is not None and node.formula.is_negative else None


def _upstream_omitted(graph: Graph, node: Node):
    """The chain rule without its upstream factor: the local gradient alone."""
    if graph.kind != "circuit" or node.label.kind != "grad" or node.label.nudge:
        return None
    upstream = {s: Integer(1) for s in node.formula.free_symbols
                if graph.nodes[graph.by_symbol[s]].label.kind == "grad"}
    return node.formula.xreplace(upstream) if upstream else None


LIBRARY += (
    Mistake("fanout_first_use", "at a fan-out, only the gradient along the first use (no "
            "sum)", _fanout(0), "circuit"),
    Mistake("fanout_last_use", "at a fan-out, only the gradient along the last use (no "
            "sum)", _fanout(-1), "circuit"),
    Mistake("multiply_not_swapped", "∂(xy)/∂x = x instead of y", _not_swapped, "circuit"),
    Mistake("add_split", "an add gate's gradient divided among its inputs", _add_split,
            "circuit"),
    Mistake("max_other_input", "max (min) routes the gradient to the other input",
            _other_input, "circuit"),
    Mistake("local_from_input", "tanh' = 1 − u², σ' = u(1 − u) from the input u",
            _from_input, "circuit"),
    Mistake("subtract_sign", "∂(x − y)/∂y = +1", _subtract_sign, "circuit"),
    Mistake("upstream_omitted", "the local gradient alone, without the upstream factor",
            _upstream_omitted, "circuit"),
)
CODES = tuple(m.code for m in LIBRARY)
