"""Every view of a variant from the same exact values: the question, the worked
solution, the answer key and the Moodle question; the templates hold their words."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath

from ..decimals import decimal_text, fixed_text, round_half_up
from ..derive import entry_label
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


def key_of(plan: Plan, variant: Variant) -> dict:
    """The answer key of one variant: every asked quantity, rounded and exact."""
    rules, names = plan.rules, plan.program.names
    answers = []
    for i in plan.asked:
        value = variant.values[i]
        answers.append({
            "name": names[i],
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
def symbol(label) -> dict:
    """A node's label as plain data; the templates turn it into notation."""
    out = {"kind": label.kind, "layer": label.layer, "index": list(label.index),
           "example": label.example, "step": label.step, "after": label.after}
    if label.target:
        target = entry_label(label.target)
        out["target"] = {"kind": target.kind, "layer": target.layer,
                         "index": list(target.index)}
    return out


class Views:
    """The templates and everything about the graph that no draw changes, prepared once;
    each variant's question, solution, key and Moodle question are fill-ins from the same
    exact values."""

    def __init__(self, plan: Plan, user_templates=None):
        from ..render import environment
        from ..sheets import SheetRenderer
        from .moodle import add_filters, cloze_escape

        self.plan = plan
        env = environment(user_templates)
        add_filters(env)
        self.env = env
        self.templates = {name: _template(env, name) for name in (
            "question.tex.j2", "variants-document.tex.j2", "variants-solution.tex.j2",
            "moodle.xml.j2")}
        graph, problem = plan.graph, plan.problem
        self.sheet = SheetRenderer(graph, user_templates)  # prepared once per graph
        self.packages = list(dict.fromkeys(("amsmath", "amssymb", "booktabs",
                                            *SheetRenderer.PREAMBLE_PACKAGES)))
        notation = env.get_template("variants-symbols.j2").module
        self.tex = {name: str(notation.sym(symbol(node.label)))  # once per graph
                    for name, node in graph.nodes.items()}
        self.tex_cloze = {name: cloze_escape(tex) for name, tex in self.tex.items()}
        self.static = {
            "problem": {"name": problem.name, "description": problem.description},
            "layers": [{"units": l.units, "activation": l.activation, "bias": l.bias,
                        "alpha": decimal_text(l.alpha)} for l in problem.layers],
            "loss": problem.loss, "reduction": problem.reduction, "steps": problem.steps,
            "frozen": [self.tex[e] for e in problem.entries() if e in problem.frozen],
            "decimals": plan.rules.decimals,
        }
        self.width = 3

    def label(self, number: int) -> str:
        return str(number).zfill(self.width)

    def context(self, variant: Variant, key: dict) -> dict:
        """What a question shows: the variant's givens, what to compute, the exponentials."""
        plan, problem = self.plan, self.plan.problem
        given = {item["name"]: item["value"] for item in key["givens"]}
        parameters = []
        for layer in range(1, len(problem.layers)):
            rows, cols = problem.layers[layer].units, problem.layers[layer - 1].units
            parameters.append({
                "layer": layer,
                "weights": [[given[f"W{layer}[{i},{j}]"] for j in range(1, cols + 1)]
                            for i in range(1, rows + 1)],
                "biases": [given[e] for e in problem.bias_entries(layer)]})
        batch = len(problem.data) > 1
        examples = []
        for n, example in enumerate(problem.data, 1):
            prefix = f"ex{n}." if batch else ""
            examples.append({
                "x": [given[f"{prefix}x[{i}]"] for i in range(1, len(example.x) + 1)],
                "y": [given[f"{prefix}y[{k}]"] for k in range(1, len(example.y) + 1)]})
        label = self.label(variant.number)
        values = dict(zip(plan.program.names, variant.values, strict=True))
        answers = [{**answer, "tex": self.tex[answer["name"]],
                    "tex_cloze": self.tex_cloze[answer["name"]]}
                   for answer in key["answers"]]
        return {**self.static, "parameters": parameters, "examples": examples,
                "lr": given.get("lr"), "exponentials": exponentials(plan, variant),
                "network": self.sheet.network(values, plan.rules.decimals),
                "ask": answers, "answers": answers,
                "variant": {"number": variant.number, "label": label,
                            "idnumber": f"{problem.name}-{label}"}}

    def question(self, context: dict) -> str:
        """The question as a page body (one page range of questions.pdf)."""
        return self.templates["question.tex.j2"].render(**context)

    def solution(self, variant: Variant, context: dict) -> str:
        """The worked solution as a page body (one page range of solutions.pdf): the
        solution-sheet renderer's body for this variant's values, and its answer key."""
        names = self.plan.program.names
        values = dict(zip(names, variant.values, strict=True))
        sheet = self.sheet.tex(values, decimals=self.plan.rules.decimals, standalone=False,
                               diagram=False)  # the question sheet carries the diagram
        return self.templates["variants-solution.tex.j2"].render(**context, sheet=sheet)

    def document(self, pages: list[str]) -> str:
        return self.templates["variants-document.tex.j2"].render(pages=pages,
                                                                 packages=self.packages)

    def moodle(self, contexts: list[dict]) -> str:
        from .moodle import bank

        return bank(self.templates["moodle.xml.j2"], self.plan.problem.name, contexts)


def _template(env, name: str):
    import jinja2

    from ..errors import RenderError

    try:
        return env.get_template(name)
    except jinja2.TemplateError as error:
        raise RenderError(f"template {name}: {error}") from None




@dataclass
class Rendered:
    """One variant in every view, from the same exact values."""

    variant: Variant
    key: dict
    context: dict
    question: str  # page body
    solution: str  # page body


def render(plan: Plan, views: Views, variant: Variant) -> Rendered:
    key = key_of(plan, variant)
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
