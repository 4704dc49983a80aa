"""Where a layered network's diagram puts its units, edges, arrowheads and labels: computed
once here, drawn as it is by both views (TikZ in network.tex.j2, SVG in network.html.j2).

Units sit in one column per layer, each column centred on the tallest. Every edge runs
from circle to circle and ends in an arrowhead. Its weight label is an upright box that
its own edge passes through (the box is white, so the label interrupts its edge); a
unit's bias label sits beside the unit. Each label gets candidate places (along its edge,
on it or a little above or below; around its unit), and a depth-first search with forward
checking picks one per label, so that

* no two labels come closer than ``GAP``,
* no edge but its own, and no arrowhead, comes within ``GAP`` of a label, and no label
  comes within ``GAP`` of a unit,
* the picture is at most ``MAX_WIDTH`` wide (the text width of the sheets).

Each gap between two columns gets the narrowest spacing in which its own weight labels
fit; when the whole picture does not fit, the rows move apart, the columns widen, and
then the labels get a smaller font. When the bias labels find no place, the weights stay
on the edges and the biases are listed below the picture (``Layout.beside`` False). A
network with more than ``MAX_UNITS`` units in a layer or ``MAX_EDGES`` edges, or one that
no spacing fits (very long labels), gets an unlabelled diagram (``Layout.labelled``
False), and the templates list its weights and biases in a table.

Lengths are TeX points, and y grows downwards. A label's width is reserved from its
text's length and sign (``label_ems``: Latin Modern's digit, a minus wider than a digit,
a decimal point counted as a digit), so the layout depends on the numbers only through
their lengths and signs. The HTML page sets each label to its width in Latin Modern
(``text_ems``, SVG's ``textLength``), so both views show labels of the same size.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

FONTS = (8.0, 7.0)  # the labels' font size (pt): the second when the first cannot fit
DIGIT, MINUS, POINT = 0.5, 0.778, 0.278  # Latin Modern's widths in em (math minus)
TIMES_TEN = 2.2  # " × 10" in em
BIAS_PREFIX = 1.8  # "b = " before a bias, in em (math italic b, = with its spaces)
HEIGHT = 1.2  # a label's height in em: the HTML font's ascent and descent (1.17 em)
PAD = 0.5  # a label's white box around its text
GAP = 1.5  # the clearance between a label and anything else
RADIUS = 14.0  # a unit's circle
ARROW, ARROW_HALF = 6.0, 2.4  # the arrowhead's length and half width
MIN_DX, MIN_DY = 100.0, 48.0  # the least spacing of columns and of rows
WIDER = 1.08  # each next column spacing tried is this much wider
ROWS = (1.0, 1.3, 1.6, 2.0, 2.5)  # row spacings tried, in multiples of the least
MAX_WIDTH = 470.0  # the widest picture (the sheets' text width is 472 pt)
MAX_HEIGHT = 600.0  # the tallest (the sheets' text height is 720 pt)
NAMED = 12.0  # the least radius that shows a unit's name
MAX_UNITS, MAX_EDGES = 6, 48  # beyond these, the diagram is drawn without labels
HARDEST = 4  # the edges whose places are looked for first
SEARCH_BUDGET = 3000  # placements tried for one spacing before the spacing grows
ALONG = tuple(sorted((k / 20 for k in range(2, 19)), key=lambda t: (abs(t - 0.5), t)))
ACROSS = (0.0, -0.35, 0.35)  # a weight label's offset from its edge (label heights)
AROUND = (-90, 90, -60, -120, 60, 120, -30, -150, 30, 150, 0, 180)  # bias label angles


def label_ems(text: str, prefix: float = 0.0) -> float:
    """The width reserved for a label (em) showing a number's text as the sheet writes it,
    with ``prefix`` em of text before it: from the text's length and sign only."""
    return prefix + len(text) * DIGIT + (MINUS - DIGIT) * text.startswith("-")


