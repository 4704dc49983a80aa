"""Time a training run of 10,000 steps of a 2-4-4-1 network (tanh, tanh, sigmoid; XOR,
binary cross-entropy): deriving the graph of one step once, one walk of the whole run at
the kept precision, the verified run (the same walk at two precisions, compared value by
value), and the float64 NumPy reference for comparison.

    python bench/training.py [--steps N] [--batch B] [--optimizer sgd|momentum|adam]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from fractions import Fraction

from symprop.spec import ADAM, MOMENTUM, Optimizer, Training, loads
from symprop.training.reference import train as float64_run
from symprop.training.run import START_BITS, Trainer, train

SPEC = """
name: XOR 2-4-4-1
layers: [{units: 2}, {units: 4, activation: tanh}, {units: 4, activation: tanh},
         {units: 1, activation: sigmoid}]
parameters:
  W1: [[0.5, -0.4], [0.3, 0.8], [-0.6, 0.2], [0.7, -0.1]]
  b1: [0, 0.1, -0.1, 0.05]
  W2: [[0.2, -0.3, 0.4, 0.1], [-0.5, 0.6, 0.1, -0.2], [0.3, 0.2, -0.4, 0.5],
       [0.1, -0.1, 0.2, 0.3]]
  b2: [0, 0, 0.1, -0.1]
  W3: [[0.6, -0.7, 0.5, 0.4]]
  b3: [0]
data:
  - {x: [0, 0], y: 0}
  - {x: [0, 1], y: 1}
  - {x: [1, 0], y: 1}
  - {x: [1, 1], y: 0}
loss: binary_cross_entropy
learning_rate: 0.1
epochs: 1
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=4, help="examples per step (1 to 4)")
    parser.add_argument("--optimizer", choices=("sgd", "momentum", "adam"), default="sgd")
    args = parser.parse_args()
    problem = loads(SPEC, "xor-2-4-4-1")
    per_epoch = -(-4 // args.batch)
    optimizer = {"sgd": Optimizer(), "momentum": Optimizer("momentum", momentum=MOMENTUM),
                 "adam": Optimizer("adam", **ADAM)}[args.optimizer]
    problem = replace(problem, optimizer=optimizer, learning_rate=Fraction(1, 10),
                      training=Training(args.steps // per_epoch, args.batch, 1))
    steps = problem.training.epochs * per_epoch
    print(f"2-4-4-1 network, {len(problem.entries())} parameters, {steps:,} steps of "
          f"{args.batch} example(s), {args.optimizer}")

    started = time.perf_counter()
    trainer = Trainer(problem)
    derive = time.perf_counter() - started
    print(f"  derive the step graph once          {derive:8.2f} s")

    started = time.perf_counter()
    trainer.run(START_BITS)
    walk = time.perf_counter() - started
    print(f"  one walk of the run ({START_BITS} bits)      {walk:8.2f} s"
          f"   ({walk / steps * 1e6:,.0f} µs per step)")

    started = time.perf_counter()
    run = train(problem, trainer)
    verified = time.perf_counter() - started
    print(f"  verified run (two precisions)       {verified:8.2f} s"
          f"   (agree to {run.digits} digits at {run.check_bits} and {run.bits} bits)")

    started = time.perf_counter()
    record = float64_run(problem)
    numpy = time.perf_counter() - started
    print(f"  float64 NumPy reference             {numpy:8.2f} s")
    last = f"epoch{problem.training.epochs}.loss"
    print(f"  loss after the run                  {float(run.values[last]):.6f} "
          f"(float64: {record.values[last]:.6f})")


if __name__ == "__main__":
    main()
