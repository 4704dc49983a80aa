"""symprop: derive, verify and typeset backpropagation for small networks.

Public API (pinned by tests/test_api.py):
    load(path) / loads(text)   read and validate a spec → Problem
    solve(problem)             derive, evaluate and prove → Solution
    Problem, Solution          the two records
    SympropError and its subclasses (see symprop.errors)

Submodules are imported lazily, so ``symprop.backprop`` can be used without SymPy.
"""

__version__ = "0.1.0"
__all__ = ["EvaluationError", "LimitError", "OutputError", "Problem", "RenderError",
           "Solution", "SpecError", "SympropError", "VerificationError", "load", "loads",
           "solve"]

_HOMES = {"load": "spec", "loads": "spec", "Problem": "spec", "Solution": "solution",
          "solve": "api"}


def __getattr__(name):
    import importlib
    if name in _HOMES:
        return getattr(importlib.import_module(f"symprop.{_HOMES[name]}"), name)
    if name in __all__:
        return getattr(importlib.import_module("symprop.errors"), name)
    raise AttributeError(name)
