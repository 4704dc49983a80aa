"""Nothing a user wrote is lost (issue 14): symprop replaces and deletes only its own unchanged
files, keeps names inside the output folder, creates ordinary files, and cleans up on every
way out, including SIGTERM."""

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from symprop import output
from symprop.cli import main
from symprop.errors import OutputError
from symprop.output import Ledger, output_dir, uninterrupted, write_atomic, write_files
from symprop.variants import make

from conftest import EXAMPLES

NICE = EXAMPLES / "exam-relu-nice.yaml"
SMALL = EXAMPLES / "seed-001-linear-neuron.yaml"
HANG_SECONDS = 120


def variants(*args):
    return CliRunner().invoke(main, ["variants", *map(str, args)])


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# re-runs -------------------------------------------------------------------------------------
def test_a_rerun_keeps_an_edited_file_and_a_folder_symprop_did_not_write(tmp_path):
    folder = tmp_path / "exam-relu-nice" / "variants"
    assert variants(NICE, "-n", 3, "--seed", 1, "--output", tmp_path).exit_code == 0
    question = folder / "001" / "question.tex"
    original = question.read_text()
    question.write_text(original + "% my hint\n")
    (folder / "099").mkdir()
    (folder / "099" / "mine.txt").write_text("mine")

    refused = variants(NICE, "-n", 3, "--seed", 1, "--output", tmp_path)
    assert refused.exit_code == 2 and refused.output.count("\n") == 1
    assert "001/question.tex" in refused.output and "--force" in refused.output
    assert question.read_text() == original + "% my hint\n"
    assert (folder / "099" / "mine.txt").read_text() == "mine"

    forced = variants(NICE, "-n", 3, "--seed", 1, "--output", tmp_path, "--force")
    assert forced.exit_code == 0, forced.output
    assert question.read_text() == original
    assert (folder / "099" / "mine.txt").read_text() == "mine"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["sha256"]["001/question.tex"] == sha256(question)
    assert "099/mine.txt" not in manifest["sha256"]


def test_a_forced_smaller_run_deletes_only_its_own_unchanged_files(tmp_path):
    folder = tmp_path / "exam-relu-nice" / "variants"
    make(NICE, 3, 1, output=tmp_path)
    stale = folder / "003"
    (stale / "key.json").write_text("{}\n")  # changed by hand
    (stale / "notes.txt").write_text("mine")  # not symprop's
    (folder / "002" / "key.json").write_text("{}\n")  # replaced by the new run: needs force
    with pytest.raises(OutputError, match="another run"):
        make(NICE, 2, 5, output=tmp_path)
    make(NICE, 2, 5, output=tmp_path, force=True)
    assert sorted(p.name for p in stale.iterdir()) == ["key.json", "notes.txt"]
    assert (stale / "key.json").read_text() == "{}\n"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(manifest["sha256"]) == sorted(manifest["files"])
    assert not any(name.startswith("003/") for name in manifest["files"])
    assert manifest["sha256"]["002/key.json"] == sha256(folder / "002" / "key.json")
    make(NICE, 2, 5, output=tmp_path)  # the same run again: all its files are unchanged


def test_the_ledger_rules(tmp_path):
    ledger = Ledger(tmp_path)
    mine, theirs = tmp_path / "mine.txt", tmp_path / "theirs.txt"
    ledger.claim(mine, b"new")  # missing: fine
    write_atomic(mine, b"old")
    ledger.settle(mine, b"old")
    ledger.claim(mine, b"new")  # symprop's, unchanged
    theirs.write_bytes(b"same")
    ledger.claim(theirs, b"same")  # the same bytes
    with pytest.raises(OutputError, match="theirs.txt: exists, and symprop has no record of "
                                          "writing it; use --force to replace it"):
        ledger.claim(theirs, b"other")
    ledger.claim(theirs, b"other", force=True)
    mine.write_bytes(b"edited")
    with pytest.raises(OutputError, match="mine.txt: was changed after symprop wrote it; use "
                                          "--force to replace it"):
        ledger.claim(mine, b"new")
    with pytest.raises(OutputError, match="mine.txt: was changed"):
        ledger.claim(mine, None)
    with pytest.raises(OutputError, match="expected a path inside"):
        ledger.claim(tmp_path / ".." / "elsewhere.txt", b"x", force=True)
    assert ledger.remove_stale([]) == ["mine.txt"] and mine.exists() and theirs.exists()


