"""Worked lines, prepared once per graph: each node's symbol, formula and substitution
skeleton in LaTeX (symprop.latex), and what a textbook adds before the formula: the
activation's name (σ(z) before 1/(1 + e^{−z})), the chain-rule factors of δ and of a
gradient, and a second skeleton with the values of e^{…}, ln and tanh."""

from __future__ import annotations

from dataclasses import dataclass, field

from sympy import exp, log, tanh

from ..evaluate import EXACT_KIT, python_source
from ..latex import BREAK, SheetPrinter, Slot, skeleton

_INSIDE = (exp, log, tanh)  # functions whose values get a line of their own


@dataclass
class Line:
    """One node, prepared: names and skeletons in LaTeX, parents by name."""

    name: str
    kind: str
    symbol: str
    formula: str | None
    formula_terms: list[str]  # the formula's terms (a long sum may break between them)
    parents: tuple[str, ...]
    parts: list  # the formula with parent slots (break marks between a sum's terms)
    named: str | None = None  # σ(z) before 1/(1 + e^{−z})
    chain: list = field(default_factory=list)  # chain-rule factors
    meaning: str | None = None  # ∂L/∂z for δ
    inner: list | None = None  # skeleton with the values of e^{…}, ln, tanh
    inner_functions: list = field(default_factory=list)  # compiled, over parent values
    kink: tuple | None = None  # f'(z) of a kinked activation: (z's node, f'(0), f), LaTeX
    function: object = None  # a line that is no graph node (the fused δ): its value


class Printers:
    """The one notation in three settings: names, formulas (broken into lines) and
    substituted skeletons (with ·)."""

    def __init__(self, graph):
        self.graph = graph
        self.names = SheetPrinter(graph)
        self.formulas = SheetPrinter(graph, {"breaks": True})
        self.substituted = SheetPrinter(graph, {"dot": True, "breaks": True})


def prepare(printers: Printers, node) -> Line:
    """The worked line of a node with a formula."""
    line = _line(printers, node.name, node.label.kind, printers.names.doprint(node.symbol),
                 node.formula, node.parents)
    _textbook_forms(printers.names, node.label, line)
    return line


def prepare_expression(printers: Printers, name: str, kind: str, symbol: str, formula,
                       parents: tuple[str, ...]) -> Line:
    """The worked line of a formula that is no graph node (the fused output error
    δ = ŷ − y): printed and substituted as a node's, its value computed exactly from its
    parents' values by ``line.function``."""
    line = _line(printers, name, kind, symbol, formula, parents)
    line.function = _compiled(printers.graph, formula, parents)
    return line


def _compiled(graph, expr, parents):
    """``expr`` as a Python function of its parents' values (the exact kit)."""
    names = {graph.nodes[p].symbol: f"p{k}" for k, p in enumerate(parents)}
    namespace = dict(EXACT_KIT)
    exec(f"def f({', '.join(names.values())}):\n"  # noqa: S102
         f"    return {python_source(expr, names)}\n", namespace)
    return namespace["f"]


def _line(printers: Printers, name: str, kind: str, symbol: str, formula_expr,
          parents: tuple[str, ...]) -> Line:
    graph, printer = printers.graph, printers.names
    ranks = printer.ranks
    slots = {graph.nodes[p].symbol: Slot(k, ranks[graph.nodes[p].symbol])
             for k, p in enumerate(parents)}
    slotted = formula_expr.xreplace(slots)
    formula = printers.formulas.doprint(formula_expr)
    line = Line(name, kind, symbol, formula.replace(BREAK, ""), formula.split(BREAK),
                parents, skeleton(printers.substituted.doprint(slotted)))
    if line.formula == line.symbol:
        line.formula, line.formula_terms = None, []  # ReLU'(z) is its own formula
    if len(line.parts) == 1 and type(line.parts[0]) is tuple:
        line.parts = []  # the formula is one parent: nothing to substitute
    inside = sorted({sub for sub in formula_expr.atoms(*_INSIDE) if sub != formula_expr},
                    key=str)
    if inside:
        replaced = {}
        for m, sub in enumerate(inside):
            replaced[sub.xreplace(slots)] = Slot(len(parents) + m, (98, m))
            line.inner_functions.append(_compiled(graph, sub, parents))
        line.inner = skeleton(printers.substituted.doprint(slotted.xreplace(replaced)))
    return line


def _textbook_forms(printer: SheetPrinter, label, line: Line) -> None:
    """σ(z) and softmax(z)ᵢ before the formula of an activation; ∂L/∂z = ∂L/∂a · ∂a/∂z
    for δ; the two or three chain-rule factors of a gradient."""
    graph = printer.graph
    if graph.kind == "circuit":  # a computation graph's lines are its formulas as they are
        return
    sup, sub = printer._marks(label.example, printer._version(label))
    loss = printer.entry("loss", None, (), sup, sub)
    layer, index = label.layer, label.index
    if label.kind in ("a", "yhat"):
        layer = graph.depth if label.kind == "yhat" else layer
        activation = graph.activation(layer).name
        z = printer.entry("z", layer, index, sup, sub)
        if activation == "sigmoid":
            line.named = printer.activation_of(layer, z)
        elif activation == "softmax":
            vector = printer.vector("z", layer, label.example, printer._version(label))
            line.named = printer.activation_of(layer, vector) + f"_{{{index[0]}}}"
    elif label.kind == "dact" and graph.activation(layer).kinked:
        activation = graph.activation(layer)
        z = [p for p in line.parents if graph.nodes[p].label.kind == "z"]
        line.kink = (z[0], activation.at_kink(graph.problem.relu_derivative_at_zero),
                     activation.symbol)
    elif label.kind == "delta":
        z = printer.entry("z", layer, index, sup, sub)
        line.meaning = printer.partial(loss, z)
        if graph.activation(layer).elementwise:
            a = printer.entry("a", layer, index, sup, sub)
            line.chain = [printer.partial(loss, a), printer.partial(a, z)]
    elif label.kind == "grad" and (label.example is not None or graph.examples == [None]) \
            and not (label.example is None and label.target in graph.problem.decayed()):
        # (a weight with L2 decay adds λW to the chain: no factors to show)
        line.chain = _gradient_chain(printer, label, loss, sup, sub)


def _gradient_chain(printer: SheetPrinter, label, loss, sup, sub) -> list:
    """∂L/∂W = ∂L/∂z · ∂z/∂W (output layer: two factors) or
    ∂L/∂a · ∂a/∂z · ∂z/∂W (hidden layers: three factors)."""
    graph = printer.graph
    target = graph.nodes[label.target].label
    kind, layer, index = target.kind, target.layer, target.index
    if kind == "b" and graph.bias_kind(layer) == "shared":
        return []
    unit = (index[0],)
    written = printer.entry(kind, layer, index, *printer._marks(None, printer._version(label)))
    z = printer.entry("z", layer, unit, sup, sub)
    if layer == graph.depth:
        return [printer.partial(loss, z), printer.partial(z, written)]
    a = printer.entry("a", layer, unit, sup, sub)
    return [printer.partial(loss, a), printer.partial(a, z), printer.partial(z, written)]
