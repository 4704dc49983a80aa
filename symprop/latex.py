"""The one LaTeX printer for every piece of maths symprop typesets.

``SheetPrinter`` is a SymPy ``LatexPrinter`` that knows the graph's names:

    W1[1,2] → W^{(1)}_{12}     yhat[1] → \\hat{y}      delta2[1] → \\delta^{(2)}
    loss → \\mathcal{L}        grad.W1[1,2] → ∂L/∂W^{(1)}_{12}   dact1[1] → σ'(z^{(1)}_{1})
    next.W1[1,2] → W^{(1)}_{12,\\text{new}}   ex2.z1[1] → z^{(1)[2]}_{1}   (example 2)
    nudge1.z1[1] → \\tilde{z}^{(1)}_{1}   nudge1.slope → Δ\\mathcal{L}/ΔW^{(1)}_{11}

and the names of a computation graph (a ``graph:`` spec), written as they were named:
one letter in italics, several upright, trailing digits or ``_x`` as a subscript, Greek
letter names as Greek letters:

    q → q    w0 → w_{0}    dot → \\mathrm{dot}    alpha → \\alpha    grad.q → ∂f/∂q
    local.f.q → ∂f/∂q (one edge)    next.x → x_{\\text{new}}    nudge2.q → \\tilde{q}_{(2)}
    m.W1[1,2] → m^{\\langle 1\\rangle}_{W^{(1)}_{12}} (Adam's moments, momentum's velocity
    and m̂, v̂ after t updates; t = 0 before the first)   beta1 → \\beta_1   penalty → \\Omega

It orders factors and terms the way a textbook writes them (W x + b, δ a, ∂L/∂a σ'(z),
ŷ − y), and prints *skeletons*: a formula whose parents are ``Slot`` placeholders, later
filled with numbers (negative numbers in parentheses where they follow an operator).
Numbers are printed by ``number``: fixed decimals, rounded half up on the exact value, a
true minus (TeX's math minus), never ``-0`` and never float noise.
"""

from __future__ import annotations

import re
from fractions import Fraction

import mpmath
from sympy import Integer, Pow, Rational, Symbol, exp, log, tanh
from sympy.printing.latex import LatexPrinter

from .activations import ACTIVATIONS
from .decimals import to_fraction
from .display import scientific as display_scientific
from .display import shown, shown_exactly
from .display import written as display_written

SLOT = re.compile("\x00(\\d+)([bw])\x00")  # a placeholder: index, bare or wrap-if-negative
NEG = "\x01"  # a leading minus in a skeleton
BREAK = "\x02"  # a place to break a long sum (before its second, third, … term; sheets.layout)
BREAKABLE_TERMS = 4  # a sum in parentheses, last factor of a line, may break from 4 terms
_DERIVATIVE_KINDS = {"grad_yhat", "grad_a", "grad", "dact", "local"}
_STATE_SYMBOLS = {"velocity": "v", "m": "m", "v": "v", "mhat": r"\hat{m}", "vhat": r"\hat{v}"}
_HYPERPARAMETERS = {"beta1": r"\beta_1", "beta2": r"\beta_2", "epsilon": r"\epsilon",
                    "weight_decay": r"\lambda"}
# factor order in a product: η, W, ∂L/∂ŷ, ∂L/∂a, δ, f'(z), x, a, ŷ, z, …
_RANK = {"lr": 0, "W": 1, "next": 1, "grad_yhat": 2, "grad_a": 2, "grad": 3, "local": 3.5,
         "delta": 4, "dact": 5, "x": 6, "a": 7, "yhat": 7, "z": 8, "y": 9, "loss": 10, "b": 11,
         "momentum": 0, "beta1": 0, "beta2": 0, "weight_decay": 0, "velocity": 3, "m": 3,
         "v": 3, "mhat": 3, "vhat": 3, "penalty": 10, "epsilon": 12, "correction": 13}
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
          "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi",
          "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma",
          "Phi", "Psi", "Omega"}


class Slot(Symbol):
    """Placeholder for the k-th number of a substituted formula."""

    def __new__(cls, index: int, rank=(99, 0)):
        slot = Symbol.__new__(cls, f"_slot{index}_{rank[0]}_{rank[1]}")
        slot.index, slot.rank = index, rank
        return slot


# numbers: the one number display (symprop.display), written as LaTeX ---------------------
def number(value, decimals: int = 4, natural: bool = False,
           significant: int | None = None) -> str:
    """A value as LaTeX at ``decimals`` places (or ``significant`` figures); see
    symprop.display.shown."""
    return shown(value, decimals, significant, natural).latex


def written(value, decimals: int = 4, significant: int | None = None) -> str:
    """A given as its author wrote it (symprop.display.written), as LaTeX."""
    return display_written(value, decimals, significant).latex