def text_ems(text: str, prefix: float = 0.0) -> float:
    """The width of a number's text in Latin Modern (em), at most ``label_ems``: digits,
    a minus, a decimal point; m × 10 with a raised exponent (at 70%) for ``m \\times 10^{e}``."""

    def width(part: str) -> float:
        return sum(MINUS if c == "-" else POINT if c == "." else DIGIT for c in part)

    mantissa, _, exponent = text.partition(" \\times 10^{")
    return prefix + width(mantissa) + (TIMES_TEN + 0.7 * width(exponent.rstrip("}"))
                                       if exponent else 0.0)


@dataclass(frozen=True, slots=True)
class Layout:
    """A diagram's geometry (pt, y downwards, the picture from (0, 0) to (width, height)).

    ``units[l][i]`` is the centre of unit i+1 of layer l; ``lines[(l, i, j)]`` the drawn
    part of the edge from unit j of layer l-1 to unit i of layer l (circle to arrowhead),
    ``arrows[(l, i, j)]`` its arrowhead (tip and back corners); ``weights[(l, i, j)]``
    and ``biases[(l, i)]`` the labels' centres, or None. Indices are 1-based, as on the
    sheet; ``font`` is the labels' size, ``weight_size`` and ``bias_size`` their boxes
    (width, height)."""

    units: tuple
    radius: float
    lines: dict
    arrows: dict
    weights: dict
    biases: dict
    font: float
    weight_size: tuple
    bias_size: tuple
    width: float
    height: float
    labelled: bool  # whether the weights are on the edges
    beside: bool  # whether the biases are beside their units (else listed below)
    names: bool  # whether the circles are big enough for the units' names


class _Geometry:
    """Units, edges and arrowheads for one spacing, as arrays for the tests below."""

    def __init__(self, units: tuple, xs: list, dy: float, radius: float):
        tallest = max(units)
        self.radius = radius
        self.centres = [[(x, ((tallest - n) / 2 + i) * dy) for i in range(n)]
                        for x, n in zip(xs, units, strict=True)]
        self.keys = [(l, i, j) for l in range(1, len(units))
                     for i in range(1, units[l] + 1) for j in range(1, units[l - 1] + 1)]
        source = np.array([self.centres[l - 1][j - 1] for l, _, j in self.keys]).reshape(-1, 2)
        target = np.array([self.centres[l][i - 1] for l, i, _ in self.keys]).reshape(-1, 2)
        along = target - source
        unit = along / np.linalg.norm(along, axis=1, keepdims=True)
        normal = unit[:, ::-1] * (1, -1)  # (uy, -ux)
        self.start = source + radius * unit
        self.tip = target - radius * unit
        self.base = self.tip - ARROW * unit
        self.corners = (self.base + ARROW_HALF * normal, self.base - ARROW_HALF * normal)
        self.circles = np.array([c for column in self.centres for c in column])
        # what a label keeps clear of: each edge's line, then each arrowhead
        self.from_ = np.vstack([self.start, self.base])
        self.to = np.vstack([self.base, self.tip])
        self.clearance = np.concatenate([np.full(len(self.keys), GAP),
                                         np.full(len(self.keys), ARROW_HALF + GAP)])
        # edge j → i crosses j' → i' of its gap when (j - j')(i - i') < 0; the edges
        # crossed most are the hardest to label
        crossed = [sum((j - b) * (i - a) < 0 for m, a, b in self.keys if m == l)
                   for l, i, j in self.keys]
        self.hardest = np.argsort(-np.array(crossed), kind="stable")

    def free(self, boxes: np.ndarray, own: np.ndarray) -> np.ndarray:
        """Which boxes (rows x0, y0, x1, y1) clear every unit, every edge but their own
        (``own``: an edge's index, or -1) and every arrowhead."""
        near = np.clip(self.circles[None, :, 0], boxes[:, None, 0], boxes[:, None, 2]), \
            np.clip(self.circles[None, :, 1], boxes[:, None, 1], boxes[:, None, 3])
        clear = ((near[0] - self.circles[None, :, 0]) ** 2 +
                 (near[1] - self.circles[None, :, 1]) ** 2 >=
                 (self.radius + GAP) ** 2).all(axis=1)
        hit = _crossing(boxes, self.from_, self.to, self.clearance)
        rows = np.flatnonzero(own >= 0)
        hit[rows, own[rows]] = False  # a label sits on its own edge (not its arrowhead)
        return clear & ~hit.any(axis=1)

    def weight_places(self, size: tuple):
        """Every weight label's free places (boxes, and the edge each belongs to), or None
        when a label has none. The hardest edges go first: a spacing that fails mostly
        fails there, and then the other edges are not tried."""
        steps = np.array([(t, a * size[1]) for t in ALONG for a in ACROSS])
        found = []
        for edges in np.split(self.hardest, [HARDEST]):
            if not len(edges):
                continue
            start, tip = self.start[edges], self.tip[edges]
            centres = start[:, None, :] + steps[None, :, :1] * (tip - start)[:, None, :]
            centres[:, :, 1] += steps[None, :, 1]
            boxes = _boxes(centres.reshape(-1, 2), size)
            own = np.repeat(edges, len(steps))
            free = self.free(boxes, own)
            if len(np.unique(own[free])) < len(edges):
                return None
            found.append((boxes[free], own[free]))
        own = np.concatenate([o for _, o in found])
        order = np.argsort(own, kind="stable")
        return np.vstack([b for b, _ in found])[order], own[order]

    def bias_places(self, owners: list, size: tuple):
        """Every bias label's free places around its unit (numbered after the edges), or
        None when a label has none."""
        offsets = _around(self.radius, *size)
        boxes = np.vstack([_boxes(np.array(self.centres[l][i - 1]) + offsets, size)
                           for l, i in owners])
        item = np.repeat(np.arange(len(owners)), len(offsets))
        free = self.free(boxes, np.full(len(boxes), -1))
        if len(np.unique(item[free])) < len(owners):
            return None
        return boxes[free], item[free] + len(self.keys)

    def extent(self, boxes: np.ndarray) -> tuple:
        """The picture's corners: every unit and every label, and a margin of ``GAP``."""
        corners = [self.circles - self.radius, self.circles + self.radius,
                   boxes[:, :2], boxes[:, 2:]]
        return np.vstack(corners).min(axis=0) - GAP, np.vstack(corners).max(axis=0) + GAP


