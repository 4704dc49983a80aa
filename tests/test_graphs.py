"""Computation graphs (issue 10): graph: specs for CS231n's circuits, Ng's J = 3(a + bc),
micrograd's neuron and README expression. Every value and gradient is compared with a
derivation written here by hand (exact fractions where the arithmetic is rational, math
otherwise) or with the figures the sources print, never with symprop's own output."""

import math
from fractions import Fraction

import pytest

import symprop
from symprop import expressions
from symprop.check import Checker
from symprop.check.claims import RawClaim
from symprop.check.claims import parse as claim_parse
from symprop.errors import SpecError

from conftest import EXAMPLES, solved

F = Fraction


def exact(solution, name):
    value = solution.value(name)
    assert type(value) is F, name
    return value


def close(solution, name, expected, tolerance=1e-12):
    assert float(solution.value(name)) == pytest.approx(expected, rel=tolerance,
                                                        abs=tolerance), name


def test_cs231n_circuit():
    s = solved("cs231n-circuit.yaml")
    x, y, z = -2, 5, -4
    q, f = x + y, (x + y) * z
    # add gate: ∂q/∂x = ∂q/∂y = 1; multiply gate swaps: ∂f/∂q = z, ∂f/∂z = q
    expected = {"q": q, "f": f, "grad.f": 1, "local.f.q": z, "local.f.z": q, "grad.q": z,
                "local.q.x": 1, "local.q.y": 1, "grad.x": z, "grad.y": z, "grad.z": q}
    for name, value in expected.items():
        assert exact(s, name) == value, name
    rate = F(1, 100)  # next = θ − η ∂f/∂θ for x, y, z
    nx, ny, nz = x - rate * z, y - rate * z, z - rate * q
    assert (exact(s, "next.x"), exact(s, "next.y"), exact(s, "next.z")) == (nx, ny, nz)
    assert exact(s, "next.f") == (nx + ny) * nz == F("-12.4124")
    # nudges: x + 0.001 and q + 0.001 both move f by z · 0.001
    assert exact(s, "nudge1.x") == F("-1.999") and exact(s, "nudge1.q") == F("3.001")
    assert exact(s, "nudge1.f") == exact(s, "nudge2.f") == F("-12.004")
    assert exact(s, "nudge1.slope") == exact(s, "nudge2.slope") == -4
    assert s.graph.resolve("nudge2.x") == "x"  # upstream of the nudge: unchanged


def test_cs231n_sigmoid_neuron_as_gates():
    s = solved("cs231n-sigmoid-neuron.yaml")
    w0, x0, w1, x1, w2 = 2, -1, -3, -2, -3
    dot = w0 * x0 + w1 * x1 + w2
    e = math.exp(-dot)
    d = 1 + e
    f = 1 / d
    for name, value in {"a": w0 * x0, "b": w1 * x1, "s": w0 * x0 + w1 * x1, "dot": dot,
                        "neg": -dot, "e": e, "d": d, "f": f}.items():
        close(s, name, value)
    # backwards, gate by gate: 1/x → −1/d², +1 → 1, exp → e, *−1 → −1, then the adds
    grad_d = -1 / d**2
    grad_dot = -(grad_d * e)
    assert grad_dot == pytest.approx(f * (1 - f))  # the sigmoid's σ(1 − σ)
    for name, value in {"grad.d": grad_d, "grad.e": grad_d, "grad.neg": grad_d * e,
                        "grad.dot": grad_dot, "grad.s": grad_dot, "grad.a": grad_dot,
                        "grad.w2": grad_dot, "grad.w0": grad_dot * x0,
                        "grad.x0": grad_dot * w0, "grad.w1": grad_dot * x1,
                        "grad.x1": grad_dot * w1, "local.e.neg": e,
                        "local.f.d": grad_d}.items():
        close(s, name, value)
    # the notes: dw = [-0.20, -0.39, 0.20], dx = [0.39, -0.59]
    printed = {"grad.w0": -0.20, "grad.w1": -0.39, "grad.w2": 0.20, "grad.x0": 0.39,
               "grad.x1": -0.59}
    for name, value in printed.items():
        assert round(float(s.value(name)), 2) == value


def test_cs231n_max_gate():
    s = solved("cs231n-max-gate.yaml")
    x, y = 3, -4  # z = 2, w = -1
    # f = 2(xy + max(z, w)): add distributes 2, max routes it to z, multiply swaps
    expected = {"p": -12, "m": 2, "s": -10, "f": -20, "grad.s": 2, "grad.p": 2,
                "grad.m": 2, "local.m.z": 1, "local.m.w": 0, "grad.z": 2, "grad.w": 0,
                "grad.x": 2 * y, "grad.y": 2 * x}
    for name, value in expected.items():
        assert exact(s, name) == value, name
    assert s.graph.gate("m") == "max" and s.graph.gate("p") == "multiply"
    assert s.graph.gate("s") == "add" and s.graph.gate("f") == "scale"


