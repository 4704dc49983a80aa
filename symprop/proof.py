"""Prove that every chain-rule gradient node equals the direct derivative of the loss.

Three methods, strongest first; each gradient reports the one that settled it:

* ``symbolic``: compose the local formulas into the loss L(θ, x, y) and into each
  chain-rule gradient, and show ``simplify(chain − diff(L, θ)) == 0``. Runs in a forked
  child under a time budget, because simplify can take minutes on deep tanh networks.
* ``composed-at-points``: ``diff(L, θ)`` of the composed loss, evaluated exactly at the
  given point and at random rational points, equals the chain-rule node there.
* ``forward-mode-at-points``: for networks whose composed loss is too large to
  differentiate as one expression, the derivative of the composition is built forwards,
  by ``diff`` of each forward formula (tangents dz/dθ), never touching δ, at the same points.

Steps after the first are proven with that step's parameters as the variables.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
from sympy import diff, exp, simplify

from .evaluate import EXACT_KIT, Program, _mpf, evaluate, python_source
from .graph import Graph

AGREE_DIGITS = 40  # values at a point must agree to this many significant digits
RANDOM_POINTS = 3
POINT_SEED = 20261123
SYMBOLIC_SECONDS = 3.0
SYMBOLIC_MAX_TREE = 400  # composed-loss size above which simplify is not attempted
# composed-loss size × gradients to differentiate; measured on 2 cores: 4,536 → 0.8 s,
# 11,880 → 2.8 s, 21,060 → 2.2 s, 61,000 → 72 s. Beyond the budget, forward mode (< 0.6 s).
COMPOSED_BUDGET = 8_000


@dataclass
class GradientProof:
    name: str  # the chain-rule node, e.g. 'grad.W1[1,2]'
    method: str
    points: int = 0  # points compared (0 for symbolic)
    largest_difference: float = 0.0  # relative, over the points

    @property
    def agrees(self) -> bool:
        return self.method == "symbolic" or self.largest_difference <= 10.0 ** -AGREE_DIGITS


@dataclass
class Proof:
    gradients: list[GradientProof] = field(default_factory=list)
    seconds: float = 0.0
    seed: int = POINT_SEED

    @property
    def agrees(self) -> bool:
        return all(g.agrees for g in self.gradients)

    def methods(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for g in self.gradients:
            counts[g.method] = counts.get(g.method, 0) + 1
        return counts


def prove(graph: Graph, program: Program, symbolic_seconds: float = SYMBOLIC_SECONDS) -> Proof:
    started = time.perf_counter()
    proof = Proof()
    tasks = _tasks(graph)
    sizes = _tree_sizes(graph)
    settled: dict[str, str] = {}
    small = [t for t in tasks if sizes[t.loss] <= SYMBOLIC_MAX_TREE]
    if small and symbolic_seconds > 0:
        settled = _symbolic_with_budget(graph, small, symbolic_seconds)
    points = _points(graph, program)
    for task in tasks:
        if task.grad in settled:
            proof.gradients.append(GradientProof(task.grad, "symbolic"))
            continue
        method = ("composed-at-points" if sizes[task.loss] * len(tasks) <= COMPOSED_BUDGET
                  else "forward-mode-at-points")
        proof.gradients.append(GradientProof(task.grad, method, len(points)))
    _compare_at_points(graph, program, tasks, proof, points)
    proof.seconds = time.perf_counter() - started
    return proof


@dataclass(frozen=True)
class _Task:
    grad: str  # chain-rule gradient node
    param: str  # the parameter node it differentiates by (this step's value)
    loss: str  # the loss node of that step
    stop: frozenset[str]  # nodes treated as variables when composing this step


def _tasks(graph: Graph) -> list[_Task]:
    tasks = []
    for node in graph.stage("gradient"):
        label = node.label
        if label.example is not None:
            continue  # per-example parts are proven through the batch total
        step = label.step
        param = graph.resolve(f"step{step}.{label.target}" if step > 1 else label.target)
        loss = f"step{step}.loss" if step > 1 else "loss"
        stop = frozenset(graph.resolve(f"step{step}.{e}") for e in graph.problem.entries()
                         ) if step > 1 else frozenset()
        tasks.append(_Task(node.name, param, loss, stop))
    return tasks


def _tree_sizes(graph: Graph) -> dict[str, int]:
    """How large each node would be as one expression in the givens (a tree, not a DAG)."""
    size: dict[str, int] = {}
    for node in graph:
        if node.formula is None:
            size[node.name] = 1
        else:
            own = node.formula.count_ops() + 1
            size[node.name] = min(own + sum(size[p] for p in node.parents), 10**12)
    return size


def compose(graph: Graph, name: str, stop: frozenset, memo: dict):
    """The node as one expression in the givens (and in ``stop`` nodes)."""
    if name in memo:
        return memo[name]
    node = graph.nodes[name]
    if node.formula is None or name in stop:
        memo[name] = node.symbol
        return node.symbol
    memo[name] = node.formula.xreplace(
        {graph.nodes[p].symbol: compose(graph, p, stop, memo) for p in node.parents})
    return memo[name]


def _symbolic(graph: Graph, tasks: list[_Task], send) -> None:
    memo_by_stop: dict = {}
    for task in tasks:
        memo = memo_by_stop.setdefault(task.stop, {})
        chain = compose(graph, task.grad, task.stop, memo)
        loss = compose(graph, task.loss, task.stop, memo)
        direct = diff(loss, graph.nodes[task.param].symbol)
        if simplify((chain - direct).rewrite(exp)) == 0:
            send(task.grad)


def _symbolic_with_budget(graph, tasks, seconds: float) -> set[str]:
    """Run ``_symbolic`` in a forked child; what it settles within ``seconds`` counts."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return set()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report each settled gradient as a line, then exit at once
        os.close(reader)
        try:
            with os.fdopen(writer, "w", buffering=1) as out:
                _symbolic(graph, tasks, lambda name: out.write(name + "\n"))
        finally:
            os._exit(0)
    os.close(writer)
    settled, buffer = set(), b""
    deadline = time.monotonic() + seconds
    os.set_blocking(reader, False)
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(reader, 65536)
            except BlockingIOError:
                time.sleep(0.005)
                continue
            if not chunk:
                break
            buffer += chunk
    finally:
        os.close(reader)
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    for line in buffer.decode().splitlines():
        settled.add(line)
    return settled


