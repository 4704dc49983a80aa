"""Check a hand calculation: one verdict per claimed number, by walking the derivation graph.

    correct    round(exact value, d) = claim            (d = the claim's printed decimals)
    rounding   some x in the box of the person's written inputs gives f(x) that rounds
               (or truncates, with a note) to the claim; each written input c with d
               decimals stands for [c − ½·10⁻ᵈ, c + ½·10⁻ᵈ]; an input the person did not
               write stands for its exact value, or for that value carried rounded to
               the claim's own decimals, but never to fewer than two significant figures
               (seed 004 writes W⁽²⁾₁₁ = 0.7348 from the rounded gradient −0.0695; nobody
               carries 0.6457 as 1 to write ∂L/∂W⁽²⁾₁₁ = −1)
    carried    the same test with every written value as an input, including wrong ones:
               the step is right and an earlier error was carried forward
    wrong      neither; the library of named mistakes is tried on it
    unknown    no such quantity

"f" is the node's local formula (one chain-rule link) or the claimed sub-expression, with
every sub-expression the person wrote down replaced by its written value (sheet.py and
written.py). Range questions are answered with outward-rounded float intervals and
branch-and-bound, so a value like a(1 − a) is not overestimated by the dependency between
its two a's.

A ``Checker`` is prepared once per problem (exact values, their rounded texts, compiled
node functions in exact and interval arithmetic, every mistake's rewritten formulas and
downstream values); checking a sheet then only compares and, for a claim that is not
exactly right, evaluates small local formulas. Formula claims are judged by formulas.py.
"""

from __future__ import annotations

import functools
import math
import re
from fractions import Fraction

import mpmath
from sympy import Integer, Rational, Symbol, exp, log, sign, tanh

from .. import gates
from ..decimals import decimals_in, parse_decimal, to_fraction
from ..evaluate import EXACT_KIT, python_source
from ..functions import leaky_relu_step, relu, relu_step
from ..solution import Solution
from ..spec import Problem
from . import claims as claim_text
from . import names
from .claims import ParseError, RawClaim
from .intervals import INTERVAL_KIT, _float, cell, point
from .mistakes import LIBRARY
from .report import Report, text
from .sums import SUMS

POINT_DPS = 30  # precision of recomputations from written inputs
MAX_PLACES = 30  # claims with more decimals than this are compared at this many
MAX_BITS = 100_000  # the most bits an exact rational intermediate of a claim may need
MAX_MAGNITUDE = 4_000  # |value| beyond 2^±4000 is overflow (or, below, zero) for a check
MISTAKES = LIBRARY + SUMS  # every named mistake the checker tries, in this order
EVALUATED_MAX = 200_000  # the cross-sheet memo of evaluations is emptied beyond this size


def _compile(sources: dict[int, tuple[str, int]], kit: dict) -> dict:
    """{key: function} from {key: (kit source, number of arguments)}."""
    code = "".join(f"def f{key}({', '.join(f'p{k}' for k in range(arity))}):\n"
                   f"    return {source}\n" for key, (source, arity) in sources.items())
    namespace = dict(kit)
    exec(compile(code, "<symprop check>", "exec"), namespace)  # noqa: S102
    return {key: namespace[f"f{key}"] for key in sources}


def _safe(function, arguments):
    """An exact-kit value, or None where the person's numbers leave it undefined (or its
    size beyond any hand calculation); a value below 2^-4000 is 0 at any written place."""
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
    _, mantissa, exponent, bits = value._mpf_
    if mantissa:  # |value| < 2^(exponent + bits)
        if exponent + bits > MAX_MAGNITUDE:
            return None
        if exponent + bits < -MAX_MAGNITUDE:
            return Fraction(0)
    return value


def _bits(argument) -> tuple | None:
    """An argument as a key that hashes and compares quickly, with its kind of number."""
    if type(argument) is Fraction:
        return (argument.numerator, argument.denominator)
    if isinstance(argument, mpmath.mpf):
        return ("mpf", argument._mpf_)
    return None if argument is None else (type(argument), argument)


class TooLargeError(ValueError):
    """An exact intermediate of a claimed expression would need more than MAX_BITS."""


