"""symprop variants: the rules schema, the drawing scheme, the sanity rules, reproducible
output, and the Moodle XML checked against an independent route (a redraw from the
documented seeding scheme, evaluated by the NumPy reference that never uses SymPy)."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

from symprop.backprop import reference
from symprop.cli import main
from symprop.decimals import to_fraction
from symprop.errors import LimitError, OutputError, SpecError
from symprop.spec import load, loads
from symprop.variants import Plan, Views, key_of, make
from symprop.variants.moodle import cloze_escape, cloze_unescape

from conftest import BATCH_SPEC, EXAMPLES

CHAIN = """
name: chain
layers: [{units: 1}, {units: 1, activation: relu}, {units: 1, activation: relu}]
names: sequential
parameters: {w1: 2, b1: 0, w2: 3, b2: 1}
data: [{x: 1, y: 5}]
loss: half_squared_error
"""
FIELD = re.compile(r"\{(\d+):NUMERICAL:=([^:{}]+):([^#}]+)#((?:\\.|[^\\}~])*)[^}]*\}")


def chain(variants: str = "") -> str:
    return CHAIN + ("variants:\n" + variants if variants else "")


def spec_error(text: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        Plan(loads(text))
    return caught.value


# the schema ------------------------------------------------------------------------------
@pytest.mark.parametrize(("block", "field", "expected"), [
    ("  vary: {W3: {low: 0, high: 1}}\n", "variants.vary.W3", "W<l>, b<l>"),
    ("  vary: {W1: {low: 0, high: 1, step: 0.3}}\n", "variants.vary.W1.step",
     "a step that divides"),
    ("  vary: {W1: {low: 1, high: 0}}\n", "variants.vary.W1.high", "≥ low"),
    ("  vary: {W1: {values: [1], low: 0}}\n", "variants.vary.W1.low", "either values"),
    ("  vary: {W1: {values: [0], exclude: [0]}}\n", "variants.vary.W1", "at least one value"),
    ("  vary: {W1: {lo: 0}}\n", "variants.vary.W1.lo", "did you mean 'low'"),
    ("  ask: [grad.W7]\n", "variants.ask[0]", "a quantity such as"),
    ("  ask: [x]\n", "variants.ask[0]", "a computed quantity"),
    ("  tolerance: {loss: -1}\n", "variants.tolerance.loss", "a positive number"),
    ("  ask: [loss]\n  tolerance: {delta1: 0.1}\n", "variants.tolerance.delta1",
     "listed in variants.ask"),
    ("  nice: {decimals: 2}\n  preactivation: {low: 1, high: 0}\n",
     "variants.preactivation.high", "> low"),
    ("  allow_zero_gradient: [loss]\n", "variants.allow_zero_gradient[0]", "a gradient"),
    ("  varry: {}\n", "variants.varry", "did you mean 'vary'"),
])
def test_rule_errors_name_the_field(block, field, expected):
    error = spec_error(chain(block))
    assert error.field == field
    assert expected in str(error)


def test_nice_mode_refuses_exponentials():
    text = (EXAMPLES / "textbook-2-2-1.yaml").read_text() + "variants: {nice: {decimals: 2}}\n"
    error = spec_error(text)
    assert error.field == "variants.nice" and "sigmoid on layer 1" in str(error)


def test_defaults_vary_every_trained_parameter_on_a_tenth_grid():
    plan = Plan(load(EXAMPLES / "mazur-2-2-2.yaml"))  # its biases are frozen
    assert list(plan.rules.vary) == [e for e in plan.problem.entries() if e.startswith("W")]
    grid = plan.rules.vary["W1[1,1]"].values
    assert grid == tuple(Fraction(k, 10) for k in range(-10, 11))
    assert "next.loss" in plan.rules.ask and "grad.W2[2,2]" in plan.rules.ask
    assert all(t == Fraction(5, 10**4) for t in plan.rules.tolerance.values())


def test_families_names_and_specific_keys():
    plan = Plan(loads(chain(
        "  vary: {parameters: {values: [1, 2]}, w2: {values: [3]}, b2: given}\n"
        "  ask: [delta1, grad.w1, gradients]\n  tolerance: {default: 0.1, grad.w1: 0.01}\n")))
    assert {n: g.values for n, g in plan.rules.vary.items()} == {
        "W1[1,1]": (1, 2), "b1[1]": (1, 2), "W2[1,1]": (3,)}
    assert plan.rules.ask == ("delta1[1]", "grad.W1[1,1]", "grad.b1[1]", "grad.W2[1,1]",
                              "grad.b2[1]")
    assert plan.rules.tolerance["grad.W1[1,1]"] == Fraction(1, 100)
    assert plan.rules.tolerance["grad.b2[1]"] == Fraction(1, 10)


def test_zero_gradients_by_construction_are_exempt():
    plan = Plan(load(EXAMPLES / "textbook-2-2-1.yaml"))  # x = (1, 0): ∂L/∂W⁽¹⁾ᵢ₂ = δᵢ·0
    assert plan.rules.allowed_zero == {"grad.W1[1,2]", "grad.W1[2,2]"}


# drawing ----------------------------------------------------------------------------------
def independent_grid(rule: dict) -> list[Fraction]:
    """A grid from the manifest's description, without symprop's reader."""
    if "values" in rule:
        values = [Fraction(v) for v in rule["values"]]
    else:
        low, high, step = (Fraction(rule[k]) for k in ("low", "high", "step"))
        values = [low + k * step for k in range(int((high - low) / step) + 1)]
    return [v for v in values if v not in {Fraction(e) for e in rule.get("exclude", [])}]


def redraw(seed: int, number: int, draw: int, grids: list[list]) -> list:
    """The documented scheme: SeedSequence(seed, spawn_key=(k−1,)), draw-th candidate."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(number - 1,)))
    for _ in range(draw):
        picks = rng.integers(0, [len(g) for g in grids])
    return [g[i] for g, i in zip(grids, picks, strict=True)]


