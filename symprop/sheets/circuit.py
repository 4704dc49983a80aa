"""The sheet of a computation graph (a ``graph:`` spec), in the style of CS231n's circuits:
the circuit diagram (each value above its wire, its gradient below), the forward pass
node by node, the backward pass node by node (upstream × local = downstream, with the sum
where a value fans out, and the gate patterns named where they occur), the nudge checks,
and the gradient step when the spec asks for one.

``CircuitPlan`` plans the sheet from graph queries (``inputs``, ``forward``, ``uses``,
``local``, ``gate``, ``gradient``, ``updated``, ``after``, ``nudges``);
``CircuitRenderer`` (what ``SheetRenderer(graph)`` gives for a computation graph) fills it
with numbers. Templates: circuit.tex.j2, circuit-body.tex.j2, circuit-diagram.tex.j2,
circuit.html.j2, circuit-diagram.html.j2, circuit.md.j2.
"""

from __future__ import annotations

import re

from .. import render as templates
from ..latex import number
from . import circuit_diagram as diagram
from . import nudges as nudge_plan
from .context import Render
from .renderer import SheetRenderer

DIAGRAM_FIGURES = 3  # the diagram's computed values, in significant figures
# the operation drawn in a gate, by gate pattern (numbers are added from the formula)
GATE_SYMBOLS = {"add": "+", "subtract": "-", "multiply": r"\times", "negate": "-",
                "divide": r"\div", "reciprocal": "1/x", "exp": r"\exp", "log": r"\ln",
                "sqrt": r"\sqrt{\ }", "tanh": r"\tanh", "sigmoid": r"\sigma",
                "relu": r"\mathrm{ReLU}", "abs": r"|\cdot|", "max": r"\max", "min": r"\min"}


class CircuitPlan:
    """Node names and static LaTeX of one computation graph's sheet, computed once."""

    def __init__(self, graph, printer):
        self.graph, self.printer = graph, printer
        symbol = self.symbol
        self.inputs = [{"name": n, "symbol": symbol(n)} for n in graph.inputs]
        self.forward = [{"name": n, "symbol": symbol(n), "gate": graph.gate(n),
                         "text": graph.formula_of(n).text} for n in graph.forward]
        self.backward = [self._block(n) for n in reversed(graph.forward) if n in graph.live]
        self.gradients = [self._gradient(n) for n in graph.inputs]
        self.updates = [graph.updated(n) for n in graph.problem.updated]
        self.after = [graph.after(n) for n in graph.forward if graph.after(n) != n]
        self.final = graph.loss(after=True)
        self.nudges = nudge_plan.plan(graph)
        self.functions = {g for g in (graph.gate(n) for n in graph.forward)} | {
            name for node in graph.problem.nodes for name in _calls(node.tree)}

    def symbol(self, name: str) -> str:
        return self.printer.doprint(self.graph[name].symbol)

    def _uses(self, name: str) -> list[str]:
        return [self.symbol(u) for u in self.graph.uses(name)]

    def _block(self, node: str) -> dict:
        """One node of the backward pass: its gradient, then the local gradient along each
        edge into it, with its gate pattern."""
        graph = self.graph
        operands = graph.operands(node)
        return {"node": node, "symbol": self.symbol(node), "gate": graph.gate(node),
                "output": node == graph.output, "gradient": graph.gradient(node),
                "uses": self._uses(node), "locals": [graph.local(node, o) for o in operands],
                "operands": [self.symbol(o) for o in operands]}

    def _gradient(self, name: str) -> dict:
        return {"name": name, "symbol": self.symbol(name), "line": self.graph.gradient(name),
                "uses": self._uses(name)}


def _calls(tree) -> set[str]:
    from ..expressions import children
    found = {tree[1]} if tree[0] == "call" else set()
    for child in children(tree):
        found |= _calls(child)
    return found


def _visible(latex: str) -> str:
    """Roughly the characters a LaTeX label shows (for its estimated width)."""
    text = re.sub(r"\\(mathrm|text|operatorname|tilde|widetilde|left|right)", "", latex)
    text = re.sub(r"\\[A-Za-z]+", "x", text)  # a Greek letter, \cdot, …
    return re.sub(r"[{}_^\\ ]", "", text.replace(" = ", "=="))


