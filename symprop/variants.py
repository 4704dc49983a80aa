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
    duplicate        the varied givens equal an earlier variant's
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np

from .activations import KINKED
from .decimals import decimal_text, fixed_text, round_half_up, to_fraction
from .derive import build, entry_label
from .errors import EvaluationError, LimitError
from .evaluate import STABLE_DIGITS, Program, evaluate, fast_kit
from .rules import RULE_FIELDS, RULES, read_rules
from .spec import Problem

SCREEN_BITS = 200  # ≈ 60 digits for the screening walk; a kept draw with irrational values
CHECK_BITS = 100  # is walked again 100 bits (30 digits) finer, and the two must agree
# e^{factor · z} a student needs for a = f(z): σ(z) = 1/(1 + e^{−z}), tanh z = (1 − e^{−2z})/
# (1 + e^{−2z}), softmax a_i = e^{z_i}/Σ_k e^{z_k}
EXPONENT_FACTORS = {"sigmoid": -1, "tanh": -2, "softmax": 1}

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
        layers = problem.layers
        zs = [n for n in self.graph if n.label.kind == "z"]
        self.relu_z = [index[n.name] for n in zs if layers[n.label.layer].activation in KINKED]
        self.all_z = [index[n.name] for n in zs]
        self.gradients = [index[n.name] for n in self.graph.stage("gradient")
                          if n.label.example is None and n.name not in self.rules.allowed_zero]
        self.loss_pairs = self._loss_pairs()
        self.asked = [index[name] for name in self.rules.ask]
        self.exponent_nodes = self._exponent_nodes()
        self.exponential_rows: dict[Fraction, dict] = {}  # e^{argument}, computed once
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
        if problem.loss != "cross_entropy" or problem.layers[-1].activation != "softmax":
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
            activation = self.problem.layers[node.label.layer].activation \
                if node.label.kind == "z" else None
            if node.name in needed and activation in EXPONENT_FACTORS:
                out.append((self.program.index[node.name], EXPONENT_FACTORS[activation]))
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
        return None, None, values

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
        distinct = self.distinct_draws()
        if distinct < count:
            raise LimitError(f"variants.vary: the grids allow {distinct:,} different draws, "
                             f"fewer than the {count:,} variants asked for (-n)")
        children = np.random.SeedSequence(seed).spawn(count)
        taken: set = set()
        tally = Tally()
        out = []
        positions = [position for position, _ in self.slots]
        for found in _found(self, views, children, jobs):
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

        from .spec import Example

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


# numbers as text ---------------------------------------------------------------------------
def exponentials(plan: Plan, variant: Variant) -> list[dict]:
    """The "values you may use" table: e^{argument} for each exponential the asked
    quantities need, the argument as a student sees it (rounded to the key's decimals)."""
    decimals, seen, out = plan.rules.decimals, set(), []
    for index, factor in plan.exponent_nodes:
        argument = round_half_up(_fraction(variant.values[index]) * factor, decimals)
        if argument in seen:
            continue
        seen.add(argument)
        row = plan.exponential_rows.get(argument)
        if row is None:
            with mpmath.workdps(40):
                value = mpmath.exp(mpmath.mpf(argument.numerator) / argument.denominator)
            row = plan.exponential_rows[argument] = {
                "argument": decimal_text(argument), "value": fixed_text(value, decimals)}
        out.append(row)
    return out


def key_of(plan: Plan, variant: Variant) -> dict:
    """The answer key of one variant: every asked quantity, rounded and exact."""
    rules, names = plan.rules, plan.program.names
    answers = []
    for i in plan.asked:
        value = variant.values[i]
        answers.append({
            "name": names[i],
            "value": fixed_text(value, rules.decimals),
            "tolerance": plan.tolerance_texts[names[i]],
            "exact": (str(value) if value.denominator != 1 else str(value.numerator))
            if type(value) is Fraction else None,
            "float": float(value),
        })
    texts = plan.given_texts
    given = [{"name": names[i], "value": texts.get(v) or decimal_text(v)}
             for v, i in zip(variant.givens, plan.program.givens, strict=True)]
    return {"variant": variant.number, "spawn_key": list(variant.spawn_key),
            "draw": variant.draw, "decimals": rules.decimals, "givens": given,
            "answers": answers}


