"""The checker's inputs: nothing a user writes is executed; fuzzed answer files give a
report or a symprop error, never another exception."""

import os

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symprop.check import Checker
from symprop.check.claims import read_answers_text
from symprop.cli import main
from symprop.errors import SympropError
from symprop.spec import load

from conftest import EXAMPLES

SPEC = EXAMPLES / "textbook-2-2-1.yaml"
PAYLOADS = ["__import__('os').system('touch PWNED')", "().__class__.__bases__[0]",
            "exec('open(\"PWNED\",\"w\")')", "eval('1')", "lambda: 0", "[x for x in ()]",
            "open('PWNED', 'w')", "a1[1].__class__", "9**9**9**9", "1e999999",
            "exp(exp(exp(exp(1000))))", "(" * 500 + "1" + ")" * 500]


def test_no_claim_is_executed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for payload in PAYLOADS:
        for claim in (f"{payload}=1", f"loss={payload}"):
            result = runner.invoke(main, ["check", str(SPEC), "--claim", claim])
            assert result.exit_code in (0, 2), (claim, result.output)
            assert "Traceback" not in result.output
        answers = tmp_path / "answers.yaml"
        answers.write_text(yaml.safe_dump({payload: "0.1", "loss": payload}))
        result = runner.invoke(main, ["check", str(SPEC), str(answers)])
        assert result.exit_code in (0, 2) and "Traceback" not in result.output
    assert not (tmp_path / "PWNED").exists()


names = st.one_of(st.sampled_from(["loss", "yhat", "a1[1]", "grad.W1", "next.W2[1,1]", "w1",
                                   "delta2", "z1[3]", "exp(-z2[1])", "a1[1]*W2[1,1]", ""]),
                  st.text(max_size=15))
numbers = st.one_of(st.sampled_from(["0.0956", "-0.1076", "0.60", "1e5", "nan", "inf", "",
                                     "1/0", "0x1", "−0.2", "+.5", "1e-999"]),
                    st.text(max_size=8), st.integers(), st.floats(), st.none(),
                    st.lists(st.sampled_from(["0.1", "x", "[1]"]), max_size=3),
                    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@settings(max_examples=int(os.environ.get("SYMPROP_FUZZ_EXAMPLES", "150")), deadline=None,
          derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(names, numbers, max_size=6) | st.lists(numbers, max_size=3) | numbers)
def test_fuzzed_answer_files(document):
    checker = _checker()
    try:
        claims = read_answers_text(yaml.safe_dump(document, allow_unicode=True), "answers.yaml")
        checker.check(claims)
    except SympropError as error:
        assert str(error) and "\n" not in str(error)


_cache = []


def _checker():
    if not _cache:
        _cache.append(Checker(load(SPEC)))
    return _cache[0]


# issue 14: every intermediate is bounded before it is computed --------------------------------
def _claim(option: str):
    from symprop.check.claims import from_option
    (verdict,) = _checker().check([from_option(option)]).verdicts
    return verdict


def test_a_tower_of_integer_powers_is_refused_before_it_is_computed():
    # 9^(12⁷) would need 114 million bits: refused by the size bound, not computed
    v = _claim("(((((((9^12)^12)^12)^12)^12)^12)^12)=1")
    assert (v.verdict, v.notes) == ("unknown", [{"code": "too_large"}])
    v = _claim("(((((z1[1]^12)^12)^12)^12)^12)=1")  # 0.6^(12^5): exact rational, too large
    assert (v.verdict, v.notes) == ("unknown", [{"code": "too_large"}])
    assert _claim("(z1[1]^12)^12=0").verdict == "correct"  # 0.6^144 is small enough


def test_an_exponential_beyond_any_hand_calculation_is_a_verdict_not_an_overflow():
    for option in ("exp(1e400)=1", "exp(exp(exp(9)))=1"):
        v = _claim(option)
        assert (v.verdict, v.notes) == ("unknown", [{"code": "too_large"}]), option
    assert _claim("exp(-1e400)=0").verdict == "correct"  # e^(−10⁴⁰⁰) rounds to 0


def test_a_claimed_number_beyond_float_range_is_judged_wrong():
    v = _claim("loss=1e400")
    assert (v.verdict, v.expected) == ("wrong", "0")


def test_huge_claims_on_the_command_line_exit_0_without_a_traceback():
    runner = CliRunner()
    for option in ("(((((((9^12)^12)^12)^12)^12)^12)^12)=1", "exp(1e400)=1",
                   "exp(exp(exp(9)))=1", "loss=1e400", "loss=-1e400"):
        result = runner.invoke(main, ["check", str(SPEC), "--claim", option])
        assert result.exit_code == 0, (option, result.output)
        assert "Traceback" not in result.output and "internal error" not in result.output
    result = runner.invoke(main, ["check", str(SPEC), "--formula", "loss = exp(1e400)"])
    assert result.exit_code == 0 and "too large" in result.output
    result = runner.invoke(main, ["check", str(SPEC), "--formula", "loss"])
    assert result.exit_code == 2 and result.output.count("\n") == 1


def test_no_formula_is_executed(tmp_path, monkeypatch):
    from symprop.check.claims import RawClaim
    monkeypatch.chdir(tmp_path)
    claims = [RawClaim("delta1[1]", payload, kind="formula") for payload in PAYLOADS]
    claims += [RawClaim(payload, "1", kind="formula") for payload in PAYLOADS]
    report = _checker().check(claims)
    assert {v.verdict for v in report.verdicts} == {"unknown"}
    assert not (tmp_path / "PWNED").exists()


@settings(max_examples=int(os.environ.get("SYMPROP_FUZZ_EXAMPLES", "150")), deadline=None,
          derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["delta1[1]", "loss", "grad.W1[1,2]", "yhat", "x[1]", "nope"]),
       st.one_of(st.text(max_size=30),
                 st.lists(st.sampled_from(["a1[1]", "(", ")", "*", "-", "^", "12", "exp(",
                                           "delta2[1]", "/", "0", "x[2]", "+", "1e400"]),
                          max_size=12).map("".join)))
def test_fuzzed_formulas_get_a_verdict(name, text):
    from symprop.check.claims import RawClaim
    (v,) = _checker().check([RawClaim(name, text, kind="formula")]).verdicts
    assert v.verdict in ("equivalent", "equal_here", "different", "unknown")
