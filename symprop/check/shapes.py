"""The shape of a vector or matrix written as a list, judged before its entries.

A marker first looks at the shape: ∂L/∂W⁽¹⁾ is 2×3; written 3×2 it is read as its
transpose (and each entry judged in that reading); a vector with too few or too many
entries, or rows of different lengths, gets one verdict about its shape and no
entry-by-entry coincidences. A one-row or one-column quantity may be written flat, as a
row or as a column; a vector as a row or a column.
"""

from __future__ import annotations

from .claims import RawClaim
from .names import families, shape
from .report import Verdict


def arrange(checker, claims: list[RawClaim]) -> tuple[list[tuple], list[Verdict]]:
    """([(claim, name to resolve, notes)], [shape verdicts]) for a sheet's number claims:
    entries of a list are mapped to the quantity's entries in the reading its shape
    allows (or dropped, with one shape verdict, when none does)."""
    out, records, groups = [], [], {}
    for claim in claims:
        if claim.group:
            groups.setdefault(claim.group, []).append(claim)
        else:
            out.append((claim, claim.name, []))
    known = families(checker)
    for group, entries in groups.items():
        family = known.get(group.replace(" ", ""))
        written = entries[0].shape
        if family is None or not written:  # not a family: each entry is judged (unknown)
            out += [(claim, claim.name, []) for claim in entries]
            continue
        expected = shape(family)
        reading = _reading(expected, written)
        if reading == "as_written":
            out += [(claim, _mapped(claim.name, group, expected, written), [])
                    for claim in entries]
            continue
        record = _record(checker, group, family, entries, expected, written, reading)
        records.append(record)
        if reading == "transpose":
            for claim in entries:
                i, j = _index(claim.name, group)
                out.append((claim, f"{group}[{j},{i}]", [{"code": "transposed"}]))
    return out, records


def read_as_transposed(verdicts: list[Verdict]) -> None:
    """Complete each transposed list's shape verdict: are all its entries right (correct
    or within rounding) when it is read as its transpose?"""
    entries: dict[str, list[str]] = {}
    for v in verdicts:
        if any(n["code"] == "transposed" for n in v.notes):
            entries.setdefault(v.written.partition("[")[0], []).append(v.verdict)
    for v in verdicts:
        for note in v.notes:
            if note["code"] == "shape" and note["reading"] == "transpose":
                found = entries.get(v.written, [])
                note["right"] = bool(found) and all(x in ("correct", "rounding")
                                                    for x in found)


def _reading(expected: tuple, written: tuple) -> str:
    """'as_written', 'transpose', or 'none' (the shape itself is wrong)."""
    if written[0] == -1:
        return "none"
    if len(expected) == 1:
        n = expected[0]
        return "as_written" if written in ((n,), (n, 1), (1, n)) else "none"
    rows, columns = expected
    if written == expected or (len(written) == 1 and 1 in expected and
                               written[0] == rows * columns):
        return "as_written"
    if written == (columns, rows) and rows != columns:
        return "transpose"
    return "none"


def _index(name: str, group: str) -> tuple[int, ...]:
    return tuple(int(k) for k in name[len(group) + 1:-1].split(","))


def _mapped(name: str, group: str, expected: tuple, written: tuple) -> str:
    """An entry's name in the quantity's own indexing (a vector written as a column
    [[a], [b]] is a[1], a[2]; a one-row matrix written flat [a, b] is W[1,1], W[1,2])."""
    index = _index(name, group)
    if len(expected) == 1:
        return f"{group}[{max(index)}]"
    if len(index) == 1:
        k = index[0]
        return f"{group}[1,{k}]" if expected[0] == 1 else f"{group}[{k},1]"
    return name


def _record(checker, group, family, entries, expected, written, reading) -> Verdict:
    first = min(checker.program.index[name] for name in family.values())
    sizes = list(written[1:]) if written[0] == -1 else list(written)
    note = {"code": "shape", "expected": list(expected), "written": sizes,
            "ragged": written[0] == -1, "reading": reading}
    return Verdict(group, "[" + ", ".join(c.text for c in entries) + "]", "wrong",
                   group.replace(" ", ""), "shape", family_symbol(checker, family),
                   entries[0].where, 0, notes=[note], order=first - 0.5)


def family_symbol(checker, family: dict) -> str:
    """The quantity as a whole in the sheets' notation: ∂L/∂W⁽¹⁾, δ⁽²⁾, W⁽²⁾ (new), …"""
    printer = checker.printer
    label = checker.graph.nodes[next(iter(family.values()))].label
    version = printer._version(label)
    loss = r"\mathcal{L}"
    if label.kind in ("grad", "next"):
        kind, layer = label.target[0], int(label.target[1:label.target.index("[")])
        bold = printer.vector(kind, layer, version=0 if label.kind == "grad" else version)
        return printer.partial(loss, bold) if label.kind == "grad" else bold
    if label.kind in ("grad_yhat", "grad_a"):
        target = printer.vector("yhat" if label.kind == "grad_yhat" else "a", label.layer,
                                label.example, version)
        return printer.partial(loss, target)
    return printer.vector(label.kind, label.layer, label.example, version)