def scientific(value, digits: int = 2) -> str:
    """``digits`` significant figures as m \\times 10^{e}; 0 as 0."""
    return display_scientific(value, digits).latex


def wrapped(text: str) -> str:
    """A number after an operator: negative numbers in parentheses, (−0.3)."""
    return f"({text})" if text.startswith("-") else text


# names -----------------------------------------------------------------------------------
def _index(index: tuple[int, ...]) -> str:
    return ("" if all(i < 10 for i in index) else ",").join(map(str, index))


class SheetPrinter(LatexPrinter):
    """LaTeX for the symbols and local formulas of one graph (and for numbers)."""

    printmethod = "_sheet_latex"
    _default_settings = dict(LatexPrinter._default_settings, decimals=4, dot=False,
                             breaks=False)

    def __init__(self, graph=None, settings=None):
        super().__init__(settings)
        self.graph = graph
        self.names: dict[Symbol, str] = {}
        self.ranks: dict[Symbol, tuple[int, int]] = {}
        self.kinds: dict[Symbol, str] = {}
        if graph is not None:
            # a computation graph's own names are ordered as a reader orders letters: w x
            alphabet = {name: k for k, name in enumerate(sorted(
                n.label.target for n in graph if n.label.kind in ("input", "node")))}
            for position, node in enumerate(graph):
                self.names[node.symbol] = self.name(node.label)
                kind = node.label.kind
                named = graph.kind == "circuit" and kind in ("input", "node", "next")
                order = alphabet[node.label.target] if named else position
                self.ranks[node.symbol] = (50 if named else _RANK.get(kind, 50), order)
                self.kinds[node.symbol] = kind

    # symbol names --------------------------------------------------------------------
    def _version(self, label) -> int:
        """How many updates the parameters behind this quantity have had."""
        return label.step - 1 + (1 if label.after or label.kind == "next" else 0)

    def _marks(self, example: int | None, version: int) -> tuple[str, str]:
        """(superscript additions, subscript addition): [n] for example n, ⟨v⟩ or 'new'
        for values computed with parameters that have had v updates."""
        sup = "" if example is None else f"[{example}]"
        if version and len(self.graph.steps) == 1:
            return sup, r"\text{new}"
        if version:
            sup += rf"\langle {version}\rangle"
        return sup, ""

    def entry(self, kind: str, layer: int | None, index: tuple[int, ...],
              sup: str = "", sub: str = "", tilde: bool = False) -> str:
        """W^{(l)}_{ij}, z^{(l)}_{i}, x_{i}, \\hat{y}_{k} with optional marks; the index of
        a one-entry vector is left out (b^{(2)}, \\hat{y}); ``tilde``: a nudged value."""
        if kind == "a" and layer is not None and layer == self.graph.depth:
            kind, layer = "yhat", None  # a⁽ᴸ⁾ is ŷ
        base = {"yhat": r"\hat{y}", "lr": r"\eta", "loss": r"\mathcal{L}",
                "delta": r"\delta"}.get(kind, kind)
        if tilde:
            base = rf"\tilde{{{base}}}"
        units = self.graph.size(kind, layer) if index else 0
        upper = ("" if layer is None else f"({layer})") + sup
        shown = "" if (kind != "W" and units == 1) or not index else _index(index)
        lower = ",".join(part for part in (shown, sub) if part)
        return base + (f"^{{{upper}}}" if upper else "") + (f"_{{{lower}}}" if lower else "")

    def partial(self, numerator: str, denominator: str) -> str:
        return rf"\frac{{\partial {numerator}}}{{\partial {denominator}}}"

    def graph_name(self, name: str, sub: str = "", tilde: bool = False) -> str:
        """A computation graph's name: x, w_{0}, \\mathrm{dot}, \\alpha (with an added
        subscript, and a tilde for a nudged value)."""
        base, index = name, ""
        found = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name) or \
            re.fullmatch(r"([A-Za-z][A-Za-z0-9]*)_([A-Za-z0-9]+)", name)
        if found:
            base, index = found.groups()
            if len(index) > 1 and not index.isdigit():
                index = rf"\mathrm{{{index}}}"
        if base in _GREEK:
            base = "\\" + base
        elif len(base) > 1:
            escaped = base.replace("_", r"\_")
            base = rf"\mathrm{{{escaped}}}"
        if tilde:
            base = rf"\widetilde{{{base}}}" if base.startswith(r"\mathrm") else \
                rf"\tilde{{{base}}}"
        lower = ",".join(part for part in (index, sub) if part)
        return base + (f"_{{{lower}}}" if lower else "")

    def _nudge_mark(self, label) -> str:
        """The subscript (k) of nudge k, when the spec has several nudges."""
        return f"({label.nudge})" if label.nudge and len(self.graph.problem.nudges) > 1 \
            else ""

    def _circuit_name(self, label) -> str:
        kind, target, mark = label.kind, label.target, self._nudge_mark(label)
        output = self.graph_name(self.graph.output)
        if kind in ("input", "node"):
            new = r"\text{new}" if label.after else ""
            return self.graph_name(target, ",".join(p for p in (new, mark) if p),
                                   tilde=bool(label.nudge))
        if kind == "grad":
            return self.partial(output, self.graph_name(target))
        if kind == "local":
            node, operand = target.split(".")
            return self.partial(self.graph_name(node), self.graph_name(operand))
        if kind == "next":
            return self.graph_name(target, r"\text{new}")
        if kind == "slope":
            return rf"\frac{{\Delta {output}}}{{\Delta {self.graph_name(target)}}}"
        return self.entry(kind, None, ())

    def name(self, label) -> str:
        """The LaTeX name of a graph node."""
        if self.graph.kind == "circuit":
            return self._circuit_name(label)
        if label.kind == "slope":  # Δℒ / Δθ of a nudge
            target = self.graph.nodes[label.target].label
            return rf"\frac{{\Delta \mathcal{{L}}}}{{\Delta {self.name(target)}}}"
        if label.nudge:
            sup, sub = self._marks(label.example, 0)
            sub = ",".join(part for part in (sub, self._nudge_mark(label)) if part)
            kind = "yhat" if label.kind == "yhat" else label.kind
            return self.entry(kind, label.layer, label.index, sup, sub, tilde=True)
        version = self._version(label)
        sup, sub = self._marks(label.example, version)
        kind, layer, index = label.kind, label.layer, label.index
        loss = self.entry("loss", None, (), sup, sub)
        match kind:
            case "grad_yhat":
                return self.partial(loss, self.entry("yhat", None, index, sup, sub))
            case "grad_a":
                return self.partial(loss, self.entry("a", layer, index, sup, sub))
            case "grad":
                t_kind, t_layer, t_index = _parse_entry(label.target)
                return self.partial(loss, self.entry(t_kind, t_layer, t_index,
                                                     *self._marks(None, version)))
            case "next":
                t_kind, t_layer, t_index = _parse_entry(label.target)
                return self.entry(t_kind, t_layer, t_index, sup, sub)
            case "dact":
                return self.slope_name(layer, self.entry("z", layer, index, sup, sub))
            case "penalty":
                return r"\Omega" + (f"^{{{sup}}}" if sup else "") + (f"_{{{sub}}}" if sub
                                                                      else "")
            case "momentum":
                return r"\beta" if self.graph.problem.optimizer.letter == "beta" else r"\mu"
            case "correction":  # 1 − β₁ᵗ, 1 − β₂ᵗ
                return rf"1 - \beta_{{{1 if label.target == 'm' else 2}}}^{{{label.step}}}"
            case kind if kind in _HYPERPARAMETERS:
                return _HYPERPARAMETERS[kind]
            case kind if kind in _STATE_SYMBOLS:
                return self.state(kind, label.target, label.step)
            case _:
                return self.entry(kind, layer, index, sup, sub)

    def state(self, kind: str, entry: str, step: int) -> str:
        """An optimiser's quantity of parameter ``entry`` after ``step`` updates:
        m^{⟨t⟩}_{W^{(1)}_{12}} (the parameter's own name as the subscript)."""
        t_kind, t_layer, t_index = _parse_entry(entry)
        return rf"{_STATE_SYMBOLS[kind]}^{{\langle {step}\rangle}}_{{" \
            f"{self.entry(t_kind, t_layer, t_index)}}}"

    def norm(self, kind: str, layer: int) -> str:
        """The Frobenius norm of a layer's gradient (kind 'W' or 'b') or of its errors δ
        ('delta'): \\lVert \\nabla_{\\mathbf{W}^{(1)}} \\mathcal{L} \\rVert."""
        inner = self.vector("delta", layer) if kind == "delta" else self.gradient(kind, layer)
        return rf"\lVert {inner} \rVert"

    def slope_name(self, layer: int, argument: str) -> str:
        act = self.graph.activation(layer).symbol or "f"
        return f"{act}'\\left({argument}\\right)"

    def activation_of(self, layer: int, argument: str) -> str:
        """σ(z) and friends, for the 'named' form of a forward line."""
        return f"{self.graph.activation(layer).symbol}\\left({argument}\\right)"

    def vector(self, kind: str, layer: int | None = None, example: int | None = None,
               version: int = 0, transpose: bool = False) -> str:
        """Bold names for matrix form: \\mathbf{W}^{(2)}, \\boldsymbol{\\delta}^{(1)}, …"""
        sup = "" if layer is None else f"({layer})"
        if example is not None:
            sup += f"[{example}]"
        if version and len(self.graph.steps) > 1:
            sup += rf"\langle {version}\rangle"
        bold = {"delta": r"\boldsymbol{\delta}", "yhat": r"\hat{\mathbf{y}}",
                "dact": ""}.get(kind, rf"\mathbf{{{kind}}}")
        if kind == "dact":
            z = self.vector("z", layer, example, version)
            return self.slope_name(layer, z)
        if kind in ("grad_a", "grad_yhat"):
            target = self.vector("a" if kind == "grad_a" else "yhat", layer, example, version)
            loss = r"\mathcal{L}" + (f"^{{[{example}]}}" if example is not None else "")
            return rf"\nabla_{{{target}}} {loss}"
        text = bold + (f"^{{{sup}}}" if sup else "")
        if transpose:
            text = rf"\left({text}\right)^{{\top}}" if sup else rf"{text}^{{\top}}"
        return text

    def gradient(self, kind: str, layer: int, version: int = 0) -> str:
        return rf"\nabla_{{{self.vector(kind, layer, version=version)}}} \mathcal{{L}}"

    # expressions -----------------------------------------------------------------------
    def _rank(self, expr) -> tuple:
        """A factor's place in a product: quantities by their kind (η, W, …, ŷ(1 − ŷ)),
        then groups such as (1 − y), then functions and the values of e^{…}, ln, tanh
        (y ln ŷ, so that (1 − 0) · (−0.5736) reads as its formula does)."""
        if isinstance(expr, Slot):
            return (1 if expr.rank[0] < 98 else 3, *expr.rank)
        if expr in self.ranks:
            return (1, *self.ranks[expr])
        if expr.is_Add and expr.free_symbols and all(
                self._rank(s)[1] == 0 for s in expr.free_symbols):
            return (0, 0, 0)  # a coefficient of given rates first: (1 − β₁) ∂L/∂θ
        if expr.is_Atom:
            return (3, 99, 0)
        inner = min((self._rank(s)[1:] for s in expr.free_symbols), default=(0, 0))
        return (2 if expr.is_Add else 3, *inner)

    def _term_key(self, term) -> tuple:
        """A term's place in a sum: positive before negative, quantities before numbers,
        then by the quantities it holds, then the plainer term first (y ln ŷ before
        (1 − y) ln(1 − ŷ)), so that a formula and its substituted numbers read alike."""
        negative = term.could_extract_minus_sign()
        symbols = sorted(self._rank(s) for s in term.free_symbols  # not e^{…}, ln values
                         if not (isinstance(s, Slot) and s.rank[0] >= 98))
        return (negative, len(symbols) > 0, symbols, term.count_ops())

    def _print_Symbol(self, expr, style="plain"):
        if expr in self.names:
            return self.names[expr]
        return super()._print_Symbol(expr, style)

    def _minus(self) -> str:
        """A leading minus; in skeletons a token, so that −0 · … loses its sign."""
        return NEG if self._settings["dot"] else "-"

    def _print_Slot(self, expr, wrap=False):
        return f"\x00{expr.index}{'w' if wrap else 'b'}\x00"

    def _atom(self, expr, wrap: bool = True) -> str:
        """A factor or power base: groups in parentheses, slots wrap-if-negative."""
        if isinstance(expr, Slot):
            return self._print_Slot(expr, wrap)
        text = self._print(expr)
        if expr.is_Add or (expr.is_Mul and not _is_fraction(expr)) or \
                (expr.is_Number and expr.is_negative) or (expr.is_Rational and
                                                          not expr.is_Integer):
            return rf"\left({text}\right)"
        return text

    def doprint(self, expr):
        self._top = expr
        return super().doprint(expr)

    def _print_Add(self, expr, order=None):
        terms = sorted(expr.args, key=self._term_key)
        top = self._settings["breaks"] and expr is getattr(self, "_top", None)
        out = []
        for k, term in enumerate(terms):
            if k and top:
                out.append(BREAK)
            if term.could_extract_minus_sign():
                out.append(" - " if k else self._minus())
                term = -term
            elif k:
                out.append(" + ")
            if isinstance(term, Slot):
                out.append(self._print_Slot(term, wrap=k > 0))
            elif term.is_Add:
                out.append(rf"\left({self._print(term)}\right)")
            else:
                out.append(self._print(term))
        return "".join(out)

    def _print_Mul(self, expr):
        if expr.could_extract_minus_sign():
            inner = self._print_Mul(-expr) if (-expr).is_Mul else self._atom(-expr, wrap=True)
            return self._minus() + inner
        coefficient, factors = expr.as_coeff_mul()
        numerator, denominator = [], []
        for factor in factors:
            if factor.is_Pow and factor.exp.is_Rational and factor.exp.is_negative:
                power = -factor.exp
                denominator.append(factor.base if power == 1 else Pow(factor.base, power))
            else:
                numerator.append(factor)
        numerator.sort(key=self._rank)
        denominator.sort(key=self._rank)
        p, q = Integer(coefficient.p), Integer(coefficient.q)
        if denominator:
            top = self._product(numerator, p, grouped=False)
            bottom = self._product(denominator, q, grouped=False)
            return rf"\frac{{{top}}}{{{bottom}}}"
        if q != 1:
            prefix = rf"\frac{{{p}}}{{{q}}}"
            if not numerator:
                return prefix
            if len(numerator) == 1 and isinstance(numerator[0], Slot):  # ⅓ · (−0.64)
                return prefix + r" \cdot " + self._print_Slot(numerator[0], wrap=True)
            return prefix + (" " if not self._settings["dot"] else r" \cdot ") + \
                self._product(numerator, Integer(1), top=expr is getattr(self, "_top", None))
        return self._product(numerator, p, top=expr is getattr(self, "_top", None))

    def _product(self, factors, coefficient, grouped: bool = True, top: bool = False) -> str:
        """Factors joined by juxtaposition, or by \\cdot in substituted lines and
        between derivative fractions. In a line's top-level product (``top``), a long sum
        as the last factor may break between its terms (½ λ (W₁₁² + W₁₂² + …))."""
        parts = [] if coefficient == 1 and factors else [self._print(coefficient)]
        dot = self._settings["dot"] or any(self.kinds.get(f) in _DERIVATIVE_KINDS
                                           for f in factors)
        for k, factor in enumerate(factors):
            if top and k == len(factors) - 1 and self._breakable(factor):
                parts.append(self._broken_group(factor))
                continue
            parts.append(self._atom(factor, wrap=True) if not _bare_group(factor)
                         else self._print(factor))
        if len(parts) == 1:
            only = factors[0] if factors and coefficient == 1 else None
            if isinstance(only, Slot):
                return self._print_Slot(only, wrap=False)
            if only is not None and not grouped:
                return self._print(only)
            return parts[0]
        return (r" \cdot " if dot else " ").join(parts)

    def _breakable(self, expr) -> bool:
        return bool(self._settings["breaks"]) and expr.is_Add and \
            len(expr.args) >= BREAKABLE_TERMS

    def _broken_group(self, expr) -> str:
        """A parenthesised sum with break marks between its terms, in delimiters of a
        fixed size (\\left and \\right cannot part across rows)."""
        saved, self._top = self._top, expr
        try:
            text = self._print_Add(expr)
        finally:
            self._top = saved
        size = r"\Big" if r"\frac" in text else r"\big"
        return rf"{size}l({text}{size}r)"

    def _print_Pow(self, expr, rational=False):
        base, power = expr.base, expr.exp
        if power.is_Rational and power.is_negative:
            positive = -power
            bottom = self._print(base if positive == 1 else Pow(base, positive))
            return rf"\frac{{1}}{{{bottom}}}"
        if power == Rational(1, 2):
            return rf"\sqrt{{{self._print(base)}}}"
        base_text = self._atom(base, wrap=True)
        if base.is_Pow or isinstance(base, exp):
            base_text = rf"\left({base_text}\right)"
        elif base.is_Symbol and not isinstance(base, Slot) and "^" in base_text:
            base_text = rf"\left({base_text}\right)"
        return f"{base_text}^{{{self._print(power)}}}"

    def _print_exp(self, expr, exp=None):
        return f"e^{{{self._print(expr.args[0])}}}"

    def _call(self, name: str, argument) -> str:
        inner = self._print_Slot(argument) if isinstance(argument, Slot) else \
            self._print(argument)
        return rf"{name}\left({inner}\right)"

    def _print_log(self, expr, exp=None):
        return self._call(r"\ln", expr.args[0])

    def _print_tanh(self, expr, exp=None):
        return self._call(r"\tanh", expr.args[0])

    def _print_relu(self, expr, exp=None):
        return self._call(ACTIVATIONS["relu"].symbol, expr.args[0])

    def _print_relu_step(self, expr, exp=None):
        return self._call(ACTIVATIONS["relu"].symbol + "'", expr.args[0])

    def _print_leaky_relu(self, expr, exp=None):
        return self._call(ACTIVATIONS["leaky_relu"].symbol, expr.args[0])

    def _print_leaky_relu_step(self, expr, exp=None):
        return self._call(ACTIVATIONS["leaky_relu"].symbol + "'", expr.args[0])

    def _print_sigmoid(self, expr, exp=None):
        return self._call(ACTIVATIONS["sigmoid"].symbol, expr.args[0])

    def _arguments(self, args) -> str:
        return ", ".join(self._print_Slot(a) if isinstance(a, Slot) else self._print(a)
                         for a in args)

    def _print_maximum(self, expr, exp=None):
        return rf"\max\left({self._arguments(expr.args[1:])}\right)"

    def _print_minimum(self, expr, exp=None):
        return rf"\min\left({self._arguments(expr.args[1:])}\right)"

    def _print_route(self, expr, exp=None):
        """∂max/∂(input k): 1 where input k is the largest, written [x = max(x, y)]."""
        k, _, sense, *args = expr.args
        function = r"\max" if sense > 0 else r"\min"
        mine = self._arguments([args[int(k)]])
        return rf"\mathbf{{1}}\left[{mine} = {function}\left({self._arguments(args)}\right)\right]"

    def _print_sign(self, expr, exp=None):
        return self._call(r"\operatorname{sign}", expr.args[0])

    def _print_Float(self, expr):
        return number(Fraction(str(expr)) if expr == expr.round(30) else to_fraction(
            mpmath.mpf(expr)), self._settings["decimals"])

    def _print_Rational(self, expr):
        if expr.q == 1:
            return str(expr.p)
        sign = "-" if expr.p < 0 else ""
        return rf"{sign}\frac{{{abs(expr.p)}}}{{{expr.q}}}"

    def _print_Integer(self, expr):
        return str(expr.p)


