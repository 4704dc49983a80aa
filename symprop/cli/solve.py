"""The `symprop solve` command: arguments in, one call into the library, a view out."""

from __future__ import annotations

import json

import click


@click.command("solve")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "tex", "pdf", "html"]),
              default="table", show_default=True,
              help="Print a table or JSON, or write a solution sheet (tex, pdf, html).")
@click.option("--digits", type=click.IntRange(0, 30), default=None,
              help="Decimal places shown (default: the spec's, else 4).")
@click.option("--significant", type=click.IntRange(1, 30), default=None,
              help="Significant figures shown instead of decimal places (default: the "
                   "spec's significant, if it has one).")
@click.option("--rounding", type=click.Choice(["exact", "carry"]), default="exact",
              show_default=True,
              help="Sheets: exact values rounded for display, or hand-style carried rounding.")
@click.option("--templates", "templates", type=click.Path(file_okay=False), default=None,
              help="Sheets: a folder of templates searched before the shipped ones.")
@click.option("--output", type=click.Path(file_okay=False), default=None,
              help="Sheets: base folder (default: output/); files go to <base>/<spec name>/.")
@click.option("--force", is_flag=True, help="Sheets: replace existing files that differ.")
@click.option("--compact", is_flag=True,
              help="Sheets: matrix forms only, without the entry-by-entry lines.")
@click.option("--symbolic-seconds", type=click.FloatRange(0, 3600), default=3.0,
              show_default=True, help="Budget for the symbolic proof, in seconds estimated "
              "from sizes (never timed: the same spec always gets the same proof).")
@click.option("--max-parameters", type=click.IntRange(1), default=None,
              help="Accept networks larger than the default limit (1,500 parameters).")
def command(spec, fmt, digits, significant, rounding, templates, output, force, compact,
            symbolic_seconds, max_parameters):
    """Derive, evaluate exactly and prove every gradient of SPEC; with epochs, train it
    and write a training report."""
    from ..spec import load

    if digits is not None and significant is not None:
        raise click.UsageError("--significant: give either --digits or --significant, "
                               "not both")
    problem = load(spec, max_parameters)
    if digits is None and significant is None:
        significant = problem.significant
    if problem.training is not None:  # epochs: a training report (symprop.training)
        return _training(problem, spec, fmt, digits, significant, rounding, templates,
                         output, force, symbolic_seconds)
    solution = problem.solve(symbolic_seconds=symbolic_seconds)
    if fmt == "json":
        click.echo(json.dumps(solution.to_dict(digits, significant), indent=1,
                              ensure_ascii=False))
    elif fmt == "table":
        from ..views import solution_table

        click.echo(solution_table(solution, digits, significant), nl=False)
    else:
        from ..output import output_dir
        from ..sheets import write_solution

        folder = output_dir(spec, output)  # <base>/<spec stem>/, as check and variants do
        for path in write_solution(solution, spec, fmt, output=folder, force=force,
                                   decimals=digits, rounding=rounding,
                                   user_templates=templates, significant=significant,
                                   compact=compact):
            click.echo(str(path))


def _training(problem, spec, fmt, digits, significant, rounding, templates, output, force,
              symbolic_seconds):
    """A spec with epochs: step 1 worked in full, then the run (training.<fmt>)."""
    from ..training.files import render_training, write_training
    from ..training.solution import TrainingSolution

    solution = TrainingSolution(problem, symbolic_seconds=symbolic_seconds)
    if fmt == "json":
        click.echo(json.dumps(solution.to_dict(digits, significant), indent=1,
                              ensure_ascii=False))
    elif fmt == "table":
        click.echo(render_training(solution, "table", digits, significant=significant),
                   nl=False)
    else:
        from ..output import output_dir

        for path in write_training(solution, spec, fmt, output=output_dir(spec, output),
                                   force=force, decimals=digits, rounding=rounding,
                                   user_templates=templates, significant=significant):
            click.echo(str(path))