def test_a_ledger_ignores_names_outside_its_folder(tmp_path):
    digest = hashlib.sha256(b"x").hexdigest()
    ledger = Ledger(tmp_path, {"../x": digest, "/etc/passwd": digest, "a/../../b": digest,
                               "ok/file": [digest], "bad": 3})
    assert list(ledger.recorded) == ["ok/file"]


# folders and names ---------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["solve", "--format", "tex", "--symbolic-seconds", "0"],
                                     ["variants", "-n", "1", "--seed", "1"]])
def test_an_output_path_taken_by_a_folder_or_a_file_is_one_line(tmp_path, command):
    spec = tmp_path / "spec.yaml"
    shutil.copy(NICE, spec)
    taken = tmp_path / "out" / "spec" / ("solution.tex" if command[0] == "solve" else
                                         "variants")
    (taken / "001").mkdir(parents=True) if command[0] == "solve" else (
        taken.parent.mkdir(parents=True), taken.write_text("a file"))
    for base in (tmp_path / "out", tmp_path / "spec.yaml"):  # a folder in the way; a file
        result = CliRunner().invoke(main, [command[0], str(spec), *command[1:],
                                           "--output", str(base), "--force"])
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1 and str(base) in result.output
    assert (taken / "001").is_dir() if command[0] == "solve" else taken.read_text() == "a file"


@pytest.mark.parametrize("name", ["...yaml", "..yaml", "....yaml"])
def test_a_spec_name_cannot_lead_out_of_the_output_folder(tmp_path, name):
    with pytest.raises(OutputError, match="rename the file"):
        output_dir(tmp_path / name, tmp_path / "base")
    spec = tmp_path / "specs" / name
    spec.parent.mkdir()
    shutil.copy(SMALL, spec)
    base = tmp_path / "nested" / "base"
    result = CliRunner().invoke(main, ["solve", str(spec), "--format", "tex", "--output",
                                       str(base), "--symbolic-seconds", "0"])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert not list((tmp_path / "nested").rglob("*.tex"))
    assert output_dir("a/.hidden.yaml", "b") == output_dir("x/.hidden.yaml", "b")


# permissions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)],
                         ids=["umask-022", "umask-027", "umask-002"])
