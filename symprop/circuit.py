"""The expression builder: a computation graph (a ``graph:`` spec) becomes the same graph
of named quantities as a layered network. It is the layered builder's sibling
(symprop.derive); nothing in it is special to any one circuit.

    x, y, …        inputs (givens)
    q = F(…)       each node, its formula in inputs and nodes above it   (forward)
    local.q.p      ∂q/∂p on the edge from p into q, by the derivative rules of each
                   operation of q's formula, written in q's own value where the derivative
                   contains it (tanh: 1 − q², σ: q(1 − q), eᵘ: q)                 (backward)
    grad.f = 1     for the output f
    grad.p         Σ over the uses of p:  grad.q · local.q.p  (upstream × local; a value
                   used twice gets the sum: fan-out adds)          (backward; gradient for
                   inputs)
    next.x         x − η grad.x for each updated input (``parameters:``)          (update)
    next.q         the forward pass with the updated inputs                        (after)
    nudge<k>.q     the values after nudge k (symprop.nudges)                       (nudge)

A node that does not lead to the output gets no backward nodes; an input that does not
lead to it has gradient 0. ``loss`` is another name for the output (and ``next.loss`` for
it after the step), so commands that ask for the loss work on graphs too.
"""

from __future__ import annotations

from sympy import Abs, Integer, Rational, Symbol, exp, log, sign, sqrt, tanh

from . import expressions
from .functions import relu, relu_step
from .gates import maximum, minimum, route, sigmoid
from .graph import Graph, Label
from .nudges import add_nudges

