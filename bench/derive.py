"""Time symprop's derivation against the naive approach, for widths 2–4 and depths 1–6,
and symprop alone on 10-wide networks of 660 and 1,001 parameters.

symprop: build the graph (chain rule with named intermediate quantities), evaluate it
exactly, and prove every gradient (chain rule = direct derivative, see symprop.proof).
naive:   compose the loss into one expression, sympy.diff it for every parameter, and
         substitute the numbers with subs (run in a subprocess under a time limit).

A random computation graph (a ``graph:`` spec) of 200 nodes is solved too, with every
check: the issue's goal is under 2 s on this machine.

    python bench/derive.py [--naive-timeout SECONDS] [--skip-naive] [--graphs-only]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time

NAIVE = r"""
import sys, time
from sympy import Rational, diff
import symprop
from symprop.derive import build
from symprop.proof import compose
problem = symprop.loads(sys.stdin.read())
graph = build(problem)
started = time.perf_counter()
loss = compose(graph, "loss", frozenset(), {})
point = {graph.nodes[n].symbol: Rational(v.numerator, v.denominator)
         for n, v in problem.parameters.items()}
point.update({graph.nodes[f"x[{i + 1}]"].symbol: Rational(v.numerator, v.denominator)
              for i, v in enumerate(problem.data[0].x)})
point.update({graph.nodes[f"y[{i + 1}]"].symbol: Rational(v.numerator, v.denominator)
              for i, v in enumerate(problem.data[0].y)})
for entry in problem.entries():
    diff(loss, graph.nodes[entry].symbol).subs(point).evalf(30)
print(time.perf_counter() - started)
"""


def spec(width: int, depth: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    # `width` inputs, depth − 1 hidden layers of `width` sigmoid units, one sigmoid output:
    # width 4, depth 6 is the 105-parameter goal network
    units = [width] * depth + [1]
    lines = ["layers:", f"  - {{units: {units[0]}}}"]
    lines += [f"  - {{units: {u}, activation: sigmoid}}" for u in units[1:]]
    lines.append("parameters:")
    for l in range(1, len(units)):
        rows = [[f"{rng.randint(-9, 9) / 10}" for _ in range(units[l - 1])]
                for _ in range(units[l])]
        lines.append(f"  W{l}: [{', '.join('[' + ', '.join(r) + ']' for r in rows)}]")
        biases = ", ".join(f"{rng.randint(-9, 9) / 10}" for _ in range(units[l]))
        lines.append(f"  b{l}: [{biases}]")
    x = ", ".join(f"{rng.randint(-9, 9) / 10}" for _ in range(units[0]))
    lines += [f"data: [{{x: [{x}], y: [1]}}]", "loss: half_squared_error", "learning_rate: 0.5"]
    return "\n".join(lines) + "\n"


def symprop_seconds(text: str) -> tuple[int, dict]:
    import symprop
    from symprop.derive import build
    from symprop.evaluate import Program, evaluate
    from symprop.proof import prove

    problem = symprop.loads(text, max_parameters=2_000)
    t0 = time.perf_counter()
    graph = build(problem)
    t1 = time.perf_counter()
    program = Program(graph)
    values = evaluate(program, program.given_values(problem))
    t2 = time.perf_counter()
    result = prove(graph, program, symbolic_seconds=0)
    t3 = time.perf_counter()
    assert result.agrees and values is not None
    return len(problem.entries()), {"derive": t1 - t0, "evaluate": t2 - t1, "prove": t3 - t2,
                                    "methods": result.methods()}


def naive_seconds(text: str, timeout: float) -> float | None:
    try:
        result = subprocess.run([sys.executable, "-c", NAIVE], input=text, text=True,
                                capture_output=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return float(result.stdout.strip())


GATES = ("{a} + {b}", "{a} * {b}", "{a} - {b}", "tanh({a})", "sigmoid({a} - {b})",
         "relu({a}) + {b}", "max({a}, {b})", "0.5 * {a} + {b}", "exp(tanh({a})) * {b}",
         "{a} / (1 + {b} ** 2)")


def graph_spec(nodes: int = 200, inputs: int = 10, seed: int = 1) -> str:
    """A random DAG: each node applies a random gate to the node before it (a) and to a
    random earlier value (b), so values fan out and every node leads to the output."""
    rng = random.Random(seed)
    names = [f"x{i}" for i in range(inputs)]
    lines = ["graph:", "  inputs: {" + ", ".join(
        f"{n}: {rng.randint(-9, 9) / 10 or 0.5}" for n in names) + "}", "  nodes:"]
    for k in range(nodes):
        a, b = names[-1], rng.choice(names)
        lines.append(f'    n{k}: "{rng.choice(GATES).format(a=a, b=b)}"')
        names.append(f"n{k}")
    lines += [f"  output: n{nodes - 1}", "max_at_tie: split"]
    return "\n".join(lines) + "\n"


def graph_seconds(text: str) -> tuple[float, float, float, dict]:
    """(wall seconds, CPU seconds, CPU seconds of the proof, checks) of load + solve; the
    CPU time is what the machine's other work does not change."""
    import symprop

    wall, cpu = time.perf_counter(), time.process_time()
    problem = symprop.loads(text)
    solution = symprop.solve(problem, verify=False)
    proof_cpu = time.process_time()
    solution.verify()
    proof_cpu = time.process_time() - proof_cpu
    return time.perf_counter() - wall, time.process_time() - cpu, proof_cpu, \
        solution.checks_dict()