def _crossing(boxes: np.ndarray, p: np.ndarray, q: np.ndarray, clearance) -> np.ndarray:
    """boxes × segments: whether segment p–q comes within ``clearance`` (one value, or
    one per segment) of the box. Separating axes: the box's two, and the segment's
    normal, on which the box's shadow has the radius (|n_x| w + |n_y| h) / 2."""
    x0, y0 = boxes[:, None, 0] - clearance, boxes[:, None, 1] - clearance
    x1, y1 = boxes[:, None, 2] + clearance, boxes[:, None, 3] + clearance
    px, py, qx, qy = p[None, :, 0], p[None, :, 1], q[None, :, 0], q[None, :, 1]
    meet = (np.maximum(px, qx) > x0) & (np.minimum(px, qx) < x1) & \
        (np.maximum(py, qy) > y0) & (np.minimum(py, qy) < y1)
    dx, dy = qx - px, qy - py
    across = dx * ((y0 + y1) / 2 - py) - dy * ((x0 + x1) / 2 - px)
    return meet & (np.abs(across) < (np.abs(dy) * (x1 - x0) + np.abs(dx) * (y1 - y0)) / 2)


def _boxes(centres: np.ndarray, size: tuple) -> np.ndarray:
    half = np.array([size[0] / 2, size[1] / 2])
    return np.hstack([centres - half, centres + half])


@functools.lru_cache(maxsize=32)
def _around(radius: float, width: float, height: float) -> np.ndarray:
    """For each direction in AROUND, the offset from a unit's centre of a box of this
    size that just clears the circle (and ``GAP``)."""
    offsets = []
    for angle in AROUND:
        ux, uy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        near, far = 0.0, radius + GAP + math.hypot(width, height)
        for _ in range(16):  # bisection on the distance
            middle = (near + far) / 2
            cx = min(max(0.0, middle * ux - width / 2), middle * ux + width / 2)
            cy = min(max(0.0, middle * uy - height / 2), middle * uy + height / 2)
            near, far = (middle, far) if cx * cx + cy * cy < (radius + GAP) ** 2 \
                else (near, middle)
        offsets.append((far * ux, far * uy))
    return np.array(offsets)


