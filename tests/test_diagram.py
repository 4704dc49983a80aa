"""The network diagram's layout (symprop.sheets.diagram), measured with geometry written
here independently (Liang–Barsky clipping, not the module's separating axes): for every
shape with layers of 1 to 4 units and up to 3 weight layers, and for deep chains, with
labels of four decimals, no two labels overlap, no edge but its own and no arrowhead
crosses a label, no label touches a unit, and everything lies inside the picture. Then the
fallbacks, the sheet's context, and the PDF read back with ``pdftotext -bbox``."""

import itertools
import json
import random
import re
import shutil
import subprocess

import pytest

from symprop import render as templates
from symprop.sheets import SheetRenderer, diagram
from symprop.spec import loads
from symprop.tex import build_pdf

PAGE_WIDTH = 472.0  # the sheets' text width (pt): A4, 2.2 cm margins
CLEAR = 1.0  # the least distance measured between a label and anything else (pt)

# every shape up to 4-4-4; of three weight layers, the densest and a seeded sample (all
# 256 of them are measured by bench/diagram.py); deep chains
SHAPES = [s for n in (2, 3) for s in itertools.product(range(1, 5), repeat=n)] + \
    [(4, 4, 4, 4), (3, 4, 4, 3), (1, 4, 4, 1), (4, 3, 4, 3), (4, 4, 1, 3), (4, 1, 4, 1)] + \
    random.Random(4).sample(list(itertools.product(range(1, 5), repeat=4)), 10) + \
    [(1,) * 5, (1,) * 6, (2,) * 5]


def _texts(count: int, rng: random.Random) -> list[str]:
    """Numbers as the sheet writes them at four decimals, most of them negative."""
    return [f"{rng.choice([-1, -1, 1]) * rng.uniform(0.0001, 0.9999):.4f}"
            for _ in range(count)]


def _clips(p, q, box, margin=0.0) -> bool:
    """Whether segment p–q passes through the box grown by ``margin`` (Liang–Barsky)."""
    x0, y0, x1, y1 = box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin
    dx, dy = q[0] - p[0], q[1] - p[1]
    low, high = 0.0, 1.0
    for step, room in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
        if step == 0:
            if room < 0:
                return False
        elif step < 0:
            low = max(low, room / step)
        else:
            high = min(high, room / step)
    return high - low > 1e-9


def _inside(point, box) -> bool:
    return box[0] < point[0] < box[2] and box[1] < point[1] < box[3]


def _meet(a, b, margin) -> bool:
    return a[0] < b[2] + margin and b[0] < a[2] + margin and \
        a[1] < b[3] + margin and b[1] < a[3] + margin


def _box(centre, size):
    return (centre[0] - size[0] / 2, centre[1] - size[1] / 2,
            centre[0] + size[0] / 2, centre[1] + size[1] / 2)


def _check(shape, layout):
    """Every rule the layout promises, measured here; returns the number of labels."""
    labels = [(key, _box(c, layout.weight_size)) for key, c in layout.weights.items() if c]
    labels += [(key, _box(c, layout.bias_size)) for key, c in layout.biases.items() if c]
    r = layout.radius
    circles = [c for column in layout.units for c in column]
    assert [len(column) for column in layout.units] == list(shape)
    assert 0 < layout.width <= PAGE_WIDTH
    for x, y in circles:  # units inside the picture, and apart
        assert r <= x <= layout.width - r and r <= y <= layout.height - r
    for (x0, y0), (x1, y1) in itertools.combinations(circles, 2):
        assert (x0 - x1) ** 2 + (y0 - y1) ** 2 > (2 * r) ** 2
    for (key, box), (other, box2) in itertools.combinations(labels, 2):
        assert not _meet(box, box2, CLEAR), (shape, key, other)
    for key, box in labels:
        assert 0 <= box[0] and box[2] <= layout.width, (shape, key)
        assert 0 <= box[1] and box[3] <= layout.height, (shape, key)
        for cx, cy in circles:
            nx, ny = min(max(cx, box[0]), box[2]), min(max(cy, box[1]), box[3])
            assert (nx - cx) ** 2 + (ny - cy) ** 2 > (r + CLEAR) ** 2, (shape, key)
        for edge, (start, end) in layout.lines.items():
            if edge == key:  # a weight sits on its own edge
                assert _clips(start, end, box), (shape, key)
            else:
                assert not _clips(start, end, box, CLEAR), (shape, key, edge)
        for edge, (tip, left, right) in layout.arrows.items():
            assert not any(_clips(a, b, box, CLEAR) for a, b in
                           ((tip, left), (left, right), (right, tip))), (shape, key, edge)
            assert not _inside(tip, box)
    return len(labels)


