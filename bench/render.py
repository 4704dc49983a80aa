"""Time the solution sheet of the 2-2-1 network (seed 004): preparing the renderer once
per graph, rendering its .tex for given numbers (the goal is under 20 ms; ideally about
1 ms; with a verification box the templates run in full, without one a skeleton rendered
once per structure is filled in), rendering the HTML page, and building the PDF with
pdflatex.

    python bench/render.py [--repeat N] [--spec PATH] [--no-skeleton]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from symprop.sheets import SheetRenderer
from symprop.solution import Solution
from symprop.spec import load
from symprop.tex import build_pdf

ROOT = Path(__file__).resolve().parent.parent


def best(function, repeat: int) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed measurement)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--spec", default=str(ROOT / "examples" / "textbook-2-2-1.yaml"))
    parser.add_argument("--no-skeleton", action="store_true",
                        help="render every sheet in full (without the skeleton cache)")
    args = parser.parse_args()
    SheetRenderer.SKELETONS = not args.no_skeleton
    solution = Solution(load(args.spec), verify=False)
    values, carry = dict(solution.values.items()), solution.carry(solution.problem.digits)
    checks = {"numpy": {"agrees": True, "compared": 41, "tolerance": 1e-9,
                        "largest_relative_difference": 1.1e-16, "worst": "a1[1]",
                        "skipped": []}}

    prepare = best(lambda: SheetRenderer(solution.graph), 5)
    renderer = SheetRenderer(solution.graph)
    tex = best(lambda: renderer.tex(values, carry, checks), args.repeat)
    renderer.tex(values, carry)  # the first sheet of a structure renders its skeleton
    filled = best(lambda: renderer.tex(values, carry), args.repeat)
    carry_tex = best(lambda: renderer.tex(values, carry, checks, rounding="carry"),
                     args.repeat)
    renderer.html(values, carry, checks)
    html = best(lambda: renderer.html(values, carry, checks), 5)
    print(f"{args.spec}: {len(solution.graph)} quantities")
    print(f"prepare renderer (once per graph)   {prepare * 1e3:8.1f} ms")
    print(f"render .tex, exact rounding        {tex * 1e3:8.2f} ms")
    print(f"  the same without checks: skeleton {filled * 1e3:8.2f} ms")
    print(f"render .tex, carried rounding      {carry_tex * 1e3:8.2f} ms")
    print(f"render .html (MathML)              {html * 1e3:8.1f} ms")
    if shutil.which("pdflatex"):
        source = renderer.tex(values, carry, checks)
        with tempfile.TemporaryDirectory() as folder:
            pdf = best(lambda: build_pdf(source, Path(folder) / "sheet.pdf"), 3)
        print(f"build .pdf (pdflatex, 2 runs)      {pdf:8.2f} s")
    else:
        print("build .pdf: pdflatex not installed")


if __name__ == "__main__":
    main()