# the gate pattern of a node whose formula is one operation on names (and numbers)
GATES = ("add", "subtract", "multiply", "scale", "negate", "divide", "reciprocal", "power",
         "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "max", "min", "compound")


class CircuitGraph(Graph):
    """A computation graph's nodes, with the queries its views plan with."""

    kind = "circuit"

    def __init__(self, problem):
        super().__init__(problem)
        self.inputs: list[str] = []  # in the order written
        self.forward: list[str] = []  # the nodes, in the order written
        self.output: str = problem.output
        self.live: set[str] = set()  # nodes the output depends on (and the output)
        self._uses: dict[str, list[str]] = {}
        self._operands: dict[str, list[str]] = {}
        self._locals: dict[tuple[str, str], str] = {}
        self._gates: dict[str, str] = {}
        self._after: dict[str, str] = {}

    # queries ----------------------------------------------------------------------------
    @property
    def examples(self) -> list:
        return [None]

    @property
    def steps(self) -> range:
        return range(1, 2)

    @property
    def layers(self) -> range:
        return range(1, 1)

    @property
    def depth(self) -> int:
        return 0

    def loss(self, step: int = 1, *, example=None, after: bool = False) -> str | None:
        """The output (after the step: its value then, or None without a step)."""
        if after:
            stepped = self.problem.learning_rate is not None
            return self._after.get(self.output, self.output) if stepped else None
        return self.output

    def operands(self, node: str) -> list[str]:
        """The inputs and nodes that ``node``'s formula uses, in the order of first use."""
        return self._operands[node]

    def uses(self, name: str) -> list[str]:
        """The nodes (on the way to the output) that use ``name``: more than one is a
        fan-out, and the gradients along the uses add."""
        return self._uses.get(name, [])

    def local(self, node: str, operand: str) -> str | None:
        """local.node.operand = ∂node/∂operand, or None (not on the way to the output)."""
        return self._locals.get((node, operand))

    def gate(self, node: str) -> str:
        """The gate pattern of a node (one of GATES)."""
        return self._gates[node]

    def after(self, name: str) -> str:
        """A value after the gradient step (next.q), or the value itself if unchanged."""
        return self._after.get(name, name)

    def formula_of(self, node: str):
        """The node as written (symprop.circuit_spec.Formula)."""
        return self.problem.formula(node)


def gate_of(tree) -> str:
    """The gate pattern of a formula as written: add, multiply, max, … or compound."""
    kind = tree[0]

    def leaf(node):  # a name or a number (−1 included)
        return node[0] in ("name", "num") or (node[0] == "neg" and node[1][0] == "num")

    def named(node):
        return node[0] == "name"

    if kind in ("add", "sub"):
        terms, signs, stack = [], [], [(tree, 1)]
        while stack:
            node, sign = stack.pop()
            if node[0] in ("add", "sub"):
                stack.append((node[1], sign))
                stack.append((node[2], sign if node[0] == "add" else -sign))
            elif leaf(node):
                terms.append(node)
                signs.append(sign)
            else:
                return "compound"
        names = [t[1] for t in terms if named(t)]
        if not names or len(set(names)) != len(names):
            return "compound"
        negative = any(s < 0 for t, s in zip(terms, signs, strict=True) if named(t))
        return "subtract" if negative else "add"
    if kind == "mul" and leaf(tree[1]) and leaf(tree[2]):
        if named(tree[1]) and named(tree[2]):
            return "multiply" if tree[1] != tree[2] else "compound"
        return "scale" if named(tree[1]) or named(tree[2]) else "compound"
    if kind == "neg" and named(tree[1]):
        return "negate"
    if kind == "div" and leaf(tree[1]) and named(tree[2]):
        if tree[1] == ("num", 1):
            return "reciprocal"
        return "divide" if tree[1] != tree[2] else "compound"
    if kind == "div" and named(tree[1]) and tree[2][0] == "num":
        return "scale"
    if kind == "pow" and named(tree[1]) and type(tree[2]) is not tuple:
        return "power"
    if kind == "call" and all(named(a) for a in tree[2:]):
        if len(set(tree[2:])) == len(tree[2:]):
            return tree[1]
    return "compound"


def formula(tree, symbols: dict, relu0, tie: int, own=None, operands=()):
    """The SymPy formula of a parsed tree (``symbols``: name → Symbol), built from the tree
    only, never from text; with ``operands``, also its local gradients {name: ∂/∂name} by
    the rules of each operation (d(uv) = v du + u dv, d eᵘ = eᵘ du, …), written with the
    node's own value ``own`` where the outermost operation's derivative contains it (tanh:
    1 − q², σ: q(1 − q), eᵘ: q, √u: 1/(2q)). SymPy's ``diff`` is not used here: the proof
    differentiates the composed output with it, and compares."""
    wanted = set(operands)

    def scale(partials: dict, factor) -> dict:
        return {name: factor * d for name, d in partials.items()}

    def merge(*parts: dict) -> dict:
        out: dict = {}
        for part in parts:
            for name, d in part.items():
                out[name] = out[name] + d if name in out else d
        return out

    def go(node, top: bool):
        """(value, {operand: ∂value/∂operand})."""
        kind = node[0]
        if kind == "num":
            return Rational(node[1].numerator, node[1].denominator), {}
        if kind == "name":
            return symbols[node[1]], ({node[1]: Integer(1)} if node[1] in wanted else {})
        if kind == "neg":
            value, d = go(node[1], False)
            return -value, scale(d, Integer(-1))
        if kind in ("add", "sub", "mul", "div"):
            (a, da), (b, db) = go(node[1], False), go(node[2], False)
            if kind == "add":
                return a + b, merge(da, db)
            if kind == "sub":
                return a - b, merge(da, scale(db, Integer(-1)))
            if kind == "mul":  # d(ab) = b da + a db
                return a * b, merge(scale(da, b), scale(db, a))
            return a / b, merge(scale(da, 1 / b), scale(db, -a / b**2))
        if kind == "pow":
            base, db = go(node[1], False)
            if type(node[2]) is tuple:  # d(aᵉ) = e aᵉ⁻¹ da + aᵉ ln a de
                power, de = go(node[2], False)
                value = base ** power
                mine = own if top else value
                return value, merge(scale(db, power * base ** (power - 1)),
                                    scale(de, mine * log(base)))
            power = Integer(node[2]) if type(node[2]) is int else \
                Rational(node[2].numerator, node[2].denominator)
            return base ** power, scale(db, power * base ** (power - 1))
        arguments = [go(argument, False) for argument in node[2:]]
        function = node[1]
        if function in ("max", "min"):
            sense = 1 if function == "max" else -1
            values = [value for value, _ in arguments]
            result = (maximum if sense > 0 else minimum)(Integer(tie), *values)
            return result, merge(*(scale(d, route(Integer(k), Integer(tie), Integer(sense),
                                                  *values))
                                   for k, (_, d) in enumerate(arguments)))
        (u, du), = arguments
        value = {"exp": exp, "log": log, "sqrt": sqrt, "tanh": tanh, "sigmoid": sigmoid,
                 "abs": Abs, "relu": lambda v: relu(v, relu0)}[function](u)
        if not du:
            return value, {}
        mine = own if top and own is not None else value
        slope = {"exp": lambda: mine, "log": lambda: 1 / u, "sqrt": lambda: 1 / (2 * mine),
                 "tanh": lambda: 1 - mine**2, "sigmoid": lambda: mine * (1 - mine),
                 "abs": lambda: sign(u), "relu": lambda: relu_step(u, relu0)}[function]()
        return value, scale(du, slope)

    value, partials = go(tree, True)
    return (value, partials) if operands else value


def build(problem) -> CircuitGraph:
    """The complete graph of a computation graph ``problem`` (a CircuitProblem)."""
    from .gates import TIES

    graph = CircuitGraph(problem)
    symbols: dict[str, Symbol] = {}
    for name in problem.inputs:
        symbols[name] = graph.add(Label("input", target=name), "given").symbol
        graph.inputs.append(name)
    if problem.learning_rate is not None:
        graph.add(Label("lr"), "given")
    relu0 = Rational(problem.relu_derivative_at_zero.numerator,
                     problem.relu_derivative_at_zero.denominator)
    tie = TIES.index(problem.max_at_tie)
    partials = {}
    for node in problem.nodes:
        own = Symbol(node.name, real=True)  # the name Graph.add gives the node's symbol
        names = expressions.names_in(node.tree)
        value, partials[node.name] = formula(node.tree, symbols, relu0, tie, own, names)
        symbols[node.name] = graph.add(Label("node", target=node.name), "forward",
                                       value).symbol
        assert symbols[node.name] == own
        graph.forward.append(node.name)
        graph._gates[node.name] = gate_of(node.tree)
        graph._operands[node.name] = [n for n in names if symbols[n] in value.free_symbols]
    _live(graph)
    _backward(graph, partials)
    if problem.learning_rate is not None:
        _step(graph, symbols)
    add_nudges(graph, problem.nudges, forward=("forward",))
    _aliases(graph)
    return graph


def _live(graph: CircuitGraph) -> None:
    """The nodes the output depends on, and each value's uses among them."""
    live, stack = {graph.output}, [graph.output]
    while stack:
        for operand in graph.operands(stack.pop()):
            if operand in graph._operands and operand not in live:
                live.add(operand)
                stack.append(operand)
    graph.live = live
    for node in graph.forward:
        if node in live:
            for operand in graph.operands(node):
                graph._uses.setdefault(operand, []).append(node)


def _backward(graph: CircuitGraph, partials: dict) -> None:
    """grad.q = Σ_uses grad.c · local.c.q, from the output back to the inputs."""
    grads: dict[str, Symbol] = {}

    def gradient(name: str, stage: str):
        terms = [grads[c] * graph.nodes[graph._locals[(c, name)]].symbol
                 for c in graph.uses(name)]
        value = Integer(1) if name == graph.output else sum(terms, Integer(0))
        grads[name] = graph.add(Label("grad", target=name), stage, value).symbol

    for node in reversed(graph.forward):
        if node not in graph.live:
            continue
        gradient(node, "backward")
        for operand in graph.operands(node):
            graph._locals[(node, operand)] = graph.add(
                Label("local", target=f"{node}.{operand}"), "backward",
                partials[node][operand]).name
    for name in graph.inputs:
        gradient(name, "gradient")


def _step(graph: CircuitGraph, symbols: dict) -> None:
    """next.x = x − η ∂f/∂x for the updated inputs, then the forward pass again."""
    problem, rate = graph.problem, graph.nodes["lr"].symbol
    changed = {}
    for name in problem.updated:
        grad = graph.nodes[graph.gradient(name)].symbol
        new = graph.add(Label("next", target=name), "update", symbols[name] - rate * grad)
        changed[symbols[name]] = new.symbol
        graph._after[name] = new.name
    for name in graph.forward:
        node = graph.nodes[name]
        if any(graph.nodes[p].symbol in changed for p in node.parents):
            new = graph.add(Label("node", target=name, after=True), "after",
                            node.formula.xreplace(changed))
            changed[node.symbol] = new.symbol
            graph._after[name] = new.name


def _aliases(graph: CircuitGraph) -> None:
    graph.alias("loss", graph.output)
    if graph._after:
        graph.alias("next.loss", graph.after(graph.output))
        for name in (*graph.inputs, *graph.forward):
            if name not in graph._after:
                graph.alias(f"next.{name}", name)


def random_points(graph: CircuitGraph, program, given: list, rng, count: int) -> list[list]:
    """``count`` points near the given one for the proof (each input moved by up to 10 %
    and by up to 0.009), kept only where every value is defined (log, √ and division have
    domains that random points far away would leave)."""
    from fractions import Fraction

    from .circuit_spec import values_at

    problem, points = graph.problem, []
    for _ in range(8 * count):
        point = list(given)
        for k, i in enumerate(program.givens):
            if graph.nodes[program.names[i]].label.kind == "lr":
                point[k] = Fraction(rng.randint(1, 9), 10)
            else:
                point[k] = given[k] * Fraction(100 + rng.randint(-10, 10), 100) + \
                    Fraction(rng.randint(-9, 9), 1000)
        inputs = {program.names[i]: point[k] for k, i in enumerate(program.givens)
                  if program.names[i] in problem.inputs}
        try:
            values_at(problem, inputs)
        except ArithmeticError:
            continue
        points.append(point)
        if len(points) == count:
            break
    return points


def transcendental(problem) -> tuple[str, str] | None:
    """(node, function) of the first exp, log, tanh or sigmoid the graph uses, if any."""
    for node in problem.nodes:
        stack = [node.tree]
        while stack:
            tree = stack.pop()
            if tree[0] == "call" and tree[1] in ("exp", "log", "tanh", "sigmoid"):
                return node.name, tree[1]
            stack.extend(expressions.children(tree))
    return None


def kink_tests(graph: CircuitGraph, program) -> list:
    """(node index, test) for each forward node with a kink: the test tells, from every
    node's value, whether ReLU's argument is 0, max or min is at a tie, or |u| is at 0
    (where the derivative is a convention, which variants avoid)."""
    from sympy import Abs as AbsClass

    from .evaluate import EXACT_KIT, python_source
    from .functions import relu as relu_class

    out = []
    for name in graph.forward:
        node = graph.nodes[name]
        arguments = [f.args[0] for f in node.formula.atoms(relu_class, AbsClass)]
        extremes = list(node.formula.atoms(maximum, minimum))
        if not arguments and not extremes:
            continue
        names = {graph.nodes[p].symbol: f"values[{program.index[p]}]" for p in node.parents}
        zero = [python_source(a, names) for a in arguments]
        tied = [(type(e).__name__, [python_source(a, names) for a in e.args[1:]])
                for e in extremes]
        source = "def test(values):\n"
        for text in zero:
            source += f"    if {text} == 0:\n        return True\n"
        for function, args in tied:
            source += (f"    _best = {function}(Q(0, 1), {', '.join(args)})\n"
                       f"    if sum(1 for _a in ({', '.join(args)},) if _a == _best) > 1:\n"
                       f"        return True\n")
        source += "    return False\n"
        namespace = dict(EXACT_KIT)
        exec(compile(source, "<symprop kinks>", "exec"), namespace)  # noqa: S102
        out.append((program.index[name], namespace["test"]))
    return out
