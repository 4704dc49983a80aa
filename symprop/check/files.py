"""Entry points and views of the checker: files and --claim options in, a table or a
marked PDF out (the JSON is ``Report.to_dict()``)."""

from __future__ import annotations

from ..errors import SpecError
from . import claims as claim_text
from .checker import Checker
from .report import Report


def check_files(spec_path, answers_path=None, options: list[str] = (),
                max_parameters: int | None = None, formulas: list[str] = ()) -> Report:
    """Read a spec, an answers file, ``--claim`` and ``--formula`` options; check them
    together. ``max_parameters``: the limit for ``spec.load`` (None: its default)."""
    from ..spec import load

    problem = load(spec_path, max_parameters)
    raw = claim_text.read_answers(answers_path) if answers_path else []
    raw += [claim_text.from_option(option) for option in options]
    raw += [claim_text.from_formula_option(option) for option in formulas]
    if not raw:
        raise SpecError("answers", "an answers file, a --claim or a --formula", "none")
    if problem.training is not None:  # step 1 is the sheet; run names need the run
        from ..training.solution import TrainingSolution, needs_run
        if needs_run([claim.name for claim in raw]):
            run = TrainingSolution(problem, verify=False)
            return Checker(problem, run.first, run.named_values()).check(
                raw, str(answers_path or ""))
    return Checker(problem).check(raw, str(answers_path or ""))


def table(report: Report) -> str:
    from ..render import render

    data = report.to_dict()
    width = min(max([len(c["name"]) for c in data["claims"]] + [8]), 40)
    return render("check.txt.j2", {**data, "width": width})


def marked_sheet(report: Report, destination, force: bool = False):
    """The marked PDF sheet, from the same verdict data as the JSON. An existing file is
    replaced by the rules of symprop.output (``force`` for one symprop did not write)."""
    from pathlib import Path

    from ..output import write_files
    from ..render import render
    from ..tex import pdf_bytes

    destination = Path(destination)
    pdf = pdf_bytes(render("check.tex.j2", report.to_dict()))
    return write_files(destination.parent, [(destination, pdf)], force)[0]
