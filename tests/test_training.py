"""Training runs (issue 13): epochs and minibatches, the loss and per-layer gradient norms,
the optimisers after SGD, and the report. Reference values come from a float64 network
written here in plain NumPy (matrix form, nothing shared with symprop) and from the
documented shuffling recipe."""

import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

import symprop
from symprop.cli import main
from symprop.sheets import render_solution
from symprop.spec import Optimizer, loads
from symprop.training.files import render_training
from symprop.training.reference import train as float64_run
from symprop.training.solution import TrainingSolution

from conftest import EXAMPLES, solved

CHAIN = EXAMPLES / "deep-sigmoid-chain.yaml"
SEED_004 = EXAMPLES / "textbook-2-2-1.yaml"


# an independent float64 network ------------------------------------------------------
def _act(name, z):
    if name == "sigmoid":
        a = 1 / (1 + np.exp(-z))
        return a, a * (1 - a)
    if name == "relu":
        return np.maximum(z, 0), (z > 0).astype(float)
    return np.tanh(z), 1 - np.tanh(z) ** 2


class Net:
    """Half squared error, mean over the batch, biases per unit; optimisers by hand."""

    def __init__(self, problem):
        self.acts = [layer.activation for layer in problem.layers[1:]]
        self.W, self.b = [], []
        for l in range(1, len(problem.layers)):
            rows, cols = problem.layers[l].units, problem.layers[l - 1].units
            self.W.append(np.array([[float(problem.parameters[f"W{l}[{i},{j}]"])
                                     for j in range(1, cols + 1)] for i in range(1, rows + 1)]))
            self.b.append(np.array([float(problem.parameters[f"b{l}[{i}]"])
                                    for i in range(1, rows + 1)]))
        self.X = np.array([[float(v) for v in e.x] for e in problem.data]).T
        self.Y = np.array([[float(v) for v in e.y] for e in problem.data]).T
        self.state = {}

    def gradients(self, columns, decay=0.0):
        a, cache = self.X[:, columns], []
        for W, b, name in zip(self.W, self.b, self.acts, strict=True):
            z = W @ a + b[:, None]
            out, slope = _act(name, z)
            cache.append((a, slope))
            a = out
        y = self.Y[:, columns]
        n = len(columns)
        loss = 0.5 * np.sum((y - a) ** 2) / n + decay / 2 * sum(np.sum(W * W) for W in self.W)
        delta = -(y - a) * cache[-1][1]
        gW, gb = [None] * len(self.W), [None] * len(self.W)
        for l in range(len(self.W) - 1, -1, -1):
            a_prev, _ = cache[l]
            gW[l] = delta @ a_prev.T / n + decay * self.W[l]
            gb[l] = delta.sum(axis=1) / n
            if l:
                delta = (self.W[l].T @ delta) * cache[l - 1][1]
        return loss, gW, gb

    def step(self, gW, gb, rate, optimizer="sgd", t=1, beta=0.9, b1=0.9, b2=0.999,
             eps=1e-8):
        for key, params, grads in (("W", self.W, gW), ("b", self.b, gb)):
            for l, g in enumerate(grads):
                name = f"{key}{l + 1}"
                if optimizer == "momentum":
                    v = beta * self.state.get(("v", name), 0) + g
                    self.state[("v", name)] = v
                    params[l] = params[l] - rate * v
                elif optimizer == "adam":
                    m = b1 * self.state.get(("m", name), 0) + (1 - b1) * g
                    v = b2 * self.state.get(("v", name), 0) + (1 - b2) * g * g
                    self.state[("m", name)], self.state[("v", name)] = m, v
                    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
                    params[l] = params[l] - rate * m_hat / (np.sqrt(v_hat) + eps)
                else:
                    params[l] = params[l] - rate * g


def _close(exact, other, rtol=1e-9):
    exact = float(exact)
    return abs(exact - other) <= rtol * abs(exact)


@pytest.fixture(scope="module")
def chain():
    """The deep sigmoid chain example, trained (with its ReLU comparison) once."""
    return TrainingSolution(symprop.load(CHAIN), symbolic_seconds=0)


# the run -----------------------------------------------------------------------------
def test_deep_chain_matches_an_independent_float64_run_at_every_epoch(chain):
    problem = chain.problem
    run = chain.run
    assert run.steps == 400 and problem.training.epochs * 4 == 400
    net = Net(problem)
    rng = np.random.default_rng(1)  # the documented order: one permutation per epoch
    everything = list(range(4))

    def check_epoch(e):
        loss, gW, _ = net.gradients(everything)
        assert _close(run.values[f"epoch{e}.loss"], loss), e
        for l, g in enumerate(gW, 1):
            assert _close(run.values[f"epoch{e}.norm.grad.W{l}"], np.linalg.norm(g)), (e, l)

    check_epoch(0)
    for e in range(1, 101):
        for k in rng.permutation(4):
            _, gW, gb = net.gradients([k])
            net.step(gW, gb, 0.5)
        check_epoch(e)


