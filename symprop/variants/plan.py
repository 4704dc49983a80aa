"""Seeded exam variants: the same graph, evaluated again with new numbers.

The graph is built and compiled once per spec. A variant is one draw of the varied givens
on their grids (exact Fractions), kept only if it passes the sanity rules; each draw costs
one walk of the compiled program, never a derivation. Randomness is an input:

    children = SeedSequence(seed).spawn(count)     # variant k uses children[k − 1], i.e.
    rng_k = default_rng(children[k − 1])            #   SeedSequence(seed, spawn_key=(k − 1,))
    draw  = rng_k.integers(0, sizes)                # one grid index per varied given,
                                                    #   in the graph's order of givens
Variant k is the ``draw``-th candidate of rng_k; it is the first candidate that passes the
rules and repeats no earlier variant. The manifest records ``draw``, so variant k can be
reproduced alone. Rules, in the order they are tried (the first that fails is counted):

    undefined        a value is not finite (log 0, division by 0)
    nice             a value has more than ``nice.decimals`` decimals (exact check)
    relu_zero        a ReLU / leaky ReLU pre-activation is exactly 0
    preactivation    a pre-activation lies outside the stated range
    zero_gradient    a gradient is exactly 0 (unless allowed, or zero by construction)
    loss_decrease    a step after which the loss does not decrease
    leak             the question would show an asked value (a table entry e^t whose t or
                     value, read as any factor·z, rounds to an asked quantity's answer)
    duplicate        the varied givens equal an earlier variant's
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import mpmath
import numpy as np

from ..activations import ACTIVATIONS
from ..decimals import decimal_text, fixed_text, ratio, rounded, to_fraction
from ..derive import build
from ..errors import EvaluationError, LimitError
from ..evaluate import STABLE_DIGITS, Program, evaluate, fast_kit
from ..spec import Problem
from .rules import RULE_FIELDS, RULES, read_rules

if TYPE_CHECKING:
    from .views import Views

SCREEN_BITS = 200  # ≈ 60 digits for the screening walk; a kept draw with irrational values
CHECK_BITS = 100  # is walked again 100 bits (30 digits) finer, and the two must agree

@dataclass
class Variant:
    """One accepted draw: its seed, which candidate it was, and every node's exact value."""

    number: int
    spawn_key: tuple[int, ...]
    draw: int  # the accepted candidate of this variant's generator, counted from 1
    givens: list  # in program.givens order
    values: list  # every node, in program.names order
    state: dict = field(default=None, repr=False)  # the generator after this draw

    def __reduce__(self):
        """Compact pickling (from forked workers): numbers as integer pairs and raw mpf
        tuples; a Fraction pickled as itself is parsed back from its text, slowly."""
        return _unpickle_variant, (self.number, self.spawn_key, self.draw,
                                   _pack(self.givens), _pack(self.values), self.state)


def _pack(values: list) -> list:
    """Fraction → (p, q); mpf → its raw 4-tuple; anything else → (itself,)."""
    return [(v.numerator, v.denominator) if type(v) is Fraction else
            v._mpf_ if type(v) is mpmath.mpf else (v,) for v in values]


def _unpack(packed: list) -> list:
    make = mpmath.mp.make_mpf
    return [Fraction(*v) if len(v) == 2 else make(v) if len(v) == 4 else v[0]
            for v in packed]


def _unpickle_variant(number, spawn_key, draw, givens, values, state) -> Variant:
    return Variant(number, spawn_key, draw, _unpack(givens), _unpack(values), state)


@dataclass
class Tally:
    """Rejected draws per rule, and the node that broke the rule most often."""

    rules: Counter = field(default_factory=Counter)
    nodes: Counter = field(default_factory=Counter)

    def add(self, rule: str, node: str | None) -> None:
        self.rules[rule] += 1
        if node:
            self.nodes[(rule, node)] += 1

    def merge(self, other: Tally) -> None:
        self.rules.update(other.rules)
        self.nodes.update(other.nodes)

    def to_dict(self) -> dict:
        return {rule: self.rules[rule] for rule in RULES if self.rules[rule]}

    def worst(self) -> tuple[str, int, str | None]:
        rule, count = max(self.rules.items(), key=lambda item: (item[1], -RULES.index(item[0])))
        nodes = [(c, n) for (r, n), c in self.nodes.items() if r == rule]
        return rule, count, max(nodes)[1] if nodes else None


