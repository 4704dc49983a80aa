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
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
from sympy import Integer, Rational, exp, log, tanh

from . import claims as claim_text
from .claims import ParseError, RawClaim
from .decimals import decimals_in, fixed_text, parse_decimal, round_half_up, to_fraction, truncate
from .errors import SpecError
from .evaluate import EXACT_KIT, python_source
from .functions import leaky_relu_step, relu, relu_step
from .intervals import INTERVAL_KIT, _float, cell, point, reachable
from .mistakes import LIBRARY
from .solution import Solution
from .spec import Problem

JSON_SCHEMA_VERSION = 1
VERDICTS = ("correct", "rounding", "carried", "wrong", "unknown")
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


# verdict records -------------------------------------------------------------------------
@dataclass
class Verdict:
    """One claim's verdict: codes and numbers only (templates phrase them)."""

    written: str  # the name as written
    claimed: str  # the number as written
    verdict: str
    name: str = ""  # canonical node name or canonical sub-expression text
    kind: str = "node"  # node | expression
    where: str = ""
    decimals: int = 0
    expected: str | None = None  # the exact value rounded to the claim's decimals
    exact: str | None = None  # the exact value with two more decimals
    recomputed: str | None = None  # from the person's written inputs, one more decimal
    notes: list[dict] = field(default_factory=list)  # {code, …}
    inherits: list[str] = field(default_factory=list)  # the wrong claims it carries
    mistakes: list[dict] = field(default_factory=list)  # {code, inputs, value}
    suggestion: str | None = None
    order: float = 0.0

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "order"}


@dataclass
class Report:
    spec: str
    answers: str
    verdicts: list[Verdict]

    @property
    def first_wrong(self) -> Verdict | None:
        return next((v for v in self.verdicts if v.verdict == "wrong"), None)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for v in self.verdicts:
            counts[v.verdict] += 1
        return counts

    def to_dict(self) -> dict:
        first = self.first_wrong
        return {"schema": JSON_SCHEMA_VERSION, "spec": self.spec, "answers": self.answers,
                "counts": self.counts(), "first_wrong": first.name if first else None,
                "claims": [v.to_dict() for v in self.verdicts]}


def rounded(value, places: int, truncated: bool = False) -> Fraction:
    """``value`` rounded half up (or truncated towards zero) to ``places``, exactly."""
    return truncate(value, places) if truncated else round_half_up(value, places)


def text(value, places: int) -> str | None:
    """``value`` rounded half up to ``places`` as text, with no '-0'."""
    return None if value is None else fixed_text(value, places)


# the prepared checker --------------------------------------------------------------------
class _Local:
    """A local formula (a node's, or a claimed sub-expression) over parent nodes, compiled
    in exact and in interval arithmetic; its partial derivatives in intervals are compiled
    the first time a claim needs them."""

    def __init__(self, formula, symbols: list, parents: tuple[int, ...], name: str,
                 order: float):
        self.formula, self.symbols, self.parents = formula, symbols, parents
        self.name, self.order, self.exact = name, order, None
        self.names = {symbol: f"p{k}" for k, symbol in enumerate(symbols)}
        source = {0: (python_source(formula, self.names), len(parents))}
        self.exact_fn = _compile(source, EXACT_KIT)[0]
        self.interval_fn = _compile(source, INTERVAL_KIT)[0]
        self._slopes: list | None = None

    @property
    def slopes(self) -> list | None:
        """∂f/∂(each parent) in intervals; None where f is not continuous (relu')."""
        if self._slopes is None:
            if self.formula.has(relu_step, leaky_relu_step):
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

    def __init__(self, problem: Problem, solution: Solution | None = None):
        self.problem = problem
        self.solution = solution or Solution(problem, verify=False)
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
        with mpmath.workdps(POINT_DPS):
            return _Sheet(self, raw).run(answers)


def check(problem: Problem, raw: list[RawClaim], answers: str = "") -> Report:
    """Check one sheet of claims against ``problem`` (prepare a Checker for many)."""
    return Checker(problem).check(raw, answers)


