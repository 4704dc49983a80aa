"""Sheets of one structure share a skeleton: the templates run once with a marker for every
number-dependent piece, and later sheets of the same structure only fill in their numbers.
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
