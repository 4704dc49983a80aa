"""Bad input: one line naming the field, what was expected and what was found; exit 2."""

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from symprop.cli import main
from symprop.errors import SpecError
from symprop.spec import load, loads

GOOD = """\
layers: [{units: 2}, {units: 2, activation: sigmoid}, {units: 1, activation: sigmoid}]
parameters: {W1: [[0.5, -0.3], [0.2, 0.8]], b1: [0.1, -0.2], W2: [[0.7, -0.5]], b2: [0.05]}
data: [{x: [1, 0], y: [1]}]
loss: half_squared_error
learning_rate: 0.5
"""

CASES = [  # (replace this, with this, expected fragments of the message)
    ("loss: half_squared_error", "loss: [half", ["spec.yaml:5:14", "expected valid YAML"]),
    ("W2: [[0.7, -0.5]]", "W2: [[0.7, -0.5, 1]]",
     ["parameters.W2", "1×2 matrix", "got 1 rows of 3 values"]),
    ("activation: sigmoid}, {units: 1", "activation: sigmod}, {units: 1",
     ["layers[1].activation", "one of identity", "'sigmod'", "did you mean 'sigmoid'"]),
    ("loss: half_squared_error", "loss: hinge", ["loss: expected one of", "'hinge'"]),
    ("b2: [0.05]", "b2: [abc]", ["parameters.b2[0]", "a finite number", "abc"]),
    ("b2: [0.05]", "b2: [.nan]", ["parameters.b2[0]", "a finite number", ".nan"]),
    ("b2: [0.05]", "b2: [.inf]", ["parameters.b2[0]", "a finite number", ".inf"]),
    ("b2: [0.05]", "b2: [no]", ["parameters.b2[0]", "a finite number", "boolean false"]),
    ("loss: half_squared_error\n", "", ["loss", "missing"]),
    ("{units: 2, activation: sigmoid}", "{units: 2, activation: softmax}",
     ["layers[1].activation", "softmax on the output layer only"]),
    ("loss: half_squared_error", "loss: binary_cross_entropy\nreduction: sum",
     None),  # valid: targets in [0, 1]
    ("y: [1]}]\nloss: half_squared_error", "y: [1.5]}]\nloss: binary_cross_entropy",
     ["data[0].y[0]", "a target in [0, 1]", "1.5"]),
    ("learning_rate: 0.5", "learning_rate: -0.5", ["learning_rate", "a positive number"]),
    ("data: [{x: [1, 0], y: [1]}]", "data: [{x: [1], y: [1]}]",
     ["data[0].x", "2 values", "got 1 values"]),
    ("learning_rate: 0.5", "learning_rate: 0.5\nlerning: 1", ["lerning", "learning_rate"]),
    ("loss: half_squared_error", "loss: !!python/object/apply:os.system [echo]",
     ["loss", "plain YAML without tags"]),
]


def run(spec_text: str, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text)
    return subprocess.run([sys.executable, "-m", "symprop.cli", "solve", str(spec),
                           "--format", "json", "--symbolic-seconds", "0"],
                          capture_output=True, text=True, cwd=tmp_path)


