"""Moodle XML: one cloze question per variant; the text itself is ``templates/moodle.xml.j2``.

A cloze answer field is ``{1:NUMERICAL:=value:tolerance#feedback}`` (absolute tolerance).
Inside a field, Moodle reads ``} # ~ / " \\`` as syntax unless escaped with a backslash;
outside the fields, ``{`` opens a field only as ``{<digits>:<TYPE>:``, so user text gets
its braces as HTML entities. The question text is HTML in CDATA, so ``]]>`` is split.
"""

from __future__ import annotations

from markupsafe import Markup, escape

CLOZE_SPECIALS = '\\}#~/"'
_BACKSLASHED = str.maketrans({c: "\\" + c for c in CLOZE_SPECIALS})


def cloze_escape(text) -> str:
    """Text that may stand inside a cloze field: every special character backslashed."""
    return str(text).translate(_BACKSLASHED)


def cloze_unescape(text: str) -> str:
    """The inverse of ``cloze_escape`` (what Moodle shows)."""
    out, chars = [], iter(text)
    for c in chars:
        out.append(next(chars, "\\") if c == "\\" else c)
    return "".join(out)


def cdata(text) -> str:
    """Text for a CDATA section: a literal ']]>' ends the section and starts a new one."""
    return str(text).replace("]]>", "]]]]><![CDATA[>")


def html_text(text) -> Markup:
    """User text in HTML that Moodle's cloze parser cannot read as a field (Markup, so an
    autoescaped template does not escape it twice)."""
    return Markup(str(escape(str(text))).replace("{", "&#123;").replace("}", "&#125;"))