def _layout(shape, weights, biases):
    biased = [[False] * shape[0]] + [[True] * n for n in shape[1:]]
    return diagram.layout(shape, biased, max(map(diagram.label_ems, weights)),
                          max(diagram.label_ems(t, diagram.BIAS_PREFIX) for t in biases))


def test_every_shape_up_to_4_4_4_4_is_labelled_without_collisions():
    rng = random.Random(9)
    below = []
    for shape in SHAPES:
        edges = sum(a * b for a, b in zip(shape, shape[1:], strict=False))
        weights, biases = _texts(edges, rng), _texts(sum(shape[1:]), rng)
        layout = _layout(shape, weights, biases)
        assert layout.labelled, shape
        assert _check(shape, layout) == edges + (sum(shape[1:]) if layout.beside else 0)
        for text in weights:  # each text fits the box kept for it
            assert diagram.text_ems(text) * layout.font + 2 * diagram.PAD <= \
                layout.weight_size[0]
        if not layout.beside:
            below.append(shape)
    # the biases go below the picture only for some dense networks of three weight layers
    assert all(len(shape) == 4 and 4 in shape for shape in below), below
    assert (4, 4, 4) not in below and (1, 1, 1, 1, 1, 1) not in below


def test_label_widths_follow_length_and_sign():
    """The reserved width depends on the text's length and sign only, and is never less
    than the text's width in Latin Modern."""
    assert diagram.label_ems("-0.25") == diagram.label_ems("-9.99")
    assert diagram.label_ems("-0.25") > diagram.label_ems("10.25")
    for text in ["0", "1", "-1", "0.5", "-0.3", "-0.1234", "123.4", "0.00005",
                 "2.000 \\times 10^{-5}"]:
        assert diagram.text_ems(text) <= diagram.label_ems(text)
    assert diagram.text_ems("-0.5") == pytest.approx(0.778 + 0.5 + 0.278 + 0.5)


@pytest.mark.parametrize("shape, texts", [
    ((5, 5, 5), "-0.1"),  # 50 edges
    ((2, 8, 1), "0.5"),  # eight units in a layer
    ((1,) * 9, "-0.1234"),  # eight weight layers of long labels
    ((4, 4, 4), "-0.000000000123"),  # labels too long for any spacing
])
def test_beyond_the_limit_the_diagram_is_unlabelled(shape, texts):
    layout = _layout(shape, [texts], [texts])
    assert not layout.labelled and not layout.beside
    assert all(c is None for c in layout.weights.values())
    assert all(c is None for c in layout.biases.values())
    _check(shape, layout)
    assert layout.height <= diagram.MAX_HEIGHT


def test_many_units_shrink_the_circles_and_drop_the_names():
    layout = _layout((1, 40, 1), ["0.1"], ["0.1"])
    assert not layout.labelled and not layout.names
    _check((1, 40, 1), layout)
    assert _layout((2, 8, 1), ["0.1"], ["0.1"]).names


SPEC_2_3_2 = """
name: two-three-two
layers: [{units: 2}, {units: 3, activation: sigmoid}, {units: 2, activation: sigmoid}]
parameters:
  W1: [[0.1, -0.3], [-0.4, 0.2], [0.3, -0.3]]
  b1: [0.1, -0.2, 0]
  W2: [[-0.3, 0.5, -0.4], [0.2, -0.6, 0.25]]
  b2: [0.05, -0.1]
data: [{x: [1, 0.5], y: [1, 0]}]
loss: half_squared_error
"""


def _solve(spec: str):
    return loads(spec, "spec").solve(verify=False)


def test_the_context_places_every_label_of_the_sheet():
    solution = _solve(SPEC_2_3_2)
    network = SheetRenderer(solution.graph).network(dict(solution.values.items()))
    assert network["labelled"] and network["beside"]
    edges = {(e["layer"], e["to"], e["from"]): e for e in network["edges"]}
    assert edges[(1, 2, 1)]["weight"] == "-0.4" and edges[(2, 2, 3)]["weight"] == "0.25"
    assert all(e["at"] and e["line"] and e["arrow"] for e in network["edges"])
    assert [layer["biases"] for layer in network["layers"]] == \
        [[None, None], ["0.1", "-0.2", "0"], ["0.05", "-0.1"]]
    assert all(at for layer in network["layers"][1:] for at in layer["bias_at"])
    assert network["layers"][2]["bias_vector"] == ["0.05", "-0.1"]


