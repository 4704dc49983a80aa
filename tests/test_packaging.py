"""The wheel carries the templates, and an installed (non-editable) symprop finds them."""

import subprocess
import sys
import zipfile

import pytest

from conftest import EXAMPLES, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    (path,) = out.glob("symprop-*.whl")
    return path


def test_wheel_contains_every_template(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = sorted(p.name for p in (ROOT / "templates").iterdir() if p.is_file())
    assert templates
    for name in templates:
        assert f"symprop/templates/{name}" in names


def test_installed_wheel_solves_outside_the_repository(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--disable-pip-version-check", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import symprop.render as r; "
            "assert str(r.template_dirs()[0]).startswith(sys.argv[1]), r.template_dirs(); "
            "from symprop.cli import main; main(['solve', sys.argv[2], '--symbolic-seconds', '0'])")
    result = subprocess.run([sys.executable, "-c", code, str(site),
                             str(EXAMPLES / "seed-001-linear-neuron.yaml")],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "1.0798" in result.stdout and "-7.9800" in result.stdout
