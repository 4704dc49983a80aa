"""The command line. It parses arguments, calls the library, prints, and sets exit codes:
0 success, 2 bad input or a failed check (one line on stderr, never a traceback)."""

from __future__ import annotations

import json
import os
import sys

import click

from .errors import SympropError


class _Group(click.Group):
    """Every SympropError becomes one line on stderr and exit status 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SympropError as error:
            click.echo(f"symprop: {error}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("symprop: interrupted; files already written are complete", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as error:  # a bug: one line, and the traceback on request
            if os.environ.get("SYMPROP_DEBUG"):
                raise
            click.echo(f"symprop: internal error: {type(error).__name__}: {error} "
                       "(set SYMPROP_DEBUG=1 for the traceback, and please report it)", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name="symprop")
def main():
    """Derive, verify and typeset backpropagation."""


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="What to print.")
@click.option("--digits", type=click.IntRange(0, 30), default=None,
              help="Decimal places shown (default: the spec's, else 4).")
@click.option("--symbolic-seconds", type=click.FloatRange(0, 3600), default=3.0,
              show_default=True, help="Time budget for the simplify-to-zero proof.")
@click.option("--max-parameters", type=click.IntRange(1), default=None,
              help="Accept networks larger than the default limit (1,500 parameters).")
def solve(spec, fmt, digits, symbolic_seconds, max_parameters):
    """Derive, evaluate exactly and prove every gradient of SPEC."""
    from .spec import load
    from .views import solution_table

    limit = {"max_parameters": max_parameters} if max_parameters else {}
    solution = load(spec, **limit).solve(symbolic_seconds=symbolic_seconds)
    if fmt == "json":
        click.echo(json.dumps(solution.to_dict(digits), indent=1, ensure_ascii=False))
    else:
        click.echo(solution_table(solution, digits), nl=False)


def _register() -> None:
    from .cli_check import command as check
    from .cli_variants import command as variants

    main.add_command(check)
    main.add_command(variants)


_register()

if __name__ == "__main__":
    main()
