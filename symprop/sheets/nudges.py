"""The nudge checks of a sheet (``nudges:`` in a spec), for layered networks and computation
graphs alike, planned from graph queries (``graph.nudges``, ``graph.changed``,
``graph.nudged``, ``graph.loss``): the nudged value, every value it changes, and the slope
Δloss/Δvalue next to the gradient the chain rule gives. Templates: nudges.tex.j2 and
nudges.html.j2."""

from __future__ import annotations

from ..decimals import decimal_text


def plan(graph) -> list[dict]:
    """Node names and static words of every nudge (no numbers)."""
    out = []
    loss = graph.loss(1)
    for k, nudge in enumerate(graph.problem.nudges, 1):
        changed = graph.changed(k)
        target = graph.resolve(nudge.target)
        gradient = graph.resolve(f"grad.{target}", strict=False)
        out.append({
            "number": k, "target": target, "nudged": changed[0], "lines": changed[1:-1],
            "slope": changed[-1], "loss": loss, "nudged_loss": graph.nudged(k, loss),
            "gradient": gradient,
            "negative": nudge.amount < 0, "size": decimal_text(abs(nudge.amount)),
            "written": nudge.written,
        })
    return out


def context(render, planned: list[dict]) -> list[dict]:
    """The nudge checks with this sheet's numbers (``render``: symprop.sheets.context's
    Render); the nudged loss and the values it starts from are shown with every place
    they have (2.0060045), as a person checking a derivative writes them."""
    symbols = render.r.symbols
    out = []
    for item in planned:
        out.append({
            "number": item["number"], "size": item["size"], "negative": item["negative"],
            "written": item["written"],
            "target": symbols[item["target"]], "nudged": symbols[item["nudged"]],
            "before": render.text(item["target"]), "after": render.text(item["nudged"]),
            "lines": render.lines(item["lines"]),
            "loss": symbols[item["loss"]], "nudged_loss": symbols[item["nudged_loss"]],
            "loss_before": render.exact(item["loss"]),
            "loss_after": render.exact(item["nudged_loss"]),
            "slope": symbols[item["slope"]], "slope_value": render.text(item["slope"]),
            "slope_relation": render.hole(("_relation", item["slope"]),
                                          render._relation(item["slope"])),
            "gradient": None if item["gradient"] is None else symbols[item["gradient"]],
            "gradient_value": None if item["gradient"] is None else
            render.text(item["gradient"]),
        })
    return out
