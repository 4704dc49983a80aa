"""Formula claims: what a quantity equals in general (δ⁽¹⁾₁ = W⁽²⁾₁₁ δ⁽²⁾ σ'(z⁽¹⁾₁)), judged
against the graph the way STACK's answer trees judge one question, for every quantity.

    equivalent   the formula equals the quantity for all values of the givens (x, y, the
                 parameters, η). Decided exactly where SymPy can: both sides are
                 composed from the graph's local formulas, first down to the activations
                 and the givens, then (for a formula that writes an activation out) down
                 to the givens, and their difference is 0 as a rational function
                 ("symbolic"; tried while it has at most 60 nodes). Otherwise both sides
                 are evaluated exactly (rationals, or 60-digit floats once an
                 exponential enters) at the problem's numbers and at 4 seeded random
                 rational points ("points").
    equal_here   the same value at this problem's numbers, but not in general; the givens
                 whose change alone breaks the equality are named (seed 004's
                 ∂L/∂W⁽¹⁾₁₂ = 0 holds only because x₂ = 0).
    different    another value here; with the value it gives, the expected value, and the
                 named mistakes whose rewrite of the right formula (at this quantity or at
                 one of its ancestors, or at a whole stage) equals it at every point.
    unknown      a name that is not a quantity, text outside the grammar, a formula with
                 no value here, or a circular one (it uses the quantity itself, or
                 something computed from it).

Random points keep the problem's own constraints: under a cross-entropy whose targets sum
to 1, every drawn target vector sums to 1 (so δ = ŷ − y for softmax is equivalent).
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import mpmath
from sympy import Add, Function, preorder_traversal
from sympy.polys.fields import sfield
from sympy.polys.polyerrors import BasePolynomialError

from ..decimals import decimal_text, places_for
from . import claims as claim_text
from . import names
from .checker import _safe, tree_formula
from .report import Verdict, text

POINTS = 4  # random rational points besides the problem's own numbers
DPS = 60  # digits of the evaluations at the points
SEED = 2024  # the points are the same on every run
RANGE = 2  # givens are drawn from [−RANGE, RANGE] (η from (0, RANGE])
NEAR = 4  # a slip is looked for at the quantity and up to 4 links above it
WORK = 3_000_000  # the most node evaluations spent on naming the givens of an equal_here
CONE = 400  # no symbolic attempt for a quantity with more ancestors than this
SYMBOLIC_SIZE = 60  # largest composed difference (in tree nodes) given to SymPy
#                    (at 60 a decision takes ≈ 10 ms; at 90, seconds)


def _close(a, b, digits: int = 40) -> bool:
    """Equal, exactly for rationals, else to ``digits`` digits (relative to max(1, |·|))."""
    if a is None or b is None:
        return False
    if type(a) is Fraction and type(b) is Fraction:
        return a == b
    a, b = _mpf(a), _mpf(b)
    return abs(a - b) <= mpmath.mpf(10) ** -digits * max(1, abs(a), abs(b))


def _mpf(value):
    if type(value) is Fraction:
        return mpmath.mpf(value.numerator) / value.denominator
    return value


def _small(expr, limit: int) -> bool:
    """Whether ``expr`` has at most ``limit`` nodes (stops counting past the limit)."""
    for count, _ in enumerate(preorder_traversal(expr), 1):
        if count > limit:
            return False
    return True


class Formulas:
    """The formula judge of one Checker: random points, perturbations and mistake worlds,
    computed the first time a formula needs them and kept for the next."""

    def __init__(self, checker):
        self.c = checker
        self._points: list[list] | None = None
        self._perturbed: dict[tuple, list | None] = {}
        self._candidates: dict[int, list] = {}
        self._worlds: dict[tuple, list] = {}
        self._composed: dict[tuple, object] = {}
        self._judged: dict[tuple, tuple] = {}
        self.by_code = {}
        for i, entries in checker.mistaken.items():
            for code, function, parents in entries:
                self.by_code[(code, i)] = (function, parents)
        self.groups = self._target_groups()

    # the problem's givens and constraints -------------------------------------------
    def _target_groups(self) -> list[tuple[int, ...]]:
        """Targets that stay a distribution at every drawn point: under a cross-entropy
        whose targets sum to 1 in every example."""
        c = self.c
        if c.problem.loss != "cross_entropy":
            return []
        by_example: dict = {}
        for g in c.program.givens:
            label = c.graph.nodes[c.program.names[g]].label
            if label.kind == "y":
                by_example.setdefault(label.example, []).append(g)
        groups = [tuple(sorted(members)) for members in by_example.values()]
        if all(sum(c.exact[g] for g in group) == 1 for group in groups):
            return groups
        return []

    def _units(self) -> list[tuple[int, ...]]:
        grouped = {g for group in self.groups for g in group}
        return [(g,) for g in self.c.program.givens if g not in grouped] + self.groups

    def _draw(self, rng: random.Random, unit: tuple[int, ...]) -> list[Fraction]:
        c = self.c
        if unit in self.groups:
            weights = [Fraction(rng.randint(1, 997), 997) for _ in unit]
            return [w / sum(weights) for w in weights]
        (g,) = unit
        if c.program.names[g] == "lr":
            return [Fraction(rng.randint(1, 997 * RANGE), 997)]
        while True:
            value = Fraction(rng.randint(-997 * RANGE, 997 * RANGE), 997)
            if value and value != c.exact[g]:
                return [value]

    def points(self) -> list[list]:
        """Every node's value at POINTS seeded random rational points of the givens."""
        if self._points is None:
            c, rng, found = self.c, random.Random(SEED), []
            position = {g: k for k, g in enumerate(c.program.givens)}
            for _ in range(10 * POINTS):
                if len(found) == POINTS:
                    break
                givens = [None] * len(position)
                for unit in self._units():
                    for g, value in zip(unit, self._draw(rng, unit), strict=True):
                        givens[position[g]] = value
                values = self._run(givens)
                if values is not None:
                    found.append(values)
            self._points = found
        return self._points

    def _run(self, givens: list) -> list | None:
        try:
            with mpmath.workdps(DPS):
                values, _ = self.c.program.run(givens)
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):
            return None
        good = all(type(v) is Fraction or (isinstance(v, mpmath.mpf) and mpmath.isfinite(v))
                   for v in values)
        return values if good else None

    def perturbed(self, unit: tuple[int, ...], needed: list[int]) -> list:
        """The values of the ``needed`` nodes (in graph order) at the problem's numbers with
        one given (or one target vector) drawn anew; other nodes keep their exact value."""
        key = (unit, needed[-1], len(needed))
        if key not in self._perturbed:
            c = self.c
            rng = random.Random(SEED + 1 + unit[0])
            values, seed = list(c.exact), 0
            for g, value in zip(unit, self._draw(rng, unit), strict=True):
                values[g], seed = value, seed | (1 << g)
            with mpmath.workdps(DPS):
                for q in needed:
                    if c.ancestors[q] & seed and c.program.functions[q] is not None:
                        values[q] = _safe(c.program.functions[q],
                                          [values[p] for p in c.parents[q]])
            self._perturbed[key] = values
        return self._perturbed[key]

    # judging ------------------------------------------------------------------------
    def judge_all(self, claims: list) -> list[Verdict]:
        with mpmath.workdps(DPS):
            return [self.judge(claim) for claim in claims]

    def judge(self, claim) -> Verdict:
        c = self.c
        places = c.problem.digits
        record = Verdict(claim.name, claim.text, "unknown", claim.name.replace(" ", ""),
                         "formula", None, claim.where, places, order=math.inf)
        target = c.node_index(claim.name)
        if target is None:
            record.suggestion = names.suggest(c, claim.name)
            other = names.after_step_reading(c, claim.name)
            if record.suggestion and other:
                record.notes = [{"code": "after_step", "last": record.suggestion,
                                 "first": other}]
            return record
        record.name, record.symbol = c.program.names[target], c.symbol(target)
        record.order = target + 0.25
        parsed = c.expression(claim.text, bare=True)
        if parsed[0] != "expression":
            if parsed[0] == "unknown":
                record.suggestion = parsed[1]
                record.notes = [{"code": "formula_unknown"}]
            else:
                record.notes = [{"code": parsed[1]}]
            return record
        tree, canonical = parsed[1], parsed[2]
        formula = tree_formula(tree, {w: c.graph.nodes[n].symbol for w, n in canonical.items()})
        record.formula = claim_text.show(tree, canonical)
        record.formula_symbol = c.printer.doprint(formula)
        parents = tuple(sorted(c.program.index[c.graph.by_symbol[s]]
                               for s in formula.free_symbols))
        for p in parents:
            if p == target or (c.ancestors[p] >> target) & 1:
                record.notes = [{"code": "circular", "name": c.program.names[p]}]
                return record
        key = (target, formula)
        if key not in self._judged:
            self._judged[key] = self._decide(target, formula, parents)
        verdict, value, method, notes, mistakes = self._judged[key]
        record.verdict, record.method = verdict, method
        record.notes, record.mistakes = list(notes), list(mistakes)
        if value is not None:
            shown = places_for(value, places, c.problem.significant)
            record.value = text(value, shown)
            record.expected = text(c.exact[target], places_for(c.exact[target], places,
                                                                c.problem.significant))
        return record

    def _decide(self, target: int, formula, parents: tuple[int, ...]) -> tuple:
        """(verdict, value here, method, notes, mistakes) for target = formula."""
        c = self.c
        try:
            local = c.local(formula, parents, "", 0)
        except ValueError:  # no kit operation for it (cannot happen with this grammar)
            return ("unknown", None, None, [{"code": "formula_unknown"}], [])
        function = local.exact_fn
        box = local.interval_fn(*[c.exact_point[p] for p in parents])
        if not (math.isfinite(box[0]) and math.isfinite(box[1])):
            code = "undefined" if box == (-math.inf, math.inf) else "too_large"
            return ("unknown", None, None, [{"code": code}], [])
        value = _safe(function, [c.exact[p] for p in parents])
        if value is None:
            return ("unknown", None, None, [{"code": "undefined"}], [])
        here = _close(value, c.exact[target], 35)
        agree = [_close(_safe(function, [point[p] for p in parents]), point[target])
                 for point in self.points()]
        if here and all(agree):
            method = "symbolic" if self.symbolic(target, formula) else "points"
            return ("equivalent", value, method, [], [])
        if here:
            return ("equal_here", value, "points", [self._because(target, function, parents)],
                    [])
        return ("different", value, "points", [], self._named(target, function, parents,
                                                             value))

    def _because(self, target: int, function, parents: tuple[int, ...]) -> dict:
        """The givens whose change alone breaks an equality that holds here."""
        c = self.c
        relevant = c.ancestors[target] | (1 << target)
        for p in parents:
            relevant |= c.ancestors[p] | (1 << p)
        needed = [i for i in range(relevant.bit_length()) if (relevant >> i) & 1]
        units = [u for u in self._units() if any((relevant >> g) & 1 for g in u)]
        if len(units) * len(needed) > WORK:
            return {"code": "holds_here"}
        found = []
        for unit in units:
            values = self.perturbed(unit, needed)
            if not _close(_safe(function, [values[p] for p in parents]), values[target]):
                found += [{"name": c.program.names[g], "symbol": c.symbol(g),
                           "value": decimal_text(c.exact[g])} for g in unit]
        return {"code": "holds_because", "givens": found} if found else {"code": "holds_here"}

    # symbolic equivalence -----------------------------------------------------------
    def symbolic(self, target: int, formula) -> bool:
        """Whether formula − target cancels to 0 once both are composed from the graph's
        local formulas down to the givens and the activations (and, for a formula that
        writes an activation out, down to the givens). Only small compositions are given
        to SymPy (its cancel can take minutes on large ones); None of this decides the
        verdict, only how it is reported."""
        c = self.c
        if max(c.ancestors[i].bit_count() for i in (target, *[
                c.program.index[c.graph.by_symbol[s]] for s in formula.free_symbols])) > CONE:
            return False  # composing that much would not fit SYMBOLIC_SIZE anyway
        constraint = {}
        for group in self.groups:
            last, rest = group[-1], group[:-1]
            constraint[c.symbols[last]] = 1 - Add(*[c.symbols[g] for g in rest])
        for deep in (False, True):
            if deep and not formula.atoms(Function):
                break
            left = self.compose(formula, deep)
            right = self.composed(target, deep)
            if left is None or right is None:
                continue
            difference = (left - right).xreplace(constraint)
            if not _small(difference, SYMBOLIC_SIZE):
                continue
            try:  # the difference as one element of a field of rational functions
                if sfield(difference)[1] == 0:
                    return True
            except (BasePolynomialError, ValueError, TypeError, RecursionError):
                continue  # SymPy cannot hold it as a rational function: points decide
        return False

    def compose(self, formula, deep: bool):
        c, swap = self.c, {}
        for s in formula.free_symbols:
            found = self.composed(c.program.index[c.graph.by_symbol[s]], deep)
            if found is None:
                return None
            swap[s] = found
        return formula.xreplace(swap)

    def composed(self, i: int, deep: bool):
        """Node i composed from its ancestors' local formulas (down to the givens, or, not
        ``deep``, down to the givens and the activations); None when too large."""
        key = (i, deep)
        if key in self._composed:
            return self._composed[key]
        c = self.c
        node = c.graph.nodes[c.program.names[i]]
        if node.formula is None or (not deep and not node.formula.is_rational_function(
                *[c.symbols[p] for p in c.parents[i]])):
            found = node.symbol
        else:
            found = self.compose(node.formula, deep)
            if found is not None and not _small(found, SYMBOLIC_SIZE):
                found = None
        self._composed[key] = found
        return found

    # named mistakes -----------------------------------------------------------------
    def _named(self, target: int, function, parents, value) -> list[dict]:
        """Mistakes whose rewrite of the right formula equals the formula at the problem's
        numbers and at every random point: another convention first, then at the quantity
        itself, then nearer ancestors, then whole stages."""
        c = self.c
        matches = []
        for code, group, mistaken in self.candidates(target):
            if not _close(mistaken, value, 25):
                continue
            if all(_close(self.world(k, target, code, group)[target],
                          _safe(function, [point[p] for p in parents]))
                   for k, point in enumerate(self.points())):
                matches.append((code, group))
        matches.sort(key=lambda m: (not c.convention[m[0]], len(m[1]) > 1,
                                    -max(m[1])))
        out, named = [], set()
        for code, group in matches:
            if code not in named:
                named.add(code)
                out.append({"code": code, "at": [c.program.names[r] for r in group],
                            "symbol": c.symbol(group[0]) if len(group) == 1 else None})
        return out

    def _near(self, target: int) -> list[int]:
        """The target and its ancestors up to NEAR links above it, where a single slip
        is looked for (a slip further up is found by the whole-stage worlds)."""
        level, seen = [target], {target}
        for _ in range(NEAR):
            level = [p for q in level for p in self.c.parents[q] if p not in seen]
            seen.update(level)
        return sorted(seen)

    def _cone(self, target: int) -> list[int]:
        mask = self.c.ancestors[target] | (1 << target)
        return [i for i in range(target + 1) if (mask >> i) & 1]

    def candidates(self, target: int) -> list[tuple]:
        """(code, rewritten nodes, the target's value) for every single-node rewrite at
        the target or an ancestor, and every whole-stage world that changes the target."""
        if target not in self._candidates:
            c, out = self.c, []
            cone = self._cone(target)
            with mpmath.workdps(DPS):
                for r in self._near(target):
                    for code, function, parents in c.mistaken.get(r, []):
                        values = self.propagate(c.exact, {r: (function, parents)}, cone)
                        out.append((code, (r,), values[target]))
            for code, values, group in c.worlds:
                inside = tuple(sorted(r for r in group if r in set(cone)))
                if len(inside) > 1 and values[target] is not None:
                    out.append((code, inside, values[target]))
            self._candidates[target] = out
        return self._candidates[target]

    def world(self, k: int, target: int, code: str, group: tuple[int, ...]) -> list:
        key = (k, target, code, group)
        if key not in self._worlds:
            rewritten = {r: self.by_code[(code, r)] for r in group}
            self._worlds[key] = self.propagate(self.points()[k], rewritten,
                                               self._cone(target))
        return self._worlds[key]

    def propagate(self, base: list, rewritten: dict, cone: list[int]) -> list:
        """``base`` with the nodes in ``rewritten`` on their mistaken formula and every node
        of ``cone`` downstream of them recomputed (in dependency order: a mistaken
        formula may read a node that comes later in the graph)."""
        c = self.c
        seed = 0
        for r in rewritten:
            seed |= 1 << r
        todo = [q for q in cone if q in rewritten or c.ancestors[q] & seed]
        waiting = set(todo)
        values = list(base)
        while todo:
            later = []
            for q in todo:
                function, parents = rewritten.get(q) or (c.program.functions[q],
                                                         c.parents[q])
                if any(p in waiting and p != q for p in parents):
                    later.append(q)
                    continue
                values[q] = _safe(function, [values[p] for p in parents])
                waiting.discard(q)
            if len(later) == len(todo):
                break
            todo = later
        return values
