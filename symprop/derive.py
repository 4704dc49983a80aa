"""Build the derivation graph of a problem: forward pass, loss, δ recurrence, gradients,
SGD updates and the forward pass after them, one named quantity at a time.

    z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾,  a⁽ˡ⁾ = f(z⁽ˡ⁾),  a⁽⁰⁾ = x,  ŷ = a⁽ᴸ⁾
    δ⁽ᴸ⁾ = ∂L/∂ŷ ⊙ f'(z⁽ᴸ⁾)                 (softmax: δᵢ = ŷᵢ(gᵢ − Σₖ gₖŷₖ))
    ∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾,  δ⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ ⊙ f'(z⁽ˡ⁾)
    ∂L/∂W⁽ˡ⁾ᵢⱼ = δ⁽ˡ⁾ᵢ a⁽ˡ⁻¹⁾ⱼ,  ∂L/∂b⁽ˡ⁾ᵢ = δ⁽ˡ⁾ᵢ   (summed or averaged over the batch)
    θ ← θ − η ∂L/∂θ
"""

from __future__ import annotations

import re
from collections import Counter

from sympy import Add, Basic, Dummy, Integer, Pow, exp

from .activations import ACTIVATIONS, as_rational
from .graph import Graph, Label
from .losses import LOSSES
from .nudges import add_nudges
from .spec import Problem

_ENTRY = re.compile(r"([Wb])(\d+)\[(\d+)(?:,(\d+))?\]")


def entry_label(entry: str) -> Label:
    kind, layer, i, j = _ENTRY.fullmatch(entry).groups()
    return Label(kind, int(layer), (int(i), int(j)) if j else (int(i),))


def build(problem: Problem) -> Graph:
    """The complete graph for ``problem``; every step and example gets its own nodes. (A
    computation graph, a ``graph:`` spec, is built by its sibling symprop.circuit.)"""
    if problem.kind == "circuit":
        from .circuit import build as build_circuit
        return build_circuit(problem)
    graph = Graph(problem)
    examples = len(problem.data)
    batch = examples > 1
    for n, example in enumerate(problem.data, 1):
        for kind, values in (("x", example.x), ("y", example.y)):
            for i in range(1, len(values) + 1):
                graph.add(Label(kind, index=(i,), example=n if batch else None), "given")
    for entry in problem.entries():
        graph.add(entry_label(entry), "given")
    params = {entry: graph.nodes[entry].symbol for entry in problem.entries()}
    if problem.learning_rate is not None:
        graph.add(Label("lr"), "given")
    builder = _Builder(graph, problem)
    for step in range(1, problem.steps + 1):
        passes = [builder.forward(params, n, step, after=False) for n in range(1, examples + 1)]
        builder.total_loss(passes, step, after=False)
        contributions = [builder.backward(params, forward, step) for forward in passes]
        grads = builder.gradients(contributions, step)
        if problem.learning_rate is None:
            break
        params = builder.update(params, grads, step)
    else:
        passes = [builder.forward(params, n, problem.steps, after=True)
                  for n in range(1, examples + 1)]
        builder.total_loss(passes, problem.steps, after=True)
    add_nudges(graph, problem.nudges, names=problem.names)
    _add_aliases(graph)
    return graph


