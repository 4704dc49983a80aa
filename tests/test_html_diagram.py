"""The HTML sheet's network diagram (templates/network.html.j2): one circle per unit, one
line and one arrowhead per weight, every weight and bias as SVG text (with a true minus)
where the layout put it, the same picture as the PDF's; and, measured in headless
Chromium, labels that do not overlap, sit on their own edges, and stay in the picture."""

import html
import itertools
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_diagram import PDF_SHAPES, _clips

from symprop import render as templates
from symprop.sheets import SheetRenderer, render_solution
from symprop.solution import Solution
from symprop.spec import load, loads

SEED_004 = Path(__file__).resolve().parent.parent / "examples" / "textbook-2-2-1.yaml"

SPEC_3_4_2 = """
name: three-four-two
layers: [{units: 3}, {units: 4, activation: sigmoid}, {units: 2, activation: sigmoid}]
parameters:
  W1: [[0.2, -0.3, 0.4], [-0.3, 0.4, -0.5], [0.4, -0.5, 0.6], [-0.5, 0.6, -0.7]]
  b1: [0, 0.1, 0.2, 0.3]
  W2: [[0.2, -0.3, 0.4, -0.5], [-0.3, 0.4, -0.5, 0.6]]
  b2: [0, 0.1]
data: [{x: [1, 1, 1], y: [0.5, 0.5]}]
loss: half_squared_error
"""


class _Diagram(HTMLParser):
    """The diagram's unit circles, edges, arrowheads, weight and bias labels, and where
    the diagram sits among the headings."""

    def __init__(self):
        super().__init__()
        self.circles = self.edges = self.arrows = self.svgs = self.tables = 0
        self.weights, self.biases, self.headings, self.boxes = [], [], [], []
        self.stack, self.label = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        self.stack.append(tag)
        if tag == "svg" and "network" in classes:
            self.svgs += 1
            self.headings.append("<svg>")
            self.view = [float(v) for v in attrs["viewbox"].split()]
        elif tag == "circle" and "unit" in classes:
            self.circles += 1
        elif tag == "line" and "edge" in classes:
            self.edges += 1
        elif tag == "path" and "arrow" in classes:
            self.arrows += 1
        elif tag == "rect" and "label" in classes:
            self.boxes.append([float(attrs[k]) for k in ("x", "y", "width", "height")])
        elif tag == "text" and {"weight", "bias"} & set(classes):
            self.label = (self.weights if "weight" in classes else self.biases, [])
        elif tag == "table" and "weights" in classes:
            self.tables += 1
        elif tag == "h2":
            self.headings.append("")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.stack.pop()

    def handle_endtag(self, tag):
        self.stack.pop()
        if tag == "text" and self.label is not None:
            self.label[0].append("".join(self.label[1]))
            self.label = None

    def handle_data(self, data):
        if self.label is not None:
            self.label[1].append(data)
        if self.stack and self.stack[-1] == "h2":
            self.headings[-1] += data


def _diagram(page: str) -> _Diagram:
    parser = _Diagram()
    parser.feed(page)
    assert parser.svgs == 1
    return parser


def _network(units: list[int]) -> Solution:
    """A sigmoid network with these units per layer; every weight 0.1, every bias 0."""
    layers = [{"units": units[0]}] + [{"units": n, "activation": "sigmoid"} for n in units[1:]]
    parameters = {}
    for l in range(1, len(units)):
        parameters[f"W{l}"] = [[0.1] * units[l - 1] for _ in range(units[l])]
        parameters[f"b{l}"] = [0] * units[l]
    spec = {"name": "network", "layers": layers, "parameters": parameters,
            "data": [{"x": [1] * units[0], "y": [0.5] * units[-1]}],
            "loss": "half_squared_error"}
    return loads(json.dumps(spec), "network").solve(verify=False)  # JSON is YAML


def test_seed_004_diagram_has_every_unit_edge_and_weight():
    diagram = _diagram(render_solution(Solution(load(SEED_004), verify=False), "html"))
    assert diagram.circles == 5 and diagram.edges == 6 and diagram.arrows == 6
    assert sorted(diagram.weights) == sorted(["0.5", "−0.3", "0.2", "0.8", "0.7", "−0.5"])
    assert sorted(diagram.biases) == sorted(["b = 0.1", "b = −0.2", "b = 0.05"])
    assert not any("-" in label for label in diagram.weights + diagram.biases)
    assert len(diagram.boxes) == 9  # a white box behind every label
    # where the LaTeX sheet puts it: after the givens, before the forward pass
    assert diagram.headings[:4] == ["Given", "Network diagram", "<svg>", "Forward pass"]


