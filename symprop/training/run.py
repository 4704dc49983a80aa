"""A training run, exact where the numbers stay small and verified high precision
otherwise: the graph of one step is derived once and walked for every step.

    for each epoch, for each minibatch (symprop.training.schedule):
        walk the compiled graph of one step on a batch of that size, with the batch's
        examples, the current parameters and the optimiser's state as its givens
        (and Adam's 1 − β₁ᵗ, 1 − β₂ᵗ for this t in place of step 1's);
        its next.… and state nodes are the givens of the following step

Two graphs at most are derived for the steps (the batch size, and a smaller last batch),
and two for the loss over the whole data set after every epoch (the same sizes, summing
the examples' losses and gradients; the reduction and the L2 term are applied to the
sums). With one minibatch per epoch the next step's loss is that loss, so it is reused.

Precision. Values are Fractions while the arithmetic is rational and a value needs at most
EXACT_BITS bits; from then on (and wherever an exponential enters) they are binary
floating point. The whole run is walked at two precisions; every recorded value (each
step's and epoch's loss and gradient norms, the final parameters) must agree to
REQUIRED_DIGITS significant digits, else both precisions double. The finer run is kept,
and the digits to which the two agree are stated as the run's precision.

Names (``Run.values``; step 1 and epoch 0 as in the graph, without a step prefix):
    loss, step<k>.loss                   the minibatch loss of step k (before its update)
    norm.grad.W<l>, step<k>.norm.grad.W<l>, … .norm.grad.b<l>, … .norm.delta<l>
                                         Frobenius norms of the layer's gradient and of δ⁽ˡ⁾
                                         (δ of every example of the batch)
    epoch<e>.loss, epoch<e>.norm.…       over the whole data set after epoch e (epoch 0:
                                         before training), with the spec's reduction and L2
    epoch<E>.W1[1,1], …                  the parameters after the last epoch
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction

import mpmath
from mpmath.libmp import from_rational, round_nearest

from ..derive import build
from ..evaluate import Program, fast_kit
from ..spec import Optimizer, Problem
from . import schedule

EXACT_BITS = 1024  # a Fraction needing more bits (numerator + denominator) becomes binary
START_BITS = 192  # about 57 significant digits; the check runs RUN_CHECK_BITS coarser
RUN_CHECK_BITS = 64
MAX_BITS = 4096
REQUIRED_DIGITS = 30  # every recorded value agrees to this many digits at two precisions
SHOWN_DIGITS = 40  # the largest agreement stated


def _mpf(value):
    """A walked value as a Fraction or an mpf (the fast kit's binary floats are tuples)."""
    return mpmath.mp.make_mpf(value) if type(value) is tuple else value


def _raw(value, bits: int):
    """A value as the fast kit takes it: a small Fraction, else a binary float."""
    if type(value) is Fraction:
        if value.numerator.bit_length() + value.denominator.bit_length() <= EXACT_BITS:
            return value
        return from_rational(value.numerator, value.denominator, bits, round_nearest)
    return value._mpf_ if isinstance(value, mpmath.mpf) else value


def _square_sum(values) -> object:
    """Σ x², exact while every x is."""
    if all(type(v) is Fraction for v in values):
        return sum((v * v for v in values), Fraction(0))
    return mpmath.fsum(_mpf(v) ** 2 for v in values)


def _norm(values):
    """√(Σ x²): the Frobenius norm, exact when it is rational."""
    total = _square_sum(values)
    if type(total) is Fraction:
        top, bottom = math.isqrt(total.numerator), math.isqrt(total.denominator)
        if top * top == total.numerator and bottom * bottom == total.denominator:
            return Fraction(top, bottom)
        total = mpmath.mpf(total.numerator) / total.denominator
    return mpmath.sqrt(total)


def _scaled(value, factor: Fraction):
    return value * factor if type(value) is Fraction else _mpf(value) * factor


def _plus(a, b):
    if type(a) is Fraction and type(b) is Fraction:
        return a + b
    return _mpf(a) + _mpf(b)


class _Walk:
    """The compiled graph of one step (or of one chunk's sums) on a batch of ``size``
    examples, and where its givens come from."""

    def __init__(self, graph, bits: int):
        self.graph, self.bits = graph, bits
        self.program = program = Program(graph, fast_kit(bits))
        index, names = program.index, program.names
        problem = graph.problem
        self.slots = []  # per given: ('x'|'y', example 0-based, i) | ('param', e) | …
        constants = {**problem.extra_givens(), "lr": problem.learning_rate}
        for i in program.givens:
            label = graph.nodes[names[i]].label
            if label.kind in ("x", "y"):
                self.slots.append((label.kind, (label.example or 1) - 1, label.index[0] - 1))
            elif label.kind in ("W", "b"):
                self.slots.append(("param", names[i]))
            elif label.step == 0:
                self.slots.append(("state", label.kind, label.target))
            else:
                self.slots.append(("constant", constants[names[i]]))
        trained = problem.trained()
        self.loss = index[graph.loss()]
        self.grads = {e: index[graph.gradient(e)] for e in trained}
        self.next = {e: index[n] for e in trained if (n := graph.updated(e))}
        self.states = {kind: {e: index[graph.state(kind, e)] for e in trained}
                       for kind in problem.optimizer.states if graph.state(kind, trained[0])}
        self.corrections = {m: index[c] for m in ("m", "v") if (c := graph.correction(m))}
        self.deltas = {l: [index[n] for ex in graph.examples
                           for n in graph.vector("delta", l, example=ex)]
                       for l in graph.layers}

    def run(self, examples, params: dict, state: dict, t: int, optimizer: Optimizer):
        givens = []
        for slot in self.slots:
            kind = slot[0]
            if kind in ("x", "y"):
                example = examples[slot[1]]
                givens.append((example.x if kind == "x" else example.y)[slot[2]])
            elif kind == "param":
                givens.append(params[slot[1]])
            elif kind == "state":
                givens.append(state[slot[1]][slot[2]])
            else:
                givens.append(slot[1])
        overrides = None
        if self.corrections and t > 1:  # Adam's bias corrections 1 − β₁ᵗ, 1 − β₂ᵗ
            overrides = {self.corrections["m"]: _raw(1 - optimizer.beta1 ** t, self.bits),
                         self.corrections["v"]: _raw(1 - optimizer.beta2 ** t, self.bits)}
        with mpmath.workprec(self.bits):
            values, _ = self.program.run(givens, overrides=overrides)
        return values


@dataclass
class Run:
    """One training run's recorded values (see the module docstring for the names)."""

    problem: Problem
    values: dict = field(default_factory=dict)  # name → Fraction or mpf
    orders: list[list[int]] = field(default_factory=list)  # 0-based, per epoch
    bits: int = 0  # the precision kept
    check_bits: int = 0  # the coarser run it was compared with
    digits: int | None = None  # significant digits the two agree to (None: all exact)
    exact_steps: int = 0  # steps whose loss and updated parameters are exact Fractions
    steps: int = 0
    steps_per_epoch: int = 1
    layers: range = range(0)

    def value(self, name: str):
        return self.values[self.resolve(name)]

    def resolve(self, name: str) -> str:
        """The canonical name of a run quantity (``step1.`` is accepted for step 1)."""
        name = name.replace(" ", "")
        if name.startswith("step1.") and name[6:] in self.values:
            return name[6:]
        if name not in self.values:
            raise KeyError(name)
        return name


class Trainer:
    """Derives the graphs of a run once; ``run(bits)`` walks them at a precision."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.orders = schedule.orders(problem)
        self.per_epoch = schedule.steps_per_epoch(problem)
        size, count = problem.training.batch_size, len(problem.data)
        self.sizes = sorted({size, count % size} - {0})
        first = list(range(count))
        self.step_graphs = {n: build(schedule.batch_problem(problem, first[:n]), after=False)
                            for n in self.sizes}
        sums = replace(problem, learning_rate=None, weight_decay=None, reduction="sum",
                       optimizer=Optimizer(), training=None, steps=1)
        self.sum_graphs = {} if self.per_epoch == 1 else {
            n: build(replace(sums, data=problem.data[:n])) for n in self.sizes}

    def run(self, bits: int) -> Run:
        problem = self.problem
        steps = {n: _Walk(g, bits) for n, g in self.step_graphs.items()}
        sums = {n: _Walk(g, bits) for n, g in self.sum_graphs.items()}
        run = Run(problem, orders=self.orders, bits=bits, steps_per_epoch=self.per_epoch,
                  layers=range(1, problem.depth + 1))
        params = dict(problem.parameters)
        state = {kind: dict.fromkeys(problem.trained(), Fraction(0))
                 for kind in problem.optimizer.states}
        exact, k = True, 0
        everything = list(range(len(problem.data)))
        if self.per_epoch > 1:
            self._epoch(run, sums, params, 0, everything, bits)
        for e, order in enumerate(self.orders, 1):
            for batch in schedule.batches(problem, order):
                k += 1
                walk = steps[len(batch)]
                values = walk.run([problem.data[i] for i in batch], params, state, k,
                                  problem.optimizer)
                prefix = f"step{k}." if k > 1 else ""
                recorded = self._record(run, walk, values, prefix, bits)
                if self.per_epoch == 1:  # the whole data set: this is epoch k − 1's record
                    for name in recorded:
                        run.values[f"epoch{k - 1}.{name[len(prefix):]}"] = run.values[name]
                params = {**params, **{e: _raw(values[i], bits)
                                       for e, i in walk.next.items()}}
                # exact: the loss and every new parameter (norms are square roots)
                if exact and type(values[walk.loss]) is Fraction and all(
                        type(v) is Fraction for v in params.values()):
                    run.exact_steps = k
                else:
                    exact = False
                state = {kind: {e: _raw(values[i], bits) for e, i in indices.items()}
                         for kind, indices in walk.states.items()}
            if self.per_epoch > 1:
                self._epoch(run, sums, params, e, everything, bits)
        last = len(self.orders)
        if self.per_epoch == 1:  # the loss after the last step: one more walk
            walk = steps[len(everything)]
            values = walk.run([problem.data[i] for i in self.orders[-1]], params, state,
                              k + 1, problem.optimizer)
            self._record(run, walk, values, f"epoch{last}.", bits)
        for entry, value in params.items():
            run.values[f"epoch{last}.{entry}"] = _mpf(value)
        run.steps = k
        return run

    def _record(self, run: Run, walk: _Walk, values: list, prefix: str, bits: int) -> list:
        """The loss and the norms of one walk, under ``prefix``."""
        names = []
        with mpmath.workprec(bits):
            run.values[f"{prefix}loss"] = _mpf(values[walk.loss])
            names.append(f"{prefix}loss")
            for l in run.layers:
                for kind, entries in (("W", self.problem.weight_entries(l)),
                                      ("b", self.problem.bias_entries(l))):
                    grads = [values[walk.grads[e]] for e in entries if e in walk.grads]
                    if grads:
                        run.values[f"{prefix}norm.grad.{kind}{l}"] = _norm(grads)
                        names.append(f"{prefix}norm.grad.{kind}{l}")
                run.values[f"{prefix}norm.delta{l}"] = _norm([values[i]
                                                             for i in walk.deltas[l]])
                names.append(f"{prefix}norm.delta{l}")
        return names

    def _epoch(self, run: Run, sums: dict, params: dict, e: int, everything, bits) -> None:
        """The loss over the whole data set at ``params``, its gradient norms and the norms
        of every example's δ: chunks of the batch size summed, then reduced, plus L2."""
        problem = self.problem
        size = problem.training.batch_size
        loss, grads, deltas = Fraction(0), {}, {l: [] for l in run.layers}
        with mpmath.workprec(bits):
            for start in range(0, len(everything), size):
                chunk = everything[start:start + size]
                walk = sums[len(chunk)]
                values = walk.run([problem.data[i] for i in chunk], params, {}, 1,
                                  problem.optimizer)
                loss = _plus(loss, _mpf(values[walk.loss]))
                for entry, i in walk.grads.items():
                    grads[entry] = _plus(grads.get(entry, Fraction(0)), _mpf(values[i]))
                for l in run.layers:
                    deltas[l] += [values[i] for i in walk.deltas[l]]
            scale = Fraction(1, len(everything)) if problem.reduction == "mean" else \
                Fraction(1)
            loss = _scaled(loss, scale)
            decay = problem.weight_decay
            if problem.decayed():  # + (λ/2) Σ W² and + λW
                weights = [_mpf(params[e]) for e in problem.decayed()]
                loss = _plus(loss, _scaled(_square_sum(weights), decay / 2))
            prefix = f"epoch{e}."
            run.values[f"{prefix}loss"] = loss
            decayed = set(problem.decayed())
            for l in run.layers:
                for kind, entries in (("W", problem.weight_entries(l)),
                                      ("b", problem.bias_entries(l))):
                    layer = [_scaled(grads[x], scale) if x not in decayed else
                             _plus(_scaled(grads[x], scale), _scaled(_mpf(params[x]), decay))
                             for x in entries if x in grads]
                    if layer:
                        run.values[f"{prefix}norm.grad.{kind}{l}"] = _norm(layer)
                run.values[f"{prefix}norm.delta{l}"] = _norm(deltas[l])


def _agreement(first: Run, second: Run) -> float:
    """The significant digits to which two runs' recorded values agree (inf: all equal)."""
    worst = math.inf
    with mpmath.workprec(second.bits + 20):
        for name, b in second.values.items():
            a = first.values[name]
            if type(a) is Fraction and type(b) is Fraction and a == b:
                continue
            gap = abs(_mpf(a) - _mpf(b))
            if not gap:
                continue
            scale = abs(_mpf(b))
            if not scale:
                return 0.0
            worst = min(worst, float(-mpmath.log10(gap / scale)))
    return worst


def train(problem: Problem, trainer: Trainer | None = None) -> Run:
    """Run ``problem``'s training at two precisions until they agree to REQUIRED_DIGITS;
    the finer run, with the digits stated."""
    trainer = trainer or Trainer(problem)
    bits = START_BITS
    while True:
        coarse = trainer.run(bits - RUN_CHECK_BITS)
        fine = trainer.run(bits)
        digits = _agreement(coarse, fine)
        if digits >= REQUIRED_DIGITS or bits >= MAX_BITS:
            fine.check_bits = coarse.bits
            fine.digits = None if digits == math.inf else int(min(digits, SHOWN_DIGITS))
            return fine
        bits *= 2
