"""One answer sheet checked against a prepared Checker: the claims, the two worlds their
recomputations happen in (the reference world of correct and rounding claims, and the
person's own world of every claim), and the walk that gives each claim its verdict.

The sheet's graph is the checker's, extended by the sub-expressions the person wrote
(written.py): node indices from ``n`` on are written sub-expressions, and the formulas
that contain them use them. A sheet without written sub-expressions shares the checker's
lists and copies nothing."""

from __future__ import annotations

import math
from fractions import Fraction

from ..decimals import decimals_in, extreme, leading_place, to_fraction
from ..errors import SpecError
from . import names, shapes, written
from .checker import Checker, _Local
from .claims import RawClaim
from .intervals import _float, cell, point, reachable
from .report import Report, Verdict, rounded, text

SIGNIFICANT = 2  # an unwritten input is never taken as carried to fewer figures than this
CARRIED = 4  # …and is taken as carried to the claim's places or up to 3 more


class Sheet:
    """One answer sheet: its claims, and the two worlds its recomputations happen in."""

    def __init__(self, checker: Checker, raw: list[RawClaim]):
        c = self.c = checker
        self.raw = raw
        self.n = len(c.exact)
        # the sheet's graph: the checker's lists until written sub-expressions extend it
        self.parents, self.functions, self.intervals = c.parents, c.program.functions, \
            c.interval
        self.locals, self.anc, self.names = c.locals, c.ancestors, c.program.names
        self.exact, self.exact_fraction = c.exact, c.exact_fraction
        self.exact_point = c.exact_point
        self.positions: dict[int, tuple] = {}
        self.claimed: dict[int, _Local] = {}  # written sub-expressions, by sheet index
        self.rewritten: set[int] = set()
        self.node_claims: dict[int, tuple[Fraction, int, tuple]] = {}  # i → (value, …)
        self.verdict_of: dict[int, str] = {}
        self.roots_of: dict[int, frozenset] = {}
        self.claimed_mask = 0
        self.admitted_mask = 0  # claims judged correct or rounding
        self._iv = ({}, {})  # reference world, own world
        self._pt = ({}, {})
        self._reach: dict[tuple, bool] = {}

    def position(self, p: int) -> tuple:
        """Topological place of a node of the sheet's graph."""
        return self.positions.get(p) or (p, 0, 0, 0)

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
        if self.admitted(p, own):
            value, places, claimed_cell = self.node_claims[p]
            found = self.exact_point[p] if value == self.exact_fraction[p] else claimed_cell
        elif (self.anc[p] & (self.claimed_mask if own else self.admitted_mask)) == 0 \
                or self.intervals[p] is None or \
                (not own and p < self.n and p in self.node_claims):
            found = self.exact_point[p]
        else:
            found = self.c.interval_at(self.intervals[p],
                                       [self.box_entry(q, own) for q in self.parents[p]])
            if not own:  # the person may also have carried more digits than written
                exact = self.exact_point[p]
                found = (min(found[0], exact[0]), max(found[1], exact[1]))
        memo[p] = found
        return found

    def carried_box(self, p: int, places: int):
        """A parent's box in the reference world, widened for a parent the person did not
        write: they may have carried it rounded to the places they write this claim in,
        or to a few more (seed 004 writes W⁽²⁾₁₁ = 0.7348 after carrying −0.0695 for its
        gradient), but never to fewer than two significant figures (nobody carries
        a⁽¹⁾₁ = 0.6457 as 1 to write ∂L/∂W⁽²⁾₁₁ = −1)."""
        box = self.box_entry(p, 0)
        if p in self.node_claims or self.functions[p] is None:
            return box
        memo = self.c._carried
        found = memo.get((p, places))
        if found is None:  # the same for every sheet: kept by the checker
            exact, found = self.exact[p], self.exact_point[p]
            if exact and not extreme(exact):  # beyond 2^±65,536 nobody carries places
                fewest = max(places, SIGNIFICANT - 1 - leading_place(exact))
                for carried in range(fewest, fewest + CARRIED):
                    low, high = point(rounded(exact, carried))
                    found = (min(found[0], low), max(found[1], high))
            memo[p, places] = found
        return (min(box[0], found[0]), max(box[1], found[1]))

    def value(self, p: int, own: int):
        """A point value: the written number, else recomputed from written inputs."""
        memo = self._pt[own]
        if p in memo:
            return memo[p]
        if self.admitted(p, own):
            found = self.node_claims[p][0]
        elif (self.anc[p] & (self.claimed_mask if own else self.admitted_mask)) == 0 \
                or self.functions[p] is None or \
                (not own and p < self.n and p in self.node_claims):
            found = self.exact[p]
        else:
            found = self.c.evaluate(self.functions[p],
                                    [self.value(q, own) for q in self.parents[p]])
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
        elif (self.anc[p] & self.claimed_mask) == 0:
            found = frozenset()
        else:
            found = frozenset().union(*(self.roots(q) for q in self.parents[p]))
        self.roots_of[p] = found
        return found

    # the walk -------------------------------------------------------------------------
    def run(self, answers: str) -> Report:
        c = self.c
        numbers = [claim for claim in self.raw if claim.kind != "formula"]
        formulas = [claim for claim in self.raw if claim.kind == "formula"]
        arranged, shaped = shapes.arrange(c, numbers)
        # records in the order the claims were written: the final sort by graph order is
        # stable, so claims at the same place keep the order they were written in
        records: dict[int, Verdict] = {}
        pending, expressions, seen = [], [], {}
        for k, (claim, name, notes) in enumerate(arranged):
            if name.replace(" ", "") in c.extra and \
                    c.graph.resolve(name, strict=False) is None:
                records[k] = self.extra(claim)  # a training run's epoch<e>.loss, …
                continue
            kind, target = c.resolve(name)
            if kind in ("unknown", "undefined"):
                records[k] = self.unknown(claim, kind, target)
                continue
            key = target if kind == "node" else target.name
            if key in seen:
                raise SpecError(claim.name, "each quantity claimed once",
                                f"a second claim (first as '{seen[key]}')", claim.where)
            seen[key] = claim.name
            if kind == "node":
                self.node_claims[target] = c.number(claim.text)
                self.claimed_mask |= 1 << target
                pending.append((target, claim, notes, k))
            else:
                expressions.append((target, claim, notes, k))
        if expressions:
            indices = written.extend(self, [(e, claim) for e, claim, _, _ in expressions])
            for v, (_, claim, notes, k) in zip(indices, expressions, strict=True):
                self.node_claims[v] = c.number(claim.text)
                self.claimed_mask |= 1 << v
                pending.append((v, claim, notes, k))
        if expressions:  # a written sub-expression before the claims that use it
            pending.sort(key=lambda item: self.position(item[0]))
        else:
            pending.sort(key=lambda item: item[0])
        for i, claim, notes, k in pending:
            record = self.node(i, claim) if i < self.n else self.expression(i, claim)
            if notes:
                record.notes = notes + record.notes
            records[k] = record
        verdicts = shaped + [records[k] for k in sorted(records)]
        if formulas:
            verdicts += c.formulas.judge_all(formulas)
        verdicts.sort(key=lambda v: v.order)
        if shaped:
            shapes.read_as_transposed(verdicts)
        return Report(c.problem.name, answers, verdicts)

    def unknown(self, claim: RawClaim, kind: str, target) -> Verdict:
        record = Verdict(claim.name, claim.text, "unknown", claim.name, "node", None,
                         claim.where, decimals_in(claim.text), order=math.inf)
        if kind == "undefined":
            record.kind, record.notes = "expression", [{"code": target}]
            return record
        record.suggestion = target
        other = names.after_step_reading(self.c, claim.name)
        if target and other:
            record.notes = [{"code": "after_step", "last": target, "first": other}]
        return record

    def decide(self, i: int, verdict: str) -> None:
        self.verdict_of[i] = verdict
        if verdict in ("correct", "rounding"):
            self.admitted_mask |= 1 << i

    def node(self, i: int, claim: RawClaim) -> Verdict:
        c = self.c
        value, places, _ = self.node_claims[i]
        name = c.program.names[i]
        record = Verdict(claim.name, claim.text, "correct", name, "node", c.symbol(i),
                         claim.where, places, order=i)
        # the fast path: the exactly rounded figure, compared as text
        if claim.text.lstrip("+") == c.correct_text(i, places):
            record.expected = record.claimed
            record.exact = c.correct_text(i, places + 2)
            self.decide(i, "correct")
            return record
        self.judge(record, value, c.exact[i], self.locals[i], ("node", i))
        self.decide(i, record.verdict)
        if record.verdict == "carried":
            self.roots_of[i] = frozenset().union(*(self.roots(q) for q in self.parents[i]))
            record.inherits = [self.names[r] for r in sorted(self.roots_of[i])]
            record.notes += self.trivial(i)
        if record.verdict == "wrong":
            record.mistakes = self.mistakes(i, value, places)
        return record

    def extra(self, claim: RawClaim) -> Verdict:
        """A claim on a value that is no graph node (a training run's epoch<e>.loss):
        correct, within rounding when cut short, or wrong."""
        name = claim.name.replace(" ", "")
        value, places, _ = self.c.number(claim.text)
        record = Verdict(claim.name, claim.text, "correct", name, "run", None, claim.where,
                         places, order=math.inf)
        self.judge(record, value, self.c.extra[name], None, ("extra", name))
        return record

    def expression(self, v: int, claim: RawClaim) -> Verdict:
        e, local = self.claimed[v], self.locals[v]  # as claimed; with written ones in it
        value, places, _ = self.node_claims[v]
        record = Verdict(claim.name, claim.text, "correct", e.name, "expression",
                         self.c.expression_symbol(e), claim.where, places, order=e.order)
        self.judge(record, value, self.exact[v], local, ("expression", e.name))
        self.decide(v, record.verdict)
        if record.verdict == "carried":
            self.roots_of[v] = frozenset().union(*(self.roots(q) for q in local.parents))
            record.inherits = [self.names[r] for r in sorted(self.roots_of[v])]
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
        found = self.fits(local.key, record.claimed, value, places, local, reference,
                          cut == value)
        if found:
            record.verdict = "rounding"
            written_value = self.c.evaluate(exact_fn, [self.value(p, 0) for p in parents])
            record.recomputed = text(written_value, places + 1)
            if found == "truncated":
                record.notes.append({"code": "truncated"})
            if written_value is not None and rounded(written_value, places) != value:
                record.notes.append({"code": "inputs_differ"})
            return
        own = tuple(self.box_entry(p, 1) for p in parents)
        mine = self.c.evaluate(exact_fn, [self.value(p, 1) for p in parents])
        record.recomputed = text(mine, places + 1)
        if own != reference:
            found = self.fits(local.key, record.claimed, value, places, local, own,
                              mine is not None and rounded(mine, places, True) == value)
            if found:
                record.verdict = "carried"
                if found == "truncated":
                    record.notes.append({"code": "truncated"})
                return
        record.verdict = "wrong"
        if mine is not None and text(mine, places) != record.expected:
            record.notes.append({"code": "from_inputs", "value": text(mine, places)})
        if value and -value in (exactly, None if mine is None else rounded(mine, places)):
            record.notes.append({"code": "sign"})

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
        notes = []
        parents = self.parents[i]
        function = self.functions[i]
        mine = [self.value(p, 1) for p in parents]
        result = self.c.evaluate(function, mine)
        if result is None:
            return notes
        for k, p in enumerate(parents):
            if mine[k] is None or not self.roots(p) or mine[k] not in (0, 1):
                continue
            others = [m for j, m in enumerate(mine) if j != k]
            with_exact = list(mine)
            with_exact[k] = self.exact[p]
            emptied = result == 0 or any(result == o for o in others)
            if emptied and self.c.evaluate(function, with_exact) != result:
                notes.append({"code": "trivial_zero" if mine[k] == 0 else "trivial_one",
                              "name": self.names[p]})
        return notes

    def mistakes(self, i: int, value: Fraction, places: int) -> list[dict]:
        """Named mistakes that reproduce the claimed figure, the likeliest first: another
        convention before any slip; at this step from the person's inputs, at this step
        from exact inputs, then upstream (only where the person did not write the
        upstream step down correctly)."""
        c = self.c
        exact = c.exact[i]
        unit = Fraction(1, 10**places)
        candidates = []
        for code, function, parents in c.mistaken.get(i, []):
            found = self.c.evaluate(function, [self.value(p, 1) for p in parents])
            if found is not None:
                candidates.append((code, "own", found, _float(found), None))
        candidates += c.fixed_candidates[i]
        close, near = [], []
        claimed, reach = _float(value), 1.5 * float(unit)
        for code, inputs, candidate, approximate, world in candidates:
            if not abs(approximate - claimed) <= reach:  # far off (or not finite)
                continue
            if world is not None and not self.reaches(world, i, i):
                continue
            if rounded(candidate, places) == value or rounded(candidate, places, True) == value:
                close.append((code, inputs, candidate))
            elif abs(to_fraction(candidate) - value) <= unit and \
                    abs(to_fraction(candidate) - to_fraction(exact)) > unit:
                near.append((code, inputs, candidate))
        out, named = [], set()
        for group in (close, near):
            group.sort(key=lambda entry: not c.convention[entry[0]])
            for code, inputs, candidate in group:
                if code not in named:
                    named.add(code)
                    out.append({"code": code, "inputs": inputs,
                                "value": text(candidate, places + 1)})
        return out

    def reaches(self, world: int, q: int, claim: int) -> bool:
        """Whether a mistake world's error reaches node q from a rewritten node through
        nodes the person did not write, or wrote with the mistaken figure: a step written
        down correctly shows the mistake was not made there."""
        key = (world, q)
        if key in self._reach:
            return self._reach[key]
        self._reach[key] = False  # (a cycle cannot occur; this only guards re-entry)
        code, values, rewritten = self.c.worlds[world]
        mistaken = values[q]
        found = False
        if self.c.changes(world, q):
            written_here = q != claim and q in self.node_claims
            if written_here:
                claimed, places, _ = self.node_claims[q]
                consistent = claimed in (rounded(mistaken, places),
                                         rounded(mistaken, places, True))
            else:
                consistent = True
            if consistent:
                found = q in rewritten or any(self.reaches(world, p, claim)
                                              for p in self.c.parents[q])
        self._reach[key] = found
        return found
