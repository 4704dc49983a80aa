"""The TeX engine runs safely, and a failed build says what failed."""

import pytest

from symprop.errors import RenderError
from symprop.tex import build_pdf


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