class CircuitRenderer(SheetRenderer):
    """Prepared once per computation graph; renders its sheet for given numbers."""

    # pdflscape: a circuit wider than the text block gets a landscape page of its own
    PREAMBLE_PACKAGES = (*SheetRenderer.PREAMBLE_PACKAGES, "pdflscape")

    def __init__(self, graph, user_templates=None):
        self._prepare_lines(graph)
        for node in graph:  # a constant (∂f/∂f = 1, ∂q/∂x = 1) is its own result
            if node.formula is not None and node.formula.is_Number:
                line = self.lines[node.name]
                line.formula, line.formula_lines, line.parts = None, [], []
        self.entries = list(graph.inputs)
        self.circuit = CircuitPlan(graph, self.printer)
        self.plan = {"final_loss": None, "steps": [], "after": [], "after_total": [],
                     "examples": [None]}
        self.user_templates = user_templates
        self.tex_template = templates.load("circuit.tex.j2", user_templates)
        self.body_template = templates.load("circuit-body.tex.j2", user_templates)
        self.fast = False  # every sheet is rendered in full (no skeletons)
        self.gate_symbols = {n: self._gate_symbol(n) for n in graph.forward}
        self._diagrams: dict[tuple, dict] = {}
        self.fused_targets, self.fused_equations = [], {}  # no layers, no fused δ
        self._index_lines()
        self._prepare_layout()

    def _gate_symbol(self, node: str) -> str:
        """What a gate shows: its operation (+, ×, max, σ, …), a constant it applies
        (×2, +1), or the node's name for a formula of several operations."""
        graph, gate = self.graph, self.graph.gate(node)
        tree = graph.formula_of(node).tree
        operands = tree[1:] if tree[0] in ("add", "sub", "mul", "div") else ()
        constants = [n[1] if n[0] == "num" else -n[1][1] for n in operands
                     if n[0] == "num" or (n[0] == "neg" and n[1][0] == "num")]
        shown = [number(c, 0, natural=True) if c.denominator == 1 else number(c, 6, True)
                 for c in constants]
        if gate == "scale":
            sign = r"\div" if tree[0] == "div" else r"\times"
            return f"{sign}{'(' + shown[0] + ')' if shown[0].startswith('-') else shown[0]}"
        if gate in ("add", "subtract") and shown and len(graph.operands(node)) == 1:
            return ("+" if tree[0] == "add" else "-") + shown[0]
        if gate == "power":
            return rf"(\cdot)^{{{self.printer.doprint(graph[node].formula.exp)}}}"
        return GATE_SYMBOLS.get(gate, self.symbols[node])

    # numbers -------------------------------------------------------------------------
    def network(self, values, decimals: int = 4) -> dict:
        """The circuit diagram of a question (a variant's): the inputs' values, the nodes'
        names only, no gradients."""
        render = Render(self, values, None, decimals, "exact")
        return self.diagram(render, gradients=False)

    def diagram(self, render, gradients: bool = True) -> dict:
        """Wires (value above, gradient below, to 3 significant figures), gates and edges,
        laid out by Graphviz (symprop.sheets.circuit_diagram). Without ``gradients`` (a question),
        only the inputs show values."""
        graph, symbols = self.graph, self.symbols
        wires, edges, ids = [], [], {}

        def shown(name):
            value = render.values[name]
            if name not in self.lines:  # a given, as written
                return render.text(name)
            return number(value, render.decimals, natural=True, significant=DIAGRAM_FIGURES)

        for name in (*graph.inputs, *graph.forward):
            grad = graph.gradient(name) if gradients else None
            upper = f"{symbols[name]} = {shown(name)}" if gradients or \
                name in graph.inputs else symbols[name]
            lower = shown(grad) if grad else None
            symbol = self.gate_symbols.get(name)
            gate = 0.0 if symbol is None else \
                max(diagram.GATE, 5.0 * len(_visible(symbol)) + 10.0)
            ids[name] = f"v{len(wires)}"
            wires.append({"id": ids[name], "name": name, "upper": upper, "lower": lower,
                          "width": diagram.label_width(_visible(max(upper, lower or "",
                                                                    key=len))),
                          "gate": gate, "symbol": symbol, "input": name in graph.inputs,
                          "output": name == graph.output})
        for name in graph.forward:
            edges += [(ids[operand], ids[name]) for operand in graph.operands(name)]
        key = tuple(round(w["width"] / 6) for w in wires)
        found = self._diagrams.get(key)
        if found is None:  # the layout depends only on the labels' sizes
            found = self._diagrams[key] = diagram.layout(wires, edges)
        for wire in wires:
            x, y, w, h = found["boxes"][wire["id"]]
            left = x - w / 2
            wire.update(x0=left + wire["gate"], x1=x + w / 2, y=y,
                        x=left + wire["gate"] + wire["width"] / 2,
                        gx=left + wire["gate"] / 2, r=wire["gate"] / 2)
        curves = [{"id": f"e{k}", "start": edge["points"][0],
                   "segments": [edge["points"][i:i + 3]
                                for i in range(1, len(edge["points"]) - 2, 3)]}
                  for k, edge in enumerate(found["edges"])]
        return {"width": found["width"], "height": found["height"], "wires": wires,
                "gates": [w for w in wires if w["symbol"] is not None], "edges": curves,
                "engine": found["engine"], "gradients": gradients,
                "figures": DIAGRAM_FIGURES}

    # a circuit's sheet has one form: ``compact`` is taken, as by SheetRenderer, and has
    # nothing to leave out
    def context(self, values, carry=None, checks=None, decimals: int = 4,
                rounding: str = "exact", diagram: bool = True,
                significant: int | None = None, compact: bool = False,
                numbers: Render | None = None) -> dict:
        render = numbers or self.numbers(values, carry, decimals, rounding, significant)
        graph, plan, problem = self.graph, self.circuit, self.graph.problem
        backward = []
        for block in plan.backward:
            backward.append({**block, "line": render.lines([block["gradient"]])[0],
                             "local_lines": render.lines(block["locals"])})
        gradients = [{**g, "line": line} for g, line in
                     zip(plan.gradients, render.lines([g["line"] for g in plan.gradients]),
                         strict=True)]
        output = graph.output
        step = None
        if plan.updates:
            final = plan.final
            step = {"lines": render.lines(plan.updates), "after": render.lines(plan.after),
                    "before": render.text(output), "final": render.text(final),
                    "decreased": render.values[final] < render.values[output]}
        return {
            "problem": {"name": problem.name, "description": problem.description,
                        "output": self.symbols[output], "learning_rate": step is not None},
            "decimals": decimals, "significant": significant, "rounding": rounding,
            "inputs": [{**i, "value": render.text(i["name"])} for i in plan.inputs],
            "nodes": plan.forward, "forward": render.lines(graph.forward),
            "backward": backward, "gradients": gradients, "step": step,
            "lr": render.text("lr") if "lr" in graph.nodes else None,
            "conventions": self.conventions(),
            "diagram": self.diagram(render) if diagram else None,
            "nudges": nudge_plan.context(render, plan.nudges),
            "summary": [{"symbol": g["symbol"], "value": render.text(g["name"]),
                         "gradient": render.text(g["line"]),
                         "new": render.text(graph.after(g["name"]))
                         if graph.after(g["name"]) != g["name"] else None}
                        for g in plan.gradients],
            "checks": None if not checks else render.checks(checks),
            "packages": self.PREAMBLE_PACKAGES,
        }

    def question_context(self, decimals: int) -> dict:
        """What a variant's question says of the graph besides its numbers (the variants'
        Views): the nodes as formulas, the output, the conventions."""
        graph, problem = self.graph, self.graph.problem
        return {"problem": {"name": problem.name, "description": problem.description},
                "circuit": True, "output": self.symbols[graph.output],
                "nodes": [{"symbol": self.symbols[n], "formula": self.lines[n].formula}
                          for n in graph.forward],
                "conventions": self.conventions(), "decimals": decimals, "steps": 1,
                "frozen": [], "layers": [], "loss": None, "loss_definition": "",
                "reduction": None, "symbols": {}}

    def conventions(self) -> dict:
        """The conventions at a kink that this graph's functions need stated."""
        used, problem = self.circuit.functions, self.graph.problem
        return {"relu": str(problem.relu_derivative_at_zero) if "relu" in used else None,
                "ties": problem.max_at_tie if used & {"max", "min"} else None,
                "abs": "abs" in used}

    def tex(self, values, carry=None, checks=None, decimals: int = 4,
            rounding: str = "exact", standalone: bool = True, diagram: bool = True,
            significant: int | None = None, compact: bool = False,
            numbers: Render | None = None) -> str:
        context = self.context(values, carry, checks, decimals, rounding, diagram,
                               significant, numbers=numbers)
        return templates.fill(self.tex_template if standalone else self.body_template,
                              context)

    def html(self, values, carry=None, checks=None, decimals: int = 4,
             rounding: str = "exact", significant: int | None = None,
             compact: bool = False) -> str:
        return templates.render("circuit.html.j2", self.context(
            values, carry, checks, decimals, rounding, significant=significant),
            self.user_templates)

    def jupyter(self, values, carry=None, checks=None, decimals: int = 4,
                rounding: str = "exact", mode: str = "markdown",
                significant: int | None = None, compact: bool = False) -> str:
        context = self.context(values, carry, checks, decimals, rounding, diagram=False,
                               significant=significant)
        return templates.render("circuit.md.j2", {**context, "mode": mode},
                                self.user_templates)