_ENTRY = re.compile(r"([Wb])(\d+)\[(\d+)(?:,(\d+))?\]")


def _parse_entry(entry: str):
    kind, layer, i, j = _ENTRY.fullmatch(entry).groups()
    return kind, int(layer), (int(i), int(j)) if j else (int(i),)


def _is_fraction(expr) -> bool:
    return expr.is_Mul and any(f.is_Pow and f.exp.is_negative for f in expr.args)


def _bare_group(expr) -> bool:
    """Factors that read well without parentheses: e^{…}, functions, fractions."""
    return isinstance(expr, exp | log | tanh) or expr.is_Function or (
        expr.is_Pow and expr.exp.is_negative)


def latex(expr, graph=None, **settings) -> str:
    """LaTeX of ``expr`` with the graph's names (placeholders shown as ⟦k⟧)."""
    text = SheetPrinter(graph, settings).doprint(expr).replace(BREAK, "")
    return SLOT.sub(lambda m: f"[{m.group(1)}]", text)


def skeleton(text: str) -> list:
    """Split printed LaTeX with placeholders into literal strings, (index, wrap) pairs and
    leading-minus tokens."""
    parts: list = []
    position = 0
    for match in SLOT.finditer(text):
        parts += _split_minus(text[position:match.start()])
        parts.append((int(match.group(1)), match.group(2) == "w"))
        position = match.end()
    parts += _split_minus(text[position:])
    return [part for part in parts if part != ""]