def test_norms_at_step_1_shrink_from_the_last_layer_to_the_first(chain):
    norms = [chain.run.values[f"norm.grad.W{l}"] for l in range(1, 6)]
    assert all(a < b for a, b in zip(norms, norms[1:], strict=False)), norms
    assert norms[-1] / norms[0] > 1000  # each sigmoid multiplies δ by σ' ≤ 1/4


def test_relu_comparison_shows_the_difference(chain):
    sigmoid, relu = chain.variants
    assert (sigmoid.label, relu.label) == ("sigmoid", "relu")
    assert relu.problem.layers[1].activation == "relu"
    assert relu.problem.layers[-1].activation == "sigmoid"  # the output layer is kept
    ratio = {v.label: v.run.values["norm.grad.W5"] / v.run.values["norm.grad.W1"]
             for v in chain.variants}
    assert ratio["sigmoid"] > 1000 and ratio["relu"] < 10
    last = "epoch100.loss"
    assert relu.run.values[last] < sigmoid.run.values[last] / 10
    assert all(v.numpy.agrees for v in chain.variants)


def test_run_precision_is_verified_and_stated(chain):
    run = chain.run
    assert run.digits >= 30 and run.bits > run.check_bits
    linear = loads("""
layers: [{units: 1}, {units: 1, activation: identity}]
parameters: {W1: 0.5, b1: 0.1}
data: [{x: 0.7, y: 2}, {x: -0.3, y: 0.5}]
loss: half_squared_error
learning_rate: 0.0123
epochs: 40
batch_size: 1
""")
    exact = TrainingSolution(linear, symbolic_seconds=0).run
    # rational while the fractions stay small (EXACT_BITS), then binary floating point
    assert type(exact.values["loss"]) is Fraction and 10 < exact.exact_steps < exact.steps
    assert type(exact.values["step80.loss"]) is not Fraction
    assert exact.digits >= 30


def test_shuffled_order_is_the_documented_recipe(chain):
    rng = np.random.default_rng(1)
    assert chain.run.orders == [list(rng.permutation(4)) for _ in range(100)]
    first = chain.first_batch()
    assert first == [chain.run.orders[0][0] + 1]
    # the first step's sheet is that minibatch's
    assert chain.first.problem.data == (chain.problem.data[first[0] - 1],)


# optimisers and L2, worked on seed 004's network ----------------------------------------
@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_first_two_steps_match_a_hand_written_reference(optimizer):
    if optimizer == "adam":  # Adam's defaults, two steps, η = 0.1
        solution = solved("adam-textbook-2-2-1.yaml", symbolic_seconds=0)
    else:
        problem = replace(symprop.load(SEED_004), steps=2, learning_rate=Fraction(1, 10),
                          optimizer=Optimizer("momentum", momentum=Fraction(9, 10)))
        solution = problem.solve(symbolic_seconds=0)  # the proof, NumPy and FD hold
    problem = solution.problem
    assert problem.steps == 2 and problem.learning_rate == Fraction(1, 10)
    net = Net(problem)
    for t in (1, 2):
        prefix = "" if t == 1 else "step2."
        loss, gW, gb = net.gradients([0])
        assert _close(solution.value(prefix + "loss"), loss)
        net.step(gW, gb, 0.1, optimizer, t=t)
        state = "velocity" if optimizer == "momentum" else "m"
        key = ("v", "W1") if optimizer == "momentum" else ("m", "W1")
        assert _close(solution.value(f"{prefix}{state}.W1[2,1]"), net.state[key][1, 0])
        for l, (W, b) in enumerate(zip(net.W, net.b, strict=True), 1):
            for (i, j), w in np.ndenumerate(W):
                assert _close(solution.value(f"{prefix}next.W{l}[{i + 1},{j + 1}]"), w)
            for i, value in enumerate(b):
                assert _close(solution.value(f"{prefix}next.b{l}[{i + 1}]"), value)
    if optimizer == "adam":
        assert solution.value("correction.v") == Fraction(1, 1000)
        assert solution.value("step2.correction.m") == 1 - Fraction(81, 100)
        assert _close(solution.value("step2.vhat.W2[1,1]"),
                      net.state[("v", "W2")][0, 0] / (1 - 0.999 ** 2))