# views ---------------------------------------------------------------------------------------
def symbol(label) -> dict:
    """A node's label as plain data; the templates turn it into notation."""
    out = {"kind": label.kind, "layer": label.layer, "index": list(label.index),
           "example": label.example, "step": label.step, "after": label.after}
    if label.target:
        target = entry_label(label.target)
        out["target"] = {"kind": target.kind, "layer": target.layer,
                         "index": list(target.index)}
    return out


class Views:
    """The templates and everything about the graph that no draw changes, prepared once;
    each variant's question, solution, key and Moodle question are fill-ins from the same
    exact values."""

    def __init__(self, plan: Plan, user_templates=None):
        from .moodle import add_filters, cloze_escape
        from .render import environment
        from .sheets import SheetRenderer

        self.plan = plan
        env = environment(user_templates)
        add_filters(env)
        self.env = env
        self.templates = {name: _template(env, name) for name in (
            "question.tex.j2", "variants-document.tex.j2", "variants-solution.tex.j2",
            "moodle.xml.j2")}
        graph, problem = plan.graph, plan.problem
        self.sheet = SheetRenderer(graph, user_templates)  # prepared once per graph
        self.packages = list(dict.fromkeys(("amsmath", "amssymb", "booktabs",
                                            *SheetRenderer.PREAMBLE_PACKAGES)))
        notation = env.get_template("variants-symbols.j2").module
        self.tex = {name: str(notation.sym(symbol(node.label)))  # once per graph
                    for name, node in graph.nodes.items()}
        self.tex_cloze = {name: cloze_escape(tex) for name, tex in self.tex.items()}
        self.static = {
            "problem": {"name": problem.name, "description": problem.description},
            "layers": [{"units": l.units, "activation": l.activation, "bias": l.bias,
                        "alpha": decimal_text(l.alpha)} for l in problem.layers],
            "loss": problem.loss, "reduction": problem.reduction, "steps": problem.steps,
            "frozen": [self.tex[e] for e in problem.entries() if e in problem.frozen],
            "decimals": plan.rules.decimals,
        }
        self.width = 3

    def label(self, number: int) -> str:
        return str(number).zfill(self.width)

    def context(self, variant: Variant, key: dict) -> dict:
        """What a question shows: the variant's givens, what to compute, the exponentials."""
        plan, problem = self.plan, self.plan.problem
        given = {item["name"]: item["value"] for item in key["givens"]}
        parameters = []
        for layer in range(1, len(problem.layers)):
            rows, cols = problem.layers[layer].units, problem.layers[layer - 1].units
            parameters.append({
                "layer": layer,
                "weights": [[given[f"W{layer}[{i},{j}]"] for j in range(1, cols + 1)]
                            for i in range(1, rows + 1)],
                "biases": [given[e] for e in problem.bias_entries(layer)]})
        batch = len(problem.data) > 1
        examples = []
        for n, example in enumerate(problem.data, 1):
            prefix = f"ex{n}." if batch else ""
            examples.append({
                "x": [given[f"{prefix}x[{i}]"] for i in range(1, len(example.x) + 1)],
                "y": [given[f"{prefix}y[{k}]"] for k in range(1, len(example.y) + 1)]})
        label = self.label(variant.number)
        values = dict(zip(plan.program.names, variant.values, strict=True))
        answers = [{**answer, "tex": self.tex[answer["name"]],
                    "tex_cloze": self.tex_cloze[answer["name"]]}
                   for answer in key["answers"]]
        return {**self.static, "parameters": parameters, "examples": examples,
                "lr": given.get("lr"), "exponentials": exponentials(plan, variant),
                "network": self.sheet.network(values, plan.rules.decimals),
                "ask": answers, "answers": answers,
                "variant": {"number": variant.number, "label": label,
                            "idnumber": f"{problem.name}-{label}"}}

    def question(self, context: dict) -> str:
        """The question as a page body (one page range of questions.pdf)."""
        return self.templates["question.tex.j2"].render(**context)

    def solution(self, variant: Variant, context: dict) -> str:
        """The worked solution as a page body (one page range of solutions.pdf): the
        solution-sheet renderer's body for this variant's values, and its answer key."""
        names = self.plan.program.names
        values = dict(zip(names, variant.values, strict=True))
        sheet = self.sheet.tex(values, decimals=self.plan.rules.decimals, standalone=False,
                               diagram=False)  # the question sheet carries the diagram
        return self.templates["variants-solution.tex.j2"].render(**context, sheet=sheet)

    def document(self, pages: list[str]) -> str:
        return self.templates["variants-document.tex.j2"].render(pages=pages,
                                                                 packages=self.packages)

    def moodle(self, contexts: list[dict]) -> str:
        from .moodle import bank

        return bank(self.templates["moodle.xml.j2"], self.plan.problem.name, contexts)


