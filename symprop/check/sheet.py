"""One answer sheet checked against a prepared Checker: the claims, the two worlds their
recomputations happen in (the reference world of correct and rounding claims, and the
person's own world of every claim), and the walk that gives each claim its verdict."""

from __future__ import annotations

import math
from fractions import Fraction

from ..decimals import decimals_in, to_fraction
from ..errors import SpecError
from .checker import Checker, _Local, _safe
from .claims import RawClaim
from .intervals import _float, cell, reachable
from .report import Report, Verdict, rounded, text


class Sheet:
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
            if claim.name.replace(" ", "") in c.extra and \
                    c.graph.resolve(claim.name, strict=False) is None:
                verdicts.append(self.extra(claim))
                continue
            kind, target = c.resolve(claim.name)
            if kind in ("unknown", "undefined"):
                record = Verdict(claim.name, claim.text, "unknown", claim.name, "node", None,
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
        record = Verdict(claim.name, claim.text, "correct", name, "node", c.symbol(i),
                         claim.where, places, order=i)
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

    def extra(self, claim: RawClaim) -> Verdict:
        """A claim on a value that is no graph node (a training run's epoch<e>.loss):
        correct, within rounding when cut short, or wrong."""
        name = claim.name.replace(" ", "")
        value, places, _ = self.c.number(claim.text)
        record = Verdict(claim.name, claim.text, "correct", name, "run", None, claim.where,
                         places, order=math.inf)
        self.judge(record, value, self.c.extra[name], None, ("extra", name))
        return record

    def expression(self, e: _Local, claim: RawClaim) -> Verdict:
        value, places, _ = self.c.number(claim.text)
        record = Verdict(claim.name, claim.text, "correct", e.name, "expression",
                         self.c.expression_symbol(e), claim.where, places, order=e.order)
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