def test_weight_decay_is_in_the_loss_and_the_gradients():
    problem = replace(symprop.load(SEED_004), weight_decay=Fraction(1, 100))
    solution = problem.solve(symbolic_seconds=0)
    loss, gW, gb = Net(problem).gradients([0], decay=0.01)
    assert _close(solution.value("loss"), loss)
    assert _close(solution.value("penalty"), 0.01 / 2 * (0.25 + 0.09 + 0.04 + 0.64 + 0.49
                                                         + 0.25))
    assert _close(solution.value("grad.W1[1,2]"), gW[0][0, 1])  # x₂ = 0: only λW
    assert _close(solution.value("grad.W1[1,2]"), 0.01 * -0.3)
    assert _close(solution.value("grad.b1[1]"), gb[0][0])  # biases are not decayed


def test_optimiser_lines_on_the_sheet():
    solution = solved("adam-textbook-2-2-1.yaml", symbolic_seconds=0)
    tex = render_solution(solution, "tex")
    assert r"\subsection*{One step of Adam}" in tex
    assert r"m^{\langle 1\rangle}_{W^{(1)}_{11}} & = \beta_1 m^{\langle 0\rangle}" in tex
    assert r"\left(1 - \beta_1\right) \cdot \frac{\partial" in tex  # (1 − β₁) ∂L/∂θ
    assert r"1 - \beta_{1}^{2}" in tex  # step 2's bias correction
    assert r"\sqrt{\hat{v}^{\langle 1\rangle}_{W^{(1)}_{11}}} + \epsilon" in tex
    html = render_solution(solution, "html")
    assert "One step of Adam" in html and html.count("<math") > 100


# names, JSON, check --------------------------------------------------------------------
def test_json_resolves_every_run_name(chain):
    data = chain.to_dict()
    values = data["training"]["values"]
    for name in ("loss", "step400.loss", "norm.grad.W1", "step7.norm.grad.b3",
                 "norm.delta1", "epoch0.loss", "epoch100.norm.grad.W5", "epoch100.W1[1,1]"):
        assert name in values, name
    assert float(values["epoch100.loss"]["value"]) == pytest.approx(
        float(chain.value("epoch100.loss")), rel=1e-15)
    assert data["training"]["first_batch"] == chain.first_batch()
    assert data["training"]["compare"][0]["activation"] == "relu"
    assert data["training"]["precision"]["digits"] >= 30
    assert data["problem"]["examples"] == 4 and data["problem"]["epochs"] == 100
    assert chain.value("relu.epoch100.loss") == chain.variants[1].run.values["epoch100.loss"]
    assert chain.value("step1.norm.grad.W2") == chain.run.values["norm.grad.W2"]


def test_check_resolves_run_names(tmp_path):
    spec = tmp_path / "run.yaml"
    spec.write_text((EXAMPLES / "momentum-xor.yaml").read_text().replace(
        "epochs: 150", "epochs: 3"))
    loss = float64_run(symprop.load(spec)).values["epoch3.loss"]
    right = f"{loss:.4f}"
    result = CliRunner().invoke(main, ["check", str(spec), "--format", "json",
                                       "--claim", f"epoch3.loss={right}",
                                       "--claim", "norm.grad.W1=9.9",
                                       "--claim", "velocity.W2[1,1]=0.1",
                                       "--claim", "grad.W1[1,1]=0.1"])
    assert result.exit_code == 0, result.output
    verdicts = {c["name"]: c["verdict"] for c in json.loads(result.output)["claims"]}
    assert verdicts["epoch3.loss"] == "correct" and verdicts["norm.grad.W1"] == "wrong"
    assert verdicts["velocity.W2[1,1]"] in ("wrong", "correct", "rounding")  # a graph node


