"""Time to check 10,000 answer sheets of 30 number claims each, and 1,000 formula claims,
against one spec.

The sheets come from 500 simulated students who work the example by hand: each picks 3, 4
or 5 decimal places and carries its rounded values (as seed 004 does); a third of them
slip once at a random step and carry the slip forward; one claim in twenty is miscopied
(two digits swapped or one changed). A sheet is 30 claims drawn from that student's
numbers. The checker is prepared once; each sheet is checked separately. A second run
empties the checker's cross-sheet memos (figures, fits, evaluations at the written
numbers, intervals) before every sheet, to show the cost without them.

The formula claims are 100 sheets of 10, drawn from every quantity's local formula, the
same composed one level further, and every named mistake's rewrite of it, each written
with its sums and products in a random order (so few claims are written alike). The
first formula claims also pay for the random points, perturbations and mistake worlds;
a second run clears the cross-sheet memo of decided formulas before every sheet.

    python bench/check.py [--sheets N] [--formulas N] [--spec PATH]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from pathlib import Path

import mpmath

from symprop.check import Checker
from symprop.check.claims import RawClaim
from symprop.decimals import fixed, round_half_up
from symprop.spec import load

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = 500
CLAIMS = 30


def students(checker: Checker, rng: random.Random) -> list[dict[str, str]]:
    program, givens = checker.program, checker.solution.givens
    computed = [i for i, f in enumerate(program.functions) if f is not None]
    out = []
    for _ in range(STUDENTS):
        places = rng.choice((3, 4, 4, 5))

        def rounding(value, places=places):
            return round_half_up(value, places)

        with mpmath.workdps(30):
            values, _ = program.run(givens, rounding)
            if rng.random() < 1 / 3:  # one slip, carried forward
                k = rng.choice(computed)
                slip = values[k] + rng.choice((-1, 1)) * rng.randint(1, 9) * \
                    round_half_up(10 ** -places, places + 1) * rng.choice((1, 10))
                values, _ = program.run(givens, rounding, overrides={k: slip})
        out.append({program.names[i]: fixed(round_half_up(values[i], places), places)
                    for i in computed})
    return out


def miscopy(text: str, rng: random.Random) -> str:
    digits = [k for k, ch in enumerate(text) if ch.isdigit()]
    k = rng.choice(digits)
    return text[:k] + str((int(text[k]) + rng.randint(1, 9)) % 10) + text[k + 1:]


def sheets(pool: list[dict], count: int, rng: random.Random) -> list[list[RawClaim]]:
    out = []
    for _ in range(count):
        student = rng.choice(pool)
        names = rng.sample(sorted(student), min(CLAIMS, len(student)))
        out.append([RawClaim(n, miscopy(student[n], rng) if rng.random() < 0.05
                             else student[n]) for n in names])
    return out


def shuffled(expr, rng: random.Random) -> str:
    """A SymPy formula in the claims' grammar, its sums and products in a random order."""
    def group(e) -> str:
        text = shuffled(e, rng)
        return text if e.is_Symbol or (e.is_Integer and e >= 0) else f"({text})"

    if expr.is_Symbol:
        return expr.name
    if expr.is_Rational:
        return str(expr.p) if expr.q == 1 else f"{expr.p}/{expr.q}"
    if expr.is_Add or expr.is_Mul:
        parts = [group(a) for a in expr.args]
        rng.shuffle(parts)
        return (" + " if expr.is_Add else "*").join(parts)
    if expr.is_Pow and expr.exp.is_Integer:
        n = int(expr.exp)
        power = f"{group(expr.base)}^{abs(n)}"
        return power if n > 0 else f"1/{power}"
    name = {"exp": "exp", "log": "log", "tanh": "tanh", "relu": "relu"}[type(expr).__name__]
    return f"{name}({shuffled(expr.args[0], rng)})"


