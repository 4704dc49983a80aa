"""Run the TeX engine safely: no shell escape, paranoid file access, a time limit.

The document is compiled in a private temporary folder; only the finished PDF is moved
to its destination (atomically). A failed build raises RenderError with the log's tail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import RenderError
from .output import write_atomic

ENGINE = "pdflatex"
RUNS = 2  # the second run settles references and TikZ positions
# A document without cross-references (the variants' bundles) needs one run only.
SECONDS = 180
LOG_TAIL_LINES = 25


def available() -> bool:
    return shutil.which(ENGINE) is not None


def build_pdf(tex: str, destination: str | Path, runs: int = RUNS,
              log: list | None = None) -> Path:
    """Compile LaTeX source ``tex`` (``runs`` times) and write the PDF to ``destination``;
    ``log``, a list, receives the last run's log text (overfull boxes, for tests)."""
    if not available():
        raise RenderError(f"{ENGINE} not found: install TeX Live (see the README) to build PDFs")
    env = dict(os.environ, openin_any="p", openout_any="p", shell_escape="f",
               TEXMFOUTPUT="", max_print_line="1000")
    with tempfile.TemporaryDirectory(prefix="symprop-tex-") as work:
        source = Path(work) / "sheet.tex"
        source.write_text(tex, encoding="utf-8")
        command = [ENGINE, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                   "-file-line-error", "sheet.tex"]
        for _ in range(max(1, runs)):
            try:
                result = subprocess.run(command, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                        capture_output=True, timeout=SECONDS, check=False)
            except subprocess.TimeoutExpired:
                raise RenderError(f"{ENGINE} did not finish within {SECONDS} s") from None
            if result.returncode != 0:
                raise RenderError(f"{ENGINE} failed: {_log_tail(Path(work) / 'sheet.log')}")
        if log is not None:
            log.append((Path(work) / "sheet.log").read_text(encoding="utf-8", errors="replace"))
        return write_atomic(destination, (Path(work) / "sheet.pdf").read_bytes())


def _log_tail(log: Path) -> str:
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "no log was written"
    errors = [i for i, line in enumerate(lines)
              if line.startswith("!") or re.match(r"\./sheet\.tex:\d+:", line)]
    start = errors[0] if errors else max(0, len(lines) - LOG_TAIL_LINES)
    return " | ".join(line for line in lines[start:start + LOG_TAIL_LINES] if line.strip())
