"""The circuit diagram of a computation graph, laid out left to right.

Every value (an input or a node) has a *wire*: a box that the wire crosses, with the
value written above the wire and its gradient below, as CS231n draws its circuits. Every
node is a *gate* (a circle with its operation) at the left end of its output wire.
Graphviz's ``dot`` lays out these boxes as nodes of fixed size (``dot -Tplain``), so no
two labels can overlap and edges are routed around them, from the end of a wire into the
left side of a gate; symprop draws the result in
its own TikZ and SVG templates (circuit-diagram.tex.j2, circuit-diagram.html.j2). Graphviz
is used for the layout only. Without it (no ``dot`` on PATH), a simple layout of its own
puts each gate one column right of its rightmost input, which keeps every label apart but
lets edges cross more often.

Coordinates are TeX points (72.27 per inch), y upwards, origin at the bottom left.
"""

from __future__ import annotations

import shutil
import subprocess

PT = 72.0  # points per inch in dot's output (big points; TikZ and SVG use the same unit)
CHAR = 5.8  # estimated width of one character of a label at 10 pt, in points
GAP = 3.0  # between the wire and its labels
LINE = 10.0  # label line height
GATE = 22.0  # gate diameter (at least)
DOT_SECONDS = 20


def label_width(text: str) -> float:
    """An estimate of a label's printed width (math at 9 pt), in points: generous, so that
    boxes laid out with it hold their labels (tests measure the real ones)."""
    return CHAR * len(text) + 10.0


def layout(values: list[dict], edges: list[tuple[str, str]]) -> dict:
    """Positions for ``values`` ({id, width, gate}: a wire box, with a gate of diameter
    ``gate`` at its left end for a node, 0 for an input) and ``edges`` (source id →
    target id: from the end of one wire into the gate of another). Returns {width,
    height, boxes: {id: (x, y, w, h)}, edges: [{source, target, points}]} in points;
    points are cubic Bézier control points."""
    label = 2 * (LINE + GAP) + 4
    sizes = {v["id"]: (v["width"] + v["gate"], max(label, v["gate"] + 2)) for v in values}
    found = _dot(sizes, edges) if shutil.which("dot") else None
    return found or _columns(sizes, edges)


def _dot(sizes: dict, edges: list) -> dict | None:
    lines = ["digraph circuit {", "rankdir=LR; nodesep=0.18; ranksep=0.22; splines=true;",
             'node [fixedsize=true, label="", shape=box];',
             "edge [arrowhead=none, arrowtail=none];"]
    names = {key: f"n{k}" for k, key in enumerate(sizes)}
    for key, (width, height) in sizes.items():
        lines.append(f"{names[key]} [width={width / PT:.4f}, height={height / PT:.4f}];")
    for source, target in edges:
        lines.append(f"{names[source]} -> {names[target]} [tailport=e, headport=w];")
    lines.append("}")
    try:
        result = subprocess.run(["dot", "-Tplain"], input="\n".join(lines), text=True,
                                capture_output=True, timeout=DOT_SECONDS, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    keys = {name: key for key, name in names.items()}
    boxes, curves, width, height = {}, [], 0.0, 0.0
    for line in result.stdout.splitlines():
        parts = line.split()
        if parts[0] == "graph":
            width, height = float(parts[2]) * PT, float(parts[3]) * PT
        elif parts[0] == "node":
            x, y, w, h = (float(p) * PT for p in parts[2:6])
            boxes[keys[parts[1]]] = (x, y, w, h)
        elif parts[0] == "edge":
            count = int(parts[3])
            numbers = [float(p) * PT for p in parts[4:4 + 2 * count]]
            points = list(zip(numbers[::2], numbers[1::2], strict=True))
            curves.append({"source": keys[parts[1]], "target": keys[parts[2]],
                           "points": points})
    if len(boxes) != len(sizes):
        return None
    return {"width": width, "height": height, "boxes": boxes, "edges": curves,
            "engine": "dot"}


def _columns(sizes: dict, edges: list) -> dict:
    """A layout without Graphviz: a node's column is one more than its rightmost source's;
    each column is a stack of boxes, so no two boxes overlap."""
    sources: dict[str, list[str]] = {key: [] for key in sizes}
    for source, target in edges:
        sources[target].append(source)
    column: dict[str, int] = {}
    for key in sizes:  # sizes lists every value before its uses
        column[key] = 1 + max((column[s] for s in sources[key]), default=-1)
    count = max(column.values()) + 1
    widths = [max(sizes[k][0] for k in sizes if column[k] == c) for c in range(count)]
    lefts = [sum(widths[:c]) + 26.0 * c for c in range(count)]
    stacks = [[k for k in sizes if column[k] == c] for c in range(count)]
    tallest = max(sum(sizes[k][1] + 16.0 for k in stack) for stack in stacks)
    boxes = {}
    for c, stack in enumerate(stacks):
        y = tallest - (tallest - sum(sizes[k][1] + 16.0 for k in stack)) / 2
        for key in stack:
            w, h = sizes[key]
            y -= h / 2 + 8.0
            boxes[key] = (lefts[c] + widths[c] / 2, y, w, h)
            y -= h / 2 + 8.0
    curves = []
    for source, target in edges:
        (x0, y0, w0, _), (x1, y1, w1, _) = boxes[source], boxes[target]
        start, end = (x0 + w0 / 2, y0), (x1 - w1 / 2, y1)
        middle = (start[0] + end[0]) / 2
        curves.append({"source": source, "target": target,
                       "points": [start, (middle, y0), (middle, y1), end]})
    return {"width": lefts[-1] + widths[-1], "height": tallest, "boxes": boxes,
            "edges": curves, "engine": "columns"}