def test_seeding_is_spawn_and_variant_k_is_reproducible_alone():
    plan = Plan(load(EXAMPLES / "exam-relu-nice.yaml"))
    variants, _ = plan.generate(30, 11)
    children = np.random.SeedSequence(11).spawn(30)
    grids = [independent_grid(g.rule) for g in plan.rules.vary.values()]
    position = {plan.program.names[i]: k for k, i in enumerate(plan.program.givens)}
    for variant in variants:
        assert variant.spawn_key == tuple(children[variant.number - 1].spawn_key)
        drawn = redraw(11, variant.number, variant.draw, grids)
        assert drawn == [variant.givens[position[n]] for n in plan.rules.vary]
    again, _ = Plan(load(EXAMPLES / "exam-relu-nice.yaml")).generate(30, 11)
    assert [v.givens for v in again] == [v.givens for v in variants]
    other, _ = plan.generate(30, 12)
    assert [v.givens for v in other] != [v.givens for v in variants]


def test_parallel_drawing_gives_the_same_variants():
    plan = Plan(load(EXAMPLES / "exam-relu-nice.yaml"))
    one, tally_one = plan.generate(80, 5, jobs=1)
    two, tally_two = plan.generate(80, 5, jobs=2)
    assert [(v.draw, v.givens) for v in one] == [(v.draw, v.givens) for v in two]
    assert tally_one.to_dict() == tally_two.to_dict()


def test_duplicates_are_redrawn():
    plan = Plan(loads(chain("  vary: {w1: {values: [1, 2, 3]}, b1: {values: [1, 2]}}\n"
                            "  allow_zero_gradient: true\n")))
    variants, tally = plan.generate(6, 3)  # exactly the 6 possible draws
    assert len({tuple(v.givens) for v in variants}) == 6
    assert tally.rules["duplicate"] > 0


def test_too_small_a_grid_is_a_limit_error():
    plan = Plan(loads(chain("  vary: {w1: {values: [1, 2]}}\n")))
    with pytest.raises(LimitError, match="allow 2 different draws"):
        plan.generate(3, 1)


def test_unsatisfiable_rules_name_the_rule_quickly():
    # ŷ = relu(w2·relu(w1·x + b1) + b2) with w1 ≤ 0 and b1 ≤ 0: a⁽¹⁾ = 0, so ∂L/∂w1 = 0
    plan = Plan(loads(chain("  vary: {w1: {low: -1, high: -0.1}, b1: {low: -1, high: -0.1},"
                            " w2: {low: -1, high: 1}, b2: {low: 0.1, high: 1}}\n")),
                max_tries=2000)
    with pytest.raises(LimitError) as caught:
        plan.generate(5, 1)
    message = str(caught.value)
    assert "'zero_gradient'" in message and "variants.allow_zero_gradient" in message
    assert "2,000 tries" in message and "--max-tries" in message


