"""Nudge checks: change one value by a small amount h and compute again everything it
changes, as Andrew Ng explains a derivative ("increase a by 0.001: v goes 11 → 11.001 and
J goes 33 → 33.003, so ∂J/∂a ≈ 3") and as seed 000 checks ∂J/∂w₁ = 6.

For nudge k of value v (a given, or a forward quantity of step 1):

    nudge<k>.v      = v + h
    nudge<k>.u      = u's formula with every changed parent replaced by its nudged value,
                      for every forward quantity u downstream of v (up to the loss)
    nudge<k>.slope  = (nudge<k>.loss − loss) / h     ≈ ∂loss/∂v, to first order

Values upstream of v keep their nodes (``nudge<k>.x`` is another name for x). Both
builders call ``add_nudges`` last, so the nudge nodes close the graph.
"""

from __future__ import annotations

from dataclasses import replace

from sympy import Rational

from .graph import Graph, Label


def add_nudges(graph: Graph, nudges, forward=("forward", "loss"), names=None) -> None:
    """Nodes for each of ``nudges`` (symprop.circuit_spec.Nudge); ``forward``: the stages
    recomputed; ``names``: textbook name → canonical entry, for aliases."""
    loss = graph.loss(1)
    snapshot = [node for node in graph if node.stage in forward and node.label.step == 1
                and not node.label.after]
    for k, nudge in enumerate(nudges, 1):
        target = graph[nudge.target]
        amount = Rational(nudge.amount.numerator, nudge.amount.denominator)
        changed = {target.symbol: graph.add(replace(target.label, nudge=k), "nudge",
                                            target.symbol + amount).symbol}
        for node in snapshot:
            if node.name == target.name or not any(
                    graph.nodes[p].symbol in changed for p in node.parents):
                continue
            changed[node.symbol] = graph.add(replace(node.label, nudge=k), "nudge",
                                             node.formula.xreplace(changed)).symbol
        after = changed.get(graph.nodes[loss].symbol, graph.nodes[loss].symbol)
        slope = (after - graph.nodes[loss].symbol) / amount  # Δloss / h
        graph.add(Label("slope", target=target.name, nudge=k), "nudge", slope)
        for node in graph:
            if node.stage in (*forward, "given") and node.label.step == 1 and \
                    not node.label.after and node.symbol not in changed and \
                    node.label.kind != "lr":
                graph.alias(f"nudge{k}.{node.name}", node.name)
        for alias, entry in (names or {}).items():
            graph.alias(f"nudge{k}.{alias}", graph.nudged(k, entry))
