"""The `symprop variants` command (being built)."""

import click

from .errors import SympropError


@click.command("variants")
def command():
    """Not built yet."""
    raise SympropError("'symprop variants' is not built yet")
