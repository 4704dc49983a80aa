"""Build the derivation graph of a problem: forward pass, loss, δ recurrence, gradients,
SGD updates and the forward pass after them, one named quantity at a time.

    z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾,  a⁽ˡ⁾ = f(z⁽ˡ⁾),  a⁽⁰⁾ = x,  ŷ = a⁽ᴸ⁾
    δ⁽ᴸ⁾ = ∂L/∂ŷ ⊙ f'(z⁽ᴸ⁾)                 (softmax: δᵢ = ŷᵢ(gᵢ − Σₖ gₖŷₖ))
    ∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾,  δ⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ ⊙ f'(z⁽ˡ⁾)
    ∂L/∂W⁽ˡ⁾ᵢⱼ = δ⁽ˡ⁾ᵢ a⁽ˡ⁻¹⁾ⱼ,  ∂L/∂b⁽ˡ⁾ᵢ = δ⁽ˡ⁾ᵢ   (summed or averaged over the batch)
    θ ← θ − η ∂L/∂θ

With L2 weight decay the loss gains Ω = (λ/2) Σ W² over the trained weights, and each of
their gradients λW. Other optimisers replace the update (their state starts at 0):
    momentum:  vₜ = μ vₜ₋₁ + ∂L/∂θ,  θ ← θ − η vₜ
    Adam:      mₜ = β₁ mₜ₋₁ + (1 − β₁) ∂L/∂θ,  vₜ = β₂ vₜ₋₁ + (1 − β₂) (∂L/∂θ)²,
               m̂ₜ = mₜ / (1 − β₁ᵗ),  v̂ₜ = vₜ / (1 − β₂ᵗ),  θ ← θ − η m̂ₜ / (√v̂ₜ + ε)
"""

from __future__ import annotations

import re
from collections import Counter

from sympy import Add, Basic, Dummy, Integer, Pow, exp, sqrt

from .activations import ACTIVATIONS, as_rational
from .graph import Graph, Label
from .losses import LOSSES
from .nudges import add_nudges
from .spec import Problem

_ENTRY = re.compile(r"([Wb])(\d+)\[(\d+)(?:,(\d+))?\]")


def entry_label(entry: str) -> Label:
    kind, layer, i, j = _ENTRY.fullmatch(entry).groups()
    return Label(kind, int(layer), (int(i), int(j)) if j else (int(i),))