SHARED = """
name: shared and no bias
layers: [{units: 2}, {units: 2, activation: tanh, bias: false},
         {units: 2, activation: sigmoid, bias: shared}]
parameters: {W1: [[0.1, 0.2], [0.3, 0.4]], W2: [[0.5, 0.6], [0.7, 0.8]], b2: -0.05}
data: [{x: [1, 1], y: [1, 0]}]
loss: half_squared_error
"""


def test_no_bias_and_a_shared_bias():
    solution = _solve(SHARED)
    network = SheetRenderer(solution.graph).network(dict(solution.values.items()))
    hidden, output = network["layers"][1:]
    assert hidden["biases"] == [None, None] and hidden["bias_at"] == [None, None]
    assert output["biases"] == ["-0.05", "-0.05"] and output["bias_vector"] == ["-0.05"]
    assert all(output["bias_at"])


def test_a_longer_label_gets_a_diagram_of_its_own_in_the_fast_path():
    """The fast path fills a sheet's numbers into a skeleton rendered once per structure;
    the diagram depends on the labels' lengths, so a sheet whose labels are longer must
    get the diagram the full render gives it."""
    first, second = _solve(SPEC_2_3_2), _solve(SPEC_2_3_2.replace("0.25", "-0.1234"))
    renderer = SheetRenderer(first.graph)
    renderer.tex(dict(first.values.items()))  # records the skeleton
    fast = renderer.tex(dict(second.values.items()))
    full = SheetRenderer(first.graph)
    full.fast = False
    assert fast == full.tex(dict(second.values.items()))
    assert "0.1234" in fast


FALLBACK = """
name: wide
layers: [{units: 2}, {units: 9, activation: relu}, {units: 1, activation: identity}]
parameters:
  W1: [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6], [0.7, 0.8], [0.9, 1.0], [1.1, 1.2], [1.3, 1.4],
       [1.5, 1.6], [-1.7, 1.8]]
  b1: [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, -0.09]
  W2: [[2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7, 2.8, -2.9]]
  b2: [0.5]
data: [{x: [1, 2], y: 3}]
loss: half_squared_error
"""


def test_the_fallback_lists_every_weight_and_bias_in_a_table():
    solution = _solve(FALLBACK)
    network = SheetRenderer(solution.graph).network(dict(solution.values.items()))
    assert not network["labelled"]
    tex = templates.render("network.tex.j2", {"network": network})
    html = templates.render("network.html.j2", {"network": network})
    assert "\\begin{tabular}" in tex and '<table class="weights">' in html
    assert tex.count("\\node[weight]") == 0 and 'class="weight"' not in html
    rows = re.findall(r"^\$(a\^\{\(1\)\}_\{\d\})\$(.*)\\\\$", tex, re.M)
    assert len(rows) == 9 and rows[8][1].split("&")[1:] == [" $-1.7$ ", " $1.8$ ", " $-0.09$ "]
    assert tex.count("\\begin{tabular}") == 3
    # nine inputs: two tables, of five columns and of four, the bias in the last
    assert re.search(r"^\$\\hat\{y\}\$ & \$2\.1\$ .* & \$2\.5\$ \\\\$", tex, re.M)
    assert re.search(r"^\$\\hat\{y\}\$ & \$2\.6\$ .* & \$-2\.9\$ & \$0\.5\$ \\\\$",
                     tex, re.M)
    for number in ("−1.7", "1.8", "−0.09", "−2.9", "0.5"):  # MathML keeps the true minus
        assert f"<mn>{number.lstrip('−')}</mn>" in html


# the diagrams the issue found colliding, and the densest and the deepest
PDF_SHAPES = {
    "2-3-1": """
name: two-three-one
layers: [{units: 2}, {units: 3, activation: relu}, {units: 1, activation: identity}]
parameters: {W1: [[0.5, -0.6], [-0.5, 0.4], [0.3, 0.2]], b1: [0.1, -0.1, 0.2],
             W2: [[-0.6, -0.5, 0.7]], b2: [0.1]}
data: [{x: [1, 0.5], y: [1]}]
loss: half_squared_error
""",
    "2-3-2": SPEC_2_3_2,
}


