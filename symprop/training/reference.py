"""The independent float64 reference for training: a run in NumPy, in matrix form, and the
optimisers' and the L2 term's arithmetic for ``backprop.reference``.

It reads only the validated Problem and the schedule (which examples each step uses);
it shares no formula with the derivation graph and never imports SymPy.

    L2:        L += (λ/2) Σ W²  over the trained weights;  ∂L/∂W += λW
    SGD:       θ ← θ − η g
    momentum:  v ← μv + g;  θ ← θ − ηv
    Adam:      m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  m̂ = m/(1 − β₁ᵗ);
               v̂ = v/(1 − β₂ᵗ);  θ ← θ − η m̂/(√v̂ + ε)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..spec import Problem
from . import schedule


# the optimisers and the L2 term, entry by entry (backprop.reference uses these) ---------
def penalty(problem: Problem, values: dict[str, float]) -> float:
    """(λ/2) Σ W² over the trained weights; 0 without weight decay."""
    if not problem.weight_decay:
        return 0.0
    return float(problem.weight_decay) / 2 * math.fsum(values[e] ** 2
                                                       for e in problem.decayed())


def decay(problem: Problem, values: dict[str, float], grads: dict[str, float]) -> dict:
    """The gradients with λW added for the decayed weights."""
    if not problem.weight_decay:
        return grads
    lam = float(problem.weight_decay)
    decayed = set(problem.decayed())
    return {e: g + lam * values[e] if e in decayed else g for e, g in grads.items()}


class Optimizer:
    """One optimiser's state (0 at the start) and its step, per key: a parameter entry
    with a float (backprop.reference) or a layer's matrix with an array (the run)."""

    def __init__(self, problem: Problem, keys=None):
        self.problem, self.spec = problem, problem.optimizer
        self.rate = float(problem.learning_rate)
        self.state = {kind: dict.fromkeys(problem.trained() if keys is None else keys, 0.0)
                      for kind in self.spec.states}
        self.t = 0

    def step(self, values: dict, grads: dict, record: dict | None = None,
             prefix: str = "") -> dict:
        """The parameters after one step; ``record`` receives every update quantity
        (next.…, velocity.…, m.…, …) under its name with ``prefix``."""
        self.t += 1
        out, spec, rate = dict(values), self.spec, self.rate
        corrections = {}
        if spec.name == "adam":
            corrections = {"m": 1 - float(spec.beta1) ** self.t,
                           "v": 1 - float(spec.beta2) ** self.t}
            if record is not None:
                for moment, value in corrections.items():
                    record[f"{prefix}correction.{moment}"] = value
        for key, g in grads.items():
            quantities = {}
            if spec.name == "momentum":
                velocity = float(spec.momentum) * self.state["velocity"][key] + g
                self.state["velocity"][key] = quantities["velocity"] = velocity
                move = rate * velocity
            elif spec.name == "adam":
                b1, b2 = float(spec.beta1), float(spec.beta2)
                m = b1 * self.state["m"][key] + (1 - b1) * g
                v = b2 * self.state["v"][key] + (1 - b2) * g * g
                self.state["m"][key], self.state["v"][key] = m, v
                m_hat, v_hat = m / corrections["m"], v / corrections["v"]
                quantities.update(m=m, v=v, mhat=m_hat, vhat=v_hat)
                move = rate * m_hat / (np.sqrt(v_hat) + float(spec.epsilon))
            else:
                move = rate * g
            out[key] = values[key] - move
            if record is not None:
                quantities["next"] = out[key]
                for kind, value in quantities.items():
                    record[f"{prefix}{kind}.{key}"] = float(value)
        return out


# a training run in matrix form ----------------------------------------------------------
@dataclass
class Record:
    """A float64 run's numbers under the run's names (step<k>.loss, epoch<e>.norm.grad.W1,
    …; see symprop.training.run) and the order of every epoch."""

    values: dict[str, float] = field(default_factory=dict)
    orders: list[list[int]] = field(default_factory=list)