class _Builder:
    def __init__(self, graph: Graph, problem: Problem):
        self.graph, self.problem = graph, problem
        self.batch = len(problem.data) > 1
        self.c = as_rational(problem.relu_derivative_at_zero)
        self.loss = LOSSES[problem.loss]
        self.templates: dict = {}

    def activate(self, activation, alpha, z):
        """activation(z): evaluated once per activation with a placeholder, then rebuilt
        for each z without SymPy's evaluation (1/(1 + e^{−z}) costs 4 ms to evaluate;
        400 examples of a 2-2-1 network spent 6 of their 14 s building it)."""
        key = (activation.name, alpha)
        if key not in self.templates:
            placeholder = Dummy(real=True)
            self.templates[key] = placeholder, activation.forward(placeholder, alpha, self.c)
        placeholder, template = self.templates[key]
        return _rebuild(template, placeholder, z)

    def sym(self, label: Label):
        return self.graph.nodes[str(label)].symbol

    def example(self, n: int) -> int | None:
        return n if self.batch else None

    def forward(self, params: dict, n: int, step: int, after: bool) -> dict:
        """z, a and ŷ for example n; returns the symbols needed by the backward pass."""
        ex, graph, last = self.example(n), self.graph, self.problem.depth
        where = {"example": ex, "step": step, "after": after}
        stage = "after" if after else "forward"
        a_prev = [self.sym(Label("x", index=(j,), example=ex))
                  for j in range(1, self.problem.layers[0].units + 1)]
        out = {"n": n, "a": {0: a_prev}, "z": {}}
        for l in range(1, last + 1):
            layer = self.problem.layers[l]
            zs = []
            for i in range(1, layer.units + 1):
                terms = [params[f"W{l}[{i},{j}]"] * a_prev[j - 1]
                         for j in range(1, len(a_prev) + 1)]
                bias = self.problem.bias_entry(l, i)
                if bias:
                    terms.append(params[bias])
                zs.append(graph.add(Label("z", l, (i,), **where), stage,
                                    Add(*terms)).symbol)
            kind, layer_no = ("yhat", None) if l == last else ("a", l)
            activation = ACTIVATIONS[layer.activation]
            alpha = as_rational(layer.alpha)
            if activation.elementwise:
                values = [self.activate(activation, alpha, z) for z in zs]
            else:  # softmax: a_i = e^{z_i} / Σ_k e^{z_k}
                denominator = Add(*[exp(z) for z in zs])
                values = [exp(z) / denominator for z in zs]
            a_prev = [graph.add(Label(kind, layer_no, (i,), **where), stage, value).symbol
                      for i, value in enumerate(values, 1)]
            out["z"][l], out["a"][l] = zs, a_prev
        y = [self.sym(Label("y", index=(k,), example=ex)) for k in range(1, len(a_prev) + 1)]
        outputs = len(a_prev)
        loss = Add(*[self.loss.term(yh, t, outputs) for yh, t in zip(a_prev, y, strict=True)])
        out["loss"] = graph.add(Label("loss", **where), "after" if after else "loss", loss)
        out["y"] = y
        return out

    def total_loss(self, passes: list[dict], step: int, after: bool) -> None:
        """L = Σₙ Lₙ or (1/N) Σₙ Lₙ over the batch (only when there are several examples)."""
        if not self.batch:
            return
        total = Add(*[p["loss"].symbol for p in passes])
        if self.problem.reduction == "mean":
            total = total / Integer(len(passes))
        self.graph.add(Label("loss", step=step, after=after), "after" if after else "loss",
                       total)

    def backward(self, params: dict, forward: dict, step: int) -> dict:
        """δ for every layer of one example; returns the gradient contributions."""
        graph, problem, last = self.graph, self.problem, self.problem.depth
        ex = self.example(forward["n"])
        where = {"example": ex, "step": step}
        yhat, y = forward["a"][last], forward["y"]
        outputs = len(yhat)
        upstream = [graph.add(Label("grad_yhat", index=(k,), **where), "backward",
                              self.loss.slope(yh, t, outputs)).symbol
                    for k, (yh, t) in enumerate(zip(yhat, y, strict=True), 1)]
        deltas = {}
        for l in range(last, 0, -1):
            layer = problem.layers[l]
            activation = ACTIVATIONS[layer.activation]
            if l < last:  # ∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾
                upstream = [graph.add(Label("grad_a", l, (i,), **where), "backward", Add(*[
                    params[f"W{l + 1}[{k},{i}]"] * d for k, d in enumerate(deltas[l + 1], 1)
                ])).symbol for i in range(1, layer.units + 1)]
            zs, acts = forward["z"][l], forward["a"][l]
            if activation.name == "softmax":  # δᵢ = ŷᵢ (gᵢ − Σₖ gₖ ŷₖ)
                weighted = Add(*[g * a for g, a in zip(upstream, acts, strict=True)])
                formulas = [a * (g - weighted) for g, a in zip(upstream, acts, strict=True)]
            elif activation.slope is None:  # identity: δ = ∂L/∂a
                formulas = list(upstream)
            else:
                alpha = as_rational(layer.alpha)
                slopes = [graph.add(Label("dact", l, (i,), **where), "backward",
                                    activation.slope(z, a, alpha, self.c)).symbol
                          for i, (z, a) in enumerate(zip(zs, acts, strict=True), 1)]
                formulas = [g * s for g, s in zip(upstream, slopes, strict=True)]
            deltas[l] = [graph.add(Label("delta", l, (i,), **where), "backward", f).symbol
                         for i, f in enumerate(formulas, 1)]
        contributions = {}
        for entry in problem.trained():
            label = entry_label(entry)
            l, delta = label.layer, deltas[label.layer]
            if label.kind == "W":  # ∂L/∂W⁽ˡ⁾ᵢⱼ = δ⁽ˡ⁾ᵢ a⁽ˡ⁻¹⁾ⱼ
                i, j = label.index
                contributions[entry] = delta[i - 1] * forward["a"][l - 1][j - 1]
            elif problem.layers[l].bias == "shared":  # one bias feeds every unit
                contributions[entry] = Add(*delta)
            else:
                contributions[entry] = delta[label.index[0] - 1]
        return contributions

    def gradients(self, contributions: list[dict], step: int) -> dict:
        """∂L/∂θ for every trained parameter (per example first, when there is a batch)."""
        graph, grads = self.graph, {}
        for entry in self.problem.trained():
            if not self.batch:
                grads[entry] = graph.add(Label("grad", step=step, target=entry), "gradient",
                                         contributions[0][entry]).symbol
                continue
            parts = [graph.add(Label("grad", example=n, step=step, target=entry), "gradient",
                               c[entry]).symbol for n, c in enumerate(contributions, 1)]
            total = Add(*parts)
            if self.problem.reduction == "mean":
                total = total / Integer(len(parts))
            grads[entry] = graph.add(Label("grad", step=step, target=entry), "gradient",
                                     total).symbol
        return grads

    def update(self, params: dict, grads: dict, step: int) -> dict:
        """θ ← θ − η ∂L/∂θ for every trained parameter; frozen ones stay."""
        rate = self.graph.nodes["lr"].symbol
        new = dict(params)
        for entry, grad in grads.items():
            new[entry] = self.graph.add(Label("next", step=step, target=entry), "update",
                                        params[entry] - rate * grad).symbol
        return new


