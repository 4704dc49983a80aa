"""Solution sheets: the derivation graph as a worked example (LaTeX, PDF, HTML).

``SheetRenderer(graph)`` does all symbolic work once per graph: it prints every symbol,
every local formula, and a *skeleton* of each formula with numbered slots for the parents'
numbers (and, where exp, ln or tanh sit inside a formula, a second skeleton with slots for
their values, as in 1/(1 + e^{−0.6}) = 1/(1 + 0.5488)). ``renderer.tex(values, …)`` then
only formats numbers, fills the skeletons and runs the (already loaded) template.

Python hands over data; every sentence and all layout live in ``templates/solution.*.j2``.
"""

from __future__ import annotations

import html as html_module
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import jinja2
import mpmath
from markupsafe import Markup
from sympy import exp, log, tanh

from ..decimals import to_fraction
from ..errors import RenderError
from ..evaluate import EXACT_KIT, is_exact, python_source
from ..graph import Label
from ..latex import (
    BREAK,
    SheetPrinter,
    Slot,
    broken,
    fill,
    number,
    scientific,
    shown_exactly,
    skeleton,
    written,
)
from ..output import output_dir, write_files
from ..render import environment, template_dirs

TEX_TEMPLATE = "solution.tex.j2"
BODY_TEMPLATE = "solution-body.tex.j2"
HTML_TEMPLATE = "solution.html.j2"
JUPYTER_TEMPLATE = "solution.md.j2"
ROUNDINGS = ("exact", "carry")
FORMATS = ("tex", "pdf", "html")
_INSIDE = (exp, log, tanh)  # functions whose values get a line of their own
_WORK_DPS = 40


@dataclass
class _Line:
    """One node, prepared: names and skeletons in LaTeX, parents by name."""

    name: str
    kind: str
    symbol: str
    formula: str | None
    formula_lines: list[str]  # the formula broken into lines when it is a long sum
    parents: tuple[str, ...]
    parts: list  # the formula with parent slots
    named: str | None = None  # σ(z) before 1/(1 + e^{−z})
    chain: list = field(default_factory=list)  # chain-rule factors
    meaning: str | None = None  # ∂L/∂z for δ
    inner: list | None = None  # skeleton with the values of e^{…}, ln, tanh
    inner_functions: list = field(default_factory=list)  # compiled, over parent values


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


