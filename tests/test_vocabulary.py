"""One vocabulary for every view (issue 9): a quantity is written the same way on a sheet, a
variant's question, its key, its Moodle question and a check report; every activation,
loss and mistake has its words; user text in any script typesets; user templates run in
the sandbox; the variants block's errors name their line and column."""

import json
import subprocess
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from symprop.activations import ACTIVATIONS
from symprop.check import Checker
from symprop.check.checker import MISTAKES
from symprop.check.claims import RawClaim
from symprop.check.report import FORMULA_VERDICTS, VERDICTS
from symprop.cli import main
from symprop.errors import RenderError, SpecError
from symprop.losses import LOSSES
from symprop.render import environment, latex_escape
from symprop.sheets import SheetRenderer
from symprop.spec import loads
from symprop.variants import Plan, make

from conftest import EXAMPLES

# Written by hand in the textbook's notation (seed 004): the sheet's symbols are the reference
SYMBOLS = {
    "z2[1]": r"z^{(2)}",
    "delta2[1]": r"\delta^{(2)}",
    "grad.W1[1,2]": r"\frac{\partial \mathcal{L}}{\partial W^{(1)}_{12}}",
    "next.W2[1,1]": r"W^{(2)}_{11,\text{new}}",
    "loss": r"\mathcal{L}",
}
ASKED = "variants:\n  ask: [" + ", ".join(f'"{n}"' for n in SYMBOLS) + "]\n"


def test_a_quantity_is_written_the_same_way_in_every_view(tmp_path):
    spec = tmp_path / "seed.yaml"
    spec.write_text((EXAMPLES / "textbook-2-2-1.yaml").read_text() + ASKED)
    problem = loads(spec.read_text())
    sheet = SheetRenderer(problem.solve(verify=False).graph)
    folder = make(spec, 1, 3, output=tmp_path / "out", jobs=1)
    question = (folder / "001" / "question.tex").read_text()
    solution = (folder / "001" / "solution.tex").read_text()
    key = json.loads((folder / "001" / "key.json").read_text())
    moodle = ET.parse(folder / "moodle.xml").getroot()
    moodle_text = moodle.find("./question[@type='cloze']/questiontext/text").text
    report = Checker(problem).check([RawClaim(name, "0") for name in SYMBOLS]).to_dict()
    by_claim = {c["name"]: c["symbol"] for c in report["claims"]}
    for name, symbol in SYMBOLS.items():
        assert sheet.symbols[name] == symbol
        assert f"${symbol} = $" in question
        assert f"${symbol}$ &" in solution  # the answer key's table
        assert [a["symbol"] for a in key["answers"] if a["name"] == name] == [symbol]
        assert f"\\({symbol}\\) =" in moodle_text.replace("&amp;", "&")
        assert by_claim[name] == symbol


def test_every_record_and_code_has_its_words():
    words = environment().get_template("words.j2").module
    assert set(words.activation) == set(ACTIVATIONS)
    assert set(words.loss) == set(LOSSES)
    assert set(words.mistake) == {m.code for m in MISTAKES}
    assert set(words.verdict) == set(VERDICTS)
    assert set(words.formula_verdict) == set(FORMULA_VERDICTS)


def test_the_variants_block_errors_name_line_and_column():
    text = (EXAMPLES / "textbook-2-2-1.yaml").read_text()
    line = text.count("\n") + 3  # 'variants:', 'ask: [loss]', then the bad grid
    problem = loads(text + "variants:\n  ask: [loss]\n  vary: {W1: {low: 0, high: 1e300}}\n",
                    "spec")
    with pytest.raises(SpecError) as error:
        Plan(problem)
    assert str(error.value).startswith(f"spec:{line}:")
    assert "variants.vary.W1.high" in str(error.value)


def test_latex_escape_keeps_any_text_typesettable():
    assert latex_escape("η σ − ŷ ²") == "η σ − ŷ ²"  # declared in unicode.tex.j2
    assert latex_escape("y\u0302") == "ŷ"  # a combining hat becomes the precomposed letter
    assert latex_escape("中") == r"\textup{[U+4E2D]}"
    assert latex_escape("a\u200bb\u202ec") == "abc"  # zero-width and bidi controls dropped
    assert latex_escape("one\n\ntwo") == "one two"  # no paragraph break inside an argument


