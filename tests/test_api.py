"""The public API is small and pinned (httpx's test_exported_members pattern)."""

import subprocess
import sys

import symprop

EXPECTED = {"EvaluationError", "LimitError", "OutputError", "Problem", "RenderError",
            "Solution", "SpecError", "SympropError", "VerificationError", "load", "loads",
            "solve"}


def test_exported_members():
    assert set(symprop.__all__) == EXPECTED
    for name in EXPECTED:
        assert getattr(symprop, name) is not None


def test_errors_form_one_tree():
    for name in EXPECTED - {"Problem", "Solution", "load", "loads", "solve", "SympropError"}:
        assert issubclass(getattr(symprop, name), symprop.SympropError)


def test_numpy_reference_never_imports_sympy():
    code = ("import sys; sys.modules['sympy'] = None\n"
            "from symprop.spec import load\nfrom symprop.backprop import reference\n"
            "r = reference(load('examples/textbook-2-2-1.yaml'))\n"
            "assert abs(r['loss'] - 0.0956337) < 1e-7, r['loss']\n"
            "assert 'sympy' not in [m.split('.')[0] for m in sys.modules if sys.modules[m]]\n")
    from conftest import ROOT
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
