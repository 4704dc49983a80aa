"""Check a hand calculation: one verdict per claimed number, by walking the derivation graph.

    correct    round(exact value, d) = claim            (d = the claim's printed decimals)
    rounding   some x in the box of the person's written inputs gives f(x) that rounds
               (or truncates, with a note) to the claim; each written input c with d
               decimals stands for [c − ½·10⁻ᵈ, c + ½·10⁻ᵈ], an unwritten one for its
               exact value (widened by whatever its written ancestors allow)
    carried    the same test with every written value as an input, including wrong ones:
               the step is right and an earlier error was carried forward
    wrong      neither; the library of named mistakes is tried on it
    unknown    no such quantity

"f" is the node's local formula (one chain-rule link) or the claimed sub-expression. Range
questions are answered with outward-rounded float intervals and branch-and-bound, so a
value like a(1 − a) is not overestimated by the dependency between its two a's.

A ``Checker`` is prepared once per problem (exact values, their rounded texts, compiled
node functions in exact and interval arithmetic, every mistake's rewritten formulas and
downstream values); checking a sheet then only compares and, for a claim that is not
exactly right, evaluates small local formulas.
"""

from __future__ import annotations

import difflib
import functools
import re
from fractions import Fraction

import mpmath
from sympy import Integer, Rational, exp, log, sign, tanh

from .. import gates
from ..decimals import decimals_in, parse_decimal
from ..evaluate import EXACT_KIT, python_source
from ..functions import leaky_relu_step, relu, relu_step
from ..solution import Solution
from ..spec import Problem
from . import claims as claim_text
from .claims import ParseError, RawClaim
from .intervals import INTERVAL_KIT, _float, cell, point
from .mistakes import LIBRARY
from .report import Report, text

POINT_DPS = 30  # precision of recomputations from written inputs
MAX_PLACES = 30  # claims with more decimals than this are compared at this many


def _compile(sources: dict[int, tuple[str, int]], kit: dict) -> dict:
    """{key: function} from {key: (kit source, number of arguments)}."""
    code = "".join(f"def f{key}({', '.join(f'p{k}' for k in range(arity))}):\n"
                   f"    return {source}\n" for key, (source, arity) in sources.items())
    namespace = dict(kit)
    exec(compile(code, "<symprop check>", "exec"), namespace)  # noqa: S102
    return {key: namespace[f"f{key}"] for key in sources}


def _safe(function, arguments):
    """An exact-kit value, or None where the person's numbers leave it undefined."""
    if any(a is None for a in arguments):
        return None
    try:
        value = function(*arguments)
    except (ZeroDivisionError, ValueError, OverflowError, TypeError):
        return None
    if type(value) is Fraction:
        return value
    if not isinstance(value, mpmath.mpf) or not mpmath.isfinite(value):
        return None
    return value


# the prepared checker --------------------------------------------------------------------
class _Local:
    """A local formula (a node's, or a claimed sub-expression) over parent nodes, compiled
    in exact and in interval arithmetic; its partial derivatives in intervals are compiled
    the first time a claim needs them."""

    def __init__(self, formula, symbols: list, parents: tuple[int, ...], name: str,
                 order: float):
        self.formula, self.symbols, self.parents = formula, symbols, parents
        self.name, self.order, self.exact = name, order, None
        self.symbol: str | None = None  # LaTeX, printed when a claim first needs it
        self.names = {symbol: f"p{k}" for k, symbol in enumerate(symbols)}
        source = {0: (python_source(formula, self.names), len(parents))}
        self.exact_fn = _compile(source, EXACT_KIT)[0]
        self.interval_fn = _compile(source, INTERVAL_KIT)[0]
        self._slopes: list | None = None

    @property
    def slopes(self) -> list | None:
        """∂f/∂(each parent) in intervals; None where f is not continuous (relu')."""
        if self._slopes is None:
            if self.formula.has(relu_step, leaky_relu_step, *gates.KINKED, sign):
                return None
            sources = {k: (python_source(self.formula.diff(symbol), self.names),
                           len(self.parents)) for k, symbol in enumerate(self.symbols)}
            compiled = _compile(sources, INTERVAL_KIT) if sources else {}
            self._slopes = [compiled[k] for k in range(len(self.symbols))]
        return self._slopes


def _tree_formula(tree, symbols: dict):
    """A claimed sub-expression as a SymPy formula (built from the parsed tree only)."""
    def go(node):
        kind = node[0]
        if kind == "num":
            return Rational(node[1].numerator, node[1].denominator)
        if kind == "name":
            return symbols[node[1]]
        if kind == "neg":
            return -go(node[1])
        if kind == "pow":
            return go(node[1]) ** Integer(node[2])
        if kind == "call":
            inner = go(node[2])
            return {"exp": exp, "log": log, "tanh": tanh,
                    "sigma": lambda u: 1 / (1 + exp(-u)),
                    "relu": lambda u: relu(u, Integer(0))}[node[1]](inner)
        left, right = go(node[1]), go(node[2])
        return {"add": left + right, "sub": left - right, "mul": left * right}[kind] \
            if kind != "div" else left / right
    return go(tree)


