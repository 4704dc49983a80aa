"""An independent reference: backpropagation in NumPy float64, in matrix form.

This module never imports SymPy and shares no formula with the derivation graph; it reads
only the validated Problem. Its names match the graph's canonical names so the two can be
compared value by value.
"""

from __future__ import annotations

import numpy as np

from .spec import Problem
from .training.reference import Optimizer, decay, penalty


def _act(name: str, z: np.ndarray, alpha: float) -> np.ndarray:
    if name == "identity":
        return z
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, alpha * z)
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))  # softmax
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = e^{min(z,0)} / (1 + e^{−|z|}): no overflow, and σ(−z) = 1 − σ(z) from it
    without cancellation (1 − σ(20) keeps all its digits)."""
    return np.exp(np.minimum(z, 0)) / (1 + np.exp(-np.abs(z)))


def _slope(name: str, z: np.ndarray, a: np.ndarray, alpha: float, at_zero: float):
    if name == "identity":
        return np.ones_like(z)
    if name == "sigmoid":  # σ′ = σ(z)(1 − σ(z)) = σ(z)σ(−z)
        return a * _sigmoid(-z)
    if name == "tanh":  # tanh′ = 1 − tanh² = sech²(z), which keeps its digits for large |z|
        return 1 / np.cosh(z) ** 2
    if name == "relu":
        return np.where(z > 0, 1.0, np.where(z < 0, 0.0, at_zero))
    # leaky_relu: 1 for z > 0, α for z < 0, and 1 or α at 0
    return np.where(z > 0, 1.0, np.where(z < 0, alpha, 1.0 if at_zero == 1 else alpha))


def _log_outputs(activation: str, z: np.ndarray, yhat: np.ndarray):
    """log ŷ and log(1 − ŷ), computed from the logits z where the output activation
    allows it (as PyTorch's BCEWithLogitsLoss does), so that an output that rounds to 0
    or 1 in float64 still has finite, accurate logarithms."""
    if activation == "softmax":  # log ŷᵢ = zᵢ − logsumexp(z), log(1 − ŷᵢ) = lse_{k≠i} − lse
        total = _logsumexp(z)
        return z - total, _logsumexp_others(z) - total
    if activation == "sigmoid":  # log σ(z) = −log(1 + e^{−z}), log(1 − σ(z)) = −log(1 + e^{z})
        return -np.logaddexp(0, -z), -np.logaddexp(0, z)
    return np.log(yhat), np.log1p(-yhat)


def _logsumexp(z: np.ndarray) -> np.ndarray:
    shift = z.max(axis=-1, keepdims=True)
    return shift + np.log(np.sum(np.exp(z - shift), axis=-1, keepdims=True))


def _logsumexp_others(z: np.ndarray) -> np.ndarray:
    """logsumexp over every entry but the i-th, for each i: log(1 − ŷᵢ) + lse(z)."""
    k = z.shape[-1]
    others = np.where(np.eye(k, dtype=bool), -np.inf, z[..., None, :])
    shift = others.max(axis=-1)
    with np.errstate(all="ignore"):
        return shift + np.log(np.sum(np.exp(others - shift[..., None]), axis=-1))


def _loss(name: str, yhat: np.ndarray, y: np.ndarray, logs) -> tuple[float, np.ndarray]:
    """The loss of one example and ∂L/∂ŷ; ``logs`` = (log ŷ, log(1 − ŷ)). 1/ŷ and
    1/(1 − ŷ) are e^{−log ŷ} and e^{−log(1 − ŷ)}: no cancellation, and 0 · ∞ never
    arises, since a target of exactly 0 or 1 drops its term as the exact graph does."""
    k = len(y)
    if name == "half_squared_error":
        return 0.5 * np.sum((y - yhat) ** 2), -(y - yhat)
    if name == "squared_error":
        return np.sum((y - yhat) ** 2), -2 * (y - yhat)
    if name == "mean_squared_error":
        return np.sum((y - yhat) ** 2) / k, -2 * (y - yhat) / k
    log_yhat, log_rest = logs
    first = np.where(y > 0, -y * np.exp(-log_yhat), 0.0)  # −y/ŷ
    if name == "binary_cross_entropy":
        terms = np.where(y > 0, y * log_yhat, 0.0) + np.where(y < 1, (1 - y) * log_rest, 0.0)
        return -np.sum(terms), first + np.where(y < 1, (1 - y) * np.exp(-log_rest), 0.0)
    terms = np.where(y > 0, y * log_yhat, 0.0)  # cross_entropy
    return -np.sum(terms), first


def _fused_output_delta(problem: Problem, activation: str, z, yhat, y):
    """The textbook's stable closed forms of δ⁽ᴸ⁾ (no division by ŷ):
    softmax + cross-entropy: δ = ŷ Σₖyₖ − y;  sigmoid + binary cross-entropy: δ = ŷ − y;
    sigmoid + cross-entropy: δ = −y(1 − ŷ) = −y σ(−z)."""
    match activation, problem.loss:
        case "softmax", "cross_entropy":
            return yhat * y.sum() - y
        case "sigmoid", "binary_cross_entropy":
            return yhat - y
        case "sigmoid", "cross_entropy":
            return -y * _sigmoid(-z)
    return None


def _weighted_upstream(loss: str, yhat, y, upstream, logs) -> np.ndarray:
    """ŷᵢ · ∂L/∂ŷᵢ, from the logarithms where a cross-entropy divides by ŷ or 1 − ŷ:
    ŷ·(−y/ŷ) = −y, and ŷ(1 − y)/(1 − ŷ) = (1 − y) e^{log ŷ − log(1 − ŷ)}."""
    if loss == "cross_entropy":
        return -y
    if loss == "binary_cross_entropy":
        log_yhat, log_rest = logs
        return -y + np.where(y < 1, (1 - y) * np.exp(log_yhat - log_rest), 0.0)
    return yhat * upstream


class Network:
    """Weights as float64 matrices, biases as vectors (a shared bias is repeated)."""

    def __init__(self, problem: Problem, parameters: dict[str, float] | None = None):
        self.problem = problem
        values = parameters or {k: float(v) for k, v in problem.parameters.items()}
        self.values = dict(values)
        layers = problem.layers
        self.weights = [None] + [
            np.array([[self.values[f"W{l}[{i},{j}]"] for j in range(1, layers[l - 1].units + 1)]
                      for i in range(1, layers[l].units + 1)]) for l in range(1, len(layers))]
        self.biases = [None] + [
            np.array([self.values[e] if (e := problem.bias_entry(l, i)) else 0.0
                      for i in range(1, layers[l].units + 1)]) for l in range(1, len(layers))]

    def weight(self, l: int) -> np.ndarray:
        return self.weights[l]

    def bias(self, l: int) -> np.ndarray:
        return self.biases[l]

    def forward(self, x: np.ndarray) -> tuple[list, list]:
        """z and a of every layer; ``x`` is one example, or one example per row."""
        zs, acts = [None], [x]
        for l in range(1, len(self.problem.layers)):
            layer = self.problem.layers[l]
            w, b = self.weights[l], self.biases[l]
            z = acts[-1] @ w.T + b  # z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾
            if layer.activation in ("relu", "leaky_relu"):
                # within float64 rounding error of the kink the sign is unknowable: call it 0
                noise = 8 * np.finfo(float).eps * (np.abs(acts[-1]) @ np.abs(w).T + np.abs(b))
                z = np.where(np.abs(z) <= noise, 0.0, z)
            zs.append(z)
            acts.append(_act(layer.activation, z, float(layer.alpha)))
        return zs, acts

    def loss(self) -> float:
        """The batch loss (sum or mean of the examples' losses)."""
        with np.errstate(all="ignore"):
            return self._loss()

    def nudged_loss(self, entry: str, h: float) -> float:
        """The batch loss with one parameter entry moved by h (the others unchanged)."""
        kind, layer, index = _entry_place(entry)
        array = (self.weights if kind == "W" else self.biases)[layer]
        saved, value = array.copy(), self.values[entry]
        self.values[entry] = value + h  # what the L2 penalty reads
        if kind == "W":
            array[index[0] - 1, index[1] - 1] += h
        elif self.problem.layers[layer].bias == "shared":
            array += h
        else:
            array[index[0] - 1] += h
        try:
            return self.loss()
        finally:
            array[...] = saved
            self.values[entry] = value

    def _loss(self) -> float:
        data = self.problem.data
        x = np.array([[float(v) for v in example.x] for example in data])
        y = np.array([[float(v) for v in example.y] for example in data])
        zs, acts = self.forward(x)
        logs = _log_outputs(self.problem.layers[-1].activation, zs[-1], acts[-1])
        losses = [_loss(self.problem.loss, acts[-1][n], y[n], (logs[0][n], logs[1][n]))[0]
                  for n in range(len(data))]
        total = float(np.sum(losses))
        total = total / len(losses) if self.problem.reduction == "mean" else total
        return total + penalty(self.problem, self.values)  # L2 weight decay (training)


def _entry_place(entry: str) -> tuple[str, int, tuple[int, ...]]:
    """'W2[1,3]' → ('W', 2, (1, 3)); 'b1[2]' → ('b', 1, (2,))."""
    kind, rest = entry[0], entry[1:]
    layer, _, index = rest.partition("[")
    return kind, int(layer), tuple(int(i) for i in index.rstrip("]").split(","))


def reference(problem: Problem) -> dict[str, float]:
    """Every quantity of every step in float64, under the graph's canonical names.
    Values beyond float64's range come out as ±inf or nan, without warnings."""
    with np.errstate(all="ignore"):
        return _reference(problem)


def _reference(problem: Problem) -> dict[str, float]:
    out: dict[str, float] = {}
    net = Network(problem)
    batch = len(problem.data) > 1
    last = problem.depth
    rate = float(problem.learning_rate) if problem.learning_rate is not None else None
    optimizer = Optimizer(problem) if rate is not None else None  # SGD, momentum or Adam
    for step in range(1, problem.steps + 1):
        step_prefix = f"step{step}." if step > 1 else ""
        grads, losses = _backprop(problem, net, step_prefix, batch, last, out)
        _store_loss(out, step_prefix, losses, problem, batch)
        _store_penalty(out, step_prefix, problem, net.values)
        grads = decay(problem, net.values, grads)  # + λW (L2 weight decay)
        for entry, g in grads.items():
            out[f"{step_prefix}grad.{entry}"] = g
        if rate is None:
            return out
        net = Network(problem, optimizer.step(net.values, grads, out, step_prefix))
    after = f"step{problem.steps}.next." if problem.steps > 1 else "next."
    losses = []
    for n, example in enumerate(problem.data, 1):
        ex = f"ex{n}." if batch else ""
        zs, acts = net.forward(np.array([float(v) for v in example.x]))
        _store_forward(out, after + ex, zs, acts, last)
        logs = _log_outputs(problem.layers[-1].activation, zs[-1], acts[-1])
        losses.append(_loss(problem.loss, acts[-1],
                            np.array([float(v) for v in example.y]), logs)[0])
    _store_loss(out, after, losses, problem, batch)
    _store_penalty(out, after, problem, net.values)
    return out


def _backprop(problem, net, step_prefix, batch, last, out):
    trained = set(problem.trained())
    grads = {e: 0.0 for e in problem.trained()}
    losses = []
    for n, example in enumerate(problem.data, 1):
        ex = step_prefix + (f"ex{n}." if batch else "")
        x = np.array([float(v) for v in example.x])
        y = np.array([float(v) for v in example.y])
        zs, acts = net.forward(x)
        _store_forward(out, ex, zs, acts, last)
        logs = _log_outputs(problem.layers[-1].activation, zs[-1], acts[-1])
        loss, upstream = _loss(problem.loss, acts[-1], y, logs)
        losses.append(loss)
        for k, v in enumerate(upstream, 1):
            out[f"{ex}grad.yhat[{k}]"] = float(v)
        per_example, delta = {}, upstream
        for l in range(last, 0, -1):
            layer = problem.layers[l]
            if l < last:  # ∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾
                upstream = net.weight(l + 1).T @ delta
                for i, v in enumerate(upstream, 1):
                    out[f"{ex}grad.a{l}[{i}]"] = float(v)
            fused = _fused_output_delta(problem, layer.activation, zs[l], acts[l], y) \
                if l == last else None
            if fused is not None:
                delta = fused
            elif layer.activation == "softmax":  # δ = J_softmaxᵀ g, J = diag(ŷ) − ŷŷᵀ
                weighted = _weighted_upstream(problem.loss, acts[l], y, upstream, logs)
                delta = weighted - acts[l] * weighted.sum()  # δᵢ = ŷᵢgᵢ − ŷᵢ Σₖ ŷₖgₖ
            else:
                slope = _slope(layer.activation, zs[l], acts[l], float(layer.alpha),
                               float(problem.relu_derivative_at_zero))
                if layer.activation != "identity":
                    for i, v in enumerate(slope, 1):
                        out[f"{ex}dact{l}[{i}]"] = float(v)
                delta = upstream * slope
            for i, v in enumerate(delta, 1):
                out[f"{ex}delta{l}[{i}]"] = float(v)
            grad_w = np.outer(delta, acts[l - 1])  # ∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ
            for i in range(grad_w.shape[0]):
                for j in range(grad_w.shape[1]):
                    per_example[f"W{l}[{i + 1},{j + 1}]"] = float(grad_w[i, j])
            if layer.bias == "shared":
                per_example[f"b{l}[1]"] = float(delta.sum())
            elif layer.bias == "yes":
                for i, v in enumerate(delta, 1):
                    per_example[f"b{l}[{i}]"] = float(v)
        for entry in grads:
            if entry in trained:
                grads[entry] += per_example[entry]
                if batch:
                    out[f"{ex}grad.{entry}"] = per_example[entry]
    if problem.reduction == "mean":
        grads = {e: g / len(problem.data) for e, g in grads.items()}
    return grads, losses


def _store_forward(out, prefix, zs, acts, last):
    for l in range(1, last + 1):
        for i, v in enumerate(zs[l], 1):
            out[f"{prefix}z{l}[{i}]"] = float(v)
        name = "yhat" if l == last else f"a{l}"
        for i, v in enumerate(acts[l], 1):
            out[f"{prefix}{name}[{i}]"] = float(v)


def _store_penalty(out, prefix, problem, values):
    """The L2 term (λ/2) Σ W², stored and added to the loss (training: weight_decay)."""
    if problem.decayed():
        out[f"{prefix}penalty"] = penalty(problem, values)
        out[f"{prefix}loss"] += out[f"{prefix}penalty"]


def _store_loss(out, prefix, losses, problem, batch):
    if batch:
        for n, loss in enumerate(losses, 1):
            out[f"{prefix}ex{n}.loss"] = float(loss)
    total = float(np.sum(losses))
    out[f"{prefix}loss"] = total / len(losses) if (batch and problem.reduction == "mean") \
        else total
