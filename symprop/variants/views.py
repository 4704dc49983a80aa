"""Every view of a variant from the same exact values: the question (LaTeX, and HTML for
the learning platforms), the worked solution (LaTeX, and HTML feedback), the answer key
with its fair marking ranges, and the variant as an ordinary spec; the templates hold
their words."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from fractions import Fraction

from ..decimals import decimal_text, fixed_text
from ..losses import LOSSES
from ..render import fill
from . import diagram
from .marking import Marking
from .plan import Plan, Variant

FORMATS = ("moodle", "qti", "prairielearn")  # `symprop variants --format`
FEEDBACK_FORMATS = ("moodle", "qti")  # the formats that carry the worked solution as HTML
DIAGRAM_BOX = r"\usebox{\symnetwork}"  # a page that lays its numbers over the picture


def key_of(plan: Plan, variant: Variant, symbols: dict | None = None,
           marks: list | None = None) -> dict:
    """The answer key of one variant: every asked quantity, rounded and exact, with its
    LaTeX symbol in the sheets' notation (``symbols``: Views.tex) and, with ``marks``
    (Marking.marks), the carried answer and the ranges that get full credit; and the
    givens, the drawn ones marked."""
    rules, names = plan.rules, plan.program.names
    answers = []
    for k, i in enumerate(plan.asked):
        value = variant.values[i]
        answers.append({
            "name": names[i], "symbol": symbols[names[i]] if symbols else None,
            "value": fixed_text(value, rules.decimals),
            "tolerance": plan.tolerance_texts[names[i]],
            **(marks[k].to_dict() if marks else {}),
            "exact": (str(value) if value.denominator != 1 else str(value.numerator))
            if type(value) is Fraction else None,
            "float": float(value),
        })
    texts = plan.given_texts
    given = [{"name": names[i], "value": texts.get(v) or decimal_text(v),
              "drawn": names[i] in rules.vary}
             for v, i in zip(variant.givens, plan.program.givens, strict=True)]
    return {"variant": variant.number, "spawn_key": list(variant.spawn_key),
            "draw": variant.draw, "decimals": rules.decimals, "givens": given,
            "answers": answers}


# views ---------------------------------------------------------------------------------------
class Views:
    """The templates and everything about the graph that no draw changes, prepared once;
    each variant's question, solution, key and learning-platform texts are fill-ins from
    the same exact values. ``formats`` says which platform files the run writes (their
    per-variant texts are made only when needed)."""

    def __init__(self, plan: Plan, user_templates=None, formats=("moodle",)):
        from ..render import load
        from ..sheets import SheetRenderer
        from ..sheets.skeleton import Skeletons

        self.plan = plan
        self.formats = tuple(formats)
        graph, problem = plan.graph, plan.problem
        self.circuit = graph.kind == "circuit"  # a computation graph (graph: spec)
        self.templates = {name: load(name, user_templates) for name in (
            "question.tex.j2", "variants-document.tex.j2", "variants-solution.tex.j2",
            "moodle.xml.j2", "question.html.j2", "feedback.html.j2", "variant-spec.yaml.j2")}
        if self.circuit:
            self.templates["question.tex.j2"] = load("circuit-question.tex.j2",
                                                     user_templates)
        self.sheet = SheetRenderer(graph, user_templates)  # prepared once per graph
        self.user_templates = user_templates
        self.packages = list(dict.fromkeys(("amsmath", "amssymb", "booktabs", "graphicx",
                                            *self.sheet.PREAMBLE_PACKAGES)))
        givens = {plan.program.names[i]: v for i, v in zip(plan.program.givens, plan.base,
                                                           strict=True)}
        # the network's picture without numbers (symprop.variants.diagram), the same for
        # every draw, laid out for the widest labels a draw can have; a computation
        # graph's question draws its circuit itself
        self.diagram = None if self.circuit else diagram.geometry(
            self.sheet.network(diagram.widest(givens, plan), plan.rules.decimals))
        self.tex = self.sheet.symbols  # the sheet's notation, for every view of a variant
        self.skeletons = {} if user_templates is not None or not SheetRenderer.SKELETONS else {
            name: Skeletons(self.templates[name], html=name.endswith(".html.j2"))
            for name in ("question.tex.j2", "question.html.j2", "variants-solution.tex.j2")}
        printer = self.sheet.printer
        self.width = 3
        if self.circuit:
            calculator = self.sheet.circuit.functions & {"exp", "log", "tanh", "sigmoid",
                                                         "sqrt"}
            self.static = {**self.sheet.question_context(plan.rules.decimals),
                           "exponential_rule": "calculator" if calculator else None}
            return
        self.static = {
            "problem": {"name": problem.name, "description": problem.description},
            "circuit": False,
            "layers": [{"units": graph.size("x")}] + [  # the input layer first
                {"units": len(graph.vector("z", l, example=graph.examples[0])),
                 "activation": graph.activation(l).name,
                 "definition": graph.activation(l).definition, "bias": graph.bias_kind(l),
                 "alpha": decimal_text(problem.layers[l].alpha)} for l in graph.layers],
            "loss": problem.loss, "loss_definition": LOSSES[problem.loss].definition,
            "reduction": problem.reduction, "steps": problem.steps,
            "frozen": [self.tex[e] for e in problem.entries() if e in problem.frozen],
            "decimals": plan.rules.decimals,
            "exponential_rule": plan.rules.exponentials if plan.exponent_nodes else None,
            "symbols": {"W": [printer.vector("W", l) for l in graph.layers],
                        "b": [printer.vector("b", l) for l in graph.layers],
                        "x": [printer.vector("x", None, ex) for ex in graph.examples],
                        "y": [printer.vector("y", None, ex) for ex in graph.examples]},
        }

    @functools.cached_property
    def constant(self) -> dict:
        """The part of every question's context that no draw changes."""
        return {**self.static, "diagram": self.diagram}

    @functools.cached_property
    def marking(self) -> Marking:
        """The fair ranges (prepared when a key first needs them)."""
        return Marking(self.plan)

    def fill(self, name: str, context: dict) -> str:
        """Any template by name (loaded once), e.g. the PrairieLearn files."""
        template = self.templates.get(name)
        if template is None:
            from ..render import load

            template = self.templates[name] = load(name, self.user_templates)
        return fill(template, context)

    def label(self, number: int) -> str:
        return str(number).zfill(self.width)

    def context(self, variant: Variant, key: dict, numbers=None) -> dict:
        """What a question shows: the variant's givens, what to compute, the exponentials
        (``numbers``: the variant's sheet numbers, ``Views.numbers``, when made already)."""
        plan, problem, graph = self.plan, self.plan.problem, self.plan.graph
        given = {item["name"]: item["value"] for item in key["givens"]}
        parameters = [{"layer": l,
                       "weights": [[given[e] for e in row] for row in graph.weights(l)],
                       "biases": [given[e] for e in graph.biases(l)],
                       "bias_column": [[given[e]] for e in graph.biases(l)]}
                      for l in graph.layers]
        examples = [{"x": [given[n] for n in graph.vector("x", example=ex)],
                     "y": [given[n] for n in graph.vector("y", example=ex)]}
                    for ex in graph.examples]
        label = self.label(variant.number)
        network = None
        if not self.circuit:
            values = numbers.values if numbers is not None else \
                dict(zip(plan.program.names, variant.values, strict=True))
            network = self.sheet.network(values, plan.rules.decimals, numbers)
        answers = [{**answer, "tex": self.tex[answer["name"]]} for answer in key["answers"]]
        drawn = {}
        if self.circuit:  # its inputs, as drawn
            parameters, examples = [], []
            drawn["inputs"] = [{"symbol": self.tex[n], "value": given[n]} for n in graph.inputs]
        return {**self.static, **drawn, "parameters": parameters, "examples": examples,
                "lr": given.get("lr"), "exponentials": plan.exponential_table(variant.values),
                "network": network, "diagram": self.diagram,
                "diagram_texts": None if network is None else
                diagram.texts(network, self.diagram),
                "ask": answers, "answers": answers,
                "variant": {"number": variant.number, "label": label,
                            "idnumber": f"{problem.name}-{label}",
                            "spawn_key": ":".join(map(str, variant.spawn_key)),
                            "draw": variant.draw}}

    def question(self, context: dict) -> str:
        """The question as a page body (one page range of questions.pdf)."""
        return self._filled("question.tex.j2", context)

    def statement(self, context: dict) -> str:
        """The question as HTML with MathJax maths (Moodle, QTI, PrairieLearn)."""
        return self._filled("question.html.j2", context)

    def _filled(self, name: str, context: dict) -> str:
        """A template of the question's context, filled into its skeleton
        (symprop.sheets.skeleton) when the context's constant part is this Views' own
        (``static`` and the diagram)."""
        skeletons = self.skeletons.get(name)
        if skeletons is None or any(context.get(key) is not value
                                    for key, value in self.constant.items()):
            return fill(self.templates[name], context)
        return skeletons.fill(self.constant, {key: value for key, value in context.items()
                                              if key not in self.constant})

    def numbers(self, variant: Variant):
        """The variant's sheet numbers, shared by its solution page and its feedback."""
        values = dict(zip(self.plan.program.names, variant.values, strict=True))
        return self.sheet.numbers(values, decimals=self.plan.rules.decimals)

    def solution(self, variant: Variant, context: dict, numbers=None) -> str:
        """The worked solution as a page body (one page range of solutions.pdf): the
        solution-sheet renderer's body for this variant's values, and its answer key."""
        numbers = numbers or self.numbers(variant)
        sheet = self.sheet.tex(numbers.values, decimals=self.plan.rules.decimals,
                               standalone=False, diagram=False,  # the question carries it
                               numbers=numbers)
        return self._filled("variants-solution.tex.j2", {**context, "sheet": sheet})

    def feedback(self, variant: Variant, context: dict, numbers=None) -> str:
        """The worked solution as HTML with MathJax maths: the solution sheet's worked
        lines (``SheetRenderer.context``) for the platforms' feedback."""
        numbers = numbers or self.numbers(variant)
        return self.sheet.fill(self.templates["feedback.html.j2"], numbers,
                               {"variant": context["variant"]}, html=True)

    def spec(self, variant: Variant, key: dict, source: str, seed: int) -> str:
        """The variant as an ordinary spec file (YAML)."""
        plan, problem, graph = self.plan, self.plan.problem, self.plan.graph
        given = {item["name"]: _yaml_number(item["value"]) for item in key["givens"]}

        def row(names):
            return "[" + ", ".join(given[n] for n in names) + "]"

        variant_context = {"label": self.label(variant.number),
                           "spawn_key": list(variant.spawn_key), "draw": variant.draw}
        name = json.dumps(f"{problem.name} (variant {self.label(variant.number)})",
                          ensure_ascii=False)
        description = json.dumps(problem.description, ensure_ascii=False) \
            if problem.description else ""
        if self.circuit:  # a graph: spec with this variant's inputs
            spec = {"name": name, "description": description,
                    "inputs": [f"{json.dumps(n)}: {given[n]}" for n in problem.inputs],
                    "nodes": [(json.dumps(f.name), json.dumps(f.text)) for f in problem.nodes],
                    "output": json.dumps(problem.output),
                    "learning_rate": given.get("lr"),
                    "parameters": [json.dumps(n) for n in problem.updated],
                    "nudges": [f"{{{json.dumps(n.written)}: "
                               f"{_yaml_number(decimal_text(n.amount))}}}"
                               for n in problem.nudges],
                    "max_at_tie": problem.max_at_tie if problem.tie_stated else None,
                    "relu_derivative_at_zero": _yaml_number(decimal_text(
                        problem.relu_derivative_at_zero)),
                    "digits": plan.rules.decimals}
            return fill(self.templates["variant-spec.yaml.j2"], {
                "spec": spec, "source": source, "seed": seed, "variant": variant_context,
                "circuit": True})
        layers = [[f"units: {graph.size('x')}"]]
        for l in graph.layers:
            layer = problem.layers[l]
            entry = [f"units: {layer.units}", f"activation: {layer.activation}",
                     f"bias: {_BIAS[layer.bias]}"]
            if layer.activation == "leaky_relu":
                entry.append(f"alpha: {_yaml_number(decimal_text(layer.alpha))}")
            layers.append(entry)
        parameters = []
        for l in graph.layers:
            parameters.append((f"W{l}", "[" + ", ".join(row(r) for r in graph.weights(l))
                               + "]"))
            if graph.biases(l):
                parameters.append((f"b{l}", row(graph.biases(l))))
        spec = {
            "name": name, "description": description,
            "layers": layers, "parameters": parameters,
            "names": [f"{json.dumps(alias)}: {json.dumps(entry)}"
                      for alias, entry in problem.names.items()],
            "frozen": [json.dumps(e) for e in problem.entries() if e in problem.frozen],
            "data": [{"x": row(graph.vector("x", example=ex)),
                      "y": row(graph.vector("y", example=ex))} for ex in graph.examples],
            "loss": problem.loss, "reduction": problem.reduction,
            "learning_rate": given.get("lr"), "steps": problem.steps,
            "relu_derivative_at_zero": _yaml_number(decimal_text(
                problem.relu_derivative_at_zero)),
            "digits": plan.rules.decimals,
        }
        return fill(self.templates["variant-spec.yaml.j2"], {
            "spec": spec, "source": source, "seed": seed, "variant": variant_context,
            "circuit": False})

    def document(self, pages: list[str]) -> str:
        """A LaTeX document around pages; with question pages, it draws their picture
        without numbers once (the pages lay their numbers over it)."""
        drawn = any(DIAGRAM_BOX in page for page in pages)
        return fill(self.templates["variants-document.tex.j2"],
                    {"pages": pages, "packages": self.packages,
                     "diagram": self.diagram if drawn else None})

    def moodle(self, rendered: list[Rendered]) -> str:
        return fill(self.templates["moodle.xml.j2"],
                    {"category": self.plan.problem.name,
                     "questions": [{**item.context, "statement": item.statement,
                                    "feedback": item.feedback} for item in rendered]})