class _Sheet:
    """One answer sheet: its claims, and the two worlds its recomputations happen in."""

    def __init__(self, checker: Checker, raw: list[RawClaim]):
        self.c = checker
        self.raw = raw
        self.node_claims: dict[int, tuple[Fraction, int]] = {}  # i → (value, places)
        self.verdict_of: dict[int, str] = {}
        self.roots_of: dict[int, frozenset] = {}
        self.claimed_mask = 0
        self.admitted_mask = 0  # claims judged correct or rounding
        self._iv = ({}, {})  # reference world, own world
        self._pt = ({}, {})

    # the two worlds: 0 = reference (correct or rounding claims), 1 = own (every claim)
    def admitted(self, i: int, own: int) -> bool:
        if i not in self.node_claims:
            return False
        return own or self.verdict_of.get(i) in ("correct", "rounding")

    def box_entry(self, p: int, own: int):
        memo = self._iv[own]
        found = memo.get(p)
        if found is not None:
            return found
        c = self.c
        if self.admitted(p, own):
            value, places, claimed_cell = self.node_claims[p]
            found = c.exact_point[p] if value == c.exact_fraction[p] else claimed_cell
        elif (c.ancestors[p] & (self.claimed_mask if own else self.admitted_mask)) == 0 \
                or c.interval[p] is None or (not own and p in self.node_claims):
            found = c.exact_point[p]
        else:
            found = c.interval[p](*[self.box_entry(q, own) for q in c.parents[p]])
            if not own:  # the person may also have carried more digits than written
                exact = c.exact_point[p]
                found = (min(found[0], exact[0]), max(found[1], exact[1]))
        memo[p] = found
        return found

    def carried_box(self, p: int, places: int):
        """A parent's box in the reference world, widened for a parent the person did not
        write: they may have carried it rounded to the places they write in (seed 004
        writes W⁽²⁾₁₁ = 0.7348 after carrying −0.0695 for its gradient)."""
        box = self.box_entry(p, 0)
        if p in self.node_claims or self.c.program.functions[p] is None:
            return box
        low, high = cell(rounded(self.c.exact[p], places), places)
        return (min(box[0], low), max(box[1], high))

    def value(self, p: int, own: int):
        """A point value: the written number, else recomputed from written inputs."""
        memo = self._pt[own]
        if p in memo:
            return memo[p]
        c = self.c
        if self.admitted(p, own):
            found = self.node_claims[p][0]
        elif (c.ancestors[p] & (self.claimed_mask if own else self.admitted_mask)) == 0 \
                or c.program.functions[p] is None or (not own and p in self.node_claims):
            found = c.exact[p]
        else:
            found = _safe(c.program.functions[p], [self.value(q, own) for q in c.parents[p]])
        memo[p] = found
        return found

    def roots(self, p: int) -> frozenset:
        """The wrong claims whose error reaches node p through the person's own values."""
        if p in self.roots_of:
            return self.roots_of[p]
        verdict = self.verdict_of.get(p)
        if verdict == "wrong":
            found = frozenset([p])
        elif verdict is not None and verdict != "carried":
            found = frozenset()
        elif (self.c.ancestors[p] & self.claimed_mask) == 0:
            found = frozenset()
        else:
            found = frozenset().union(*(self.roots(q) for q in self.c.parents[p]))
        self.roots_of[p] = found
        return found

    # the walk -------------------------------------------------------------------------
    def run(self, answers: str) -> Report:
        c = self.c
        pending, verdicts, seen = [], [], {}
        for claim in self.raw:
            kind, target = c.resolve(claim.name)
            if kind in ("unknown", "undefined"):
                record = Verdict(claim.name, claim.text, "unknown", claim.name, "node",
                                 claim.where, decimals_in(claim.text), suggestion=target,
                                 order=math.inf)
                if kind == "undefined":
                    record.kind, record.notes = "expression", [{"code": "undefined"}]
                verdicts.append(record)
                continue
            key = target if kind == "node" else target.name
            if key in seen:
                raise SpecError(claim.name, "each quantity claimed once",
                                f"a second claim (first as '{seen[key]}')", claim.where)
            seen[key] = claim.name
            if kind == "node":
                self.node_claims[target] = c.number(claim.text)
                self.claimed_mask |= 1 << target
                pending.append((target, claim, None))
            else:
                pending.append((target.order, claim, target))
        pending.sort(key=lambda item: item[0])
        for order, claim, expression in pending:
            if expression is None:
                verdicts.append(self.node(order, claim))
            else:
                verdicts.append(self.expression(expression, claim))
        verdicts.sort(key=lambda v: v.order)
        return Report(c.problem.name, answers, verdicts)

    def decide(self, i: int, verdict: str) -> None:
        self.verdict_of[i] = verdict
        if verdict in ("correct", "rounding"):
            self.admitted_mask |= 1 << i

    def node(self, i: int, claim: RawClaim) -> Verdict:
        c = self.c
        value, places, _ = self.node_claims[i]
        name = c.program.names[i]
        record = Verdict(claim.name, claim.text, "correct", name, "node", claim.where, places,
                         order=i)
        # the fast path: the exactly rounded figure, compared as text
        if claim.text.lstrip("+") == c.correct_text(i, places):
            record.expected = record.claimed
            record.exact = c.correct_text(i, places + 2)
            self.decide(i, "correct")
            return record
        self.judge(record, value, c.exact[i], c.locals[i], ("node", i))
        self.decide(i, record.verdict)
        if record.verdict == "carried":
            self.roots_of[i] = frozenset().union(*(self.roots(q) for q in c.parents[i]))
            record.inherits = [c.program.names[r] for r in sorted(self.roots_of[i])]
            record.notes += self.trivial(i)
        if record.verdict == "wrong":
            record.mistakes = self.mistakes(i, value, places)
        return record

    def expression(self, e: _Local, claim: RawClaim) -> Verdict:
        value, places, _ = self.c.number(claim.text)
        record = Verdict(claim.name, claim.text, "correct", e.name, "expression",
                         claim.where, places, order=e.order)
        self.judge(record, value, e.exact, e, ("expression", e.name))
        if record.verdict == "carried":
            roots = frozenset().union(*(self.roots(q) for q in e.parents))
            record.inherits = [self.c.program.names[r] for r in sorted(roots)]
        return record

    def judge(self, record: Verdict, value: Fraction, exact, local: _Local | None,
              key: tuple) -> None:
        """Set the verdict, expected and recomputed values, and the notes of one claim."""
        places = record.decimals
        memo = self.c._memo
        found = memo.get((key, places))
        if found is None:
            found = memo[key, places] = (text(exact, places), text(exact, places + 2),
                                         rounded(exact, places), rounded(exact, places, True))
        record.expected, record.exact, exactly, cut = found
        if exactly == value:
            return
        if local is None:  # a given: written wrongly, or cut short
            record.verdict = "rounding" if cut == value else "wrong"
            if record.verdict == "rounding":
                record.notes.append({"code": "truncated"})
            return
        parents, exact_fn = local.parents, local.exact_fn
        reference = tuple(self.carried_box(p, places) for p in parents)
        written = _safe(exact_fn, [self.value(p, 0) for p in parents])
        found = self.fits(key, record.claimed, value, places, local, reference,
                          cut == value)
        if found:
            record.verdict = "rounding"
            record.recomputed = text(written, places + 1)
            if found == "truncated":
                record.notes.append({"code": "truncated"})
            if written is not None and rounded(written, places) != value:
                record.notes.append({"code": "inputs_differ"})
            return
        own = tuple(self.box_entry(p, 1) for p in parents)
        mine = _safe(exact_fn, [self.value(p, 1) for p in parents])
        record.recomputed = text(mine, places + 1)
        if own != reference:
            found = self.fits(key, record.claimed, value, places, local, own,
                              mine is not None and rounded(mine, places, True) == value)
            if found:
                record.verdict = "carried"
                if found == "truncated":
                    record.notes.append({"code": "truncated"})
                return
        record.verdict = "wrong"
        if mine is not None and text(mine, places) != record.expected:
            record.notes.append({"code": "from_inputs", "value": text(mine, places)})

    def fits(self, key, claimed: str, value: Fraction, places: int, local: _Local, box,
             truncated_exactly: bool):
        """'rounded' or 'truncated' when some x in ``box`` gives the claimed figure."""
        memo = self.c._memo
        for mode in ("rounded", "truncated"):
            if mode == "truncated" and truncated_exactly:
                return mode
            memo_key = (key, claimed, mode, box)
            found = memo.get(memo_key)
            if found is None:
                target = self.c.number(claimed)[2] if mode == "rounded" else \
                    cell(value, places, truncated=True)
                found = memo[memo_key] = reachable(local.interval_fn, box, target,
                                                   local.slopes)
            if found:
                return mode
        return None

    def trivial(self, i: int) -> list[dict]:
        """A carried value that only looks right because an earlier wrong value was 0, or
        1 where it empties the step (the step then copies or annihilates)."""
        c, notes = self.c, []
        parents = c.parents[i]
        function = c.program.functions[i]
        mine = [self.value(p, 1) for p in parents]
        result = _safe(function, mine)
        if result is None:
            return notes
        for k, p in enumerate(parents):
            if mine[k] is None or not self.roots(p) or mine[k] not in (0, 1):
                continue
            others = [m for j, m in enumerate(mine) if j != k]
            with_exact = list(mine)
            with_exact[k] = c.exact[p]
            emptied = result == 0 or any(result == o for o in others)
            if emptied and _safe(function, with_exact) != result:
                notes.append({"code": "trivial_zero" if mine[k] == 0 else "trivial_one",
                              "name": c.program.names[p]})
        return notes

    def mistakes(self, i: int, value: Fraction, places: int) -> list[dict]:
        """Named mistakes that reproduce the claimed figure, the likeliest first: at this
        step from the person's inputs, at this step from exact inputs, then upstream."""
        c = self.c
        exact = c.exact[i]
        unit = Fraction(1, 10**places)
        candidates = []
        for code, function, parents in c.mistaken.get(i, []):
            found = _safe(function, [self.value(p, 1) for p in parents])
            if found is not None:
                candidates.append((code, "own", found, _float(found)))
        candidates += c.fixed_candidates[i]
        close, near = [], []
        claimed, reach = float(value), 1.5 * float(unit)
        for code, inputs, candidate, approximate in candidates:
            if not abs(approximate - claimed) <= reach:  # far off (or not finite)
                continue
            if rounded(candidate, places) == value or rounded(candidate, places, True) == value:
                close.append((code, inputs, candidate))
            elif abs(to_fraction(candidate) - value) <= unit and \
                    abs(to_fraction(candidate) - to_fraction(exact)) > unit:
                near.append((code, inputs, candidate))
        out, named = [], set()
        for code, inputs, candidate in close + near:
            if code not in named:
                named.add(code)
                out.append({"code": code, "inputs": inputs,
                            "value": text(candidate, places + 1)})
        return out