def test_ng_j_with_his_five_nudges():
    s = solved("ng-j-3-a-plus-bc.yaml")
    assert (exact(s, "u"), exact(s, "v"), exact(s, "J")) == (6, 11, 33)
    assert {n: exact(s, f"grad.{n}") for n in "vuabc"} == \
        {"v": 3, "u": 3, "a": 3, "b": 6, "c": 9}
    # the lecture's nudges: v → 11.001, a → 5.001, u → 6.001, b → 3.001, c → 2.001
    assert exact(s, "nudge1.v") == F("11.001") and exact(s, "nudge1.J") == F("33.003")
    assert exact(s, "nudge2.a") == F("5.001") and exact(s, "nudge2.v") == F("11.001")
    assert exact(s, "nudge2.J") == F("33.003")
    assert exact(s, "nudge3.u") == F("6.001") and exact(s, "nudge3.J") == F("33.003")
    assert exact(s, "nudge4.u") == F("6.002") and exact(s, "nudge4.J") == F("33.006")
    assert exact(s, "nudge5.u") == F("6.003") and exact(s, "nudge5.J") == F("33.009")
    assert [exact(s, f"nudge{k}.slope") for k in range(1, 6)] == [3, 3, 3, 6, 9]


def test_micrograd_tanh_neuron():
    s = solved("micrograd-neuron.yaml")
    x1, x2, w1, w2, b = 2, 0, -3, 1, F("6.8813735870195432")
    n = x1 * w1 + x2 * w2 + b
    assert exact(s, "n") == n
    o = math.tanh(float(n))
    close(s, "o", o, 1e-15)
    slope = 1 - o**2  # tanh' from the output
    # micrograd prints x1.grad = -1.5, w1.grad = 1.0, x2.grad = 0.5, w2.grad = 0.0
    for name, value in {"grad.n": slope, "grad.b": slope, "grad.x1": slope * w1,
                        "grad.w1": slope * x1, "grad.x2": slope * w2, "local.o.n": slope,
                        "grad.x1w1": slope, "grad.x2w2": slope}.items():
        close(s, name, value, 1e-12)
    assert exact(s, "grad.w2") == 0  # x2 = 0 annihilates it
    for name, value in {"grad.x1": -1.5, "grad.w1": 1.0, "grad.x2": 0.5}.items():
        assert float(s.value(name)) == pytest.approx(value, abs=1e-15)
    close(s, "next.w1", w1 - 0.1 * slope * x1)
    close(s, "next.b", float(b) - 0.1 * slope)


def test_micrograd_readme_expression():
    s = solved("micrograd-expression.yaml", symbolic_seconds=0)
    a, b = F(-4), F(2)
    c1 = a + b
    d1 = a * b + b**3
    c2 = c1 + (c1 + 1)
    c3 = c2 + (1 + c2 + (-a))
    d2 = d1 + (d1 * 2 + max(b + a, 0))
    d3 = d2 + (3 * d2 + max(b - a, 0))
    e = c3 - d3
    f = e**2
    g1 = f / 2
    g = g1 + 10 / f
    for name, value in {"c1": c1, "d1": d1, "c2": c2, "c3": c3, "d2": d2, "d3": d3,
                        "e": e, "f": f, "g1": g1, "g": g}.items():
        assert exact(s, name) == value, name
    # backwards by hand; f fans out to g1 and g, a and b to many nodes
    grad_f = F(1, 2) - 10 / f**2
    grad_e = grad_f * 2 * e
    grad_c3, grad_d3 = grad_e, -grad_e
    grad_d2 = 4 * grad_d3  # d3 = d2 + 3 d2 + relu(b − a)
    grad_d1 = 3 * grad_d2  # d2 = d1 + 2 d1 + relu(b + a), relu'(−2) = 0
    grad_c2 = 2 * grad_c3  # c3 = c2 + 1 + c2 − a
    grad_c1 = 2 * grad_c2
    grad_a = grad_c1 + grad_d1 * b - grad_c3 + grad_d3 * -1
    grad_b = grad_c1 + grad_d1 * (a + 3 * b**2) + grad_d3
    expected = {"grad.f": grad_f, "grad.e": grad_e, "grad.c3": grad_c3, "grad.d3": grad_d3,
                "grad.d2": grad_d2, "grad.d1": grad_d1, "grad.c2": grad_c2,
                "grad.c1": grad_c1, "grad.a": grad_a, "grad.b": grad_b}
    for name, value in expected.items():
        assert exact(s, name) == value, name
    # the README prints g = 24.7041, a.grad = 138.8338, b.grad = 645.5773
    assert s.text("g") == "24.7041"
    assert (s.text("grad.a"), s.text("grad.b")) == ("138.8338", "645.5773")
    assert s.graph.uses("f") == ["g1", "g"] and len(s.graph.uses("a")) == 5