_BIAS = {"yes": "true", "no": "false", "shared": "shared"}


def _yaml_number(text: str) -> str:
    """A number for a YAML spec: a decimal as it is, a ratio quoted ("1/3")."""
    return json.dumps(text) if "/" in text else text


@dataclass
class Rendered:
    """One variant in every view, from the same exact values."""

    variant: Variant
    key: dict
    context: dict
    question: str  # page body
    solution: str  # page body
    statement: str = ""  # HTML (Moodle, QTI)
    feedback: str = ""  # HTML worked solution (Moodle, QTI)


def render(plan: Plan, views: Views, variant: Variant) -> Rendered:
    marks = views.marking.marks(variant)
    key = key_of(plan, variant, views.tex, marks)
    numbers = views.numbers(variant)  # computed once for the question, page and feedback
    context = views.context(variant, key, numbers)
    platforms = any(f in views.formats for f in FEEDBACK_FORMATS)
    return Rendered(variant, key, context, views.question(context),
                    views.solution(variant, context, numbers),
                    views.statement(context) if platforms else "",
                    views.feedback(variant, context, numbers) if platforms else "")


def key_csv(plan: Plan, rendered: list[Rendered]) -> str:
    """One row per variant: its seed, the drawn givens, and per asked quantity the key's
    answer and the range that gets full credit."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    drawn = list(plan.rules.vary)
    writer.writerow(["variant", "spawn_key", "draw", *drawn,
                     *(f"{name}{part}" for name in plan.rules.ask
                       for part in ("", " low", " high"))])
    for item in rendered:
        key = item.key
        given = {g["name"]: g["value"] for g in key["givens"]}
        writer.writerow([item.context["variant"]["label"],
                         ":".join(map(str, key["spawn_key"])), key["draw"],
                         *(given[name] for name in drawn),
                         *(text for answer in key["answers"]
                           for text in (answer["value"], *answer["range"]))])
    return buffer.getvalue()
