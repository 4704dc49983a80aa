"""Sheets of one structure share a skeleton: the templates run once with a marker for every
number-dependent piece, and later sheets of the same structure only fill in their numbers.
``Skeletons`` does the same for a template over any context (a variant's question).
``bench/render.py`` and ``bench/variants.py`` measure what this saves."""

from __future__ import annotations

import re


class Hole(str):
    """A number-dependent piece of a sheet while its skeleton is rendered: it prints as a
    marker, and every ``startswith`` the templates ask of it is logged (a negative number
    in parentheses), so that a sheet whose answers differ gets a skeleton of its own."""

    def __new__(cls, index: int, text: str, log: list):
        self = super().__new__(cls, f"{_MARK}{index}{_END}")
        self.index, self.text, self.log = index, text, log
        return self

    def startswith(self, prefix, *args):
        answer = self.text.startswith(prefix, *args)
        self.log.append((self.index, prefix, args, answer))
        return answer


_MARK, _END = "\ue000", "\ue001"  # private-use characters: in no template, no number
_MARKED = re.compile(f"{_MARK}(\\d+){_END}")
_ESCAPED = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;",
                          '"': "&#34;"})  # as markupsafe.escape, for autoescaped templates
MAX_SKELETONS = 64  # per renderer and options; beyond this, sheets are rendered in full


class Skeleton:
    """A rendered sheet with a numbered hole for every number-dependent piece: a format
    string, what fills each hole (a recipe), and the answers the templates relied on."""

    def __init__(self, marked: str, recipes: list, queries: list, html: bool = False):
        pieces = _MARKED.split(marked)
        self.format = "".join(
            piece.replace("{", "{{").replace("}", "}}") if k % 2 == 0 else f"{{{piece}}}"
            for k, piece in enumerate(pieces))
        self.recipes = recipes
        self.html = html  # the texts are escaped as an autoescaped template escapes them
        self.steps: list | None = None  # the recipes as (unbound method, arguments)
        self.queries = [(index, prefix, args, answer)
                        for index, prefix, args, answer in dict.fromkeys(queries)]

    def texts(self, render) -> list[str]:
        if self.steps is None:
            kind = type(render)
            self.steps = [(getattr(kind, recipe[0]), recipe[1:]) for recipe in self.recipes]
        return [method(render, *arguments) for method, arguments in self.steps]

    def fits(self, texts: list[str]) -> bool:
        return all(texts[index].startswith(prefix, *args) == answer
                   for index, prefix, args, answer in self.queries)

    def fill(self, texts: list[str]) -> str:
        if self.html:
            texts = [text.translate(_ESCAPED) for text in texts]
        return self.format.format(*texts)


class TextHole(Hole):
    """A text of a context while a ``Skeletons`` template is recorded: printed as a marker,
    its ``startswith`` logged; anything else a template could ask of it (equality, length,
    containment) stops the recording, and that template is then rendered in full."""

    def __bool__(self):  # whether the text is empty is part of the shape
        return bool(self.text)

    def __eq__(self, other):
        raise TypeError("a skeleton's text is only printed")

    def __len__(self):
        raise TypeError("a skeleton's text is only printed")

    __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __contains__ = __eq__
    __hash__ = str.__hash__


class NumberHole(TextHole):
    """An int or a float of a context, printed as ``str`` prints it; arithmetic on it, or
    asking whether it is 0, stops the recording."""

    def __bool__(self):
        raise TypeError("a skeleton's number is only printed")


class Skeletons:
    """A template filled from skeletons for contexts of one shape (the variants' question,
    statement and solution page). A context is its constant part (the same objects every
    time) and its varying part. Of the varying part only what the template reads counts
    (``read``: the keys of each dictionary it looked up, learnt while a skeleton is
    recorded): its texts
    and numbers become holes, the rest (keys, lengths, None, booleans, whether a text is
    empty) is its shape. The template runs once per shape; a skeleton that does not give
    the full render (checked when it is recorded) turns the template to full renders for
    good; beyond MAX_SKELETONS shapes, new shapes are rendered in full."""

    def __init__(self, template, html: bool = False):
        self.template, self.html = template, html
        self.forms: dict[tuple, list[Skeleton]] = {}
        self.broken = False
        self.names = _names(template)
        self.read: dict = {}  # name → what the template read of it (None: everything)

    def fill(self, constant: dict, varying: dict) -> str:
        from ..render import fill

        if self.broken:
            return fill(self.template, {**constant, **varying})
        if self.names is not None:  # what the template does not read shapes nothing
            varying = {key: value for key, value in varying.items() if key in self.names}
        texts: list[str] = []
        try:
            shape = _shape(varying, texts, self.read)
            forms = self.forms.get(shape)
        except TypeError:  # an unhashable value
            return fill(self.template, {**constant, **varying})
        for skeleton in forms or ():
            if skeleton.fits(texts):
                return skeleton.fill(texts)
        return self._record(constant, varying)

    def _record(self, constant: dict, varying: dict) -> str:
        from ..render import fill

        full = fill(self.template, {**constant, **varying})  # all that the template reads
        if sum(map(len, self.forms.values())) >= MAX_SKELETONS:  # enough kept
            return full
        nodes = {key: _node() for key in varying}
        try:  # which keys it reads (noted by _Reading dictionaries)
            fill(self.template, {**constant, **{key: _reading(value, nodes[key])
                                                for key, value in varying.items()}})
        except Exception:
            self.broken = True
            return full
        read = _merged(self.read, {key: _read(node) for key, node in nodes.items()})
        if read != self.read:  # shapes change with what is read: the old forms go
            self.read, self.forms = read, {}
        texts: list[str] = []
        shape = _shape(varying, texts, self.read)
        queries: list = []
        try:
            marked = fill(self.template, {**constant, **_marked(varying, iter(range(len(texts))),
                                                                 queries, self.read)})
        except Exception:  # the template does more with a text than print it
            self.broken = True
            return full
        skeleton = Skeleton(marked, [], queries, self.html)
        if skeleton.fill(texts) != full:
            self.broken = True
            return full
        self.forms.setdefault(shape, []).append(skeleton)
        return full


