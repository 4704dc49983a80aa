"""The `symprop check` command (being built)."""

import click

from .errors import SympropError


@click.command("check")
def command():
    """Not built yet."""
    raise SympropError("'symprop check' is not built yet")