def tree_bits(tree, bits_of: dict[str, int | None]) -> int | None:
    """An upper bound on the bits of the exact rational value of every subtree (None once
    a subtree is a high-precision float, whose cost precision bounds); TooLargeError before
    anything too large is computed: (((9^12)^12)^12…) is refused, not evaluated."""
    def go(node) -> int | None:
        kind = node[0]
        if kind == "num":
            found = node[1].numerator.bit_length() + node[1].denominator.bit_length()
        elif kind == "name":
            found = bits_of.get(node[1])
        elif kind == "neg":
            found = go(node[1])
        elif kind == "pow":
            inner = go(node[1])
            found = None if inner is None else inner * max(1, abs(node[2]))
        elif kind == "call":
            inner = go(node[2])
            found = inner if node[1] == "relu" else None
        else:
            left, right = go(node[1]), go(node[2])
            found = None if left is None or right is None else left + right + 1
        if found is not None and found > MAX_BITS:
            raise TooLargeError(f"an exact intermediate of more than {MAX_BITS:,} bits")
        return found
    return go(tree)


def tree_size(tree) -> int:
    """How many operations and operands a parsed tree has."""
    return 1 + sum(tree_size(part) for part in tree[1:] if isinstance(part, tuple))


# the prepared checker --------------------------------------------------------------------
class _Local:
    """A local formula (a node's, or a claimed sub-expression) over parent nodes, compiled
    in exact and in interval arithmetic; its partial derivatives in intervals are compiled
    the first time a claim needs them. ``key`` names the compiled function for the
    cross-sheet memo; ``bound`` gives the same functions over other parents."""

    def __init__(self, formula, symbols: list, parents: tuple[int, ...], name: str,
                 order: float, key: tuple = ()):
        self.formula, self.symbols, self.parents = formula, symbols, parents
        self.name, self.order, self.exact, self.key = name, order, None, key
        self.size = 1  # for sub-expressions: the parsed tree's size (smaller ones first)
        self.symbol: str | None = None  # LaTeX, printed when a claim first needs it
        self.names = {symbol: f"p{k}" for k, symbol in enumerate(symbols)}
        source = {0: (python_source(formula, self.names), len(parents))}
        self.exact_fn = _compile(source, EXACT_KIT)[0]
        self.interval_fn = _compile(source, INTERVAL_KIT)[0]
        self._slopes: list = [None]  # shared with bound copies

    def bound(self, parents: tuple[int, ...], order: float | None = None) -> _Local:
        """The same compiled formula over other parent indices (a sheet's own nodes)."""
        copy = object.__new__(_Local)
        copy.__dict__.update(self.__dict__)
        copy.parents = parents
        if order is not None:
            copy.order = order
        return copy

    @property
    def slopes(self) -> list | None:
        """∂f/∂(each parent) in intervals; None where f is not continuous (relu')."""
        if self._slopes[0] is None:
            if self.formula.has(relu_step, leaky_relu_step, *gates.KINKED, sign):
                return None
            sources = {k: (python_source(self.formula.diff(symbol), self.names),
                           len(self.parents)) for k, symbol in enumerate(self.symbols)}
            compiled = _compile(sources, INTERVAL_KIT) if sources else {}
            self._slopes[0] = [compiled[k] for k in range(len(self.symbols))]
        return self._slopes[0]


