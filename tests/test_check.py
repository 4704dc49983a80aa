"""`symprop check`: seed 004 as a student's sheet, the claim reader, the CLI and its views.

Reference figures are seed 004's own printed numbers (shared/seeds/004, section 9.7) and
products of its written inputs worked out here by hand (in exact decimal arithmetic)."""

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from click.testing import CliRunner

from symprop.check import Checker
from symprop.check.claims import RawClaim, from_option, parse, read_answers, read_answers_text
from symprop.check.intervals import cell, reachable
from symprop.cli import main
from symprop.decimals import fixed
from symprop.errors import SpecError
from symprop.render import render
from symprop.spec import load

from conftest import EXAMPLES

SPEC = EXAMPLES / "textbook-2-2-1.yaml"
SEED_ANSWERS = EXAMPLES / "answers" / "seed-004.yaml"
_checker = []


def checker():
    if not _checker:
        _checker.append(Checker(load(SPEC)))
    return _checker[0]


def seed_report():
    return checker().check(read_answers(SEED_ANSWERS), str(SEED_ANSWERS))


def by_name(report):
    return {v.name: v for v in report.verdicts}


# seed 004 ---------------------------------------------------------------------------------
def test_every_printed_number_of_seed_004_is_correct_or_rounding():
    report = seed_report()
    assert len(report.verdicts) == 67
    assert {v.verdict for v in report.verdicts} == {"correct", "rounding"}
    assert report.first_wrong is None


def test_seed_004_printed_numbers_are_all_on_the_sheet():
    written = SEED_ANSWERS.read_text()
    for figure in ("0.6457", "0.2520", "0.7773", "0.5627", "0.0956", "-0.1076", "0.2287",
                   "0.01345]", "0.006725", "-0.03475", "[0.7348,", "-0.0134]", "0.4774",
                   "-0.2349", "0.3463", "0.7073", "0.5857", "0.1716", "0.0858", "0.0098"):
        assert figure in written, figure


@pytest.mark.parametrize("name, claimed, expected", [
    # W2[1,1] after the step: 0.7 − 0.5·(−0.069484…) = 0.734742… → 0.7347; from the
    # written gradient −0.0695 it is 0.7 + 0.03475 = 0.73475 → 0.7348.
    ("next.W2[1,1]", "0.7348", "0.7347"),
    # z1[2] after the step: −0.013452… → −0.0135; the seed writes 0.1933 − 0.2067 = −0.0134.
    ("next.z1[2]", "-0.0134", "-0.0135"),
    # 0.5 · 0.01345 = 0.006725 exactly; the exact product 0.0067261… → 0.006726.
    ("lr*grad.W1[2,1]", "0.006725", "0.006726"),
    # (1 − 0.5627)² = 0.19123…; exactly (1 − 0.562659…)² = 0.191267… → 0.1913.
    ("(y[1]-yhat[1])^2", "0.1912", "0.1913"),
])
def test_seed_004_rounding_cases(name, claimed, expected):
    verdict = by_name(seed_report())[name]
    assert (verdict.claimed, verdict.verdict, verdict.expected) == (claimed, "rounding", expected)


def test_seed_004_sigma_prime_is_truncated_not_rounded():
    # 0.6457 · 0.3543 = 0.22877151 → 0.2288 when rounded; the seed prints 0.2287.
    assert Decimal("0.6457") * Decimal("0.3543") == Decimal("0.22877151")
    v = by_name(seed_report())["dact1[1]"]
    assert v.verdict == "rounding" and v.expected == "0.2288"
    assert {"code": "truncated"} in v.notes
    assert v.recomputed == "0.22877" and v.exact == "0.228784"


def test_seed_004_product_note_gives_both_figures():
    # 0.7348 · 0.6496 = 0.47732608: within rounding of 0.4774, but the inputs give 0.47733.
    assert Decimal("0.7348") * Decimal("0.6496") == Decimal("0.47732608")
    v = by_name(seed_report())["next.W2[1,1]*next.a1[1]"]
    assert (v.verdict, v.claimed, v.recomputed) == ("rounding", "0.4774", "0.47733")
    assert {"code": "inputs_differ"} in v.notes


