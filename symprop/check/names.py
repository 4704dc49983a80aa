"""Names a person writes: the families a list claim names (and their shapes), and the
suggestion an unknown name gets.

A suggestion is, in this order: the name a synonym stands for (``mse``, ``cost``, ``E``
for the loss; ``ReLU(z1[1])``, ``linear(z1[1])``, ``σ(z2[1])`` with the claims' own
function names; an activation's name for its layer's output), a forward quantity after
the step in a multi-step problem (``next.loss`` is the loss after the last step there,
``step<K>.next.loss``), and otherwise the closest spelling.
"""

from __future__ import annotations

import difflib
import re

from ..activations import ACTIVATIONS
from ..losses import LOSSES
from . import claims as claim_text

_ENTRY = re.compile(r"(.+)\[(\d+)(?:,(\d+))?\]")
# what people call the loss: course notes, Mazur's E_total, Ng's J, PyTorch's criterion
LOSS_WORDS = {"mse", "cost", "error", "err", "e", "etotal", "e_total", "j", "l",
              "total_loss", "losstotal", "loss_total", "objective", "criterion",
              *LOSSES, "mean_squared_error", "half_squared_error", "cross_entropy",
              "crossentropy", "ce", "bce", "nll", "sse"}
# function names outside the claims' grammar, and the grammar's word for each
FUNCTION_WORDS = {"relu": "relu", "sigmoid": "sigmoid", "sigma": "sigma", "σ": "sigma",
                  "logistic": "sigmoid", "sig": "sigmoid", "tanh": "tanh", "exp": "exp",
                  "ln": "ln", "log": "log", "linear": "", "identity": "", "id": ""}
ACTIVATION_WORDS = {"linear": "identity", "identity": "identity", "id": "identity",
                    "relu": "relu", "sigmoid": "sigmoid", "logistic": "sigmoid",
                    "sigma": "sigmoid", "σ": "sigmoid", "tanh": "tanh",
                    "leaky_relu": "leaky_relu", "leakyrelu": "leaky_relu", "lrelu":
                    "leaky_relu", "softmax": "softmax", **{a: a for a in ACTIVATIONS}}


def families(checker) -> dict[str, dict[tuple[int, ...], str]]:
    """{'grad.W1': {(1, 1): 'grad.W1[1,1]', …}, 'delta2': {(1,): …}, …} for every name
    and alias with an index."""
    found = getattr(checker, "_families", None)
    if found is None:
        found = {}
        resolve = checker.graph.resolve
        for name in list(checker.program.names) + list(checker.graph.aliases):
            match = _ENTRY.fullmatch(name)
            if match:
                base, i, j = match.groups()
                index = (int(i),) if j is None else (int(i), int(j))
                found.setdefault(base, {})[index] = resolve(name)
        checker._families = found
    return found


def shape(family: dict[tuple[int, ...], str]) -> tuple[int, ...]:
    """(rows, columns) of a matrix family, (n,) of a vector."""
    width = len(next(iter(family)))
    return tuple(max(index[k] for index in family) for k in range(width))


def suggest(checker, written: str) -> str | None:
    """The name (or expression) someone most likely meant by ``written``."""
    text = written.replace(" ", "")
    for suggestion in (_synonym(checker, text), derivative(checker, text),
                       _after_last_step(checker, text)):
        if suggestion:
            return suggestion
    close = difflib.get_close_matches(text, checker.spellings, n=1, cutoff=0.5)
    return close[0] if close else None


def _synonym(checker, text: str) -> str | None:
    prefix, body = _split_prefix(text)
    word = body.lower().replace("-", "_")
    graph = checker.graph
    if word in LOSS_WORDS:
        return _existing(checker, prefix + "loss")
    if word in ACTIVATION_WORDS:  # an activation's name for its layer's output
        wanted = ACTIVATION_WORDS[word]
        for layer in graph.layers:
            if graph.activation(layer).name == wanted:
                outputs = graph.vector("a", layer)
                if outputs:
                    return _existing(checker, prefix + _without_prefix(outputs[0]))
        return None
    if "(" in text:  # ReLU(z1[1]), Sigmoid(...), linear(...): the grammar's own words
        def fix(match):
            word = match.group(1)
            replacement = FUNCTION_WORDS.get(word.lower())
            return match.group(0) if replacement is None else replacement + "("
        fixed = re.sub(r"([A-Za-zσ_]+)\(", fix, text)
        if fixed != text and checker.expression(fixed, bare=True)[0] == "expression":
            tree = claim_text.parse(fixed)
            return fixed if tree[0] != "name" else _existing(checker, tree[1])
    return None


DERIVATIVE = re.compile(r"^(?:d|∂)([^/]+)/(?:d|∂)(.+)$")  # dL/dW1[1,1], ∂f/∂x


def derivative(checker, text: str) -> str | None:
    """A derivative written as a fraction (df/dx, dL/dW1[1,1], ∂J/∂b) means grad.<name>:
    the gradient of the problem's loss or output by that quantity."""
    match = DERIVATIVE.match(text)
    return _existing(checker, "grad." + match.group(2)) if match else None


def _after_last_step(checker, text: str) -> str | None:
    """In a problem of K steps, ``next.<q>`` of a forward quantity means
    ``step<K>.next.<q>`` (after the last step); ``step1.<q>`` means ``<q>``."""
    steps = list(checker.graph.steps)
    if text.startswith("step1."):
        return _existing(checker, text[len("step1."):])
    if len(steps) > 1 and text.startswith("next."):
        return _existing(checker, f"step{steps[-1]}.{text}")
    return None


def after_step_reading(checker, text: str) -> str | None:
    """The other reading of ``next.<q>`` in a multi-step problem: after step 1's update,
    which is step 2's own forward pass (``step2.<q>``)."""
    text = text.replace(" ", "")
    if len(checker.graph.steps) > 1 and text.startswith("next."):
        return _existing(checker, "step2." + text[len("next."):])
    return None


def _split_prefix(text: str) -> tuple[str, str]:
    match = re.fullmatch(r"((?:step\d+\.)?(?:next\.)?(?:ex\d+\.)?)(.*)", text)
    return match.group(1), match.group(2)


def _without_prefix(name: str) -> str:
    return _split_prefix(name)[1]


def _existing(checker, name: str) -> str | None:
    return name if checker.graph.resolve(name, strict=False) else None