class SheetRenderer:
    """Prepared once per graph; ``tex``/``html``/``context`` render for given numbers."""

    PREAMBLE_PACKAGES = ("amsmath", "amssymb", "booktabs", "tikz")

    def __init__(self, graph, user_templates=None):
        self.graph = graph
        self.problem = graph.problem
        self.printer = SheetPrinter(graph)  # names
        self.formula_printer = SheetPrinter(graph, {"breaks": True})
        self.dot_printer = SheetPrinter(graph, {"dot": True, "breaks": True})
        self.lines = {node.name: self._prepare(node) for node in graph if node.formula}
        self.symbols = {node.name: self.printer.doprint(node.symbol) for node in graph}
        self.plan = self._plan()
        self.user_templates = user_templates
        env = environment(user_templates, latex=True)
        try:
            self.tex_template = env.get_template(TEX_TEMPLATE)
            self.body_template = env.get_template(BODY_TEMPLATE)
        except jinja2.TemplateNotFound as error:
            raise RenderError(f"template '{error.name}' not found in "
                              f"{', '.join(map(str, template_dirs(user_templates)))}") from None
        except jinja2.TemplateError as error:
            raise RenderError(f"template {TEX_TEMPLATE}: {error}") from None
        self._html_template = self._jupyter_template = None
        # skeletons by options and structure; user templates always get the full render
        self.fast = user_templates is None
        self._skeletons: dict[tuple, dict[tuple, list[_Skeleton]]] = {}
        self._line_order: dict[tuple, list[str]] = {}

    # preparation -------------------------------------------------------------------
    def _prepare(self, node) -> _Line:
        printer, label = self.printer, node.label
        ranks = self.printer.ranks
        slots = {self.graph.nodes[p].symbol: Slot(k, ranks[self.graph.nodes[p].symbol])
                 for k, p in enumerate(node.parents)}
        slotted = node.formula.xreplace(slots)
        formula = self.formula_printer.doprint(node.formula)
        line = _Line(node.name, label.kind, printer.doprint(node.symbol),
                     formula.replace(BREAK, ""), broken(formula), node.parents,
                     skeleton(self.dot_printer.doprint(slotted)))
        if line.formula == line.symbol:
            line.formula, line.formula_lines = None, []  # ReLU'(z) is its own formula
        if len(line.parts) == 1 and type(line.parts[0]) is tuple:
            line.parts = []  # the formula is one parent: nothing to substitute
        inside = sorted({sub for sub in node.formula.atoms(*_INSIDE) if sub != node.formula},
                        key=str)
        if inside:
            names = {self.graph.nodes[p].symbol: f"p{k}" for k, p in enumerate(node.parents)}
            replaced = {}
            for m, sub in enumerate(inside):
                replaced[sub.xreplace(slots)] = Slot(len(node.parents) + m, (98, m))
                namespace = dict(EXACT_KIT)
                args = ", ".join(f"p{k}" for k in range(len(node.parents)))
                exec(f"def f({args}):\n    return {python_source(sub, names)}\n",  # noqa: S102
                     namespace)
                line.inner_functions.append(namespace["f"])
            line.inner = skeleton(self.dot_printer.doprint(slotted.xreplace(replaced)))
        sup, sub = printer._marks(label.example, printer._version(label))
        loss = printer.entry("loss", None, (), sup, sub)
        layer, index = label.layer, label.index
        if label.kind in ("a", "yhat"):
            layer = self.problem.depth if label.kind == "yhat" else layer
            activation = self.problem.layers[layer].activation
            z = printer.entry("z", layer, index, sup, sub)
            if activation == "sigmoid":
                line.named = printer.activation_of(layer, z)
            elif activation == "softmax":
                vector = printer.vector("z", layer, label.example, printer._version(label))
                line.named = printer.activation_of(layer, vector) + f"_{{{index[0]}}}"
        elif label.kind == "delta":
            z = printer.entry("z", layer, index, sup, sub)
            line.meaning = printer.partial(loss, z)
            activation = self.problem.layers[layer].activation
            if activation != "softmax":
                a = printer.entry("yhat" if layer == self.problem.depth else "a",
                                  None if layer == self.problem.depth else layer,
                                  index, sup, sub)
                line.chain = [printer.partial(loss, a), printer.partial(a, z)]
        elif label.kind == "grad" and (label.example is not None or len(self.problem.data) == 1):
            line.chain = self._gradient_chain(label, loss, sup, sub)
        return line

    def _gradient_chain(self, label, loss, sup, sub) -> list:
        """∂L/∂W = ∂L/∂z · ∂z/∂W (output layer: two factors) or
        ∂L/∂a · ∂a/∂z · ∂z/∂W (hidden layers: three factors)."""
        printer, problem = self.printer, self.problem
        kind, layer, index = _entry(label.target)
        if kind == "b" and problem.layers[layer].bias == "shared":
            return []
        unit = (index[0],)
        target = printer.entry(kind, layer, index, *printer._marks(None,
                                                                 printer._version(label)))
        z = printer.entry("z", layer, unit, sup, sub)
        if layer == problem.depth:
            return [printer.partial(loss, z), printer.partial(z, target)]
        a = printer.entry("a", layer, unit, sup, sub)
        return [printer.partial(loss, a), printer.partial(a, z), printer.partial(z, target)]

    def _param(self, entry: str, step: int) -> str:
        """The node that holds parameter ``entry`` during ``step``."""
        if step == 1 or entry in self.problem.frozen:
            return entry
        return str(Label("next", step=step - 1, target=entry))

    def _names(self, kind, layer=None, count=0, **where) -> list[str]:
        """Node names of one vector, e.g. z⁽ˡ⁾ of example n in step s."""
        out = [str(Label(kind, layer, (i,), **where)) for i in range(1, count + 1)]
        return [name for name in out if name in self.graph.nodes]

    def _plan(self) -> dict:
        """The sheet's structure as node names; numbers are filled in per render."""
        problem, nodes = self.problem, self.graph.nodes
        self.examples = [n if len(problem.data) > 1 else None
                         for n in range(1, len(problem.data) + 1)]
        self.units = [layer.units for layer in problem.layers]
        self.trained = set(problem.trained())
        steps = []
        for step in range(1, problem.steps + 1):
            if step > 1 and str(Label("loss", step=step)) not in nodes:
                break  # no learning rate: one step, no update
            forward, total = self._forward(step, False)
            steps.append({
                "number": step, "forward": forward, "total": total,
                "backward": [self._backward(step, ex, l) for ex in self.examples
                             for l in range(problem.depth, 0, -1)],
                "gradients": [self._gradients(step, l) for l in range(1, problem.depth + 1)],
                "updates": [] if problem.learning_rate is None else
                [self._update(step, l) for l in range(1, problem.depth + 1)],
                "loss": str(Label("loss", step=step))})
        final_loss = str(Label("loss", step=problem.steps, after=True))
        after, after_total = self._forward(problem.steps, True) if final_loss in nodes \
            else ([], [])
        return {"steps": steps, "after": after, "after_total": after_total,
                "final_loss": final_loss if final_loss in nodes else None,
                "examples": self.examples}

    def _forward(self, step: int, after: bool) -> tuple[list, list]:
        """z, a and the loss of every example, then the batch's loss."""
        depth, units, blocks = self.problem.depth, self.units, []
        for ex in self.examples:
            where = {"example": ex, "step": step, "after": after}
            lines = []
            for l in range(1, depth + 1):
                lines += self._names("z", l, units[l], **where)
                lines += self._names("yhat" if l == depth else "a",
                                     None if l == depth else l, units[l], **where)
            blocks.append({"example": ex, "lines": lines + [str(Label("loss", **where))]})
        total = str(Label("loss", step=step, after=after))
        return blocks, [total] if len(self.examples) > 1 else []

    def _backward(self, step: int, ex, l: int) -> dict:
        """∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾ (or ∂L/∂ŷ), f'(z⁽ˡ⁾) and δ⁽ˡ⁾ of one example."""
        printer, units, depth = self.printer, self.units, self.problem.depth
        where, version = {"example": ex, "step": step}, step - 1
        upstream = self._names("grad_yhat", None, units[l], **where) if l == depth \
            else self._names("grad_a", l, units[l], **where)
        slopes = self._names("dact", l, units[l], **where)
        deltas = self._names("delta", l, units[l], **where)
        block = {"layer": l, "output": l == depth, "example": ex, "units": units[l],
                 "lines": upstream + slopes + deltas,
                 "delta": printer.vector("delta", l, ex, version),
                 "upstream": printer.vector("grad_yhat" if l == depth else "grad_a", l, ex,
                                            version),
                 "slope": printer.vector("dact", l, ex, version) if slopes else None,
                 "softmax": self.problem.layers[l].activation == "softmax",
                 "vectors": {"upstream": upstream, "slopes": slopes, "deltas": deltas}}
        if l < depth:
            block["weights_t"] = printer.vector("W", l + 1, None, version, transpose=True)
            block["next_delta"] = printer.vector("delta", l + 1, ex, version)
            block["vectors"]["weights_t"] = [
                [self._param(f"W{l + 1}[{k},{i}]", step) for k in range(1, units[l + 1] + 1)]
                for i in range(1, units[l] + 1)]
            block["vectors"]["next_deltas"] = self._names("delta", l + 1, units[l + 1],
                                                          **where)
        return block

    def _grid(self, entries: list, rows: int, cols: int, name) -> list[list]:
        return [[name(entries[i * cols + j]) for j in range(cols)] for i in range(rows)]

    def _gradient_names(self, step: int, l: int) -> tuple[list, list]:
        """∂L/∂W⁽ˡ⁾ as a grid of node names and ∂L/∂b⁽ˡ⁾ as a column (None: frozen)."""
        p = self.problem

        def grad(entry):
            return str(Label("grad", step=step, target=entry)) if entry in self.trained \
                else None

        return (self._grid(p.weight_entries(l), self.units[l], self.units[l - 1], grad),
                [[grad(e)] for e in p.bias_entries(l)])

    def _gradients(self, step: int, l: int) -> dict:
        """∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ (summed or averaged over the batch) and ∂L/∂b⁽ˡ⁾."""
        p, printer, version = self.problem, self.printer, step - 1
        rows, cols = self.units[l], self.units[l - 1]
        entries = [e for e in p.weight_entries(l) + p.bias_entries(l) if e in self.trained]
        lines = [str(Label("grad", example=ex, step=step, target=e))
                 for ex in (self.examples if len(self.examples) > 1 else []) for e in entries]
        lines += [str(Label("grad", step=step, target=e)) for e in entries]
        single = self.examples[0] if len(self.examples) == 1 else None
        grad, bias_grad = self._gradient_names(step, l)
        previous = ("x", None) if l == 1 else ("a", l - 1)
        inputs = self._names(*previous, cols, example=single, step=step) if l > 1 else \
            self._names("x", None, cols, example=single)
        return {
            "layer": l, "lines": lines, "rows": rows, "cols": cols, "output": l == p.depth,
            "batch": len(self.examples) > 1, "shared_bias": p.layers[l].bias == "shared",
            "has_bias": any(e in self.trained for e in p.bias_entries(l)),
            "W": printer.gradient("W", l, version), "b": printer.gradient("b", l, version),
            "delta": printer.vector("delta", l, single, version),
            "delta_n": printer.vector("delta", l, "n", version),
            "input_t": printer.vector(*previous, single, version, transpose=True),
            "input_n_t": printer.vector(*previous, "n", version, transpose=True),
            "vectors": {"grad": grad, "bias_grad": bias_grad, "inputs": [inputs],
                        "deltas": [[n] for n in self._names("delta", l, rows,
                                                            example=single, step=step)]}}

    def _update(self, step: int, l: int) -> dict:
        """θ ← θ − η ∂L/∂θ for layer l, as matrices and entry by entry."""
        p, printer, version = self.problem, self.printer, step - 1
        rows, cols = self.units[l], self.units[l - 1]
        weights, biases = p.weight_entries(l), p.bias_entries(l)
        grad, bias_grad = self._gradient_names(step, l)

        def new(kind):
            return printer.vector(kind, l, None, step) if p.steps > 1 else \
                printer.vector(kind, l) + r"_{\text{new}}"

        return {
            "layer": l, "rows": rows, "cols": cols,
            "has_bias": any(e in self.trained for e in biases),
            "lines": [str(Label("next", step=step, target=e)) for e in weights + biases
                      if e in self.trained],
            "W": printer.vector("W", l, None, version), "W_new": new("W"),
            "b": printer.vector("b", l, None, version), "b_new": new("b"),
            "gW": printer.gradient("W", l, version), "gb": printer.gradient("b", l, version),
            "vectors": {
                "W": self._grid(weights, rows, cols, lambda e: self._param(e, step)),
                "new": self._grid(weights, rows, cols, lambda e: self._param(e, step + 1)),
                "grad": grad, "bias_grad": bias_grad,
                "b": [[self._param(e, step)] for e in biases],
                "b_new": [[self._param(e, step + 1)] for e in biases]}}

    # rendering ---------------------------------------------------------------------
    def context(self, values, carry=None, checks=None, decimals: int = 4,
                rounding: str = "exact", diagram: bool = True,
                significant: int | None = None) -> dict:
        """Everything the templates need, as LaTeX strings and formatted numbers: at
        ``decimals`` places, or at ``significant`` figures when that is given."""
        _check_options(carry, rounding)
        return _Render(self, values, carry, decimals, rounding,
                       significant=significant).context(checks, diagram)

    def network(self, values, decimals: int = 4) -> dict:
        """The network diagram's context alone (network.tex.j2), for other sheets."""
        return _Render(self, values, None, decimals, "exact").network()

    def tex(self, values, carry=None, checks=None, decimals: int = 4,
            rounding: str = "exact", standalone: bool = True, diagram: bool = True,
            significant: int | None = None) -> str:
        """The sheet as LaTeX: a whole document, or only its body (``standalone=False``);
        ``diagram=False`` leaves out the network diagram (when another sheet carries it).

        The templates run once per structure (see ``_Skeleton``); a sheet whose structure
        was seen before is its skeleton with this sheet's numbers filled in."""
        if checks or not self.fast:
            return self._render_tex(self.context(values, carry, checks, decimals, rounding,
                                                 diagram, significant), standalone)
        _check_options(carry, rounding)
        options = (decimals, significant, rounding, standalone, diagram, carry is None)
        render = _Render(self, values, carry, decimals, rounding, significant=significant)
        forms = self._skeletons.get(options)
        if forms is not None:
            texts, recipes = None, None
            for skeleton in forms.get(render.signature(self._line_order[options]), ()):
                if skeleton.recipes is not recipes:
                    texts, recipes = skeleton.texts(render), skeleton.recipes
                if skeleton.fits(texts):
                    return skeleton.fill(texts)
        return self._record(render, standalone, diagram, options)

    def _render_tex(self, context: dict, standalone: bool) -> str:
        template = self.tex_template if standalone else self.body_template
        try:
            return template.render(**context)
        except jinja2.TemplateError as error:
            raise RenderError(f"template {template.name}: {error}") from None

    def _record(self, plain: _Render, standalone, diagram, options) -> str:
        """Render with a marker for every number-dependent piece, keep that skeleton for
        later sheets of the same structure, and check it against the full render."""
        render = _Render(self, plain.values, plain.carry, plain.decimals, plain.rounding,
                         record=True, significant=plain.significant)
        marked = self._render_tex(render.context(None, diagram), standalone)
        skeleton = _Skeleton(marked, render.recipes, render.queries)
        text = skeleton.fill(render.texts)
        full = self._render_tex(self.context(plain.values, plain.carry, None, plain.decimals,
                                             plain.rounding, diagram, plain.significant),
                                standalone)
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
             rounding: str = "exact", significant: int | None = None) -> str:
        """One self-contained HTML page (MathML, no network)."""
        context = self.context(values, carry, checks, decimals, rounding,
                               significant=significant)
        try:
            return self.html_template.render(**context)
        except jinja2.TemplateError as error:
            raise RenderError(f"template {HTML_TEMPLATE}: {error}") from None

    def jupyter(self, values, carry=None, checks=None, decimals: int = 4,
                rounding: str = "exact", mode: str = "markdown",
                significant: int | None = None) -> str:
        """Markdown with MathJax maths (``mode="markdown"``), or the maths alone in one
        ``$$ … $$`` block (``mode="latex"``), for Jupyter's rich display."""
        context = self.context(values, carry, checks, decimals, rounding,
                               significant=significant)
        if self._jupyter_template is None:
            env = environment(self.user_templates, latex=True)
            env.filters["md"] = _markdown_escape
            self._jupyter_template = _load(env, JUPYTER_TEMPLATE)
        try:
            return self._jupyter_template.render(**context, mode=mode)
        except jinja2.TemplateError as error:
            raise RenderError(f"template {JUPYTER_TEMPLATE}: {error}") from None

    @property
    def html_template(self):
        if self._html_template is None:
            env = environment(self.user_templates, latex=False)
            env.autoescape = True
            env.filters["math"] = _mathml
            env.filters["display"] = lambda text: _mathml(text, display=True)
            try:
                self._html_template = env.get_template(HTML_TEMPLATE)
            except jinja2.TemplateError as error:
                raise RenderError(f"template {HTML_TEMPLATE}: {error}") from None
        return self._html_template