# entry points and views ----------------------------------------------------------------
def check_files(spec_path, answers_path=None, options: list[str] = (),
                max_parameters: int | None = None) -> Report:
    """Read a spec, an answers file and ``--claim`` options; check them together.
    ``max_parameters``: the limit for ``spec.load`` (None: its default)."""
    from .spec import load

    problem = load(spec_path, max_parameters)
    raw = claim_text.read_answers(answers_path) if answers_path else []
    raw += [claim_text.from_option(option) for option in options]
    if not raw:
        raise SpecError("answers", "an answers file or at least one --claim", "neither")
    return Checker(problem).check(raw, str(answers_path or ""))


def table(report: Report) -> str:
    from .render import render

    data = report.to_dict()
    width = max([len(c["name"]) for c in data["claims"]] + [8])
    return render("check.txt.j2", {**data, "width": width}, latex=False)


def marked_sheet(report: Report, destination, force: bool = False):
    """The marked PDF sheet, from the same verdict data as the JSON."""
    from pathlib import Path

    from .errors import OutputError
    from .render import render
    from .tex import build_pdf

    destination = Path(destination)
    if destination.exists() and not force:
        raise OutputError(f"{destination}: exists already (use --force to replace it)")
    return build_pdf(render("check.tex.j2", report.to_dict(), latex=True), destination)
