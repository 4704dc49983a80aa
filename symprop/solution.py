"""A solved problem: the graph, its exact values, and the three independent checks."""

from __future__ import annotations

import math
from fractions import Fraction

from . import __version__
from .crosscheck import against_finite_differences, against_numpy
from .decimals import decimal_text, places_for, round_half_up, significant_text
from .derive import build
from .display import shown
from .errors import VerificationError
from .evaluate import Program, carry, evaluate, is_exact
from .proof import SYMBOLIC_SECONDS, prove
from .spec import Problem

JSON_SCHEMA_VERSION = 1
JSON_DIGITS = 32


class Solution:
    """Everything ``symprop solve`` computes for one problem."""

    def __init__(self, problem: Problem, symbolic_seconds: float = SYMBOLIC_SECONDS,
                 verify: bool = True):
        if problem.training is not None:  # a training run's step 1, on its first minibatch
            from .training.schedule import first_step
            problem = first_step(problem)
        self.problem = problem
        self.graph = build(problem)
        self.program = Program(self.graph)
        self.givens = self.program.given_values(problem)
        self.values = evaluate(self.program, self.givens)
        self.proof = self.numpy = self.finite_differences = None
        if verify:
            self.verify(symbolic_seconds)

    def verify(self, symbolic_seconds: float = SYMBOLIC_SECONDS) -> None:
        """Run the three checks; any disagreement raises VerificationError."""
        self.proof = prove(self.graph, self.program, symbolic_seconds, self.values)
        self.numpy = against_numpy(self.problem, self.values.float)
        self.finite_differences = against_finite_differences(self.problem, self.graph,
                                                             self.values.float)
        problems = [f"{g.name}: chain rule and direct derivative differ "
                    f"({g.method}, relative {g.largest_difference:.3g})"
                    for g in self.proof.gradients if not g.agrees]
        problems += self.numpy.failures + self.finite_differences.failures
        if problems:
            raise VerificationError(f"{self.problem.name}: {problems[0]}"
                                    + (f" (and {len(problems) - 1} more)" if problems[1:] else ""))

    # values ------------------------------------------------------------------------------
    def value(self, name: str):
        """The exact value (Fraction) or a stable high-precision mpf."""
        return self.values[name]

    def rounded(self, name: str, decimals: int | None = None,
                significant: int | None = None) -> Fraction:
        value = self.values[name]
        return round_half_up(value, places_for(value, decimals, significant))

    def text(self, name: str, decimals: int | None = None,
             significant: int | None = None) -> str:
        """The value as the sheets show it (symprop.display): fixed places, no '-0';
        scientific notation from 10¹⁵ up and for a value other than 0 that would round to
        0 ('7.219e-35', not '0.0000')."""
        return shown(self.values[name], self.problem.digits if decimals is None else decimals,
                     significant).text

    def precision(self, name: str) -> dict:
        """How well the value is known: {"significant_digits": None, "absolute_error":
        None} when it is exact, else the significant digits verified at two precisions,
        or only an absolute bound (see ``evaluate.Values``)."""
        kind, digits = self.values.precision(name)
        return {"significant_digits": digits if kind == "relative" else None,
                "absolute_error": f"1e-{digits}" if kind == "absolute" else None}

    def carry(self, decimals: int | None = None, significant: int | None = None) -> dict:
        """Hand-style values: name → (value used later, value before rounding)."""
        used, raw = carry(self.program, self.givens,
                          decimals if decimals is not None else self.problem.digits, significant)
        return {name: (u, r) for name, u, r in zip(self.program.names, used, raw, strict=True)}

    def with_changes(self, changes: dict) -> dict:
        """Exact values with some givens changed (seed 000 nudges w1 by 0.001)."""
        givens = list(self.givens)
        for name, value in changes.items():
            givens[self.program.givens.index(self.program.index[self.graph.resolve(name)])] = \
                Fraction(value)
        return dict(evaluate(self.program, givens).items())

    # Jupyter: a solved problem displays as its solution sheet (see symprop.sheets) -------
    def _repr_html_(self) -> str:
        from .sheets import jupyter
        return jupyter(self, "html")

    def _repr_markdown_(self) -> str:
        from .sheets import jupyter
        return jupyter(self, "markdown")

    def _repr_latex_(self) -> str:
        from .sheets import jupyter
        return jupyter(self, "latex")

    # export ------------------------------------------------------------------------------
    def to_dict(self, decimals: int | None = None, significant: int | None = None) -> dict:
        """Every quantity, its formula and its value (exact, 32 figures, float, rounded at
        ``decimals`` places or ``significant`` figures, and carried by hand)."""
        decimals = self.problem.digits if decimals is None else decimals
        carried = self.carry(decimals, significant)
        quantities = []
        for node in self.graph:
            value = self.values[node.name]
            entry = {
                "name": node.name, "stage": node.stage,
                "formula": None if node.formula is None else str(node.formula),
                "parents": list(node.parents),
                "value": significant_text(value, JSON_DIGITS),
                "exact": _exact_text(value),
                **self.precision(node.name),
                "float": _json_float(value),
                "rounded": self.text(node.name, decimals, significant),
            }
            if node.formula is not None:
                entry["carry"] = _fixed_text(carried[node.name][0], decimals, significant)
            quantities.append(entry)
        return {
            "schema": JSON_SCHEMA_VERSION, "symprop": __version__,
            "problem": _problem_dict(self.problem), "decimals": decimals,
            "significant": significant,
            "quantities": quantities,
            "aliases": dict(sorted(self.graph.aliases.items())),
            "checks": self.checks_dict(),
        }

    def checks_dict(self) -> dict:
        if self.proof is None:
            return {}
        return {
            "symbolic": {"agrees": self.proof.agrees, "methods": self.proof.methods(),
                         "random_point_seed": self.proof.seed,
                         "largest_relative_difference": max(
                             (g.largest_difference for g in self.proof.gradients), default=0.0),
                         "gradients": {g.name: g.method for g in self.proof.gradients}},
            "numpy": _comparison_dict(self.numpy),
            "finite_differences": _comparison_dict(self.finite_differences),
        }


