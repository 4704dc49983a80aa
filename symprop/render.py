"""The Jinja environment: LaTeX-safe delimiters, strict undefined, and escaping filters.

Templates live in ``templates/`` (shipped inside the wheel as ``symprop/templates``). A
user's own folder, given with ``--templates``, is searched first.

    ((* block *))   ((( expression )))   ((= comment =))
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from .errors import RenderError

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "%": r"\%", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}


def latex_escape(text) -> str:
    """User text as literal LaTeX: every special character is neutralised; control
    characters are dropped so that ^^ notation and stray bytes cannot form commands."""
    out = []
    for char in str(text):
        if char in _LATEX_SPECIALS:
            out.append(_LATEX_SPECIALS[char])
        elif ord(char) < 32 and char not in "\n\t":
            continue
        else:
            out.append(char)
    return "".join(out)


def template_dirs(user_dir: str | Path | None = None) -> list[Path]:
    here = Path(__file__).resolve().parent
    dirs = [here / "templates", here.parent / "templates"]
    if user_dir is not None:
        user = Path(user_dir)
        if not user.is_dir():
            raise RenderError(f"--templates: expected a folder, got '{user}'")
        dirs.insert(0, user)
    return [d for d in dirs if d.is_dir()]


def environment(user_dir: str | Path | None = None, latex: bool = True) -> jinja2.Environment:
    options = dict(block_start_string="((*", block_end_string="*))",
                   variable_start_string="(((", variable_end_string=")))",
                   comment_start_string="((=", comment_end_string="=))") if latex else {}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(d) for d in
                                                             template_dirs(user_dir)]),
                             undefined=jinja2.StrictUndefined, autoescape=False,
                             keep_trailing_newline=True, trim_blocks=True,
                             lstrip_blocks=True, **options)
    env.filters["tex"] = latex_escape
    return env


def render(template: str, context: dict, user_dir=None, latex: bool = True) -> str:
    try:
        return environment(user_dir, latex).get_template(template).render(**context)
    except jinja2.TemplateNotFound as error:
        raise RenderError(f"template '{error.name}' not found in "
                          f"{', '.join(map(str, template_dirs(user_dir)))}") from None
    except jinja2.TemplateError as error:
        raise RenderError(f"template {template}: {error}") from None
