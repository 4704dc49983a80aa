"""The one-call entry point: ``symprop.solve(problem)``."""

from __future__ import annotations

from .solution import Solution
from .spec import Problem


def solve(problem: Problem, **options) -> Solution:
    """Derive, evaluate exactly and prove; raises VerificationError on any disagreement."""
    return Solution(problem, **options)