def _names(template) -> set[str] | None:
    """The context names a template reads; None when it includes another template or
    imports one with its context (which may read any name)."""
    from jinja2 import meta, nodes

    environment = template.environment
    if template.name is None:  # made from a string: its source is not at hand
        return None
    source = environment.loader.get_source(environment, template.name)[0]
    tree = environment.parse(source)
    if any(True for _ in tree.find_all((nodes.Include, nodes.Extends))) or any(
            node.with_context for node in tree.find_all((nodes.Import, nodes.FromImport))):
        return None
    return meta.find_undeclared_variables(tree)


# what a template reads of a context: for a dictionary, {key: what it reads of the value}
# of the keys it looked up, or None when it went through all of them (items, keys, …); a
# list's entries share one; for a text or a number it is {} (its holes are what it reads)
def _shape(value, texts: list, read):
    """The shape of a context value as far as it is read; its texts and numbers are
    appended to ``texts``."""
    kind = type(value)
    if kind is str:
        texts.append(value)
        return "text" if value else "empty"
    if kind is dict:
        keys = value if read is None else [key for key in read if key in value]
        return len(value), tuple((key, _shape(value[key], texts,
                                              None if read is None else read[key]))
                                 for key in keys)
    if kind is list or kind is tuple:
        return kind.__name__, tuple(_shape(item, texts, read) for item in value)
    if kind is int or kind is float:
        texts.append(str(value))
        return "number"
    hash(value)  # None, booleans: as they are (TypeError for anything unhashable)
    return value


def _marked(value, indices, queries: list, read):
    """The value with a hole for each text and number that is read, in the order of
    ``_shape``; what is not read stays as it is."""
    kind = type(value)
    if kind is str:
        return TextHole(next(indices), value, queries)
    if kind is dict:
        if read is None:
            return {key: _marked(item, indices, queries, None) for key, item in value.items()}
        marked = dict(value)
        for key in read:
            if key in value:
                marked[key] = _marked(value[key], indices, queries, read[key])
        return marked
    if kind is list or kind is tuple:
        return kind(_marked(item, indices, queries, read) for item in value)
    if kind is int or kind is float:
        return NumberHole(next(indices), str(value), queries)
    return value


def _node() -> dict:
    return {"keys": set(), "all": False, "children": {}}


class _Reading(dict):
    """A dictionary of a context that notes which of its keys a template looks up."""

    def __getitem__(self, key):
        self._reading_node["keys"].add(key)
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        self._reading_node["keys"].add(key)
        return dict.get(self, key, default)

    def __contains__(self, key):
        self._reading_node["keys"].add(key)
        return dict.__contains__(self, key)

    def _all(self):
        self._reading_node["all"] = True

    def keys(self):
        self._all()
        return dict.keys(self)

    def values(self):
        self._all()
        return dict.values(self)

    def items(self):
        self._all()
        return dict.items(self)

    def __iter__(self):
        self._all()
        return dict.__iter__(self)


def _reading(value, node: dict):
    """The value with each dictionary a _Reading that notes into ``node``'s tree."""
    kind = type(value)
    if kind is dict:
        out = _Reading({key: _reading(item, node["children"].setdefault(key, _node()))
                        for key, item in value.items()})
        out._reading_node = node
        return out
    if kind is list or kind is tuple:
        return kind(_reading(item, node) for item in value)
    return value


def _read(node: dict):
    """What was read, from a _Reading tree."""
    if node["all"]:
        return None
    return {key: _read(node["children"][key]) if key in node["children"] else {}
            for key in sorted(node["keys"], key=str)}


def _merged(first, second):
    """What either reading read."""
    if first is None or second is None:
        return None
    return {key: _merged(first.get(key, {}), second.get(key, {}))
            for key in sorted(first.keys() | second.keys(), key=str)}