class Checker:
    """Everything about one problem that checking a sheet needs, prepared once."""

    def __init__(self, problem: Problem, solution: Solution | None = None,
                 extra: dict | None = None):
        self.problem = problem
        self.solution = solution or Solution(problem, verify=False)
        # values by name that are no graph node (a training run's epoch<e>.loss, norms):
        # a claim on one is correct when it is the value rounded, else wrong
        self.extra = extra or {}
        self.graph = self.solution.graph
        program = self.program = self.solution.program
        n = len(program.names)
        self.exact = list(self.solution.values.list)
        self.exact_fraction = [v if type(v) is Fraction else None for v in self.exact]
        self.exact_point = [point(v) for v in self.exact]
        self.parents = program.parents
        self.locals = [None if node.formula is None else
                       self.local(node.formula, self.parents[i], node.name, i)
                       for i, node in enumerate(self.graph)]
        self.interval = [None if f is None else f.interval_fn for f in self.locals]
        self.ancestors = [0] * n  # bit k set: node k is an ancestor of this node
        for i in range(n):
            for p in self.parents[i]:
                self.ancestors[i] |= self.ancestors[p] | (1 << p)
        self.spellings = sorted(set(program.names) | set(self.graph.aliases))
        self._texts: dict[tuple[int, int], str] = {}
        self._numbers: dict[str, tuple] = {}
        self._resolved: dict[str, tuple] = {}
        self._memo: dict[tuple, bool] = {}
        self._symbols: dict[int, str] = {}
        self._prepare_mistakes()

    # names --------------------------------------------------------------------------
    def resolve(self, written: str) -> tuple:
        """('node', index) | ('expression', _Local) | ('unknown', suggestion) |
        ('undefined', None) for a sub-expression with no value at the exact point."""
        found = self._resolved.get(written)
        if found is None:
            found = self._resolved[written] = self._resolve(written)
        return found

    def _resolve(self, written: str) -> tuple:
        name = self.graph.resolve(written, strict=False) or self._vector_entry(written)
        if name is not None:
            return ("node", self.program.index[name])
        try:
            tree = claim_text.parse(written)
        except ParseError:
            return ("unknown", self.suggest(written))
        if tree[0] == "name":
            return ("unknown", self.suggest(written))
        names = claim_text.names_in(tree)
        canonical = {}
        for word in names:
            resolved = self.graph.resolve(word, strict=False)
            if resolved is None:
                return ("unknown", self.suggest(word))
            canonical[word] = resolved
        formula = _tree_formula(tree, {w: self.graph.nodes[c].symbol
                                       for w, c in canonical.items()})
        parents = tuple(sorted(self.program.index[self.graph.by_symbol[s]]
                               for s in formula.free_symbols))
        order = (max(parents) if parents else -1) + 0.5
        try:
            found = self.local(formula, parents, claim_text.show(tree, canonical), order)
        except ValueError:  # no kit operation for it (cannot happen with this grammar)
            return ("unknown", None)
        with mpmath.workdps(POINT_DPS + 20):
            found.exact = _safe(found.exact_fn, [self.exact[p] for p in parents])
        if found.exact is None:  # e.g. log(0) or 1/0 at the exact values
            return ("undefined", None)
        return ("expression", found)

    def symbol(self, i: int) -> str:
        """Node i's name in the sheets' notation (LaTeX)."""
        found = self._symbols.get(i)
        if found is None:
            found = self._symbols[i] = self.printer.doprint(
                self.graph.nodes[self.program.names[i]].symbol)
        return found

    def expression_symbol(self, e: _Local) -> str:
        """A claimed sub-expression in the sheets' notation (LaTeX)."""
        if e.symbol is None:
            e.symbol = self.printer.doprint(e.formula)
        return e.symbol

    @functools.cached_property
    def printer(self):
        from ..latex import SheetPrinter
        return SheetPrinter(self.graph)

    def local(self, formula, parents: tuple[int, ...], name: str, order: float) -> _Local:
        symbols = [self.graph.nodes[self.program.names[p]].symbol for p in parents]
        return _Local(formula, symbols, parents, name, order)

    def _vector_entry(self, written: str) -> str | None:
        """'grad.W2[2]' for a one-row matrix is grad.W2[1,2]; for a one-column one, [2,1]."""
        match = re.fullmatch(r"(.+)\[(\d+)\]", written.replace(" ", ""))
        if not match:
            return None
        base, k = match.groups()
        resolve = functools.partial(self.graph.resolve, strict=False)
        if resolve(f"{base}[1,{k}]") and not resolve(f"{base}[2,1]"):
            return resolve(f"{base}[1,{k}]")
        if resolve(f"{base}[{k},1]") and not resolve(f"{base}[1,2]"):
            return resolve(f"{base}[{k},1]")
        return None

    def suggest(self, written: str) -> str | None:
        close = difflib.get_close_matches(written.replace(" ", ""), self.spellings, n=1,
                                          cutoff=0.5)
        return close[0] if close else None

    def number(self, written: str) -> tuple[Fraction, int, tuple[float, float]]:
        """A written number: its value, its decimals, and the interval it stands for."""
        found = self._numbers.get(written)
        if found is None:
            value, places = parse_decimal(written), min(decimals_in(written), MAX_PLACES)
            found = self._numbers[written] = (value, places, cell(value, places))
        return found

    def correct_text(self, i: int, places: int) -> str:
        key = (i, places)
        found = self._texts.get(key)
        if found is None:
            found = self._texts[key] = text(self.exact[i], places)
        return found

    # mistakes -----------------------------------------------------------------------
    def _prepare_mistakes(self) -> None:
        """Each mistake's rewritten local formulas (exact kit), and the values of a graph
        in which one stage's nodes are all rewritten."""
        graph, index = self.graph, self.program.index
        self.mistaken: dict[int, list[tuple[str, object, tuple[int, ...]]]] = {}
        self.worlds: list[tuple[str, list]] = []
        for mistake in LIBRARY:
            if mistake.scope not in (graph.kind, "both"):
                continue
            rewritten: dict[int, tuple[object, tuple[int, ...]]] = {}
            stages: dict[str, list[int]] = {}
            for node in graph:
                if node.formula is None:
                    continue
                formula = mistake.rewrite(graph, node)
                if formula is None or formula == node.formula:
                    continue
                parents = tuple(sorted(index[graph.by_symbol[s]]
                                        for s in formula.free_symbols))
                names = {graph.nodes[self.program.names[p]].symbol: f"p{k}"
                         for k, p in enumerate(parents)}
                i = index[node.name]
                function = _compile({0: (python_source(formula, names), len(parents))},
                                    EXACT_KIT)[0]
                rewritten[i] = (function, parents)
                self.mistaken.setdefault(i, []).append((mistake.code, function, parents))
                stages.setdefault(node.stage, []).append(i)
            groups = list(stages.values())
            if len(groups) > 1:
                groups.append([i for g in groups for i in g])
            for group in groups:
                values = self._world({i: rewritten[i] for i in group})
                self.worlds.append((mistake.code, values))
        # candidates that do not depend on the sheet: (code, inputs, value, float value)
        self.fixed_candidates: list[list[tuple]] = [[] for _ in self.exact]
        with mpmath.workdps(POINT_DPS + 20):
            for i, entries in self.mistaken.items():
                for code, function, parents in entries:
                    value = _safe(function, [self.exact[p] for p in parents])
                    self.fixed_candidates[i].append((code, "exact", value))
        for code, values in self.worlds:
            for i, value in enumerate(values):
                if value is not None and value != self.exact[i]:
                    self.fixed_candidates[i].append((code, "chain", value))
        self.fixed_candidates = [[(code, inputs, v, _float(v)) for code, inputs, v in entries
                                  if v is not None] for entries in self.fixed_candidates]

    def _world(self, rewritten: dict) -> list:
        """Every node's value when the nodes in ``rewritten`` use their mistaken formula."""
        n = len(self.exact)
        parents = [rewritten[i][1] if i in rewritten else self.parents[i] for i in range(n)]
        functions = [rewritten[i][0] if i in rewritten else self.program.functions[i]
                     for i in range(n)]
        values: list = [None] * n
        done = [False] * n
        with mpmath.workdps(POINT_DPS + 20):
            for i in self.program.givens:
                values[i], done[i] = self.exact[i], True
            pending = [i for i in range(n) if not done[i]]
            while pending:
                waiting = []
                for i in pending:
                    if all(done[p] for p in parents[i]):
                        values[i] = _safe(functions[i], [values[p] for p in parents[i]])
                        done[i] = True
                    else:
                        waiting.append(i)
                if len(waiting) == len(pending):  # a cycle: leave those undefined
                    break
                pending = waiting
        return values

    # checking -----------------------------------------------------------------------
    def check(self, raw: list[RawClaim], answers: str = "") -> Report:
        from .sheet import Sheet

        with mpmath.workdps(POINT_DPS):
            return Sheet(self, raw).run(answers)


def check(problem: Problem, raw: list[RawClaim], answers: str = "") -> Report:
    """Check one sheet of claims against ``problem`` (prepare a Checker for many)."""
    return Checker(problem).check(raw, answers)