@pytest.mark.parametrize("spec", ["cs231n-circuit.yaml", "cs231n-sigmoid-neuron.yaml",
                                  "cs231n-max-gate.yaml", "ng-j-3-a-plus-bc.yaml",
                                  "micrograd-neuron.yaml", "micrograd-expression.yaml"])
def test_three_way_proof_on_every_example(spec):
    options = {"symbolic_seconds": 0} if spec == "micrograd-expression.yaml" else {}
    checks = solved(spec, **options).checks_dict()  # (simplify takes seconds on the last)
    assert checks["symbolic"]["agrees"] and checks["numpy"]["agrees"]
    assert checks["finite_differences"]["agrees"]
    assert checks["numpy"]["compared"] > 0 and checks["finite_differences"]["compared"] > 0


def test_seed_000_nudge_is_a_graph_quantity():
    s = solved("seed-000-relu-chain.yaml")
    # the seed: a1 = 2.001, a2 = 7.003, J = ½(2.003)² ≈ 2.006, a slope of about 6
    assert exact(s, "nudge1.w1") == F("2.001") and exact(s, "nudge1.a1") == F("2.001")
    assert exact(s, "nudge1.a2[1]") == F("7.003")
    assert exact(s, "nudge1.loss") == F("2.003") ** 2 / 2 == F("2.0060045")
    assert exact(s, "nudge1.slope") == F("6.0045")
    assert s.graph.resolve("nudge1.x[1]") == "x[1]"


def test_a_nudge_of_a_forward_quantity_in_a_layered_spec():
    text = (EXAMPLES / "textbook-2-2-1.yaml").read_text() + 'nudges: [{"z1[2]": -0.01}]\n'
    s = symprop.loads(text).solve(verify=False)
    z = exact(s, "z1[2]")
    assert exact(s, "nudge1.z1[2]") == z - F(1, 100)
    assert "nudge1.z1[1]" not in s.graph.nodes and s.graph.resolve("nudge1.a1[1]") == "a1[1]"
    # the slope approaches ∂L/∂z = δ as the nudge shrinks: within 1 % here
    assert float(s.value("nudge1.slope")) == pytest.approx(float(s.value("delta1[2]")),
                                                          rel=1e-2)


# the grammar -------------------------------------------------------------------------------
def test_no_builtin_constants_and_reserved_function_names():
    graph = expressions.GRAPH
    assert expressions.parse("e * s + neg - dot", graph) == (
        "sub", ("add", ("mul", ("name", "e"), ("name", "s")), ("name", "neg")),
        ("name", "dot"))
    assert expressions.parse("max(a, b, -c)", graph) == (
        "call", "max", ("name", "a"), ("name", "b"), ("neg", ("name", "c")))
    assert expressions.parse("x ** y", graph) == ("pow", ("name", "x"), ("name", "y"))
    assert expressions.parse("x ** -0.5", graph) == ("pow", ("name", "x"), F(-1, 2))
    assert expressions.parse("-x ** 2", graph) == ("neg", ("pow", ("name", "x"), 2))
    for bad in ("exp + 1", "x ** (y)", "2 ** 3 ** 2", "x ** 65", "max(x)", "tanh(x, y)",
                "x +", "(x", "x y", "3 $ 4"):
        with pytest.raises(expressions.ParseError):
            expressions.parse(bad, graph)


def test_claims_keep_their_grammar():
    assert claim_parse("next.W2[1,1]*next.a1[1]") == (
        "mul", ("name", "next.W2[1,1]"), ("name", "next.a1[1]"))
    assert claim_parse("sigma(-z2[1])^2") == (
        "pow", ("call", "sigma", ("neg", ("name", "z2[1]"))), 2)
    assert claim_parse("ln(x)") == ("call", "log", ("name", "x"))
    for bad in ("x ** 13", "x ** 0.5", "max(x, y)", "x ** y"):
        with pytest.raises(expressions.ParseError):
            claim_parse(bad)


def test_huge_intermediates_are_refused_before_anything_is_computed():
    spec = ("graph:\n  inputs: {x: 0.3}\n  nodes:\n    q: \"(x ** 64) ** 64\"\n"
            "    f: \"q ** 64\"\n  output: f\n")
    with pytest.raises(SpecError, match="graph.nodes.q: expected values small enough"):
        symprop.loads(spec)


# the checker on graphs ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def max_gate_checker():
    return Checker(symprop.load(EXAMPLES / "cs231n-max-gate.yaml"))


