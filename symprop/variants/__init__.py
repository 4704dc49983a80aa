"""Seeded exam variants: the same graph, evaluated again with new numbers.

    rules.py    the spec's ``variants:`` block: grids, asked quantities, sanity rules
    plan.py     Plan: the graph compiled once; seeded draws judged by the rules
    marking.py  the answers that get full credit: key, carried, the checker's intervals
    views.py    question (LaTeX, HTML), solution (LaTeX, HTML feedback), key, spec.yaml
    moodle.py   Moodle XML escaping (cloze fields, CDATA)
    qti.py      the IMS QTI 1.2 package (Canvas, Blackboard)
    prairielearn.py  the PrairieLearn question: export, and generate/parse/grade
    run.py      a whole run: draw, render, write atomically (``make``)
"""

from .marking import Mark, Marking
from .plan import Plan, Tally, Variant
from .run import BUNDLE_RUNS, make
from .views import FORMATS, Views, key_csv, key_of

__all__ = ["BUNDLE_RUNS", "FORMATS", "Mark", "Marking", "Plan", "Tally", "Variant", "Views",
           "key_csv", "key_of", "make"]