def formula_pool(checker: Checker) -> list[tuple[str, object]]:
    """(quantity, formula) pairs: right, right composed one level further, and mistaken."""
    from symprop.check.checker import MISTAKES

    graph, pool = checker.graph, []
    for node in graph:
        if node.formula is None:
            continue
        deeper = node.formula.xreplace({graph.nodes[p].symbol: graph.nodes[p].formula
                                        for p in node.parents
                                        if graph.nodes[p].formula is not None})
        pool += [(node.name, node.formula), (node.name, deeper)]
        pool += [(node.name, f) for m in MISTAKES
                 if (f := m.rewrite(graph, node)) is not None and f != node.formula]
    return pool


def formula_sheets(checker: Checker, count: int, rng: random.Random) -> list[list[RawClaim]]:
    pool, claims = formula_pool(checker), []
    for _ in range(count):
        name, formula = rng.choice(pool)
        try:
            claims.append(RawClaim(name, shuffled(formula, rng), kind="formula"))
        except KeyError:  # a function the claims' grammar does not have (relu_step)
            continue
    return [claims[k:k + 10] for k in range(0, len(claims), 10)]


def bench_formulas(checker: Checker, count: int, rng: random.Random) -> None:
    work = formula_sheets(checker, count, rng)
    claims = sum(len(s) for s in work)
    started, cpu = time.perf_counter(), time.process_time()
    counts, methods = Counter(), Counter()
    for sheet in work:
        for verdict in checker.check(sheet).verdicts:
            counts[verdict.verdict] += 1
            if verdict.verdict == "equivalent":
                methods[verdict.method] += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    for sheet in work:
        checker.formulas._judged.clear()
        checker.check(sheet)
    cold = time.perf_counter() - started
    print(f"{claims:,} formula claims in {len(work)} sheets: {elapsed:.2f} s, {cpu:.2f} s of "
          f"CPU ({elapsed / claims * 1e3:.2f} ms per formula, including the points and "
          "worlds)")
    print("formula verdicts: " + ", ".join(f"{counts[v]:,} {v}" for v in
                                           ("equivalent", "equal_here", "different",
                                            "unknown")) +
          f" (equivalent by {methods['symbolic']:,} symbolic, "
          f"{methods['points']:,} points)")
    print(f"without the memo of decided formulas: {cold:.2f} s for {claims:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=10_000)
    parser.add_argument("--formulas", type=int, default=1_000)
    parser.add_argument("--spec", default=str(ROOT / "examples" / "textbook-2-2-1.yaml"))
    args = parser.parse_args()
    rng = random.Random(2024)

    started = time.perf_counter()
    checker = Checker(load(args.spec))
    prepared = time.perf_counter() - started
    work = sheets(students(checker, rng), args.sheets, rng)
    claims = sum(len(s) for s in work)

    started, cpu = time.perf_counter(), time.process_time()
    counts = Counter()
    for sheet in work:
        for verdict in checker.check(sheet).verdicts:
            counts[verdict.verdict] += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu

    sample = work[: max(1, args.sheets // 10)]
    started = time.perf_counter()
    for sheet in sample:
        checker.forget()
        checker.check(sheet)
    cold = (time.perf_counter() - started) / len(sample)

    print(f"spec: {Path(args.spec).name} ({len(checker.program.names)} nodes)")
    print(f"prepare once: {prepared * 1000:.0f} ms")
    print(f"{args.sheets:,} sheets, {claims:,} claims: {elapsed:.2f} s, {cpu:.2f} s of CPU "
          f"({elapsed / args.sheets * 1e3:.3f} ms per sheet, "
          f"{elapsed / claims * 1e6:.1f} µs per claim)")
    print("verdicts: " + ", ".join(f"{counts[v]:,} {v}" for v in
                                   ("correct", "rounding", "carried", "wrong", "unknown")))
    print(f"without the cross-sheet memos: {cold * 1e3:.3f} ms per sheet "
          f"(≈ {cold * args.sheets:.1f} s for {args.sheets:,})")
    if args.formulas:
        bench_formulas(checker, args.formulas, rng)


if __name__ == "__main__":
    main()
