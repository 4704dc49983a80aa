"""Interval arithmetic for the checker: (lo, hi) float pairs, rounded outwards after every
operation, compiled from the same kit calls as the exact evaluation (``evaluate.python_source``),
and ``reachable``: can some point of a box give a value inside a target cell? Monotone
formulas are answered from corners; others by branch-and-bound.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

from .. import gates

_INF = math.inf
BOXES = 4000  # branch-and-bound budget per question; beyond it, the benefit of the doubt


def _down(x: float) -> float:
    return math.nextafter(x, -_INF)


def _up(x: float) -> float:
    return math.nextafter(x, _INF)


def _float(value) -> float:
    try:
        return float(value)
    except OverflowError:
        return _INF if value > 0 else -_INF


def point(value) -> tuple[float, float]:
    """The tightest float interval around an exact or mpf value."""
    f = _float(value)
    if type(value) is Fraction and math.isfinite(f) and Fraction(f) == value:
        return (f, f)
    return (_down(f), _up(f))


def cell(value: Fraction, places: int, truncated: bool = False) -> tuple[float, float]:
    """The values that round (or truncate towards zero) to ``value`` at ``places``."""
    unit = Fraction(1, 10**places)
    if not truncated:
        low, high = value - unit / 2, value + unit / 2
    elif value > 0:
        low, high = value, value + unit
    elif value < 0:
        low, high = value - unit, value
    else:
        low, high = -unit, unit
    return (_down(_float(low)), _up(_float(high)))


@functools.lru_cache(maxsize=4096)
def _iv_q(p: int, q: int):
    return point(Fraction(p, q))


def _iv_add(*terms):
    try:
        return (_down(math.fsum(t[0] for t in terms)), _up(math.fsum(t[1] for t in terms)))
    except (ValueError, OverflowError):
        return (-_INF, _INF)


def _mul2(a, b):
    if a == (0.0, 0.0) or b == (0.0, 0.0):
        return (0.0, 0.0)
    products = [x * y for x in a for y in b]
    products = [0.0 if p != p else p for p in products]  # 0·∞ at an open end
    return (_down(min(products)), _up(max(products)))


def _iv_mul(*factors):
    out = factors[0]
    for factor in factors[1:]:
        out = _mul2(out, factor)
    return out


def _power(x: float, n: int) -> float:
    try:
        return x ** n
    except OverflowError:
        return _INF if x > 0 or n % 2 == 0 else -_INF


def _iv_pow(a, n: int):
    if n == 0:
        return (1.0, 1.0)
    if n < 0:
        lo, hi = _iv_pow(a, -n)
        if lo <= 0 <= hi:
            return (-_INF, _INF)
        return (_down(1 / hi) if hi != _INF else 0.0, _up(1 / lo) if lo != 0 else _INF)
    lo, hi = a
    if n % 2 or lo >= 0:
        low, high = _power(lo, n), _power(hi, n)
    elif hi <= 0:
        low, high = _power(hi, n), _power(lo, n)
    else:
        low, high = 0.0, max(_power(lo, n), _power(hi, n))
    return (_down(_down(low)), _up(_up(high)))


def _monotone(function):
    def apply(a):
        def safe(x):
            try:
                return function(x)
            except OverflowError:
                return _INF
        return (_down(_down(safe(a[0]))), _up(_up(safe(a[1]))))
    return apply


def _iv_sqrt(a):
    """√x over [lo, hi]: monotone on x ≥ 0; the part below 0 has no real root."""
    if a[1] < 0:
        return (-_INF, _INF)
    low = 0.0 if a[0] <= 0 else _down(_down(math.sqrt(a[0])))
    return (low, _up(_up(math.sqrt(a[1]))) if a[1] != _INF else _INF)


def _iv_log(a):
    if a[1] <= 0:
        return (-_INF, _INF)
    low = -_INF if a[0] <= 0 else _down(_down(math.log(a[0])))
    return (low, _up(_up(math.log(a[1])))) if a[1] != _INF else (low, _INF)


def _iv_relu(z, c):
    return (max(0.0, z[0]), max(0.0, z[1]))


def _hull(values):
    return (min(values), max(values))


def _iv_relu_step(z, c):
    values = ([1.0] if z[1] > 0 else []) + ([0.0] if z[0] < 0 else [])
    if z[0] <= 0 <= z[1]:
        values += list(c)
    return _hull(values)


def _iv_leaky(z, alpha, c):
    ends = [x if x > 0 else None for x in z]
    low = (z[0], z[0]) if ends[0] is not None else _mul2(alpha, (z[0], z[0]))
    high = (z[1], z[1]) if ends[1] is not None else _mul2(alpha, (z[1], z[1]))
    return (min(low[0], high[0]), max(low[1], high[1]))


def _iv_leaky_step(z, alpha, c):
    values = ([1.0] if z[1] > 0 else []) + (list(alpha) if z[0] < 0 else [])
    if z[0] <= 0 <= z[1]:
        values += [1.0] if c == (1.0, 1.0) else list(alpha)
    return _hull(values)


INTERVAL_KIT = {
    "Q": _iv_q, "add": _iv_add, "mul": _iv_mul, "pw": _iv_pow,
    "exp": _monotone(math.exp), "log": _iv_log, "tanh": _monotone(math.tanh),
    "sqrt": _iv_sqrt, "relu": _iv_relu, "relu_step": _iv_relu_step,
    "leaky_relu": _iv_leaky, "leaky_relu_step": _iv_leaky_step,
    **gates.interval_kit(),  # computation graphs: σ, max, min, |u|, non-whole powers
}


def _monotone_range(function, slopes, box):
    """(range, None) when f is monotone in every variable over ``box``: its exact range
    (up to outward rounding) from two corners. Otherwise (None, a variable to split)."""
    low, high = [], []
    for k, ((a, b), slope) in enumerate(zip(box, slopes, strict=True)):
        if a == b:
            low.append((a, a))
            high.append((a, a))
            continue
        s = slope(*box)
        if s[0] >= 0:
            low.append((a, a))
            high.append((b, b))
        elif s[1] <= 0:
            low.append((b, b))
            high.append((a, a))
        else:
            return None, k
    return (function(*low)[0], function(*high)[1]), None


def reachable(function, box: tuple, target: tuple[float, float], slopes=None) -> bool:
    """Whether some x in ``box`` has f(x) in ``target``. Branch and bound on intervals;
    with ``slopes`` (interval functions of ∂f/∂xₖ, f continuous), a box on which f is
    monotone in every variable is decided at once from its corners."""
    low, high = target
    stack, budget = [box], BOXES
    while stack:
        current = stack.pop()
        lo, hi = function(*current)
        if hi < low or lo > high:
            continue
        if low <= lo and hi <= high:
            return True
        k = None
        if slopes is not None:
            exact, k = _monotone_range(function, slopes, current)
            if exact is not None:
                if exact[1] >= low and exact[0] <= high:
                    return True
                continue
        widths = [b[1] - b[0] for b in current]
        if k is None:
            k = max(range(len(widths)), key=widths.__getitem__) if widths else None
        budget -= 1
        if k is None or widths[k] <= 0 or budget <= 0 or not math.isfinite(widths[k]):
            return True  # cannot refine further: the enclosure meets the target
        middle = tuple((m, m) for m in ((b[0] + b[1]) / 2 for b in current))
        lo, hi = function(*middle)
        if low <= lo and hi <= high:
            return True
        split = (current[k][0] + current[k][1]) / 2
        stack.append(current[:k] + ((current[k][0], split),) + current[k + 1:])
        stack.append(current[:k] + ((split, current[k][1]),) + current[k + 1:])
    return False


def span(function, box: tuple, slopes=None, slack: float = 0.0,
         budget: int = 64) -> tuple[float, float]:
    """An enclosure of {f(x) : x in box}, from the interval slopes over the box: in each
    variable whose slope has one sign, f's extreme lies at that end of its interval (the
    corners, as ``reachable`` decides); a variable whose slope straddles 0 stays at its
    midpoint m, and the mean value theorem adds |x − m| · max|slope| at most. Where that
    addition exceeds ``slack``, the box is halved along the variable that adds the most
    and both halves are enclosed again. Past ``budget`` parts, the enclosure is taken as
    it stands (still an enclosure, only wider). Without slopes: interval arithmetic."""
    if slopes is None:
        return function(*box)
    low, high = _INF, -_INF
    stack = [box]
    while stack:
        current = stack.pop()
        signs = [slope(*current) for slope in slopes]
        lows, highs, extra, worst, worst_at = [], [], 0.0, 0.0, None
        for k, ((a, b), s) in enumerate(zip(current, signs, strict=True)):
            if a == b or s[0] >= 0:
                lows.append((a, a))
                highs.append((b, b))
            elif s[1] <= 0:
                lows.append((b, b))
                highs.append((a, a))
            else:  # f may turn inside: take the midpoint, and bound the rest
                m = (a + b) / 2
                lows.append((m, m))
                highs.append((m, m))
                reach = _up(_up(max(m - a, b - m)) * max(-s[0], s[1]))
                extra = _up(extra + reach)
                if reach > worst:
                    worst, worst_at = reach, k
        budget -= 1
        if extra > slack and budget > 0 and math.isfinite(extra):
            a, b = current[worst_at]
            split = (a + b) / 2
            if a < split < b:
                stack.append(current[:worst_at] + ((a, split),) + current[worst_at + 1:])
                stack.append(current[:worst_at] + ((split, b),) + current[worst_at + 1:])
                continue
        low = min(low, _down(function(*lows)[0] - extra))
        high = max(high, _up(function(*highs)[1] + extra))
    return low, high
