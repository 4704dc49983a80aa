from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def examples() -> Path:
    return EXAMPLES


_solved = {}


def solved(name: str, **options):
    """Solve an example once per session (the symbolic proof takes a moment)."""
    import symprop

    key = (name, tuple(sorted(options.items())))
    if key not in _solved:
        _solved[key] = symprop.load(EXAMPLES / name).solve(**options)
    return _solved[key]


def pytest_collection_modifyitems(config, items):
    """Tests marked ``tex`` need pdflatex: skipped locally without it, failed in CI."""
    import os
    import shutil

    if shutil.which("pdflatex") or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="pdflatex not installed (CI installs TeX Live)")
    for item in items:
        if "tex" in item.keywords:
            item.add_marker(skip)