def test_the_svg_draws_what_the_tikz_picture_draws():
    """Both templates read one layout: the same unit centres, label centres and picture
    size appear in the TikZ coordinates and in the SVG attributes."""
    solution = loads(SPEC_3_4_2, "three-four-two").solve(verify=False)
    network = SheetRenderer(solution.graph).network(dict(solution.values.items()))
    tex = templates.render("network.tex.j2", {"network": network})
    svg = templates.render("network.html.j2", {"network": network})
    units = re.findall(r"\\node\[unit[^]]*\] at \( ([\d.]+),([\d.]+) \)", tex)
    assert units == re.findall(r'<circle class="unit[^"]*" cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert len(units) == 9
    labels = re.findall(r"\\node\[weight\] at \( ([\d.]+),([\d.]+) \) \{\$([^$]*)\$\}", tex)
    boxes = re.findall(r'<rect class="label" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
                       r'height="([\d.]+)"/>\n<text class="weight" x="([\d.]+)" '
                       r'y="([\d.]+)"[^>]*>([^<]*)</text>', svg)
    assert len(labels) == len(boxes) == 20
    for (x, y, text), (bx, by, bw, bh, sx, sy, shown) in zip(labels, boxes, strict=True):
        assert (x, y) == (sx, sy) and shown == text.replace("-", "−")
        assert float(bx) + float(bw) / 2 == pytest.approx(float(x), abs=0.01)
        assert float(by) + float(bh) / 2 == pytest.approx(float(y), abs=0.01)
    size = re.search(r"rectangle \( ([\d.]+),([\d.]+) \)", tex).groups()
    assert f'viewBox="0 0 {size[0]} {size[1]}"' in svg


def _picture(solution) -> str:
    """The diagram alone, as the HTML sheet includes it."""
    network = SheetRenderer(solution.graph).network(dict(solution.values.items()))
    return templates.render("network.html.j2", {"network": network})


def test_more_than_48_edges_leave_the_weights_to_a_table():
    diagram = _diagram(_picture(_network([4, 4, 4, 4, 4])))
    assert diagram.edges == 64 and diagram.circles == 20
    assert diagram.weights == [] and diagram.biases == [] and diagram.tables == 4


def test_diagram_size_follows_the_layers():
    small = _diagram(_picture(_network([1, 1]))).view
    large = _diagram(_picture(_network([2, 6, 6, 1]))).view
    assert small[2] < large[2] <= 470 and small[3] < large[3] <= 600


def _measure(page: Path) -> list[dict]:
    """The diagrams of a page as Chromium lays them out: each label's text box (getBBox,
    in the viewBox's units), each edge's ends, each circle, and each unit name's box and
    its circle's box in page pixels."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium not installed")
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--virtual-time-budget=5000",
         "--window-size=1000,1400", "--dump-dom", page.as_uri()],
        capture_output=True, timeout=120, check=False, text=True).stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


MEASURE = """<script>
addEventListener("load", () => document.fonts.ready.then(() => {
  const box = b => [b.x, b.y, b.x + b.width, b.y + b.height];
  const rect = b => [b.left, b.top, b.right, b.bottom];
  const out = [...document.querySelectorAll("svg.network")].map(svg => ({
    view: [svg.viewBox.baseVal.width, svg.viewBox.baseVal.height],
    labels: [...svg.querySelectorAll("text.weight, text.bias")].map(t =>
      ({kind: t.getAttribute("class"), text: t.textContent, box: box(t.getBBox())})),
    lines: [...svg.querySelectorAll("line.edge")].map(l =>
      ["x1", "y1", "x2", "y2"].map(k => l[k].baseVal.value)),
    arrows: [...svg.querySelectorAll("path.arrow")].map(p => box(p.getBBox())),
    names: [...svg.querySelectorAll("foreignObject")].map(f =>
      [rect(f.querySelector("math").getBoundingClientRect()),
       rect(f.previousElementSibling.getBoundingClientRect())]),
  }));
  const pre = document.createElement("pre");
  pre.id = "measured";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}));
</script>"""


def _apart(a, b) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_chromium_lays_out_labels_that_do_not_collide(tmp_path):
    """One Chromium run for the issue's networks, the densest and the deepest, on a real
    sheet page (its CSS): no two label texts overlap; each weight's text is crossed by
    its own edge and by no other, and shows that edge's weight; no edge crosses a bias;
    every label is inside the picture; every unit's name is inside its circle."""
    networks = []
    for spec in PDF_SHAPES.values():
        solution = loads(spec, "spec").solve(verify=False)
        networks.append(SheetRenderer(solution.graph).network(dict(solution.values.items())))
    pictures = "".join(templates.render("network.html.j2", {"network": n}) for n in networks)
    page = render_solution(Solution(load(SEED_004), verify=False), "html")
    page = page.replace("</body>", f"{pictures}\n{MEASURE}\n</body>")
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    measured = _measure(tmp_path / "page.html")
    assert len(measured) == 1 + len(networks)
    for picture, network in zip(measured[1:], networks, strict=True):
        labels, lines = picture["labels"], picture["lines"]
        assert len(lines) == len(network["edges"])
        assert picture["view"] == pytest.approx([network["width"], network["height"]])
        for a, b in itertools.combinations(labels, 2):
            assert _apart(a["box"], b["box"]), (a, b)
        for label in labels:
            box = label["box"]
            assert 0 <= box[0] and box[2] <= network["width"], label
            assert 0 <= box[1] and box[3] <= network["height"], label
            crossing = [k for k, l in enumerate(lines) if _clips(l[:2], l[2:], box)]
            if label["kind"] == "bias":
                assert crossing == [], label
            else:
                assert len(crossing) == 1, label
                own = network["edges"][crossing[0]]["weight"]
                assert label["text"] == own.replace("-", "−"), label
            for arrow in picture["arrows"]:
                assert _apart(arrow, box), (label, arrow)
        assert len(labels) == len(network["edges"]) + sum(
            b is not None for layer in network["layers"] for b in layer["biases"])
        for name, circle in picture["names"]:
            assert circle[0] <= name[0] and name[2] <= circle[2]
            assert circle[1] <= name[1] and name[3] <= circle[3]
