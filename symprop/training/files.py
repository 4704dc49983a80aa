"""A training report as a string or files: ``render_training`` (tex, html, pdf, table) and
``write_training`` (output/<spec>/training.<fmt>, the .tex beside a .pdf). Step 1 is the
solution sheet of symprop.sheets: its LaTeX body, or its HTML page's body and style, so
the report stays one document."""

from __future__ import annotations

import re
from pathlib import Path

from .. import render as templates
from ..errors import OutputError, RenderError
from ..output import output_dir, write_atomic
from ..sheets import SheetRenderer
from ..sheets.files import FORMATS, _arguments, _pdf
from .report import Report

TEX_TEMPLATE = "training.tex.j2"
HTML_TEMPLATE = "training.html.j2"
TEXT_TEMPLATE = "training.txt.j2"
PACKAGES = (*SheetRenderer.PREAMBLE_PACKAGES, "pgfplots", "longtable")
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def render_training(solution, fmt: str = "tex", decimals: int | None = None,
                    rounding: str = "exact", user_templates=None,
                    significant: int | None = None):
    """The report of a TrainingSolution: str for tex, html and table, bytes for pdf."""
    if fmt not in (*FORMATS, "table"):
        raise RenderError(f"format: expected one of {', '.join(FORMATS)}, got '{fmt}'")
    first = solution.first
    arguments = dict(_arguments(first, decimals, significant), rounding=rounding)
    report = Report(solution, arguments["decimals"], arguments["significant"])
    if fmt == "table":
        from ..views import solution_table
        return templates.render(TEXT_TEMPLATE, {
            **report.context(solution_table(first, decimals, significant)),
            "data": solution.to_dict(decimals, significant)}, user_templates)
    renderer = SheetRenderer(first.graph, user_templates)
    if fmt == "html":
        page = renderer.html(**arguments)
        body, style = _BODY.search(page), _STYLE.search(page)
        context = report.context(body.group(1) if body else page)
        return templates.render(HTML_TEMPLATE, {**context, "sheet_style": style.group(1)
                                                if style else ""}, user_templates)
    body = renderer.tex(**arguments, standalone=False)
    tex = templates.render(TEX_TEMPLATE, {**report.context(body), "packages": PACKAGES},
                           user_templates)
    return tex if fmt == "tex" else _pdf(tex)


def write_training(solution, spec_path, fmt: str = "tex", output=None, force: bool = False,
                   decimals: int | None = None, rounding: str = "exact",
                   user_templates=None, significant: int | None = None) -> list[Path]:
    """Write <output>/training.<fmt> (and training.tex beside training.pdf); an existing
    file with other content is kept unless ``force``. Returns the paths written."""
    if fmt not in FORMATS:
        raise RenderError(f"format: expected one of {', '.join(FORMATS)}, got '{fmt}'")
    folder = Path(output) if output is not None else output_dir(spec_path)
    source = "html" if fmt == "html" else "tex"
    text = render_training(solution, source, decimals, rounding, user_templates, significant)
    jobs = [(folder / f"training.{source}", text.encode())]
    if fmt == "pdf":
        jobs.append((folder / "training.pdf", _pdf(text)))
    for path, data in jobs:
        if path.exists() and not force and path.read_bytes() != data:
            raise OutputError(f"{path}: exists with other content (use --force to replace it)")
    return [write_atomic(path, data) for path, data in jobs]