def test_cli_json_and_the_table(chain, tmp_path):
    spec = tmp_path / "run.yaml"
    spec.write_text((EXAMPLES / "adam-xor.yaml").read_text().replace(
        "epochs: 150", "epochs: 1"))
    result = CliRunner().invoke(main, ["solve", str(spec), "--format", "json",
                                       "--symbolic-seconds", "0"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["problem"]["optimizer"] == {"name": "adam", "beta1": "9/10",
                                            "beta2": "999/1000", "epsilon": "1/100000000"}
    assert "m.W1[1,1]" in [q["name"] for q in data["quantities"]]
    assert data["training"]["steps"] == 2 and data["training"]["checks"]["numpy"]["agrees"]
    table = render_training(chain, "table")
    assert "Training run: 100 epochs, 400 steps (minibatches of 1, shuffled with seed 1)" \
        in table
    assert re.search(r"^\s+100\s+0\.1250\s", table, re.M)


# the report ----------------------------------------------------------------------------
def test_html_report_has_both_plots_and_the_numbers(chain, tmp_path):
    html = render_training(chain, "html")
    assert html.count('<figure class="plot">') == 3  # the loss, and a panel per run
    assert html.count('class="series') == 2 + 5 + 5
    ratio = chain.run.values["norm.grad.W5"] / chain.run.values["norm.grad.W1"]
    shown = f"{float(f'{float(ratio):.3g}'):g}"  # 3 significant figures: 3030
    assert f"{shown}</mn>" in html and "times smaller" in html
    assert "0.00391" in html  # (1/4)^4
    assert "<script" not in html and not re.search(r'(src|href)="https?:', html)  # offline
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium not installed")
    probe = html.replace("</body>", """<script>
const boxes = [...document.querySelectorAll('figure.plot svg')].map(s => {
  const r = s.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; });
document.title = JSON.stringify({boxes, width: document.body.getBoundingClientRect().right});
</script></body>""")
    page = tmp_path / "report.html"
    page.write_text(probe, encoding="utf-8")
    result = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                             "--disable-background-networking", "--virtual-time-budget=3000",
                             "--window-size=1000,1400", "--dump-dom", page.as_uri()],
                            capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r"<title>(\{.*\})</title>", result.stdout)
    assert found, result.stderr[-500:]
    layout = json.loads(found.group(1).replace("&quot;", '"'))
    boxes = layout["boxes"]
    assert len(boxes) == 3
    for left, top, right, bottom in boxes:  # every plot on the page, none cut off
        assert left >= 0 and right <= layout["width"] + 1 and bottom - top > 100
    (a, b) = boxes[1:]  # the two panels side by side, not overlapping
    assert a[2] <= b[0] or a[3] <= b[1]


SHORT_CHAIN = """
name: three sigmoid layers (a short sheet for step 1)
layers: [{units: 1}, {units: 1, activation: sigmoid}, {units: 1, activation: sigmoid},
         {units: 1, activation: sigmoid}]
parameters: {W1: 0.5, b1: 0.1, W2: 0.5, b2: 0.1, W3: 0.5, b3: 0.1}
data: [{x: 1, y: 1}, {x: -1, y: 0}, {x: 0.5, y: 1}, {x: -0.5, y: 0}]
loss: half_squared_error
learning_rate: 0.5
epochs: 5
batch_size: 1
shuffle: {seed: 1}
compare: {activation: [sigmoid, relu]}
"""


@pytest.mark.tex
def test_pdf_report_builds_with_both_plots(tmp_path):
    spec = tmp_path / "chain.yaml"
    spec.write_text(SHORT_CHAIN)
    solution = TrainingSolution(symprop.load(spec), symbolic_seconds=0)
    tex = render_training(solution, "tex")
    assert tex.count(r"\begin{axis}") == 3 and r"\ref*{normlegend}" in tex
    (tmp_path / "report.tex").write_text(tex)
    for _ in range(2):
        subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode",
                        "report.tex"], cwd=tmp_path, capture_output=True, timeout=300,
                       check=True)
    log = (tmp_path / "report.log").read_text(errors="replace")
    start = tex[:tex.index(r"\section*{The run}")].count("\n") + 1
    for first, _ in re.findall(r"Overfull \\hbox \([\d.]+pt too wide\) in paragraph at "
                               r"lines (\d+)--(\d+)", log):
        assert int(first) < start, f"overfull box in the run's part, line {first}"
    words = subprocess.run(["pdftotext", "-bbox", "report.pdf", "-"], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout
    pages = words.split("<page ")
    run_page = next(p for p in pages if ">minibatch<" in p)  # both plots' page
    boxes = [tuple(map(float, m)) for m in re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', run_page)]
    assert len(boxes) > 60  # tick labels, legends, axis labels, titles, sentences
    for k, (x0, y0, x1, y1) in enumerate(boxes):  # no two words on the page overlap
        for u0, v0, u1, v1 in boxes[k + 1:]:  # (a subscript reaches into the next line's
            # box by about a fifth: font boxes, not ink)
            area = max(0, min(x1, u1) - max(x0, u0)) * max(0, min(y1, v1) - max(y0, v0))
            smaller = min((x1 - x0) * (y1 - y0), (u1 - u0) * (v1 - v0))
            assert area <= 0.3 * smaller, ((x0, y0), (u0, v0))
    text = subprocess.run(["pdftotext", "report.pdf", "-"], cwd=tmp_path,
                          capture_output=True, text=True, check=True).stdout
    assert "minibatch loss at each step" in text and "sigmoid" in text and "ReLU" in text


def test_float64_reference_never_imports_sympy():
    code = ("import sys; sys.modules['sympy'] = None\n"
            "from symprop.spec import load\nfrom symprop.training.reference import train\n"
            "r = train(load('examples/momentum-xor.yaml'))\n"
            "assert r.values['epoch150.loss'] < 0.01, r.values['epoch150.loss']\n"
            "assert 'sympy' not in [m.split('.')[0] for m in sys.modules if sys.modules[m]]\n")
    from conftest import ROOT
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
