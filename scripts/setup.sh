#!/usr/bin/env bash
# Set up symprop on a fresh Debian or Ubuntu machine, from the package registries only:
#   TeX Live (pdflatex + TikZ) for PDF sheets, Graphviz (dot) to lay out circuit diagrams,
#   poppler-utils (pdftotext) for the PDF tests,
#   Chromium (with --test) for the HTML screenshot test, and a virtualenv in .venv with
#   symprop and its Python dependencies.
#     bash scripts/setup.sh          # to use symprop
#     bash scripts/setup.sh --test   # also what the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."

packages="texlive-latex-base texlive-latex-recommended texlive-pictures latexmk poppler-utils lmodern graphviz"
extras=""
if [ "${1:-}" = "--test" ]; then
  packages="$packages chromium"
  extras="[test]"
fi

missing=""
for package in $packages; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing$missing" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "setup: please install$missing with your system's package manager (PDFs need TeX Live)" >&2
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras"
echo "setup: ready (.venv/bin/symprop)" >&2
