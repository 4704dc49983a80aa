"""Plain-text views of a solution (the terminal table); layout lives in templates."""

from __future__ import annotations

from .render import render


def solution_table(solution, digits: int | None = None,
                   significant: int | None = None) -> str:
    data = solution.to_dict(digits, significant)
    width = max(len(q["name"]) for q in data["quantities"])
    return render("solve.txt.j2", {**data, "width": width})
