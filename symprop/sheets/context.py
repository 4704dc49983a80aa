"""One rendering of a sheet: the numbers of every node at the sheet's precision, and the
context tree the templates read (LaTeX strings and formatted numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath

from ..decimals import difference, less
from ..errors import RenderError
from ..evaluate import is_exact
from ..latex import BREAK, fill, matrix, number, scientific, shown_exactly, written
from . import diagram, nudges
from .layout import Part, Row, wider
from .skeleton import Hole

ROUNDINGS = ("exact", "carry")
_WORK_DPS = 40


@dataclass(slots=True)
class Worked:
    """One worked line (or a matrix-form equation, kind 'equation') as the templates see
    it: LaTeX strings and formatted numbers, and the rows it is set in."""

    name: str
    kind: str
    symbol: str  # the left side
    named: str | None
    meaning: str | None
    chain: list
    formula: str | None
    substituted: str | None
    evaluated: str | None
    relation: str  # '=' when the shown result is exact, else '\\approx'
    result: str
    footnote: dict | None  # {mode, other, mark}: where carried and exact rounding differ
    rows: list  # [Row(indent, [Part(relation, text, bold)])]: the line as set on the page
    notes: list  # [{mark, mode, …}]: said right below the line (rounding, a kink)


MARKS = (r"\dagger", r"\ddagger")  # a line's notes: never read as an exponent


class Render:
    """One rendering: numbers for every node, then the context tree.

    With ``record``, every number-dependent string of the context is a ``Hole``, and
    ``recipes`` says how to compute each one again for other numbers (a method of this
    class and its arguments; ``Skeleton.texts``)."""

    def __init__(self, renderer, values, carry, decimals, rounding,
                 record: bool = False, significant: int | None = None,
                 compact: bool = False):
        self.r, self.values, self.carry = renderer, values, carry
        self.decimals, self.rounding = decimals, rounding
        self.significant, self.compact = significant, compact
        self.cache: dict[str, str] = {}
        self.plain: dict[str, str] = {}
        self.computed: dict[str, tuple] = {}
        self.extra: dict[str, tuple] = {}  # lines that are no node: (exact, carried)
        self.used = values if rounding == "exact" or carry is None else \
            {n: u for n, (u, _) in carry.items()}
        self.record = record
        self.recipes: list[tuple] = []
        self.texts: list[str] = []
        self.queries: list[tuple] = []
        self.line_order: list[str] = []
        self.nominal = renderer.nominal(decimals, significant)
        self._wide: dict | None = None  # numbers wider than planned: name → width class
        self._shape: tuple | None = None  # the signature's part that no line order changes
        self.inner_wide: dict[str, tuple] = {}  # the same for values of e^{…}, ln, tanh
        self.supplied: dict[str, dict] = {}  # more texts of a template (SheetRenderer.fill)

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

    def _evaluated(self, name: str) -> str:
        return self.numbers(name)[2].replace(BREAK, "")

    def _part(self, name: str, kind: str, start: int, end: int) -> str:
        return "".join(self._terms(name, kind)[start:end])

    def _terms(self, name: str, kind: str) -> list[str]:
        return self.numbers(name)[1 if kind == "substituted" else 2].split(BREAK)

    def _other(self, name: str) -> str:
        return self.numbers(name)[3]

    def _supplied(self, key: str, name: str) -> str:
        return str(self.supplied[key][name])

    def signature(self, line_order: list[str]) -> tuple:
        """What shapes the sheet besides the graph: the lines with a rounding note, the
        lines at a kink, whether the targets sum to 1 (the fused δ's form), whether the
        loss decreased, and the numbers wider than the layout planned for."""
        footnoted = () if self.carry is None else \
            tuple(name for name in line_order if self.numbers(name)[3] is not None)
        if self._shape is None:  # the rest, once for the views that share these numbers
            kinks = tuple(name for name in self.r.kinks if self.at_kink(name))
            for name in self.r.inner_lines:
                self.numbers(name)
            self._shape = kinks, self.one_hot(), self._decreased(), \
                tuple(sorted(self.wide().items())), tuple(sorted(self.inner_wide.items()))
        return footnoted, *self._shape

    def wide(self) -> dict:
        """The numbers shown wider than the layout plans for (symprop.sheets.layout):
        name → the nominal text of their width class."""
        if self._wide is None:
            planned, self._wide = self.nominal, {}
            for name in self.r.numbered:
                found = wider(self._text(name), planned.get(name, planned[None]))
                if found is not None:
                    self._wide[name] = found
        return self._wide

    def measured(self, names) -> tuple[dict, tuple]:
        """The widths the layout measures these numbers at, and what in them is wider than
        planned (part of the layout's cache key)."""
        wide = self.wide()
        extra = tuple((n, wide[n]) for n in names if n in wide)
        return ({**self.nominal, **dict(extra)} if extra else self.nominal), extra

    def at_kink(self, name: str) -> bool:
        """Whether a kinked activation's slope is taken at exactly 0 (its convention)."""
        value = self.values[self.r.lines[name].kink[0]]
        return type(value) is Fraction and value == 0

    def one_hot(self) -> tuple:
        """Per example with a fused output error: do its targets sum to 1?"""
        return tuple(ys is None or sum(self.values[y] for y in ys) == 1
                     for ys in self.r.fused_targets)

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

    def value(self, name: str):
        """The exact value of a node, or of a line that is no node (the fused δ)."""
        if name in self.values:
            return self.values[name]
        return self._extra(name)[0]

    def _extra(self, name: str) -> tuple:
        """(exact value, hand-calculator value) of a line that is no node."""
        found = self.extra.get(name)
        if found is None:
            prepared = self.r.lines[name]
            with mpmath.workdps(_WORK_DPS):
                exact = prepared.function(*[self.values[p] for p in prepared.parents])
                used = exact if self.used is self.values else \
                    prepared.function(*[self.used[p] for p in prepared.parents])
            found = self.extra[name] = (exact, used)
        return found

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
                text = self.r.written(self.values[name], self.decimals, self.significant)
            elif self.rounding == "exact":
                value = self.value(name)
                text = self.show(value, natural=type(value) is Fraction)
            elif name in self.values:
                text = self.show(self.carry[name][0])
            else:
                text = self.show(self._extra(name)[1])
            self.plain[name] = text
        return text

    def exact(self, name: str) -> str:
        """A value with every place it has when it terminates within 12 places (the nudge
        checks: 2.0060045), else as ``text`` shows it."""
        return self.hole(("_exact", name), self._exact(name))

    def _exact(self, name: str) -> str:
        return written(self.values[name], self.decimals, self.significant)

    def numbers(self, name: str) -> tuple:
        """A line's number-dependent strings: the relation, the substituted formula and
        the formula with the values of e^{…}, ln, tanh (both with their break marks), and
        the other rounding's value when it differs (a footnote)."""
        computed = self.computed.get(name)
        if computed is not None:
            return computed
        prepared = self.r.lines[name]
        numbers = [self._text(p) for p in prepared.parents]
        exact = self.value(name)
        if self.rounding == "exact":
            reference = exact
        else:
            reference = self.carry[name][1] if name in self.values else self._extra(name)[1]
        relation = "=" if self.shown_exactly(reference) else r"\approx"
        evaluated = None
        if prepared.inner is not None:
            used = [self.used[p] for p in prepared.parents]
            with mpmath.workdps(_WORK_DPS):
                inner = [f(*used) for f in prepared.inner_functions]
            inner = [self.show(v, natural=self.rounding == "exact" and type(v) is Fraction)
                     for v in inner]
            evaluated = fill(prepared.inner, numbers + inner)
            classes = [wider(text, self.nominal[None]) for text in inner]
            if any(classes):
                self.inner_wide[name] = tuple(c or self.nominal[None] for c in classes)
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

    # lines and equations, set in rows --------------------------------------------------
    def line(self, name: str, budget: float) -> Worked:
        prepared = self.r.lines[name]
        self.line_order.append(name)
        relation, substituted, evaluated, other = self.numbers(name)
        hole = self.hole
        relation = hole(("_relation", name), relation)
        result = self.text(name)
        notes, footnote = [], None
        if other is not None:
            footnote = {"mode": self.rounding, "other": hole(("_other", name), other)}
            notes.append(footnote)
        if prepared.kink is not None and self.at_kink(name):
            notes.append({"mode": "kink", "value": prepared.kink[1],
                          "function": prepared.kink[2]})
        for mark, note in zip(MARKS, notes, strict=False):
            note["mark"] = mark
        if prepared.inner is not None:
            self.numbers(name)
        numbers, extra = self.measured((*prepared.parents, name))
        kinds, layout = self.r.line_layout(name, budget, numbers, extra,
                                           self.inner_wide.get(name, ()))
        static = {"meaning": [prepared.meaning], "named": [prepared.named],
                  "chain": [r" \cdot ".join(prepared.chain)],
                  "formula": prepared.formula_terms}
        rows = []
        for placed in layout:
            parts = []
            for k, start, end in placed:
                kind = kinds[k]
                if kind == "result":
                    parts.append(Part(relation, result, True))
                    continue
                if kind in static:
                    terms = static[kind][start:end]
                    text = "".join(terms)
                else:
                    terms = self._terms(name, kind)[start:end]
                    text = hole(("_part", name, kind, start, end), "".join(terms))
                parts.append(Part("=" if start == 0 else "", text, False, terms))
            rows.append(Row(placed[0][1] > 0, parts))
        return Worked(name, prepared.kind, prepared.symbol, prepared.named, prepared.meaning,
                      prepared.chain, prepared.formula,
                      None if substituted is None else
                      hole(("_substituted", name), substituted.replace(BREAK, "")),
                      None if evaluated is None else hole(("_evaluated", name),
                                                          evaluated.replace(BREAK, "")),
                      relation, result, footnote, rows, notes)

    def lines(self, names) -> list[Worked]:
        """Worked lines set as one block (one alignment): all fit beside the widest
        left side."""
        budget = self.r.budget([self.r.lines[n].symbol for n in names])
        return [self.line(name, budget) for name in names]

    def equation(self, spec: dict, budget: float) -> Worked | None:
        """A matrix-form equation in rows; None where a matrix is too wide for the page
        even at script size (the worked lines then carry its entries)."""
        numbers, extra = self.measured(self.r.equation_names(spec))
        layout = self.r.equation_layout(spec, budget, numbers, extra)
        if layout is None:
            return None
        style, placed_rows = layout
        rows = []
        for placed in placed_rows:
            parts = []
            for k, start, end in placed:
                piece = spec["pieces"][k]
                alone = len(piece) == 1 and len(piece[0]) == 1  # = −1.15, not = (−1.15)
                terms = ["".join(self.token(token, style, alone) for token in term)
                         for term in piece[start:end]]
                parts.append(Part("=" if start == 0 else "", "".join(terms), False, terms))
            rows.append(Row(placed[0][1] > 0, parts))
        return Worked(spec["key"], "equation", spec["lhs"], None, None, [], None, None,
                      None, "=", "", None, rows, [])

    def token(self, token, style: str, alone: bool = False) -> str:
        if type(token) is str:
            return token
        if token[0] == "n":
            return self.text(token[1])
        grid = token[1]
        if alone and len(grid) == 1 and len(grid[0]) == 1 and grid[0][0] is not None:
            return self.text(grid[0][0])
        return matrix(self.grid(grid), style)

    def block(self, lines: list[str], specs: list[dict]) -> dict:
        """A block's equations (all on a compact sheet, else those of the full sheet) and
        its worked lines (on a compact sheet only those no shown equation states, and any
        line with a kink to note)."""
        shown_specs = [s for s in specs if self.compact or not s["compact_only"]]
        budget = self.r.budget([s["lhs"] for s in shown_specs])
        equations, covered = [], set()
        for spec in shown_specs:
            worked = self.equation(spec, budget)
            if worked is not None:
                equations.append(worked)
                covered.update(spec["covers"])
        if self.compact:
            kinks = self.r.kinks
            lines = [n for n in lines if n not in covered or
                     (n in kinks and self.at_kink(n))]
        return {"equations": equations, "lines": self.lines(lines)}

    def grid(self, rows) -> list[list]:
        return [[None if name is None else self.text(name) for name in row] for row in rows]

    def fused(self, fused: dict, number: int) -> dict:
        """The closed form of the output error (δ = ŷ − y) of one example, as lines (and
        as a vector on a compact sheet); which form depends on whether the targets sum
        to 1."""
        one_hot = self.one_hot()[number]
        names = [f"{d}:fused" + ("" if one_hot else ":sum") for d in fused["deltas"]]
        out = {"one_hot": one_hot, "equations": [], "lines": []}
        if self.compact and len(names) > 1 and one_hot:
            spec = self.r.fused_equations[fused["deltas"][0]]
            worked = self.equation(spec, self.r.budget([spec["lhs"]]))
            if worked is not None:
                out["equations"] = [worked]
                return out
        out["lines"] = self.lines(names)
        return out

    # the context ------------------------------------------------------------------------
    def context(self, checks, diagram: bool = True) -> dict:
        r, plan = self.r, self.r.plan
        steps, fused_count = [], 0
        for step in plan["steps"]:
            backward = []
            for b in step["backward"]:
                fused = self.fused(b["fused"], fused_count) if b["fused"] else None
                fused_count += b["fused"] is not None
                backward.append(dict(b, **self.block(b["lines"], b["equations"]),
                                     fused=fused))
            steps.append({
                "number": step["number"],
                "forward": [dict(b, **self.forward(b)) for b in step["forward"]],
                "total": self.lines(step["total"]),
                "penalty": self.lines(step["penalty"]),
                "corrections": self.lines(step["corrections"]),
                "backward": backward,
                "gradients": [dict(g, **self.block(g["lines"], g["equations"]))
                              for g in step["gradients"]],
                "updates": [dict(u, states=self.lines(u["states"]),
                                 **self.block(u["lines"], u["equations"]))
                            for u in step["updates"]],
                "loss": self.text(step["loss"]),
            })
        after = [dict(b, **self.forward(b)) for b in plan["after"]]
        decrease = None
        if plan["final_loss"]:
            decrease = {"before": self.text(plan["steps"][0]["loss"]),
                        "after": self.text(plan["final_loss"]),
                        "difference": self.hole(("_difference",), self._difference()),
                        "decreased": self._decreased()}
        return {
            "problem": self.problem_context(),
            "decimals": self.decimals, "significant": self.significant,
            "rounding": self.rounding, "compact": self.compact,
            "network": self.network() if diagram else None, "given": self.given(),
            "steps": steps, "after": after, "after_total": self.lines(plan["after_total"]),
            "after_penalty": self.lines(plan["after_penalty"]),
            "optimizer": self.optimizer(),
            "decrease": decrease, "summary": self.summary(),
            "checks": None if not checks else self.checks(checks),
            "batch": len(plan["examples"]) > 1, "multistep": len(r.graph.steps) > 1,
            "lr": self.text("lr") if "lr" in r.graph.nodes else None,
            "packages": r.PREAMBLE_PACKAGES, "fused_latex": r.fused_latex,
            "nudges": nudges.context(self, nudges.plan(r.graph)),
        }

    def forward(self, block: dict) -> dict:
        """A forward pass: its lines (the loss last), and on a compact sheet the vectors
        z⁽ˡ⁾ and a⁽ˡ⁾ in place of the lines they state."""
        if not self.compact:
            return {"equations": [], "lines": self.lines(block["lines"])}
        return self.block(block["lines"], block["equations"])

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
        """The network's layers and functions, the parameters and the examples (as
        equations: a matrix per parameter, a vector per example)."""
        graph, symbols, r = self.r.graph, self.r.symbols, self.r
        specs = r.given_equations
        budget = r.budget([s["lhs"] for s in specs.values() if s is not None])
        layers = []
        for l in graph.layers:
            weights = graph.weights(l)
            equations, wide = [], []
            for kind in ("W", "b"):
                spec = specs.get((kind, l))
                if spec is None:
                    continue
                worked = self.equation(spec, budget)
                (equations.append(worked) if worked is not None else wide.append(spec["lhs"]))
            layers.append({
                "layer": l, "equations": equations, "too_wide": wide,
                "shared_bias": graph.bias_kind(l) == "shared",
                "activation": graph.activation(l).name, "units": len(weights),
                "alpha": written(graph.problem.layers[l].alpha)
                if graph.activation(l).name == "leaky_relu" else None})
        data = []
        for ex in graph.examples:
            equations = []
            for kind in ("x", "y"):
                worked = self.equation(specs[(kind, ex, "row")], budget)
                if worked is None:  # too long as a row: a column
                    worked = self.equation(specs[(kind, ex, "column")], budget)
                equations.append(worked)
            data.append({"example": ex, "equations": [w for w in equations if w]})
        names = [{"text": alias, "symbol": symbols[entry]}
                 for alias, entry in graph.problem.names.items() if entry in symbols]
        return {"layers": layers, "data": data, "names": names,
                "functions": r.functions,
                # amsmath's matrices take 10 columns unless told: the widest layer's
                "max_columns": max(10, *(max(len(graph.weights(l)), len(graph.weights(l)[0]))
                                         for l in graph.layers))}

    def _diagram_key(self) -> str:
        """The widest weight and the widest bias of the diagram (em, ``diagram.label_ems``)
        as text: all that its layout takes from the numbers."""
        plan, text = self.r.network_plan, self._text
        weight = max((diagram.label_ems(text(e)) for e in plan["weights"]), default=0.0)
        bias = max((diagram.label_ems(text(b), diagram.BIAS_PREFIX) for b in plan["biases"]),
                   default=0.0)
        return f"{weight!r} {bias!r}|"

    def network(self) -> dict:
        """The diagram: one column of units per layer, a bias beside each unit that has one
        (the z node's bias parent), a weight on each edge, and where each of them goes
        (symprop.sheets.diagram, in pt). The layout depends on the numbers only through
        the widest weight and bias (``_diagram_key``); while a skeleton is recorded, that
        key is a hole the skeleton asks about (symprop.sheets.skeleton), so a later sheet
        is filled into this diagram only when its widest labels are as wide."""
        plan = self.r.network_plan  # what the graph says, once per renderer
        inputs = plan["inputs"]
        key = self._diagram_key()
        self.hole(("_diagram_key",), key).startswith(key)  # logged while recording
        ems = {}  # each label's width in Latin Modern (em), for SVG's textLength

        def label(name: str, kind: str) -> str:
            prefix = diagram.BIAS_PREFIX if kind == "bias" else 0.0
            ems[name] = round(diagram.text_ems(self._text(name), prefix), 3)
            return self.text(name)

        layers = [{"layer": 0, "units": len(inputs), "activation": None,
                   "nodes": list(inputs),
                   "biases": [None] * len(inputs), "bias_ems": [None] * len(inputs)}]
        edges = []
        for layer in plan["layers"]:
            l = layer["layer"]
            biases, bias_ems = [], []
            for bias in layer["unit_biases"]:
                biases.append(label(bias, "bias") if bias else None)
                bias_ems.append(ems[bias] if bias else None)
            layers.append({"layer": l, "units": len(layer["nodes"]), "biases": biases,
                           "bias_ems": bias_ems, "activation": layer["activation"],
                           "W": layer["W"], "b": layer["b"],
                           "bias_vector": [self.text(b) for b in layer["biases"]],
                           "nodes": list(layer["nodes"])})
            edges += [{"layer": l, "to": i, "from": j, "weight": label(entry, "weight"),
                       "ems": ems[entry]}
                      for i, j, entry in layer["edges"]]
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
                            "skipped": [self._skipped(s) for s in check["skipped"]]}
        return out

    def _skipped(self, entry: str) -> dict:
        """A check's skipped item: 'name: why' (a quantity in maths and its reason), or a
        sentence ('step 1: a ReLU pre-activation lies within h of 0'), as text."""
        name, _, why = entry.partition(": ")
        symbol = self.r.symbols.get(name)
        return {"symbol": symbol, "text": why} if symbol and why else \
            {"symbol": None, "text": entry}


def check_options(carry, rounding: str) -> None:
    if rounding not in ROUNDINGS:
        raise RenderError(f"rounding: expected one of {', '.join(ROUNDINGS)}, "
                          f"got '{rounding}'")
    if rounding == "carry" and carry is None:
        raise RenderError("rounding 'carry' needs the carried values (solution.carry())")