def _rebuild(expr, placeholder, symbol):
    """``expr`` with ``placeholder`` replaced by ``symbol``, rebuilt without evaluation:
    an activation's canonical form has one slot, filled by any real symbol alike
    (tests/test_derive.py compares it with the evaluated formula)."""
    if expr == placeholder:
        return symbol
    if not expr.args:
        return expr
    args = [_rebuild(a, placeholder, symbol) for a in expr.args]
    if expr.is_Add or expr.is_Mul:
        return type(expr)._from_args(args)
    if expr.is_Pow:
        return Pow(*args, evaluate=False)
    return Basic.__new__(type(expr), *args)  # a function of the slot: exp, tanh, relu


def _add_aliases(graph: Graph) -> None:
    """Other spellings users write: textbook names, a<L> for ŷ, grad.z for δ, one-entry
    vectors without an index, and step<k+1>. for what step k's update produced."""
    problem = graph.problem
    last = problem.depth
    for name, node in list(graph.nodes.items()):
        label = node.label
        if label.kind == "yhat":
            graph.alias(name.replace("yhat[", f"a{last}["), name)
        if label.kind == "delta":
            graph.alias(name.replace(f"delta{label.layer}[", f"grad.z{label.layer}["), name)
        if label.kind == "next":
            graph.alias(name.replace("next.", f"step{label.step + 1}.", 1)
                        if label.step == 1 else
                        name.replace(f"step{label.step}.next.", f"step{label.step + 1}.", 1),
                        name)
        if label.after:
            after = f"step{label.step}.next." if label.step > 1 else "next."
            graph.alias(name.replace(after, f"step{label.step + 1}.", 1), name)
    for step in range(2, problem.steps + 1):  # frozen parameters keep their given node
        for entry in problem.frozen:
            graph.alias(f"step{step}.{entry}", entry)
    for alias, entry in problem.names.items():
        for prefix in ("", "grad.", "next."):
            if prefix + entry in graph.nodes:
                graph.alias(prefix + alias, prefix + entry)
    family_sizes = Counter(name[:name.rfind("[")] for name in graph.nodes if "[" in name)
    for name in list(graph.nodes) + list(graph.aliases):
        short = re.sub(r"\[1(,1)?\]$", "", name)
        if short != name and short.rstrip("]") == short and family_sizes[short] == 1:
            graph.alias(short, graph.resolve(name))  # one node in the family: no index