def _split_minus(text: str) -> list:
    pieces = text.split(NEG)
    out = [pieces[0]]
    for piece in pieces[1:]:
        out += [None, piece]  # None: a leading minus
    return out


def fill(parts: list, numbers: list[str]) -> str:
    """A skeleton with its numbers: negative numbers after an operator in parentheses,
    and a leading minus dropped before a zero (−0 · ln 0.4 is written 0 · ln 0.4)."""
    out = []
    for k, part in enumerate(parts):
        if part is None:
            following = parts[k + 1] if k + 1 < len(parts) else None
            if type(following) is tuple and set(numbers[following[0]]) <= set("0."):
                continue
            out.append("-")
        elif type(part) is str:
            out.append(part)
        else:
            out.append(wrapped(numbers[part[0]]) if part[1] else numbers[part[0]])
    return "".join(out)




# widths: how wide a piece of display maths comes out, estimated ---------------------------
# Line breaking needs widths before TeX (or the browser) sets the maths. ``width`` estimates
# the typeset width of display-style LaTeX in em of the text font, from Computer Modern's
# metrics (cmmi, cmr, cmsy at 10pt; the sheet is set at 11pt, the ratio is the same). It is
# calibrated against pdflatex over the sheets of tests/corpus (tests/test_layout.py checks
# that it never underestimates by more than a few per cent).
_GLYPHS = {**dict.fromkeys("0123456789", 0.5), ".": 0.278, ",": 0.45, ";": 0.45,
           "(": 0.389, ")": 0.389, "[": 0.278, "]": 0.278, "/": 0.5, "|": 0.278,
           "!": 0.278, "?": 0.472, "'": 0.3, ":": 0.278,
           "a": 0.529, "b": 0.429, "c": 0.433, "d": 0.52, "e": 0.466, "f": 0.49, "g": 0.477,
           "h": 0.576, "i": 0.345, "j": 0.412, "k": 0.521, "l": 0.298, "m": 0.878,
           "n": 0.6, "o": 0.485, "p": 0.503, "q": 0.446, "r": 0.451, "s": 0.469, "t": 0.361,
           "u": 0.572, "v": 0.485, "w": 0.716, "x": 0.572, "y": 0.49, "z": 0.465,
           "W": 0.944, "M": 0.97, "L": 0.681, "K": 0.849, "N": 0.803}
