"""Everything ``symprop solve`` computes for a spec with ``epochs``: the first step as an
ordinary Solution (worked in full, proven and checked as every sheet is), the run
(symprop.training.run), one more run per activation of ``compare``, and the NumPy float64
run that checks each of them value by value."""

from __future__ import annotations

import math
import re

from ..crosscheck import Comparison
from ..decimals import significant_text
from ..errors import VerificationError
from ..proof import SYMBOLIC_SECONDS
from ..solution import JSON_DIGITS, Solution, _json_float
from ..spec import Problem
from . import schedule
from .reference import train as float64_run
from .run import Run, Trainer, train

RUN_RTOL = 1e-6  # |float64 − exact| ≤ RUN_RTOL · |exact|, for every recorded value
# a run quantity: [activation.](epoch<e>.|step<k>.) …, or a norm
_RUN_NAME = re.compile(r"(?:[a-z_]+\.)?(?:epoch\d+\.|step\d+\.)|(?:[a-z_]+\.)?norm\.")


def needs_run(names) -> bool:
    """Whether any of ``names`` is a run quantity (the run must then be computed)."""
    return any(_RUN_NAME.match(name.replace(" ", "")) for name in names)


class Variant:
    """One run of the spec (as written, or with another hidden activation), and its check."""

    def __init__(self, label: str, problem: Problem, run: Run, numpy: Comparison):
        self.label, self.problem, self.run, self.numpy = label, problem, run, numpy


def against_float64(run: Run, record) -> Comparison:
    """Every value the float64 run recorded, relative to the exact value."""
    out = Comparison("numpy", RUN_RTOL)
    for name, value in record.values.items():
        exact = float(run.values[name])
        out.record(name, exact, value, max(abs(exact), 1e-300))
    return out


class TrainingSolution:
    """The first step, the runs and their checks; names resolve with ``value``."""

    def __init__(self, problem: Problem, symbolic_seconds: float = SYMBOLIC_SECONDS,
                 verify: bool = True):
        self.problem = problem
        self.first = Solution(schedule.first_step(problem), symbolic_seconds, verify)
        labels = _labels(problem)
        self.variants: list[Variant] = []
        for label, variant in labels:
            run = train(variant, Trainer(variant))
            numpy = against_float64(run, float64_run(variant))
            self.variants.append(Variant(label, variant, run, numpy))
        if verify:
            failures = [f for v in self.variants for f in v.numpy.failures]
            if failures:
                raise VerificationError(
                    f"{problem.name}: training run: {failures[0]}"
                    + (f" (and {len(failures) - 1} more)" if failures[1:] else ""))

    @property
    def run(self) -> Run:
        """The run of the spec as written."""
        return self.variants[0].run

    def value(self, name: str):
        """A run quantity (``epoch3.loss``, ``relu.step5.norm.grad.W1``) or a quantity of
        the first step's graph (``grad.W1[1,1]``)."""
        name = name.replace(" ", "")
        for variant in self.variants[1:]:
            if name.startswith(variant.label + "."):
                return variant.run.value(name[len(variant.label) + 1:])
        try:
            return self.run.value(name)
        except KeyError:
            return self.first.value(name)

    def named_values(self) -> dict:
        """Every run quantity by name (compared runs prefixed with their activation;
        step 1's also as step1.…)."""
        out = {}
        for k, variant in enumerate(self.variants):
            prefix = "" if k == 0 else variant.label + "."
            for name, value in variant.run.values.items():
                out[prefix + name] = value
                if not name.startswith(("step", "epoch")):
                    out[f"{prefix}step1.{name}"] = value
        return out

    def _repr_html_(self) -> str:
        """In Jupyter, a training run displays as its report page."""
        from .files import render_training
        return render_training(self, "html")

    def first_batch(self) -> list[int]:
        """The data set's example numbers (1-based) that step 1 uses, in batch order."""
        run = self.run
        return [k + 1 for k in schedule.batches(self.problem, run.orders[0])[0]]

    def to_dict(self, decimals: int | None = None, significant: int | None = None) -> dict:
        """The first step's schema-1 dictionary with a ``training`` section."""
        data = self.first.to_dict(decimals, significant)
        data["problem"] = {**data["problem"], **_training_problem(self.problem)}
        data["training"] = _variant_dict(self.variants[0], self.problem)
        data["training"]["first_batch"] = self.first_batch()
        if self.variants[1:]:
            data["training"]["compare"] = [dict(_variant_dict(v, self.problem),
                                                activation=v.label)
                                           for v in self.variants[1:]]
        return data


def _labels(problem: Problem) -> list[tuple[str, Problem]]:
    """(label, problem) per run: the spec as written first (labelled by its hidden
    activation when every hidden layer has the same), then each other compared one."""
    hidden = {layer.activation for layer in problem.layers[1:-1]}
    own = hidden.pop() if len(hidden) == 1 else "as-written"
    return [(own, problem)] + [(name, schedule.with_activation(problem, name))
                               for name in problem.training.compare if name != own]


def _training_problem(problem: Problem) -> dict:
    run, opt = problem.training, problem.optimizer
    optimizer = {"name": opt.name, **{k: str(v) for k, v in opt.hyperparameters().items()}}
    return {"examples": len(problem.data), "epochs": run.epochs, "batch_size": run.batch_size,
            "shuffle_seed": run.shuffle_seed, "compare": list(run.compare),
            "optimizer": optimizer,
            "weight_decay": None if problem.weight_decay is None else str(problem.weight_decay)}


def _variant_dict(variant: Variant, problem: Problem) -> dict:
    run = variant.run
    digits = JSON_DIGITS if run.digits is None else min(JSON_DIGITS, run.digits)
    values = {name: {"value": significant_text(v, digits), "float": _json_float(v)}
              for name, v in run.values.items()}
    numpy = variant.numpy
    return {
        "steps": run.steps, "steps_per_epoch": run.steps_per_epoch,
        "orders": [[k + 1 for k in order] for order in run.orders],
        "precision": {"bits": run.bits, "check_bits": run.check_bits,
                      "digits": run.digits, "exact_steps": run.exact_steps},
        "values": values,
        "checks": {"numpy": {"agrees": numpy.agrees, "compared": numpy.compared,
                             "tolerance": numpy.tolerance,
                             "largest_relative_difference": numpy.largest_difference
                             if math.isfinite(numpy.largest_difference) else None,
                             "worst": numpy.worst, "skipped": numpy.skipped}},
    }