def _json_float(value) -> float | None:
    """float64 of the value, or None where it is beyond float64's range (either way:
    5·10⁻⁴³⁵ is not 0.0)."""
    number = float(value)
    return number if math.isfinite(number) and (number or not value) else None


def _exact_text(value) -> str | None:
    if not is_exact(value):
        return None
    return str(value) if value.denominator != 1 else str(value.numerator)


def _fixed_text(value, decimals: int, significant: int | None = None) -> str | None:
    """Carry-mode text; None where the rounded values make the step undefined (e.g. 1/0)."""
    if type(value) is not Fraction:
        return None
    return shown(value, decimals, significant).text


def _comparison_dict(comparison) -> dict:
    return {"agrees": comparison.agrees, "compared": comparison.compared,
            "tolerance": comparison.tolerance,
            "largest_relative_difference": comparison.largest_difference,
            "worst": comparison.worst, "skipped": comparison.skipped}


def _problem_dict(problem: Problem) -> dict:
    if problem.kind == "circuit":
        from .circuit_spec import problem_dict
        return problem_dict(problem)
    return {
        "name": problem.name,
        "layers": [{"units": l.units, "activation": l.activation, "bias": l.bias}
                   for l in problem.layers],
        "loss": problem.loss, "reduction": problem.reduction,
        "learning_rate": None if problem.learning_rate is None
        else decimal_text(problem.learning_rate),
        "steps": problem.steps, "examples": len(problem.data),
        "optimizer": problem.optimizer.name,
        "weight_decay": None if problem.weight_decay is None
        else decimal_text(problem.weight_decay),
        "frozen": sorted(problem.frozen),
        "relu_derivative_at_zero": str(problem.relu_derivative_at_zero),
        "names": problem.names,
    }
