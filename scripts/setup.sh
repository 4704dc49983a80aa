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
if [ -n "$extras" ]; then
  # the published IMS QTI 1.2.1 DTD, for tests/test_exams.py: the pyslet sdist on PyPI ships
  # it among its test data (fetched by name, unpacked, only the DTD kept)
  dtd=.venv/share/qti/ims_qtiasiv1p2p1.dtd
  if [ ! -f "$dtd" ]; then
    work="$(mktemp -d)"
    .venv/bin/python -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
      -d "$work" pyslet==0.7.20170805
    tar -xzf "$work"/pyslet-0.7.20170805.tar.gz -C "$work" \
      pyslet-0.7.20170805/unittests/data_imsqtiv1p2p1/ims_qtiasiv1p2p1.dtd
    mkdir -p "$(dirname "$dtd")"
    cp "$work"/pyslet-0.7.20170805/unittests/data_imsqtiv1p2p1/ims_qtiasiv1p2p1.dtd "$dtd"
    rm -rf "$work"
  fi
fi
echo "setup: ready (.venv/bin/symprop)" >&2
