"""The network diagram's layout (symprop.sheets.diagram) for every shape with layers of 1 to
4 units and 1 to 3 weight layers (336 shapes), and deep chains, with labels of four
decimals: how much CPU time each layout takes the first time (it is memoised per shape and label
widths), which font and spacing it gets, and which shapes list their biases below the
picture or fall back to an unlabelled diagram. Then what a sheet's diagram costs once the
layout is known (the variants draw one structure many times).

    .venv/bin/python bench/diagram.py [--short]   # --short: labels of one decimal
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from pathlib import Path

from render import best  # bench/render.py: the fastest of N runs

from symprop import render as templates
from symprop.sheets import SheetRenderer, diagram
from symprop.solution import Solution
from symprop.spec import load

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true")
    args = parser.parse_args()
    text = "-0.5" if args.short else "-0.1234"
    weight, bias = diagram.label_ems(text), diagram.label_ems(text, diagram.BIAS_PREFIX)
    shapes = [s for n in (2, 3, 4) for s in itertools.product(range(1, 5), repeat=n)]
    shapes += [(1,) * n for n in range(5, 10)] + [(2,) * 6]
    times, fonts, below, bare = {}, {}, [], []
    for shape in shapes:
        biased = [[False] * shape[0]] + [[True] * n for n in shape[1:]]
        started = time.process_time()
        layout = diagram.layout(shape, biased, weight, bias)
        times[shape] = time.process_time() - started
        fonts[layout.font] = fonts.get(layout.font, 0) + layout.labelled
        if not layout.labelled:
            bare.append(shape)
        elif not layout.beside:
            below.append(shape)
    slowest = sorted(times, key=times.get, reverse=True)[:5]
    print(f"{len(shapes)} shapes, labels like {text}: first layout median "
          f"{statistics.median(times.values()) * 1e3:.1f} ms, total {sum(times.values()):.2f} s")
    print("slowest: " + ", ".join(f"{'-'.join(map(str, s))} {times[s] * 1e3:.0f} ms"
                                  for s in slowest))
    print("labelled at font size: " + ", ".join(f"{f:g} pt: {n}" for f, n in fonts.items()))
    print(f"biases listed below the picture ({len(below)}): "
          + " ".join("-".join(map(str, s)) for s in below))
    print(f"unlabelled, weights in a table ({len(bare)}): "
          + " ".join("-".join(map(str, s)) for s in bare))
    solution = Solution(load(ROOT / "examples" / "textbook-2-2-1.yaml"), verify=False)
    renderer, values = SheetRenderer(solution.graph), dict(solution.values.items())
    network = renderer.network(values)
    template = templates.load("network.tex.j2")
    context = best(lambda: renderer.network(values), 300)
    tikz = best(lambda: templates.fill(template, {"network": network}), 300)
    print(f"seed 004 (2-2-1), the layout known: the diagram's context {context * 1e3:.2f} ms, "
          f"its TikZ {tikz * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