def _points(graph: Graph, program: Program) -> list[list]:
    """The given point, then RANDOM_POINTS random rational points (seeded)."""
    problem = graph.problem
    rng = random.Random(POINT_SEED)
    givens = [program.given_values(problem)]
    probability_targets = problem.loss in ("binary_cross_entropy", "cross_entropy")
    for _ in range(RANDOM_POINTS):
        point = []
        for i in program.givens:
            name = program.names[i]
            kind = graph.nodes[name].label.kind
            if kind in ("lr", "momentum", "beta1", "beta2"):  # rates and decays in (0, 1)
                point.append(Fraction(rng.randint(1, 9), 10))
            elif kind in ("epsilon", "weight_decay") or (kind == "v" and name.startswith(
                    "step0.")):  # positive, as are Adam's ε and second moments
                point.append(Fraction(rng.randint(1, 99), 100))
            elif kind == "y" and probability_targets:
                point.append(Fraction(rng.randint(1, 99), 100))
            else:
                point.append(Fraction(rng.randint(-99, 99), 100) or Fraction(1, 7))
        givens.append(point)
    return givens


def _compare_at_points(graph, program, tasks, proof, points) -> None:
    by_name = {g.name: g for g in proof.gradients}
    pending = [t for t in tasks if by_name[t.grad].method != "symbolic"]
    if not pending:
        return
    composed = [t for t in pending if by_name[t.grad].method == "composed-at-points"]
    forward = [t for t in pending if by_name[t.grad].method == "forward-mode-at-points"]
    direct_functions = _compile_composed(graph, program, composed)
    tangents = _TangentSweep(graph, program) if forward else None
    for givens in points:
        values = evaluate(program, givens)
        with mpmath.workdps(values.dps):
            for task in composed:
                function, args = direct_functions[task.grad]
                direct = function(*[values.list[program.index[a]] for a in args])
                _record(by_name[task.grad], values[task.grad], direct)
            for task in forward:
                direct = tangents.derivative(values, task)
                _record(by_name[task.grad], values[task.grad], direct)


def _record(result: GradientProof, chain, direct) -> None:
    chain, direct = _mpf(chain), _mpf(direct)
    scale = max(abs(direct), abs(chain), mpmath.mpf(10) ** -30)
    gap = float(abs(chain - direct) / scale)
    result.largest_difference = max(result.largest_difference, gap)


def _compile_composed(graph, program, tasks) -> dict:
    """diff(L, θ) of the composed loss, compiled with the evaluation kit."""
    functions, memo_by_stop = {}, {}
    for task in tasks:
        memo = memo_by_stop.setdefault(task.stop, {})
        direct = diff(compose(graph, task.loss, task.stop, memo), graph.nodes[task.param].symbol)
        args = sorted((graph.by_symbol[s] for s in direct.free_symbols), key=program.index.get)
        names = {graph.nodes[a].symbol: f"p{k}" for k, a in enumerate(args)}
        source = f"def f({', '.join(names.values())}):\n    return {python_source(direct, names)}\n"
        namespace = dict(EXACT_KIT)
        exec(compile(source, "<symprop proof>", "exec"), namespace)  # noqa: S102
        functions[task.grad] = (namespace["f"], args)
    return functions


class _TangentSweep:
    """dL/dθ by forward-mode: t_v = Σ_p ∂f_v/∂p · t_p over the forward formulas of a step."""

    def __init__(self, graph: Graph, program: Program):
        self.graph, self.program = graph, program
        self.partials: dict[str, list] = {}
        for node in graph:
            if node.stage not in ("forward", "loss") or node.formula is None:
                continue
            row = []
            for parent in node.parents:
                expr = diff(node.formula, graph.nodes[parent].symbol)
                names = {graph.nodes[p].symbol: f"p{k}" for k, p in enumerate(node.parents)}
                source = (f"def f({', '.join(names.values())}):\n"
                          f"    return {python_source(expr, names)}\n")
                namespace = dict(EXACT_KIT)
                exec(compile(source, "<symprop tangent>", "exec"), namespace)  # noqa: S102
                row.append((parent, namespace["f"]))
            self.partials[node.name] = row

    def derivative(self, values, task: _Task):
        index, graph = self.program.index, self.graph
        step = graph.nodes[task.grad].label.step
        tangent = {task.param: Fraction(1)}
        for name, row in self.partials.items():
            if graph.nodes[name].label.step != step:
                continue
            parents = [values.list[index[p]] for p in graph.nodes[name].parents]
            total = Fraction(0)
            for parent, partial in row:
                t = tangent.get(parent)
                if t:
                    total = EXACT_KIT["add"](total, EXACT_KIT["mul"](partial(*parents), t))
            if total:
                tangent[name] = total
        return tangent.get(task.loss, Fraction(0))
