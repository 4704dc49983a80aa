"""The command line: one module per command (solve.py, check.py, variants.py). It parses
arguments, calls the library, prints, and sets exit codes: 0 success, 2 bad input or a
failed check (one line on stderr, never a traceback), 130 after Ctrl-C and 143 after
SIGTERM (temporary files removed, files already written complete)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys

import click

from ..errors import SympropError, one_line

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _say(text: str) -> None:
    click.echo(f"symprop: {one_line(text)}", err=True)


@contextlib.contextmanager
def _interruptible():
    """SIGTERM is handled as Ctrl-C is (symprop.output.interrupt), while a command runs."""
    from ..output import interrupt

    try:
        previous = {number: signal.signal(number, interrupt) for number in SIGNALS}
    except ValueError:  # not the main thread: leave the handlers alone
        previous = {}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class _Group(click.Group):
    """Every SympropError becomes one line on stderr and exit status 2."""

    def invoke(self, ctx):
        try:
            with _interruptible():
                return super().invoke(ctx)
        except SympropError as error:
            _say(str(error))
            sys.exit(2)
        except KeyboardInterrupt as error:
            _say("interrupted; files already written are complete")
            sys.exit(128 + getattr(error, "signum", signal.SIGINT))
        except click.UsageError as error:  # one line, like every other input error
            where = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            _say(f"{error.format_message()}{where}")
            sys.exit(2)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as error:  # a bug: one line, and the traceback on request
            if os.environ.get("SYMPROP_DEBUG"):
                raise
            _say(f"internal error: {type(error).__name__}: {error} "
                 "(set SYMPROP_DEBUG=1 for the traceback, and please report it)")
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
