"""The HTML sheet's network diagram (templates/network.html.j2): one circle per unit, one
arrow per weight, weights on the edges (with a true minus) up to 24 edges, as in the PDF."""

import json
from html.parser import HTMLParser
from pathlib import Path

from symprop.sheets import render_solution
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
    """The diagram's unit circles, edges, weight labels and bias labels, and where the
    diagram sits among the headings."""

    def __init__(self):
        super().__init__()
        self.circles = self.edges = self.svgs = 0
        self.weights, self.biases, self.headings = [], [], []
        self.stack, self.label = [], None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        self.stack.append(tag)
        if tag == "svg" and "network" in classes:
            self.svgs += 1
            self.headings.append("<svg>")
        elif tag == "circle" and "unit" in classes:
            self.circles += 1
        elif tag == "path" and "edge" in classes:
            self.edges += 1
        elif tag == "text" and {"weight", "bias"} & set(classes):
            self.label = (self.weights if "weight" in classes else self.biases, [])
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


def _diagram(solution) -> _Diagram:
    parser = _Diagram()
    parser.feed(render_solution(solution, "html"))
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
    diagram = _diagram(Solution(load(SEED_004), verify=False))
    assert diagram.circles == 5 and diagram.edges == 6
    assert sorted(diagram.weights) == sorted(["0.5", "−0.3", "0.2", "0.8", "0.7", "−0.5"])
    assert sorted(diagram.biases) == sorted(["b = 0.1", "b = −0.2", "b = 0.05"])
    assert not any("-" in label for label in diagram.weights + diagram.biases)
    # where the LaTeX sheet puts it: after the givens, before the forward pass
    assert diagram.headings[:4] == ["Given", "Network diagram", "<svg>", "Forward pass"]


def test_3_4_2_network_is_drawn_in_full():
    diagram = _diagram(loads(SPEC_3_4_2, "three-four-two").solve())
    assert diagram.circles == 9 and diagram.edges == 3 * 4 + 4 * 2
    assert len(diagram.weights) == 20 and "−0.3" in diagram.weights
    assert len(diagram.biases) == 6


def test_more_than_24_edges_leave_the_weights_off():
    diagram = _diagram(_network([4, 4, 4]))
    assert diagram.edges == 32 and diagram.circles == 12
    assert diagram.weights == [] and len(diagram.biases) == 8


def test_diagram_size_follows_the_layers():
    small = render_solution(_network([1, 1]), "html")
    large = render_solution(_network([2, 8, 8, 8, 8, 1]), "html")
    assert 'viewBox="0 0 290 78"' in small  # one column step, one row
    assert 'viewBox="0 0 820 638"' in large  # fits the 52em page: 5 × 144 + margins


def test_labels_follow_their_own_edges_when_two_sheets_share_a_page():
    """A notebook may show two sheets on one page: every label's path must exist, and two
    networks of different shapes must not share an edge id (their geometry differs)."""
    import re

    pages = [render_solution(Solution(load(SEED_004), verify=False), "html"),
             render_solution(loads(SPEC_3_4_2, "three-four-two").solve(), "html")]
    ids = []
    for page in pages:
        paths = set(re.findall(r'<path class="edge" id="([^"]+)"', page))
        hrefs = re.findall(r'<textPath href="#([^"]+)"', page)
        assert hrefs and set(hrefs) == paths
        ids.append(paths)
    assert not ids[0] & ids[1]
