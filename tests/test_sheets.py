"""Solution sheets: golden .tex files, seed 004's numbers in the PDF and the HTML page,
literal user text, carry-mode footnotes, the CLI, and the prepared renderer's speed."""

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from symprop.cli import main
from symprop.sheets import SheetRenderer, render_solution
from symprop.solution import Solution
from symprop.spec import load, loads

from conftest import DEEP_SPEC, worked_lines

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SEED_004 = ROOT / "examples" / "textbook-2-2-1.yaml"
PDFTOTEXT = shutil.which("pdftotext")
HOSTILE = r"\input{/etc/passwd} $ % _ {{ x }} ((( x ))) ((* if *)) <b>&</b>"

# seed 004 ("9.7 A backpropagation worked example by hand"), copied from the seed text
SEED_004_FORWARD = ["0.6457", "0.5", "0.2520", "0.5627", "0.0956", "-0.1076"]
SEED_004_GRADIENTS = ["-0.0695", "-0.0538", "-0.1076", "-0.0172", "0"]
SEED_004_UPDATED = ["0.5086", "0.1933", "0.1086", "-0.2067", "-0.4731", "0.1038"]
SEED_004_AFTER = "0.0858"


def _solution(path):
    return Solution(load(path), verify=False)


def _normalise(text: str) -> str:
    return text.replace("\u2212", "-")


def _has(text: str, number: str) -> bool:
    return _normalise(number) in _normalise(text)


@pytest.mark.parametrize("stem", ["textbook-2-2-1", "seed-000-relu-chain",
                                  "seed-001-linear-neuron"])
def test_golden_tex(stem):
    """The sheet's LaTeX is byte-for-byte the reviewed golden file (checks left out:
    their float differences depend on the platform). SYMPROP_UPDATE_GOLDEN=1 rewrites."""
    solution = _solution(ROOT / "examples" / f"{stem}.yaml")
    renderer = SheetRenderer(solution.graph)
    tex = renderer.tex(dict(solution.values.items()), carry=solution.carry(4), decimals=4)
    golden = GOLDEN / f"{stem}.tex"
    if os.environ.get("SYMPROP_UPDATE_GOLDEN"):
        golden.write_text(tex, encoding="utf-8")
    assert tex == golden.read_text(encoding="utf-8")


def test_seed_004_tex_has_every_number():
    tex = render_solution(_solution(SEED_004), "tex")
    for number in SEED_004_FORWARD + SEED_004_GRADIENTS + SEED_004_UPDATED + [SEED_004_AFTER]:
        assert _has(tex, number), number
    assert "0.0135" in tex  # δ⁽¹⁾₂ (the seed writes the unrounded 0.01345)
    assert "0.7347" in tex  # exact, rounded; the footnote gives the carried 0.7348
    assert "0.7348" in tex
    assert r"\frac{1}{1 + e^{-0.6}}" in tex and r"\frac{1}{1 + 0.5488}" in tex  # seed 004
    assert r"0.5 \cdot 1 + (-0.3) \cdot 0 + 0.1" in tex
    assert "+ -" not in tex and "-0 " not in tex


def test_carry_mode_matches_hand_calculation_and_footnotes_exact_value():
    solution = _solution(SEED_004)
    renderer = SheetRenderer(solution.graph)
    carry = renderer.context(dict(solution.values.items()), solution.carry(4), None, 4,
                             "carry")
    update = {line.name: line for u in carry["steps"][0]["updates"] for line in u["lines"]}
    assert update["next.W2[1,1]"].result == "0.7348"  # seed 004's value
    assert update["next.W2[1,1]"].footnote["other"] == "0.7347"
    exact = renderer.context(dict(solution.values.items()), solution.carry(4), None, 4,
                             "exact")
    update = {line.name: line for u in exact["steps"][0]["updates"] for line in u["lines"]}
    assert update["next.W2[1,1]"].result == "0.7347"
    assert update["next.W2[1,1]"].footnote["other"] == "0.7348"