def _search(boxes: np.ndarray, item: np.ndarray, items: int):
    """One box per item (boxes sorted by item, best first) with no two within ``GAP``:
    depth-first, the item with the fewest boxes left first, each choice striking from
    the others the boxes it rules out. None when there is none (or the budget ran out)."""
    clash = (boxes[:, None, 0] < boxes[None, :, 2] + GAP) & \
        (boxes[None, :, 0] < boxes[:, None, 2] + GAP) & \
        (boxes[:, None, 1] < boxes[None, :, 3] + GAP) & \
        (boxes[None, :, 1] < boxes[:, None, 3] + GAP)
    starts = np.searchsorted(item, np.arange(items))
    chosen = [-1] * items
    tried = 0

    def place(alive: np.ndarray, open_: np.ndarray) -> bool:
        nonlocal tried
        if not open_.any():
            return True
        counts = np.add.reduceat(alive, starts, dtype=np.int64)
        counts[~open_] = len(boxes) + 1
        best = int(counts.argmin())
        if counts[best] == 0:
            return False
        open_ = open_.copy()
        open_[best] = False
        for choice in np.flatnonzero(alive & (item == best)):
            tried += 1
            if tried > SEARCH_BUDGET:
                return False
            chosen[best] = int(choice)
            if place(alive & ~clash[choice], open_):
                return True
        return False

    return chosen if place(np.ones(len(boxes), dtype=bool), np.ones(items, dtype=bool)) \
        else None


def _placed(places: list, items: int):
    """The chosen boxes for the places of every item, or None."""
    boxes = np.vstack([b for b, _ in places])
    chosen = _search(boxes, np.concatenate([i for _, i in places]), items)
    return None if chosen is None else boxes[chosen]


@functools.lru_cache(maxsize=1024)
def _narrowest(before: int, after: int, dy: float, size: tuple) -> float | None:
    """The narrowest column spacing (within 1%) in which the weight labels between a
    column of ``before`` units and one of ``after`` units fit (those labels alone), or
    None: up a ladder of spacings, then halving the last step."""

    def fits(dx: float) -> bool:
        geometry = _Geometry((before, after), [0.0, dx], dy, RADIUS)
        places = geometry.weight_places(size)
        return places is not None and _placed([places], before * after) is not None

    low, dx = None, 2 * RADIUS + 2 * ARROW + size[0] + 4 * GAP
    while not fits(dx):
        low, dx = dx, dx * WIDER
        if dx + 2 * RADIUS + 2 * GAP > MAX_WIDTH:
            return None
    while low is not None and dx - low > 0.01 * dx:
        middle = (low + dx) / 2
        low, dx = (low, middle) if fits(middle) else (middle, dx)
    return round(dx, 2)


def layout(units: tuple, biased: tuple, weight_ems: float, bias_ems: float) -> Layout:
    """The diagram of a layered network: ``units`` per layer (the inputs first),
    ``biased[l][i]`` whether unit i+1 of layer l shows a bias, and the widest weight and
    bias labels (``label_ems``). Memoised, because the variants draw one structure many
    times: a layout takes 6 ms of CPU time for half of the shapes up to 4-4-4-4 and up to
    0.6 s for the densest (``bench/diagram.py``), and 200 variants of the 2-2-1 exam need
    8 layouts (one per combination of label lengths) instead of 200."""
    return _layout(tuple(units), tuple(map(tuple, biased)), weight_ems, bias_ems)