def build(problem: Problem, after: bool = True) -> Graph:
    """The complete graph for ``problem``; every step and example gets its own nodes.
    ``after=False`` leaves out the forward pass after the last update (a training run
    walks the graph of one step and needs only the updated parameters). A computation
    graph, a ``graph:`` spec, is built by its sibling symprop.circuit."""
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
        for name in problem.optimizer.hyperparameters():
            graph.add(Label(name), "given")
    if problem.weight_decay:
        graph.add(Label("weight_decay"), "given")
    builder = _Builder(graph, problem)
    for step in range(1, problem.steps + 1):
        penalty = builder.penalty(params, step, after=False)
        passes = [builder.forward(params, n, step, after=False, penalty=penalty)
                  for n in range(1, examples + 1)]
        builder.total_loss(passes, step, after=False, penalty=penalty)
        contributions = [builder.backward(params, forward, step) for forward in passes]
        grads = builder.gradients(contributions, params, step)
        if problem.learning_rate is None:
            break
        params = builder.update(params, grads, step)
    else:
        if after:
            penalty = builder.penalty(params, problem.steps, after=True)
            passes = [builder.forward(params, n, problem.steps, after=True, penalty=penalty)
                      for n in range(1, examples + 1)]
            builder.total_loss(passes, problem.steps, after=True, penalty=penalty)
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
        self.decayed = set(problem.decayed())
        # an optimiser's state per kind and entry: the given 0 before step 1, then the
        # node of the latest update
        self.state = {kind: {entry: graph.add(Label(kind, step=0, target=entry),
                                              "given").symbol
                             for entry in problem.trained()}
                      for kind in (problem.optimizer.states
                                   if problem.learning_rate is not None else ())}

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

    def penalty(self, params: dict, step: int, after: bool):
        """Ω = (λ/2) Σ W² over the trained weights (L2 weight decay), or None."""
        if not self.decayed:
            return None
        decay = self.graph.nodes["weight_decay"].symbol
        squares = Add(*[params[e] ** 2 for e in self.problem.trained() if e in self.decayed])
        return self.graph.add(Label("penalty", step=step, after=after),
                              "after" if after else "loss", decay / 2 * squares).symbol

    def forward(self, params: dict, n: int, step: int, after: bool, penalty=None) -> dict:
        """z, a and ŷ for example n; returns the symbols needed by the backward pass. A
        single example's loss includes the L2 term ``penalty``."""
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
        if penalty is not None and not self.batch:
            loss = loss + penalty
        out["loss"] = graph.add(Label("loss", **where), "after" if after else "loss", loss)
        out["y"] = y
        return out

    def total_loss(self, passes: list[dict], step: int, after: bool, penalty=None) -> None:
        """L = Σₙ Lₙ or (1/N) Σₙ Lₙ over the batch (only when there are several examples),
        plus the L2 term."""
        if not self.batch:
            return
        total = Add(*[p["loss"].symbol for p in passes])
        if self.problem.reduction == "mean":
            total = total / Integer(len(passes))
        if penalty is not None:
            total = total + penalty
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

    def gradients(self, contributions: list[dict], params: dict, step: int) -> dict:
        """∂L/∂θ for every trained parameter (per example first, when there is a batch);
        a decayed weight's gradient adds λW."""
        graph, grads = self.graph, {}
        decay = graph.nodes["weight_decay"].symbol if self.decayed else None
        for entry in self.problem.trained():
            if not self.batch:
                total = contributions[0][entry]
            else:
                parts = [graph.add(Label("grad", example=n, step=step, target=entry),
                                   "gradient", c[entry]).symbol
                         for n, c in enumerate(contributions, 1)]
                total = Add(*parts)
                if self.problem.reduction == "mean":
                    total = total / Integer(len(parts))
            if entry in self.decayed:  # ∂/∂W of (λ/2) W² is λW
                total = total + decay * params[entry]
            grads[entry] = graph.add(Label("grad", step=step, target=entry), "gradient",
                                     total).symbol
        return grads

    def update(self, params: dict, grads: dict, step: int) -> dict:
        """The optimiser's step for every trained parameter; frozen ones stay.
        SGD: θ ← θ − η ∂L/∂θ; momentum and Adam: see the module's docstring."""
        graph, name = self.graph, self.problem.optimizer.name
        rate = graph.nodes["lr"].symbol
        symbol = {k: graph.nodes[k].symbol for k in self.problem.optimizer.hyperparameters()}
        corrections = {}
        if name == "adam":  # 1 − β₁ᵗ and 1 − β₂ᵗ, once per step
            for moment, beta in (("m", symbol["beta1"]), ("v", symbol["beta2"])):
                corrections[moment] = graph.add(
                    Label("correction", step=step, target=moment), "update",
                    1 - beta ** step).symbol
        new = dict(params)
        for entry, grad in grads.items():
            def add(kind, formula, entry=entry):
                return graph.add(Label(kind, step=step, target=entry), "update",
                                 formula).symbol

            if name == "momentum":  # vₜ = μ vₜ₋₁ + ∂L/∂θ;  θ ← θ − η vₜ
                velocity = add("velocity", symbol["momentum"] * self.state["velocity"][entry]
                               + grad)
                self.state["velocity"][entry] = velocity
                step_size = rate * velocity
            elif name == "adam":
                beta1, beta2 = symbol["beta1"], symbol["beta2"]
                m = add("m", beta1 * self.state["m"][entry] + (1 - beta1) * grad)
                v = add("v", beta2 * self.state["v"][entry] + (1 - beta2) * grad ** 2)
                self.state["m"][entry], self.state["v"][entry] = m, v
                m_hat = add("mhat", m / corrections["m"])
                v_hat = add("vhat", v / corrections["v"])
                step_size = rate * m_hat / (sqrt(v_hat) + symbol["epsilon"])
            else:
                step_size = rate * grad
            new[entry] = add("next", params[entry] - step_size)
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
        for prefix in ("", "grad.", "next.", "velocity.", "m.", "v.", "mhat.", "vhat."):
            if prefix + entry in graph.nodes:
                graph.alias(prefix + alias, prefix + entry)
    family_sizes = Counter(name[:name.rfind("[")] for name in graph.nodes if "[" in name)
    for name in list(graph.nodes) + list(graph.aliases):
        short = re.sub(r"\[1(,1)?\]$", "", name)
        if short != name and short.rstrip("]") == short and family_sizes[short] == 1:
            graph.alias(short, graph.resolve(name))  # one node in the family: no index