@pytest.mark.tex
def test_greek_minus_superscripts_and_other_scripts_typeset_in_every_pdf(tmp_path):
    text = (EXAMPLES / "textbook-2-2-1.yaml").read_text()
    name = "Learning rate η, σ(z) − ŷ² ≈ x₁ 中文\u200b\u202e"
    text = text.replace("name: Textbook 2-2-1 sigmoid network", f'name: "{name}"', 1)
    text = text.replace("description: Section 9.7 worked example (seed 004)",
                        'description: "First line\\n\\nSecond: ∂L/∂ŷ ⊙ δ⁽²⁾"', 1)
    spec = tmp_path / "greek.yaml"
    spec.write_text(text + "variants:\n  ask: [loss]\n")
    runner = CliRunner()
    out = tmp_path / "out"
    pdfs = []
    result = runner.invoke(main, ["solve", str(spec), "--format", "pdf", "--output", str(out)])
    assert result.exit_code == 0, result.output
    pdfs.append(out / "greek" / "solution.pdf")
    result = runner.invoke(main, ["check", str(spec), "--claim", "loss=0.0956", "--format",
                                  "pdf", "--output", str(out)])
    assert result.exit_code == 0, result.output
    pdfs.append(out / "greek" / "check-claims.pdf")
    result = runner.invoke(main, ["variants", str(spec), "-n", "1", "--seed", "1", "--pdf",
                                  "--output", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    pdfs.append(out / "greek" / "variants" / "questions.pdf")
    for pdf in pdfs:
        words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                               check=True).stdout
        assert "η" in words and "σ(z) −" in words and "≈" in words and "[U+4E2D]" in words


def test_user_templates_run_in_the_sandbox(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "solution-body.tex.j2").write_text(
        "((( cycler.__init__.__globals__.os.popen('echo PWNED').read() )))\n")
    solution = loads((EXAMPLES / "textbook-2-2-1.yaml").read_text()).solve(verify=False)
    renderer = SheetRenderer(solution.graph, folder)
    with pytest.raises(RenderError, match="sandbox"):
        renderer.tex(dict(solution.values.items()))


def test_one_number_display_for_the_sheet_the_table_and_the_json():
    """tanh′(40) = 1 − tanh²(40) ≈ 4e⁻⁸⁰ = 7.2190…e−35 (written out by hand below): the
    sheet, Solution.text, the JSON and the terminal table all show it, none as 0.0000."""
    import mpmath

    from symprop.views import solution_table

    text = """
layers: [{units: 1}, {units: 1, activation: tanh}]
parameters: {W1: [[40]], b1: [0]}
data: [{x: 1, y: 0}]
loss: half_squared_error
"""
    solution = loads(text).solve()
    with mpmath.workdps(50):
        expected = 1 - mpmath.tanh(40) ** 2
    figures = mpmath.nstr(expected, 4, strip_zeros=False)  # '7.219e-35'
    mantissa, exponent = figures.split("e")
    assert solution.text("dact1[1]") == f"{mantissa}e{int(exponent):+d}" == "7.219e-35"
    rounded = {q["name"]: q["rounded"] for q in solution.to_dict()["quantities"]}
    assert rounded["dact1[1]"] == "7.219e-35"
    assert "7.219e-35" in solution_table(solution)
    sheet = SheetRenderer(solution.graph).tex(dict(solution.values.items()))
    assert r"7.219 \times 10^{-35}" in sheet


def test_terminal_tables_show_no_bidi_override_from_user_text():
    """A right-to-left override (U+202E) in a name would reverse the rest of the terminal
    line (and hide what follows it): the tables show it as an escape; other text stays."""
    from symprop.spec import loads
    from symprop.views import solution_table

    spec = ("name: \"Übung \u202e σ\"\nlayers: [{units: 1}, {units: 1, activation: identity}]\n"
            "parameters: {W1: [[2]], b1: [0]}\ndata: [{x: 1, y: 1}]\n"
            "loss: half_squared_error\n")
    table = solution_table(loads(spec, "bidi").solve(symbolic_seconds=0))
    assert "\u202e" not in table
    assert table.splitlines()[0] == "Übung \\u202e σ"
