"""Write the bilingual Markdown, HTML and JSON outputs, each atomically."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from .. import plugins
from ..model import Document
from ..results import Results
from .json_schema import SCHEMA_VERSION, document_json
from .labels import labels_for
from .references import REFERENCE_FILTERS
from .view import FILTERS, build_view


def _compiled_templates() -> jinja2.BytecodeCache | None:
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no safe temporary folder: compile each run
        return None


@functools.cache
def _environment(autoescape: bool) -> jinja2.Environment:
    """The templates, compiled once per process; their compiled form is kept between runs
    in Jinja's per-user cache folder (compiling them took 0.18 s of every run)."""
    folder = resources.files("translator.templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        bytecode_cache=_compiled_templates(),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(FILTERS)
    env.filters.update(REFERENCE_FILTERS)
    return env


def render_markdown(
    doc: Document, results: Results, lang: str, mono: bool = False, report: dict[str, Any] | None = None
) -> str:
    """Bilingual Markdown; images are linked by their path relative to the output."""
    view = build_view(doc, results, lang, mono, report or {})
    text = _environment(False).get_template("paper.md.j2").render(view=view, labels=labels_for(lang))
    return _tidy_markdown(text)


def _tidy_markdown(text: str) -> str:
    """One blank line between blocks: every paragraph of ours is one line, so
    only table rows, fenced blocks and ``$$`` math blocks hold lines that must stay
    together (a blank line inside ``$$`` ends the math in GitHub's reader)."""
    out: list[str] = []
    fenced = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        together = fenced or (line.startswith("|") and out and out[-1].startswith("|"))
        if out and not (together or (line == "$$" and fenced)):
            out.append("")
        out.append(line)
        if line.startswith("```") or line == "$$":
            fenced = not fenced
    return "\n".join(out) + "\n"


def render_html(
    doc: Document,
    results: Results,
    lang: str,
    mono: bool = False,
    report: dict[str, Any] | None = None,
    base_dir: Path | None = None,
) -> str:
    """Self-contained bilingual HTML: images under ``base_dir`` are embedded as data: URIs."""
    return "".join(stream_html(doc, results, lang, mono, report, base_dir))


def stream_html(
    doc: Document,
    results: Results,
    lang: str,
    mono: bool = False,
    report: dict[str, Any] | None = None,
    base_dir: Path | None = None,
) -> Iterator[str]:
    """The HTML of :func:`render_html` in pieces, each image encoded as its piece is made."""
    view = build_view(doc, results, lang, mono, report or {"summary": ""}, base_dir)
    yield from _environment(True).get_template("paper.html.j2").generate(view=view, labels=labels_for(lang))


def render_json(doc: Document, results: Results, lang: str, report: dict[str, Any] | None = None) -> str:
    """The document model with every segment's source, translation and status.

    Schema: docs/output-json.md.
    """
    data = {
        "schema_version": SCHEMA_VERSION,
        "target_lang": lang,
        "document": document_json(doc, results),
        "report": report or {},
    }
    return json.dumps(data, ensure_ascii=False, indent=1)


def render_each(
    doc: Document,
    results: Results,
    out_dir: Path,
    stem: str,
    lang: str,
    formats: tuple[str, ...],
    mono: bool,
    report: dict[str, Any],
) -> Iterator[tuple[Path, str | Iterable[str]]]:
    """Every requested format, rendered by its registered renderer, one at a time (a long
    paper's Markdown, HTML and JSON held at once were the run's peak of memory); a
    renderer with a ``stream`` method gives its text in pieces."""
    for fmt in formats:
        renderer = plugins.load(plugins.RENDERERS, fmt)()
        path = out_dir / f"{stem}.{lang}.{renderer.suffix}"
        stream = getattr(renderer, "stream", None)  # a renderer may write in pieces
        if stream is not None:
            yield path, stream(doc, results, lang, mono, report, out_dir)
        else:
            yield path, renderer.render(doc, results, lang, mono, report, out_dir)
