"""The command line: one module per command (solve.py, check.py, variants.py). It parses
arguments, calls the library, prints, and sets exit codes: 0 success, 2 bad input or a
failed check (one line on stderr, never a traceback)."""

from __future__ import annotations

import os
import sys

import click

from ..errors import SympropError


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
        except click.UsageError as error:  # one line, like every other input error
            where = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            click.echo(f"symprop: {error.format_message()}{where}", err=True)
            sys.exit(2)
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


def _register() -> None:
    from .check import command as check
    from .solve import command as solve
    from .variants import command as variants

    for command in (solve, check, variants):
        main.add_command(command)


_register()
