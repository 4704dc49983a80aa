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
              show_default=True, help="Time budget for the simplify-to-zero proof.")
@click.option("--max-parameters", type=click.IntRange(1), default=None,
              help="Accept networks larger than the default limit (1,500 parameters).")
def command(spec, fmt, digits, significant, rounding, templates, output, force, compact,
            symbolic_seconds, max_parameters):
    """Derive, evaluate exactly and prove every gradient of SPEC."""
    from ..spec import load

    if digits is not None and significant is not None:
        raise click.UsageError("--significant: give either --digits or --significant, "
                               "not both")
    problem = load(spec, max_parameters)
    if digits is None and significant is None:
        significant = problem.significant
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
