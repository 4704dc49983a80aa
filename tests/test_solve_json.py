"""The JSON output follows the documented schema (README, "JSON output")."""

import json
import re
import subprocess
import sys
from fractions import Fraction

from conftest import EXAMPLES


def solve_json(name):
    result = subprocess.run([sys.executable, "-m", "symprop.cli", "solve",
                             str(EXAMPLES / name), "--format", "json"],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_schema_and_precision():
    data = solve_json("textbook-2-2-1.yaml")
    assert data["schema"] == 1
    assert {"problem", "quantities", "aliases", "checks", "decimals"} <= set(data)
    names = [q["name"] for q in data["quantities"]]
    for name in ["x[1]", "y[1]", "W1[1,2]", "b1[1]", "z1[1]", "a1[2]", "yhat[1]", "loss",
                 "delta2[1]", "grad.W1[1,2]", "grad.b2[1]", "next.W1[1,2]", "next.z1[1]",
                 "next.yhat[1]", "next.loss"]:
        assert name in names
    by_name = {q["name"]: q for q in data["quantities"]}
    loss = by_name["loss"]
    digits = re.sub(r"[^0-9]", "", loss["value"]).lstrip("0")
    assert len(digits) >= 30
    # ½(1 − σ(0.7σ(0.6) − 0.25 + 0.05))² computed independently to 30 digits
    import mpmath
    mpmath.mp.dps = 50
    a = 1 / (1 + mpmath.exp(-mpmath.mpf("0.6")))
    yhat = 1 / (1 + mpmath.exp(-(mpmath.mpf("0.7") * a - mpmath.mpf("0.2"))))
    assert mpmath.almosteq(mpmath.mpf(loss["value"]), (1 - yhat) ** 2 / 2, rel_eps=1e-30)
    assert abs(loss["float"] - 0.0956337) < 1e-7
    assert by_name["z1[1]"]["exact"] == "3/5" and by_name["a1[1]"]["exact"] is None
    assert by_name["next.W2[1,1]"]["rounded"] == "0.7347"
    assert by_name["next.W2[1,1]"]["carry"] == "0.7348"
    assert Fraction(by_name["grad.W1[1,2]"]["exact"]) == 0
    for check in ("symbolic", "numpy", "finite_differences"):
        assert data["checks"][check]["agrees"] is True
    assert data["checks"]["symbolic"]["gradients"]["grad.W1[1,1]"] in (
        "symbolic", "composed-at-points", "forward-mode-at-points")