SOFTMAX_TARGETS = """
name: softmax with drawn targets
layers: [{units: 2}, {units: 3, activation: softmax}]
parameters: {W1: [[0.1, 0.2], [0.3, -0.1], [0, 0.5]], b1: [0, 0, 0]}
data: [{x: [1, 2], y: [1, 0, 0]}, {x: [0, 1], y: [0, 1, 0]}]
loss: cross_entropy
learning_rate: 0.5
variants: {vary: {parameters: {low: -1, high: 1}, y: {values: [0, 1]}}}
"""


def test_softmax_targets_drawn_from_0_and_1_are_one_hot():
    plan = Plan(loads(SOFTMAX_TARGETS, "softmax"))
    variants, tally = plan.generate(40, 2)
    targets = [[f"ex{n}.y[{k}]" for k in (1, 2, 3)] for n in (1, 2)]
    given = plan.program.givens
    for variant in variants:
        values = dict(zip([plan.program.names[i] for i in given], variant.givens, strict=True))
        for names in targets:
            assert sorted(values[name] for name in names) == [0, 0, 1]
    # of the 2³ target patterns per example only 3 are one-hot: most draws are rejected
    assert tally.rules["targets"] > 40


# the rules hold ---------------------------------------------------------------------------
def test_nice_numbers_every_node_has_at_most_d_decimals():
    plan = Plan(load(EXAMPLES / "exam-relu-nice.yaml"))
    variants, _ = plan.generate(200, 1)
    for variant in variants:
        for value in variant.values:
            assert type(value) is Fraction and (value * 10).denominator == 1
        z = [variant.values[i] for i in plan.relu_z]
        assert all(v != 0 for v in z)


def test_exponentials_table_matches_math_exp():
    plan = Plan(load(EXAMPLES / "textbook-2-2-1.yaml"))
    views = Views(plan)
    variant = plan.generate(1, 4)[0][0]
    table = views.context(variant, key_of(plan, variant))["exponentials"]
    # σ needs e^{−z} for every z it is applied to, before and after the step; the
    # argument is shown to 4 decimals (z⁽¹⁾ is exact on the grid) and e^{shown} to 4 decimals
    net = reference(plan.problem_of(variant))
    names = ("z1[1]", "z1[2]", "z2[1]", "next.z1[1]", "next.z1[2]", "next.z2[1]")
    for name in names:
        argument = -net[name]
        row = next(r for r in table if abs(float(r["argument"]) - argument) <= 0.5e-4 + 1e-12)
        assert abs(float(row["value"]) - math.exp(float(row["argument"]))) <= 0.5e-4 + 1e-12
    assert len(table) <= len(names)


SEED_004 = (EXAMPLES / "textbook-2-2-1.yaml").read_text() + \
    "variants: {vary: {b2: {values: [0.05]}}, allow_zero_gradient: true, ask: ASK}\n"


def test_the_seed_004_network_quotes_its_exponential():
    plan = Plan(loads(SEED_004.replace("ASK", "[loss, gradients]")))
    views = Views(plan)
    variant = plan.generate(1, 0)[0][0]
    table = views.context(variant, key_of(plan, variant))["exponentials"]
    assert {"argument": "-0.6", "value": "0.5488"} in table  # as seed 004 quotes it


def test_a_table_that_would_show_an_answer_is_a_leak():
    # seed 004 by hand: x = (1, 0) and z⁽¹⁾₂ = 0, so after the step z⁽¹⁾₂ = −η(∂L/∂W⁽¹⁾₂₁ +
    # ∂L/∂b⁽¹⁾₂) = −2η δ⁽¹⁾₂ = −δ⁽¹⁾₂ (η = ½), and σ needs e^{−z}: the table would print
    # e^{0.0135}, and ∂L/∂W⁽¹⁾₂₁ = δ⁽¹⁾₂ · 1 = 0.013452… is asked
    plan = Plan(loads(SEED_004.replace("ASK", "[gradients, next.loss]")), max_tries=5)
    with pytest.raises(LimitError, match="'leak'.*grad.W1\\[2,1\\].*variants.exponentials"):
        plan.generate(1, 0)
    calculator = SEED_004.replace("ASK", "[gradients, next.loss], exponentials: calculator")
    plan = Plan(loads(calculator))
    variant = plan.generate(1, 0)[0][0]
    assert plan.exponential_table(variant.values) == []


