"""The YAML reader: any text becomes values or one SpecError that names the place (issue 14)."""

import pytest
from click.testing import CliRunner

from symprop.check.claims import read_answers_text
from symprop.cli import main
from symprop.errors import SpecError
from symprop.source import MAX_DEPTH, read_text
from symprop.spec import loads

from conftest import EXAMPLES

SPEC = (EXAMPLES / "textbook-2-2-1.yaml").read_text()


def nested(levels: int, inner: str = "") -> str:
    return "[" * levels + inner + "]" * levels


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 500, 5000])
def test_deep_nesting_is_refused_before_the_composer_recurses(levels):
    with pytest.raises(SpecError) as caught:
        read_text(f"loss: {nested(levels)}\n", "spec.yaml")
    message = str(caught.value)
    assert message.startswith("spec.yaml:1:")
    assert f"{MAX_DEPTH} levels, got more levels of nesting" in message
    assert caught.value.field.startswith("loss[0]")


def test_nesting_up_to_the_limit_is_read():
    value = read_text(f"a: {nested(MAX_DEPTH - 1, '1')}\n", "spec.yaml").tree["a"]
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert value == "1"


def test_deep_complex_keys_and_aliases_are_refused_too():
    with pytest.raises(SpecError, match="levels of nesting"):
        read_text(f"? {nested(500)}\n: 1\n", "spec.yaml")
    # an alias places a shallow list deep: the walk counts the levels it really has
    text = f"a: &a {nested(30)}\nb: {nested(30, '*a')}\n"
    with pytest.raises(SpecError, match=r"spec.yaml:\d+:\d+: b\[0\].*levels of nesting"):
        read_text(text, "spec.yaml")


def test_deep_nesting_in_answers_and_specs_exits_2_with_one_line(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC + f"\nvariants: {nested(500)}\n")
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"loss: {nested(500, '0.1')}\n")
    for command in (["solve", str(spec)],
                    ["check", str(EXAMPLES / "textbook-2-2-1.yaml"), str(answers)]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1 and "levels of nesting" in result.output


@pytest.mark.parametrize("where, text", [
    ("name", 'name: "\\ud800"'),
    ("description", 'description: "ok \\udfff"'),
    ("names", 'names: {"w\\ud800": "W1[1,1]"}'),
])
def test_an_unpaired_surrogate_is_refused_where_it_is_written(where, text):
    spec = SPEC.replace("learning_rate: 0.5", f"learning_rate: 0.5\n{text}")
    spec = spec.replace("name: Textbook", "# name: Textbook").replace(
        "description: Section", "# description: Section")
    with pytest.raises(SpecError) as caught:
        loads(spec, "spec.yaml")
    assert caught.value.field.startswith(where)
    assert "unpaired surrogates" in str(caught.value)
    str(caught.value).encode("utf-8")  # the message itself can be printed


def test_an_unpaired_surrogate_in_an_answers_file():
    with pytest.raises(SpecError, match="unpaired surrogates"):
        read_answers_text('loss: "0.1\\ud800"\n', "answers.yaml")