class _Net:
    """Weights, biases and masks of trained entries as arrays."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.depth = problem.depth
        values = {e: float(v) for e, v in problem.parameters.items()}
        self.W, self.b, self.W_mask, self.b_mask = [None], [None], [None], [None]
        trained = set(problem.trained())
        for l in range(1, self.depth + 1):
            rows, cols = problem.layers[l].units, problem.layers[l - 1].units
            self.W.append(np.array([[values[f"W{l}[{i},{j}]"] for j in range(1, cols + 1)]
                                    for i in range(1, rows + 1)]))
            self.W_mask.append(np.array([[f"W{l}[{i},{j}]" in trained
                                          for j in range(1, cols + 1)]
                                         for i in range(1, rows + 1)]))
            entries = problem.bias_entries(l)
            self.b.append(np.array([values[e] for e in entries]))
            self.b_mask.append(np.array([e in trained for e in entries], dtype=bool))

    def bias(self, l: int) -> np.ndarray:
        """b⁽ˡ⁾ as a column for every unit (a shared bias repeated; none: 0)."""
        kind, units = self.problem.layers[l].bias, self.problem.layers[l].units
        if kind == "no":
            return np.zeros((units, 1))
        return np.full((units, 1), self.b[l][0]) if kind == "shared" else self.b[l][:, None]

    def arrays(self) -> dict[str, np.ndarray]:
        return {**{f"W{l}": self.W[l] for l in range(1, self.depth + 1)},
                **{f"b{l}": self.b[l] for l in range(1, self.depth + 1)}}

    def values(self) -> dict[str, float]:
        out = {}
        for l in range(1, self.depth + 1):
            for (i, j), w in np.ndenumerate(self.W[l]):
                out[f"W{l}[{i + 1},{j + 1}]"] = float(w)
            for e, v in zip(self.problem.bias_entries(l), self.b[l], strict=True):
                out[e] = float(v)
        return out

    def load(self, values: dict[str, float]) -> None:
        for l in range(1, self.depth + 1):
            for (i, j), _ in np.ndenumerate(self.W[l]):
                self.W[l][i, j] = values[f"W{l}[{i + 1},{j + 1}]"]
            for k, e in enumerate(self.problem.bias_entries(l)):
                self.b[l][k] = values[e]


def _activation(name: str, z: np.ndarray, alpha: float, at_zero: float):
    """f(z) and f'(z) (None for softmax, whose Jacobian couples the units)."""
    if name == "identity":
        return z, np.ones_like(z)
    if name == "sigmoid":
        a = np.exp(np.minimum(z, 0)) / (1 + np.exp(-np.abs(z)))
        return a, a * (1 - a)
    if name == "tanh":
        a = np.tanh(z)
        return a, 1 - a * a
    if name == "relu":
        return np.maximum(z, 0), np.where(z > 0, 1.0, np.where(z < 0, 0.0, at_zero))
    if name == "leaky_relu":
        return np.where(z > 0, z, alpha * z), np.where(
            z > 0, 1.0, np.where(z < 0, alpha, 1.0 if at_zero == 1 else alpha))
    shifted = np.exp(z - z.max(axis=0))
    return shifted / shifted.sum(axis=0), None


def _losses(problem: Problem, z: np.ndarray, yhat: np.ndarray, y: np.ndarray):
    """Each example's loss (a row) and δ⁽ᴸ⁾ = ∂Lₙ/∂z⁽ᴸ⁾ (a column per example)."""
    name, output = problem.loss, problem.layers[-1].activation
    k = y.shape[0]
    if name in ("half_squared_error", "squared_error", "mean_squared_error"):
        scale = {"half_squared_error": 0.5, "squared_error": 1.0}.get(name, 1.0 / k)
        loss = scale * np.sum((y - yhat) ** 2, axis=0)
        upstream = -2 * scale * (y - yhat)
    else:
        if output == "softmax":
            log_yhat = z - z.max(axis=0) - np.log(np.sum(np.exp(z - z.max(axis=0)), axis=0))
            log_rest = np.log1p(-yhat)
        elif output == "sigmoid":
            log_yhat, log_rest = -np.logaddexp(0, -z), -np.logaddexp(0, z)
        else:
            log_yhat, log_rest = np.log(yhat), np.log1p(-yhat)
        if name == "binary_cross_entropy":
            terms = np.where(y > 0, y * log_yhat, 0.0) + np.where(y < 1, (1 - y) * log_rest,
                                                                   0.0)
            upstream = None if output == "sigmoid" else -y / yhat + (1 - y) / (1 - yhat)
        else:
            terms = np.where(y > 0, y * log_yhat, 0.0)
            upstream = None if output in ("sigmoid", "softmax") else -y / yhat
        loss = -np.sum(terms, axis=0)
        if upstream is None:  # the closed forms, without a division by ŷ
            if name == "binary_cross_entropy":
                return loss, yhat - y, None
            if output == "softmax":
                return loss, yhat * y.sum(axis=0) - y, None
            return loss, -y * (1 - yhat), None
    return loss, None, upstream


