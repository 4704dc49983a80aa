"""Read YAML (or JSON) into plain Python values, remembering where each value was written.

Nothing is constructed from tags: the text is composed into YAML nodes and walked here, so
``!!python/object`` and friends are refused, numbers keep their written text (``0.60`` stays
two decimals), duplicate keys are errors, and alias bombs hit a size limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from .errors import SpecError

MAX_BYTES = 1_000_000
MAX_VALUES = 200_000
MAX_DEPTH = 40
_PLAIN_TAGS = "tag:yaml.org,2002:"
_DEPTH_EXPECTED = f"a document within {MAX_VALUES:,} values and {MAX_DEPTH} levels"


class Number(str):
    """A number exactly as written in the file (read later with a strict decimal grammar)."""


@dataclass
class Source:
    """A parsed document: the value tree and the line:column of every value in it."""

    name: str
    tree: object
    marks: dict[tuple, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: tuple) -> str:
        """``file:line:col`` of the value at ``path`` (or of its nearest written ancestor)."""
        while path and path not in self.marks:
            path = path[:-1]
        line, col = self.marks.get(path, (0, 0))
        return f"{self.name}:{line}:{col}" if line else self.name


def path_text(path: tuple) -> str:
    """('layers', 1, 'activation') → 'layers[1].activation'."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_text(text: str, name: str) -> Source:
    """Parse ``text``; every problem is a SpecError that names the place."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise SpecError("", f"a file of at most {MAX_BYTES:,} bytes", "a larger one", name)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except _TooDeepError as deep:
        mark = deep.mark
        raise SpecError(path_text(deep.path), _DEPTH_EXPECTED, "more levels of nesting",
                        f"{name}:{mark.line + 1}:{mark.column + 1}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        problem = getattr(error, "problem", None) or "unreadable text"
        raise SpecError("", "valid YAML", problem, where) from None
    except ValueError as error:  # e.g. a NUL byte or an unpaired surrogate
        raise SpecError("", "valid YAML text", str(error), name) from None
    finally:
        loader.dispose()
    source = Source(name, None)
    counter = [0]
    source.tree = _walk(root, (), source, counter) if root is not None else None
    return source


class _TooDeepError(Exception):
    def __init__(self, path: tuple, mark):
        self.path, self.mark = path, mark


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, whose composer stops past MAX_DEPTH levels: it recurses once
    per level, so 500 nested '[' would otherwise end in a RecursionError."""

    def __init__(self, text: str):
        super().__init__(text)
        self.parts: list = []  # the path being composed; None while composing a key

    def compose_node(self, parent, index):
        if parent is None:
            return super().compose_node(parent, index)
        part = index.value if isinstance(index, yaml.ScalarNode) else index
        self.parts.append(part if isinstance(part, int | str) else None)
        try:
            if len(self.parts) > MAX_DEPTH:
                path = tuple(part for part in self.parts if part is not None)
                raise _TooDeepError(path, self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.parts.pop()


def read_file(path) -> Source:
    """Read and parse a file; an unreadable file is a SpecError too."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise SpecError("", "a readable file", f"{error.strerror or error} for '{path}'") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError("", "UTF-8 text", "undecodable bytes", str(path)) from None
    return read_text(text, str(path))


def _walk(node, path: tuple, source: Source, counter: list) -> object:
    counter[0] += 1
    source.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if counter[0] > MAX_VALUES or len(path) > MAX_DEPTH:  # deep through aliases, or a bomb
        limit = "values" if counter[0] > MAX_VALUES else "levels of nesting"
        raise SpecError(path_text(path), _DEPTH_EXPECTED, f"more {limit}", source.where(path))
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, path, source)
    if tag not in (_PLAIN_TAGS + "seq", _PLAIN_TAGS + "map"):
        raise SpecError(path_text(path), "plain YAML without tags", tag, source.where(path))
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*path, i), source, counter) for i, item in enumerate(node.value)]
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = _walk(key_node, path, source, counter)
        if not isinstance(key, str):
            raise SpecError(path_text(path), "text keys", repr(key), source.where(path))
        key = str(key)
        if key in mapping:
            raise SpecError(path_text((*path, key)), "each key once", "a duplicate key",
                            f"{source.name}:{key_node.start_mark.line + 1}:"
                            f"{key_node.start_mark.column + 1}")
        source.marks[(*path, key)] = (key_node.start_mark.line + 1,
                                      key_node.start_mark.column + 1)
        mapping[key] = _walk(value_node, (*path, key), source, counter)
    return mapping


def _scalar(node, path: tuple, source: Source) -> object:
    try:  # an escape such as "\\ud800" gives an unpaired surrogate, which no file can hold
        node.value.encode("utf-8")
    except UnicodeEncodeError:
        shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
        raise SpecError(path_text(path), "text without unpaired surrogates (valid Unicode)",
                        repr(shown), source.where(path)) from None
    kind = node.tag.removeprefix(_PLAIN_TAGS) if node.tag.startswith(_PLAIN_TAGS) else ""
    if kind in ("int", "float"):
        return Number(node.value)
    if kind == "bool":
        return node.value.lower() in ("yes", "true", "on", "y")
    if kind == "null":
        return None
    if kind == "str":
        return node.value
    raise SpecError(path_text(path), "plain YAML without tags", node.tag, source.where(path))