def test_files_get_the_mode_of_an_ordinary_file(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        written = write_atomic(tmp_path / "a" / "sheet.tex", "text")
        own = tmp_path / "mine.tex"
        own.write_text("my own file")
        own.chmod(0o600)
        write_files(tmp_path, [(own, b"replaced")], force=True)
    finally:
        os.umask(previous)
    assert written.stat().st_mode & 0o777 == mode
    assert own.stat().st_mode & 0o777 == mode and own.read_bytes() == b"replaced"


def test_solve_writes_readable_files(tmp_path):
    previous = os.umask(0o022)
    try:
        result = CliRunner().invoke(main, ["solve", str(SMALL), "--format", "tex", "--output",
                                           str(tmp_path), "--symbolic-seconds", "0"])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert (tmp_path / SMALL.stem / "solution.tex").stat().st_mode & 0o777 == 0o644


# cleaning up ---------------------------------------------------------------------------------
def test_a_full_disk_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "solution.pdf"
    target.write_bytes(b"old")

    def full(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output.os, "fsync", full)
    with pytest.raises(OutputError) as caught:
        write_atomic(target, b"new")
    assert str(caught.value) == f"{target}: cannot write (No space left on device)"
    assert target.read_bytes() == b"old" and sorted(tmp_path.iterdir()) == [target]


def test_an_interruption_waits_until_a_file_is_whole(tmp_path, monkeypatch):
    def interrupting_fsync(descriptor):
        output.interrupt(signal.SIGTERM, None)  # as if SIGTERM arrived while writing

    monkeypatch.setattr(output.os, "fsync", interrupting_fsync)
    with pytest.raises(KeyboardInterrupt) as caught:
        write_atomic(tmp_path / "sheet.tex", "whole")
    assert caught.value.signum == signal.SIGTERM
    assert (tmp_path / "sheet.tex").read_text() == "whole"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.tex"]
    with pytest.raises(KeyboardInterrupt), uninterrupted():
        with uninterrupted():
            output.interrupt(signal.SIGINT, None)
        finished = True  # the inner block does not raise: the outer one is still running
    assert finished


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as handle:
                if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return found


def terminated(tmp_path, command: list, ready, group: bool = False
               ) -> tuple[subprocess.Popen, str]:
    """Start ``symprop COMMAND`` with its own TMPDIR, send SIGTERM once ``ready(process)``
    holds (to its whole process group, as systemd does, if ``group``), and return the
    process and its stderr."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "symprop.cli", *map(str, command)],
                               cwd=tmp_path, env=dict(os.environ, TMPDIR=str(temporary)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    while not ready(process):
        if process.poll() is not None:
            pytest.fail(f"symprop ended before the moment to interrupt it: "
                        f"{process.stderr.read().decode()}")
        time.sleep(0.005)
    if group:
        os.killpg(process.pid, signal.SIGTERM)
    else:
        process.send_signal(signal.SIGTERM)
    try:  # not a speed requirement: a process that hangs after SIGTERM fails instead
        _, stderr = process.communicate(timeout=HANG_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"symprop did not end within {HANG_SECONDS} s of SIGTERM")
    stderr = stderr.decode()
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    assert stderr.splitlines()[-1].split("\r")[-1] == \
        "symprop: interrupted; files already written are complete"
    assert not list(tmp_path.rglob("*.part"))
    assert not [p.name for p in temporary.iterdir() if p.name.startswith("symprop-")]
    return process, stderr


def tex_folders(tmp_path) -> bool:
    return any(p.name.startswith("symprop-tex-") for p in (tmp_path / "tmp").iterdir())


@pytest.mark.tex
@pytest.mark.parametrize("moment, group", [("drawing", False), ("drawing", True),
                                           ("writing", False), ("compiling", True)],
                         ids=["drawing", "drawing-group", "writing", "compiling-group"])
def test_sigterm_during_variants_cleans_up(tmp_path, moment, group):
    """-n 100 --pdf --jobs 2: two forked workers draw (from 64 variants on), threads write,
    two pdflatex run side by side. SIGTERM goes to symprop, or to its whole process group
    (then the workers and pdflatex get it too)."""
    folder = tmp_path / "out" / "exam-relu-nice" / "variants"
    workers = []

    def ready(process):
        if moment == "drawing":
            workers[:] = children(process.pid)
            return len(workers) >= 2
        if moment == "writing":
            return (folder / "001").exists()
        return tex_folders(tmp_path)

    terminated(tmp_path, ["variants", NICE, "-n", 100, "--seed", 1, "--pdf", "--jobs", 2,
                          "--output", tmp_path / "out"], ready, group)
    assert not (folder / "manifest.json").exists()
    for pid in workers:  # Pool.terminate ended them
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or " Z " in stat.read_text()


@pytest.mark.tex
def test_sigterm_during_a_pdf_sheet_cleans_up(tmp_path):
    terminated(tmp_path, ["solve", EXAMPLES / "textbook-2-2-1.yaml", "--format", "pdf",
                          "--output", tmp_path / "out", "--symbolic-seconds", "0"],
               lambda process: tex_folders(tmp_path))
    assert not (tmp_path / "out" / "textbook-2-2-1" / "solution.pdf").exists()