@pytest.mark.parametrize("old, new, fragments", CASES)
def test_bad_input_gets_one_clear_line(tmp_path, old, new, fragments):
    assert old in GOOD
    result = run(GOOD.replace(old, new, 1), tmp_path)
    if fragments is None:
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_missing_and_unreadable_files(tmp_path):
    result = subprocess.run([sys.executable, "-m", "symprop.cli", "solve",
                             str(tmp_path / "nope.yaml")], capture_output=True, text=True)
    assert result.returncode == 2 and "readable file" in result.stderr
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00layers")
    result = subprocess.run([sys.executable, "-m", "symprop.cli", "solve", str(binary)],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "UTF-8" in result.stderr


def test_log_of_zero_is_reported_not_printed_as_nan(tmp_path):
    text = """\
layers: [{units: 1}, {units: 1, activation: relu}, {units: 2, activation: softmax}]
parameters: {W1: 1, b1: 0, W2: [[1000000], [-1000000]], b2: [0, 0]}
data: [{x: 1, y: [0, 1]}]
loss: cross_entropy
"""
    result = run(text, tmp_path)
    # ŷ₂ = e^{−2·10⁶}/(1 + …) is tiny but not 0: the exact evaluation keeps it finite.
    assert result.returncode == 0, result.stderr
    import json
    data = json.loads(result.stdout)  # strict JSON: no NaN or Infinity tokens
    grad = {q["name"]: q for q in data["quantities"]}["grad.yhat[2]"]
    assert grad["float"] is None and grad["value"].startswith("-")
    assert any("beyond the float64 range" in s for s in data["checks"]["numpy"]["skipped"])


@pytest.mark.parametrize("args, fragment", [
    (["variants", "examples/textbook-2-2-1.yaml", "-n", "30000", "--seed", "1"],
     "exceed the limit of 20,000 (about 3 ms each); raise it with --max-variants"),
    (["variants", "examples/textbook-2-2-1.yaml", "-n", "abc", "--seed", "1"],
     "Invalid value for '-n'"),
    (["solve", "examples/textbook-2-2-1.yaml", "--format", "docx"], "'docx' is not one of"),
    (["bogus"], "No such command 'bogus'"),
    (["check", "examples/textbook-2-2-1.yaml", "--claim", "no-equals-sign"], "claim"),
])
def test_command_line_errors_are_one_line(args, fragment):
    from conftest import ROOT
    result = subprocess.run([sys.executable, "-m", "symprop.cli", *args], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr


@pytest.mark.parametrize("command", [["solve"], ["check", "--claim", "loss=0.0956"],
                                     ["variants", "-n", "2", "--seed", "1"]])
def test_every_command_takes_the_parameter_limit(command, tmp_path):
    """The limit's message names --max-parameters: every command that loads a spec has it.
    Seed 004's network has 9 parameters, so a limit of 8 refuses it and 9 accepts it."""
    spec = str(Path(__file__).resolve().parent.parent / "examples" / "textbook-2-2-1.yaml")
    base = [command[0], spec, *command[1:], "--output", str(tmp_path)] \
        if command[0] != "check" else [command[0], spec, *command[1:]]
    refused = CliRunner().invoke(main, [*base, "--max-parameters", "8"])
    assert refused.exit_code == 2 and refused.output.count("\n") == 1
    assert "9 parameters" in refused.output and "--max-parameters" in refused.output
    accepted = CliRunner().invoke(main, [*base, "--max-parameters", "9"])
    assert accepted.exit_code == 0, accepted.output


# issue 14: every message is one line; textbook names and free text have limits ------------
def test_control_characters_in_a_value_stay_on_one_line(tmp_path):
    result = run(GOOD.replace("b2: [0.05]", 'b2: [!!float "x\\nFAKE: line"]'), tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "got x\\nFAKE: line" in result.stderr


@pytest.mark.parametrize("command", [
    ["check", "SPEC", "--claim", "a1[1]=0.5\nFAKE: line"],
    ["solve", "no\nsuch\u2028file.yaml"],
    ["solve", "SPEC", "--format", "x\ny"],
])
def test_user_text_in_any_message_stays_on_one_line(command):
    spec = str(Path(__file__).resolve().parent.parent / "examples" / "textbook-2-2-1.yaml")
    result = CliRunner().invoke(main, [spec if part == "SPEC" else part for part in command])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "\u2028" not in result.output
    assert "\\n" in result.output


def test_a_variants_rule_name_with_a_newline_stays_on_one_line():
    from symprop.variants import Plan

    text = GOOD + 'variants:\n  vary: {"W1\\nFAKE": {values: [1, 2]}}\n'
    with pytest.raises(SpecError) as caught:
        Plan(loads(text, "spec.yaml"))
    assert "\n" not in str(caught.value) and "W1\\nFAKE" in str(caught.value)


@pytest.mark.parametrize("alias", ["yhat", "a2", "lr", "loss", "x", "y", "grad", "next",
                                   "W1", "b2", "z1", "delta2", "dact1", "ex1", "step2"])
def test_a_textbook_name_may_not_hide_one_of_symprops_names(alias):
    with pytest.raises(SpecError) as caught:
        loads(GOOD + f'names: {{{alias}: "b2"}}\n', "spec.yaml")
    assert caught.value.field == f"names.{alias}" and f"got '{alias}'" in str(caught.value)


def test_textbook_names_that_hide_nothing_are_read():
    names = {"w": "W1[1,1]", "w5": "W2[1,1]", "bias": "b2", "y_hat": "W1[2,2]",
             "x1": "W1[1,2]", "lr2": "b1[1]"}
    text = GOOD + "names: {" + ", ".join(f'{k}: "{v}"' for k, v in names.items()) + "}\n"
    assert loads(text).names == {**names, "bias": "b2[1]"}


def test_sequential_names_must_match_the_layers_biases(examples):
    with pytest.raises(SpecError) as caught:  # a 2-2-1 network: b2 would name b1[2]
        loads(GOOD + "names: sequential\n", "spec.yaml")
    assert caught.value.field == "names" and "hide the canonical b1" in str(caught.value)
    assert load(examples / "mazur-2-2-2.yaml").names["b2"] == "b2[1]"  # shared biases
    assert load(examples / "seed-000-relu-chain.yaml").names["b2"] == "b2[1]"


@pytest.mark.parametrize("field, limit", [("name", 200), ("description", 20_000)])
def test_free_text_has_a_length_limit_that_names_the_field(field, limit):
    assert getattr(loads(GOOD + f"{field}: {'x' * limit}\n"), field) == "x" * limit
    with pytest.raises(SpecError) as caught:  # 900 KB once made pdflatex fail silently
        loads(GOOD + f"{field}: {'x' * (limit + 1)}\n", "spec.yaml")
    assert caught.value.field == field
    assert f"text of at most {limit:,} characters, got {limit + 1:,} characters" in str(
        caught.value)