def _pass(problem: Problem, net: _Net, X: np.ndarray, Y: np.ndarray):
    """Forward and backward over the columns of X: each example's loss, δ⁽ˡ⁾ and the
    gradient sums Σₙ ∂Lₙ/∂W⁽ˡ⁾, Σₙ ∂Lₙ/∂b⁽ˡ⁾."""
    at_zero = float(problem.relu_derivative_at_zero)
    acts, zs, slopes = [X], [None], [None]
    for l in range(1, net.depth + 1):
        layer = problem.layers[l]
        z = net.W[l] @ acts[-1] + net.bias(l)
        a, slope = _activation(layer.activation, z, float(layer.alpha), at_zero)
        zs.append(z)
        acts.append(a)
        slopes.append(slope)
    losses, delta, upstream = _losses(problem, zs[-1], acts[-1], Y)
    deltas, grads_W, grads_b = {}, {}, {}
    for l in range(net.depth, 0, -1):
        layer = problem.layers[l]
        if l < net.depth:
            upstream = net.W[l + 1].T @ deltas[l + 1]  # ∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾
            delta = None
        if delta is None:
            if layer.activation == "softmax":  # δ = ŷ ⊙ (g − Σₖ gₖŷₖ)
                a = acts[l]
                delta = a * (upstream - np.sum(upstream * a, axis=0))
            else:
                delta = upstream * slopes[l]
        deltas[l] = delta
        grads_W[l] = delta @ acts[l - 1].T  # Σₙ δ⁽ˡ⁾ₙ (a⁽ˡ⁻¹⁾ₙ)ᵀ
        kind = layer.bias
        grads_b[l] = np.array([delta.sum()]) if kind == "shared" else (
            delta.sum(axis=1) if kind == "yes" else np.zeros(0))
    return losses, deltas, grads_W, grads_b


class Reference:
    """A training run in float64: every step's minibatch loss and gradient norms, and
    after every epoch (and before the first) the loss and gradient norms over the whole
    data set, at the parameters of that moment."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.X = np.array([[float(v) for v in e.x] for e in problem.data]).T
        self.Y = np.array([[float(v) for v in e.y] for e in problem.data]).T

    def _gradient(self, net: _Net, columns) -> tuple[float, dict, dict, dict]:
        """The loss over ``columns`` with the spec's reduction and L2 term, its gradient
        per layer (trained entries; frozen ones 0) and δ per layer."""
        problem = self.problem
        losses, deltas, grads_W, grads_b = _pass(problem, net, self.X[:, columns],
                                                 self.Y[:, columns])
        scale = 1.0 / len(columns) if problem.reduction == "mean" else 1.0
        lam = float(problem.weight_decay or 0)
        loss = float(np.sum(losses)) * scale + lam / 2 * sum(  # + (λ/2) Σ W², trained W
            float(np.sum((net.W[l] * net.W_mask[l]) ** 2)) for l in grads_W)
        for l in grads_W:
            grads_W[l] = (grads_W[l] * scale + lam * net.W[l]) * net.W_mask[l]
            grads_b[l] = grads_b[l] * scale * net.b_mask[l]
        return loss, grads_W, grads_b, deltas

    def _record(self, out: dict, prefix: str, net: _Net, columns) -> tuple[dict, dict]:
        loss, grads_W, grads_b, deltas = self._gradient(net, columns)
        out[f"{prefix}loss"] = loss
        for l in range(1, net.depth + 1):
            if net.W_mask[l].any():
                out[f"{prefix}norm.grad.W{l}"] = float(np.linalg.norm(grads_W[l]))
            if net.b_mask[l].any():
                out[f"{prefix}norm.grad.b{l}"] = float(np.linalg.norm(grads_b[l]))
            out[f"{prefix}norm.delta{l}"] = float(np.linalg.norm(deltas[l]))
        return grads_W, grads_b

    def run(self) -> Record:
        with np.errstate(all="ignore"):
            return self._run()

    def _run(self) -> Record:
        problem = self.problem
        net = _Net(problem)
        optimizer = Optimizer(problem, keys=list(net.arrays()))
        record = Record(orders=schedule.orders(problem))
        out, everything = record.values, list(range(len(problem.data)))
        self._record(out, "epoch0.", net, everything)
        k = 0
        for e, order in enumerate(record.orders, 1):
            for batch in schedule.batches(problem, order):
                k += 1
                grads_W, grads_b = self._record(out, f"step{k}." if k > 1 else "", net,
                                                batch)
                grads = {**{f"W{l}": grads_W[l] for l in grads_W},
                         **{f"b{l}": grads_b[l] for l in grads_b}}
                arrays = optimizer.step(net.arrays(), grads)  # frozen entries: gradient 0
                for l in range(1, net.depth + 1):
                    net.W[l], net.b[l] = arrays[f"W{l}"], arrays[f"b{l}"]
            self._record(out, f"epoch{e}.", net, everything)
        for entry, value in net.values().items():
            out[f"epoch{len(record.orders)}.{entry}"] = value
        return record


def train(problem: Problem) -> Record:
    """The float64 run of a problem with ``epochs`` (see Reference)."""
    return Reference(problem).run()
