"""Time to check 10,000 answer sheets of 30 claims each against one spec.

The sheets come from 500 simulated students who work the example by hand: each picks 3, 4
or 5 decimal places and carries its rounded values (as seed 004 does); a third of them
slip once at a random step and carry the slip forward; one claim in twenty is miscopied
(two digits swapped or one changed). A sheet is 30 claims drawn from that student's
numbers. The checker is prepared once; each sheet is checked separately. A second run
clears the checker's cross-sheet memo before every sheet, to show the cost without it.

    python bench/check.py [--sheets N] [--spec PATH]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=10_000)
    parser.add_argument("--spec", default=str(ROOT / "examples" / "textbook-2-2-1.yaml"))
    args = parser.parse_args()
    rng = random.Random(2024)

    started = time.perf_counter()
    checker = Checker(load(args.spec))
    prepared = time.perf_counter() - started
    work = sheets(students(checker, rng), args.sheets, rng)
    claims = sum(len(s) for s in work)

    started = time.perf_counter()
    counts = Counter()
    for sheet in work:
        for verdict in checker.check(sheet).verdicts:
            counts[verdict.verdict] += 1
    elapsed = time.perf_counter() - started

    sample = work[: max(1, args.sheets // 10)]
    started = time.perf_counter()
    for sheet in sample:
        checker._memo.clear()
        checker.check(sheet)
    cold = (time.perf_counter() - started) / len(sample)

    print(f"spec: {Path(args.spec).name} ({len(checker.program.names)} nodes)")
    print(f"prepare once: {prepared * 1000:.0f} ms")
    print(f"{args.sheets:,} sheets, {claims:,} claims: {elapsed:.2f} s "
          f"({elapsed / args.sheets * 1e3:.3f} ms per sheet, "
          f"{elapsed / claims * 1e6:.1f} µs per claim)")
    print("verdicts: " + ", ".join(f"{counts[v]:,} {v}" for v in
                                   ("correct", "rounding", "carried", "wrong", "unknown")))
    print(f"without the cross-sheet memo: {cold * 1e3:.3f} ms per sheet "
          f"(≈ {cold * args.sheets:.1f} s for {args.sheets:,})")


if __name__ == "__main__":
    main()
