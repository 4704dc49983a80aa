"""docs/errors.md is a table of inputs and their messages: every row still holds."""

import re

import pytest
from click.testing import CliRunner

from symprop.cli import main

from conftest import ROOT

DOC = (ROOT / "docs" / "errors.md").read_text()
# each table's rows start from the yaml block above it (a layered spec, then a graph spec)
SECTIONS = re.split(r"```yaml\n", DOC)[1:]
ROWS = [(section.split("```")[0], line) for section in SECTIONS
        for line in section.split("```")[1].splitlines()
        if line.startswith("| ") and "`" in line]


def pieces(cell: str) -> list[str]:
    return [p.replace("\\n", "\n").replace("\\|", "|") for p in re.findall(r"`([^`]*)`", cell)]


def cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_the_table_is_not_empty():
    assert len(ROWS) >= 25


@pytest.mark.parametrize("base, row", ROWS, ids=[cells(r)[0] for _, r in ROWS])
def test_documented_message(tmp_path, base, row):
    title, old, new, message = cells(row)
    (old,), (new, *extras), (message,) = pieces(old), pieces(new), pieces(message)
    assert old in base, title
    text = base.replace(old, new, 1)
    for extra in extras:  # further edits: 'loss: …' replaces the loss line, 'y: […]' the target
        key = extra.split(":")[0]
        text = re.sub(rf"\b{key}: [^\n,}}]*\]?", extra, text, count=1)
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    # in this process (a subprocess per row cost a second each): the same command line
    result = CliRunner().invoke(main, ["solve", str(spec), "--symbolic-seconds", "0"])
    assert result.exit_code == 2, title
    assert result.stderr.strip().replace(str(spec), "spec.yaml") == message