def test_seed_004_z2_after_the_step_inherits_the_product_slip():
    # the seed builds z2 from its own written products: 0.4774 − 0.2349 + 0.1038 = 0.3463
    # (0.4774 is itself the slip: 0.7348·0.6496 = 0.47733); exact 0.34613…
    assert Decimal("0.4774") - Decimal("0.2349") + Decimal("0.1038") == Decimal("0.3463")
    v = by_name(seed_report())["next.z2[1]"]
    assert (v.verdict, v.expected, v.recomputed) == ("rounding", "0.3461", "0.34630")
    # without the written products, from 0.7348, 0.6496, −0.4731, 0.4966 and 0.1038:
    # 0.34618462, still within rounding of 0.3463, with both figures in a note
    assert Decimal("0.7348") * Decimal("0.6496") - Decimal("0.4731") * Decimal("0.4966") \
        + Decimal("0.1038") == Decimal("0.34618462")
    sheet = [c for c in read_answers(SEED_ANSWERS) if "*" not in c.name]
    v = by_name(checker().check(sheet))["next.z2[1]"]
    assert (v.verdict, v.recomputed) == ("rounding", "0.34618")
    assert {"code": "inputs_differ"} in v.notes


def test_seed_004_exponential_is_correct():
    v = by_name(seed_report())["exp(-z2[1])"]
    assert (v.verdict, v.claimed, v.exact) == ("correct", "0.7773", "0.777276")


def test_a_figure_beyond_rounding_is_wrong_with_expected_and_own_values():
    report = checker().check([RawClaim("grad.W2[1,1]", "-0.0695"),
                              RawClaim("next.W2[1,1]", "0.7352")])
    v = by_name(report)["next.W2[1,1]"]
    assert v.verdict == "wrong" and v.expected == "0.7347"
    assert {"code": "from_inputs", "value": "0.7348"} in v.notes  # 0.7 + 0.03475


# the claim reader -----------------------------------------------------------------------------
def test_answers_keep_their_written_decimals_and_expand_matrices():
    raw = read_answers_text("a1[2]: 0.50\ngrad.W1: [[-0.0172, 0], [0.01345, 0]]\n", "a.yaml")
    assert [(c.name, c.text) for c in raw] == [
        ("a1[2]", "0.50"), ("grad.W1[1,1]", "-0.0172"), ("grad.W1[1,2]", "0"),
        ("grad.W1[2,1]", "0.01345"), ("grad.W1[2,2]", "0")]
    report = checker().check(raw)
    assert {v.verdict for v in report.verdicts} == {"correct"}


def test_a_bad_answer_names_the_field_and_place():
    with pytest.raises(SpecError) as error:
        read_answers_text("z1[1]: 0.6\nnext.W1[1,1]: about half\n", "answers.yaml")
    assert str(error.value).startswith(
        "answers.yaml:2:1: next.W1[1,1]: expected a number as written")
    with pytest.raises(SpecError, match=r"answers.yaml:1:15: grad.W1\[0\]\[1\]: expected"):
        read_answers_text("grad.W1: [[0, true]]", "answers.yaml")
    with pytest.raises(SpecError, match="--claim: expected name=value"):
        from_option("0.6457")


def test_a_quantity_claimed_twice_is_an_error():
    with pytest.raises(SpecError, match="each quantity claimed once"):
        checker().check([RawClaim("yhat[1]", "0.5627"), RawClaim("a2[1]", "0.5627")])


def test_unknown_names_get_a_suggestion():
    report = checker().check([RawClaim("dleta2[1]", "-0.1076"), RawClaim("z1[9]", "1"),
                              RawClaim("exp(-zz2[1])", "0.7773")])
    v = by_name(report)
    assert (v["dleta2[1]"].verdict, v["dleta2[1]"].suggestion) == ("unknown", "delta2[1]")
    assert v["z1[9]"].verdict == "unknown"
    assert v["exp(-zz2[1])"].suggestion == "z2[1]"
    undefined = checker().check([RawClaim("z1[1]/z1[2]", "1")]).verdicts[0]  # z1[2] = 0
    assert (undefined.verdict, undefined.notes) == ("unknown", [{"code": "undefined"}])


def test_aliases_and_textbook_names_are_accepted():
    report = checker().check([from_option("a2[1]=0.5627"), from_option("grad.z1[2]=0.0135"),
                              from_option("step2.W2[1,1] = 0.7347")])
    assert [v.verdict for v in report.verdicts] == ["correct", "correct", "correct"]


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "a1[1].__class__", "a1[1] if 1 else 2", "lambda: 1",
    "z1[1]**z1[1]", "z1[1]**100", "exp(" * 40 + "z1[1]" + ")" * 40, "open('x')", "a1[1];1",
])
def test_the_expression_reader_refuses_anything_outside_its_grammar(text):
    report = checker().check([RawClaim(text, "1")])
    assert report.verdicts[0].verdict == "unknown"


