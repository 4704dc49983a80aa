"""Seconds and peak memory of `symprop solve` on the stress inputs of issue 14.

Each input runs as `python -m symprop.cli solve SPEC --format json` in its own subprocess
(address space capped, so a runaway case cannot take the machine), under a time limit.
Peak memory is the child's own ru_maxrss, read with os.wait4. Seed 004
(examples/textbook-2-2-1.yaml) runs last, as the yardstick for the same machine.

    python bench/stress.py [--timeout SECONDS] [--only SUBSTRING] [--memory-gb GB]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _matrix(rng, rows, cols):
    return "[" + ", ".join("[" + ", ".join(f"{rng.randint(-9, 9) / 10}" for _ in range(cols))
                           + "]" for _ in range(rows)) + "]"


def _vector(rng, n):
    return "[" + ", ".join(f"{rng.randint(-9, 9) / 10}" for _ in range(n)) + "]"


def layered(units, activation="sigmoid", examples=1, loss="half_squared_error",
            steps=1, output=None, seed=1, rate="0.1") -> str:
    """A random fully connected network: `units` per layer, inputs first."""
    rng = random.Random(seed)
    output = output or activation
    lines = ["layers:", f"  - {{units: {units[0]}}}"]
    lines += [f"  - {{units: {u}, activation: {activation if l < len(units) - 1 else output}}}"
              for l, u in enumerate(units[1:], 1)]
    lines.append("parameters:")
    for l in range(1, len(units)):
        lines.append(f"  W{l}: {_matrix(rng, units[l], units[l - 1])}")
        lines.append(f"  b{l}: {_vector(rng, units[l])}")
    lines.append("data:")
    for n in range(examples):
        if loss == "cross_entropy":
            y = [0] * units[-1]
            y[n % units[-1]] = 1
            target = "[" + ", ".join(map(str, y)) + "]"
        else:
            target = "[" + ", ".join(str(rng.randint(0, 1)) for _ in range(units[-1])) + "]"
        lines.append(f"  - {{x: {_vector(rng, units[0])}, y: {target}}}")
    lines += [f"loss: {loss}", f"learning_rate: {rate}", f"steps: {steps}"]
    return "\n".join(lines) + "\n"


def one_unit(weight: str, activation="sigmoid", y="1", loss="half_squared_error",
             bias="0") -> str:
    return (f"layers: [{{units: 1}}, {{units: 1, activation: {activation}}}]\n"
            f"parameters: {{W1: {weight}, b1: {bias}}}\n"
            f"data: [{{x: 1, y: {y}}}]\nloss: {loss}\nlearning_rate: 0.1\n")


def identity_chain(steps: int) -> str:
    return ("layers: [{units: 1}, {units: 1, activation: identity}, "
            "{units: 1, activation: identity}]\n"
            "parameters: {W1: 0.3, b1: 0.1, W2: 0.7, b2: 0.05}\n"
            "data: [{x: 1, y: 1}]\nloss: half_squared_error\n"
            f"learning_rate: 0.1\nsteps: {steps}\n")


def seed000(steps: int) -> str:
    text = (ROOT / "examples" / "seed-000-relu-chain.yaml").read_text()
    return text + f"learning_rate: 0.01\nsteps: {steps}\n"


def softmax_1_2(weight: str, y: str) -> str:
    return ("layers: [{units: 1}, {units: 2, activation: softmax}]\n"
            f"parameters: {{W1: [[{weight}], [-{weight}]], b1: [0, 0]}}\n"
            f"data: [{{x: 1, y: {y}}}]\nloss: cross_entropy\nlearning_rate: 0.1\n")


CASES = [
    ("1. identity 1-1-1, 8 steps", lambda: identity_chain(8)),
    ("1. identity 1-1-1, 10 steps", lambda: identity_chain(10)),
    ("1. identity 1-1-1, 12 steps", lambda: identity_chain(12)),
    ("1. identity 1-1-1, 50 steps", lambda: identity_chain(50)),
    ("1. seed 000, lr 0.01, 12 steps", lambda: seed000(12)),
    ("1. seed 000, lr 0.01, 50 steps", lambda: seed000(50)),
    ("2. sigmoid unit, W1 = 200", lambda: one_unit("200")),
    ("2. sigmoid unit, W1 = 1000", lambda: one_unit("1000")),
    ("3. sigmoid unit, W1 = -1e10", lambda: one_unit("-1e10")),
    ("3. sigmoid unit, W1 = -1e12", lambda: one_unit("-1e12")),
    ("4. 2-2-1 sigmoid, 400 examples", lambda: layered([2, 2, 1], examples=400)),
    ("4. 2-2-1 sigmoid, 1,000 examples", lambda: layered([2, 2, 1], examples=1000)),
    ("4. softmax, 50 outputs", lambda: layered([2, 50], output="softmax",
                                               loss="cross_entropy")),
    ("4. softmax, 100 outputs", lambda: layered([2, 100], output="softmax",
                                                loss="cross_entropy")),
    ("4. 747-2-1 sigmoid", lambda: layered([747, 2, 1])),
    ("4. 5 units x 50 layers, sigmoid", lambda: layered([5] * 50 + [1])),
    ("4. 1,471 parameters (40-35-1), 50 steps", lambda: layered([40, 35, 1], steps=50,
                                                                rate="0.01")),
    ("5. 10 wide 6 deep sigmoid (660 parameters)", lambda: layered([10] * 7)),
    ("5. 10 wide 9 deep sigmoid + 1 output (1,001 parameters)",
     lambda: layered([10] * 10 + [1])),
    ("7. sigmoid BCE saturated, W1 = 20, y = 0", lambda: one_unit(
        "20", y="0", loss="binary_cross_entropy")),
    ("7. sigmoid BCE saturated, W1 = 700, y = 0", lambda: one_unit(
        "700", y="0", loss="binary_cross_entropy")),
    ("7. sigmoid BCE, W1 = 1e6, y = 0", lambda: one_unit(
        "1e6", y="0", loss="binary_cross_entropy")),
    ("7. softmax 1->2, W1 = +-750, y = [0, 1]", lambda: softmax_1_2("750", "[0, 1]")),
    ("7. softmax 1->2, W1 = +-750, y = [1, 0]", lambda: softmax_1_2("750", "[1, 0]")),
    ("6. mazur-2-2-2", lambda: (ROOT / "examples" / "mazur-2-2-2.yaml").read_text()),
    ("seed 004: textbook-2-2-1", lambda: (ROOT / "examples" / "textbook-2-2-1.yaml"
                                          ).read_text()),
]


def run(text: str, timeout: float, memory_gb: float) -> tuple[str, float, float, str]:
    """(outcome, seconds, peak MB, first line of stderr) of one `symprop solve`."""
    limit = int(memory_gb * 2**30)

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "spec.yaml"
        spec.write_text(text)
        err = Path(folder) / "stderr"
        with err.open("w") as stderr:
            started = time.perf_counter()
            child = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "symprop.cli", "solve", str(spec), "--format", "json"],
                stdout=subprocess.DEVNULL, stderr=stderr, preexec_fn=cap, start_new_session=True)
            deadline = started + timeout
            while True:
                pid, status, usage = os.wait4(child.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    os.killpg(child.pid, signal.SIGKILL)
                    pid, status, usage = os.wait4(child.pid, 0)
                    break
                time.sleep(0.02)
            seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        message = (err.read_text().strip().splitlines() or [""])[0]
    if seconds > timeout:
        outcome = f"> {timeout:.0f} s"
    else:
        outcome = f"exit {child.returncode}"
    return outcome, seconds, usage.ru_maxrss / 1024, message


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--only", default="", help="run the cases whose title contains this")
    parser.add_argument("--memory-gb", type=float, default=6.0,
                        help="address-space cap per case (a MemoryError beyond it)")
    args = parser.parse_args()
    print(f"{'case':<58} {'outcome':>9} {'seconds':>8} {'peak MB':>8}  message")
    for title, make in CASES:
        if args.only not in title:
            continue
        outcome, seconds, peak, message = run(make(), args.timeout, args.memory_gb)
        shown = min(seconds, args.timeout)
        print(f"{title:<58} {outcome:>9} {shown:>8.2f} {peak:>8.0f}  {message[:110]}",
              flush=True)


if __name__ == "__main__":
    main()
