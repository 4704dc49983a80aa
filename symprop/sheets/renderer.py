"""Solution sheets of a layered network: ``SheetRenderer(graph)`` does all symbolic work once
per graph. It prints every symbol, every local formula, and a *skeleton* of each formula
with numbered slots for the parents' numbers (symprop.sheets.lines), and plans the sheet
from graph queries (symprop.sheets.plan). ``renderer.tex(values, …)`` then only formats
numbers (symprop.sheets.context), fills the skeletons and runs the loaded template.

Python hands over data; every sentence and all layout live in ``templates/solution.*.j2``.
"""

from __future__ import annotations

import functools
from fractions import Fraction

from sympy import Add, Integer

from .. import render as templates
from ..activations import ACTIVATIONS
from ..latex import BREAK, fill, matrix, width, written
from ..losses import FUSED, LOSSES
from .context import Render, check_options
from .layout import INDENT_EM, LINE_EM, NOTE_MARK_EM, RELATION_EM, nominal, nominal_given, pack
from .lines import Printers, prepare, prepare_expression
from .plan import NetworkPlan, column, equation
from .skeleton import MAX_SKELETONS, Skeleton

TEX_TEMPLATE = "solution.tex.j2"
BODY_TEMPLATE = "solution-body.tex.j2"
HTML_TEMPLATE = "solution.html.j2"
JUPYTER_TEMPLATE = "solution.md.j2"
MAX_WRITTEN = 4096  # givens' texts kept per renderer


