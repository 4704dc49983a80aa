"""The `symprop check` command: arguments in, one call into symprop.check, a view out.

Exit status 0 whenever the check ran, whatever the verdicts; 2 for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("check")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.argument("answers", type=click.Path(dir_okay=False), required=False)
@click.option("--claim", "options", multiple=True, metavar="NAME=VALUE",
              help="A claim on the command line, e.g. 'a1[1]=0.6457' (repeatable).")
@click.option("--formula", "formulas", multiple=True, metavar="NAME=FORMULA",
              help="A formula claim, e.g. 'delta1[1] = W2[1,1]*delta2[1]*dact1[1]' "
                   "(repeatable): equivalent, equal here, or different.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "pdf"]), default="table",
              show_default=True, help="A table, the verdict data, or a marked PDF sheet.")
@click.option("--output", type=click.Path(file_okay=False), default=None,
              help="Base folder for the PDF (default: output/); it goes to <base>/<spec>/.")
@click.option("--force", is_flag=True, help="Replace an existing marked sheet.")
@click.option("--max-parameters", type=click.IntRange(1), default=None,
              help="Accept networks larger than the default limit (1,500 parameters).")
def command(spec, answers, options, formulas, fmt, output, force, max_parameters):
    """Check the numbers and formulas of a hand calculation (ANSWERS, --claim, --formula)
    against SPEC."""
    from ..check import check_files, marked_sheet, table
    from ..output import output_dir

    report = check_files(spec, answers, list(options), max_parameters, list(formulas))
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=1, ensure_ascii=False))
    elif fmt == "pdf":
        name = f"check-{Path(answers).stem if answers else 'claims'}.pdf"
        click.echo(str(marked_sheet(report, output_dir(spec, output) / name, force)))
    else:
        click.echo(table(report), nl=False)
