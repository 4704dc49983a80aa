"""The training report's context: what templates/training.*.j2 show, as LaTeX strings and
formatted numbers (the words live in the templates).

    overview    the network, the optimiser, the schedule, the precision of the run
    sheet       step 1 worked in full (rendered by symprop.sheets, passed in)
    epochs      a table: the loss and the gradient norm per layer after every epoch
                (at most TABLE_ROWS rows, evenly spaced; the JSON has them all)
    plots       the loss against the epoch; the gradient norm per layer against the step
                on a log scale, one panel per run of ``compare``, on one scale
    vanishing   per run: at step 1, ‖∇W⁽ᴸ⁾‖ / ‖∇W⁽¹⁾‖, the same for δ, the factor per layer,
                and the bound the hidden activation's slope puts on it ((¼)ᴸ⁻¹ for σ)
    checks      the float64 run against every recorded value, per run
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath

from ..activations import ACTIVATIONS
from ..latex import SheetPrinter, number, scientific, written
from . import plots
from .plots import thinned

TABLE_ROWS = 31
FIGURES = 3  # significant figures of norms and ratios
LOSS_FIGURES = 4


def _mp(value):
    """A Fraction or mpf as an mpf at the working precision."""
    return mpmath.mpf(value.numerator) / value.denominator if type(value) is Fraction \
        else mpmath.mpf(value)


def _show(value, figures: int = FIGURES) -> str:
    """Significant figures; scientific notation below 10⁻³ and from 10⁵ (norms span many
    orders of magnitude, and a column of 0.00000334 is unreadable)."""
    size = abs(_mp(value))
    if size and (size < mpmath.mpf("0.001") or size >= 10**5):
        return scientific(value, figures)
    return number(value, significant=figures)


def _ratio(top, bottom):
    """top / bottom (exact for Fractions), None when bottom is 0."""
    if not bottom:
        return None
    if type(top) is Fraction and type(bottom) is Fraction:
        return top / bottom
    return _mp(top) / _mp(bottom)


class Report:
    """The context of one training report (``context()``), from a TrainingSolution."""

    def __init__(self, solution, decimals: int = 4, significant: int | None = None):
        self.solution, self.decimals, self.significant = solution, decimals, significant
        self.problem = solution.problem
        self.printer = SheetPrinter(solution.first.graph)
        self.layers = list(solution.first.graph.layers)

    def context(self, sheet: str = "") -> dict:
        s = self.solution
        variants = [self.variant(v) for v in s.variants]
        return {"problem": self.overview(), "sheet": sheet, "variants": variants,
                "main": variants[0], "compare": len(variants) > 1,
                "table": self.table(s.variants[0].run),
                "loss_plot": self.loss_plot(s.variants[0].run),
                "norm_plots": self.norm_plots(),
                "columns": [self.printer.norm("W", l) for l in self.layers]}

    # the overview -----------------------------------------------------------------------
    def overview(self) -> dict:
        p, run, s = self.problem, self.solution.run, self.solution
        graph = s.first.graph
        given = [{"name": n, "symbol": self.printer.doprint(graph.nodes[n].symbol),
                  "value": written(p.extra_givens()[n])} for n in graph.hyperparameters()]
        count, size = len(p.data), p.training.batch_size
        return {
            "name": p.name, "description": p.description, "loss": p.loss,
            "reduction": p.reduction, "examples": count,
            "units": [layer.units for layer in p.layers],
            "activations": [layer.activation for layer in p.layers[1:]],
            "optimizer": p.optimizer.name, "given": given,
            "lr": written(p.learning_rate),
            "epochs": p.training.epochs, "batch_size": size, "steps": run.steps,
            "steps_per_epoch": run.steps_per_epoch, "last_batch": count % size,
            "full_batch": size == count, "seed": p.training.shuffle_seed,
            "first_batch": s.first_batch(),
            "precision": {"bits": run.bits, "decimal": int(run.bits * math.log10(2)),
                          "check_bits": run.check_bits, "digits": run.digits,
                          "exact_steps": run.exact_steps},
        }

    # the table of epochs ----------------------------------------------------------------
    def table(self, run) -> dict:
        epochs = self.problem.training.epochs
        shown = thinned(epochs + 1, TABLE_ROWS)
        rows = []
        for e in shown:
            prefix = f"epoch{e}."
            rows.append({"epoch": e, "loss": _show(run.values[f"{prefix}loss"], LOSS_FIGURES),
                         "norms": [_show(run.values[n]) if n in run.values else None
                                   for n in (f"{prefix}norm.grad.W{l}" for l in self.layers)]})
        return {"rows": rows, "all": len(shown) == epochs + 1}

    # the plots --------------------------------------------------------------------------
    def loss_plot(self, run) -> plots.Plot:
        epochs = self.problem.training.epochs
        per = run.steps_per_epoch
        lines = []
        if per > 1:  # each step's minibatch loss, at the epochs done before it
            lines.append(("steps", [Fraction(k - 1, per) for k in range(1, run.steps + 1)],
                          [run.values[f"step{k}.loss" if k > 1 else "loss"]
                           for k in range(1, run.steps + 1)]))
        lines.append(("epochs", list(range(epochs + 1)),
                      [run.values[f"epoch{e}.loss"] for e in range(epochs + 1)]))
        plot = plots.line_plot(lines, xlabel="epoch", ylabel="loss")
        for series in plot.series:
            series.dashed = series.label == "steps"
        return plot

    def _norm_lines(self, run) -> list:
        steps = list(range(1, run.steps + 1))
        lines = []
        for l in self.layers:
            names = [f"step{k}.norm.grad.W{l}" if k > 1 else f"norm.grad.W{l}" for k in steps]
            if names[0] in run.values:
                lines.append((self.printer.norm("W", l), steps,
                              [run.values[n] for n in names]))
        return lines

    def norm_plots(self) -> list[dict]:
        """One log-scale panel per run; the panels share one scale."""
        all_lines = [self._norm_lines(v.run) for v in self.solution.variants]
        lows, highs = zip(*[plots.y_extent(lines) for lines in all_lines], strict=True)
        scale = (min(lows), max(highs))
        return [{"label": v.label, "plot": plots.line_plot(lines, log=True, xlabel="step",
                                                          ylabel="norm", y_range=scale)}
                for v, lines in zip(self.solution.variants, all_lines, strict=True)]

    # the vanishing gradient, in numbers ------------------------------------------------
    def variant(self, variant) -> dict:
        run, problem = variant.run, variant.problem
        depth = problem.depth
        hidden = {layer.activation for layer in problem.layers[1:-1]}
        activation = hidden.pop() if len(hidden) == 1 else None
        first = run.values.get("norm.grad.W1")
        last = run.values.get(f"norm.grad.W{depth}")
        ratio = _ratio(last, first) if first is not None and last is not None else None
        delta = _ratio(run.values["norm.delta" + str(depth)], run.values["norm.delta1"])
        bound = None
        if activation is not None and depth > 1:
            slope = ACTIVATIONS[activation].slope_bound
            if slope is not None and slope < 1:
                bound = {"slope": r"\tfrac{1}{4}" if slope == Fraction(1, 4) else
                         _show(slope), "power": depth - 1,
                         "value": _show(slope ** (depth - 1))}
        direction = "dead" if first is not None and not first else (
            None if ratio is None else ("vanishing" if ratio > 1 else "exploding"))
        per_layer = None
        if ratio and depth > 1:  # in the direction of the ratio: > 1 either way
            size = mpmath.mpf(ratio) if ratio > 1 else 1 / mpmath.mpf(ratio)
            per_layer = _show(size ** (mpmath.mpf(1) / (depth - 1)))
        numpy = variant.numpy
        return {
            "label": variant.label, "activation": activation, "depth": depth,
            "hidden": depth - 1, "direction": direction,
            "first": None if first is None else _show(first),
            "last": None if last is None else _show(last),
            "ratio": None if not ratio else _show(ratio if ratio > 1 else 1 / ratio),
            "delta_ratio": None if not delta else _show(delta if delta > 1 else 1 / delta),
            "delta_smaller": bool(delta) and delta > 1, "per_layer": per_layer,
            "bound": bound,
            "norms": [_show(run.values[n]) if (n := f"norm.grad.W{l}") in run.values
                      else None for l in range(1, depth + 1)],
            "final_loss": _show(run.values[f"epoch{problem.training.epochs}.loss"],
                                LOSS_FIGURES),
            "first_loss": _show(run.values["epoch0.loss"], LOSS_FIGURES),
            "check": {"agrees": numpy.agrees, "compared": numpy.compared,
                      "largest": scientific(Fraction(numpy.largest_difference), 2)
                      if math.isfinite(numpy.largest_difference) else r"\infty",
                      "worst": numpy.worst.replace("_", r"\_"),
                      "tolerance": scientific(Fraction(numpy.tolerance), 1)},
        }
