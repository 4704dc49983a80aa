"""Templates: one Jinja environment for every view, its filters, and its errors.

Every template (LaTeX, HTML, Markdown, XML, plain text) uses the delimiters that never
collide with TeX braces, so every template can import the shared vocabulary
(``words.j2``) and macros:

    ((* block *))   ((( expression )))   ((= comment =))

Templates live in ``templates/`` (shipped inside the wheel as ``symprop/templates``). A
user's own folder, given with ``--templates``, is searched first. A user's templates are
code: they run in Jinja's sandbox, which refuses attribute access to Python internals.
HTML templates (``*.html.j2``) are autoescaped; every other template escapes user text
with its own filter (``|tex``, ``|md``, ``|cloze``, ``|html_text``).

Filters:  tex (user text as literal LaTeX)   md (as literal Markdown)
          math, display (LaTeX maths as inline or block MathML)
          cloze, cdata, html_text (Moodle XML)
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from pathlib import Path

import jinja2
import jinja2.sandbox
from markupsafe import Markup

from .errors import RenderError, one_line

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "%": r"\%", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
# Characters pdflatex sets with the shipped preamble: ASCII, Latin-1 and Latin Extended-A as
# the T1/TS1 encodings define them (utf8 inputenc), and what ``unicode.tex.j2`` declares
# (Greek letters, maths symbols, super- and subscripts). Any other character (CJK, emoji,
# …) is shown as its code point rather than breaking the build.
_ENCODED = (set(map(chr, range(0x20, 0x7F))) | set(map(chr, range(0xA0, 0x180)))) \
    - set("ĦħĸĿŀŉŦŧſ") | set("–—‘’‚“”„†‡•…‰€™→←‖⟨⟩ˆȳ")
_INVISIBLE = set(
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width spaces and joiners, BOM
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi
    "\u00ad"  # soft hyphen
)
UNICODE_TEMPLATE = "unicode.tex.j2"


UNICODE_MARKER = "%% symprop: unicode declarations\n"
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@functools.lru_cache(maxsize=1)
def _declarations() -> dict[str, str]:
    """Character → its \\DeclareUnicodeCharacter line, from the shipped unicode.tex.j2."""
    for folder in template_dirs():
        path = folder / UNICODE_TEMPLATE
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            found = (re.match(r"\\DeclareUnicodeCharacter\{([0-9A-F]+)\}", line)
                     for line in lines)
            return {chr(int(m.group(1), 16)): line for m, line in zip(found, lines,
                                                                      strict=True) if m}
    return {}


@functools.lru_cache(maxsize=1)
def _typesettable() -> frozenset[str]:
    return frozenset(_ENCODED | set(_declarations()))


def declare_unicode(tex: str) -> str:
    """A rendered LaTeX document with the marker line of preamble.tex.j2 replaced by the
    declarations of the Unicode characters the document uses."""
    if UNICODE_MARKER not in tex:
        return tex
    declarations = _declarations()
    used = sorted(set(_NON_ASCII.findall(tex)).intersection(declarations))
    return tex.replace(UNICODE_MARKER, "".join(declarations[c] + "\n" for c in used), 1)


def latex_escape(text) -> str:
    """User text as literal LaTeX: every special character is neutralised; control and
    invisible characters are dropped so that ^^ notation and stray bytes cannot form
    commands; a blank line cannot end a paragraph inside an argument; characters the
    preamble cannot set are shown as their code point ([U+4E2D])."""
    out, typesettable = [], _typesettable()
    for char in unicodedata.normalize("NFC", str(text)):
        if char in _LATEX_SPECIALS:
            out.append(_LATEX_SPECIALS[char])
        elif char in "\n\r\t":
            out.append(" ")
        elif ord(char) < 32 or 0x7F <= ord(char) < 0xA0 or char in _INVISIBLE:
            continue
        elif char in typesettable:
            out.append(char)
        elif unicodedata.combining(char):
            continue  # an accent with no precomposed letter
        else:
            out.append(rf"\textup{{[U+{ord(char):04X}]}}")
    return re.sub(r" {2,}", " ", "".join(out))


_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_[]#|$~"})


def markdown_escape(text) -> str:
    """User text as literal Markdown: its specials backslash-escaped, then HTML-escaped."""
    return html.escape(str(text).translate(_MARKDOWN_SPECIALS), quote=False)


# A number's own minus (the printer writes binary minus as " - "): grouped, so that MathML
# gives it prefix spacing, −0.3 rather than − 0.3.
_UNARY_MINUS = re.compile(r"-(\d[\d.]*)")


def mathml(text, display: bool = False) -> Markup:
    """LaTeX maths as MathML (the page then needs no script and no network)."""
    from latex2mathml.converter import convert

    source = _UNARY_MINUS.sub(r"{-\1}", html.unescape(str(text)))
    return Markup(convert(source, display="block" if display else "inline"))


def template_dirs(user_dir: str | Path | None = None) -> list[Path]:
    here = Path(__file__).resolve().parent
    dirs = [here / "templates", here.parent / "templates"]
    if user_dir is not None:
        user = Path(user_dir)
        if not user.is_dir():
            raise RenderError(f"--templates: expected a folder, got '{user}'")
        dirs.insert(0, user)
    return [d for d in dirs if d.is_dir()]


def _autoescape(name: str | None) -> bool:
    return bool(name) and name.endswith(".html.j2")


@functools.lru_cache(maxsize=8)
def _environment(user_dir: str | None) -> jinja2.Environment:
    from .variants.moodle import cdata, cloze_escape, html_text

    kind = jinja2.sandbox.SandboxedEnvironment if user_dir else jinja2.Environment
    env = kind(loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(user_dir)]),
               block_start_string="((*", block_end_string="*))",
               variable_start_string="(((", variable_end_string=")))",
               comment_start_string="((=", comment_end_string="=))",
               undefined=jinja2.StrictUndefined, autoescape=_autoescape,
               keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(tex=latex_escape, md=markdown_escape, math=mathml,
                       display=functools.partial(mathml, display=True),
                       cloze=cloze_escape, cdata=cdata, html_text=html_text,
                       printable=one_line)  # user text in a terminal: no bidi overrides
    return env


def environment(user_dir: str | Path | None = None) -> jinja2.Environment:
    """The environment for the shipped templates, with ``user_dir`` searched first."""
    return _environment(None if user_dir is None else str(Path(user_dir).resolve()))


def load(name: str, user_dir=None) -> jinja2.Template:
    """A template by name; a missing or broken one is a RenderError naming it."""
    try:
        return environment(user_dir).get_template(name)
    except jinja2.TemplateNotFound as error:
        raise RenderError(f"template '{error.name}' not found in "
                          f"{', '.join(map(str, template_dirs(user_dir)))}") from None
    except jinja2.TemplateError as error:
        raise RenderError(f"template {name}: {_one_line(error)}") from None


def fill(template: jinja2.Template, context: dict) -> str:
    """Render a loaded template; a failure is a RenderError naming the template."""
    try:
        return declare_unicode(template.render(**context))
    except jinja2.sandbox.SecurityError as error:
        raise RenderError(f"template {template.name}: refused by the sandbox "
                          f"({_one_line(error)})") from None
    except jinja2.TemplateError as error:
        raise RenderError(f"template {template.name}: {_one_line(error)}") from None


def render(name: str, context: dict, user_dir=None) -> str:
    return fill(load(name, user_dir), context)


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())
