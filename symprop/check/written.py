"""Written sub-expressions as inputs: a person who writes 0.01 − ŷ₁ = −0.747 and then
(0.01 − ŷ₁)² = 0.5580 has squared their own −0.747, and a marker checks it that way.

Each claimed sub-expression becomes a node of the sheet (after the checker's nodes), and
every formula that contains it (a node's local formula, or a larger claimed
sub-expression) is rewritten to use it, the largest written ones first and at any depth:
the walk then treats a written sub-expression exactly like a written quantity (its
written interval in the reference world when it was judged correct or rounding, its
written value in the person's own world). Givens are put in as numbers first, so the
0.01 that a person writes is found inside ½(y − ŷ)² when y = 0.01.
"""

from __future__ import annotations

from fractions import Fraction

from .intervals import point


def extend(sheet, expressions: list) -> list[int]:
    """Add ``expressions`` [(local, claim)] to ``sheet`` as nodes n, n + 1, …; rewrite the
    formulas that contain them. Returns their indices, in the order of ``expressions``."""
    c, n = sheet.c, sheet.n
    order = sorted(range(len(expressions)), key=lambda k: (expressions[k][0].order,
                                                          expressions[k][0].size))
    index = {k: n + position for position, k in enumerate(order)}
    locals_ = [expressions[k][0] for k in order]
    unbaked = frozenset(c.symbols[p] for p, (value, _, _) in sheet.node_claims.items()
                        if p < n and c.program.functions[p] is None and
                        value != c.exact_fraction[p])
    # the sheet's own copies of the structures it extends (the checker's stay as they are)
    sheet.parents = list(c.parents)
    sheet.functions = list(c.program.functions)
    sheet.intervals = list(c.interval)
    sheet.locals = list(c.locals)
    sheet.exact = list(c.exact)
    sheet.exact_fraction = list(c.exact_fraction)
    sheet.exact_point = list(c.exact_point)
    sheet.names = list(c.program.names)
    sheet.positions = {}
    patterns = []  # (name, baked formula, symbol, extended index, real parents)
    for position, e in enumerate(locals_):
        v = n + position
        sheet.names.append(e.name)
        sheet.exact.append(e.exact)
        sheet.exact_fraction.append(e.exact if type(e.exact) is Fraction else None)
        sheet.exact_point.append(point(e.exact))
        sheet.parents.append(e.parents)
        sheet.functions.append(e.exact_fn)
        sheet.intervals.append(e.interval_fn)
        sheet.locals.append(e)
        sheet.claimed[v] = e
        sheet.positions[v] = (e.order, 1, e.size, position)
        baked = c.baked(e.formula, unbaked)
        if baked.free_symbols:
            real = frozenset(c.program.index[c.graph.by_symbol[s]] for s in baked.free_symbols)
            patterns.append((e.name, baked, c.written_symbol(e.name), v, real))
    by_symbol = {symbol: v for _, _, symbol, v, _ in patterns}

    def install(target: int, key: tuple, formula, candidates: list, order) -> None:
        candidates = sorted(candidates, key=lambda p: -sheet.positions[p[3]][2])
        found = c.rewrite(key, formula, tuple((name, baked, symbol) for name, baked,
                                              symbol, _, _ in candidates), unbaked)
        if found is None:
            return
        local, _ = found
        parents = tuple(by_symbol[s] if s in by_symbol else
                        c.program.index[c.graph.by_symbol[s]] for s in local.symbols)
        bound = local.bound(parents, order)
        sheet.parents[target] = parents
        sheet.functions[target] = bound.exact_fn
        sheet.intervals[target] = bound.interval_fn
        sheet.locals[target] = bound
        sheet.rewritten.add(target)

    # a claimed sub-expression, with the smaller written ones inside it
    for position, e in enumerate(locals_):
        v = n + position
        inner = [p for p in patterns if p[3] < v and p[4] <= set(e.parents)]
        if inner:
            install(v, ("expression", e.name), e.formula, inner, e.order)
    # every node whose local formula may contain one: a child of all its parents
    targets: dict[int, list] = {}
    for pattern in patterns:
        real = pattern[4]
        common = set.intersection(*(c.children[p] for p in real)) if real else set()
        for q in common:
            targets.setdefault(q, []).append(pattern)
    for q, candidates in sorted(targets.items()):
        install(q, ("node", q), c.graph.nodes[c.program.names[q]].formula, candidates, q)
    # ancestors over the extended graph, in its topological order
    total = n + len(locals_)
    anc = [0] * total
    for p in sorted(range(total), key=sheet.position):
        bits = 0
        for q in sheet.parents[p]:
            bits |= anc[q] | (1 << q)
        anc[p] = bits
    sheet.anc = anc
    return [index[k] for k in range(len(expressions))]
