"""The derivation graph: named quantities, each with a symbol and a local formula.

A node's formula is one chain-rule link: a short SymPy expression in the symbols of its
parent nodes. Givens (inputs, targets, parameters, the learning rate) have no formula.
Nodes are stored in topological order, so a walk in insertion order is an evaluation.

Canonical names (1-based):  [step<k>.][next.][ex<n>.]<body>
    x[i] y[k] W<l>[i,j] b<l>[i] lr                        givens
    z<l>[i] a<l>[i] yhat[k] loss                           forward pass and loss
    grad.yhat[k] dact<l>[i] delta<l>[i] grad.a<l>[i]       backward pass
    grad.W<l>[i,j] grad.b<l>[i]                            gradients
    next.W<l>[i,j]                                         parameters after the step
    next.z<l>[i] … next.loss                               forward pass after the step
    nudge<k>.W1[1,1] nudge<k>.z1[1] … nudge<k>.loss        nudge k (``nudges:``) and the
    nudge<k>.slope                                         values it changes; Δloss / Δ
    weight_decay penalty                                   L2: λ, and (λ/2) Σ W² in the loss
    momentum velocity.W<l>[i,j]                            momentum: μ and v ← μv + ∂L/∂θ
    beta1 beta2 epsilon m.… v.… correction.m               Adam: β₁, β₂, ε, the moments,
      correction.v mhat.… vhat.…                             1 − β₁ᵗ, 1 − β₂ᵗ, m̂ and v̂
    step0.velocity.W1[1,1] step0.m.… step0.v.…             an optimiser's state before step 1

A computation graph (a ``graph:`` spec, symprop.circuit) names its quantities by the
names it was written with: inputs and nodes x, q, f; grad.q (∂f/∂q); local.f.q (∂f/∂q
along one edge); next.x; nudge<k>.q.

Views never rebuild names: they ask the graph (``vector``, ``loss``, ``gradient``,
``parameter``, ``parents``, …), so a sheet can be planned for any graph a builder makes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Symbol

STAGES = ("given", "forward", "loss", "backward", "gradient", "update", "after", "nudge")
HYPERPARAMETERS = ("momentum", "beta1", "beta2", "epsilon", "weight_decay")
STATES = ("velocity", "m", "v", "mhat", "vhat")  # an optimiser's per-parameter quantities


@dataclass(frozen=True)
class Label:
    """The structured identity of a node; ``str(label)`` is its canonical name."""

    kind: str  # x y W b lr z a yhat loss grad_yhat dact delta grad_a grad next slope,
    # HYPERPARAMETERS, STATES, correction (target 'm' or 'v') and penalty; computation
    # graphs: input node local (and grad, next with a graph name as target)
    layer: int | None = None
    index: tuple[int, ...] = ()
    example: int | None = None  # set only when the batch has several examples
    step: int = 1  # 0 for an optimiser's state before the first step
    after: bool = False  # a forward quantity after this step's update
    target: str = ""  # for grad, next and STATES: the parameter entry, e.g. 'W1[1,2]'; for
    # a computation graph the name (input, node, next, grad) or 'node.input' (local)
    nudge: int = 0  # k ≥ 1: the value after nudge k (``nudges:``)

    def body(self) -> str:
        idx = ",".join(map(str, self.index))
        layer = "" if self.layer is None else str(self.layer)
        match self.kind:
            case "lr" | "loss" | "slope" | "penalty":
                return self.kind
            case "grad" | "next" | "local" | "correction":
                return f"{self.kind}.{self.target}"
            case "input" | "node":
                return self.target
            case kind if kind in HYPERPARAMETERS:
                return kind
            case kind if kind in STATES:
                return f"{kind}.{self.target}"
            case "grad_yhat":
                return f"grad.yhat[{idx}]"
            case "grad_a":
                return f"grad.a{layer}[{idx}]"
            case _:
                return f"{self.kind}{layer}[{idx}]"

    def __str__(self) -> str:
        prefix = f"nudge{self.nudge}." if self.nudge else ""
        prefix += f"step{self.step}." if self.step != 1 else ""
        if self.after:
            prefix += "next."
        if self.example is not None:
            prefix += f"ex{self.example}."
        return prefix + self.body()


@dataclass(frozen=True)
class Node:
    name: str
    label: Label
    symbol: Symbol
    stage: str
    formula: Expr | None = None  # in the symbols of ``parents``
    parents: tuple[str, ...] = ()


class Graph:
    """Nodes in topological order, with lookup by name or symbol, name aliases, and the
    queries every view plans with."""

    kind = "layers"  # symprop.circuit.CircuitGraph: "circuit"

    def __init__(self, problem):
        self.problem = problem
        self.nodes: dict[str, Node] = {}
        self.by_symbol: dict[Symbol, str] = {}
        self.aliases: dict[str, str] = {}
        self.positions: dict[str, int] = {}  # name → place in topological order
        # (kind, layer, example, step, after) → {index: name}; (kind, target, example,
        # step) → name for gradients and updates; (kind, layer) → entries per family
        self._families: dict[tuple, dict[tuple, str]] = {}
        self._targets: dict[tuple, str] = {}
        self._sizes: dict[tuple, int] = {}
        self._nudged: dict[int, dict[str, str]] = {}  # k → {name: its value after nudge k}

    def add(self, label: Label, stage: str, formula: Expr | None = None) -> Node:
        name = str(label)
        if name in self.nodes:
            raise ValueError(f"duplicate node {name}")
        symbol = Symbol(name, real=True)
        parents = ()
        if formula is not None:
            parents = tuple(sorted((self.by_symbol[s] for s in formula.free_symbols),
                                   key=self.positions.__getitem__))
        node = Node(name, label, symbol, stage, formula, parents)
        self.positions[name] = len(self.nodes)
        self.nodes[name] = node
        self.by_symbol[symbol] = name
        if label.nudge:
            from dataclasses import replace
            self._nudged.setdefault(label.nudge, {})[str(replace(label, nudge=0))] = name
        elif label.target:
            self._targets[(label.kind, label.target, label.example, label.step)] = name
        else:
            key = (label.kind, label.layer, label.example, label.step, label.after)
            family = self._families.setdefault(key, {})
            family[label.index] = name
            size = (label.kind, label.layer)
            self._sizes[size] = max(self._sizes.get(size, 0), len(family))
        return node

    def __getitem__(self, name: str) -> Node:
        return self.nodes[self.resolve(name)]

    def __contains__(self, name: str) -> bool:
        return self.resolve(name, strict=False) is not None

    def __iter__(self):
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)

    def resolve(self, name: str, strict: bool = True) -> str | None:
        """A canonical name for ``name``, which may be an alias; KeyError if unknown."""
        name = name.replace(" ", "")
        if name in self.nodes:
            return name
        if name in self.aliases:
            return self.aliases[name]
        if strict:
            raise KeyError(name)
        return None

    def stage(self, stage: str) -> list[Node]:
        return [node for node in self.nodes.values() if node.stage == stage]

    def alias(self, alias: str, name: str) -> None:
        if alias not in self.nodes:
            self.aliases.setdefault(alias, name)

    # queries ------------------------------------------------------------------------------
    def vector(self, kind: str, layer: int | None = None, *, example: int | None = None,
               step: int = 1, after: bool = False) -> list[str]:
        """The nodes of one family, in index order: ``vector("z", 1, example=2)`` is
        z⁽¹⁾ of example 2; ``vector("a", L)`` of the output layer is ŷ. Empty if none."""
        if kind == "a" and layer is not None and layer == self.depth:
            kind, layer = "yhat", None
        family = self._families.get((kind, layer, example, step, after), {})
        return [family[index] for index in sorted(family)]

    def matrix(self, kind: str, layer: int | None = None, **where) -> list[list[str]]:
        """A family with two-part indices as rows (W⁽ˡ⁾: one row per unit)."""
        rows: dict[int, list[str]] = {}
        for name in self.vector(kind, layer, **where):
            rows.setdefault(self.nodes[name].label.index[0], []).append(name)
        return [rows[i] for i in sorted(rows)]

    def size(self, kind: str, layer: int | None = None) -> int:
        """How many entries the family has (the index of a one-entry family is left out
        when it is written: b⁽²⁾, ŷ)."""
        if kind == "a" and layer is not None and layer == self.depth:
            kind, layer = "yhat", None
        return self._sizes.get((kind, layer), 0)

    def loss(self, step: int = 1, *, example: int | None = None,
             after: bool = False) -> str | None:
        """The loss node of a step (of one example, or the batch's), before or after the
        step's update."""
        family = self._families.get(("loss", None, example, step, after), {})
        return family.get(())

    def gradient(self, entry: str, step: int = 1, example: int | None = None) -> str | None:
        """∂L/∂θ of one parameter entry ('W1[1,2]'), or None (frozen, or no such step)."""
        return self._targets.get(("grad", entry, example, step))

    def updated(self, entry: str, step: int = 1) -> str | None:
        """θ after step ``step``'s update, or None."""
        return self._targets.get(("next", entry, None, step))

    def parameter(self, entry: str, step: int = 1) -> str:
        """The node that holds parameter ``entry`` during ``step`` (step ``steps + 1``: its
        final value)."""
        for earlier in range(step - 1, 0, -1):
            found = self.updated(entry, earlier)
            if found is not None:
                return found
        return entry

    def state(self, kind: str, entry: str, step: int = 1) -> str | None:
        """An optimiser's quantity of one parameter entry after step ``step``'s update
        (``kind`` one of STATES; step 0: the state before the first step), or None."""
        return self._targets.get((kind, entry, None, step))

    def correction(self, moment: str, step: int = 1) -> str | None:
        """Adam's bias correction 1 − β₁ᵗ (``moment`` 'm') or 1 − β₂ᵗ ('v') of a step."""
        return self._targets.get(("correction", moment, None, step))

    def penalty(self, step: int = 1, *, after: bool = False) -> str | None:
        """The L2 term (λ/2) Σ W² of a step's loss, before or after its update."""
        return self._families.get(("penalty", None, None, step, after), {}).get(())

    def hyperparameters(self) -> list[str]:
        """The optimiser's and the weight decay's given numbers (β₁, β₂, ε, μ, λ)."""
        return [name for name, node in self.nodes.items()
                if node.label.kind in HYPERPARAMETERS]

    def parents(self, name: str) -> tuple[str, ...]:
        return self.nodes[self.resolve(name)].parents

    def nudged(self, k: int, name: str) -> str:
        """``name``'s value after nudge k: its own node when the nudge changes it, else
        the node itself (a value upstream of the nudge keeps its value)."""
        name = self.resolve(name)
        return self._nudged.get(k, {}).get(name, name)

    def nudges(self) -> list[int]:
        """The nudges that have nodes, 1 … K."""
        return sorted(self._nudged)

    def changed(self, k: int) -> list[str]:
        """The nodes of nudge k in graph order: the nudged value, what it changes, and the
        slope Δloss/Δvalue (last)."""
        return [name for name in self._nudged.get(k, {}).values()]

    # the layered network's shape, for builders and views of layers ------------------------
    @property
    def depth(self) -> int:
        return self.problem.depth

    @property
    def layers(self) -> range:
        """The layers with weights, 1 … L."""
        return range(1, self.problem.depth + 1)

    @property
    def examples(self) -> list[int | None]:
        """Example marks: [None] for one example, else 1 … N."""
        count = len(self.problem.data)
        return [None] if count == 1 else list(range(1, count + 1))

    @property
    def steps(self) -> range:
        """The steps that have a forward pass: 1 … steps (1 without a learning rate)."""
        last = self.problem.steps if self.problem.learning_rate is not None else 1
        return range(1, last + 1)

    def activation(self, layer: int):
        """The activation record of a layer (symprop.activations)."""
        from .activations import ACTIVATIONS
        return ACTIVATIONS[self.problem.layers[layer].activation]

    def weights(self, layer: int) -> list[list[str]]:
        """W⁽ˡ⁾'s entries as rows (one per unit of layer l)."""
        return self.matrix("W", layer)

    def biases(self, layer: int) -> list[str]:
        """b⁽ˡ⁾'s entries (one, for a shared bias; none without bias)."""
        return self.vector("b", layer)

    def bias_kind(self, layer: int) -> str:
        """'yes' (one bias per unit), 'no', or 'shared' (one bias for the layer)."""
        return self.problem.layers[layer].bias