def graphs() -> None:
    import symprop

    symprop.loads(graph_spec(5))  # imports, once
    print(f"{'graph':>16} {'nodes':>6} {'solve: wall':>12} {'CPU':>8} {'of it checks':>13}")
    for nodes, seed in ((50, 1), (100, 1), (200, 1), (200, 2), (200, 3)):
        wall, cpu, checks_cpu, checks = graph_seconds(graph_spec(nodes, seed=seed))
        methods = ", ".join(f"{n} {m}" for m, n in checks["symbolic"]["methods"].items())
        agrees = all(checks[k]["agrees"] for k in ("symbolic", "numpy", "finite_differences"))
        print(f"{'random, seed ' + str(seed):>16} {nodes:>6} {wall:>11.2f}s {cpu:>7.2f}s "
              f"{checks_cpu:>12.2f}s  {'agrees' if agrees else 'DISAGREES'} ({methods})",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-timeout", type=float, default=60.0)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--graphs-only", action="store_true")
    args = parser.parse_args()
    graphs()
    if args.graphs_only:
        return
    print(f"{'width':>5} {'depth':>5} {'params':>6} {'derive':>8} {'evaluate':>8} "
          f"{'prove':>8} {'total':>8}   {'naive diff+subs':>16}  proof method")
    for width, depths in ((2, range(1, 7)), (3, range(1, 7)), (4, range(1, 7)), (10, (7, 10))):
        naive_gave_up = width == 10  # the 660- and 1,001-parameter networks: symprop only
        for depth in depths:
            text = spec(width, depth)
            params, t = symprop_seconds(text)
            total = t["derive"] + t["evaluate"] + t["prove"]
            if args.skip_naive:
                naive = "skipped"
            elif naive_gave_up:
                naive = f"> {args.naive_timeout:.0f} s (a smaller one timed out)"
            else:
                seconds = naive_seconds(text, args.naive_timeout)
                naive_gave_up = seconds is None
                naive = f"> {args.naive_timeout:.0f} s" if seconds is None else f"{seconds:.3f} s"
            methods = ", ".join(f"{n} {m}" for m, n in t["methods"].items())
            print(f"{width:>5} {depth:>5} {params:>6} {t['derive']:>7.3f}s {t['evaluate']:>7.3f}s "
                  f"{t['prove']:>7.3f}s {total:>7.3f}s   {naive:>16}  {methods}", flush=True)


if __name__ == "__main__":
    main()
