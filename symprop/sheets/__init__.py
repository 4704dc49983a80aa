"""Solution sheets: the derivation graph as a worked example (LaTeX, PDF, HTML, Jupyter)."""

from .renderer import (
    FORMATS,
    ROUNDINGS,
    SheetRenderer,
    Worked,
    jupyter,
    render_solution,
    write_solution,
)

__all__ = ["FORMATS", "ROUNDINGS", "SheetRenderer", "Worked", "jupyter", "render_solution",
           "write_solution"]
