"""Plain-text views of a solution (the terminal table); layout lives in templates."""

from __future__ import annotations

from .render import render


def solution_table(solution, digits: int | None = None,
                   significant: int | None = None) -> str:
    """Every quantity with its value and formula, then the three checks (left out for a
    solution solved with ``verify=False``, which has none)."""
    data = solution.to_dict(digits, significant)
    width = max(len(q["name"]) for q in data["quantities"])
    return render("solve.txt.j2", {**data, "width": width})