_UPPER = 0.78  # an italic capital not listed
_ROMAN = {**dict.fromkeys("0123456789", 0.5), "a": 0.5, "b": 0.556, "c": 0.444,
          "d": 0.556, "e": 0.444, "f": 0.306, "g": 0.5, "h": 0.556, "i": 0.278, "j": 0.306,
          "k": 0.528, "l": 0.278, "m": 0.833, "n": 0.556, "o": 0.5, "p": 0.556, "q": 0.528,
          "r": 0.392, "s": 0.394, "t": 0.389, "u": 0.556, "v": 0.528, "w": 0.722, "x": 0.528,
          "y": 0.528, "z": 0.444, " ": 0.333, "-": 0.333, ".": 0.278, ",": 0.278,
          "L": 0.625, "I": 0.361, "J": 0.514, "M": 0.917, "W": 1.028}  # roman (\text) letters
_BINARY = 0.778 + 2 * 0.222  # + − · with medium spaces either side
_RELATION = 0.778 + 2 * 0.278  # = ≈ with thick spaces
_COMMANDS = {
    "cdot": 0.278 + 2 * 0.222, "odot": _BINARY, "times": _BINARY, "approx": _RELATION,
    "le": _RELATION, "ge": _RELATION, "leftarrow": 1 + 2 * 0.278, "to": 1 + 2 * 0.278,
    "partial": 0.566, "nabla": 0.833, "delta": 0.444, "sigma": 0.571, "eta": 0.497,
    "alpha": 0.64, "theta": 0.469, "ell": 0.417, "top": 0.778, "infty": 1.0,
    "langle": 0.389, "rangle": 0.389, "quad": 1.0, "qquad": 2.0, ",": 0.167, ":": 0.222,
    ";": 0.278, "!": -0.167, " ": 0.333, "ln": 1.0, "tanh": 2.17, "max": 1.83,
    "exp": 1.5, "sum": 1.444, "prime": 0.3, "dots": 1.172, "ldots": 1.172, "cdots": 1.172,
    "{": 0.5, "}": 0.5, "lbrace": 0.5, "rbrace": 0.5,
}
_SKIPPED = {"displaystyle", "textstyle", "limits", "nolimits", "bigl", "bigr", "Bigl",
            "Bigr", "mathrm", "m@th"}
