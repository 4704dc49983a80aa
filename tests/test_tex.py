"""The TeX engine runs safely, and a failed build says what failed."""

import pytest

from symprop.errors import RenderError
from symprop.tex import build_pdf, pdf_bytes


@pytest.mark.tex
def test_a_failed_build_reports_the_error_line(tmp_path):
    tex = "\\documentclass{article}\n\\begin{document}\nfine\n\\undefinedmacro\n\\end{document}\n"
    with pytest.raises(RenderError) as caught:
        build_pdf(tex, tmp_path / "out.pdf")
    message = str(caught.value)
    assert "Undefined control sequence" in message and "sheet.tex:4" in message
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.tex
@pytest.mark.parametrize("attack", [
    "\\immediate\\write18{touch PWNED}",
    "\\input{/etc/passwd}",
    "\\newwrite\\f\\immediate\\openout\\f=/tmp/symprop-PWNED\\immediate\\write\\f{x}",
])
def test_the_engine_refuses_shell_escape_and_outside_files(tmp_path, monkeypatch, attack):
    """Even raw LaTeX (which symprop never emits from user text) cannot run commands,
    read files outside its folder or write outside it."""
    monkeypatch.chdir(tmp_path)
    tex = f"\\documentclass{{article}}\n\\begin{{document}}\n{attack}\nx\n\\end{{document}}\n"
    try:
        build_pdf(tex, tmp_path / "out.pdf")
    except RenderError:
        pass
    assert not (tmp_path / "PWNED").exists()
    import os
    assert not os.path.exists("/tmp/symprop-PWNED")
    if (tmp_path / "out.pdf").exists() and "passwd" in attack:
        import subprocess
        text = subprocess.run(["pdftotext", str(tmp_path / "out.pdf"), "-"],
                              capture_output=True, text=True).stdout
        assert "root:" not in text


@pytest.mark.tex
def test_every_pdf_is_reproducible_whatever_its_template():
    """No dates and no random trailer /ID, set by the engine's command line: this document
    has none of the template lines that once did it for the solution sheet only."""
    tex = "\\documentclass{article}\n\\begin{document}\nsame bytes\n\\end{document}\n"
    first = pdf_bytes(tex, runs=1)
    assert first == pdf_bytes(tex, runs=1)
    for entry in (b"/CreationDate", b"/ModDate", b"/ID", b"PTEX.FileName"):
        assert entry not in first


@pytest.mark.tex
def test_a_failure_that_reaches_only_stderr_is_reported():
    """An over-long line (a 900 KB description did it) stops TeX with a message on stderr
    only; it used to come out as the log's unrelated tail, or as nothing."""
    tex = "\\documentclass{article}\n\\begin{document}\n" + "x" * 250_000 + "\n\\end{document}\n"
    with pytest.raises(RenderError, match="Unable to read an entire line"):
        pdf_bytes(tex, runs=1)


def test_a_failure_message_is_never_empty(tmp_path):
    import subprocess

    from symprop.tex import _failure

    silent = subprocess.CompletedProcess([], 1, b"", b"")
    assert _failure(tmp_path / "missing.log", silent) == \
        "exit status 1, and no message in its log or output"
    (tmp_path / "sheet.log").write_text("\n\n")
    assert _failure(tmp_path / "sheet.log", silent).startswith("exit status 1")