def test_check_judges_graph_claims(max_gate_checker):
    claims = [RawClaim("p", "-12"), RawClaim("x*y", "-12"), RawClaim("grad.s", "2"),
              RawClaim("grad.y", "-8"), RawClaim("local.m.w", "1"),
              RawClaim("grad.w", "2"), RawClaim("grad.x", "-8.0"), RawClaim("grad.q", "1")]
    v = {c.written: c for c in max_gate_checker.check(claims).verdicts}
    assert v["p"].verdict == v["x*y"].verdict == v["grad.s"].verdict == "correct"
    assert v["grad.x"].verdict == "correct"
    # ∂p/∂y taken as y (not swapped) gives 2 · (−4) = −8
    assert v["grad.y"].verdict == "wrong"
    assert v["grad.y"].mistakes[0]["code"] == "multiply_not_swapped"
    # the max gate's gradient sent to w: its local gradient 1, then grad.w = 2 carried
    assert v["local.m.w"].verdict == "wrong"
    assert v["local.m.w"].mistakes[0]["code"] == "max_other_input"
    assert v["grad.w"].verdict == "carried" and v["grad.w"].inherits == ["local.m.w"]
    assert v["grad.q"].verdict == "unknown"


def test_check_names_a_missing_sum_at_a_fan_out():
    checker = Checker(solved("micrograd-expression.yaml", symbolic_seconds=0).problem)
    # ∂g/∂f = ½ − 10/f²: taking only the use in g (−10/f² = −0.0042) is the missing sum
    report = checker.check([RawClaim("grad.f", "-0.0042"), RawClaim("grad.f*2", "0.9917")])
    first, product = report.verdicts
    assert first.verdict == "wrong" and first.mistakes[0]["code"] == "fanout_last_use"
    assert product.verdict == "correct"


# variants ----------------------------------------------------------------------------------
def test_variants_draw_graph_inputs_and_keep_the_gates(tmp_path):
    import json

    from symprop.variants import make

    spec = tmp_path / "max.yaml"
    spec.write_text((EXAMPLES / "cs231n-max-gate.yaml").read_text() +
                    "variants:\n  vary: {x: {low: -3, high: 3, step: 1}, y: [1, 2, 3], "
                    "z: [-1, 0, 1], w: [-1, 0, 1]}\n  allow_zero_gradient: true\n")
    folder = make(spec, 4, 7, output=tmp_path / "out", jobs=1)
    for label in ("001", "002", "003", "004"):
        key = json.loads((folder / label / "key.json").read_text())
        g = {item["name"]: F(item["value"]) for item in key["givens"]}
        x, y, z, w = g["x"], g["y"], g["z"], g["w"]
        assert z != w  # a tie of max is a kink: the relu_zero rule rejects it
        answers = {a["name"]: F(a["value"]) for a in key["answers"]}
        assert answers["f"] == 2 * (x * y + max(z, w))
        assert (answers["grad.x"], answers["grad.y"]) == (2 * y, 2 * x)
        assert (answers["grad.z"], answers["grad.w"]) == ((2, 0) if z > w else (0, 2))
    question = (folder / "001" / "question.tex").read_text()
    assert r"m &= \max\left(z, w\right)" in question
    assert (folder / "moodle.xml").read_text().count("NUMERICAL") == 4 * 5
    # each variant stands alone: its spec.yaml is an ordinary graph spec with its inputs
    from symprop.spec import load

    alone = load(folder / "001" / "spec.yaml").solve(verify=False)
    key = json.loads((folder / "001" / "key.json").read_text())
    for answer in key["answers"]:
        assert alone.text(answer["name"], 4) == answer["value"]


def test_variants_rules_name_graph_inputs():
    from symprop.variants import Plan

    text = (EXAMPLES / "cs231n-circuit.yaml").read_text() + \
        "variants:\n  vary: {q: [1, 2]}\n"
    with pytest.raises(SpecError, match=r"variants.vary.q: expected parameters, inputs, an "
                                        r"input's name \(x, y, z\) or lr"):
        Plan(symprop.loads(text))


def test_check_sees_rounding_carried_from_written_values():
    checker = Checker(solved("cs231n-sigmoid-neuron.yaml").problem)
    # d = 1 + e^{-1} = 1.36788 is written 1.3679; 1/1.3679 = 0.73105 rounds to 0.7310,
    # where the exact f = 0.731059 rounds to 0.7311: within rounding of the written d
    report = checker.check([RawClaim("d", "1.3679"), RawClaim("f", "0.7310"),
                            RawClaim("grad.dot", "0.2966"), RawClaim("grad.w0", "-0.2966")])
    v = {c.written: c for c in report.verdicts}
    assert v["d"].verdict == "correct" and v["f"].verdict == "rounding"
    assert v["grad.dot"].verdict == "wrong" and v["grad.w0"].verdict == "carried"
    assert report.first_wrong.name == "grad.dot"
