"""Run the TeX engine safely: no shell escape, paranoid file access, a time limit.

The document is compiled in a private temporary folder, which is removed on every way out;
only the finished PDF is moved to its destination (atomically). A failed build raises
RenderError with the error lines of the log (or the engine's own output).

Every PDF is reproducible, whatever the template: the engine runs with
``\\pdfinfoomitdate=1`` (no /CreationDate or /ModDate), ``\\pdftrailerid{}`` (no random
/ID in the trailer) and ``\\pdfsuppressptexinfo=-1`` (no temporary file names), set on its
command line before the document is read. SOURCE_DATE_EPOCH is fixed as well, for any
package that asks the engine for the date.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

from .errors import RenderError
from .output import temporary_folder, write_atomic

ENGINE = "pdflatex"
RUNS = 2  # the second run settles references and TikZ positions
# A document without cross-references (the variants' bundles) needs one run only.
SECONDS = 180
POLL_SECONDS = 0.1  # how often a running engine looks for a cancel
LOG_TAIL_LINES = 25
REPRODUCIBLE = r"\pdfinfoomitdate=1 \pdftrailerid{} \pdfsuppressptexinfo=-1 "
SOURCE_DATE_EPOCH = "0"


def available() -> bool:
    return shutil.which(ENGINE) is not None


def pdf_bytes(tex: str, runs: int = RUNS, cancel: threading.Event | None = None,
              log: list | None = None) -> bytes:
    """Compile LaTeX source ``tex`` (``runs`` times) and return the PDF. Setting ``cancel``
    (from another thread) stops the engine at once; ``log``, a list, receives the last
    run's log text (overfull boxes, for tests)."""
    if not available():
        raise RenderError(f"{ENGINE} not found: install TeX Live (see the README) to build PDFs")
    env = dict(os.environ, openin_any="p", openout_any="p", shell_escape="f",
               TEXMFOUTPUT="", max_print_line="1000", SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
    env.pop("FORCE_SOURCE_DATE", None)  # \today stays today's date in an instructor's template
    with temporary_folder("symprop-tex-") as work:
        (work / "sheet.tex").write_text(tex, encoding="utf-8")
        command = [ENGINE, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                   "-file-line-error", "-jobname=sheet", REPRODUCIBLE + r"\input{sheet.tex}"]
        for _ in range(max(1, runs)):
            result = _run(command, work, env, cancel)
            if result.returncode != 0:
                raise RenderError(f"{ENGINE} failed: "
                                  f"{_failure(work / 'sheet.log', result)}")
        if log is not None:
            log.append((work / "sheet.log").read_text(encoding="utf-8", errors="replace"))
        return (work / "sheet.pdf").read_bytes()


def _run(command, work, env, cancel) -> subprocess.CompletedProcess:
    """subprocess.run with a time limit that also stops when ``cancel`` is set."""
    deadline = time.monotonic() + SECONDS
    with subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        try:
            while True:
                try:
                    stdout, stderr = process.communicate(timeout=POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    if cancel is not None and cancel.is_set():
                        raise RenderError(f"{ENGINE} was stopped") from None
                    if time.monotonic() > deadline:
                        raise RenderError(f"{ENGINE} did not finish within {SECONDS} s"
                                          ) from None
        except BaseException:  # also Ctrl-C and SIGTERM: the engine goes too
            process.kill()
            process.wait()
            raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def build_pdf(tex: str, destination: str | Path, runs: int = RUNS,
              log: list | None = None) -> Path:
    """Compile ``tex`` and write the PDF to ``destination`` atomically (``log``: as for
    pdf_bytes)."""
    return write_atomic(destination, pdf_bytes(tex, runs, log=log))


def _failure(log: Path, result: subprocess.CompletedProcess) -> str:
    """What went wrong, never empty: the log's error lines, else the error lines of the
    engine's output (some errors, such as an over-long line, reach only stderr), else the
    log's tail, else the exit status."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    output = (result.stdout + b"\n" + result.stderr).decode("utf-8", errors="replace")
    output = output.splitlines()
    for text in (lines, output):
        for pattern in (_ERROR, _LATE_ERROR):
            for i, line in enumerate(text):
                found = pattern.search(line)
                if found:
                    return _joined([line[found.start():], *text[i + 1:i + LOG_TAIL_LINES]])
    tail = _joined((lines or output)[-LOG_TAIL_LINES:])
    return tail or f"exit status {result.returncode}, and no message in its log or output"


_ERROR = re.compile(r"^(?:!|\./sheet\.tex:\d+:)")
_LATE_ERROR = re.compile(r"! [A-Z]")  # an error printed at the end of another line


def _joined(lines: list[str]) -> str:
    return " | ".join(line.strip() for line in lines if line.strip())