def test_the_expression_grammar():
    assert parse("-a1[1]*(1 - a1[1])^2") == (
        "mul", ("neg", ("name", "a1[1]")),
        ("pow", ("sub", ("num", Fraction(1)), ("name", "a1[1]")), 2))
    assert parse("next.W2[1,1] · next.a1[1]")[0] == "mul"


# interval reasoning ---------------------------------------------------------------------------
def test_branch_and_bound_beats_the_dependency_problem():
    # a(1 − a) over a ∈ [0.64565, 0.64575] is [0.2287569…, 0.2288150…]: it never rounds to
    # 0.2287, although naive interval arithmetic ([0.22872, 0.22882]) would say it might.
    def slope(a):
        return (a[0] * (1 - a[1]), a[1] * (1 - a[0]))  # a(1 − a) for a ⊂ (½, 1)
    box = (cell(Fraction("0.6457"), 4),)
    assert not reachable(slope, box, cell(Fraction("0.2287"), 4))
    assert reachable(slope, box, cell(Fraction("0.2287"), 4, truncated=True))
    assert reachable(slope, box, cell(Fraction("0.2288"), 4))


# the command line --------------------------------------------------------------------------------
def run(*args):
    return CliRunner().invoke(main, ["check", *map(str, args)])


def test_cli_table_exits_0_even_with_wrong_claims():
    result = run(SPEC, "--claim", "loss=0.0957", "--claim", "a1[1]=0.6457")
    assert result.exit_code == 0
    assert "First wrong step: loss" in result.output
    assert "wrong" in result.output


def test_cli_bad_input_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "answers.yaml"
    bad.write_text("z1[1]: 0.6\nloss: [1, [2, [3]]]\n")
    result = run(SPEC, bad)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "loss[1][1]" in result.output
    assert run(SPEC).exit_code == 2  # no claims at all


def test_cli_json_is_the_verdict_data():
    result = run(SPEC, SEED_ANSWERS, "--format", "json")
    data = json.loads(result.output)
    assert data == json.loads(json.dumps(seed_report().to_dict()))
    assert data["counts"] == {"correct": 53, "rounding": 14, "carried": 0, "wrong": 0,
                              "unknown": 0}


def test_the_marked_sheet_and_the_json_come_from_the_same_data():
    data = json.loads(run(SPEC, SEED_ANSWERS, "--format", "json").output)
    assert render("check.tex.j2", data) == render("check.tex.j2", seed_report().to_dict())


def test_user_text_is_escaped_in_the_marked_sheet():
    report = checker().check([RawClaim("a1[1]}\\input{/etc/passwd}", "1")], "x_%$.yaml")
    tex = render("check.tex.j2", report.to_dict())
    assert "\\input{/etc" not in tex and "x\\_\\%\\$.yaml" in tex


@pytest.mark.tex
def test_cli_pdf_marked_sheet(tmp_path):
    result = run(SPEC, SEED_ANSWERS, "--claim", "lr=0.05", "--format", "pdf",
                 "--output", tmp_path)
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "textbook-2-2-1" / "check-seed-004.pdf"
    first = pdf.read_bytes()
    assert first.startswith(b"%PDF") and b"/CreationDate" not in first
    pdf.write_bytes(first + b"% annotated by hand\n")  # no longer symprop's file
    refused = run(SPEC, SEED_ANSWERS, "--claim", "lr=0.05", "--format", "pdf",
                  "--output", tmp_path)
    assert refused.exit_code == 2 and "--force" in refused.output
    assert pdf.read_bytes() == first + b"% annotated by hand\n"
    assert run(SPEC, SEED_ANSWERS, "--claim", "lr=0.05", "--format", "pdf",
               "--output", tmp_path, "--force").exit_code == 0
    assert pdf.read_bytes() == first  # the same input, the same bytes


def test_a_step_that_only_copies_because_of_a_wrong_1_is_flagged():
    # σ'(z1) written as 1 (it is 0.2288): δ1 = −0.0753 · 1 copies ∂L/∂a1; carried, flagged.
    report = checker().check([RawClaim("grad.a1[1]", "-0.0753"), RawClaim("dact1[1]", "1"),
                              RawClaim("delta1[1]", "-0.0753")])
    v = by_name(report)
    assert v["dact1[1]"].verdict == "wrong"
    assert v["delta1[1]"].verdict == "carried" and v["delta1[1]"].inherits == ["dact1[1]"]
    assert {"code": "trivial_one", "name": "dact1[1]"} in v["delta1[1]"].notes


@pytest.mark.parametrize("spec", ["textbook-2-2-1.yaml", "mazur-2-2-2.yaml",
                                  "seed-000-relu-chain.yaml", "seed-001-linear-neuron.yaml",
                                  "seed-002-four-weights.yaml"])