def _random_spec(units, seed=3) -> str:
    rng = random.Random(seed)

    def matrix(rows, cols):
        return [[round(rng.uniform(-0.9999, 0.9999), 4) for _ in range(cols)]
                for _ in range(rows)]

    layers = [{"units": units[0]}] + [{"units": n, "activation": "tanh"} for n in units[1:]]
    parameters = {}
    for l in range(1, len(units)):
        parameters[f"W{l}"] = matrix(units[l], units[l - 1])
        parameters[f"b{l}"] = matrix(1, units[l])[0]
    return json.dumps({"name": "-".join(map(str, units)), "layers": layers,
                       "parameters": parameters, "loss": "half_squared_error",
                       "data": [{"x": [0.5] * units[0], "y": [0.1] * units[-1]}]})


for _shape in [(3, 2, 2), (4, 4, 4), (1, 1, 1, 1, 1, 1)]:
    PDF_SHAPES["-".join(map(str, _shape))] = _random_spec(_shape)


def _words(pdf) -> list[list[tuple]]:
    """Each page's words with their boxes, from ``pdftotext -bbox``."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         check=True, text=True).stdout
    pages = []
    for page in out.split("<page ")[1:]:
        pages.append([(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in
                      re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                                 r'yMax="([\d.]+)">([^<]*)</word>', page)])
    return pages


@pytest.mark.tex
def test_pdf_diagrams_have_no_overlapping_words(tmp_path):
    """One document, one diagram per page (the question sheet's document class and
    margins): no two words' boxes overlap, and every weight and bias is a word there."""
    if not shutil.which("pdflatex") or not shutil.which("pdftotext"):
        pytest.skip("pdflatex or pdftotext not installed")
    pages, expected = [], []
    for spec in PDF_SHAPES.values():
        solution = _solve(spec)
        network = SheetRenderer(solution.graph).network(dict(solution.values.items()))
        assert network["labelled"] and network["beside"]
        pages.append(templates.render("network.tex.j2", {"network": network}))
        expected.append([e["weight"] for e in network["edges"]] +
                        [b for layer in network["layers"] for b in layer["biases"] if b])
    document = templates.render("variants-document.tex.j2", {
        "pages": pages, "packages": SheetRenderer.PREAMBLE_PACKAGES, "diagram": None})
    pdf = build_pdf(document, tmp_path / "diagrams.pdf", runs=1)
    found = _words(pdf)
    assert len(found) == len(PDF_SHAPES)
    for name, words, numbers in zip(PDF_SHAPES, found, expected, strict=True):
        for a, b in itertools.combinations(words, 2):
            overlap = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
            assert overlap[0] <= 0.1 or overlap[1] <= 0.1, (name, a, b)
        # "b = 0" may come out as "b", "=0"
        shown = [re.sub("^=(?=.)", "", w[4]).replace("\u2212", "-") for w in words]
        for number in numbers:
            assert number in shown, (name, number)
            shown.remove(number)


EXAM_2_3_1 = """
name: 2-3-1 exam
layers: [{units: 2}, {units: 3, activation: relu}, {units: 1, activation: identity}]
parameters: {W1: [[0.5, -0.3], [0.2, 0.8], [-0.6, 0.4]], b1: [0.1, -0.2, 0.3],
             W2: [[0.7, -0.5, -0.6]], b2: [0.05]}
data: [{x: [1, 2], y: [1]}]
loss: half_squared_error
learning_rate: 0.1
variants:
  vary: {parameters: {low: -1, high: 1, step: 0.05}}
  ask: [loss, grad.W2]
"""


def _centres(words) -> list[tuple[str, float, float]]:
    """Each word's text and centre relative to the words' mean centre (so that two
    pictures compare wherever the page puts them), sorted."""
    points = [(w[4].replace("\u2212", "-"), (w[0] + w[2]) / 2, (w[1] + w[3]) / 2)
              for w in words]
    mx, my = (sum(p[1] for p in points) / len(points), sum(p[2] for p in points) / len(points))
    return sorted((text, round(x - mx, 1), round(y - my, 1)) for text, x, y in points)


