"""The numbers of a line plot, for pgfplots (data coordinates) and for SVG (pixels): axis
ranges, ticks, and each series' points. Values may be exact or far beyond float64 (a
gradient norm of 10⁻⁴⁰⁰); a logarithmic axis plots log₁₀ of the value, computed with
mpmath, on a linear axis labelled 10ᵏ. Zeros on a log axis (a dead ReLU layer) and
non-finite values are gaps. Long series are thinned to MAX_POINTS evenly spaced points
(the first and the last kept). Drawing, colours and words live in the templates."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import mpmath

MAX_POINTS = 400
LOG_RANGE = 50  # a linear axis unless the values span more than this factor
SVG = {"width": 600, "height": 260, "left": 62, "right": 14, "top": 12, "bottom": 40}


@dataclass
class Tick:
    value: float  # in plot coordinates (log₁₀ on a log axis)
    tex: str  # the label as LaTeX maths
    pixel: float = 0.0


@dataclass
class Axis:
    low: float
    high: float
    log: bool = False
    ticks: list[Tick] = field(default_factory=list)


@dataclass
class Series:
    label: str  # LaTeX maths
    key: int  # the colour's number (templates hold the palette)
    points: list  # (x, y) in plot coordinates; None where the line breaks
    path: str = ""  # SVG path data (M … L …), in pixels
    coordinates: str = ""  # pgfplots coordinates; a gap is a NaN (unbounded coords=jump)
    dashed: bool = False


@dataclass
class Plot:
    x: Axis
    y: Axis
    series: list[Series]
    xlabel: str = ""  # a key into the templates' words
    ylabel: str = ""
    svg: dict = field(default_factory=lambda: dict(SVG))


def _log10(value) -> float | None:
    """log₁₀ of a positive value of any size; None for 0, negatives and non-finite."""
    if type(value) is Fraction:
        if value <= 0:
            return None
        return float(mpmath.log10(mpmath.mpf(value.numerator) / value.denominator))
    value = mpmath.mpf(value)
    if not mpmath.isfinite(value) or value <= 0:
        return None
    return float(mpmath.log10(value))


def _linear(value) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def thinned(count: int, limit: int = MAX_POINTS) -> list[int]:
    """Indices of at most ``limit`` evenly spaced points of ``count``, first and last kept."""
    if count <= limit:
        return list(range(count))
    return sorted({round(k * (count - 1) / (limit - 1)) for k in range(limit)})


def _nice_step(span: float, target: int) -> float:
    raw = span / max(target, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def _number_tex(value: float, step: float) -> str:
    """A tick label with the places its step needs: 0.125 for steps of 0.025."""
    places = max(0, -Decimal(repr(round(step, 12))).normalize().as_tuple().exponent)
    text = f"{value:.{places}f}"
    if set(text.lstrip("-")) <= set("0."):
        text = "0"
    return text


def _linear_axis(low: float, high: float, target: int = 5) -> Axis:
    if high <= low:
        low, high = low - 0.5 if low else -1.0, high + 0.5 if high else 1.0
    step = _nice_step(high - low, target)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    ticks, k = [], 0
    while low + k * step <= high + step * 1e-9:
        value = low + k * step
        ticks.append(Tick(value, _number_tex(value, step)))
        k += 1
    return Axis(low, high, False, ticks)


def _log_axis(low: float, high: float) -> Axis:
    low, high = math.floor(low), math.ceil(high)
    if high == low:
        high = low + 1
    step = max(1, math.ceil((high - low) / 6))
    low = step * math.floor(low / step)
    high = step * math.ceil(high / step)
    ticks = [Tick(float(k), f"10^{{{k}}}" if k not in (0, 1) else str(10 ** k))
             for k in range(low, high + 1, step)]
    return Axis(float(low), float(high), True, ticks)


def line_plot(lines: list[tuple[str, list, list]], log: bool | None = None,
              xlabel: str = "", ylabel: str = "", y_range: tuple | None = None,
              integer_x: bool = True) -> Plot:
    """A plot of ``lines`` = [(LaTeX label, xs, values)]. ``log`` None: logarithmic when
    the positive values span more than LOG_RANGE. ``y_range`` = (low, high) in plot
    coordinates, to give several panels one scale."""
    if log is None:
        positive = [v for _, _, ys in lines for v in ys if _log10(v) is not None]
        spread = [_log10(v) for v in positive]
        log = bool(spread) and max(spread) - min(spread) > math.log10(LOG_RANGE)
    transform = _log10 if log else _linear
    series, xs_all, ys_all = [], [], []
    for key, (label, xs, values) in enumerate(lines):
        points = []
        for k in thinned(len(values)):
            y = transform(values[k])
            points.append(None if y is None else (float(xs[k]), y))
            if y is not None:
                xs_all.append(float(xs[k]))
                ys_all.append(y)
        series.append(Series(label, key, points))
    if not ys_all:
        ys_all, xs_all = [0.0, 1.0], [0.0, 1.0]
    xaxis = _linear_axis(min(xs_all), max(xs_all), 6)
    if integer_x:  # steps and epochs: the axis ends at the last one
        if max(xs_all) > min(xs_all):
            xaxis.low, xaxis.high = min(xs_all), max(xs_all)
        xaxis.ticks = [t for t in xaxis.ticks if float(t.value).is_integer()
                       and xaxis.low <= t.value <= xaxis.high]
        for t in xaxis.ticks:
            t.tex = str(int(t.value))
    low, high = y_range if y_range is not None else (min(ys_all), max(ys_all))
    yaxis = _log_axis(low, high) if log else _linear_axis(low, high)
    plot = Plot(xaxis, yaxis, series, xlabel, ylabel)
    _pixels(plot)
    return plot


def y_extent(lines: list[tuple[str, list, list]]) -> tuple[float, float]:
    """(lowest, highest) log₁₀ of the positive values: a shared scale for panels."""
    logs = [y for _, _, ys in lines for v in ys if (y := _log10(v)) is not None]
    return (min(logs), max(logs)) if logs else (0.0, 1.0)


def _pixels(plot: Plot) -> None:
    box = plot.svg
    width = box["width"] - box["left"] - box["right"]
    height = box["height"] - box["top"] - box["bottom"]
    box["plot_width"], box["plot_height"] = width, height
    box["x1"], box["y1"] = box["left"] + width, box["top"] + height

    def px(x: float) -> float:
        return box["left"] + (x - plot.x.low) / (plot.x.high - plot.x.low) * width

    def py(y: float) -> float:
        return box["top"] + (plot.y.high - y) / (plot.y.high - plot.y.low) * height

    for tick in plot.x.ticks:
        tick.pixel = round(px(tick.value), 1)
    for tick in plot.y.ticks:
        tick.pixel = round(py(tick.value), 1)
    for series in plot.series:
        parts, pen = [], "M"
        for point in series.points:
            if point is None:
                pen = "M"
                continue
            parts.append(f"{pen} {px(point[0]):.1f} {py(point[1]):.1f}")
            pen = "L"
        series.path = " ".join(parts)
        series.coordinates = " ".join("(0,nan)" if p is None else f"({p[0]:.6g},{p[1]:.6g})"
                                      for p in series.points)
