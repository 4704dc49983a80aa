"""The ``variants:`` block of a spec: what may vary over which grid, what is asked, the
tolerances, and the sanity rules. Validated against the graph; every error names its field
path (``variants.vary.W1``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ..activations import ACTIVATIONS
from ..decimals import decimal_text
from ..losses import LOSSES
from ..source import Source
from ..spec import Problem, Reader, suggest

KEYS = ("vary", "ask", "tolerance", "decimals", "nice", "preactivation",
        "allow_zero_gradient", "max_tries", "exponentials")
EXPONENTIALS = ("table", "calculator")  # how a student gets e^t (see Plan.exponential_table)
GRID_KEYS = ("low", "high", "step", "values", "exclude")
RULES = ("targets", "undefined", "nice", "relu_zero", "preactivation", "zero_gradient",
         "loss_decrease", "leak", "duplicate")
RULE_FIELDS = {"duplicate": "variants.vary", "undefined": "variants.vary",
               "targets": "variants.vary",
               "nice": "variants.nice", "relu_zero": "variants.vary",
               "preactivation": "variants.preactivation",
               "zero_gradient": "variants.allow_zero_gradient",
               "loss_decrease": "variants.vary or learning_rate",
               "leak": "variants.exponentials (calculator)"}
DEFAULT_GRID = {"low": "-1", "high": "1", "step": "0.1"}  # every trained parameter
DEFAULT_STEP = Fraction(1, 10)
MAX_TRIES = 10_000
MAX_GRID = 100_000


@dataclass(frozen=True)
class Grid:
    """The values one given may take, and the rule as written (for the manifest)."""

    values: tuple[Fraction, ...]
    rule: dict


@dataclass(frozen=True)
class Rules:
    vary: dict[str, Grid]  # given node name → grid, in the graph's order of givens
    ask: tuple[str, ...]  # canonical node names
    tolerance: dict[str, Fraction]  # per asked node, absolute
    decimals: int
    nice: int | None
    preactivation: tuple[Fraction, Fraction] | None
    allowed_zero: frozenset[str]  # gradients that may be 0 (allowed, or 0 by construction)
    max_tries: int
    exponentials: str = "calculator"  # "table": each question lists the e^t it needs

    def to_dict(self) -> dict:
        return {
            "vary": {name: grid.rule for name, grid in self.vary.items()},
            "ask": list(self.ask),
            "decimals": self.decimals,
            "nice": None if self.nice is None else {"decimals": self.nice},
            "preactivation": None if self.preactivation is None else
            {"low": decimal_text(self.preactivation[0]),
             "high": decimal_text(self.preactivation[1])},
            "allow_zero_gradient": sorted(self.allowed_zero),
            "max_tries": self.max_tries,
            "exponentials": self.exponentials,
            "order": list(RULES),
        }


class _Reader(Reader):
    """Validates the spec's ``variants:`` block with the spec's own reader: every error
    names its field path (``variants.vary.W1``) and its file, line and column."""

    def __init__(self, problem: Problem, graph):
        source = problem.origin or Source(problem.source, None)
        super().__init__(source, prefix=("variants",))
        self.problem, self.graph = problem, graph

    # the block ---------------------------------------------------------------------------
    def rules(self, max_tries: int | None) -> Rules:
        raw = self.mapping(self.problem.variants or {}, (), KEYS)
        nice = self.nice(raw.get("nice"))
        decimals = (self.integer(raw["decimals"], ("decimals",), 0, 12) if "decimals" in raw
                    else nice if nice is not None else self.problem.digits)
        ask = self.ask(raw.get("ask"))
        tries = max_tries if max_tries is not None else (
            self.integer(raw["max_tries"], ("max_tries",), 1, 10_000_000)
            if "max_tries" in raw else MAX_TRIES)
        vary = self.vary(raw.get("vary"))
        return Rules(vary=vary, ask=ask,
                     tolerance=self.tolerance(raw.get("tolerance"), ask, decimals),
                     decimals=decimals, nice=nice,
                     preactivation=self.preactivation(raw.get("preactivation")),
                     allowed_zero=self.allowed_zero(raw.get("allow_zero_gradient", False),
                                                    vary),
                     max_tries=tries,
                     exponentials=self.exponentials(raw.get("exponentials"), ask))

    def exponentials(self, raw, ask: tuple[str, ...]) -> str:
        """'table' (each question lists e^t for its own arguments t = factor·z) unless a
        pre-activation z of an exponential layer is asked, whose value the table would show:
        then, or when written so, 'calculator' (the sheet says one is allowed). Any other
        table entry that happens to show an asked value is caught per draw (rule 'leak')."""
        leaking = [name for name in ask if self.graph.nodes[name].label.kind == "z"
                   and ACTIVATIONS[self.problem.layers[
                       self.graph.nodes[name].label.layer].activation].exponent is not None]
        if raw is None:
            return "calculator" if leaking else "table"
        if raw not in EXPONENTIALS:
            self.fail(("exponentials",), f"one of {', '.join(EXPONENTIALS)}",
                      f"{self.show(raw)}{suggest(str(raw), EXPONENTIALS)}")
        if raw == "table" and leaking:
            self.fail(("exponentials",), "calculator when a pre-activation is asked "
                      f"(the table's e^{{…}} would show {leaking[0]})", "table")
        return raw

    def nice(self, raw) -> int | None:
        if raw is None:
            return None
        if isinstance(raw, str):
            raw = {"decimals": raw}
        self.mapping(raw, ("nice",), ("decimals",))
        places = self.integer(raw.get("decimals", "0"), ("nice", "decimals"), 0, 12)
        if self.graph.kind == "circuit":
            from ..circuit import transcendental
            found = transcendental(self.problem)
            if found:
                self.fail(("nice",), "a graph without exp, log, tanh or sigmoid "
                          "(exponentials never have finitely many decimals)",
                          f"{found[1]} in node {found[0]}")
            return places
        for index, layer in enumerate(self.problem.layers[1:], 1):
            if not ACTIVATIONS[layer.activation].nice:
                nice = ", ".join(name for name, a in ACTIVATIONS.items() if a.nice)
                self.fail(("nice",), f"a network of {nice} layers "
                          "(exponentials never have finitely many decimals)",
                          f"{layer.activation} on layer {index}")
        if not LOSSES[self.problem.loss].squared:
            squared = ", ".join(name for name, loss in LOSSES.items() if loss.squared)
            self.fail(("nice",), f"a squared-error loss ({squared})",
                      f"'{self.problem.loss}'")
        return places

    def vary(self, raw) -> dict[str, Grid]:
        if raw is None:
            raw = {"parameters": DEFAULT_GRID}
        self.mapping(raw, ("vary",), None)
        chosen: dict[str, tuple[int, Grid | None]] = {}
        for key, rule in raw.items():
            specificity, names = self.targets(str(key), ("vary", key))
            kind = self.graph.nodes[names[0]].label.kind
            grid = self.grid(rule, ("vary", key), kind)
            for name in names:  # a more specific key wins: entry > layer or x/y > parameters
                if name not in chosen or chosen[name][0] <= specificity:
                    chosen[name] = (specificity, grid)
        order = [node.name for node in self.graph if node.formula is None]
        return {name: chosen[name][1] for name in order
                if name in chosen and chosen[name][1] is not None}

    def targets(self, key: str, path: tuple) -> tuple[int, list[str]]:
        """The given nodes a ``vary`` key names, and how specific the key is."""
        graph, problem = self.graph, self.problem
        givens = [node for node in graph if node.formula is None]
        if key == "parameters":
            return 0, problem.trained()
        if graph.kind == "circuit":  # a computation graph: its inputs by name
            return self.circuit_targets(key, path)
        if key in ("x", "y"):
            return 1, [n.name for n in givens if n.label.kind == key]
        match = re.fullmatch(r"([xy])\[(\d+)\]", key)
        if match:
            names = [n.name for n in givens
                     if n.label.kind == match[1] and n.label.index == (int(match[2]),)]
            if names:
                return 2, names
        if key == "lr" and problem.learning_rate is not None:
            return 2, ["lr"]
        match = re.fullmatch(r"([Wb])(\d+)", key)
        if match:
            names = [e for e in problem.trained() if re.fullmatch(rf"{key}\[[\d,]+\]", e)]
            if names:
                return 1, names
        entry = problem.names.get(key, key)
        if entry in problem.entries():
            return 2, [entry]
        choices = ["parameters", "x", "y", *(["lr"] if problem.learning_rate else []),
                   *problem.names, *problem.entries()]
        self.fail(path, "parameters, W<l>, b<l>, an entry such as W1[1,2], a name from "
                  "'names', x, y, x[i], y[k] or lr", f"'{key}'{suggest(key, choices)}")

    def circuit_targets(self, key: str, path: tuple) -> tuple[int, list[str]]:
        """``inputs`` (every input), an input's name, or lr."""
        problem = self.problem
        if key == "inputs":
            return 0, list(problem.inputs)
        if key in problem.inputs:
            return 2, [key]
        if key == "lr" and problem.learning_rate is not None:
            return 2, ["lr"]
        choices = ["parameters", "inputs", *problem.inputs,
                   *(["lr"] if problem.learning_rate else [])]
        self.fail(path, "parameters, inputs, an input's name "
                  f"({', '.join(problem.inputs)}) or lr", f"'{key}'{suggest(key, choices)}")

    def grid(self, raw, path: tuple, kind: str) -> Grid | None:
        if raw == "given":
            return None
        if isinstance(raw, list):
            raw = {"values": raw}
        self.mapping(raw, path, GRID_KEYS)
        exclude = {self.number(v, (*path, "exclude", i))
                   for i, v in enumerate(self.list(raw.get("exclude", []), (*path, "exclude")))}
        if "values" in raw:
            for key in ("low", "high", "step"):
                if key in raw:
                    self.fail((*path, key), "either values or low/high/step", "both")
            items = self.list(raw["values"], (*path, "values"))
            if not items:
                self.fail((*path, "values"), "at least one value", "an empty list")
            values = list(dict.fromkeys(self.number(v, (*path, "values", i))
                                        for i, v in enumerate(items)))
            rule = {"values": [decimal_text(v) for v in values]}
        else:
            for key in ("low", "high"):
                if key not in raw:
                    self.fail((*path, key), "this field (or a values list)",
                              "nothing (it is missing)")
            low, high = self.number(raw["low"], (*path, "low")), \
                self.number(raw["high"], (*path, "high"))
            step = self.number(raw["step"], (*path, "step")) if "step" in raw else DEFAULT_STEP
            if step <= 0:
                self.fail((*path, "step"), "a positive step", decimal_text(step))
            if low > high:
                self.fail((*path, "high"), f"a number ≥ low ({decimal_text(low)})",
                          decimal_text(high))
            count = (high - low) / step
            if count.denominator != 1:
                self.fail((*path, "step"), f"a step that divides high − low "
                          f"({decimal_text(high - low)})", decimal_text(step))
            if count + 1 > MAX_GRID:
                self.fail((*path, "step"), f"at most {MAX_GRID:,} grid points",
                          f"{int(count) + 1:,}")
            values = [low + k * step for k in range(int(count) + 1)]
            rule = {"low": decimal_text(low), "high": decimal_text(high),
                    "step": decimal_text(step)}
        if exclude:
            rule["exclude"] = sorted(decimal_text(v) for v in exclude)
        values = [v for v in values if v not in exclude]
        if not values:
            self.fail(path, "at least one value left after exclude", "none")
        if kind == "lr" and min(values) <= 0:
            self.fail(path, "positive learning rates", decimal_text(min(values)))
        if kind == "y" and self.problem.loss in ("binary_cross_entropy", "cross_entropy") and \
                not all(0 <= v <= 1 for v in values):
            self.fail(path, f"targets in [0, 1] for {self.problem.loss}",
                      ", ".join(decimal_text(v) for v in values if not 0 <= v <= 1))
        return Grid(tuple(values), rule)

    def list(self, raw, path: tuple) -> list:
        if not isinstance(raw, list):
            self.fail(path, "a list", self.show(raw))
        return raw

    def quantities(self, item, path: tuple) -> list[str]:
        """Canonical nodes for an asked name: a node, an alias, a family or a group."""
        graph = self.graph
        if not isinstance(item, str):
            self.fail(path, "a quantity name", self.show(item))
        item = item.replace(" ", "")
        if item == "gradients":
            return [n.name for n in graph.stage("gradient")
                    if n.label.example is None and n.label.step == 1]
        if item == "updates":
            return [n.name for n in graph.stage("update") if n.label.step == 1]
        name = graph.resolve(item, strict=False)
        if name is not None:
            return [name]
        family = item
        for alias, entry in self.problem.names.items():  # grad.w1 → grad.W1[1,1]
            family = re.sub(rf"(^|\.){re.escape(alias)}$", rf"\g<1>{entry}", family)
        names = [n for n in graph.nodes if n.startswith(family + "[")]
        if not names:
            choices = ["gradients", "updates", *graph.nodes,
                       *{re.sub(r"\[[\d,]+\]$", "", n) for n in graph.nodes}]
            self.fail(path, "a quantity such as loss, delta2[1], a family such as grad.W1, "
                      "or gradients / updates", f"'{item}'{suggest(item, choices)}")
        return names

    def ask(self, raw) -> tuple[str, ...]:
        if raw is None:
            raw = ["loss", "gradients"]
            if self.problem.learning_rate is not None:
                after = "next.loss" if self.problem.steps == 1 else \
                    f"step{self.problem.steps}.next.loss"
                raw.append(after)
        items = self.list(raw, ("ask",))
        if not items:
            self.fail(("ask",), "at least one quantity", "an empty list")
        asked: list[str] = []
        for index, item in enumerate(items):
            for name in self.quantities(item, ("ask", index)):
                if self.graph.nodes[name].formula is None:
                    self.fail(("ask", index), "a computed quantity (not a given)", f"'{item}'")
                if name not in asked:
                    asked.append(name)
        return tuple(asked)

    def tolerance(self, raw, ask, decimals: int) -> dict[str, Fraction]:
        default = Fraction(5, 10**decimals)  # half a unit in the last place shown, times 10
        if raw is None:
            return dict.fromkeys(ask, default)
        if not isinstance(raw, dict):
            raw = {"default": raw}
        self.mapping(raw, ("tolerance",), None)
        out = dict.fromkeys(ask, default)
        if "default" in raw:
            out = dict.fromkeys(ask, self.positive(raw["default"], ("tolerance", "default")))
        keyed = [(key, self.quantities(key, ("tolerance", key))) for key in raw
                 if key != "default"]
        for key, names in sorted(keyed, key=lambda pair: -len(pair[1])):  # families first
            value = self.positive(raw[key], ("tolerance", key))
            for name in names:
                if name not in out:
                    self.fail(("tolerance", key), "a quantity listed in variants.ask",
                              f"'{name}'")
                out[name] = value
        return out

    def positive(self, raw, path: tuple) -> Fraction:
        value = self.number(raw, path)
        if value <= 0:
            self.fail(path, "a positive number", decimal_text(value))
        return value

    def preactivation(self, raw) -> tuple[Fraction, Fraction] | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            bound = abs(self.number(raw, ("preactivation",)))
            return -bound, bound
        self.mapping(raw, ("preactivation",), ("low", "high"))
        low = self.number(raw.get("low", "-1e12"), ("preactivation", "low"))
        high = self.number(raw.get("high", "1e12"), ("preactivation", "high"))
        if low >= high:
            self.fail(("preactivation", "high"), f"a number > low ({decimal_text(low)})",
                      decimal_text(high))
        return low, high

    def allowed_zero(self, raw, vary) -> frozenset[str]:
        """Gradients that may be exactly 0: those allowed, and those that are 0 by
        construction (∂L/∂W⁽¹⁾ᵢⱼ = δ⁽¹⁾ᵢ xⱼ when xⱼ is fixed at 0 in every example)."""
        gradients = [n for n in self.graph.stage("gradient")]
        if raw is True:
            return frozenset(n.name for n in gradients)
        allowed = set()
        if raw is not False:
            for index, item in enumerate(self.list(raw, ("allow_zero_gradient",))):
                for name in self.quantities(item, ("allow_zero_gradient", index)):
                    if self.graph.nodes[name].stage != "gradient":
                        self.fail(("allow_zero_gradient", index), "a gradient such as "
                                  "grad.W1[1,2] or grad.W1", f"'{item}'")
                    allowed.add(name)
        if self.graph.kind == "circuit":
            return frozenset(allowed)
        zero_inputs = set()
        for j in range(1, self.problem.layers[0].units + 1):
            nodes = [n for n in self.graph if n.formula is None and n.label.kind == "x"
                     and n.label.index == (j,)]
            if all(n.name not in vary for n in nodes) and \
                    all(example.x[j - 1] == 0 for example in self.problem.data):
                zero_inputs.add(j)
        for node in gradients:
            target = node.label.target
            match = re.fullmatch(r"W1\[\d+,(\d+)\]", target)
            if match and int(match[1]) in zero_inputs:
                allowed.add(node.name)
        return frozenset(allowed)


def read_rules(problem: Problem, graph, max_tries: int | None = None) -> Rules:
    """Validate ``problem.variants`` against the graph; SpecError names the field."""
    return _Reader(problem, graph).rules(max_tries)


MAX_VARIANTS = 20_000  # measured: ≈ 3 ms a variant here, so about a minute of work


def check_count(count: int, limit: int = MAX_VARIANTS) -> None:
    """Refuse a run that would take minutes unless the user raised the limit."""
    from ..errors import LimitError

    if count > limit:
        raise LimitError(f"-n: {count:,} variants exceed the limit of {limit:,} (about "
                         "3 ms each); raise it with --max-variants")
