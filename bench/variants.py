"""Variants per second: the whole pipeline (draw, exact values, fair marking ranges, question
and solution .tex, key, key.csv, Moodle XML with its worked-solution feedback; no PDF), next
to the naive path that re-derives symbolically for each variant; then the PDF build of
questions.pdf and solutions.pdf side by side, as `symprop variants --pdf` builds them.

    .venv/bin/python bench/variants.py [-n 1000] [--naive 10] [--pdf 200] [--jobs 1 2]
                                       [--no-skeleton]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from symprop.sheets import SheetRenderer
from symprop.solution import Solution
from symprop.spec import load
from symprop.tex import build_pdf
from symprop.variants import BUNDLE_RUNS, Plan, Views, key_csv, key_of, make

ROOT = Path(__file__).resolve().parent.parent
SPECS = ["exam-relu-nice.yaml", "exam-sigmoid-2-2-1.yaml", "textbook-2-2-1.yaml"]


def sheets_share(spec: Path, count: int) -> float:
    """Seconds of the pipeline spent in the solution-sheet renderer (symprop.sheets)."""
    plan = Plan(load(spec))
    views = Views(plan)
    variants, _ = plan.generate(count, 7)
    contexts = [views.context(v, key_of(plan, v, views.tex)) for v in variants]
    started = time.perf_counter()
    for variant, context in zip(variants, contexts, strict=True):
        views.solution(variant, context)
    return time.perf_counter() - started


def pipeline(spec: Path, count: int, jobs: int) -> tuple[float, float]:
    """Seconds to prepare once (build + compile), and to make ``count`` variants."""
    started = time.perf_counter()
    plan = Plan(load(spec))
    views = Views(plan)
    prepared = time.perf_counter()
    rendered, _ = plan.generate(count, 7, jobs=jobs, views=views)
    for item in rendered:  # the files' text, as `symprop variants` writes it
        views.document([item.question])
        views.document([item.solution])
    key_csv(plan, rendered)
    views.moodle(rendered)
    return prepared - started, time.perf_counter() - prepared


def naive(spec: Path, count: int) -> float:
    """Seconds per variant when each one is derived, evaluated and proven from scratch."""
    plan = Plan(load(spec))
    variants, _ = plan.generate(count, 7)
    started = time.perf_counter()
    for variant in variants:
        Solution(plan.problem_of(variant))
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=10)
    parser.add_argument("--pdf", type=int, default=200)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-skeleton", action="store_true",
                        help="render every sheet in full (without the skeleton cache)")
    args = parser.parse_args()
    SheetRenderer.SKELETONS = not args.no_skeleton
    print(f"{'spec':28} {'jobs':>4} {'prepare':>8} {f'{args.n} variants':>14} "
          f"{'variants/s':>11} {'naive/s':>8} {'sheets (1 job)':>15}")
    for name in SPECS:
        spec = ROOT / "examples" / name
        per_naive = naive(spec, args.naive) if args.naive else float("nan")
        sheets = sheets_share(spec, args.n)
        for jobs in args.jobs:
            prepare, seconds = pipeline(spec, args.n, jobs)
            print(f"{name:28} {jobs:>4} {prepare:>7.3f}s {seconds:>13.3f}s "
                  f"{args.n / seconds:>11.0f} {1 / per_naive:>8.1f} {sheets:>14.3f}s")
    with tempfile.TemporaryDirectory() as folder:
        spec = ROOT / "examples" / "exam-sigmoid-2-2-1.yaml"
        started = time.perf_counter()
        make(spec, args.n, 7, output=folder)
        print(f"`symprop variants -n {args.n}`, files written: "
              f"{time.perf_counter() - started:.2f} s")
        if args.pdf:
            from concurrent.futures import ThreadPoolExecutor

            plan = Plan(load(spec))
            views = Views(plan)
            rendered, _ = plan.generate(args.pdf, 7, views=views)
            documents = {name: views.document([getattr(item, name[:-1]) for item in rendered])
                         for name in ("questions", "solutions")}

            def build(name):
                started = time.perf_counter()
                build_pdf(documents[name], Path(folder) / f"{name}.pdf", BUNDLE_RUNS)
                return name, time.perf_counter() - started

            started = time.perf_counter()
            with ThreadPoolExecutor(2) as pool:  # side by side, as `symprop variants --pdf`
                for name, seconds in pool.map(build, documents):
                    print(f"{name}.pdf, {args.pdf} variants in one document: {seconds:.2f} s "
                          f"(pdflatex, {BUNDLE_RUNS} run)")
            print(f"both PDFs of {args.pdf} variants, side by side: "
                  f"{time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