class SheetRenderer:
    """Prepared once per graph; ``tex``/``html``/``context`` render for given numbers."""

    PREAMBLE_PACKAGES = ("amsmath", "amssymb", "booktabs", "longtable", "tikz")
    SKELETONS = True  # False: every sheet rendered in full (bench/*.py --no-skeleton)

    def __new__(cls, graph, user_templates=None):
        """A computation graph (a ``graph:`` spec) gets its own sheet: symprop.sheets.circuit."""
        if cls is SheetRenderer and graph.kind == "circuit":
            from .circuit import CircuitRenderer
            cls = CircuitRenderer
        return super().__new__(cls)

    def __init__(self, graph, user_templates=None):
        self._prepare_lines(graph)
        self.entries = [e for l in graph.layers
                        for e in [n for row in graph.weights(l) for n in row] +
                        graph.biases(l)]
        self.plan = NetworkPlan(graph, self.printer).as_dict()
        self.fused_targets: list = []  # per fused block: the targets that must sum to 1
        self.fused_equations: dict = {}
        self._prepare_fused()
        self._index_lines()
        self.given_equations = self._given_equations()
        self.functions = self._functions()
        self._prepare_layout()
        self.user_templates = user_templates
        self.tex_template = templates.load(TEX_TEMPLATE, user_templates)
        self.body_template = templates.load(BODY_TEMPLATE, user_templates)
        # skeletons by options and structure; user templates always get the full render
        self.fast = user_templates is None and self.SKELETONS
        self._skeletons: dict[tuple, dict[tuple, list[Skeleton]]] = {}
        self._line_order: dict[tuple, list[str]] = {}

    def _prepare_lines(self, graph) -> None:
        """The notation, every symbol, and every node's worked line (symprop.sheets.lines),
        once per graph."""
        self.graph = graph
        self.printers = Printers(graph)
        self.printer = self.printers.names
        self.lines = {node.name: prepare(self.printers, node) for node in graph
                      if node.formula is not None}
        self.symbols = {node.name: self.printer.doprint(node.symbol) for node in graph}

    def _index_lines(self) -> None:
        """What a rendering asks of the lines (symprop.sheets.context): those with a slope
        at a kink, those with values of e^{…}, ln, tanh, and every number shown."""
        self.kinks = [name for name, line in self.lines.items() if line.kink is not None]
        self.inner_lines = [name for name, line in self.lines.items() if line.inner is not None]
        self.numbered = [node.name for node in self.graph] + \
            [name for name in self.lines if name not in self.graph.nodes]

    def written(self, value, decimals: int, significant: int | None) -> str:
        """A given as its author wrote it (latex.written), kept per exact value: the
        variants draw their givens from a few grid values."""
        if type(value) is not Fraction:
            return written(value, decimals, significant)
        key = (value, decimals, significant)
        found = self._written.get(key)
        if found is None:
            found = written(value, decimals, significant)
            if len(self._written) < MAX_WRITTEN:
                self._written[key] = found
        return found

    def _prepare_layout(self) -> None:
        """The caches of line breaking (symprop.sheets.layout), kept per renderer."""
        self._widths: dict[str, float] = {}
        self._layouts: dict[tuple, object] = {}
        self._equation_names: dict[str, list] = {}
        self._nominals: dict[tuple, str] = {}
        self._written: dict[tuple, str] = {}

    # what the plan adds once per graph ---------------------------------------------------
    def _prepare_fused(self) -> None:
        """The fused output error's lines, δᵢ = ŷᵢ − yᵢ (targets summing to 1) and
        δᵢ = ŷᵢ Σₖ yₖ − yᵢ (softmax, any targets), printed and compiled like a node's."""
        graph = self.graph
        fused = FUSED.get((graph.activation(graph.depth).name, graph.problem.loss))
        self.fused_latex = fused.latex if fused else None
        for step in self.plan["steps"]:
            for block in step["backward"]:
                info = block["fused"]
                if info is None:
                    continue
                ys = [graph.nodes[y].symbol for y in info["y"]]
                softmax = not graph.activation(graph.depth).elementwise
                self.fused_targets.append(info["y"] if softmax else None)
                for delta, yhat, y in zip(info["deltas"], info["yhat"], info["y"],
                                          strict=True):
                    for suffix, total in (("", Integer(1)), (":sum", Add(*ys))):
                        expr = fused.formula(graph.nodes[yhat].symbol, graph.nodes[y].symbol,
                                             total)
                        parents = tuple(sorted((graph.by_symbol[s] for s in expr.free_symbols),
                                               key=graph.positions.__getitem__))
                        name = f"{delta}:fused{suffix}"
                        self.lines[name] = prepare_expression(self.printers, name, "fused",
                                                              self.symbols[delta], expr,
                                                              parents)
                example = graph.nodes[info["deltas"][0]].label.example
                version = graph.nodes[info["deltas"][0]].label.step - 1
                yhat_vector = self.printer.vector("yhat", None, example, version)
                y_vector = self.printer.vector("y", None, example)
                self.fused_equations[info["deltas"][0]] = equation(
                    f"fused:{info['deltas'][0]}", block["delta"],
                    [[[f"{yhat_vector} - {y_vector}"]],
                     [[column(info["yhat"])], [" - ", column(info["y"])]],
                     [[column([f"{d}:fused" for d in info["deltas"]])]]])

    def _given_equations(self) -> dict:
        """The given parameters as matrices, the examples as vectors (a row, or a column
        where a row is too long)."""
        graph, printer, out = self.graph, self.printer, {}
        for l in graph.layers:
            out[("W", l)] = equation(f"given:W{l}", printer.vector("W", l),
                                     [[[("m", graph.weights(l))]]])
            if graph.biases(l):
                out[("b", l)] = equation(f"given:b{l}", printer.vector("b", l),
                                         [[[column(graph.biases(l))]]])
        for ex in graph.examples:
            for kind in ("x", "y"):
                names = graph.vector(kind, example=ex)
                lhs = printer.vector(kind, None, ex)
                out[(kind, ex, "row")] = equation(
                    f"given:{kind}{ex}", lhs,
                    [[["{", ("m", [names]), r"}^{\top}"] if len(names) > 1 else
                      [("m", [names])]]])
                out[(kind, ex, "column")] = equation(f"given:{kind}{ex}:column", lhs,
                                                     [[[column(names)]]])
        return out

    def _functions(self) -> dict:
        """The activations the network uses and the loss, as the sheet defines them, with
        their conventions (α of leaky ReLU, the slope taken at a kink)."""
        graph, seen, activations = self.graph, set(), []
        convention = graph.problem.relu_derivative_at_zero
        for l in graph.layers:
            record = ACTIVATIONS[graph.problem.layers[l].activation]
            alpha = written(graph.problem.layers[l].alpha) \
                if record.name == "leaky_relu" else None
            if (record.name, alpha) in seen:
                continue
            seen.add((record.name, alpha))
            activations.append({"name": record.name, "symbol": record.symbol,
                                "definition": record.definition,
                                "derivative": record.derivative, "alpha": alpha,
                                "kink": record.at_kink(convention)})
        return {"activations": activations,
                "loss": LOSSES[graph.problem.loss].definition}

    # line breaking (symprop.sheets.layout): planned once per structure and precision -------
    def width(self, text: str, continued: bool = False) -> float:
        found = self._widths.get((text, continued))
        if found is None:
            found = self._widths[(text, continued)] = width(text, continued)
        return found

    def nominal(self, decimals: int, significant: int | None) -> dict:
        """How wide each number may come out at this precision: the nominal computed
        number (under the key None), and each given's (see symprop.sheets.layout)."""
        key = (decimals, significant)
        found = self._nominals.get(key)
        if found is None:
            found = self._nominals[key] = {None: nominal(decimals, significant)}
            for name, value in self._givens().items():
                found[name] = nominal_given(value, decimals, significant)
        return found

    def _givens(self) -> dict:
        """The spec's given numbers by node name (inputs, targets, parameters, η)."""
        graph, problem, out = self.graph, self.graph.problem, {}
        extra = problem.extra_givens()  # the optimiser's numbers and λ
        for node in graph:
            if node.formula is not None:
                continue
            label = node.label
            if label.kind in ("x", "y"):
                example = problem.data[(label.example or 1) - 1]
                out[node.name] = (example.x if label.kind == "x" else example.y)[
                    label.index[0] - 1]
            elif label.kind == "lr":
                out[node.name] = problem.learning_rate
            elif node.name in extra:
                out[node.name] = extra[node.name]
            else:
                out[node.name] = problem.parameters[node.name]
        return out

    def budget(self, lefts: list[str]) -> float:
        """The width left for the right-hand sides of a block, beside its widest left side."""
        return LINE_EM - max((self.width(text) for text in lefts), default=0.0)

    def line_layout(self, name: str, budget: float, numbers: dict, extra: tuple = (),
                    inner: tuple = ()) -> tuple:
        """A worked line's pieces (their kinds) and its rows (see layout.pack), with its
        numbers measured at ``numbers`` (``extra``: what in them is wider than planned;
        ``inner``: the widths of the values of e^{…}, ln, tanh when they are wider)."""
        number = numbers[None]
        key = (name, budget, number, extra, inner)
        found = self._layouts.get(key)
        if found is not None:
            return found
        line, kinds, pieces = self.lines[name], [], []

        def piece(kind, terms, extra=0.0):
            kinds.append(kind)
            widths = [self.width(t, k > 0) for k, t in enumerate(terms)]
            widths[-1] += extra
            pieces.append((RELATION_EM, widths))

        if line.meaning:
            piece("meaning", [line.meaning])
        if line.chain:
            piece("chain", [r" \cdot ".join(line.chain)])
        if line.named:
            piece("named", [line.named])
        if line.formula:
            piece("formula", line.formula_terms)
        shown = [numbers.get(p, number) for p in line.parents]
        if line.parts:
            piece("substituted", fill(line.parts, shown).split(BREAK))
        if line.inner is not None:
            values = list(inner) or [number] * len(line.inner_functions)
            piece("evaluated", fill(line.inner, shown + values).split(BREAK))
        piece("result", [rf"\mathbf{{{numbers.get(name, number)}}}"], NOTE_MARK_EM)
        found = self._layouts[key] = (kinds, pack(pieces, budget))
        return found

    def equation_names(self, spec: dict) -> list[str]:
        """The nodes whose numbers an equation shows."""
        found = self._equation_names.get(spec["key"])
        if found is None:
            found = self._equation_names[spec["key"]] = [
                n for piece in spec["pieces"] for term in piece for token in term
                if type(token) is not str
                for n in ([token[1]] if token[0] == "n" else
                          [n for row in token[1] for n in row if n is not None])]
        return found

    def equation_layout(self, spec: dict, budget: float, numbers: dict, extra: tuple = ()):
        """A matrix-form equation's matrix style (normal, else script size) and rows; None
        when a term is too wide for a row even at script size."""
        key = (spec["key"], budget, numbers[None], extra)
        if key in self._layouts:
            return self._layouts[key]
        found = None
        for style in ("normal", "small"):
            widths = [[sum(self._token_width(token, style, numbers, k > 0)
                           for token in term) for k, term in enumerate(piece)]
                      for piece in spec["pieces"]]
            if all(w + INDENT_EM + RELATION_EM <= budget for piece in widths for w in piece):
                found = (style, pack([(RELATION_EM, piece) for piece in widths], budget))
                break
        self._layouts[key] = found
        return found

    def _token_width(self, token, style: str, numbers: dict, continued: bool) -> float:
        if type(token) is str:
            return self.width(token, continued)
        if token[0] == "n":
            return self.width(numbers.get(token[1], numbers[None]))
        return self.width(matrix([[None if n is None else numbers.get(n, numbers[None])
                                   for n in row] for row in token[1]], style))

    # rendering ---------------------------------------------------------------------
    def numbers(self, values, carry=None, decimals: int = 4, rounding: str = "exact",
                significant: int | None = None, compact: bool = False) -> Render:
        """One sheet's numbers, computed as they are first asked for and kept: pass it as
        ``numbers=`` to ``tex`` and ``context`` when one sheet is shown in two views (the
        variants' solution page and their platforms' feedback)."""
        check_options(carry, rounding)
        return Render(self, values, carry, decimals, rounding, significant=significant,
                      compact=compact)

    def context(self, values, carry=None, checks=None, decimals: int = 4,
                rounding: str = "exact", diagram: bool = True,
                significant: int | None = None, compact: bool = False,
                numbers: Render | None = None) -> dict:
        """Everything the templates need, as LaTeX strings and formatted numbers: at
        ``decimals`` places, or at ``significant`` figures when that is given;
        ``compact``: matrix forms in place of the entry-by-entry lines."""
        numbers = numbers or self.numbers(values, carry, decimals, rounding, significant,
                                          compact)
        numbers.line_order = []  # a fresh walk of the same numbers
        return numbers.context(checks, diagram)

    def network(self, values, decimals: int = 4, numbers: Render | None = None) -> dict:
        """The network diagram's context alone (network.tex.j2), for other sheets
        (``numbers``: a Render of these values at these decimals, exact, to share)."""
        return (numbers or Render(self, values, None, decimals, "exact")).network()

    @functools.cached_property
    def network_plan(self) -> dict:
        """What the diagram takes from the graph (Render.network): the input units'
        symbols; per layer its units' symbols and biases (the z node's bias parent, or
        None), its bias vector, and its edges (to, from, weight entry); every weight and
        bias."""
        graph, printer = self.graph, self.printer
        first = graph.examples[0]
        inputs = graph.vector("x", example=first)
        layers = []
        for l in graph.layers:
            zs = graph.vector("z", l, example=first)
            unit_biases = []
            for z in zs:
                bias = [p for p in graph.parents(z) if graph.nodes[p].label.kind == "b"]
                unit_biases.append(bias[0] if bias else None)
            layers.append({"layer": l, "unit_biases": unit_biases,
                           "activation": graph.activation(l).name,
                           "W": printer.vector("W", l), "b": printer.vector("b", l),
                           "biases": list(graph.biases(l)),
                           "nodes": [printer.entry("a", l, (i,))
                                     for i in range(1, len(zs) + 1)],
                           "edges": [(i, j, entry)
                                     for i, row in enumerate(graph.weights(l), 1)
                                     for j, entry in enumerate(row, 1)]})
        return {"inputs": [printer.entry("x", None, (i,)) for i in range(1, len(inputs) + 1)],
                "layers": layers,
                "weights": [e for l in graph.layers for row in graph.weights(l) for e in row],
                "biases": [b for l in graph.layers for b in graph.biases(l)]}

    def tex(self, values, carry=None, checks=None, decimals: int = 4,
            rounding: str = "exact", standalone: bool = True, diagram: bool = True,
            significant: int | None = None, compact: bool = False,
            numbers: Render | None = None) -> str:
        """The sheet as LaTeX: a whole document, or only its body (``standalone=False``);
        ``diagram=False`` leaves out the network diagram (when another sheet carries it);
        ``compact`` sets matrix forms only.

        The templates run once per structure (see symprop.sheets.skeleton); a sheet whose structure
        was seen before is its skeleton with this sheet's numbers filled in."""
        if checks or not self.fast:
            return self._render_tex(self.context(values, carry, checks, decimals, rounding,
                                                 diagram, significant, compact, numbers),
                                   standalone)
        options = (decimals, significant, rounding, standalone, diagram, carry is None,
                   compact)
        render = numbers or self.numbers(values, carry, decimals, rounding, significant,
                                         compact)
        template = self.tex_template if standalone else self.body_template
        return self._filled(options, render,
                            lambda r: templates.fill(template, r.context(None, diagram)))

    def fill(self, template, numbers: Render, supplied: dict, html: bool = False) -> str:
        """Another template over this sheet's context without its diagram (the variants'
        feedback), with ``supplied``: more context, dictionaries of values that vary from
        sheet to sheet like its numbers and are only printed (the variant's label and
        number). ``html``: the template is autoescaped. Filled into a skeleton like
        ``tex``."""

        def draw(render: Render) -> str:
            render.supplied = supplied
            extra = {key: {name: render.hole(("_supplied", key, name), str(value))
                           if render.record else value for name, value in values.items()}
                     for key, values in supplied.items()}
            sheet = self.context(render.values, render.carry, None, render.decimals,
                                 render.rounding, False, render.significant, render.compact,
                                 numbers=render)
            return templates.fill(template, {**sheet, **extra})

        numbers.supplied = supplied  # what the skeleton's _supplied holes read
        if not self.fast:
            return draw(numbers)
        options = (template, numbers.decimals, numbers.significant, numbers.rounding,
                   numbers.carry is None, numbers.compact)
        return self._filled(options, numbers, draw, html)

    def _filled(self, options: tuple, render: Render, draw, html: bool = False) -> str:
        """``draw(render)`` (a template over the context of a Render): a skeleton of the
        same structure with these numbers filled in, else rendered (and recorded) now."""
        forms = self._skeletons.get(options)
        if forms is not None:
            texts, recipes = None, None
            for skeleton in forms.get(render.signature(self._line_order[options]), ()):
                if skeleton.recipes is not recipes:
                    texts, recipes = skeleton.texts(render), skeleton.recipes
                if skeleton.fits(texts):
                    return skeleton.fill(texts)
        return self._record(render, draw, options, html)

    def _render_tex(self, context: dict, standalone: bool) -> str:
        return templates.fill(self.tex_template if standalone else self.body_template, context)

    def _record(self, plain: Render, draw, options, html: bool) -> str:
        """Render with a marker for every number-dependent piece, keep that skeleton for
        later sheets of the same structure, and check it against the full render."""
        render = Render(self, plain.values, plain.carry, plain.decimals, plain.rounding,
                        record=True, significant=plain.significant, compact=plain.compact)
        skeleton = Skeleton(draw(render), render.recipes, render.queries, html)
        text = skeleton.fill(render.texts)
        full = draw(self.numbers(plain.values, plain.carry, plain.decimals, plain.rounding,
                                 plain.significant, plain.compact))
        if text != full:  # a template treats a number in a way the skeleton cannot show
            self.fast = False
            return full
        self._line_order[options] = render.line_order
        forms = self._skeletons.setdefault(options, {})
        kept = forms.setdefault(render.signature(render.line_order), [])
        for other in kept:  # the same holes: their texts are computed once per sheet
            if other.recipes == skeleton.recipes:
                skeleton.recipes, skeleton.steps = other.recipes, other.steps
                break
        if sum(map(len, forms.values())) < MAX_SKELETONS:
            kept.append(skeleton)
        return full

    def html(self, values, carry=None, checks=None, decimals: int = 4,
             rounding: str = "exact", significant: int | None = None,
             compact: bool = False) -> str:
        """One self-contained HTML page (MathML, no network)."""
        return templates.render(HTML_TEMPLATE, self.context(
            values, carry, checks, decimals, rounding, significant=significant,
            compact=compact), self.user_templates)

    def jupyter(self, values, carry=None, checks=None, decimals: int = 4,
                rounding: str = "exact", mode: str = "markdown",
                significant: int | None = None, compact: bool = False) -> str:
        """Markdown with MathJax maths (``mode="markdown"``), or the maths alone in one
        ``$$ … $$`` block (``mode="latex"``), for Jupyter's rich display."""
        context = self.context(values, carry, checks, decimals, rounding,
                               significant=significant, compact=compact)
        return templates.render(JUPYTER_TEMPLATE, {**context, "mode": mode},
                                self.user_templates)