@pytest.mark.tex
def test_a_bundles_numbers_go_where_the_sheets_diagram_puts_them(tmp_path):
    """The variants' question draws its picture once per bundle and lays each page's
    numbers over it: in the layout of the sheet's diagram made for the widest labels any
    draw can show, each number where TikZ puts it in that diagram, and no two numbers
    on top of each other."""
    if not shutil.which("pdflatex") or not shutil.which("pdftotext"):
        pytest.skip("pdflatex or pdftotext not installed")
    from symprop.variants import Plan
    from symprop.variants import diagram as overlay
    from symprop.variants.views import Views

    plan = Plan(loads(EXAM_2_3_1, "exam"))
    views = Views(plan)
    rendered, _ = plan.generate(3, 5, views=views)
    questions = _words(build_pdf(views.document([r.question for r in rendered]),
                                 tmp_path / "questions.pdf", runs=1))
    givens = {plan.program.names[i]: v for i, v in zip(plan.program.givens, plan.base,
                                                       strict=True)}
    widest = views.sheet.network(overlay.widest(givens, plan), plan.rules.decimals)
    assert widest["labelled"] and widest["beside"]
    pages = []
    for item in rendered:  # the sheet's own TikZ picture, in that layout, with these numbers
        values = dict(zip(plan.program.names, item.variant.values, strict=True))
        own = views.sheet.network(values, plan.rules.decimals)
        network = json.loads(json.dumps(widest))
        for edge, mine in zip(network["edges"], own["edges"], strict=True):
            edge["weight"] = mine["weight"]
        for layer, mine in zip(network["layers"], own["layers"], strict=True):
            layer["biases"] = mine["biases"]
        pages.append(templates.render("network.tex.j2", {"network": network}))
    document = templates.render("variants-document.tex.j2", {
        "pages": pages, "packages": SheetRenderer.PREAMBLE_PACKAGES, "diagram": None})
    sheets = _words(build_pdf(document, tmp_path / "sheets.pdf", runs=1))
    for question, sheet in zip(questions, sheets, strict=True):
        # the picture: below the learning rate's line, above "Compute"
        top = max(w[3] for w in question if w[4] == "Learning")
        bottom = min(w[1] for w in question if w[4].startswith("Compute"))
        region = [w for w in question if top < w[1] and w[3] < bottom]
        picture = [w for w in sheet if w[3] < 760]  # not the page number (A4: 842 pt)
        found, expected = _centres(region), _centres(picture)
        assert [w[0] for w in found] == [w[0] for w in expected]  # the same words
        for (_, x0, y0), (_, x1, y1) in zip(found, expected, strict=True):
            assert abs(x0 - x1) <= 1.0 and abs(y0 - y1) <= 1.0, (found, expected)
        for a, b in itertools.combinations(region, 2):
            overlap = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
            assert overlap[0] <= 0.1 or overlap[1] <= 0.1, (a, b)


def test_a_pages_numbers_follow_the_bundles_labels_not_its_own_layout():
    """The page's own, narrower layout may place fewer labels than the bundle's picture
    (biases listed below instead of beside): its numbers still go to the bundle's boxes,
    matched by what they are (the bias of unit i, the weight from j to i)."""
    from symprop.variants import diagram as overlay

    def network(beside, bias="0.5", weight="-0.25"):
        return {"labelled": True, "beside": beside, "names": True, "height": 60.0,
                "width": 120.0, "font": 8.0, "radius": 14.0, "weight_box": (20.0, 10.6),
                "bias_box": (30.0, 10.6),
                "layers": [{"layer": 0, "nodes": ["x"], "at": [(15.0, 30.0)],
                            "biases": [None], "bias_at": [None]},
                           {"layer": 1, "nodes": ["y"], "at": [(100.0, 30.0)],
                            "biases": [bias], "bias_at": [(100.0, 8.0) if beside else None]}],
                "edges": [{"layer": 1, "to": 1, "from": 1, "weight": weight,
                           "at": (57.0, 30.0), "line": ((29.0, 30.0), (80.0, 30.0)),
                           "arrow": ((86.0, 30.0), (80.0, 28.0), (80.0, 32.0))}]}

    bundle = overlay.geometry(network(beside=True))
    assert [label["prefix"] for label in bundle["labels"]] == ["b = ", ""]
    assert overlay.texts(network(beside=False, bias="0.1", weight="2"), bundle) == ["0.1", "2"]
