"""One rendering of a sheet: the numbers of every node at the sheet's precision, and the
context tree the templates read (LaTeX strings and formatted numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath

from ..decimals import difference, less
from ..errors import RenderError
from ..evaluate import is_exact
from ..latex import BREAK, broken, fill, number, scientific, shown_exactly, written
from . import diagram, nudges
from .skeleton import Hole

ROUNDINGS = ("exact", "carry")
_WORK_DPS = 40


@dataclass(slots=True)
class Worked:
    """One worked line as the templates see it (LaTeX strings and formatted numbers)."""

    name: str
    kind: str
    symbol: str
    named: str | None
    meaning: str | None
    chain: list
    formula: str | None
    substituted: str | None
    evaluated: str | None
    formula_lines: list[str]  # formula and substituted, broken into lines if long
    substituted_lines: list[str]
    relation: str  # '=' when the shown result is exact, else '\\approx'
    result: str
    footnote: dict | None  # {number, mode, other}: where carried and exact rounding differ


class Render:
    """One rendering: numbers for every node, then the context tree.

    With ``record``, every number-dependent string of the context is a ``Hole``, and
    ``recipes`` says how to compute each one again for other numbers (a method of this
    class and its arguments; ``Skeleton.texts``)."""

    def __init__(self, renderer, values, carry, decimals, rounding,
                 record: bool = False, significant: int | None = None):
        self.r, self.values, self.carry = renderer, values, carry
        self.decimals, self.rounding = decimals, rounding
        self.significant = significant
        self.cache: dict[str, str] = {}
        self.plain: dict[str, str] = {}
        self.computed: dict[str, tuple] = {}
        self.notes = 0
        self.used = values if rounding == "exact" or carry is None else \
            {n: u for n, (u, _) in carry.items()}
        self.record = record
        self.recipes: list[tuple] = []
        self.texts: list[str] = []
        self.queries: list[tuple] = []
        self.line_order: list[str] = []

    def hole(self, recipe: tuple, text: str) -> str:
        if not self.record:
            return text
        self.recipes.append(recipe)
        self.texts.append(text)
        return Hole(len(self.texts) - 1, text, self.queries)

    # what fills each kind of hole (a recipe is a method's name and its arguments)
    def _relation(self, name: str) -> str:
        return self.numbers(name)[0]

    def _substituted(self, name: str) -> str:
        return self.numbers(name)[1].replace(BREAK, "")

    def _substituted_line(self, name: str, k: int) -> str:
        return broken(self.numbers(name)[1])[k]

    def _evaluated(self, name: str) -> str:
        return self.numbers(name)[2]

    def _other(self, name: str) -> str:
        return self.numbers(name)[3]

    def signature(self, line_order: list[str]) -> tuple:
        """What shapes the sheet besides the graph: the lines with a footnote, and whether
        the loss decreased."""
        footnoted = () if self.carry is None else \
            tuple(name for name in line_order if self.numbers(name)[3] is not None)
        return footnoted, self._decreased()

    def _decreased(self):
        plan = self.r.plan
        if not plan["final_loss"]:
            return None
        return less(self.values[plan["final_loss"]], self.values[plan["steps"][0]["loss"]])

    def _difference(self) -> str:
        plan = self.r.plan
        return self.show(difference(self.values[plan["steps"][0]["loss"]],
                                    self.values[plan["final_loss"]]))

    def show(self, value, natural: bool = False) -> str:
        """A computed value at this sheet's decimals or significant figures."""
        return number(value, self.decimals, natural, self.significant)

    def shown_exactly(self, value) -> bool:
        return shown_exactly(value, self.decimals, self.significant)

    def text(self, name: str) -> str:
        text = self.cache.get(name)
        if text is None:
            text = self.cache[name] = self.hole(("_text", name), self._text(name))
        return text

    def _text(self, name: str) -> str:
        """The number shown for a node: givens as written, computed values at fixed
        decimals or significant figures (carry mode: the carried, rounded value)."""
        text = self.plain.get(name)
        if text is None:
            if name not in self.r.lines:
                text = written(self.values[name], self.decimals, self.significant)
            elif self.rounding == "exact":
                value = self.values[name]
                text = self.show(value, natural=type(value) is Fraction)
            else:
                text = self.show(self.carry[name][0])
            self.plain[name] = text
        return text

    def exact(self, name: str) -> str:
        """A value with every place it has when it terminates within 12 places (the nudge
        checks: 2.0060045), else as ``text`` shows it."""
        return self.hole(("_exact", name), self._exact(name))

    def _exact(self, name: str) -> str:
        return written(self.values[name], self.decimals, self.significant)

    def numbers(self, name: str) -> tuple:
        """A line's number-dependent strings: the relation, the substituted formula (with
        its break marks), the formula with the values of e^{…}, ln, tanh, and the other
        rounding's value when it differs (a footnote)."""
        computed = self.computed.get(name)
        if computed is not None:
            return computed
        prepared = self.r.lines[name]
        numbers = [self._text(p) for p in prepared.parents]
        exact = self.values[name]
        reference = exact if self.rounding == "exact" else self.carry[name][1]
        relation = "=" if self.shown_exactly(reference) else r"\approx"
        evaluated = None
        if prepared.inner is not None:
            used = [self.used[p] for p in prepared.parents]
            with mpmath.workdps(_WORK_DPS):
                inner = [f(*used) for f in prepared.inner_functions]
            inner = [self.show(v, natural=self.rounding == "exact" and type(v) is Fraction)
                     for v in inner]
            evaluated = fill(prepared.inner, numbers + inner).replace(BREAK, "")
        other = None
        if self.carry is not None and name in self.carry:
            exact_text = self.show(exact)
            carried = self.carry[name][0]
            if type(carried) is Fraction or is_exact(carried):
                carried_text = self.show(carried)
                if carried_text != exact_text:
                    other = carried_text if self.rounding == "exact" else exact_text
        substituted = fill(prepared.parts, numbers) if prepared.parts else None
        computed = self.computed[name] = (relation, substituted, evaluated, other)
        return computed

    def line(self, name: str) -> Worked:
        prepared = self.r.lines[name]
        self.line_order.append(name)
        relation, substituted, evaluated, other = self.numbers(name)
        hole = self.hole
        footnote = None
        if other is not None:
            self.notes += 1
            footnote = {"number": self.notes, "mode": self.rounding,
                        "other": hole(("_other", name), other)}
        return Worked(name, prepared.kind, prepared.symbol, prepared.named, prepared.meaning,
                      prepared.chain, prepared.formula,
                      None if substituted is None else
                      hole(("_substituted", name), substituted.replace(BREAK, "")),
                      None if evaluated is None else hole(("_evaluated", name), evaluated),
                      prepared.formula_lines,
                      [hole(("_substituted_line", name, k), text)
                       for k, text in enumerate(broken(substituted))] if substituted else [],
                      hole(("_relation", name), relation), self.text(name), footnote)

    def lines(self, names) -> list[Worked]:
        return [self.line(name) for name in names]

    def grid(self, rows) -> list[list]:
        return [[None if name is None else self.text(name) for name in row] for row in rows]

    def context(self, checks, diagram: bool = True) -> dict:
        r, plan = self.r, self.r.plan
        steps = []
        for step in plan["steps"]:
            steps.append({
                "number": step["number"],
                "forward": [{"example": b["example"], "lines": self.lines(b["lines"])}
                            for b in step["forward"]],
                "total": self.lines(step["total"]),
                "penalty": self.lines(step["penalty"]),
                "corrections": self.lines(step["corrections"]),
                "backward": [dict(b, lines=self.lines(b["lines"]),
                                  vectors={k: self.grid([[n] for n in v]) if v and
                                           type(v[0]) is str else self.grid(v)
                                           for k, v in b["vectors"].items()})
                             for b in step["backward"]],
                "gradients": [dict(g, lines=self.lines(g["lines"]),
                                   vectors={k: self.grid(v) for k, v in g["vectors"].items()})
                              for g in step["gradients"]],
                "updates": [dict(u, states=self.lines(u["states"]),
                                 lines=self.lines(u["lines"]),
                                 vectors={k: self.grid(v) for k, v in u["vectors"].items()})
                            for u in step["updates"]],
                "loss": self.text(step["loss"]),
            })
        after = [{"example": b["example"], "lines": self.lines(b["lines"])}
                 for b in plan["after"]]
        decrease = None
        if plan["final_loss"]:
            decrease = {"before": self.text(plan["steps"][0]["loss"]),
                        "after": self.text(plan["final_loss"]),
                        "difference": self.hole(("_difference",), self._difference()),
                        "decreased": self._decreased()}
        return {
            "problem": self.problem_context(),
            "decimals": self.decimals, "significant": self.significant,
            "rounding": self.rounding,
            "network": self.network() if diagram else None, "given": self.given(),
            "steps": steps, "after": after, "after_total": self.lines(plan["after_total"]),
            "after_penalty": self.lines(plan["after_penalty"]),
            "optimizer": self.optimizer(),
            "decrease": decrease, "summary": self.summary(),
            "checks": None if not checks else self.checks(checks),
            "batch": len(plan["examples"]) > 1, "multistep": len(r.graph.steps) > 1,
            "lr": self.text("lr") if "lr" in r.graph.nodes else None,
            "nudges": nudges.context(self, nudges.plan(r.graph)),
            "packages": r.PREAMBLE_PACKAGES,
        }

    def problem_context(self) -> dict:
        graph, p = self.r.graph, self.r.graph.problem
        return {"name": p.name, "description": p.description, "loss": p.loss,
                "reduction": p.reduction, "steps": p.steps, "examples": len(p.data),
                "depth": graph.depth,
                "activations": [graph.activation(l).name for l in graph.layers],
                "frozen": [self.r.symbols[e] for e in self.r.entries if e in p.frozen],
                "learning_rate": "lr" in graph.nodes}

    def optimizer(self) -> dict | None:
        """The optimiser's name and given numbers (None for plain SGD without weight
        decay), for optimizer.j2."""
        graph = self.r.graph
        name = graph.problem.optimizer.name if "lr" in graph.nodes else "sgd"
        given = graph.hyperparameters()
        if name == "sgd" and not given:
            return None
        return {"name": name,
                "given": [{"name": n, "symbol": self.r.symbols[n], "value": self.text(n)}
                          for n in given]}

    def given(self) -> dict:
        graph, symbols, printer = self.r.graph, self.r.symbols, self.r.printer
        layers = []
        for l in graph.layers:
            weights = graph.weights(l)
            layers.append({
                "layer": l, "W": printer.vector("W", l), "b": printer.vector("b", l),
                "weights": self.grid(weights),
                "biases": self.grid([[e] for e in graph.biases(l)]),
                "shared_bias": graph.bias_kind(l) == "shared",
                "activation": graph.activation(l).name, "units": len(weights)})
        data = [{"example": ex,
                 "x": printer.vector("x", None, ex), "y": printer.vector("y", None, ex),
                 "xs": [self.text(n) for n in graph.vector("x", example=ex)],
                 "ys": [self.text(n) for n in graph.vector("y", example=ex)]}
                for ex in graph.examples]
        names = [{"text": alias, "symbol": symbols[entry]}
                 for alias, entry in graph.problem.names.items() if entry in symbols]
        return {"layers": layers, "data": data, "names": names}

    def _diagram_key(self) -> str:
        """The widest weight and the widest bias of the diagram (em, ``diagram.label_ems``)
        as text: all that its layout takes from the numbers."""
        graph, text = self.r.graph, self._text
        weights = [e for l in graph.layers for row in graph.weights(l) for e in row]
        biases = [b for l in graph.layers for b in graph.biases(l)]
        weight = max((diagram.label_ems(text(e)) for e in weights), default=0.0)
        bias = max((diagram.label_ems(text(b), diagram.BIAS_PREFIX) for b in biases),
                   default=0.0)
        return f"{weight!r} {bias!r}|"

    def network(self) -> dict:
        """The diagram: one column of units per layer, a bias beside each unit that has one
        (the z node's bias parent), a weight on each edge, and where each of them goes
        (symprop.sheets.diagram, in pt). The layout depends on the numbers only through
        the widest weight and bias (``_diagram_key``); while a skeleton is recorded, that
        key is a hole the skeleton asks about (symprop.sheets.skeleton), so a later sheet
        is filled into this diagram only when its widest labels are as wide."""
        graph, printer = self.r.graph, self.r.printer
        first = graph.examples[0]
        inputs = graph.vector("x", example=first)
        key = self._diagram_key()
        self.hole(("_diagram_key",), key).startswith(key)  # logged while recording
        ems = {}  # each label's width in Latin Modern (em), for SVG's textLength

        def label(name: str, kind: str) -> str:
            prefix = diagram.BIAS_PREFIX if kind == "bias" else 0.0
            ems[name] = round(diagram.text_ems(self._text(name), prefix), 3)
            return self.text(name)

        layers = [{"layer": 0, "units": len(inputs), "activation": None,
                   "nodes": [printer.entry("x", None, (i,)) for i in range(1, len(inputs) + 1)],
                   "biases": [None] * len(inputs), "bias_ems": [None] * len(inputs)}]
        edges = []
        for l in graph.layers:
            zs = graph.vector("z", l, example=first)
            biases, bias_ems = [], []
            for z in zs:
                bias = [p for p in graph.parents(z) if graph.nodes[p].label.kind == "b"]
                biases.append(label(bias[0], "bias") if bias else None)
                bias_ems.append(ems[bias[0]] if bias else None)
            layers.append({"layer": l, "units": len(zs), "biases": biases,
                           "bias_ems": bias_ems,
                           "activation": graph.activation(l).name,
                           "W": printer.vector("W", l), "b": printer.vector("b", l),
                           "bias_vector": [self.text(b) for b in graph.biases(l)],
                           "nodes": [printer.entry("a", l, (i,))
                                     for i in range(1, len(zs) + 1)]})
            edges += [{"layer": l, "to": i, "from": j, "weight": label(entry, "weight"),
                       "ems": ems[entry]}
                      for i, row in enumerate(graph.weights(l), 1)
                      for j, entry in enumerate(row, 1)]
        weight, bias = map(float, key.rstrip("|").split())
        shape = diagram.layout([layer["units"] for layer in layers],
                               [[b is not None for b in layer["biases"]] for layer in layers],
                               weight, bias)
        for layer in layers:
            l = layer["layer"]
            layer["at"] = shape.units[l]
            layer["bias_at"] = [shape.biases.get((l, i)) for i in range(1, layer["units"] + 1)]
        for edge in edges:
            key = (edge["layer"], edge["to"], edge["from"])
            edge.update(line=shape.lines[key], arrow=shape.arrows[key], at=shape.weights[key])
        return {"layers": layers, "edges": edges,
                "tallest": max(layer["units"] for layer in layers),
                "width": shape.width, "height": shape.height, "radius": shape.radius,
                "font": shape.font, "weight_box": shape.weight_size,
                "bias_box": shape.bias_size, "labelled": shape.labelled,
                "beside": shape.beside, "names": shape.names}

    def summary(self) -> list[dict]:
        graph, symbols = self.r.graph, self.r.symbols
        last = graph.steps[-1]
        rows = []
        for entry in self.r.entries:
            grad, new = graph.gradient(entry), graph.updated(entry)
            final = graph.parameter(entry, last + 1)
            rows.append({"symbol": symbols[entry], "name": graph.problem.textbook_name(entry),
                         "value": self.text(entry),
                         "gradient": self.text(grad) if grad else None,
                         "new": self.text(new) if new else None,
                         "final": self.text(final) if final != entry else None,
                         "frozen": grad is None})
        return rows

    def checks(self, checks: dict) -> dict:
        def worst(name):
            if not name:
                return None
            return self.r.symbols.get(name)

        out = dict.fromkeys(("symbolic", "numpy", "finite_differences"))
        symbolic = checks.get("symbolic") or {}
        if symbolic:
            out["symbolic"] = {
                "agrees": symbolic["agrees"],
                "methods": sorted(symbolic["methods"].items()),
                "count": sum(symbolic["methods"].values()),
                "largest": scientific(Fraction(symbolic["largest_relative_difference"]), 2),
                "seconds": symbolic.get("seconds")}
        for key in ("numpy", "finite_differences"):
            check = checks.get(key)
            if check:
                out[key] = {"agrees": check["agrees"], "compared": check["compared"],
                            "tolerance": scientific(Fraction(check["tolerance"]), 1),
                            "largest": scientific(
                                Fraction(check["largest_relative_difference"]), 2),
                            "worst": worst(check.get("worst")),
                            "skipped": [self.r.symbols.get(s, s) for s in check["skipped"]]}
        return out


def check_options(carry, rounding: str) -> None:
    if rounding not in ROUNDINGS:
        raise RenderError(f"rounding: expected one of {', '.join(ROUNDINGS)}, "
                          f"got '{rounding}'")
    if rounding == "carry" and carry is None:
        raise RenderError("rounding 'carry' needs the carried values (solution.carry())")
