"""Prove that every chain-rule gradient node equals the direct derivative of the loss.

Four methods; each gradient reports the one that settled it. Which method a gradient
gets follows from sizes measured on the graph, never from the clock, so the same spec
always gets the same report:

* ``symbolic``: compose the local formulas into the loss L(θ, x, y) and into the
  chain-rule gradient, and show that chain − diff(L, θ) is identically 0: every exp,
  tanh, log and ReLU becomes an independent variable (exp of a sum, a product of
  variables), and the numerator of the resulting rational function expands to 0.
  A deterministic test with no time limit, tried while the estimated cost of the
  gradients so far stays within ``symbolic_seconds`` (an estimate from the composed
  loss's size, measured on a 2-core machine).
* ``composed-at-points``: diff(L, θ) of the composed loss, evaluated exactly at the
  given point and at random rational points, equals the chain-rule node there.
* ``projections-at-points``: for networks whose composed loss is too large to
  differentiate, forward mode along a random direction u of the parameters: the
  derivative of the forward formulas (by ``diff`` of each function, never touching δ)
  gives uᵀ∇L, compared with Σ u_θ · (chain-rule ∂L/∂θ) at the same points. One sweep per
  point, however many parameters (PyTorch's fast gradcheck compares vᵀJu the same way);
  u_θ is a random integer scaled by the chain-rule value's binary exponent, so a gradient
  of 10⁻⁴³⁵ weighs as much as one of 1.
* ``forward-mode-at-points``: where a projection disagrees, the parameters are halved
  and projected again until each disagreeing gradient stands alone; those are reported
  with this method and their own difference (an agreeing half settles its gradients).

Steps after the first are proven with that step's parameters as the variables.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
from sympy import (
    Add,
    Dummy,
    Integer,
    Symbol,
    cancel,
    diff,
    exp,
    expand,
    fraction,
    log,
    tanh,
    together,
)

from .evaluate import EXACT_KIT, Program, _mpf, evaluate, is_exact, python_source
from .functions import leaky_relu, relu
from .gates import sigmoid
from .graph import Graph

AGREE_DIGITS = 40  # values at a point must agree to this many significant digits
RANDOM_POINTS = 3
POINT_SEED = 20261123
SYMBOLIC_SECONDS = 3.0
SYMBOLIC_MAX_TREE = 400  # composed-loss size above which the symbolic test is not tried
# estimated seconds of the symbolic test per gradient: (size / 200)² · 0.2, measured on
# 2 cores (size 48 → 0.03 s, 96 → 0.08 s, 216 → 0.2 s, 798 → 4 s on average)
SYMBOLIC_COST = (200, 0.2)
# composed-loss size × gradients to differentiate. Measured on 2 cores (bench/derive.py):
# the composed method takes 0.13 s for 9 gradients (2-2-1), 0.4 s for 15 and 1.5 s for
# 21, where projections take 0.1 s; beyond the budget, projections.
COMPOSED_BUDGET = 1_000
DIRECTION_BITS = 20  # u_θ = ±[1, 2²⁰] · 2^(−exponent of ∂L/∂θ)


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
    seconds: float = 0.0  # for benchmarks; no report prints it
    seed: int = POINT_SEED

    @property
    def agrees(self) -> bool:
        return all(g.agrees for g in self.gradients)

    def methods(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for g in self.gradients:
            counts[g.method] = counts.get(g.method, 0) + 1
        return counts


def prove(graph: Graph, program: Program, symbolic_seconds: float = SYMBOLIC_SECONDS,
          values=None) -> Proof:
    """``values``: the exact values at the given point, when already computed."""
    started = time.perf_counter()
    tasks = _tasks(graph)
    sizes = _tree_sizes(graph, tasks)
    settled = _symbolic(graph, [t for t in tasks if sizes.get(t.loss, 10**12)
                                <= SYMBOLIC_MAX_TREE], sizes, symbolic_seconds)
    points = _points(graph, program)
    by_name: dict[str, GradientProof] = {}
    for task in tasks:
        if task.grad in settled:
            method = "symbolic"
        elif sizes.get(task.loss, 10**12) * len(tasks) <= COMPOSED_BUDGET:
            method = "composed-at-points"
        else:
            method = "projections-at-points"
        by_name[task.grad] = GradientProof(task.grad, method,
                                           0 if method == "symbolic" else len(points))
    _compare_at_points(graph, program, tasks, by_name, points, values)
    proof = Proof([by_name[t.grad] for t in tasks])
    proof.seconds = time.perf_counter() - started
    return proof


@dataclass(frozen=True)
class _Task:
    grad: str  # chain-rule gradient node
    param: str  # the parameter node it differentiates by (this step's value)
    loss: str  # the loss node of that step
    stop: frozenset[str]  # nodes treated as variables when composing this step
    step: int = 1


def _tasks(graph: Graph) -> list[_Task]:
    tasks = []
    for node in graph.stage("gradient"):
        label = node.label
        if label.example is not None:
            continue  # per-example parts are proven through the batch total
        step = label.step
        param = graph.parameter(label.target, step)
        loss = graph.loss(step)
        stop = frozenset(graph.parameter(e, step) for e in graph.problem.entries()
                         ) if step > 1 else frozenset()
        tasks.append(_Task(node.name, param, loss, stop, step))
    return tasks


def _tree_sizes(graph: Graph, tasks: list[_Task]) -> dict[str, int]:
    """How large each node would be as one expression in the givens (a tree, not a DAG).
    Empty when no step's loss can be small enough for the symbolic or composed method,
    which a count of 1 per node and parent (no count_ops) shows for large graphs."""
    bound: dict[str, int] = {}
    for node in graph:
        bound[node.name] = min(1 + sum(bound[p] for p in node.parents), 10**12)
    smallest = min((bound[t.loss] for t in tasks), default=0)
    if smallest > SYMBOLIC_MAX_TREE and smallest * len(tasks) > COMPOSED_BUDGET:
        return {}
    size: dict[str, int] = {}
    for node in graph:
        if node.formula is None:
            size[node.name] = 1
        elif node.stage in ("forward", "loss", "update"):
            own = node.formula.count_ops() + 1
            size[node.name] = min(own + sum(size[p] for p in node.parents), 10**12)
        else:  # backward and gradient nodes are never composed for the size
            size[node.name] = 10**12
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


# symbolic ----------------------------------------------------------------------------------
def _symbolic(graph: Graph, tasks: list[_Task], sizes: dict, seconds: float) -> set[str]:
    """The gradients whose chain − direct difference is identically 0, tried in order
    while the estimated cost stays within ``seconds``."""
    settled, memo_by_stop, budget = set(), {}, seconds
    scale, unit = SYMBOLIC_COST
    for task in tasks:
        budget -= unit * (sizes[task.loss] / scale) ** 2
        if budget < 0:
            break
        memo = memo_by_stop.setdefault(task.stop, {})
        chain = compose(graph, task.grad, task.stop, memo)
        direct = diff(compose(graph, task.loss, task.stop, memo),
                      graph.nodes[task.param].symbol)
        if identically_zero(chain - direct):
            settled.add(task.grad)
    return settled


def identically_zero(expr) -> bool:
    """Whether ``expr`` is 0 for every value of its symbols, shown algebraically: with
    each e^{c·m} (m a monomial, c an integer) written as (E_m)^c, every other function
    (log, ReLU, …) of a canonical argument as a variable of its own, ``expr`` is a
    rational function whose numerator expands to 0. True proves it (the variables only
    forget relations); False means "not shown"."""
    variables: dict = {}

    def variable(key):
        if key not in variables:
            variables[key] = Dummy()
        return variables[key]

    def walk(e):
        if e.is_Atom:
            return e
        args = [walk(a) for a in e.args]
        if not e.is_Function:
            return e.func(*args)
        if e.func is exp:
            out = Integer(1)
            for term in Add.make_args(expand(args[0])):
                coeff, monomial = term.as_coeff_Mul()
                out *= variable(("exp", monomial)) ** coeff if coeff.is_Integer \
                    else variable(("exp", term))
            return out
        return variable((e.func, tuple(cancel(a) for a in args)))

    numerator, _ = fraction(together(walk(expr.rewrite(exp))))
    return expand(numerator) == 0


# points ------------------------------------------------------------------------------------
def _points(graph: Graph, program: Program) -> list[list]:
    """The given point, then RANDOM_POINTS random rational points (seeded)."""
    problem = graph.problem
    rng = random.Random(POINT_SEED)
    givens = [program.given_values(problem)]
    if graph.kind == "circuit":  # points near the given one, inside every domain
        from .circuit import random_points
        return givens + random_points(graph, program, givens[0], rng, RANDOM_POINTS)
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


def _compare_at_points(graph, program, tasks, by_name, points, given_values) -> None:
    composed = [t for t in tasks if by_name[t.grad].method == "composed-at-points"]
    projected = [t for t in tasks if by_name[t.grad].method == "projections-at-points"]
    if not composed and not projected:
        return
    direct_functions = _compile_composed(graph, program, composed)
    sweep = _Sweep(graph, program) if projected else None
    steps: dict[int, list[_Task]] = {}
    for task in projected:
        steps.setdefault(task.step, []).append(task)
    for k, givens in enumerate(points):
        if k == 0:
            values = given_values or evaluate(program, givens)
        else:  # the random points' values are never shown: an absolute bound will do
            values = evaluate(program, givens, absolute_from=0)
        with mpmath.workdps(values.dps):
            for task in composed:
                function, args = direct_functions[task.grad]
                direct = function(*[values.list[program.index[a]] for a in args])
                _record(by_name[task.grad], values[task.grad], direct, values.dps)
            for step, step_tasks in sorted(steps.items()):
                rng = random.Random(f"{POINT_SEED}:{k}:{step}")
                sweep.settle(values, step_tasks, by_name, rng)


def _record(result: GradientProof, chain, direct, dps: int) -> None:
    chain, direct = _mpf(chain), _mpf(direct)
    gap = abs(chain - direct)
    if gap:  # relative, over a floor at the working precision's last digits
        scale = max(abs(direct), abs(chain), mpmath.mpf(10) ** -(dps - 10))
        result.largest_difference = max(result.largest_difference, float(gap / scale))


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


# forward mode ------------------------------------------------------------------------------
class _Dual:
    """A value and its tangent along the direction being swept."""

    __slots__ = ("v", "t")

    def __init__(self, v, t):
        self.v, self.t = v, t


def _dual_kit() -> dict:
    """The exact kit on (value, tangent) pairs: the sum and product rules, and for each
    function its derivative as SymPy's ``diff`` gives it (tanh′ = 1 − tanh², log′ = 1/z,
    ReLU′ = relu_step), compiled once with the exact kit."""
    kit = EXACT_KIT
    add, mul = kit["add"], kit["mul"]
    z, a, c = Symbol("z"), Symbol("a"), Symbol("c")
    rules = {}
    for name, function, args in (("exp", exp(z), (z,)), ("log", log(z), (z,)),
                                 ("tanh", tanh(z), (z,)), ("sigmoid", sigmoid(z), (z,)),
                                 ("relu", relu(z, c), (z, c)),
                                 ("leaky_relu", leaky_relu(z, a, c), (z, a, c))):
        names = {s: f"p{k}" for k, s in enumerate(args)}
        source = (f"def d({', '.join(names.values())}):\n"
                  f"    return {python_source(diff(function, z), names)}\n")
        namespace = dict(kit)
        exec(compile(source, "<symprop derivative>", "exec"), namespace)  # noqa: S102
        rules[name] = namespace["d"]

    def value(x):
        return x.v if type(x) is _Dual else x

    def d_add(*terms):
        tangents = [t.t for t in terms if type(t) is _Dual]
        total = add(*[value(t) for t in terms])
        return _Dual(total, add(*tangents)) if tangents else total

    def d_mul(*factors):
        plain = [value(f) for f in factors]
        product = mul(*plain)
        tangents = [mul(*plain[:i], *plain[i + 1:], f.t) if len(plain) > 1 else f.t
                    for i, f in enumerate(factors) if type(f) is _Dual]
        return _Dual(product, add(*tangents)) if tangents else product

    def d_pow(base, exponent: int):
        if type(base) is not _Dual:
            return kit["pw"](base, exponent)
        slope = mul(Fraction(exponent), kit["pw"](base.v, exponent - 1)) if exponent != 1 \
            else Fraction(1)
        return _Dual(kit["pw"](base.v, exponent), mul(slope, base.t))

    def unary(name):
        function, derivative = kit[name], rules[name]

        def apply(x, *constants):
            if type(x) is not _Dual:
                return function(x, *constants)
            return _Dual(function(x.v, *constants), mul(derivative(x.v, *constants), x.t))
        return apply

    def flat(name):  # a step (of ReLU, of max's routing, sign): slope 0 where defined
        function = kit[name]
        return lambda *args: function(*[value(a) for a in args])

    def d_abs(x):  # |u|' = sign(u), 0 at 0 (SymPy's sign)
        if type(x) is not _Dual:
            return kit["Abs"](x)
        return _Dual(kit["Abs"](x.v), mul(kit["sign"](x.v), x.t))

    def d_sqrt(x):
        if type(x) is not _Dual:
            return kit["sqrt"](x)
        root = kit["sqrt"](x.v)
        return _Dual(root, mul(Fraction(1, 2), kit["pw"](root, -1), x.t))

    def extreme(name, sense):  # the tangent routes as the gradient does (gates.route)
        def apply(c, *args):
            plain = [value(a) for a in args]
            out = kit[name](c, *plain)
            tangents = [mul(kit["route"](k, c, sense, *plain), a.t)
                        for k, a in enumerate(args) if type(a) is _Dual]
            return _Dual(out, add(*tangents)) if tangents else out
        return apply

    def d_rpw(base, exponent):  # (bᵉ)' = e bᵉ⁻¹ b' + bᵉ ln b · e'
        b, e = value(base), value(exponent)
        out = kit["rpw"](b, e)
        tangents = []
        if type(base) is _Dual:
            tangents.append(mul(e, kit["rpw"](b, add(e, Fraction(-1))), base.t))
        if type(exponent) is _Dual:
            tangents.append(mul(out, kit["log"](b), exponent.t))
        return _Dual(out, add(*tangents)) if tangents else out

    return {"Q": Fraction, "add": d_add, "mul": d_mul, "pw": d_pow,
            "exp": unary("exp"), "log": unary("log"), "tanh": unary("tanh"),
            "relu": unary("relu"), "leaky_relu": unary("leaky_relu"),
            "relu_step": flat("relu_step"), "leaky_relu_step": flat("leaky_relu_step"),
            # computation graphs (symprop.gates)
            "sigmoid": unary("sigmoid"), "Abs": d_abs, "sqrt": d_sqrt, "rpw": d_rpw,
            "maximum": extreme("maximum", 1), "minimum": extreme("minimum", -1),
            "route": flat("route"), "sign": flat("sign")}


class _Sweep:
    """uᵀ∇L by forward mode: the forward formulas of a step run on (value, tangent)
    pairs from the tangents u of that step's parameters; δ is never used."""

    def __init__(self, graph: Graph, program: Program):
        self.graph, self.program = graph, program
        kit = _dual_kit()
        self.nodes: dict[int, list[int]] = {}  # step → forward and loss nodes, in order
        code = []
        for i, node in enumerate(graph):
            if node.stage in ("forward", "loss") and node.formula is not None:
                self.nodes.setdefault(node.label.step, []).append(i)
                args = ", ".join(f"p{k}" for k in range(len(node.parents)))
                code.append(f"def f{i}({args}):\n    return {program.sources[i]}\n")
        namespace = dict(kit)
        exec(compile("".join(code), "<symprop forward mode>", "exec"), namespace)  # noqa: S102
        self.functions = {i: namespace[f"f{i}"] for step in self.nodes.values() for i in step}

    def derivative(self, values, step: int, loss: str, direction: dict[str, object]):
        """The derivative of the step's loss along ``direction`` (parameter node → u_θ)."""
        index, parents, stored = self.program.index, self.program.parents, values.list
        live = {index[name]: _Dual(stored[index[name]], u) for name, u in direction.items()}
        for i in self.nodes.get(step, []):
            args = [live.get(p, stored[p]) for p in parents[i]]
            if any(type(a) is _Dual for a in args):
                out = self.functions[i](*args)
                if type(out) is _Dual:
                    live[i] = out
        out = live.get(index[loss])
        return out.t if out is not None else Fraction(0)

    def settle(self, values, tasks: list[_Task], by_name: dict, rng: random.Random) -> None:
        """Project at one point; where the projection disagrees, halve and project again
        until each disagreeing gradient stands alone (forward-mode-at-points)."""
        directions = {t.grad: _direction(values, t.grad, rng) for t in tasks}
        gap = self._gap(values, tasks, directions)
        if gap <= 10.0 ** -AGREE_DIGITS:
            for task in tasks:
                result = by_name[task.grad]
                result.largest_difference = max(result.largest_difference, gap)
            return
        self._localise(values, tasks, directions, by_name)

    def _localise(self, values, tasks, directions, by_name) -> None:
        gap = self._gap(values, tasks, directions)
        if gap <= 10.0 ** -AGREE_DIGITS or len(tasks) == 1:
            for task in tasks:
                result = by_name[task.grad]
                if gap > 10.0 ** -AGREE_DIGITS:
                    result.method = "forward-mode-at-points"
                result.largest_difference = max(result.largest_difference, gap)
            return
        half = len(tasks) // 2
        self._localise(values, tasks[:half], directions, by_name)
        self._localise(values, tasks[half:], directions, by_name)

    def _gap(self, values, tasks, directions) -> float:
        """|Σ u_θ g_θ − uᵀ∇L| relative to Σ |u_θ g_θ| (with a floor at the working
        precision's last digits)."""
        add, mul = EXACT_KIT["add"], EXACT_KIT["mul"]
        terms = [mul(directions[t.grad], values[t.grad]) for t in tasks]
        chain = add(*terms)
        direct = self.derivative(values, tasks[0].step, tasks[0].loss,
                                 {t.param: directions[t.grad] for t in tasks})
        if is_exact(chain) and is_exact(direct):
            return 0.0 if chain == direct else float("inf")
        gap = abs(_mpf(chain) - _mpf(direct))
        if not gap:
            return 0.0
        scale = mpmath.fsum(abs(_mpf(t)) for t in terms) + \
            mpmath.fsum(abs(_mpf(directions[t.grad])) for t in tasks) * \
            mpmath.mpf(10) ** -(values.dps - 10)
        return float(gap / scale) if scale else float("inf")


def _direction(values, name: str, rng: random.Random):
    """A random integer of DIRECTION_BITS bits with a random sign, scaled by 2^(−e) where
    2^e is about |∂L/∂θ| (exact zeros and values known only absolutely: e = 0)."""
    r = rng.randint(1, 2**DIRECTION_BITS) * rng.choice((-1, 1))
    gradient = values[name]
    if values.precision(name)[0] == "absolute":
        return Fraction(r)
    if is_exact(gradient):
        if not gradient:
            return Fraction(r)
        e = gradient.numerator.bit_length() - gradient.denominator.bit_length()
    else:
        raw = _mpf(gradient)._mpf_
        if not raw[1]:
            return Fraction(r)
        e = raw[2] + raw[3]
    if abs(e) <= 4096:
        return Fraction(r) / Fraction(2) ** e
    return mpmath.ldexp(mpmath.mpf(r), -e)

