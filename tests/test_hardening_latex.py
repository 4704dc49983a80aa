"""User text reaches LaTeX, HTML and XML only escaped: it is typeset literally and never
executed (issue 6). Every view is tried: solution sheets, the marked check sheet, and the
variants' questions, solutions and Moodle XML."""

import subprocess
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from symprop.cli import main

from conftest import EXAMPLES

ATTACKS = ["\\input{/etc/passwd}", "\\write18{touch PWNED}", "\\immediate\\write18{ls}",
           "^^5cinput{/etc/passwd}", "{{ 7*7 }}", "((( 7*7 )))", "((* if true *))x((* endif *))",
           "$\\$ % _ & # ~ < > |", "]]> <b>&amp;</b> {1:NUMERICAL:=9}"]
TITLE = " ".join(ATTACKS)


def spec_with_title(tmp_path, extra: str = ""):
    """The seed 004 spec with the attacks as its name and description (block scalars:
    YAML takes their text literally)."""
    text = (EXAMPLES / "textbook-2-2-1.yaml").read_text()
    text = text.replace("name: Textbook 2-2-1 sigmoid network", f"name: |-\n  {TITLE}", 1)
    text = text.replace("description: Section 9.7 worked example (seed 004)",
                        f"description: |-\n  desc {TITLE}", 1)
    spec = tmp_path / "hostile.yaml"
    spec.write_text(text + extra)
    return spec


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def assert_literal(text: str) -> None:
    """The attack strings appear as typed (up to spacing); nothing was evaluated."""
    squeezed = "".join(text.split())
    for attack in ["\\input{/etc/passwd}", "\\write18{touchPWNED}", "{{7*7}}", "(((7*7)))",
                   "^^5cinput"]:
        assert attack in squeezed, attack
    assert "root:x:" not in text


def test_the_spec_title_is_read_back_exactly(tmp_path):
    import symprop
    problem = symprop.load(spec_with_title(tmp_path))
    assert problem.name == TITLE and problem.description == "desc " + TITLE


@pytest.mark.tex
def test_solution_sheet_pdf_and_html(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = spec_with_title(tmp_path)
    runner = CliRunner()
    for fmt in ("pdf", "html"):
        result = runner.invoke(main, ["solve", str(spec), "--format", fmt, "--output",
                                      str(tmp_path / "out"), "--symbolic-seconds", "0"])
        assert result.exit_code == 0, result.output
    out = tmp_path / "out" / spec.stem
    tex = (out / "solution.tex").read_text()
    assert "\\input{/etc" not in tex and "\\write18" not in tex and "^^5c" not in tex
    assert_literal(pdf_text(out / "solution.pdf"))
    html = (out / "solution.html").read_text()
    assert "<b>&amp;</b>" not in html and "{{ 7*7 }}" in html and "49" not in html.split(
        "<body")[1].split("Given")[0]
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.tex
def test_marked_check_sheet(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = spec_with_title(tmp_path)
    result = CliRunner().invoke(main, ["check", str(spec), "--claim", "loss=0.0956",
                                       "--claim", "\\input{/etc/passwd}=1", "--claim",
                                       "{{ 7*7 }}=2", "--format", "pdf", "--output",
                                       str(tmp_path / "marked")])
    assert result.exit_code == 0, result.output
    (pdf,) = (tmp_path / "marked").rglob("*.pdf")
    text = pdf_text(pdf)
    assert "root:x:" not in text and "{{ 7*7 }}" in text.replace("{{7*7}}", "{{ 7*7 }}")
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.tex
def test_variant_question_solution_and_moodle(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = spec_with_title(tmp_path)
    result = CliRunner().invoke(main, ["variants", str(spec), "-n", "2", "--seed", "1",
                                       "--pdf", "--output", str(tmp_path / "v"),
                                       "--jobs", "1"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "v" / spec.stem / "variants"
    for name in ("questions.pdf", "solutions.pdf"):
        assert_literal(pdf_text(folder / name))
    question = (folder / "001" / "question.tex").read_text()
    assert "\\input{/etc" not in question and "\\write18" not in question
    bank = ET.parse(folder / "moodle.xml").getroot()
    texts = [q.findtext("questiontext/text") for q in bank.iter("question")
             if q.get("type") == "cloze"]
    assert texts and all("{1:NUMERICAL:=9}" not in t for t in texts)
    assert not (tmp_path / "PWNED").exists()
