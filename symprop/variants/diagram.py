"""The question's network diagram, drawn once per bundle: where TikZ puts each number.

A bundle of 1,000 questions spent most of its pdflatex time drawing 1,000 TikZ pictures
(about 90 % of questions.pdf; ``bench/variants.py``). The picture without numbers is the
same on every page, so it is typeset once into a box, and each page lays its numbers over
it in picture mode (``templates/variants-network.tex.j2``). This module places them as
``network.tex.j2`` does: units 3.4 cm apart by layer and 1.6 cm by unit, 11 mm across (thick
border), a weight on its arrow at 0.2 (0.5 on a straight arrow) of the way between the two
circles, turned along it and set above it with 1 pt of room; a bias above its unit.
"""

from __future__ import annotations

import math

DX, DY = 3.4, 1.6  # cm, as network.tex.j2
RADIUS = 0.55 + 0.4 / 28.45  # 11 mm across, and half the thick (0.8 pt) border
MAX_LABELLED_EDGES = 24  # network.tex.j2 leaves edge labels out beyond this
MARGIN = 0.6  # cm around the units (their radius is 0.56)


def geometry(network: dict) -> dict:
    """The picture's box, units, arrows and the place of every number, from the context
    of ``SheetRenderer.network`` (its numbers are not used: they change per page)."""
    units, places = [], {}
    for layer in network["layers"]:
        for k, name in enumerate(layer["nodes"], 1):
            x = layer["layer"] * DX
            y = ((layer["units"] - 1) / 2 - (k - 1)) * DY
            ident = f"n{layer['layer']}-{k}"
            places[(layer["layer"], k)] = (x, y)
            units.append({"id": ident, "x": x, "y": y, "symbol": name,
                          "input": layer["layer"] == 0})
    labels, edges = [], []
    labelled = len(network["edges"]) <= MAX_LABELLED_EDGES
    for layer in network["layers"]:
        for k, bias in enumerate(layer["biases"], 1):
            if bias is not None:
                x, y = places[(layer["layer"], k)]
                labels.append({"x": x, "y": y + RADIUS, "angle": 0.0, "lift": "0.3333em",
                               "prefix": "b = ", "kind": "bias"})
    for edge in network["edges"]:
        (x0, y0), (x1, y1) = places[(edge["layer"] - 1, edge["from"])], \
            places[(edge["layer"], edge["to"])]
        edges.append({"source": f"n{edge['layer'] - 1}-{edge['from']}",
                      "target": f"n{edge['layer']}-{edge['to']}"})
        if not labelled:
            continue
        length = math.hypot(x1 - x0, y1 - y0)
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        pos = 0.5 if edge["from"] == edge["to"] else 0.2
        start = (x0 + RADIUS * ux, y0 + RADIUS * uy)
        span = length - 2 * RADIUS
        labels.append({"x": start[0] + pos * span * ux, "y": start[1] + pos * span * uy,
                       "angle": math.degrees(math.atan2(uy, ux)), "lift": "1pt",
                       "prefix": "", "kind": "edge"})
    xs, ys = [u["x"] for u in units], [u["y"] for u in units]
    top = max(ys) + MARGIN + 0.35  # room for the bias labels
    box = (min(xs) - MARGIN, min(ys) - MARGIN, max(xs) + MARGIN, top)
    return {"box": box, "units": units, "edges": edges, "labels": labels}


def texts(network: dict) -> list[str]:
    """One page's numbers, in the order of ``geometry``'s labels."""
    out = [bias for layer in network["layers"] for bias in layer["biases"] if bias is not None]
    if len(network["edges"]) <= MAX_LABELLED_EDGES:
        out += [edge["weight"] for edge in network["edges"]]
    return out