@pytest.mark.parametrize("places", [2, 4])
def test_a_sheet_carried_at_fixed_places_is_never_wrong(spec, places):
    """Every computed value, rounded before it is used again (the engine's carry mode):
    each step is then within rounding of its written inputs, by construction."""
    problem = load(EXAMPLES / spec)
    check = Checker(problem)
    carried = check.solution.carry(places)
    sheet = [RawClaim(name, fixed(used, places)) for name, (used, _) in carried.items()
             if check.graph.nodes[name].formula is not None]
    report = check.check(sheet)
    assert len(report.verdicts) == len(sheet)
    assert {v.verdict for v in report.verdicts} <= {"correct", "rounding"}


def test_the_sign_slip_example_sheet():
    """examples/answers/sign-slip.yaml: ∂L/∂ŷ = +0.4373 (y − ŷ), then carried forward:
    δ2 = 0.4373 · 0.2461 = 0.10762 → 0.1076, W2[1,1] ← 0.7 − 0.5 · 0.0695 = 0.66525 →
    0.6652 or 0.6653 (0.66525 is a tie in the written figures); the last line, 0.1083,
    follows from nothing (0.05 − 0.5 · 0.1076 = −0.0038)."""
    report = checker().check(read_answers(EXAMPLES / "answers" / "sign-slip.yaml"))
    v = by_name(report)
    assert report.first_wrong.name == "grad.yhat[1]"
    assert v["grad.yhat[1]"].mistakes[0]["code"] == "sign_flipped"
    for name in ("delta2[1]", "grad.W2[1,1]", "grad.W2[1,2]", "grad.b2[1]", "next.W2[1,1]",
                 "next.W2[1,2]"):
        assert (v[name].verdict, v[name].inherits) == ("carried", ["grad.yhat[1]"]), name
    assert v["next.b2[1]"].verdict == "wrong"
    assert {"code": "from_inputs", "value": "-0.0038"} in v["next.b2[1]"].notes
    assert report.counts() == {"correct": 8, "rounding": 0, "carried": 6, "wrong": 2,
                               "unknown": 0}


def test_other_spellings_of_a_right_figure_are_correct():
    report = checker().check([RawClaim("a1[2]", ".5"), RawClaim("dact1[2]", "0.2500"),
                              from_option("grad.yhat[1]=\u22120.4373"),
                              RawClaim("loss", "+0.0956"), RawClaim("a1[1]", "0.64570")])
    v = by_name(report)
    assert [v[n].verdict for n in ("a1[2]", "dact1[2]", "grad.yhat[1]", "loss")] == \
        ["correct"] * 4
    # five written places claim more than the exact 0.645656… gives (0.64566)
    assert (v["a1[1]"].verdict, v["a1[1]"].expected) == ("wrong", "0.64566")


def test_a_carried_figure_alone_is_rounding_not_wrong():
    """Issue 4: seed 004's 0.7348 for W⁽²⁾₁₁ after the step must never be called wrong,
    even when the rounded gradient it was carried from (−0.0695) is not written down."""
    report = checker().check([RawClaim("next.W2[1,1]", "0.7348", "")])
    (verdict,) = report.verdicts
    assert verdict.verdict == "rounding" and verdict.expected == "0.7347"
    # and a figure no rounding of the gradient can give is still wrong
    report = checker().check([RawClaim("next.W2[1,1]", "0.7350", "")])
    assert report.verdicts[0].verdict == "wrong"


def test_a_saturated_unit_is_checked_not_crashed(tmp_path):
    """W = −10¹² drives σ to e^{−10¹²}: the checker judges the claims (the loss by hand is
    ½(0.5 − 0)² = 0.125, so 0.08 is wrong) instead of trying to carry 4·10¹¹ decimal
    places while it looks for the wrong loss's cause."""
    spec = tmp_path / "saturated.yaml"
    spec.write_text("layers: [{units: 1}, {units: 1, activation: sigmoid}]\n"
                    "parameters: {W1: [[-1e12]], b1: [0.1]}\n"
                    "data: [{x: 1, y: 0.5}]\nloss: half_squared_error\n")
    answers = tmp_path / "answers.yaml"
    answers.write_text("loss: 0.08\ngrad.W1[1,1]: 0\nnot_a_name: 1\n")
    result = run(spec, answers, "--format", "json")
    assert result.exit_code == 0, result.output
    verdicts = {c["name"]: c["verdict"] for c in json.loads(result.output)["claims"]}
    assert verdicts == {"loss": "wrong", "grad.W1[1,1]": "correct", "not_a_name": "unknown"}
