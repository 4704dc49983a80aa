"""Every view of a variant from the same exact values: the question, the worked
solution, the answer key and the Moodle question; the templates hold their words."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath

from ..decimals import decimal_text, fixed_text, round_half_up
from ..losses import LOSSES
from ..render import fill
from .plan import Plan, Variant, _fraction


# numbers as text ---------------------------------------------------------------------------
def exponentials(plan: Plan, variant: Variant) -> list[dict]:
    """The "values you may use" table: e^{argument} for each exponential the asked
    quantities need, the argument as a student sees it (rounded to the key's decimals)."""
    decimals, seen, out = plan.rules.decimals, set(), []
    for index, factor in plan.exponent_nodes:
        argument = round_half_up(_fraction(variant.values[index]) * factor, decimals)
        if argument in seen:
            continue
        seen.add(argument)
        row = plan.exponential_rows.get(argument)
        if row is None:
            with mpmath.workdps(40):
                value = mpmath.exp(mpmath.mpf(argument.numerator) / argument.denominator)
            row = plan.exponential_rows[argument] = {
                "argument": decimal_text(argument), "value": fixed_text(value, decimals)}
        out.append(row)
    return out


def key_of(plan: Plan, variant: Variant, symbols: dict | None = None) -> dict:
    """The answer key of one variant: every asked quantity, rounded and exact, with its
    LaTeX symbol in the sheets' notation (``symbols``: Views.tex)."""
    rules, names = plan.rules, plan.program.names
    answers = []
    for i in plan.asked:
        value = variant.values[i]
        answers.append({
            "name": names[i], "symbol": symbols[names[i]] if symbols else None,
            "value": fixed_text(value, rules.decimals),
            "tolerance": plan.tolerance_texts[names[i]],
            "exact": (str(value) if value.denominator != 1 else str(value.numerator))
            if type(value) is Fraction else None,
            "float": float(value),
        })
    texts = plan.given_texts
    given = [{"name": names[i], "value": texts.get(v) or decimal_text(v)}
             for v, i in zip(variant.givens, plan.program.givens, strict=True)]
    return {"variant": variant.number, "spawn_key": list(variant.spawn_key),
            "draw": variant.draw, "decimals": rules.decimals, "givens": given,
            "answers": answers}


# views ---------------------------------------------------------------------------------------
class Views:
    """The templates and everything about the graph that no draw changes, prepared once;
    each variant's question, solution, key and Moodle question are fill-ins from the same
    exact values."""

    def __init__(self, plan: Plan, user_templates=None):
        from ..render import load
        from ..sheets import SheetRenderer
        from .moodle import cloze_escape

        self.plan = plan
        graph, problem = plan.graph, plan.problem
        self.circuit = graph.kind == "circuit"  # a computation graph (graph: spec)
        self.templates = {name: load(name, user_templates) for name in (
            "question.tex.j2", "variants-document.tex.j2", "variants-solution.tex.j2",
            "moodle.xml.j2")}
        if self.circuit:
            self.templates["question.tex.j2"] = load("circuit-question.tex.j2",
                                                     user_templates)
        self.sheet = SheetRenderer(graph, user_templates)  # prepared once per graph
        self.packages = list(dict.fromkeys(("amsmath", "amssymb", "booktabs",
                                            *self.sheet.PREAMBLE_PACKAGES)))
        self.tex = self.sheet.symbols  # the sheet's notation, for every view of a variant
        self.tex_cloze = {name: cloze_escape(tex) for name, tex in self.tex.items()}
        printer = self.sheet.printer
        self.width = 3
        if self.circuit:
            self.static = self.sheet.question_context(plan.rules.decimals)
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
            "symbols": {"W": [printer.vector("W", l) for l in graph.layers],
                        "b": [printer.vector("b", l) for l in graph.layers],
                        "x": [printer.vector("x", None, ex) for ex in graph.examples],
                        "y": [printer.vector("y", None, ex) for ex in graph.examples]},
        }

    def label(self, number: int) -> str:
        return str(number).zfill(self.width)

    def context(self, variant: Variant, key: dict) -> dict:
        """What a question shows: the variant's givens, what to compute, the exponentials."""
        plan, problem, graph = self.plan, self.plan.problem, self.plan.graph
        given = {item["name"]: item["value"] for item in key["givens"]}
        parameters = [{"layer": l,
                       "weights": [[given[e] for e in row] for row in graph.weights(l)],
                       "biases": [given[e] for e in graph.biases(l)]} for l in graph.layers]
        examples = [{"x": [given[n] for n in graph.vector("x", example=ex)],
                     "y": [given[n] for n in graph.vector("y", example=ex)]}
                    for ex in graph.examples]
        label = self.label(variant.number)
        values = dict(zip(plan.program.names, variant.values, strict=True))
        answers = [{**answer, "tex": self.tex[answer["name"]],
                    "tex_cloze": self.tex_cloze[answer["name"]]}
                   for answer in key["answers"]]
        if self.circuit:  # its inputs, as drawn
            parameters, examples = [], []
            self.static["inputs"] = [{"symbol": self.tex[n], "value": given[n]}
                                     for n in graph.inputs]
        return {**self.static, "parameters": parameters, "examples": examples,
                "lr": given.get("lr"), "exponentials": exponentials(plan, variant),
                "network": self.sheet.network(values, plan.rules.decimals),
                "ask": answers, "answers": answers,
                "variant": {"number": variant.number, "label": label,
                            "idnumber": f"{problem.name}-{label}"}}

    def question(self, context: dict) -> str:
        """The question as a page body (one page range of questions.pdf)."""
        return fill(self.templates["question.tex.j2"], context)

    def solution(self, variant: Variant, context: dict) -> str:
        """The worked solution as a page body (one page range of solutions.pdf): the
        solution-sheet renderer's body for this variant's values, and its answer key."""
        names = self.plan.program.names
        values = dict(zip(names, variant.values, strict=True))
        sheet = self.sheet.tex(values, decimals=self.plan.rules.decimals, standalone=False,
                               diagram=False)  # the question sheet carries the diagram
        return fill(self.templates["variants-solution.tex.j2"], {**context, "sheet": sheet})

    def document(self, pages: list[str]) -> str:
        return fill(self.templates["variants-document.tex.j2"],
                    {"pages": pages, "packages": self.packages})

    def moodle(self, contexts: list[dict]) -> str:
        return fill(self.templates["moodle.xml.j2"],
                    {"category": self.plan.problem.name, "questions": contexts})


@dataclass
class Rendered:
    """One variant in every view, from the same exact values."""

    variant: Variant
    key: dict
    context: dict
    question: str  # page body
    solution: str  # page body


def render(plan: Plan, views: Views, variant: Variant) -> Rendered:
    key = key_of(plan, variant, views.tex)
    context = views.context(variant, key)
    return Rendered(variant, key, context, views.question(context),
                    views.solution(variant, context))


def key_csv(plan: Plan, rendered: list[Rendered]) -> str:
    """One row per variant, one column per asked quantity (rounded values)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["variant", "spawn_key", "draw", *plan.rules.ask])
    for item in rendered:
        key = item.key
        writer.writerow([item.context["variant"]["label"],
                         ":".join(map(str, key["spawn_key"])), key["draw"],
                         *(answer["value"] for answer in key["answers"])])
    return buffer.getvalue()
