"""The output formats, each a ``Renderer`` registered by name in ``translator.plugins``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from ..model import Document
from ..results import Results
from .outputs import render_html, render_json, render_markdown, stream_html


class Renderer(Protocol):
    """Turns the translated document into the text of one output file."""

    suffix: str  # the file is <stem>.<lang>.<suffix>

    def render(
        self, doc: Document, results: Results, lang: str, mono: bool, report: dict[str, Any], out_dir: Path
    ) -> str: ...


class MarkdownRenderer:
    suffix = "md"

    def render(
        self, doc: Document, results: Results, lang: str, mono: bool, report: dict[str, Any], out_dir: Path
    ) -> str:
        return render_markdown(doc, results, lang, mono, report)


class HtmlRenderer:
    suffix = "html"

    def render(
        self, doc: Document, results: Results, lang: str, mono: bool, report: dict[str, Any], out_dir: Path
    ) -> str:
        return render_html(doc, results, lang, mono, report, out_dir)

    def stream(
        self, doc: Document, results: Results, lang: str, mono: bool, report: dict[str, Any], out_dir: Path
    ) -> Iterator[str]:
        """The same HTML in pieces, written as they come (images are encoded one at a time)."""
        return stream_html(doc, results, lang, mono, report, out_dir)


class JsonRenderer:
    suffix = "json"

    def render(
        self, doc: Document, results: Results, lang: str, mono: bool, report: dict[str, Any], out_dir: Path
    ) -> str:
        return render_json(doc, results, lang, report)