@functools.lru_cache(maxsize=256)
def _layout(units, biased, weight_ems, bias_ems) -> Layout:
    owners = [(l, i) for l in range(len(units)) for i in range(1, units[l] + 1)
              if biased[l][i - 1]]
    pairs = list(zip(units, units[1:], strict=False))  # the column gaps
    edges = sum(a * b for a, b in pairs)
    if len(units) < 2 or max(units) > MAX_UNITS or edges > MAX_EDGES:
        return _unlabelled(units, owners)
    backup = None  # the first placement of the weights alone
    for font in FONTS:
        weight = (round(weight_ems * font + 2 * PAD, 2), round(HEIGHT * font + 2 * PAD, 2))
        bias = (round(bias_ems * font + 2 * PAD, 2), weight[1])
        least = max(MIN_DY, 2 * RADIUS + bias[1] + 2 * GAP)
        for dy in [least * s for s in ROWS] if max(units) > 1 else [least]:
            if (max(units) - 1) * dy + 2 * RADIUS + 2 * bias[1] > MAX_HEIGHT:
                break
            gaps = [_narrowest(a, b, dy, weight) for a, b in pairs]
            if None in gaps:
                continue
            room = MAX_WIDTH - 2 * max(RADIUS, bias[0] / 2) - 2 * GAP  # for the columns
            gaps = [max(g, min(MIN_DX, room / len(gaps))) for g in gaps]
            widen = 1.0
            while sum(gaps) * widen + 2 * RADIUS + 2 * GAP <= MAX_WIDTH:
                xs = [0.0] + list(np.cumsum(gaps) * widen)
                geometry = _Geometry(units, xs, dy, RADIUS)
                widen *= WIDER
                weights = geometry.weight_places(weight)
                if weights is None:
                    continue
                biases = geometry.bias_places(owners, bias) if owners else None
                if biases is not None or not owners:
                    picked = _placed([weights] + ([biases] if owners else []),
                                     edges + len(owners))
                    if picked is not None and _fits(geometry, picked):
                        return _finish(geometry, picked, owners, font, (weight, bias))
                if backup is None and owners:
                    picked = _placed([weights], edges)
                    if picked is not None and _fits(geometry, picked):
                        backup = geometry, picked, font, (weight, bias)
    if backup is not None:
        return _finish(*backup[:2], owners, *backup[2:])
    return _unlabelled(units, owners)


def _fits(geometry: _Geometry, picked: np.ndarray) -> bool:
    low, high = geometry.extent(picked)
    return high[0] - low[0] <= MAX_WIDTH and high[1] - low[1] <= MAX_HEIGHT


def _finish(geometry: _Geometry, picked, owners, font, sizes) -> Layout:
    """The layout with its picture's top left corner at (0, 0)."""
    count = len(geometry.keys)
    boxes = np.zeros((0, 4)) if picked is None else picked
    low, high = geometry.extent(boxes)

    def at(point) -> tuple:
        return (round(float(point[0] - low[0]), 2), round(float(point[1] - low[1]), 2))

    centres = [at(c) for c in (boxes[:, :2] + boxes[:, 2:]) / 2]
    beside = len(centres) > count
    return Layout(
        units=tuple(tuple(at(c) for c in column) for column in geometry.centres),
        radius=geometry.radius,
        lines={k: (at(geometry.start[n]), at(geometry.base[n]))
               for n, k in enumerate(geometry.keys)},
        arrows={k: (at(geometry.tip[n]), at(geometry.corners[0][n]),
                    at(geometry.corners[1][n])) for n, k in enumerate(geometry.keys)},
        weights={k: centres[n] if centres else None for n, k in enumerate(geometry.keys)},
        biases={k: centres[count + n] if beside else None for n, k in enumerate(owners)},
        font=font, weight_size=sizes[0], bias_size=sizes[1],
        width=round(float(high[0] - low[0]), 2), height=round(float(high[1] - low[1]), 2),
        labelled=bool(centres), beside=beside, names=geometry.radius >= NAMED)


def _unlabelled(units, owners) -> Layout:
    """The fallback: units and arrows only, as wide and as tall as the page allows; the
    circles shrink for many layers or many units (and show no names below ``NAMED``)."""
    columns, tallest = len(units) - 1, max(units)
    dx = min(MIN_DX, (MAX_WIDTH - 2 * RADIUS - 2 * GAP) / max(columns, 1))
    dy = min(2 * RADIUS + 4 * GAP, (MAX_HEIGHT - 2 * GAP) / tallest)
    radius = min(RADIUS, dx / 3, dy / 2 - GAP)
    size = (0.0, round(HEIGHT * FONTS[-1] + 2 * PAD, 2))
    geometry = _Geometry(units, [l * dx for l in range(len(units))], dy, radius)
    return _finish(geometry, None, owners, FONTS[-1], (size, size))