def _template(env, name: str):
    import jinja2

    from .errors import RenderError

    try:
        return env.get_template(name)
    except jinja2.TemplateError as error:
        raise RenderError(f"template {name}: {error}") from None


# the run -----------------------------------------------------------------------------------
MANIFEST = "manifest.json"
MARKER = ".symprop-run"  # the run a half-written folder belongs to (written first)
WRITERS = 8  # threads that write files (fsync waits overlap)
PARALLEL_FROM = 64  # fewer variants than this are drawn in this process
CHUNK = 16
BUNDLE_RUNS = 1  # questions.pdf and solutions.pdf have no cross-references: one pdflatex run


@dataclass
class Rendered:
    """One variant in every view, from the same exact values."""

    variant: Variant
    key: dict
    context: dict
    question: str  # page body
    solution: str  # page body


def render(plan: Plan, views: Views, variant: Variant) -> Rendered:
    key = key_of(plan, variant)
    context = views.context(variant, key)
    return Rendered(variant, key, context, views.question(context),
                    views.solution(variant, context))


_WORK: dict = {}  # what forked workers share with their parent: the plan and the views


def _search_one(item) -> tuple:
    plan, views = _WORK["plan"], _WORK["views"]
    number, child = item
    tally = Tally()
    variant = plan.search(number, child, set(), tally)
    return tally, render(plan, views, variant) if views is not None else variant


def _found(plan: Plan, views: Views | None, children, jobs: int):
    """Each variant's first passing candidate (ignoring duplicates), in order; with a
    worker's Tally before it. Forked workers when ``jobs`` > 1 and fork is available."""
    import multiprocessing

    items = list(enumerate(children, 1))
    if jobs <= 1 or len(items) < PARALLEL_FROM or \
            "fork" not in multiprocessing.get_all_start_methods():
        for number, child in items:
            tally = Tally()
            variant = plan.search(number, child, set(), tally)
            yield tally
            yield render(plan, views, variant) if views is not None else variant
        return
    _WORK.update(plan=plan, views=views)
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for tally, found in pool.imap(_search_one, items, chunksize=CHUNK):
                yield tally
                yield found
    finally:
        _WORK.clear()


def key_csv(plan: Plan, rendered: list[Rendered]) -> str:
    """One row per variant, one column per asked quantity (rounded values)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["variant", "spawn_key", "draw", *plan.rules.ask])
    for item in rendered:
        key = item.key
        writer.writerow([item.context["variant"]["label"],
                         ":".join(map(str, key["spawn_key"])), key["draw"],
                         *(answer["value"] for answer in key["answers"])])
    return buffer.getvalue()


def run_id(spec_bytes: bytes, count: int, seed: int, max_tries: int | None) -> str:
    """What identifies a run: the spec's bytes, -n, --seed, --max-tries and the version."""
    import hashlib

    from . import __version__

    text = f"{__version__}\n{count}\n{seed}\n{max_tries}\n".encode() + spec_bytes
    return hashlib.sha256(text).hexdigest()


def prepare_folder(folder, identity: str, force: bool) -> None:
    """Refuse a folder written by another run (unless ``force``); then mark it as ours
    and remove its manifest, so an interrupted run never leaves a complete-looking folder."""
    import json
    from pathlib import Path

    from .errors import OutputError
    from .output import write_atomic

    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()) and not force:
        previous = None
        for name in (MANIFEST, MARKER):
            try:
                text = (folder / name).read_text(encoding="utf-8")
                previous = json.loads(text)["run"] if name == MANIFEST else text.strip()
                break
            except (OSError, ValueError, KeyError, TypeError):
                continue
        if previous != identity:
            raise OutputError(f"{folder}: holds variants from another run (a different spec, "
                              "-n, --seed or --max-tries); use --force to replace them, or "
                              "--output for another folder")
    write_atomic(folder / MARKER, identity + "\n")
    (folder / MANIFEST).unlink(missing_ok=True)


