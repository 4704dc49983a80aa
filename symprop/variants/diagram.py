"""The question's network diagram, drawn once per bundle: where each number goes.

A bundle of 1,000 questions spent most of its pdflatex time drawing 1,000 TikZ pictures
(about 90 % of questions.pdf; ``bench/variants.py``). The picture without numbers is the
same on every page, so it is typeset once into a box, and each page lays its numbers over
it in picture mode (``templates/variants-network.tex.j2``).

Where things go is the solution sheet's layout (symprop.sheets.diagram, through
``SheetRenderer.network``): units, arrows, and a white box for each weight and bias that
no edge crosses and no other label overlaps. That layout depends on the numbers only
through the widest weight and the widest bias, so the bundle's layout is made once for
the widest labels any draw can show (``widest``), and every page's numbers fit its boxes.
"""

from __future__ import annotations

from ..latex import written
from ..sheets import diagram as layout

DIGIT_HEIGHT = 0.65  # a digit's height, in units of the font size (Latin Modern)


def widest(givens: dict, plan) -> dict:
    """``givens`` with each varied weight and bias at the grid value whose label is the
    widest (each label as the sheet writes a given), for a layout every draw fits."""
    out = dict(givens)
    names = plan.program.names
    for position, values in plan.slots:
        name = names[plan.program.givens[position]]
        if name.startswith(("W", "b")):
            out[name] = max(values, key=lambda v: layout.label_ems(written(v)))
    return out


def _placed(network: dict) -> list[tuple]:
    """(key, number, place, kind) of every label the layout placed: biases, then weights;
    the key names the bias (layer, unit) or the weight (layer, to, from)."""
    if not network["labelled"]:
        return []  # too many edges: the question's matrices carry the numbers
    out = [((layer["layer"], unit), bias, place, "bias") for layer in network["layers"]
           for unit, (bias, place) in enumerate(zip(layer["biases"], layer["bias_at"] or [],
                                                    strict=False), 1)
           if bias is not None and place is not None]
    return out + [((edge["layer"], edge["to"], edge["from"]), edge["weight"], edge["at"],
                   "weight") for edge in network["edges"] if edge["at"]]


def geometry(network: dict) -> dict:
    """The picture's size, units, arrows and the box of every number (pt, y upwards as in
    picture mode), from the context of ``SheetRenderer.network``."""
    height, font = network["height"], network["font"]
    units = [{"x": x, "y": y, "symbol": layer["nodes"][k] if network["names"] else None,
              "input": layer["layer"] == 0}
             for layer in network["layers"] for k, (x, y) in enumerate(layer["at"])]
    labels = []
    for key, _, (x, y), kind in _placed(network):
        width, tall = network[f"{kind}_box"]
        labels.append({"key": key, "x": x, "y": round(height - y, 2), "width": width,
                       "height": tall, "prefix": "b = " if kind == "bias" else "",
                       "depth": round(max(0.0, (tall - DIGIT_HEIGHT * font) / 2), 2)})
    return {"width": network["width"], "height": height, "font": font,
            "radius": network["radius"], "units": units, "labels": labels,
            "edges": [{"line": e["line"], "arrow": e["arrow"]} for e in network["edges"]]}


def texts(network: dict, geometry: dict) -> list[str]:
    """One page's numbers (from its own ``SheetRenderer.network``), in the order of the
    bundle's ``geometry`` labels."""
    numbers = {(layer["layer"], unit): bias for layer in network["layers"]
               for unit, bias in enumerate(layer["biases"], 1) if bias is not None}
    numbers.update({(e["layer"], e["to"], e["from"]): e["weight"] for e in network["edges"]})
    return [numbers[label["key"]] for label in geometry["labels"]]