class _Hole(str):
    """A number-dependent piece of a sheet while its skeleton is rendered: it prints as a
    marker, and every ``startswith`` the templates ask of it is logged (a negative number
    in parentheses), so that a sheet whose answers differ gets a skeleton of its own."""

    def __new__(cls, index: int, text: str, log: list):
        self = super().__new__(cls, f"{_MARK}{index}{_END}")
        self.index, self.text, self.log = index, text, log
        return self

    def startswith(self, prefix, *args):
        answer = self.text.startswith(prefix, *args)
        self.log.append((self.index, prefix, args, answer))
        return answer


_MARK, _END = "\ue000", "\ue001"  # private-use characters: in no template, no number
_MARKED = re.compile(f"{_MARK}(\\d+){_END}")
MAX_SKELETONS = 64  # per renderer and options; beyond this, sheets are rendered in full


class _Skeleton:
    """A rendered sheet with a numbered hole for every number-dependent piece: a format
    string, what fills each hole (a recipe), and the answers the templates relied on."""

    def __init__(self, marked: str, recipes: list, queries: list):
        pieces = _MARKED.split(marked)
        self.format = "".join(
            piece.replace("{", "{{").replace("}", "}}") if k % 2 == 0 else f"{{{piece}}}"
            for k, piece in enumerate(pieces))
        self.recipes = recipes
        self.steps = [(getattr(_Render, recipe[0]), recipe[1:]) for recipe in recipes]
        self.queries = [(index, prefix, args, answer)
                        for index, prefix, args, answer in dict.fromkeys(queries)]

    def texts(self, render) -> list[str]:
        return [method(render, *arguments) for method, arguments in self.steps]

    def fits(self, texts: list[str]) -> bool:
        return all(texts[index].startswith(prefix, *args) == answer
                   for index, prefix, args, answer in self.queries)

    def fill(self, texts: list[str]) -> str:
        return self.format.format(*texts)


