"""The problem a user writes down, read from a spec file and validated into a frozen record.

A spec names the layers, every parameter, the training examples, the loss, the reduction
over the batch, the learning rate and the number of SGD steps. Numbers are exact Fractions.
This module does not import SymPy, so the NumPy reference can share it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import ClassVar

from . import activations, losses
from .decimals import parse_decimal
from .errors import LimitError, SpecError
from .source import Number, Source, path_text, read_file, read_text

ACTIVATIONS = activations.NAMES
LOSSES = losses.NAMES
PROBABILITY_OUTPUTS = tuple(a.name for a in activations.ACTIVATIONS.values() if a.probabilities)
REDUCTIONS = ("mean", "sum")
# a training run and its optimiser (read by Reader.training, .optimizer, .weight_decay)
TRAINING_KEYS = ("epochs", "batch_size", "shuffle", "optimizer", "weight_decay", "compare")
OPTIMIZERS = ("sgd", "momentum", "adam")
MOMENTUM = Fraction(9, 10)  # momentum's default β (μ), as PyTorch's examples and most courses
ADAM = {"beta1": Fraction(9, 10), "beta2": Fraction(999, 1000),  # Kingma and Ba's defaults
        "epsilon": Fraction(1, 10**8)}
MAX_TRAINING_STEPS = 100_000
# a run's work: steps × examples per step × parameters × runs (one, and one per compared
# activation). Measured (bench/training.py, 2 cores): 10,000 full-batch steps of the XOR
# 2-4-4-1 (1,480,000) verify in 145 s at a load average of 2, about 100 µs per unit
MAX_TRAINING_WORK = 1_500_000
TOP_KEYS = ("name", "description", "layers", "parameters", "names", "data", "loss",
            "reduction", "learning_rate", "steps", "frozen", "relu_derivative_at_zero",
            "digits", "significant", "variants", "nudges", *TRAINING_KEYS)
LAYER_KEYS = ("units", "activation", "bias", "alpha")
MAX_PARAMETERS = 1_500  # measured (bench/stress.py, 2 cores): 1,001 parameters solve, prove
# and print as JSON in 6 s; the cost grows linearly with the graph
QUANTITIES_PER_PARAMETER = 10  # the graph may hold 10 quantities per allowed parameter
# (15,000 by default): about 2 ms each to derive, evaluate, prove and print; 400 examples
# of a 2-2-1 network (14,030 quantities) take 28 s. A softmax layer of K outputs counts
# K²/2 more per example and step (its δ and ŷ formulas hold every output).
MAX_STEPS = 50
MAX_MAGNITUDE = Fraction(10) ** 12
MIN_MAGNITUDE = Fraction(1, 10**12)
_ENTRY = re.compile(r"([Wb])(\d+)(?:\[(\d+)(?:,(\d+))?\])?")
# symprop's own names without an index: a textbook name must not hide one of them
_OWN_NAME = re.compile(r"x|y|lr|loss|yhat|grad|next|(?:z|a|dact|delta|W|b|ex|step)\d+")
# free text goes into every sheet; TeX reads at most 200,000 characters on one line
MAX_TEXT = {"name": 200, "description": 20_000}


@dataclass(frozen=True)
class Layer:
    units: int
    activation: str | None = None  # None on the input layer
    bias: str = "yes"  # yes | no | shared (one bias for the whole layer)
    alpha: Fraction = Fraction(1, 100)  # leaky_relu slope for z < 0


@dataclass(frozen=True)
class Example:
    x: tuple[Fraction, ...]
    y: tuple[Fraction, ...]


@dataclass(frozen=True)
class Optimizer:
    """The update rule: plain SGD, momentum (v ← μv + ∂L/∂θ, θ ← θ − ηv) or Adam."""

    name: str = "sgd"  # sgd | momentum | adam
    momentum: Fraction | None = None  # momentum's μ (β)
    letter: str = "mu"  # the key the spec used for it, 'mu' or 'beta': the sheets' symbol
    beta1: Fraction | None = None
    beta2: Fraction | None = None
    epsilon: Fraction | None = None

    def hyperparameters(self) -> dict[str, Fraction]:
        """The optimiser's given numbers by node name (none for SGD)."""
        if self.name == "momentum":
            return {"momentum": self.momentum}
        if self.name == "adam":
            return {"beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon}
        return {}

    @property
    def states(self) -> tuple[str, ...]:
        """What the optimiser carries from step to step, per parameter (0 at the start)."""
        return {"momentum": ("velocity",), "adam": ("m", "v")}.get(self.name, ())


@dataclass(frozen=True)
class Training:
    """A training run: ``epochs`` passes over the data in minibatches of ``batch_size``,
    in the order written or in a seeded shuffled order; ``compare`` names activations to
    run the same network with (on every hidden layer)."""

    epochs: int
    batch_size: int
    shuffle_seed: int | None = None
    compare: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """A validated problem. ``parameters`` maps canonical entries ('W1[1,2]') to values.
    (A ``graph:`` spec gives a symprop.circuit_spec.CircuitProblem instead.)"""

    kind: ClassVar[str] = "layers"
    name: str
    layers: tuple[Layer, ...]
    parameters: dict[str, Fraction]
    data: tuple[Example, ...]
    loss: str
    reduction: str = "mean"
    learning_rate: Fraction | None = None
    steps: int = 1
    frozen: frozenset[str] = frozenset()
    relu_derivative_at_zero: Fraction = Fraction(0)
    names: dict[str, str] = field(default_factory=dict)  # textbook name → canonical entry
    digits: int = 4
    significant: int | None = None  # sheets show significant figures instead of digits
    description: str = ""
    variants: dict = field(default_factory=dict, compare=False)
    optimizer: Optimizer = Optimizer()
    weight_decay: Fraction | None = None  # L2: (λ/2) Σ W² over the trained weights
    training: Training | None = None  # epochs and minibatches (symprop.training)
    source: str = ""
    origin: Source | None = field(default=None, compare=False, repr=False)  # marks, for errors
    nudges: tuple = ()  # symprop.circuit_spec.Nudge: a given or forward value changed by h

    @property
    def depth(self) -> int:
        """Number of layers with weights (the input layer is layer 0)."""
        return len(self.layers) - 1

    def weight_entries(self, layer: int) -> list[str]:
        rows, cols = self.layers[layer].units, self.layers[layer - 1].units
        return [f"W{layer}[{i},{j}]" for i in range(1, rows + 1) for j in range(1, cols + 1)]

    def bias_entries(self, layer: int) -> list[str]:
        kind = self.layers[layer].bias
        units = 1 if kind == "shared" else self.layers[layer].units
        return [] if kind == "no" else [f"b{layer}[{i}]" for i in range(1, units + 1)]

    def bias_entry(self, layer: int, unit: int) -> str | None:
        """The parameter entry that unit ``unit`` of ``layer`` adds, if any."""
        kind = self.layers[layer].bias
        return None if kind == "no" else f"b{layer}[{1 if kind == 'shared' else unit}]"

    def entries(self) -> list[str]:
        """Every parameter entry, layer by layer, weights before biases."""
        out: list[str] = []
        for layer in range(1, len(self.layers)):
            out += self.weight_entries(layer) + self.bias_entries(layer)
        return out

    def trained(self) -> list[str]:
        return [e for e in self.entries() if e not in self.frozen]

    def decayed(self) -> list[str]:
        """The weights whose squares the L2 term adds to the loss: the trained weights."""
        return [] if not self.weight_decay else [e for e in self.trained()
                                                 if e.startswith("W")]

    def extra_givens(self) -> dict[str, Fraction]:
        """Given values besides data, parameters and learning rate, by node name: the
        optimiser's numbers, its state before step 1 (0), and the weight decay λ."""
        values: dict[str, Fraction] = {}
        if self.learning_rate is not None:
            values.update(self.optimizer.hyperparameters())
            for kind in self.optimizer.states:
                values.update({f"step0.{kind}.{e}": Fraction(0) for e in self.trained()})
        if self.weight_decay:
            values["weight_decay"] = self.weight_decay
        return values

    def textbook_name(self, entry: str) -> str | None:
        for alias, canonical in self.names.items():
            if canonical == entry:
                return alias
        return None

    def solve(self, **options):
        """Derive, evaluate and prove this problem (see ``symprop.solve``)."""
        from .api import solve
        return solve(self, **options)

    def with_values(self, parameters=None, data=None) -> Problem:
        """The same problem with other numbers (used by variants); shapes are kept."""
        from dataclasses import replace
        return replace(self, parameters=dict(parameters or self.parameters),
                       data=tuple(data or self.data))


def load(path, max_parameters: int | None = None):
    """Read and validate a spec file (``max_parameters`` None: the default limit): a
    Problem for ``layers:``, a CircuitProblem for ``graph:``."""
    return Reader(read_file(path), max_parameters).problem(Path(path).stem)


def loads(text: str, name: str = "spec", max_parameters: int | None = None):
    """Read and validate spec text."""
    return Reader(read_text(text, name), max_parameters).problem(name)


def estimated_quantities(layers, examples: int, steps: int, rate: bool, trained: int) -> int:
    """About how many nodes the derivation graph has (derive.build's count within 10 %,
    with every parameter trained), plus K²/2 per softmax pass of K outputs."""
    units = sum(layer.units for layer in layers[1:])
    outputs = layers[-1].units
    softmax = outputs * outputs // 2 if layers[-1].activation == "softmax" else 0
    per_example = 5 * units + 1 + softmax + (trained if examples > 1 else 0)
    per_step = examples * per_example + (2 * trained if rate else trained)
    after = examples * (2 * units + 1 + softmax) if rate else 0
    givens = trained + examples * (layers[0].units + outputs) + 1
    return givens + steps * per_step + after


def suggest(word: str, choices, other_names: dict | None = None) -> str:
    """' (did you mean …?)' for a near miss: the same word in other case or with hyphens
    (ReLU, leaky-relu), a name other texts use (``other_names``: mse, linear), or a close
    spelling."""
    plain = re.sub(r"[\s-]+", "_", str(word).strip()).lower()
    close = [c for c in choices if c == plain] or \
        [name for name in [(other_names or {}).get(plain)] if name in choices] or \
        difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Reader:
    """Validates a Source field by field; every error names its path and place. ``prefix``
    is the path of the part being read (('variants',) for the variants block)."""

    def __init__(self, source: Source, max_parameters: int | None = None, prefix: tuple = ()):
        self.source, self.prefix = source, prefix
        self.max_parameters = max_parameters or MAX_PARAMETERS

    def fail(self, path: tuple, expected: str, got: str | None = None):
        path = (*self.prefix, *path)
        raise SpecError(path_text(path), expected, got, self.source.where(path))

    def show(self, value) -> str:
        if value is None:
            return "nothing"
        if isinstance(value, bool):
            return f"boolean {str(value).lower()}"
        if isinstance(value, Number):
            return str(value)
        if isinstance(value, str):
            return repr(value if len(value) <= 40 else value[:37] + "...")
        return type(value).__name__ if not isinstance(value, list | dict) else (
            "a list" if isinstance(value, list) else "a mapping")

    # scalar readers ---------------------------------------------------------------
    def number(self, value, path: tuple) -> Fraction:
        if isinstance(value, bool) or not isinstance(value, str):
            self.fail(path, "a finite number", self.show(value))
        try:
            number = parse_decimal(value)
        except ValueError:
            self.fail(path, "a finite number", self.show(value))
        if number != 0 and not MIN_MAGNITUDE <= abs(number) <= MAX_MAGNITUDE:
            self.fail(path, "a number between 1e-12 and 1e12 in size (or 0)", str(value))
        return number

    def integer(self, value, path: tuple, low: int, high: int) -> int:
        number = self.number(value, path)
        if number.denominator != 1 or not low <= number <= high:
            self.fail(path, f"a whole number from {low} to {high}", self.show(value))
        return int(number)

    def significant(self, root: dict) -> int | None:
        """Significant figures for the sheets, instead of ``digits`` decimal places."""
        if "significant" not in root:
            return None
        if "digits" in root:
            self.fail(("significant",), "either digits (decimal places) or significant "
                      "(figures), not both", "both")
        return self.integer(root["significant"], ("significant",), 1, 30)

    def text(self, value, path: tuple, limit: int | None = None) -> str:
        if not isinstance(value, str) or isinstance(value, Number):
            self.fail(path, "text", self.show(value))
        if limit is not None and len(value) > limit:
            self.fail(path, f"text of at most {limit:,} characters",
                      f"{len(value):,} characters")
        return value

    def choice(self, value, path: tuple, choices, other_names: dict | None = None) -> str:
        if not isinstance(value, str) or value not in choices:
            hint = suggest(value, choices, other_names) if isinstance(value, str) else ""
            self.fail(path, f"one of {', '.join(choices)}", self.show(value) + hint)
        return value

    def mapping(self, value, path: tuple, keys=None, required=()) -> dict:
        if not isinstance(value, dict):
            self.fail(path, "a mapping", self.show(value))
        for key in value:
            if keys is not None and key not in keys:
                self.fail((*path, key), f"a known key ({', '.join(keys)})",
                          f"'{key}'{suggest(key, keys)}")
        for key in required:
            if key not in value:
                self.fail((*path, key), "this field", "nothing (it is missing)")
        return value

    def vector(self, value, path: tuple, length: int, what: str) -> tuple[Fraction, ...]:
        if not isinstance(value, list):
            value = [value] if length == 1 and isinstance(value, str) else value
        if not isinstance(value, list) or len(value) != length:
            got = f"{len(value)} values" if isinstance(value, list) else self.show(value)
            self.fail(path, f"{length} value{'s' * (length != 1)} ({what})", got)
        return tuple(self.number(v, (*path, i)) for i, v in enumerate(value))

    # the document ------------------------------------------------------------------
    def problem(self, default_name: str):
        root = self.source.tree
        if isinstance(root, dict) and "graph" in root:
            if "layers" in root:
                self.fail(("graph",), "either layers (a network) or graph (a computation "
                          "graph)", "both")
            from .circuit_spec import read
            return read(self, default_name)
        self.mapping(root, (), TOP_KEYS, ("layers", "parameters", "data", "loss"))
        layers = self.layers(root["layers"])
        count = Problem("", layers, {}, (), "half_squared_error").entries()
        if len(count) > self.max_parameters:
            raise LimitError(f"{self.source.name}: the network has {len(count):,} "
                             f"parameters; the limit is {self.max_parameters:,} (solving takes "
                             "minutes beyond it); raise it with --max-parameters")
        self.quantity_limit(root, layers, len(count))
        names = self.names(root.get("names"), layers)
        parameters = self.parameters(root["parameters"], layers, names)
        loss = self.choice(root["loss"], ("loss",), LOSSES, losses.OTHER_NAMES)
        data = self.data(root["data"], layers, loss)
        output = layers[-1].activation
        if losses.LOSSES[loss].probabilities and output not in PROBABILITY_OUTPUTS:
            self.fail(("loss",), f"an output activation with values in (0, 1) for {loss} "
                      "(sigmoid or softmax)", f"output activation '{output}'")
        rate = root.get("learning_rate")
        rate = None if rate is None else self.number(rate, ("learning_rate",))
        if rate is not None and rate <= 0:
            self.fail(("learning_rate",), "a positive number", str(root["learning_rate"]))
        if "steps" in root and "epochs" in root:
            self.fail(("steps",), "either steps (worked full-batch steps) or epochs (a "
                      "training run), not both", "both")
        steps = self.integer(root.get("steps", Number("1")), ("steps",), 1, MAX_STEPS)
        if steps > 1 and rate is None:
            self.fail(("learning_rate",), f"a learning rate for {steps} steps", "nothing")
        relu0 = self.number(root.get("relu_derivative_at_zero", Number("0")),
                            ("relu_derivative_at_zero",))
        if relu0 not in (0, 1):
            self.fail(("relu_derivative_at_zero",), "0 or 1",
                      self.show(root["relu_derivative_at_zero"]))
        variants = root.get("variants") or {}
        if not isinstance(variants, dict):
            self.fail(("variants",), "a mapping", self.show(variants))
        problem = Problem(
            name=self.text(root.get("name", default_name), ("name",), MAX_TEXT["name"]),
            description=self.text(root.get("description", ""), ("description",),
                                  MAX_TEXT["description"]),
            layers=layers, parameters=parameters, data=data, loss=loss,
            reduction=self.choice(root.get("reduction", "mean"), ("reduction",), REDUCTIONS),
            learning_rate=rate, steps=steps, relu_derivative_at_zero=relu0, names=names,
            digits=self.integer(root.get("digits", Number("4")), ("digits",), 0, 30),
            significant=self.significant(root),
            variants=variants, source=self.source.name, origin=self.source)
        frozen = self.frozen(root.get("frozen", []), problem)
        from .circuit_spec import read_nudges
        nudges = read_nudges(self, root.get("nudges"), nudge_targets(problem))
        return Problem(**{**problem.__dict__, "frozen": frozen, "nudges": nudges,
                          "optimizer": self.optimizer(root), "weight_decay":
                          self.weight_decay(root), "training": self.training(root, problem)})

    def quantity_limit(self, root: dict, layers, parameters: int) -> None:
        """The graph's size, from the shapes alone (before any value is read)."""
        data = root["data"]
        examples = len(data) if isinstance(data, list) else 1
        steps = root.get("steps", Number("1"))
        steps = self.integer(steps, ("steps",), 1, MAX_STEPS)
        quantities = estimated_quantities(layers, examples, steps,
                                          root.get("learning_rate") is not None, parameters)
        limit = QUANTITIES_PER_PARAMETER * self.max_parameters
        if quantities > limit:
            raise LimitError(
                f"{self.source.name}: the problem has about {quantities:,} quantities "
                f"({parameters:,} parameters, {examples:,} example{'s' * (examples != 1)}, "
                f"{steps} step{'s' * (steps != 1)}); the "
                f"limit is {limit:,} ({QUANTITIES_PER_PARAMETER} per allowed parameter, "
                "about 2 ms each); raise it with --max-parameters")

    def layers(self, value) -> tuple[Layer, ...]:
        if not isinstance(value, list) or len(value) < 2:
            self.fail(("layers",), "a list of at least 2 layers (inputs first)",
                      self.show(value))
        layers = []
        for index, raw in enumerate(value):
            path = ("layers", index)
            self.mapping(raw, path, LAYER_KEYS, ("units",))
            units = self.integer(raw["units"], (*path, "units"), 1, 1000)
            if index == 0:
                for key in ("activation", "bias", "alpha"):
                    if key in raw:
                        self.fail((*path, key), "no activation, bias or alpha on the input "
                                  "layer (layer 0)", f"{key}: {self.show(raw[key])}")
                layers.append(Layer(units))
                continue
            if "activation" not in raw:
                self.fail((*path, "activation"), f"one of {', '.join(ACTIVATIONS)}",
                          "nothing (it is missing)")
            activation = self.choice(raw["activation"], (*path, "activation"), ACTIVATIONS,
                                     activations.OTHER_NAMES)
            if activation == "softmax" and index != len(value) - 1:
                self.fail((*path, "activation"), "softmax on the output layer only",
                          f"softmax on hidden layer {index}")
            if activation == "softmax" and units < 2:
                self.fail((*path, "units"), "at least 2 units for softmax", str(units))
            bias = raw.get("bias", True)
            if bias not in (True, False, "shared"):
                self.fail((*path, "bias"), "true, false or shared", self.show(bias))
            bias = {True: "yes", False: "no"}.get(bias, bias)
            alpha = self.number(raw.get("alpha", Number("0.01")), (*path, "alpha"))
            if "alpha" in raw and activation != "leaky_relu":
                self.fail((*path, "alpha"), "alpha only with leaky_relu", activation)
            layers.append(Layer(units, activation, bias, alpha))
        return tuple(layers)

    def names(self, value, layers) -> dict[str, str]:
        probe = Problem("", layers, {}, (), "half_squared_error")
        entries = probe.entries()
        if value is None:
            return {}
        if value == "sequential":
            names, weights, biases = {}, 0, 0
            for entry in entries:
                if entry.startswith("W"):
                    weights += 1
                    names[f"w{weights}"] = entry
                else:
                    biases += 1
                    names[f"b{biases}"] = entry
            for alias, entry in names.items():  # b2 = b1[2] would hide the canonical b2
                own = probe.bias_entries(int(alias[1:])) if alias[0] == "b" and int(
                    alias[1:]) < len(layers) else []
                if own and own != [entry]:
                    self.fail(("names",), "'sequential' only where b1, b2, … are the biases "
                              "of layers 1, 2, … (one bias per layer); else a mapping",
                              f"{alias} = {entry}, which would hide the canonical {alias}")
            return names
        self.mapping(value, ("names",))
        names = {}
        for alias, target in value.items():
            path = ("names", alias)
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,15}", alias):
                self.fail(path, "a name of letters, digits and _ (starting with a letter, "
                          "at most 16 characters)", repr(alias))
            if _OWN_NAME.fullmatch(alias):
                self.fail(path, "a textbook name that is not one of symprop's own names (x, "
                          "y, lr, loss, yhat, grad, next, or z, a, dact, delta, W, b, ex, "
                          "step with a number)", f"'{alias}'")
            target = self.text(target, path).replace(" ", "")
            target = self.entry_name(target, probe, path)
            if target in names.values():
                self.fail(path, "each parameter named once", f"a second name for {target}")
            names[alias] = target
        return names

    def entry_name(self, text: str, probe: Problem, path: tuple) -> str:
        """'W1[1,2]', 'b1[2]', or 'b1' for a one-unit or shared bias → canonical entry."""
        entries = probe.entries()
        if text in entries:
            return text
        if f"{text}[1]" in entries and f"{text}[2]" not in entries:
            return f"{text}[1]"
        self.fail(path, "a parameter entry such as W1[1,2] or b1[1]", repr(text))

    def parameters(self, value, layers, names) -> dict[str, Fraction]:
        self.mapping(value, ("parameters",))
        probe = Problem("", layers, {}, (), "half_squared_error")
        entries, given = probe.entries(), {}

        def put(entry, number, path):
            if entry in given:
                self.fail(path, f"{entry} given once", "a second value for it")
            given[entry] = number

        for key, raw in value.items():
            path = ("parameters", key)
            if key in names:
                put(names[key], self.number(raw, path), path)
                continue
            match = _ENTRY.fullmatch(key)
            if not match or not 1 <= int(match[2]) < len(layers):
                self.fail(path, f"W<l>, b<l> (l = 1 … {len(layers) - 1}), an entry such as "
                          "W1[1,2], or a name from 'names'", f"'{key}'"
                          + suggest(key, [*names, *entries]))
            kind, layer = match[1], int(match[2])
            if match[3]:
                entry = self.entry_name(key, probe, path)
                put(entry, self.number(raw, path), path)
            elif kind == "W":
                rows, cols = layers[layer].units, layers[layer - 1].units
                shape = (f"a {rows}×{cols} matrix (one row per unit of layer {layer}, one "
                         f"column per unit of layer {layer - 1})")
                if cols == rows == 1 and not isinstance(raw, list):
                    raw = [[raw]]
                if rows == 1 and isinstance(raw, list) and raw and not isinstance(raw[0], list):
                    raw = [raw]
                if not isinstance(raw, list) or len(raw) != rows or not all(
                        isinstance(r, list) and len(r) == cols for r in raw):
                    self.fail(path, shape, self.shape_of(raw))
                for i, row in enumerate(raw):
                    for j, number in enumerate(row):
                        put(f"W{layer}[{i + 1},{j + 1}]",
                            self.number(number, (*path, i, j)), (*path, i, j))
            else:
                bias_entries = probe.bias_entries(layer)
                if not bias_entries:
                    self.fail(path, f"no b{layer}: layer {layer} has bias: false", "a value")
                numbers = self.vector(raw, path, len(bias_entries),
                                      f"one per bias of layer {layer}")
                for entry, number in zip(bias_entries, numbers, strict=True):
                    put(entry, number, path)
        missing = [e for e in entries if e not in given]
        if missing:
            shown = ", ".join(missing[:6]) + (" …" if len(missing) > 6 else "")
            self.fail(("parameters",), "a value for every parameter", f"none for {shown}")
        return {entry: given[entry] for entry in entries}

    def shape_of(self, raw) -> str:
        if isinstance(raw, list) and all(isinstance(r, list) for r in raw):
            widths = sorted({len(r) for r in raw})
            return f"{len(raw)} rows of {'/'.join(map(str, widths)) or 0} values"
        return self.show(raw)

    def data(self, value, layers, loss) -> tuple[Example, ...]:
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not value:
            self.fail(("data",), "a list of examples {x: […], y: […]}", self.show(value))
        if len(value) > 1000:
            raise LimitError(f"{self.source.name}: data has {len(value):,} examples; the "
                             "limit is 1,000")
        examples = []
        for index, raw in enumerate(value):
            path = ("data", index)
            self.mapping(raw, path, ("x", "y"), ("x", "y"))
            x = self.vector(raw["x"], (*path, "x"), layers[0].units, "one per input")
            y = self.vector(raw["y"], (*path, "y"), layers[-1].units, "one per output")
            if losses.LOSSES[loss].probabilities:
                for k, target in enumerate(y):
                    if not 0 <= target <= 1:
                        self.fail((*path, "y", k), f"a target in [0, 1] for {loss}",
                                  str(raw["y"][k] if isinstance(raw["y"], list) else raw["y"]))
            examples.append(Example(x, y))
        return tuple(examples)

    def frozen(self, value, problem: Problem) -> frozenset[str]:
        if not isinstance(value, list):
            self.fail(("frozen",), "a list of parameter names", self.show(value))
        entries, frozen = problem.entries(), set()
        for index, name in enumerate(value):
            path = ("frozen", index)
            name = self.text(name, path).replace(" ", "")
            if name in problem.names:
                frozen.add(problem.names[name])
            elif name in entries:
                frozen.add(name)
            elif any(e.startswith(name + "[") for e in entries):
                frozen.update(e for e in entries if e.startswith(name + "["))
            else:
                self.fail(path, "a parameter such as W1, b2, W1[1,2] or a name from 'names'",
                          f"'{name}'" + suggest(name, [*problem.names, *entries]))
        return frozenset(frozen)

    # training runs and optimisers (symprop.training) -------------------------------------
    def optimizer(self, root: dict) -> Optimizer:
        """``optimizer: adam`` or ``{name: adam, beta1: …, beta2: …, epsilon: …}``,
        ``{name: momentum, beta: …}`` (or ``mu``), ``sgd``; the defaults are documented."""
        value = root.get("optimizer", "sgd")
        path = ("optimizer",)
        if isinstance(value, str) and not isinstance(value, Number):
            value = {"name": value}
            name = self.choice(value["name"], path, OPTIMIZERS)
        else:
            self.mapping(value, path, ("name", "beta", "mu", "beta1", "beta2", "epsilon"),
                         ("name",))
            name = self.choice(value["name"], (*path, "name"), OPTIMIZERS)
        allowed = {"sgd": (), "momentum": ("beta", "mu"),
                   "adam": ("beta1", "beta2", "epsilon")}[name]
        for key in value:
            if key != "name" and key not in allowed:
                self.fail((*path, key), f"a key of the {name} optimizer ("
                          f"{', '.join(('name', *allowed))})", f"'{key}'")
        if name != "sgd" and root.get("learning_rate") is None:
            self.fail(("learning_rate",), f"a learning rate for the {name} optimizer",
                      "nothing")
        if name == "momentum":
            if "beta" in value and "mu" in value:
                self.fail((*path, "mu"), "either beta or mu (the same coefficient), not both",
                          "both")
            letter = "beta" if "beta" in value else "mu"
            mu = self.coefficient(value, letter, MOMENTUM)
            return Optimizer(name, momentum=mu, letter=letter)
        if name == "adam":
            epsilon = self.number(value["epsilon"], (*path, "epsilon")) \
                if "epsilon" in value else ADAM["epsilon"]
            if epsilon <= 0:
                self.fail((*path, "epsilon"), "a positive number", str(value["epsilon"]))
            return Optimizer(name, beta1=self.coefficient(value, "beta1", ADAM["beta1"]),
                             beta2=self.coefficient(value, "beta2", ADAM["beta2"]),
                             epsilon=epsilon)
        return Optimizer()

    def coefficient(self, value: dict, key: str, default: Fraction) -> Fraction:
        """A decay coefficient β with 0 ≤ β < 1."""
        if key not in value:
            return default
        number = self.number(value[key], ("optimizer", key))
        if not 0 <= number < 1:
            self.fail(("optimizer", key), "a number from 0 up to (not including) 1",
                      str(value[key]))
        return number

    def weight_decay(self, root: dict) -> Fraction | None:
        """λ of the L2 term (λ/2) Σ W²; 0 or absent: none."""
        if "weight_decay" not in root:
            return None
        number = self.number(root["weight_decay"], ("weight_decay",))
        if number < 0:
            self.fail(("weight_decay",), "a number ≥ 0", str(root["weight_decay"]))
        return number or None

    def training(self, root: dict, problem: Problem) -> Training | None:
        """``epochs``, ``batch_size``, ``shuffle: {seed: S}`` and ``compare``."""
        if "epochs" not in root:
            for key in ("batch_size", "shuffle", "compare"):
                if key in root:
                    self.fail((key,), f"epochs (a training run) with {key}", "no epochs")
            return None
        if problem.learning_rate is None:
            self.fail(("learning_rate",), "a learning rate for a training run", "nothing")
        epochs = self.integer(root["epochs"], ("epochs",), 1, MAX_TRAINING_STEPS)
        count = len(problem.data)
        size = self.integer(root["batch_size"], ("batch_size",), 1, 1000) \
            if "batch_size" in root else count
        if size > count:
            self.fail(("batch_size",), f"at most the number of examples ({count})", str(size))
        steps = epochs * -(-count // size)
        if steps > MAX_TRAINING_STEPS:
            self.fail(("epochs",), f"at most {MAX_TRAINING_STEPS:,} steps in all (epochs × "
                      f"{-(-count // size)} minibatches per epoch)", f"{steps:,} steps")
        compare = self.compare(root.get("compare"), problem)
        parameters, runs = len(problem.entries()), 1 + len(compare)
        work = steps * size * parameters * runs
        if work > MAX_TRAINING_WORK:
            self.fail(("epochs",), f"a run of at most {MAX_TRAINING_WORK:,} units of work "
                      "(steps × examples per step × parameters × runs): fewer epochs, a "
                      "smaller batch or a smaller network",
                      f"{steps:,} × {size} × {parameters} × {runs} = {work:,}")
        return Training(epochs, size, self.shuffle(root.get("shuffle", False)), compare)

    def shuffle(self, value) -> int | None:
        if value is False:
            return None
        if not isinstance(value, dict):
            self.fail(("shuffle",), "{seed: S} (a seeded order) or false (the order written)",
                      self.show(value))
        self.mapping(value, ("shuffle",), ("seed",), ("seed",))
        return self.integer(value["seed"], ("shuffle", "seed"), 0, 2**63 - 1)

    def compare(self, value, problem: Problem) -> tuple[str, ...]:
        if value is None:
            return ()
        self.mapping(value, ("compare",), ("activation",), ("activation",))
        names = value["activation"]
        path = ("compare", "activation")
        if not isinstance(names, list) or not names:
            self.fail(path, "a list of activations for the hidden layers", self.show(names))
        if problem.depth < 2:
            self.fail(path, "a network with hidden layers to compare activations on",
                      "no hidden layer")
        hidden = tuple(a for a in ACTIVATIONS if a != "softmax")
        chosen = tuple(self.choice(name, (*path, k), hidden, activations.OTHER_NAMES)
                       for k, name in enumerate(names))
        if len(set(chosen)) != len(chosen):
            self.fail(path, "each activation once", ", ".join(chosen))
        return chosen


def nudge_targets(problem: Problem) -> dict[str, str]:
    """What a nudge of a layered spec may name, and the canonical name of each: a given
    (an entry, a textbook name, x[i], y[k]) or a forward quantity (z1[1], a1[2], yhat[1],
    a<L>[k]) of step 1, with ex<n>. for an example of a batch."""
    out = {entry: entry for entry in problem.entries()}
    out.update(problem.names)
    batch = len(problem.data) > 1
    depth = problem.depth
    for n in range(1, len(problem.data) + 1):
        prefix = f"ex{n}." if batch else ""
        for kind, units in (("x", problem.layers[0].units), ("y", problem.layers[-1].units)):
            out.update({f"{prefix}{kind}[{i}]": f"{prefix}{kind}[{i}]"
                        for i in range(1, units + 1)})
        for l in range(1, depth + 1):
            for i in range(1, problem.layers[l].units + 1):
                a = f"yhat[{i}]" if l == depth else f"a{l}[{i}]"
                out[f"{prefix}z{l}[{i}]"] = f"{prefix}z{l}[{i}]"
                out[f"{prefix}a{l}[{i}]"] = out[f"{prefix}{a}"] = f"{prefix}{a}"
    for name in list(out):  # a one-entry family without its index: z1, yhat, b2
        short = re.sub(r"\[1(,1)?\]$", "", name)
        if short != name and f"{short}[2]" not in out and f"{short}[1,2]" not in out and \
                f"{short}[2,1]" not in out:
            out.setdefault(short, out[name])
    return out