@pytest.mark.tex
def test_seed_004_pdf_text():
    if not shutil.which("pdflatex") or not PDFTOTEXT:
        pytest.skip("pdflatex or pdftotext not installed")
    pdf = render_solution(SEED_004 and Solution(load(SEED_004)), "pdf")
    text = subprocess.run([PDFTOTEXT, "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    for number in SEED_004_FORWARD + SEED_004_GRADIENTS + SEED_004_UPDATED + [SEED_004_AFTER]:
        assert _has(text, number), number
    assert _has(text, "0.0135") or _has(text, "0.01345")
    assert _has(text, "0.7347") or _has(text, "0.7348")
    assert "Verification" in text and "Finite differences" in text


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.parts.append(data)


def test_html_page_is_self_contained_and_has_the_numbers():
    page = render_solution(Solution(load(SEED_004)), "html")
    parser = _Text()
    parser.feed(page)
    text = "".join(parser.parts)
    for number in SEED_004_FORWARD + SEED_004_GRADIENTS + SEED_004_UPDATED + [SEED_004_AFTER]:
        assert _has(text, number), number
    assert "math" in parser.tags
    assert "script" not in parser.tags and "http" not in page.replace(
        'xmlns="http://www.w3.org/1998/Math/MathML"', "")


HOSTILE_SPEC = """
name: '{name}'
description: '{name}'
layers: [{{units: 1}}, {{units: 1, activation: sigmoid}}]
names: {{w_1: "W1[1,1]"}}
parameters: {{w_1: 0.5, b1: 0.1}}
data: [{{x: 1, y: 1}}]
loss: half_squared_error
learning_rate: 0.5
"""


def _hostile():
    return Solution(loads(HOSTILE_SPEC.format(name=HOSTILE), "hostile"), verify=False)


def test_user_text_is_escaped_in_tex_and_html():
    solution = _hostile()
    tex = render_solution(solution, "tex")
    assert r"\input{/etc/passwd}" not in tex
    assert r"\textbackslash{}input\{/etc/passwd\} \$ \% \_" in tex
    assert r"\{\{ x \}\}" in tex and "w\\_1" in tex  # the textbook name, escaped
    page = render_solution(solution, "html")
    assert "<b>&</b>" not in page and "&lt;b&gt;&amp;&lt;/b&gt;" in page


@pytest.mark.tex
def test_user_text_is_typeset_literally_in_the_pdf():
    if not shutil.which("pdflatex") or not PDFTOTEXT:
        pytest.skip("pdflatex or pdftotext not installed")
    pdf = render_solution(_hostile(), "pdf")
    text = subprocess.run([PDFTOTEXT, "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    flat = " ".join(text.split())
    assert r"\input{/etc/passwd} $ % _ {{ x }} ((( x ))) ((* if *))" in flat
    assert "root:" not in text  # nothing was read




def test_any_network_renders_every_node():
    """Depth 3, a batch, two steps, softmax, frozen parameters, no and shared biases: every
    computed node of the graph appears as a worked line."""
    solution = Solution(loads(DEEP_SPEC, "network"), verify=False)
    renderer = SheetRenderer(solution.graph)
    context = renderer.context(dict(solution.values.items()), solution.carry(4))
    shown = {line.name for line in worked_lines(context)}
    computed = {node.name for node in solution.graph if node.formula is not None}
    assert computed <= shown, sorted(computed - shown)[:5]
    tex = renderer.tex(dict(solution.values.items()), solution.carry(4))
    assert r"\langle 1\rangle" in tex and "[2]" in tex
    if shutil.which("pdflatex"):
        from symprop.tex import build_pdf
        build_pdf(tex, Path(os.environ.get("TMPDIR", "/tmp")) / "symprop-network-test.pdf")


def test_user_templates_folder_comes_first(tmp_path):
    solution = _solution(SEED_004)
    (tmp_path / "solution.tex.j2").write_text("MY LOOK ((( problem.name|tex )))\n")
    tex = render_solution(solution, "tex", user_templates=tmp_path)
    assert tex == "MY LOOK Textbook 2-2-1 sigmoid network\n"


def test_cli_rewrites_its_own_sheet_and_refuses_an_edited_one(tmp_path):
    runner = CliRunner()
    out = tmp_path / "out" / SEED_004.stem
    args = ["solve", str(SEED_004), "--format", "tex", "--output", str(tmp_path / "out"),
            "--symbolic-seconds", "0"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (out / "solution.tex").exists() and str(out / "solution.tex") in result.output
    assert runner.invoke(main, args).exit_code == 0  # same content: fine
    result = runner.invoke(main, [*args, "--rounding", "carry"])  # its own, unchanged file
    assert result.exit_code == 0 and "0.7348" in (out / "solution.tex").read_text()
    edited = (out / "solution.tex").read_text() + "% my note\n"
    (out / "solution.tex").write_text(edited)
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "solution.tex" in result.output and "--force" in result.output
    assert (out / "solution.tex").read_text() == edited
    result = runner.invoke(main, [*args, "--force"])
    assert result.exit_code == 0
    assert "0.7347" in (out / "solution.tex").read_text()


def test_chromium_renders_the_page(tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium not installed")
    page = tmp_path / "solution.html"
    page.write_text(render_solution(_solution(SEED_004), "html"), encoding="utf-8")
    png = tmp_path / "page.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--virtual-time-budget=2000",
                    f"--screenshot={png}", "--window-size=1000,1400", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert png.exists() and png.stat().st_size > 10_000


def test_digits_change_every_shown_value():
    tex = render_solution(_solution(SEED_004), "tex", decimals=2)
    assert r"\approx \mathbf{0.65}" in tex and "0.6457" not in tex
    assert r"\approx \mathbf{0.10}" in tex  # the loss 0.0956 at two places


def test_jupyter_displays_the_sheet():
    solution = _solution(SEED_004)
    markdown = solution._repr_markdown_()
    assert "## Solution: Textbook 2-2-1 sigmoid network" in markdown
    assert "$$" in markdown and "0.0858" in markdown
    latex = solution._repr_latex_()
    assert latex.startswith("$$") and latex.rstrip().endswith("$$")
    assert r"\begin{aligned}" in latex and "0.5627" in latex
    assert "<math" in solution._repr_html_()


def _solution_of(text):
    return Solution(loads(text, "spec"), verify=False)


def test_significant_figures_from_the_cli_and_the_spec(tmp_path):
    """Seed 004 switches to significant figures for small values: δ⁽¹⁾₂ = 0.01345."""
    runner = CliRunner()
    base = ["solve", str(SEED_004), "--format", "tex", "--output", str(tmp_path),
            "--symbolic-seconds", "0", "--force"]
    assert runner.invoke(main, [*base, "--significant", "4"]).exit_code == 0
    tex = (tmp_path / SEED_004.stem / "solution.tex").read_text()
    assert "4 significant figures" in tex and "decimal places" not in tex
    assert _has(tex, "0.01345") and _has(tex, "0.6457") and _has(tex, "0.5627")
    assert _has(tex, "0.7") and _has(tex, "-0.3")  # the givens stay as written
    result = runner.invoke(main, [*base, "--significant", "3", "--digits", "2"])
    assert result.exit_code == 2 and "not both" in result.output
    spec = tmp_path / "sig.yaml"
    spec.write_text(SEED_004.read_text() + "\nsignificant: 3\n")
    assert runner.invoke(main, [*base[:1], str(spec), *base[2:]]).exit_code == 0
    tex = (tmp_path / "sig" / "solution.tex").read_text()
    # δ⁽¹⁾ = (0.7·(−0.107616)·0.228784, (−0.5)·(−0.107616)·0.25) = (−0.017235, 0.013452)
    assert "3 significant figures" in tex and _has(tex, "-0.0172") and _has(tex, "0.0135")
    assert _has(tex, "0.646")


def test_a_tiny_given_is_shown_as_written_and_a_tiny_change_is_not_zero():
    solution = _solution_of("""
name: small
layers: [{units: 1}, {units: 1, activation: sigmoid}]
parameters: {W1: [[0.00005]], b1: [0.123456]}
data: [{x: 2, y: 1}]
loss: half_squared_error
learning_rate: 0.00001
""")
    tex = render_solution(solution, "tex")
    assert r"\eta = 0.00001" in tex and "0.00005 \\cdot 2 + 0.123456" in tex
    assert r"\eta = 0.0000" not in tex.replace(r"\eta = 0.00001", "")
    # the loss falls by less than 0.00005, so four places would show a decrease of 0.0000
    assert "a decrease of $0.0000$" not in tex and r"\times 10^{-" in tex


def test_cli_compact_sheet(tmp_path):
    """--compact writes the sheet in matrix form: it says so, and has no per-entry line
    where a matrix states the entries (seed 004's hidden layer)."""
    runner = CliRunner()
    args = ["solve", str(SEED_004), "--format", "tex", "--output", str(tmp_path),
            "--symbolic-seconds", "0"]
    assert runner.invoke(main, [*args, "--compact"]).exit_code == 0
    compact = (tmp_path / SEED_004.stem / "solution.tex").read_text()
    assert "This is the compact sheet" in compact
    assert r"\delta^{(1)}_{1} &" not in compact and r"\boldsymbol{\delta}^{(1)} &" in compact
    assert r"\mathbf{z}^{(1)} & = \mathbf{W}^{(1)} \mathbf{x} + \mathbf{b}^{(1)}" in compact
    assert runner.invoke(main, [*args, "--force"]).exit_code == 0
    full = (tmp_path / SEED_004.stem / "solution.tex").read_text()
    assert r"\delta^{(1)}_{1} &" in full and "compact" not in full