_SCRIPT = 0.73  # script size relative to the text size (8pt at 11pt, 7pt at 10pt)
_DELIMITER = 0.5  # \left( or \right) around display-sized content


def width(tex: str, continued: bool = False) -> float:
    """The estimated typeset width of display-style ``tex``, in em; ``continued``: it
    follows other maths on its row (a leading + or − is a binary operator)."""
    return _Width(tex).run(1.0, previous="atom" if continued else "start")


class _Width:
    def __init__(self, tex: str):
        self.tex, self.i = tex, 0
        self.opens = False  # the last command opened a group: a minus after it is unary

    def run(self, scale: float, stop: str | None = None, previous: str = "start") -> float:
        """The width up to ``stop`` (a closing brace) or the end, at ``scale``."""
        total = 0.0
        tex = self.tex
        while self.i < len(tex):
            char = tex[self.i]
            if char == stop:
                self.i += 1
                return total
            if char in " \n\t&":
                self.i += 1
                continue
            if char == "{":
                self.i += 1
                total += self.run(scale, "}")
                previous = "atom"
            elif char in "^_":
                self.i += 1
                script = self.argument(scale * _SCRIPT)
                # a subscript and a superscript stack: only the wider one counts
                if self.i < len(tex) and tex[self.i] in "^_" and tex[self.i] != char:
                    self.i += 1
                    script = max(script, self.argument(scale * _SCRIPT))
                total += script + 0.1 * scale  # italic correction and \scriptspace
            elif char == "\\":
                self.opens = False
                total += self.command(scale)
                previous = "operator" if self.opens else "atom"
                continue
            elif char in "+-=":
                alone = previous in ("start", "operator")
                if char == "=":  # a relation: thick spaces (one at the start of a piece)
                    total += scale * (0.778 + 0.278 if alone else _RELATION)
                else:  # a unary minus is an ordinary symbol
                    total += scale * (0.778 if alone else _BINARY)
                previous = "operator"
                self.i += 1
                continue
            elif char == "(":
                total += scale * _GLYPHS[char]
                previous = "operator"
                self.i += 1
                continue
            else:
                total += scale * _GLYPHS.get(char, _UPPER if char.isupper() else 0.5)
                self.i += 1
            previous = "atom"
        return total

    def argument(self, scale: float) -> float:
        """One argument: a braced group, a command or one character."""
        tex = self.tex
        while self.i < len(tex) and tex[self.i] == " ":
            self.i += 1
        if self.i >= len(tex):
            return 0.0
        if tex[self.i] == "{":
            self.i += 1
            return self.run(scale, "}")
        if tex[self.i] == "\\":
            return self.command(scale)
        self.i += 1
        return scale * _GLYPHS.get(tex[self.i - 1], 0.5)

    def group_text(self) -> str:
        """The raw text of the next braced group."""
        tex, depth = self.tex, 0
        start = self.i
        while self.i < len(tex):
            if tex[self.i] == "{":
                depth += 1
            elif tex[self.i] == "}":
                depth -= 1
                if depth == 0:
                    self.i += 1
                    return tex[start + 1:self.i - 1]
            self.i += 1
        return tex[start + 1:]

    def command(self, scale: float) -> float:
        tex = self.tex
        match = re.match(r"\\([A-Za-z@]+|.)", tex[self.i:])
        name = match.group(1)
        self.i += len(match.group(0))
        if name in ("frac", "tfrac", "dfrac"):
            inner = scale * (0.8 if name == "tfrac" else 1)
            top = self.argument(inner)
            bottom = self.argument(inner)
            return max(top, bottom) + scale * 0.24
        if name in ("left", "right"):
            delimiter = re.match(r"\\[A-Za-z]+|.", tex[self.i:]).group(0)
            self.i += len(delimiter)
            self.opens = name == "left"
            return 0.12 * scale if delimiter == "." else _DELIMITER * scale
        if name == "mathbf":  # bold roman
            text = self.group_text()
            if re.fullmatch(r"[A-Za-z0-9.\-]*", text):
                return 1.15 * scale * sum(_ROMAN.get(c, 0.75) for c in text)
            return 1.15 * _Width(text).run(scale)
        if name == "boldsymbol":
            return 1.12 * self.argument(scale)
        if name in ("hat", "bar", "tilde", "vec", "mathrm", "mathit", "underline"):
            return self.argument(scale)
        if name == "mathcal":
            self.argument(scale)
            return 0.7 * scale
        if name in ("text", "textup", "operatorname", "textbf", "mathrm"):
            text = re.sub(r"\\[A-Za-z]+|[{}]", "", self.group_text())
            letters = sum(_ROMAN.get(c, 0.72 if c.isupper() else 0.5) for c in text)
            return scale * (letters + (0.167 if name == "operatorname" else 0))
        if name == "begin":
            return self.matrix(scale, self.group_text())
        if name in ("end", "hspace", "vspace", "label"):
            self.group_text()
            return 0.0
        if name in _SKIPPED:
            return 0.0
        self.opens = name in ("cdot", "odot", "times", "approx", "le", "ge", "quad", "qquad")
        return scale * _COMMANDS.get(name, 0.6)

    def matrix(self, scale: float, kind: str) -> float:
        """pmatrix or smallmatrix: the widest cell of each column, the gaps, the fences."""
        end = self.tex.find(rf"\end{{{kind}}}", self.i)
        body = self.tex[self.i:end]
        self.i = end + len(rf"\end{{{kind}}}")
        small = kind == "smallmatrix"
        cell_scale = scale * (_SCRIPT if small else 1)
        rows = [row.split("&") for row in re.split(r"\\\\", body)]
        columns = max(map(len, rows))
        widths = [0.0] * columns
        for row in rows:
            for k, cell in enumerate(row):
                widths[k] = max(widths[k], _Width(cell).run(cell_scale))
        gap = 0.278 if small else 0.91  # \thickspace, or 2\arraycolsep
        fences = 0.0 if small else 2 * _DELIMITER
        return sum(widths) + scale * (gap * (columns - 1) + fences)


# matrices ----------------------------------------------------------------------------------
MATRIX_STYLES = ("normal", "small")
DASH = r"\text{--}"  # a frozen parameter's missing gradient


def matrix(cells: list[list], style: str = "normal") -> str:
    """A grid of printed numbers as a matrix (None: a dash): pmatrix, or at script size
    (``small``: \\left(smallmatrix\\right)) where the normal one is too wide for the page.
    A 1×1 grid is its number (in parentheses when negative)."""
    if len(cells) == 1 and len(cells[0]) == 1:
        cell = cells[0][0]
        return DASH if cell is None else wrapped(cell)
    body = r" \\ ".join(" & ".join(DASH if c is None else c for c in row) for row in cells)
    if style == "small":
        return rf"\left(\begin{{smallmatrix}}{body}\end{{smallmatrix}}\right)"
    return rf"\begin{{pmatrix}}{body}\end{{pmatrix}}"


__all__ = ["SheetPrinter", "Slot", "fill", "latex", "matrix", "number",
           "scientific", "shown_exactly", "skeleton", "width", "wrapped"]