class _Render:
    """One rendering: numbers for every node, then the context tree.

    With ``record``, every number-dependent string of the context is a ``_Hole``, and
    ``recipes`` says how to compute each one again for other numbers (a method of this
    class and its arguments; ``_Skeleton.texts``)."""

    def __init__(self, renderer: SheetRenderer, values, carry, decimals, rounding,
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
        return _Hole(len(self.texts) - 1, text, self.queries)

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
        return to_fraction(self.values[plan["final_loss"]]) < \
            to_fraction(self.values[plan["steps"][0]["loss"]])

    def _difference(self) -> str:
        plan = self.r.plan
        return self.show(to_fraction(self.values[plan["steps"][0]["loss"]]) -
                         to_fraction(self.values[plan["final_loss"]]))

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
        r, problem, plan = self.r, self.r.problem, self.r.plan
        steps = []
        for step in plan["steps"]:
            steps.append({
                "number": step["number"],
                "forward": [{"example": b["example"], "lines": self.lines(b["lines"])}
                            for b in step["forward"]],
                "total": self.lines(step["total"]),
                "backward": [dict(b, lines=self.lines(b["lines"]),
                                  vectors={k: self.grid([[n] for n in v]) if v and
                                           type(v[0]) is str else self.grid(v)
                                           for k, v in b["vectors"].items()})
                             for b in step["backward"]],
                "gradients": [dict(g, lines=self.lines(g["lines"]),
                                   vectors={k: self.grid(v) for k, v in g["vectors"].items()})
                              for g in step["gradients"]],
                "updates": [dict(u, lines=self.lines(u["lines"]),
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
            "decrease": decrease, "summary": self.summary(),
            "checks": None if not checks else self.checks(checks),
            "batch": len(plan["examples"]) > 1, "multistep": problem.steps > 1,
            "lr": None if problem.learning_rate is None else self.text("lr"),
            "packages": r.PREAMBLE_PACKAGES,
        }

    def problem_context(self) -> dict:
        p = self.r.problem
        return {"name": p.name, "description": p.description, "loss": p.loss,
                "reduction": p.reduction, "steps": p.steps, "examples": len(p.data),
                "depth": p.depth, "activations": [layer.activation for layer in p.layers[1:]],
                "frozen": [self.r.symbols[e] for e in p.entries() if e in p.frozen],
                "learning_rate": p.learning_rate is not None}

    def given(self) -> dict:
        p, symbols = self.r.problem, self.r.symbols
        printer = self.r.printer
        layers = []
        for l in range(1, p.depth + 1):
            rows, cols = p.layers[l].units, p.layers[l - 1].units
            weights = p.weight_entries(l)
            layers.append({
                "layer": l, "W": printer.vector("W", l), "b": printer.vector("b", l),
                "weights": [[self.text(weights[i * cols + j]) for j in range(cols)]
                            for i in range(rows)],
                "biases": [[self.text(e)] for e in p.bias_entries(l)],
                "shared_bias": p.layers[l].bias == "shared",
                "activation": p.layers[l].activation, "units": rows})
        data = []
        for n, example in enumerate(p.data, 1):
            ex = n if len(p.data) > 1 else None
            data.append({"example": ex,
                         "x": printer.vector("x", None, ex), "y": printer.vector("y", None, ex),
                         "xs": [self.text(str(Label("x", index=(i,), example=ex)))
                                for i in range(1, len(example.x) + 1)],
                         "ys": [self.text(str(Label("y", index=(i,), example=ex)))
                                for i in range(1, len(example.y) + 1)]})
        names = [{"text": alias, "symbol": symbols[entry]}
                 for alias, entry in p.names.items() if entry in symbols]
        return {"layers": layers, "data": data, "names": names}

    def network(self) -> dict:
        p, symbols = self.r.problem, self.r.symbols
        layers = []
        for l, layer in enumerate(p.layers):
            if l == 0:
                nodes = [symbols[f"x[{i}]"] if f"x[{i}]" in symbols else
                         self.r.printer.entry("x", None, (i,)) for i in range(1, layer.units + 1)]
            else:
                kind = "yhat" if l == p.depth else "a"
                nodes = [self.r.printer.entry(kind, None if kind == "yhat" else l, (i,))
                         for i in range(1, layer.units + 1)]
            biases = []
            for i in range(1, layer.units + 1):
                entry = p.bias_entry(l, i) if l else None
                biases.append(self.text(entry) if entry else None)
            layers.append({"layer": l, "units": layer.units, "nodes": nodes, "biases": biases,
                           "activation": layer.activation})
        edges = [{"layer": l, "to": i, "from": j, "weight": self.text(f"W{l}[{i},{j}]")}
                 for l in range(1, p.depth + 1)
                 for i in range(1, p.layers[l].units + 1)
                 for j in range(1, p.layers[l - 1].units + 1)]
        return {"layers": layers, "edges": edges,
                "tallest": max(layer.units for layer in p.layers)}

    def summary(self) -> list[dict]:
        p, symbols = self.r.problem, self.r.symbols
        rows = []
        for entry in p.entries():
            grad = str(Label("grad", target=entry))
            new = str(Label("next", target=entry))
            final = self.r._param(entry, p.steps + 1)
            rows.append({"symbol": symbols[entry], "name": p.textbook_name(entry),
                         "value": self.text(entry),
                         "gradient": self.text(grad) if grad in symbols else None,
                         "new": self.text(new) if new in symbols else None,
                         "final": self.text(final) if final in symbols else None,
                         "frozen": entry in p.frozen})
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


def _check_options(carry, rounding: str) -> None:
    if rounding not in ROUNDINGS:
        raise RenderError(f"rounding: expected one of {', '.join(ROUNDINGS)}, "
                          f"got '{rounding}'")
    if rounding == "carry" and carry is None:
        raise RenderError("rounding 'carry' needs the carried values (solution.carry())")


def _entry(entry: str):
    from ..latex import _parse_entry
    return _parse_entry(entry)


def _load(env, name: str):
    try:
        return env.get_template(name)
    except jinja2.TemplateError as error:
        raise RenderError(f"template {name}: {error}") from None


_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_[]#|$~"})


def _markdown_escape(text) -> str:
    """User text as literal Markdown: its specials backslash-escaped, then HTML-escaped."""
    return html_module.escape(str(text).translate(_MARKDOWN_SPECIALS), quote=False)


# A number's own minus (the printer writes binary minus as " - "): grouped, so that MathML
# gives it prefix spacing, −0.3 rather than − 0.3.
_UNARY_MINUS = re.compile(r"-(\d[\d.]*)")


def _mathml(text, display: bool = False) -> Markup:
    """LaTeX maths as MathML (the page then needs no script and no network)."""
    from latex2mathml.converter import convert

    source = _UNARY_MINUS.sub(r"{-\1}", html_module.unescape(str(text)))
    return Markup(convert(source, display="block" if display else "inline"))


# convenience -------------------------------------------------------------------------------
def jupyter(solution, kind: str) -> str:
    """What a Solution shows in Jupyter: 'html' (the page), 'markdown' or 'latex'."""
    renderer = getattr(solution, "_sheet_renderer", None)
    if renderer is None:
        renderer = solution._sheet_renderer = SheetRenderer(solution.graph)
    arguments = _arguments(solution, None, None)
    if kind == "html":
        return renderer.html(**arguments)
    return renderer.jupyter(**arguments, mode=kind)



def _arguments(solution, decimals: int | None, significant: int | None) -> dict:
    """The renderer's arguments for a solved problem: the precision asked for, else the
    spec's (``significant`` figures, else ``digits`` decimal places)."""
    if decimals is not None and significant is not None:
        raise RenderError("significant: give either decimal places (digits) or "
                          "significant figures, not both")
    problem = solution.problem
    if decimals is None and significant is None:
        significant = problem.significant
    decimals = problem.digits if decimals is None else decimals
    return dict(values=dict(solution.values.items()),
                carry=solution.carry(decimals, significant),
                checks=solution.checks_dict() or None, decimals=decimals,
                significant=significant)


def render_solution(solution, fmt: str = "tex", decimals: int | None = None,
                    rounding: str = "exact", user_templates=None,
                    renderer: SheetRenderer | None = None, significant: int | None = None):
    """The sheet of a solved problem: str for tex and html, bytes for pdf. Numbers at
    ``decimals`` places or ``significant`` figures (default: the spec's)."""
    if fmt not in FORMATS:
        raise RenderError(f"format: expected one of {', '.join(FORMATS)}, got '{fmt}'")
    renderer = renderer or SheetRenderer(solution.graph, user_templates)
    arguments = dict(_arguments(solution, decimals, significant), rounding=rounding)
    if fmt == "html":
        return renderer.html(**arguments)
    tex = renderer.tex(**arguments)
    return tex if fmt == "tex" else _pdf(tex)


def write_solution(solution, spec_path, fmt: str = "tex", output=None, force: bool = False,
                   decimals: int | None = None, rounding: str = "exact",
                   user_templates=None, significant: int | None = None) -> list[Path]:
    """Write output/<spec stem>/solution.<fmt> (and the .tex beside a .pdf) by the rules
    of symprop.output: an existing file is replaced when symprop wrote it and it is
    unchanged since, or when it holds the same bytes; otherwise only with ``force``.
    Returns the paths written."""
    if fmt not in FORMATS:
        raise RenderError(f"format: expected one of {', '.join(FORMATS)}, got '{fmt}'")
    folder = Path(output) if output is not None else output_dir(spec_path)
    source = "html" if fmt == "html" else "tex"
    text = render_solution(solution, source, decimals, rounding, user_templates,
                           significant=significant)
    jobs = [(folder / f"solution.{source}", text.encode())]
    if fmt == "pdf":
        jobs.append((folder / "solution.pdf", _pdf(text)))
    return write_files(folder, jobs, force)


def _pdf(tex: str) -> bytes:
    """The PDF of a LaTeX document (pdflatex without shell escape, see symprop.tex)."""
    from ..tex import pdf_bytes

    return pdf_bytes(tex)
