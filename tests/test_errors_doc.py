"""docs/errors.md is a table of inputs and their messages: every row still holds."""

import re
import subprocess
import sys

import pytest

from conftest import ROOT

DOC = (ROOT / "docs" / "errors.md").read_text()
BASE = re.search(r"```yaml\n(.*?)```", DOC, re.S).group(1)
ROWS = [line for line in DOC.splitlines() if line.startswith("| ") and "`" in line]


def pieces(cell: str) -> list[str]:
    return [p.replace("\\n", "\n").replace("\\|", "|") for p in re.findall(r"`([^`]*)`", cell)]


def cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_the_table_is_not_empty():
    assert len(ROWS) >= 25


@pytest.mark.parametrize("row", ROWS, ids=[cells(r)[0] for r in ROWS])
def test_documented_message(tmp_path, row):
    title, old, new, message = cells(row)
    (old,), (new, *extras), (message,) = pieces(old), pieces(new), pieces(message)
    text = BASE.replace(old, new, 1)
    for extra in extras:  # further edits: 'loss: …' replaces the loss line, 'y: […]' the target
        key = extra.split(":")[0]
        text = re.sub(rf"\b{key}: [^\n,}}]*\]?", extra, text, count=1)
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    result = subprocess.run([sys.executable, "-m", "symprop.cli", "solve", str(spec),
                             "--symbolic-seconds", "0"], capture_output=True, text=True)
    assert result.returncode == 2, title
    assert result.stderr.strip().replace(str(spec), "spec.yaml") == message
