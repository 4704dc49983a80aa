"""Solution sheets: the derivation graph as a worked example (LaTeX, PDF, HTML, Jupyter).

    lines.py      each node's worked line, prepared once per graph (symbols, skeletons)
    plan.py       the sheet's structure, planned from graph queries
    layout.py     line breaking: rows that fit the page, from estimated widths
    context.py    one rendering: numbers at the sheet's precision, the templates' context
    skeleton.py   sheets of one structure share a skeleton of their template output
    renderer.py   SheetRenderer: prepared once per graph, renders tex, html and markdown
    files.py      render_solution, write_solution, and Jupyter's rich display
"""

from .context import ROUNDINGS, Worked
from .files import FORMATS, jupyter, render_solution, write_solution
from .renderer import SheetRenderer

__all__ = ["FORMATS", "ROUNDINGS", "SheetRenderer", "Worked", "jupyter", "render_solution",
           "write_solution"]
