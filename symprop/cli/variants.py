"""The `symprop variants` command: arguments in, one call into symprop.variants, a path out."""

from __future__ import annotations

import sys

import click

PROGRESS_FROM = 20  # show a progress bar for runs of at least this many variants


@click.command("variants")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("-n", "count", type=click.IntRange(1), required=True,
              help="How many variants (at most --max-variants).")
@click.option("--max-variants", type=click.IntRange(1), default=None,
              help="Allow more variants than the default limit of 20,000.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), required=True,
              help="Base seed; variant k uses SeedSequence(seed).spawn(n)[k-1].")
@click.option("--pdf", is_flag=True, help="Also build questions.pdf and solutions.pdf.")
@click.option("--output", type=click.Path(file_okay=False), default=None,
              help="Base folder (default: output/); files go to <base>/<spec>/variants/.")
@click.option("--force", is_flag=True, help="Replace variants written by another run.")
@click.option("--max-tries", type=click.IntRange(1, 10_000_000), default=None,
              help="Draws per variant before giving up (default: the spec's, else 10000).")
@click.option("--jobs", type=click.IntRange(0, 64), default=0, show_default=True,
              help="Processes that draw and render (0: one per CPU); output is the same.")
@click.option("--max-parameters", type=click.IntRange(1), default=None,
              help="Accept networks larger than the default limit (1,500 parameters).")
@click.option("--format", "formats", default="moodle", show_default=True,
              help="Learning-platform files, comma-separated: moodle (moodle.xml), qti "
                   "(qti.zip for Canvas and Blackboard), prairielearn (a question folder).")
def command(spec, count, seed, max_variants, pdf, output, force, max_tries, jobs,
            max_parameters, formats):
    """Write N seeded exam variants of SPEC: questions, solutions, keys, and Moodle XML, a
    QTI package or a PrairieLearn question."""
    from ..variants import make
    from ..variants.rules import MAX_VARIANTS, check_count

    check_count(count, max_variants or MAX_VARIANTS)
    options = dict(output=output, pdf=pdf, force=force, max_tries=max_tries, jobs=jobs,
                   max_parameters=max_parameters,
                   formats=[f.strip() for f in formats.split(",") if f.strip()])
    bars = []

    def progress(step: int) -> None:  # the bar appears once the first variant is drawn
        if not bars:
            bars.append(click.progressbar(length=count, label="drawing variants",
                                          file=sys.stderr))
            bars[0].__enter__()
        bars[0].update(step)

    try:
        folder = make(spec, count, seed, progress=progress if count >= PROGRESS_FROM
                      else None, **options)
    finally:
        if bars:
            bars[0].__exit__(None, None, None)
    click.echo(str(folder))
