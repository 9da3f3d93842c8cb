"""Registries of the parts a run can be built from: parsers (``--parser``) and
renderers (``--format``).

The built-in ones are listed here by name and import path, so this bottom layer
(which the settings use to validate names) imports none of them. Third parties add
their own through entry points, as llm and OCRmyPDF plugins do::

    [project.entry-points."translator.renderers"]
    epub = "my_package.epub:EpubRenderer"

A parser implements ``parsing.readers.Parser``; a renderer ``render.formats.Renderer``.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

PARSERS = "translator.parsers"
RENDERERS = "translator.renderers"

BUILTIN: dict[str, dict[str, str]] = {
    PARSERS: {
        "grobid": "translator.parsing.readers:GrobidParser",
        "builtin": "translator.parsing.readers:BuiltinParser",
    },
    RENDERERS: {
        "md": "translator.render.formats:MarkdownRenderer",
        "html": "translator.render.formats:HtmlRenderer",
        "json": "translator.render.formats:JsonRenderer",
        "notes-md": "translator.render.notes:NotesMarkdownRenderer",
        "notes-html": "translator.render.notes:NotesHtmlRenderer",
        "notes-json": "translator.render.notes:NotesJsonRenderer",
    },
}


def names(group: str) -> tuple[str, ...]:
    """Every registered name of a group: the built-in ones first, then the plugins'."""
    builtin = tuple(BUILTIN[group])
    extra = sorted(ep.name for ep in entry_points(group=group) if ep.name not in BUILTIN[group])
    return builtin + tuple(extra)


def load(group: str, name: str) -> Any:
    """The class (or factory) registered under ``name``; KeyError if there is none."""
    target = BUILTIN[group].get(name)
    if target is not None:
        module, _, attribute = target.partition(":")
        return getattr(importlib.import_module(module), attribute)
    for ep in entry_points(group=group):
        if ep.name == name:
            return ep.load()
    raise KeyError(f"no {group.rsplit('.', 1)[-1][:-1]} named {name!r}; known: {', '.join(names(group))}")
