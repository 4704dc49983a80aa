"""Solution sheets of a layered network: ``SheetRenderer(graph)`` does all symbolic work once
per graph. It prints every symbol, every local formula, and a *skeleton* of each formula
with numbered slots for the parents' numbers (symprop.sheets.lines), and plans the sheet
from graph queries (symprop.sheets.plan). ``renderer.tex(values, …)`` then only formats
numbers (symprop.sheets.context), fills the skeletons and runs the loaded template.

Python hands over data; every sentence and all layout live in ``templates/solution.*.j2``.
"""

from __future__ import annotations

from .. import render as templates
from .context import Render, check_options
from .lines import Printers, prepare
from .plan import NetworkPlan
from .skeleton import MAX_SKELETONS, Skeleton

TEX_TEMPLATE = "solution.tex.j2"
BODY_TEMPLATE = "solution-body.tex.j2"
HTML_TEMPLATE = "solution.html.j2"
JUPYTER_TEMPLATE = "solution.md.j2"


class SheetRenderer:
    """Prepared once per graph; ``tex``/``html``/``context`` render for given numbers."""

    PREAMBLE_PACKAGES = ("amsmath", "amssymb", "booktabs", "tikz")

    def __new__(cls, graph, user_templates=None):
        """A computation graph (a ``graph:`` spec) gets its own sheet: symprop.sheets.circuit."""
        if cls is SheetRenderer and graph.kind == "circuit":
            from .circuit import CircuitRenderer
            cls = CircuitRenderer
        return super().__new__(cls)

    def __init__(self, graph, user_templates=None):
        self.graph = graph
        self.printers = Printers(graph)
        self.printer = self.printers.names
        self.lines = {node.name: prepare(self.printers, node) for node in graph
                      if node.formula is not None}
        self.symbols = {node.name: self.printer.doprint(node.symbol) for node in graph}
        self.entries = [e for l in graph.layers
                        for e in [n for row in graph.weights(l) for n in row] +
                        graph.biases(l)]
        self.plan = NetworkPlan(graph, self.printer).as_dict()
        self.user_templates = user_templates
        self.tex_template = templates.load(TEX_TEMPLATE, user_templates)
        self.body_template = templates.load(BODY_TEMPLATE, user_templates)
        # skeletons by options and structure; user templates always get the full render
        self.fast = user_templates is None
        self._skeletons: dict[tuple, dict[tuple, list[Skeleton]]] = {}
        self._line_order: dict[tuple, list[str]] = {}

    # rendering ---------------------------------------------------------------------
    def numbers(self, values, carry=None, decimals: int = 4, rounding: str = "exact",
                significant: int | None = None) -> Render:
        """One sheet's numbers, computed as they are first asked for and kept: pass it as
        ``numbers=`` to ``tex`` and ``context`` when one sheet is shown in two views (the
        variants' solution page and their platforms' feedback)."""
        check_options(carry, rounding)
        return Render(self, values, carry, decimals, rounding, significant=significant)

    def context(self, values, carry=None, checks=None, decimals: int = 4,
                rounding: str = "exact", diagram: bool = True,
                significant: int | None = None, numbers: Render | None = None) -> dict:
        """Everything the templates need, as LaTeX strings and formatted numbers: at
        ``decimals`` places, or at ``significant`` figures when that is given."""
        numbers = numbers or self.numbers(values, carry, decimals, rounding, significant)
        numbers.notes, numbers.line_order = 0, []  # a fresh walk of the same numbers
        return numbers.context(checks, diagram)

    def network(self, values, decimals: int = 4) -> dict:
        """The network diagram's context alone (network.tex.j2), for other sheets."""
        return Render(self, values, None, decimals, "exact").network()

    def tex(self, values, carry=None, checks=None, decimals: int = 4,
            rounding: str = "exact", standalone: bool = True, diagram: bool = True,
            significant: int | None = None, numbers: Render | None = None) -> str:
        """The sheet as LaTeX: a whole document, or only its body (``standalone=False``);
        ``diagram=False`` leaves out the network diagram (when another sheet carries it).

        The templates run once per structure (see symprop.sheets.skeleton); a sheet whose structure
        was seen before is its skeleton with this sheet's numbers filled in."""
        if checks or not self.fast:
            return self._render_tex(self.context(values, carry, checks, decimals, rounding,
                                                 diagram, significant), standalone)
        options = (decimals, significant, rounding, standalone, diagram, carry is None)
        render = numbers or self.numbers(values, carry, decimals, rounding, significant)
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
        return templates.fill(self.tex_template if standalone else self.body_template, context)

    def _record(self, plain: Render, standalone, diagram, options) -> str:
        """Render with a marker for every number-dependent piece, keep that skeleton for
        later sheets of the same structure, and check it against the full render."""
        render = Render(self, plain.values, plain.carry, plain.decimals, plain.rounding,
                         record=True, significant=plain.significant)
        marked = self._render_tex(render.context(None, diagram), standalone)
        skeleton = Skeleton(marked, render.recipes, render.queries)
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
        return templates.render(HTML_TEMPLATE, self.context(
            values, carry, checks, decimals, rounding, significant=significant),
            self.user_templates)

    def jupyter(self, values, carry=None, checks=None, decimals: int = 4,
                rounding: str = "exact", mode: str = "markdown",
                significant: int | None = None) -> str:
        """Markdown with MathJax maths (``mode="markdown"``), or the maths alone in one
        ``$$ … $$`` block (``mode="latex"``), for Jupyter's rich display."""
        context = self.context(values, carry, checks, decimals, rounding,
                               significant=significant)
        return templates.render(JUPYTER_TEMPLATE, {**context, "mode": mode},
                                self.user_templates)
