"""Every error symprop raises on purpose.

    SympropError                 the root; the CLI prints its one-line message, exits 2
    ├── SpecError                a spec, answer file or claim is malformed (names the field)
    ├── LimitError               the request would exceed a resource limit (names the flag)
    ├── EvaluationError          a value is undefined at the given point (log 0, 0/0)
    ├── VerificationError        two independent derivations disagree
    ├── RenderError              a template or the TeX engine failed (carries the log tail)
    └── OutputError              an output path exists or cannot be written

Messages follow one form: ``where: field: expected …, got …``, on one line: control
characters, line separators and unpaired surrogates in it (from a value, a file name or a
tool's output) are written as escapes such as ``\\n``.
"""

from __future__ import annotations


def one_line(text: str) -> str:
    """``text`` with every character that is not printable (control and format characters,
    line and paragraph separators, unpaired surrogates) written as a Python escape; spaces
    stay."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode()
                   for c in text)


class SympropError(Exception):
    """Root of symprop's errors; ``str(error)`` is a complete one-line message."""

    def __init__(self, message: str = ""):
        super().__init__(one_line(str(message)))


class SpecError(SympropError):
    """Malformed input. ``field`` is a path such as ``layers[1].activation``."""

    def __init__(self, field: str, expected: str, got: str | None = None, where: str = ""):
        self.field, self.expected, self.got, self.where = field, expected, got, where
        text = f"{field}: expected {expected}" if field else f"expected {expected}"
        if got is not None:
            text += f", got {got}"
        super().__init__(f"{where}: {text}" if where else text)


class LimitError(SympropError):
    """A request larger than a stated limit; the message names the flag that raises it."""


class EvaluationError(SympropError):
    """A quantity has no finite value at the given point."""


class VerificationError(SympropError):
    """The chain rule, the direct derivative, NumPy or finite differences disagree."""


class RenderError(SympropError):
    """A template failed or the TeX engine did not produce a PDF."""


class OutputError(SympropError):
    """An output location exists already or cannot be written."""
