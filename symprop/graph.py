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
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Symbol

STAGES = ("given", "forward", "loss", "backward", "gradient", "update", "after")


@dataclass(frozen=True)
class Label:
    """The structured identity of a node; ``str(label)`` is its canonical name."""

    kind: str  # x y W b lr z a yhat loss grad_yhat dact delta grad_a grad next
    layer: int | None = None
    index: tuple[int, ...] = ()
    example: int | None = None  # set only when the batch has several examples
    step: int = 1
    after: bool = False  # a forward quantity after this step's update
    target: str = ""  # for grad and next: the parameter entry, e.g. 'W1[1,2]'

    def body(self) -> str:
        idx = ",".join(map(str, self.index))
        layer = "" if self.layer is None else str(self.layer)
        match self.kind:
            case "lr" | "loss":
                return self.kind
            case "grad" | "next":
                return f"{self.kind}.{self.target}"
            case "grad_yhat":
                return f"grad.yhat[{idx}]"
            case "grad_a":
                return f"grad.a{layer}[{idx}]"
            case _:
                return f"{self.kind}{layer}[{idx}]"

    def __str__(self) -> str:
        prefix = f"step{self.step}." if self.step > 1 else ""
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
    """Nodes in topological order, with lookup by name or symbol and name aliases."""

    def __init__(self, problem):
        self.problem = problem
        self.nodes: dict[str, Node] = {}
        self.by_symbol: dict[Symbol, str] = {}
        self.aliases: dict[str, str] = {}
        self.positions: dict[str, int] = {}  # name → place in topological order

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
