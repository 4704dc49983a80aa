"""Seeded exam variants: the same graph, evaluated again with new numbers.

    rules.py    the spec's ``variants:`` block: grids, asked quantities, sanity rules
    plan.py     Plan: the graph compiled once; seeded draws judged by the rules
    views.py    question, solution, key and Moodle question of one variant
    moodle.py   Moodle XML escaping (cloze fields, CDATA)
    run.py      a whole run: draw, render, write atomically (``make``)
"""

from .plan import Plan, Tally, Variant
from .run import BUNDLE_RUNS, make
from .views import Views, key_csv, key_of

__all__ = ["BUNDLE_RUNS", "Plan", "Tally", "Variant", "Views", "key_csv", "key_of", "make"]
