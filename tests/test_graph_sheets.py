"""Sheets of computation graphs: the PDF and HTML sheets of the six example circuits build,
and no two labels of a circuit diagram overlap, measured where the reader sees them (word
boxes from pdftotext -bbox; element boxes in headless Chromium), with and without
Graphviz."""

import itertools
import json
import os
import re
import shutil
import subprocess

import pytest

from symprop.render import fill, load
from symprop.sheets import SheetRenderer, render_solution
from symprop.sheets import circuit_diagram as layout_module
from symprop.sheets.context import Render

from conftest import solved

EXAMPLES = ["cs231n-circuit", "cs231n-sigmoid-neuron", "cs231n-max-gate",
            "ng-j-3-a-plus-bc", "micrograd-neuron", "micrograd-expression"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def sheets():
    """Each example's solution and renderer, prepared once."""
    out = {}
    for stem in EXAMPLES:
        options = {"symbolic_seconds": 0} if stem == "micrograd-expression" else {}
        solution = solved(f"{stem}.yaml", **options)
        out[stem] = (solution, SheetRenderer(solution.graph))
    return out


def diagram_of(solution, renderer):
    return renderer.diagram(Render(renderer, dict(solution.values.items()), None, 4, "exact"))


def overlapping(boxes, slack=0.3):
    """Pairs of (x0, y0, x1, y1, text) boxes that share more than ``slack`` both ways."""
    return [(a[4], b[4]) for a, b in itertools.combinations(boxes, 2)
            if min(a[2], b[2]) - max(a[0], b[0]) > slack and
            min(a[3], b[3]) - max(a[1], b[1]) > slack]


def test_a_computation_graph_gets_the_circuit_sheet(sheets):
    solution, renderer = sheets["cs231n-circuit"]
    assert type(renderer).__name__ == "CircuitRenderer"
    tex = renderer.tex(dict(solution.values.items()), standalone=False)
    assert r"q & = x + y = -2 + 5 = \mathbf{3}" in tex
    # upstream × local = downstream, and the gate pattern named where it occurs
    assert r"\frac{\partial f}{\partial q} \cdot \frac{\partial q}{\partial x}" in tex
    assert "an add gate distributes the gradient" in tex
    assert "a multiply gate swaps its inputs" in tex
    assert r"\frac{-12.004 - (-12)}{0.001} = -4" in tex  # the nudge check


def test_fan_out_and_max_gate_are_said(sheets):
    solution, renderer = sheets["micrograd-expression"]
    tex = renderer.tex(dict(solution.values.items()), standalone=False)
    assert "$f$ is used by $g_{1}$ and $g$ (a fan-out)" in tex
    solution, renderer = sheets["cs231n-max-gate"]
    tex = renderer.tex(dict(solution.values.items()), standalone=False)
    assert "a max gate routes the gradient to the larger input" in tex
    assert "at a tie, max and min share the gradient equally" in tex


def test_the_layout_keeps_boxes_apart_with_and_without_graphviz(sheets, monkeypatch):
    """Every wire box (with its labels) and gate is a box of the layout: none overlap."""
    for engine in ("dot", "columns"):
        if engine == "columns":
            monkeypatch.setattr(layout_module.shutil, "which", lambda name: None)
        elif not shutil.which("dot") and not os.environ.get("CI"):
            continue
        for stem, (solution, renderer) in sheets.items():
            renderer._diagrams.clear()
            found = diagram_of(solution, renderer)
            assert found["engine"] == engine
            boxes = [(w["x0"] - w["gate"], w["y"] - 12, w["x1"], w["y"] + 12, w["name"])
                     for w in found["wires"]]
            assert not overlapping(boxes, 0.01), stem
            renderer._diagrams.clear()


@pytest.mark.tex
def test_pdf_sheets_build_and_diagram_labels_do_not_overlap(sheets, tmp_path):
    from symprop.tex import build_pdf

    bodies, diagrams = [], []
    for solution, renderer in sheets.values():
        values = dict(solution.values.items())
        bodies.append(renderer.tex(values, carry=solution.carry(4),
                                   checks=solution.checks_dict(), standalone=False))
        diagrams.append(fill(load("circuit-diagram.tex.j2"),
                             {"diagram": diagram_of(solution, renderer)}))
    packages = ["amsmath", "amssymb", "booktabs", *renderer.PREAMBLE_PACKAGES]
    document = load("variants-document.tex.j2")
    sheet_pdf = build_pdf(fill(document, {"pages": bodies, "packages": packages, "diagram": None}),
                          tmp_path / "sheets.pdf", runs=1)
    text = subprocess.run(["pdftotext", str(sheet_pdf), "-"], capture_output=True,
                          text=True, check=True).stdout.replace("\u2019", "'")
    for solution, _ in sheets.values():
        assert f"Solution: {solution.problem.name}" in text
    assert "24.7041" in text and "645.5773" in text  # micrograd's README figures
    # one diagram per page, so every word of a page is a label of one diagram
    diagram_pdf = build_pdf(fill(document, {"pages": diagrams, "packages": packages,
                                                 "diagram": None}),
                            tmp_path / "diagrams.pdf", runs=1)
    boxes = subprocess.run(["pdftotext", "-bbox", str(diagram_pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
    pages = boxes.split("<page ")[1:]
    assert len(pages) == len(EXAMPLES)
    for stem, page in zip(sheets, pages, strict=True):
        words = [(*map(float, found[:4]), found[4]) for found in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
            r"([^<]*)</word>", page)]
        assert len(words) > 10, stem
        assert not overlapping(words), stem


@pytest.mark.skipif(not CHROMIUM and not os.environ.get("CI"), reason="no Chromium")
def test_html_sheets_build_and_svg_labels_do_not_overlap(sheets, tmp_path):
    parts, style = [], None
    for stem, (solution, renderer) in sheets.items():
        html = render_solution(solution, "html", renderer=renderer)
        assert "<svg class=\"circuit\"" in html and "<math" in html, stem
        style = style or re.search(r"<style>.*?</style>", html, re.S).group(0)
        parts.append(re.search(r'<div class="scroll">.*?</div>\n', html, re.S).group(0))
    script = """<script>
const out = [];
document.querySelectorAll("svg.circuit").forEach((svg) => {
  const boxes = [...svg.querySelectorAll(".label math, .op math")].map(
    (m) => m.getBoundingClientRect());
  let overlaps = 0;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 0.5 && h > 0.5) overlaps++;
  }
  out.push({labels: boxes.filter((r) => r.width > 1).length, overlaps: overlaps});
});
document.body.setAttribute("data-result", JSON.stringify(out));
</script>"""
    page = tmp_path / "circuits.html"
    page.write_text(f"<!DOCTYPE html><html><head><meta charset=\"utf-8\">{style}</head>"
                    f"<body>{''.join(parts)}{script}</body></html>", encoding="utf-8")
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                             "--disable-background-networking", "--virtual-time-budget=2000",
                             "--dump-dom", str(page)], capture_output=True, text=True,
                            timeout=120)
    found = json.loads(re.search(r'data-result="([^"]*)"', result.stdout).group(1)
                       .replace("&quot;", '"'))
    assert len(found) == len(EXAMPLES)
    for stem, measured in zip(sheets, found, strict=True):
        graph = sheets[stem][0].graph
        assert measured["labels"] == 2 * (len(graph.inputs) + len(graph.forward)) + \
            len(graph.forward), stem  # value, gradient, and each gate's operation
        assert measured["overlaps"] == 0, stem


def test_jupyter_shows_a_graph_as_its_sheet(sheets):
    solution, _ = sheets["ng-j-3-a-plus-bc"]
    assert "Backward pass" in solution._repr_markdown_()
    assert "<svg class=\"circuit\"" in solution._repr_html_()
    assert solution.to_dict()["problem"]["kind"] == "graph"
