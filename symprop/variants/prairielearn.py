"""PrairieLearn: a question folder whose ``server.py`` calls into symprop.

Export (``symprop variants --format prairielearn``) writes a course fragment:

    prairielearn/questions/<slug>/info.json      uuid (from the spec's name and --seed), title, v3
    prairielearn/questions/<slug>/question.html  the statement (a param) and one
                                                  pl-number-input per asked quantity
    prairielearn/questions/<slug>/server.py      generate, parse and grade: calls this module
    prairielearn/questions/<slug>/spec.yaml      the spec, with its variants: block
    prairielearn/serverFilesCourse/symprop/      symprop itself, and PyYAML, which reads
    prairielearn/serverFilesCourse/yaml/           specs (PrairieLearn puts serverFilesCourse
                                                   on server.py's path; its image has NumPy,
                                                   SymPy and Jinja2)

At run time PrairieLearn calls, with its documented ``data`` dictionary:

    generate(data)  variant_seed s → symprop's variant SeedSequence(seed, spawn_key=(s,)), the
                    first candidate that passes the rules (for s < -n the run's variant s + 1,
                    unless that one was redrawn as a duplicate); params: the statement (HTML),
                    the seed, the candidate, the drawn givens; correct_answers: the key
    parse(data)     a submitted answer that is not a decimal number is a format error
    grade(data)     symprop's checker marks every submitted number against the variant:
                    correct or rounding → full credit; carried (right from the student's own
                    earlier wrong value) → ``carried_credit``; wrong → 0. Feedback per answer,
                    and in general the first wrong step and the named mistake that
                    reproduces it (never the expected value: it is shown while attempts
                    remain)
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from ..decimals import decimals_in, fixed_text, parse_decimal
from ..render import fill, load
from .plan import Plan, Tally, Variant

CARRIED_CREDIT = 0.5  # server.py's default share of the credit for an answer carried forward
FULL = ("correct", "rounding")
_CACHE: dict[str, tuple] = {}  # spec path → (plan, views): prepared once per worker process


# export --------------------------------------------------------------------------------------
def answer_names(plan: Plan) -> dict[str, str]:
    """PrairieLearn answers-names (letters, digits, underscores) for the asked quantities."""
    out: dict[str, str] = {}
    for name in plan.rules.ask:
        base = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_") or "answer"
        pl_name, k = base, 2
        while pl_name in out:
            pl_name, k = f"{base}_{k}", k + 1
        out[pl_name] = name
    return out


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "symprop"


def files(plan: Plan, views, spec_bytes: bytes, seed: int) -> list[tuple[str, str | bytes]]:
    """(relative path, data) of every file of the PrairieLearn folder."""
    from .. import __version__

    problem = plan.problem
    question = f"questions/{slug(problem.name)}"
    names = answer_names(plan)
    identity = uuid.uuid5(uuid.NAMESPACE_URL, f"symprop:{problem.name}:{seed}")
    info = {"uuid": str(identity), "title": problem.name, "topic": "Backpropagation",
            "tags": ["symprop"], "type": "v3"}
    context = {"answers": [{"name": pl, "tex": views.tex[name]} for pl, name in names.items()],
               "decimals": plan.rules.decimals, "seed": seed, "version": __version__,
               "problem": {"name": problem.name}, "carried_credit": CARRIED_CREDIT}
    out = [(f"{question}/info.json", json.dumps(info, indent=2) + "\n"),
           (f"{question}/question.html", views.fill("prairielearn-question.html.j2", context)),
           (f"{question}/server.py", views.fill("prairielearn-server.py.j2", context)),
           (f"{question}/spec.yaml", spec_bytes)]
    return out + vendored()


def vendored() -> list[tuple[str, bytes]]:
    """symprop (with its templates) and PyYAML, as serverFilesCourse/ holds them."""
    import yaml

    import symprop

    out = []
    package = Path(symprop.__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        out.append((f"serverFilesCourse/symprop/{path.relative_to(package)}",
                    path.read_bytes()))
    from ..render import template_dirs

    templates = template_dirs()[0]
    for path in sorted(templates.glob("*.j2")):
        out.append((f"serverFilesCourse/symprop/templates/{path.name}", path.read_bytes()))
    library = Path(yaml.__file__).resolve().parent
    for path in sorted(library.glob("*.py")):  # the pure-Python reader (no C extension)
        out.append((f"serverFilesCourse/yaml/{path.name}", path.read_bytes()))
    return out


# run time: what server.py calls ---------------------------------------------------------------
def _prepared(spec: str):
    found = _CACHE.get(spec)
    if found is None:
        from ..spec import load as load_spec
        from .views import Views

        plan = Plan(load_spec(spec))
        found = _CACHE[spec] = (plan, Views(plan, formats=()))
    return found


def _spec_path(data: dict, spec: str) -> str:
    folder = (data.get("options") or {}).get("question_path")
    return str(Path(folder) / spec) if folder else spec


def draw(plan: Plan, seed: int, spawn: int, draw_number: int | None = None) -> Variant:
    """The variant for PrairieLearn's variant_seed ``spawn``: symprop's seeded drawing from
    SeedSequence(seed, spawn_key=(spawn,)); with ``draw_number``, that candidate again."""
    import numpy as np

    child = np.random.SeedSequence(seed, spawn_key=(spawn,))
    if draw_number is None:
        return plan.search(spawn + 1, child, set(), Tally())
    rng = np.random.default_rng(child)
    for _ in range(draw_number - 1):
        plan.candidate(rng)
    return plan.search(spawn + 1, child, set(), Tally(), rng, draw_number)


def generate(data: dict, spec: str = "spec.yaml", seed: int = 0) -> None:
    from .views import key_of

    plan, views = _prepared(_spec_path(data, spec))
    spawn = int(data.get("variant_seed") or 0) % 2**63
    variant = draw(plan, seed, spawn)
    key = key_of(plan, variant, views.tex)
    context = views.context(variant, key)
    names = answer_names(plan)
    data["params"].update({
        "statement": views.statement(context), "seed": seed, "spawn_key": spawn,
        "draw": variant.draw, "decimals": plan.rules.decimals,
        "givens": {g["name"]: g["value"] for g in key["givens"] if g["drawn"]},
        "names": names})
    values = {a["name"]: a["value"] for a in key["answers"]}
    for pl_name, name in names.items():
        data["correct_answers"][pl_name] = float(values[name])


def parse(data: dict, spec: str = "spec.yaml", seed: int = 0) -> None:
    from ..check.claims import number_text
    from ..errors import SpecError

    for pl_name in data["params"].get("names", {}):
        raw = (data.get("raw_submitted_answers") or {}).get(pl_name)
        if raw is None or pl_name in data["format_errors"]:
            continue
        try:
            number_text(str(raw), pl_name, "")
        except SpecError:
            data["format_errors"][pl_name] = _words("format", {})


def grade(data: dict, spec: str = "spec.yaml", seed: int = 0,
          carried_credit: float = CARRIED_CREDIT) -> None:
    """Mark the submitted numbers with symprop's checker (see the module's docstring)."""
    from ..check import Checker
    from ..check.claims import RawClaim

    plan, views = _prepared(_spec_path(data, spec))
    params = data["params"]
    variant = draw(plan, int(params["seed"]), int(params["spawn_key"]), int(params["draw"]))
    decimals, names = plan.rules.decimals, params["names"]
    raw = data.get("raw_submitted_answers") or {}
    claims = []
    for pl_name, name in names.items():
        text = raw.get(pl_name)
        if text is None or pl_name in data.get("format_errors", {}):
            continue
        text = str(text).strip().replace("\u2212", "-")
        if decimals_in(text) < decimals:  # "0.5" claims 0.5000, never a coarser figure
            text = fixed_text(parse_decimal(text), decimals)
        claims.append(RawClaim(name, text, pl_name))
    report = Checker(plan.problem_of(variant)).check(claims)
    by_name = {v.where: v for v in report.verdicts}
    symbols = views.tex
    scores = data.setdefault("partial_scores", {})
    for pl_name in names:
        verdict = by_name.get(pl_name)
        if verdict is None:
            scores[pl_name] = {"score": 0.0, "weight": 1, "feedback": _words("blank", {})}
            continue
        trivial = [n for n in verdict.notes if n["code"] in ("trivial_zero", "trivial_one")]
        score = 1.0 if verdict.verdict in FULL else (
            carried_credit if verdict.verdict == "carried" and not trivial else 0.0)
        scores[pl_name] = {"score": score, "weight": 1, "feedback": _words("answer", {
            "verdict": verdict.verdict, "trivial": bool(trivial), "credit": score,
            "inherits": [symbols[n] for n in verdict.inherits if n in symbols],
            "mistakes": [m["code"] for m in verdict.mistakes]})}
    total = sum(s["weight"] for s in scores.values())
    data["score"] = sum(s["score"] * s["weight"] for s in scores.values()) / total \
        if total else 0.0
    first = report.first_wrong
    carried = sum(1 for v in report.verdicts if v.verdict == "carried")
    data["feedback"]["general"] = _words("general", {
        "first": None if first is None else {
            "symbol": symbols.get(first.name, first.name),
            "mistakes": [m["code"] for m in first.mistakes]},
        "carried": carried, "credit": carried_credit, "score": data["score"]})


def _words(part: str, context: dict) -> str:
    return fill(load("prairielearn-feedback.html.j2"), {"part": part, **context}).strip()