def write(plan: Plan, views: Views, rendered: list[Rendered], folder, *, seed: int,
          identity: str, spec_name: str, tally: Tally, pdf: bool = False) -> list:
    """Every file of the run, atomically; the manifest last."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from . import __version__
    from .output import write_atomic

    folder = Path(folder)
    jobs: list[tuple[Path, str | bytes]] = []
    labels = []
    for item in rendered:
        label = item.context["variant"]["label"]
        labels.append(label)
        jobs.append((folder / label / "question.tex", views.document([item.question])))
        jobs.append((folder / label / "solution.tex", views.document([item.solution])))
        jobs.append((folder / label / "key.json", _json(item.key)))
    jobs.append((folder / "key.csv", key_csv(plan, rendered)))
    jobs.append((folder / "moodle.xml", views.moodle([item.context for item in rendered])))
    with ThreadPoolExecutor(WRITERS) as pool:
        for future in [pool.submit(write_atomic, path, data) for path, data in jobs]:
            future.result()
    files = [str(path.relative_to(folder)) for path, _ in jobs]
    pdfs = {"questions.pdf": [item.question for item in rendered],
            "solutions.pdf": [item.solution for item in rendered]}
    if pdf:  # the two documents compile side by side
        from .tex import build_pdf

        with ThreadPoolExecutor(len(pdfs)) as pool:
            for future in [pool.submit(build_pdf, views.document(pages), folder / name,
                                       BUNDLE_RUNS)
                           for name, pages in pdfs.items()]:
                future.result()
        files += list(pdfs)
    else:
        for name in pdfs:
            (folder / name).unlink(missing_ok=True)  # a stale PDF would not match
    for stale in folder.iterdir():  # variant folders of an earlier, larger run
        if stale.is_dir() and stale.name.isdigit() and stale.name not in labels:
            shutil.rmtree(stale)
    manifest = {
        "symprop": __version__, "run": identity, "spec": spec_name,
        "problem": plan.problem.name, "count": len(rendered), "seed": seed,
        "seeding": "variant k: numpy.random.default_rng(numpy.random.SeedSequence(seed, "
                   "spawn_key=(k - 1,))), the same as SeedSequence(seed).spawn(count)[k - 1]; "
                   "its draw-th candidate rng.integers(0, sizes) over the grids in 'rules.vary' "
                   "order",
        "rules": plan.rules.to_dict(),
        "tolerances": {name: decimal_text(t) for name, t in plan.rules.tolerance.items()},
        "rejected": tally.to_dict(),
        "variants": [{"label": label, "spawn_key": list(item.variant.spawn_key),
                      "draw": item.variant.draw}
                     for label, item in zip(labels, rendered, strict=True)],
        "files": sorted(files),
    }
    write_atomic(folder / MANIFEST, _json(manifest))
    (folder / MARKER).unlink(missing_ok=True)
    return files


def _json(data) -> str:
    import json

    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def make(spec, count: int, seed: int, *, output=None, pdf: bool = False, force: bool = False,
         max_tries: int | None = None, user_templates=None, progress=None, jobs: int = 0,
         max_parameters: int | None = None):
    """``symprop variants``: draw, render and write ``count`` variants of ``spec``.

    Returns the folder. ``progress(k)`` is called as variants are drawn; ``jobs`` processes
    draw and render them (0: one per CPU)."""
    import os
    from pathlib import Path

    from .output import output_dir
    from .spec import load

    if count < 1:
        raise LimitError(f"-n: expected at least 1 variant, got {count}")
    jobs = jobs or os.cpu_count() or 1
    problem = load(spec, max_parameters)
    plan = Plan(problem, max_tries)
    views = Views(plan, user_templates)
    views.width = max(3, len(str(count)))
    folder = output_dir(spec, output) / "variants"
    identity = run_id(Path(spec).read_bytes(), count, seed, max_tries)
    prepare_folder(folder, identity, force)
    rendered, tally = plan.generate(count, seed, progress, jobs, views)
    write(plan, views, rendered, folder, seed=seed, identity=identity,
          spec_name=Path(spec).name, tally=tally, pdf=pdf)
    return folder
