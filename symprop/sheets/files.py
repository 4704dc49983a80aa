"""A solved problem's sheet as a string or files: ``render_solution``, ``write_solution``, and
what a Solution shows in Jupyter."""

from __future__ import annotations

from pathlib import Path

from ..errors import RenderError
from ..output import output_dir, write_files
from .renderer import SheetRenderer

FORMATS = ("tex", "pdf", "html")


def jupyter(solution, kind: str) -> str:
    """What a Solution shows in Jupyter: 'html' (the page), 'markdown' or 'latex'."""
    renderer = getattr(solution, "_sheet_renderer", None)
    if renderer is None:
        renderer = solution._sheet_renderer = SheetRenderer(solution.graph)
    arguments = _arguments(solution, None, None)
    if kind == "html":
        return renderer.html(**arguments)
    return renderer.jupyter(**arguments, mode=kind)



def _arguments(solution, decimals: int | None, significant: int | None) -> dict:
    """The renderer's arguments for a solved problem: the precision asked for, else the
    spec's (``significant`` figures, else ``digits`` decimal places)."""
    if decimals is not None and significant is not None:
        raise RenderError("significant: give either decimal places (digits) or "
                          "significant figures, not both")
    problem = solution.problem
    if decimals is None and significant is None:
        significant = problem.significant
    decimals = problem.digits if decimals is None else decimals
    return dict(values=dict(solution.values.items()),
                carry=solution.carry(decimals, significant),
                checks=solution.checks_dict() or None, decimals=decimals,
                significant=significant)


def render_solution(solution, fmt: str = "tex", decimals: int | None = None,
                    rounding: str = "exact", user_templates=None,
                    renderer: SheetRenderer | None = None, significant: int | None = None,
                    compact: bool = False):
    """The sheet of a solved problem: str for tex and html, bytes for pdf. Numbers at
    ``decimals`` places or ``significant`` figures (default: the spec's); ``compact``:
    matrix forms only, without the entry-by-entry lines."""
    if fmt not in FORMATS:
        raise RenderError(f"format: expected one of {', '.join(FORMATS)}, got '{fmt}'")
    renderer = renderer or SheetRenderer(solution.graph, user_templates)
    arguments = dict(_arguments(solution, decimals, significant), rounding=rounding,
                     compact=compact)
    if fmt == "html":
        return renderer.html(**arguments)
    tex = renderer.tex(**arguments)
    return tex if fmt == "tex" else _pdf(tex)


def write_solution(solution, spec_path, fmt: str = "tex", output=None, force: bool = False,
                   decimals: int | None = None, rounding: str = "exact",
                   user_templates=None, significant: int | None = None,
                   compact: bool = False) -> list[Path]:
    """Write output/<spec stem>/solution.<fmt> (and the .tex beside a .pdf) by the rules
    of symprop.output: an existing file is replaced when symprop wrote it and it is
    unchanged since, or when it holds the same bytes; otherwise only with ``force``.
    Returns the paths written."""
    if fmt not in FORMATS:
        raise RenderError(f"format: expected one of {', '.join(FORMATS)}, got '{fmt}'")
    folder = Path(output) if output is not None else output_dir(spec_path)
    source = "html" if fmt == "html" else "tex"
    text = render_solution(solution, source, decimals, rounding, user_templates,
                           significant=significant, compact=compact)
    jobs = [(folder / f"solution.{source}", text.encode())]
    if fmt == "pdf":
        jobs.append((folder / "solution.pdf", _pdf(text)))
    return write_files(folder, jobs, force)


def _pdf(tex: str) -> bytes:
    """The PDF of a LaTeX document (pdflatex without shell escape, see symprop.tex)."""
    from ..tex import pdf_bytes

    return pdf_bytes(tex)