# the files ---------------------------------------------------------------------------------
def run_cli(*args):
    return CliRunner().invoke(main, ["variants", *map(str, args)], catch_exceptions=False)


def folder_bytes(folder) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_same_seed_same_bytes_and_the_layout(tmp_path):
    spec = EXAMPLES / "exam-sigmoid-2-2-1.yaml"
    first = run_cli(spec, "-n", 70, "--seed", 7, "--output", tmp_path / "a", "--jobs", 1)
    second = run_cli(spec, "-n", 70, "--seed", 7, "--output", tmp_path / "b", "--jobs", 2)
    assert first.exit_code == second.exit_code == 0, first.output
    a = tmp_path / "a" / "exam-sigmoid-2-2-1" / "variants"
    b = tmp_path / "b" / "exam-sigmoid-2-2-1" / "variants"
    assert folder_bytes(a) == folder_bytes(b)
    for label in ("001", "070"):
        assert {p.name for p in (a / label).iterdir()} == {"question.tex", "solution.tex",
                                                           "key.json", "spec.yaml"}
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["count"] == 70
    assert [v["spawn_key"] for v in manifest["variants"]] == [[k] for k in range(70)]
    assert manifest["tolerances"]["loss"] == "0.0001"
    assert "timestamp" not in json.dumps(manifest)
    assert not (a / ".symprop-run").exists()
    rows = (a / "key.csv").read_text().splitlines()
    assert len(rows) == 71 and rows[0].startswith("variant,spawn_key,draw,x[1],x[2],y[1],")
    assert ",loss,loss low,loss high,delta2[1],delta2[1] low," in rows[0]


def test_a_different_run_is_refused_unless_forced(tmp_path):
    spec = EXAMPLES / "exam-relu-nice.yaml"
    assert run_cli(spec, "-n", 5, "--seed", 1, "--output", tmp_path).exit_code == 0
    assert run_cli(spec, "-n", 5, "--seed", 1, "--output", tmp_path).exit_code == 0
    refused = run_cli(spec, "-n", 3, "--seed", 2, "--output", tmp_path)
    assert refused.exit_code == 2 and "another run" in refused.output
    with pytest.raises(OutputError):
        make(spec, 3, 2, output=tmp_path)
    forced = run_cli(spec, "-n", 3, "--seed", 2, "--output", tmp_path, "--force")
    assert forced.exit_code == 0
    folder = tmp_path / "exam-relu-nice" / "variants"
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == ["001", "002", "003"]
    assert json.loads((folder / "manifest.json").read_text())["seed"] == 2


def test_an_error_in_a_forked_worker_is_the_same_line_as_without_workers(tmp_path):
    args = [EXAMPLES / "exam-relu-nice.yaml", "-n", 100, "--seed", 1, "--max-tries", 1]
    one = run_cli(*args, "--jobs", 1, "--output", tmp_path / "one")
    two = run_cli(*args, "--jobs", 2, "--output", tmp_path / "two")
    assert one.exit_code == two.exit_code == 2 and one.output.count("\n") == 1
    assert one.output == two.output and "--max-tries" in one.output


def test_an_interrupted_run_leaves_no_manifest(tmp_path, monkeypatch):
    import symprop.variants.run as variants

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(variants, "key_csv", interrupt)
    result = CliRunner().invoke(main, ["variants", str(EXAMPLES / "exam-relu-nice.yaml"),
                                       "-n", "4", "--seed", "1", "--output", str(tmp_path)])
    assert result.exit_code == 130
    folder = tmp_path / "exam-relu-nice" / "variants"
    assert not (folder / "manifest.json").exists()
    assert not [p for p in folder.rglob("*") if p.name.endswith(".part")]
    monkeypatch.undo()
    assert run_cli(EXAMPLES / "exam-relu-nice.yaml", "-n", 4, "--seed", 1, "--output",
                   tmp_path).exit_code == 0  # the same run may finish the folder
    assert (folder / "manifest.json").exists()