class Plan:
    """Everything prepared once per spec: the graph, its compiled program, the rules, and
    the node positions each rule looks at."""

    def __init__(self, problem: Problem, max_tries: int | None = None):
        self.problem = problem
        self.graph = build(problem)
        self.program = Program(self.graph)
        self.screen = Program(self.graph, fast_kit(SCREEN_BITS))  # same formulas
        self.check = Program(self.graph, fast_kit(SCREEN_BITS + CHECK_BITS))
        self.rules = read_rules(problem, self.graph, max_tries)
        self.base = self.program.given_values(problem)
        names, index = self.program.names, self.program.index
        position = {names[i]: k for k, i in enumerate(self.program.givens)}
        self.slots = [(position[name], grid.values) for name, grid in self.rules.vary.items()]
        self.target_groups = self._target_groups(position)
        self.sizes = np.array([len(values) for _, values in self.slots], dtype=np.int64)
        zs = [n for n in self.graph if n.label.kind == "z"]
        self.relu_z = [index[n.name] for n in zs
                       if ACTIVATIONS[problem.layers[n.label.layer].activation].kinked]
        self.all_z = [index[n.name] for n in zs]
        self.kinks: list = []  # a computation graph's ReLU at 0, max/min at a tie, |u| at 0
        if self.graph.kind == "circuit":
            from ..circuit import kink_tests
            self.kinks = kink_tests(self.graph, self.program)
        self.gradients = [index[n.name] for n in self.graph.stage("gradient")
                          if n.label.example is None and n.name not in self.rules.allowed_zero]
        self.loss_pairs = self._loss_pairs()
        self.asked = [index[name] for name in self.rules.ask]
        self.exponent_nodes = self._exponent_nodes()
        self.readings = sorted({Fraction(1), Fraction(-1)} |  # how a student may read t = f·z
                               {Fraction(f) for _, f in self.exponent_nodes})
        self.exponential_rows: dict[int, tuple] = {}  # e^{argument}, computed once
        self.tolerance_texts = {name: decimal_text(t) for name, t in
                                self.rules.tolerance.items()}
        self.given_texts = {v: decimal_text(v) for v in self.base}
        for _, values in self.slots:
            self.given_texts.update((v, decimal_text(v)) for v in values)

    def _loss_pairs(self) -> list[tuple[int, int]]:
        """(loss before step s, loss after it) for every step, when there is a step."""
        problem, resolve = self.problem, self.graph.resolve
        if problem.learning_rate is None:
            return []
        pairs = []
        for step in range(1, problem.steps + 1):
            before = "loss" if step == 1 else f"step{step}.loss"
            after = f"step{step + 1}.loss" if step < problem.steps else (
                "next.loss" if step == 1 else f"step{step}.next.loss")
            pairs.append((self.program.index[resolve(before)],
                          self.program.index[resolve(after)]))
        return pairs

    def _target_groups(self, position: dict) -> list[list[tuple[int, str]]]:
        """(given position, name) of each example's targets where they must form a
        distribution (softmax with cross-entropy) and some of them vary."""
        problem = self.problem
        if problem.kind == "circuit" or problem.loss != "cross_entropy" or \
                problem.layers[-1].activation != "softmax":
            return []
        varied = {k for k, _ in self.slots}
        groups: dict = {}
        for node in self.graph:
            if node.formula is None and node.label.kind == "y":
                groups.setdefault(node.label.example, []).append((position[node.name],
                                                                  node.name))
        return [group for group in groups.values() if any(k in varied for k, _ in group)]

    def _exponent_nodes(self) -> list[tuple[int, int]]:
        """(z node, factor) for each exponential e^{factor·z} the asked quantities need."""
        needed, stack = set(), list(self.rules.ask)
        while stack:
            name = stack.pop()
            if name not in needed:
                needed.add(name)
                stack.extend(self.graph.nodes[name].parents)
        out = []
        for node in self.graph:
            if node.name not in needed or node.label.kind != "z":
                continue
            factor = ACTIVATIONS[self.problem.layers[node.label.layer].activation].exponent
            if factor is not None:  # a = f(z) by hand needs e^{factor · z}
                out.append((self.program.index[node.name], factor))
        return out

    # drawing -------------------------------------------------------------------------------
    def distinct_draws(self) -> int:
        total = 1
        for size in self.sizes.tolist():
            total *= size
        return total

    def candidate(self, rng: np.random.Generator) -> list:
        """The givens with every varied one replaced by a grid value drawn with ``rng``."""
        givens = list(self.base)
        if self.slots:
            for (position, values), pick in zip(self.slots, rng.integers(0, self.sizes).tolist(),
                                                strict=True):
                givens[position] = values[pick]
        return givens

    def judge(self, givens: list) -> tuple[str | None, str | None, list | None]:
        """(rule broken, node that broke it, values); the rule is None for a good draw."""
        names = self.program.names
        for group in self.target_groups:
            if sum(givens[k] for k, _ in group) != 1:
                return "targets", group[0][1], None
        try:
            values = _walk(self.screen, givens)
        except (ArithmeticError, ValueError):
            return "undefined", None, None
        for i, value in enumerate(values):
            if not _finite(value):
                return "undefined", names[i], None
        if self.rules.nice is not None:
            scale = 10 ** self.rules.nice
            for i, value in enumerate(values):  # (v · 10^d).denominator == 1, exactly
                if type(value) is not Fraction or (value * scale).denominator != 1:
                    return "nice", names[i], None
        for i in self.relu_z:
            if values[i] == 0:
                return "relu_zero", names[i], None
        for i, test in self.kinks:
            if test(values):
                return "relu_zero", names[i], None
        if self.rules.preactivation is not None:
            low, high = self.rules.preactivation
            for i in self.all_z:
                if not low <= _fraction(values[i]) <= high:
                    return "preactivation", names[i], None
        for i in self.gradients:
            if values[i] == 0:
                return "zero_gradient", names[i], None
        for before, after in self.loss_pairs:
            if not _fraction(values[after]) < _fraction(values[before]):
                return "loss_decrease", names[after], None
        leaked = self.leak(values)
        if leaked is not None:
            return "leak", leaked, None
        return None, None, values

    # what a question shows besides its givens ---------------------------------------------
    def exponential_table(self, values: list) -> list[dict]:
        """The "values you may use" (``exponentials: table``): e^{t} for each exponential
        the asked quantities need, t = factor·z as a student has it (rounded to the key's
        decimals), e^{t} rounded likewise; each argument once. Empty for 'calculator'."""
        return [row for _, _, row in self._table(values)]

    def _table(self, values: list) -> list[tuple[int, int, dict]]:
        """(t, e^t rounded, the row) of each exponential, t and e^t in units of the key's
        last place (integers: this runs for every candidate that passes the other rules)."""
        if self.rules.exponentials != "table":
            return []
        decimals, seen, out = self.rules.decimals, set(), []
        for index, factor in self.exponent_nodes:
            numerator, denominator = ratio(values[index])
            argument = rounded(numerator * factor, denominator, decimals)
            if argument in seen:
                continue
            seen.add(argument)
            found = self.exponential_rows.get(argument)
            if found is None:
                found = self.exponential_rows[argument] = self._row(argument)
            out.append(found)
        return out

    def _row(self, argument: int) -> tuple[int, int, dict]:
        """e^t for t = ``argument`` units of the key's last place, rounded likewise."""
        decimals = self.rules.decimals
        exact = Fraction(argument, 10**decimals)
        with mpmath.workdps(40):
            value = mpmath.exp(mpmath.mpf(exact.numerator) / exact.denominator)
        return (argument, rounded(*ratio(value), decimals),
                {"argument": decimal_text(exact), "value": fixed_text(value, decimals)})

    def leak(self, values: list) -> str | None:
        """The first asked quantity whose answer (rounded to the key's decimals) the
        question's table shows: as an argument t, as t read as any factor·z, or as a value
        e^t. None when the question shows none (the givens are the problem itself). An
        answer of 0 is not read off e^0 = 1: zero gradients by construction are common,
        and a zero z, the one quantity e^0 would show, is never asked with a table."""
        table = self._table(values)
        if not table:
            return None
        decimals, shown = self.rules.decimals, set()
        for argument, value, _ in table:  # in units of the key's last place
            shown.add(value)
            shown.update(rounded(argument * f.denominator, f.numerator, 0)  # t / f
                         for f in self.readings)
        for i in self.asked:
            answer = rounded(*ratio(values[i]), decimals)
            if answer and answer in shown:
                return self.program.names[i]
        return None

    def search(self, number: int, seed: np.random.SeedSequence, taken: set, tally: Tally,
               rng: np.random.Generator | None = None, start: int = 1) -> Variant:
        """The first candidate of this variant's generator (from candidate ``start``) that
        passes every rule and is not in ``taken``. A candidate is judged before it is
        compared with earlier variants, so the counts do not depend on the order of work."""
        rng = rng if rng is not None else np.random.default_rng(seed)
        positions = [position for position, _ in self.slots]
        own = Tally()
        for draw in range(start, self.rules.max_tries + 1):
            givens = self.candidate(rng)
            rule, node, values = self.judge(givens)
            if rule is None and tuple(givens[p] for p in positions) in taken:
                rule = "duplicate"
            if rule is None and not all(type(v) is Fraction for v in values):
                values = self.confirm(givens, values)
                rule = "undefined" if values is None else None
            if rule is not None:
                own.add(rule, node)
                continue
            tally.merge(own)
            return Variant(number, tuple(seed.spawn_key), draw, givens, values,
                           rng.bit_generator.state)
        tally.merge(own)
        rule, count, node = own.worst()
        where = f" (most often {node})" if node else ""
        raise LimitError(
            f"variant {number}: no draw passed the rules in {self.rules.max_tries:,} tries; "
            f"the rule '{rule}' rejected the most ({count:,}){where}: loosen "
            f"{RULE_FIELDS[rule]} in the spec, or raise --max-tries")

    def confirm(self, givens: list, screened: list) -> list | None:
        """Irrational values, confirmed: one more walk at a higher precision must agree
        with the screening walk, else the self-checking ``evaluate`` decides."""
        try:
            values = _walk(self.check, givens)
        except (ArithmeticError, ValueError):
            return None
        if _agree(screened, values):
            return values
        try:
            return evaluate(self.program, givens).list
        except EvaluationError:
            return None

    def generate(self, count: int, seed: int, progress=None, jobs: int = 1,
                 views: Views | None = None) -> tuple[list, Tally]:
        """``count`` variants from base ``seed``; ``progress(1)`` after each one. With
        ``views``, each is also rendered (returns Rendered records). ``jobs`` > 1 draws in
        forked processes; the result is the same for any ``jobs``."""
        from .run import found_variants
        from .views import Rendered, render

        distinct = self.distinct_draws()
        if distinct < count:
            raise LimitError(f"variants.vary: the grids allow {distinct:,} different draws, "
                             f"fewer than the {count:,} variants asked for (-n)")
        children = np.random.SeedSequence(seed).spawn(count)
        taken: set = set()
        tally = Tally()
        out = []
        positions = [position for position, _ in self.slots]
        for found in found_variants(self, views, children, jobs):
            variant = found.variant if isinstance(found, Rendered) else found
            if isinstance(found, Tally):  # a worker's counts for the variant that follows
                tally.merge(found)
                continue
            if tuple(variant.givens[p] for p in positions) in taken:  # rare: draw on
                rng = np.random.default_rng(children[variant.number - 1])
                rng.bit_generator.state = variant.state
                tally.add("duplicate", None)
                variant = self.search(variant.number, children[variant.number - 1], taken,
                                      tally, rng, variant.draw + 1)
                found = render(self, views, variant) if views is not None else variant
            taken.add(tuple(variant.givens[p] for p in positions))
            out.append(found)
            if progress is not None:
                progress(1)
        return out, tally

    def problem_of(self, variant: Variant) -> Problem:
        """The variant as a Problem (for the NumPy reference and the naive path)."""
        from dataclasses import replace

        from ..spec import Example

        given = dict(zip((self.program.names[i] for i in self.program.givens), variant.givens,
                         strict=True))
        batch = len(self.problem.data) > 1
        data = []
        for n, example in enumerate(self.problem.data, 1):
            prefix = f"ex{n}." if batch else ""
            data.append(Example(
                tuple(given[f"{prefix}x[{i}]"] for i in range(1, len(example.x) + 1)),
                tuple(given[f"{prefix}y[{k}]"] for k in range(1, len(example.y) + 1))))
        problem = self.problem.with_values(
            parameters={e: given[e] for e in self.problem.entries()}, data=data)
        if problem.learning_rate is not None:
            problem = replace(problem, learning_rate=given["lr"])
        return problem