def tree_formula(tree, symbols: dict):
    """A parsed expression as a SymPy formula (built from the parsed tree only)."""
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
        self.symbols = [node.symbol for node in self.graph]
        self.locals = [None if node.formula is None else
                       self.local(node.formula, self.parents[i], node.name, i, ("node", i))
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
        self._evaluated: dict[tuple, object] = {}
        self._intervals: dict[tuple, tuple[float, float]] = {}
        self._symbols: dict[int, str] = {}
        self._rewrites: dict[tuple, tuple | None] = {}
        self._carried: dict[tuple[int, int], tuple] = {}  # unwritten input's carried range
        self._changes: dict[tuple[int, int], bool] = {}
        self._prepare_mistakes()

    # names --------------------------------------------------------------------------
    def resolve(self, written: str) -> tuple:
        """('node', index) | ('expression', _Local) | ('unknown', suggestion) |
        ('undefined', 'undefined' | 'too_large') for a sub-expression with no value at
        the exact point, or one too large to compute."""
        found = self._resolved.get(written)
        if found is None:
            found = self._resolved[written] = self._resolve(written)
        return found

    def node_index(self, written: str) -> int | None:
        """The node a name (canonical, alias, or a one-row matrix's k-th entry) means."""
        name = self.graph.resolve(written, strict=False) or self._vector_entry(written)
        return None if name is None else self.program.index[name]

    def _resolve(self, written: str) -> tuple:
        found = self.node_index(written)
        if found is not None:
            return ("node", found)
        parsed = self.expression(written)
        if parsed[0] != "expression":
            return parsed
        tree, canonical = parsed[1], parsed[2]
        formula = tree_formula(tree, {w: self.graph.nodes[c].symbol
                                      for w, c in canonical.items()})
        parents = tuple(sorted(self.program.index[self.graph.by_symbol[s]]
                               for s in formula.free_symbols))
        order = (max(parents) if parents else -1) + 0.5
        shown = claim_text.show(tree, canonical)
        try:
            found = self.local(formula, parents, shown, order, ("expression", shown))
        except ValueError:  # no kit operation for it (cannot happen with this grammar)
            return ("unknown", None)
        found.size = tree_size(tree)
        box = found.interval_fn(*[self.exact_point[p] for p in parents])
        if not (math.isfinite(box[0]) and math.isfinite(box[1])):
            return ("undefined", "undefined" if box[0] == -math.inf and box[1] == math.inf
                    else "too_large")
        with mpmath.workdps(POINT_DPS + 20):
            found.exact = _safe(found.exact_fn, [self.exact[p] for p in parents])
        if found.exact is None:  # e.g. log(0) or 1/0 at the exact values
            return ("undefined", "undefined")
        return ("expression", found)

    def expression(self, written: str, bare: bool = False) -> tuple:
        """('expression', tree, {name as written: canonical}) for text of the claims'
        grammar whose every name is known and whose exact intermediates stay small;
        otherwise ('unknown', suggestion) or ('undefined', 'too_large'). A bare name is
        an expression only with ``bare`` (a formula's right-hand side)."""
        try:
            tree = claim_text.parse(written)
        except ParseError:
            return ("unknown", names.suggest(self, written))
        if tree[0] == "name" and not bare:
            return ("unknown", names.suggest(self, written))
        canonical = {}
        for word in claim_text.names_in(tree):
            resolved = self.graph.resolve(word, strict=False) or self._vector_entry(word)
            if resolved is None:  # df/dx parses as d·f/(d·x): a derivative is meant
                return ("unknown", names.derivative(self, written.replace(" ", "")) or
                        names.suggest(self, word))
            canonical[word] = resolved
        bits = {}
        for word, name in canonical.items():
            value = self.exact[self.program.index[name]]
            bits[word] = value.numerator.bit_length() + value.denominator.bit_length() \
                if type(value) is Fraction else None
        try:
            tree_bits(tree, bits)
        except TooLargeError:
            return ("undefined", "too_large")
        return ("expression", tree, canonical)

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

    def local(self, formula, parents: tuple[int, ...], name: str, order: float,
              key: tuple = ()) -> _Local:
        symbols = [self.symbols[p] for p in parents]
        return _Local(formula, symbols, parents, name, order, key)

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

    # written sub-expressions --------------------------------------------------------
    @functools.cached_property
    def given_values(self) -> dict:
        """{symbol: exact Rational} of every given (x, y, parameters, η)."""
        return {self.symbols[i]: Rational(self.exact[i].numerator, self.exact[i].denominator)
                for i in self.program.givens}

    @functools.cached_property
    def children(self) -> list[set[int]]:
        out: list[set[int]] = [set() for _ in self.exact]
        for i, parents in enumerate(self.parents):
            for p in parents:
                out[p].add(i)
        return out

    def baked(self, formula, unbaked: frozenset):
        """``formula`` with the givens (except ``unbaked`` ones) replaced by their values,
        so a written 0.01 − ŷ is recognised inside ½(y − ŷ)² when y = 0.01."""
        values = self.given_values
        return formula.xreplace({s: values[s] for s in formula.free_symbols
                                 if s in values and s not in unbaked})

    def rewrite(self, key: tuple, formula, candidates: tuple, unbaked: frozenset):
        """``formula`` with written sub-expressions put in, the largest first:
        candidates are (name, baked formula, symbol) of written sub-expressions. Returns
        (compiled _Local over [node symbols…, sub-expression symbols…], names used) or
        None when none of them occurs. Cached across sheets (SymPy's ``subs`` is the
        slow part)."""
        memo_key = (key, tuple(name for name, _, _ in candidates), unbaked)
        if memo_key in self._rewrites:
            return self._rewrites[memo_key]
        current = self.baked(formula, unbaked)
        used = []
        for name, pattern, symbol in candidates:
            if not pattern.free_symbols <= current.free_symbols:
                continue
            replaced = current.subs(pattern, symbol)
            if symbol in replaced.free_symbols:
                current = replaced
                used.append((name, symbol))
        found = None
        if used:
            inner = {symbol for _, symbol in used}
            nodes = sorted((s for s in current.free_symbols if s not in inner),
                           key=lambda s: self.program.index[self.graph.by_symbol[s]])
            symbols = nodes + [symbol for _, symbol in used if symbol in current.free_symbols]
            try:
                local = _Local(current, symbols, tuple(range(len(symbols))), "", 0,
                               ("rewritten", memo_key))
                found = (local, [name for name, symbol in used if symbol in symbols])
            except ValueError:
                found = None
        self._rewrites[memo_key] = found
        return found

    @staticmethod
    def written_symbol(name: str):
        """The symbol that stands for a written sub-expression inside a rewritten formula."""
        return Symbol(f"⟨{name}⟩", real=True)

    # formulas -----------------------------------------------------------------------
    @functools.cached_property
    def formulas(self):
        from .formulas import Formulas
        return Formulas(self)

    # mistakes -----------------------------------------------------------------------
    def _prepare_mistakes(self) -> None:
        """Each mistake's rewritten local formulas (exact kit), and the values of a graph
        in which one stage's nodes are all rewritten."""
        graph, index = self.graph, self.program.index
        self.mistaken: dict[int, list[tuple[str, object, tuple[int, ...]]]] = {}
        self.worlds: list[tuple[str, list, frozenset]] = []  # (code, values, rewritten)
        self.convention = {m.code: m.convention for m in MISTAKES}
        for mistake in MISTAKES:
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
                names_ = {self.symbols[p]: f"p{k}" for k, p in enumerate(parents)}
                i = index[node.name]
                function = _compile({0: (python_source(formula, names_), len(parents))},
                                    EXACT_KIT)[0]
                rewritten[i] = (function, parents)
                self.mistaken.setdefault(i, []).append((mistake.code, function, parents))
                stages.setdefault(node.stage, []).append(i)
            groups = list(stages.values())
            if len(groups) > 1:
                groups.append([i for g in groups for i in g])
            for group in groups:
                values = self._world({i: rewritten[i] for i in group})
                self.worlds.append((mistake.code, values, frozenset(group)))
        # candidates that do not depend on the sheet: (code, inputs, value, float value,
        # world: the index into self.worlds for a chain candidate, else None)
        self.fixed_candidates: list[list[tuple]] = [[] for _ in self.exact]
        with mpmath.workdps(POINT_DPS + 20):
            for i, entries in self.mistaken.items():
                for code, function, parents in entries:
                    value = _safe(function, [self.exact[p] for p in parents])
                    self.fixed_candidates[i].append((code, "exact", value, None))
        for w, (code, values, _) in enumerate(self.worlds):
            for i, value in enumerate(values):
                if value is not None and value != self.exact[i]:
                    self.fixed_candidates[i].append((code, "chain", value, w))
        self.fixed_candidates = [[(code, inputs, v, _float(v), w)
                                  for code, inputs, v, w in entries if v is not None]
                                 for entries in self.fixed_candidates]

    def changes(self, world: int, q: int) -> bool:
        """Whether mistake world ``world`` gives node q a value other than the exact one."""
        key = (world, q)
        found = self._changes.get(key)
        if found is None:
            mistaken, exact = self.worlds[world][1][q], self.exact[q]
            found = self._changes[key] = mistaken is not None and not _same(mistaken, exact)
        return found

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
    def evaluate(self, function, arguments: list):
        """``_safe(function, arguments)``, kept across sheets: students who carry the
        same places write the same inputs. Keyed by the precision and each argument's
        exact bits (an exact 1/2 and a float 0.5 are equal but evaluate differently)."""
        key = (function, mpmath.mp.prec, *map(_bits, arguments))
        memo = self._evaluated
        if key in memo:
            return memo[key]
        if len(memo) >= EVALUATED_MAX:
            memo.clear()
        found = memo[key] = _safe(function, arguments)
        return found

    def forget(self) -> None:
        """Empty the cross-sheet memos a number claim uses (its figures, fits,
        evaluations and intervals): the next sheet pays for them again."""
        self._memo.clear()
        self._evaluated.clear()
        self._intervals.clear()

    def interval_at(self, function, boxes: list):
        """An interval function's value at ``boxes``, kept across sheets (pure float
        arithmetic, so equal boxes give equal intervals)."""
        key = (function, *boxes)
        memo = self._intervals
        found = memo.get(key)
        if found is None:
            if len(memo) >= EVALUATED_MAX:
                memo.clear()
            found = memo[key] = function(*boxes)
        return found

    def check(self, raw: list[RawClaim], answers: str = "") -> Report:
        from .sheet import Sheet

        with mpmath.workdps(POINT_DPS):
            return Sheet(self, raw).run(answers)


def check(problem: Problem, raw: list[RawClaim], answers: str = "") -> Report:
    """Check one sheet of claims against ``problem`` (prepare a Checker for many)."""
    return Checker(problem).check(raw, answers)


def _same(a, b) -> bool:
    if type(a) is Fraction and type(b) is Fraction:
        return a == b
    return abs(to_fraction(a) - to_fraction(b)) <= Fraction(1, 10**40) * max(
        1, abs(to_fraction(b)))