def test_cli_errors_are_one_line(tmp_path):
    command = ["variants", str(EXAMPLES / "exam-relu-nice.yaml"), "-n", "100000", "--seed",
               "1", "--output", str(tmp_path)]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "-n" in result.output and "--max-variants" in result.output
    # past the limit, the grids of exam-relu-nice allow fewer draws than asked for
    result = CliRunner().invoke(main, command + ["--max-variants", "200000"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "different draws" in result.output
    assert not (tmp_path / "exam-relu-nice").exists() or not any(
        (tmp_path / "exam-relu-nice").rglob("manifest.json"))


# Moodle -------------------------------------------------------------------------------------
def test_cloze_escape_round_trips():
    text = r'\frac{a}{b} # ~ / " }'
    escaped = cloze_escape(text)
    assert escaped == r'\\frac{a\}{b\} \# \~ \/ \" \}'
    assert cloze_unescape(escaped) == text


def test_moodle_answers_recomputed_from_the_seed_by_numpy(tmp_path):
    spec = EXAMPLES / "exam-sigmoid-2-2-1.yaml"
    make(spec, 25, 2026, output=tmp_path, jobs=1)
    folder = tmp_path / "exam-sigmoid-2-2-1" / "variants"
    manifest = json.loads((folder / "manifest.json").read_text())
    rules = manifest["rules"]
    grids = [independent_grid(rule) for rule in rules["vary"].values()]
    base = load(spec)
    root = ET.parse(folder / "moodle.xml").getroot()
    assert root.tag == "quiz"
    questions = root.findall("question[@type='cloze']")
    assert len(questions) == 25
    for question, info in zip(questions, manifest["variants"], strict=True):
        drawn = dict(zip(rules["vary"], redraw(manifest["seed"], info["spawn_key"][0] + 1,
                                               info["draw"], grids), strict=True))
        parameters = {e: drawn.get(e, v) for e, v in base.parameters.items()}
        x = tuple(drawn.get(f"x[{i}]", v) for i, v in enumerate(base.data[0].x, 1))
        y = tuple(drawn.get(f"y[{k}]", v) for k, v in enumerate(base.data[0].y, 1))
        from symprop.spec import Example
        expected = reference(base.with_values(parameters, [Example(x, y)]))
        text = question.find("questiontext/text").text
        fields = FIELD.findall(text)
        assert len(fields) == len(rules["ask"])
        for (weight, value, tolerance, feedback), name in zip(fields, rules["ask"],
                                                              strict=True):
            assert weight == "1"
            assert float(tolerance) == float(manifest["tolerances"][name])
            # a rounded value: within half a unit of the last place of the NumPy value
            assert abs(float(value) - expected[name]) <= 0.5 * 10 ** -rules["decimals"] + 1e-9
            assert abs(float(value) - expected[name]) <= float(tolerance)
            assert cloze_unescape(feedback).endswith(f"= {value}\\)")


def test_moodle_text_is_escaped(tmp_path):
    hostile = 'Exam {1:NUMERICAL:=0:0} & <b> ]]> "q" #1/2~'
    spec = tmp_path / "hostile.yaml"
    spec.write_text(chain("  ask: [loss, grad.w1]\n").replace(
        "name: chain", "name: " + json.dumps(hostile)))
    make(spec, 2, 1, output=tmp_path, jobs=1)
    folder = tmp_path / "hostile" / "variants"
    root = ET.parse(folder / "moodle.xml").getroot()
    for question in root.findall("question[@type='cloze']"):
        assert question.find("name/text").text.startswith(hostile)
        text = question.find("questiontext/text").text
        assert len(FIELD.findall(text)) == 2  # the name's field-like text is inert
        assert "{1:NUMERICAL:=0:0}" not in text
    tex = (folder / "001" / "question.tex").read_text()
    assert r"Exam \{1:NUMERICAL:=0:0\} \& \textless{}b\textgreater{}" in tex




@pytest.mark.tex
@pytest.mark.parametrize("spec", ["exam-sigmoid-2-2-1.yaml", "mazur-2-2-2.yaml",
                                  "seed-002-four-weights.yaml", "batch.yaml"])
def test_pdfs_build(tmp_path, spec):
    from symprop import tex

    if not tex.available():
        pytest.skip("pdflatex not installed")
    path = EXAMPLES / spec
    if spec == "batch.yaml":
        path = tmp_path / spec
        path.write_text(BATCH_SPEC)
    result = run_cli(path, "-n", 2, "--seed", 1, "--pdf", "--output", tmp_path)
    assert result.exit_code == 0, result.output
    folder = tmp_path / path.stem / "variants"
    for name in ("questions.pdf", "solutions.pdf"):
        assert (folder / name).read_bytes().startswith(b"%PDF")
        assert b"/CreationDate" not in (folder / name).read_bytes()  # reproducible
    assert "questions.pdf" in json.loads((folder / "manifest.json").read_text())["files"]


SOFTMAX = """
name: leaky softmax
layers: [{units: 2}, {units: 2, activation: leaky_relu, alpha: 0.1},
         {units: 2, activation: sigmoid}, {units: 3, activation: softmax}]
parameters: {W1: [[1, -1], [0.5, 0.5]], b1: [0, 0], W2: [[1, 0], [0, 1]], b2: [0, 0],
             W3: [[1, 0], [0, 1], [1, 1]], b3: [0, 0, 0]}
data: [{x: [1, 2], y: [0, 1, 0]}]
loss: cross_entropy
learning_rate: 0.1
variants: {preactivation: 5}
"""


def test_the_fast_walk_equals_the_self_checking_evaluation():
    from symprop.evaluate import evaluate

    plan = Plan(loads(SOFTMAX))
    variants, _ = plan.generate(20, 3)
    for variant in variants:
        slow = evaluate(plan.program, variant.givens)
        for name, fast, exact in zip(plan.program.names, variant.values, slow.list,
                                     strict=True):  # 40 digits, and exact where exact
            fast, exact = to_fraction(fast), to_fraction(exact)
            assert abs(fast - exact) <= Fraction(1, 10**40) * max(1, abs(exact)), name
        net = reference(plan.problem_of(variant))
        assert abs(net["next.loss"] - float(variant.values[plan.program.index["next.loss"]])) \
            < 1e-9


def test_a_rational_loss_before_and_an_irrational_one_after(tmp_path):
    # x = 0 and b⁽¹⁾ = 0: a⁽¹⁾ = σ(0) = 1/2, z⁽²⁾ = 0.4/2 − 0.4/2 = 0, so L = ½(1 − ½)² = 1/8
    # exactly; after the step, σ of a non-zero rational is irrational
    text = (EXAMPLES / "textbook-2-2-1.yaml").read_text()
    text = text.replace("data:\n  - {x: [1, 0], y: [1]}", "data:\n  - {x: [0, 0], y: [1]}")
    text = text.replace("b1: [0.1, -0.2]", "b1: [0, 0]").replace(
        "W2: [[0.7, -0.5]]", "W2: [[0.4, -0.4]]").replace("b2: [0.05]", "b2: [0]")
    spec = tmp_path / "exact-loss.yaml"
    spec.write_text(text + "variants: {vary: {W1: {low: -1, high: 1}}}\n")
    plan = Plan(load(spec))
    variant = plan.generate(1, 1)[0][0]
    assert variant.values[plan.program.index["loss"]] == Fraction(1, 8)
    assert type(variant.values[plan.program.index["next.loss"]]) is not Fraction
    make(spec, 2, 1, output=tmp_path, jobs=1)
    key = json.loads((tmp_path / "exact-loss" / "variants" / "001" / "key.json").read_text())
    assert key["answers"][0] == {"name": "loss", "symbol": r"\mathcal{L}", "value": "0.1250",
                                 "tolerance": "0.0005", "exact": "1/8", "float": 0.125,
                                 "carried": "0.1250", "accepted": ["0.1250", "0.1250"],
                                 "range": ["0.1245", "0.1255"],
                                 "answers": [{"value": "0.1250", "tolerance": "0.0005"}]}


@pytest.mark.tex
def test_pdfs_are_byte_identical_for_the_same_seed(tmp_path):
    from symprop import tex

    if not tex.available():
        pytest.skip("pdflatex not installed")
    spec = EXAMPLES / "exam-relu-nice.yaml"
    for name in ("a", "b"):
        assert run_cli(spec, "-n", 2, "--seed", 9, "--pdf", "--output",
                       tmp_path / name).exit_code == 0
    assert folder_bytes(tmp_path / "a") == folder_bytes(tmp_path / "b")