def _fraction(value) -> Fraction:
    """A value as an exact Fraction for comparisons (mpf → its exact binary value)."""
    return value if type(value) is Fraction else to_fraction(value)


def _walk(program: Program, givens: list) -> list:
    """Every node's value from a fast-kit program, raw binary floats wrapped as mpf."""
    values, _ = program.run(givens)
    make = mpmath.mp.make_mpf
    return [v if type(v) is Fraction else make(v) for v in values]


def _agree(first: list, second: list) -> bool:
    """The screening walk and the one CHECK_BITS finer agree to STABLE_DIGITS (as
    ``evaluate`` demands of two precisions before it trusts one):
    |a − b| ≤ 10^−STABLE_DIGITS · |b| + 2^−(SCREEN_BITS − 34), compared on mpmath's raw
    binary values (the difference is exact before it is rounded to 53 bits)."""
    from mpmath.libmp import from_rational, mpf_abs, mpf_add, mpf_cmp, mpf_mul, mpf_sub

    relative = from_rational(1, 10**STABLE_DIGITS, 53, "n")
    floor = (0, 1, -(SCREEN_BITS - 34), 1)
    for a, b in zip(first, second, strict=True):
        if type(a) is Fraction and type(b) is Fraction:
            continue
        if type(a) is Fraction or type(b) is Fraction or not (_finite(a) and _finite(b)):
            return False
        gap = mpf_abs(mpf_sub(a._mpf_, b._mpf_, 53, "n"))
        if mpf_cmp(gap, mpf_add(mpf_mul(relative, mpf_abs(b._mpf_), 53, "n"), floor, 53,
                                "n")) > 0:
            return False
    return True


def _finite(value) -> bool:
    """A Fraction, or an mpf that is neither infinite nor NaN (their raw mantissa is 0)."""
    if type(value) is Fraction:
        return True
    raw = value._mpf_
    return raw[1] != 0 or raw == (0, 0, 0, 0)
