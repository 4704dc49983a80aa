"""Which examples each step of a training run uses: the input of every run, exact or NumPy.

An epoch visits every example once, in minibatches of ``batch_size`` (the last one smaller
when the size does not divide the data). The order is the order written, or with
``shuffle: {seed: S}`` a seeded permutation drawn afresh for every epoch:

    rng = numpy.random.default_rng(S)
    order of epoch e = the e-th rng.permutation(N)      (e = 1, 2, …)

The orders are part of the run's record (JSON), so a run can be repeated anywhere.
This module does not import SymPy.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..spec import Problem


def orders(problem: Problem) -> list[list[int]]:
    """The order of the examples (0-based) in every epoch of the run."""
    run = problem.training
    count = len(problem.data)
    if run.shuffle_seed is None:
        return [list(range(count))] * run.epochs
    rng = np.random.default_rng(run.shuffle_seed)
    return [[int(k) for k in rng.permutation(count)] for _ in range(run.epochs)]


def batches(problem: Problem, order: list[int]) -> list[list[int]]:
    """One epoch's minibatches (0-based example numbers)."""
    size = problem.training.batch_size
    return [order[k:k + size] for k in range(0, len(order), size)]


def steps_per_epoch(problem: Problem) -> int:
    return -(-len(problem.data) // problem.training.batch_size)


def batch_problem(problem: Problem, examples: list[int], steps: int = 1) -> Problem:
    """The problem of one step on the given examples (the run's record removed)."""
    return replace(problem, data=tuple(problem.data[k] for k in examples), steps=steps,
                   training=None)


def first_step(problem: Problem) -> Problem:
    """The first step of a training run, as an ordinary problem: its first minibatch."""
    if problem.training is None:
        return problem
    return batch_problem(problem, batches(problem, orders(problem)[0])[0])


def with_activation(problem: Problem, activation: str) -> Problem:
    """The same problem with ``activation`` on every hidden layer (``compare:``)."""
    layers = tuple(layer if l in (0, problem.depth) else replace(layer, activation=activation)
                   for l, layer in enumerate(problem.layers))
    return replace(problem, layers=layers)
