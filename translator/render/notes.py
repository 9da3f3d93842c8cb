"""The reading notes' outputs — ``<stem>.<lang>.notes.md``, ``.notes.html`` and
``.notes.json`` — registered as the renderers ``notes-md``, ``notes-html`` and
``notes-json``. They render ``results.notes``; the Markdown's template may be the
user's own (``--notes-template``)."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from ..languages import base
from ..model import Document
from ..notes.model import SUMMARY_PARTS, Notes
from ..results import Results
from .math import html_math, markdown_math
from .view import data_uri, md_escape

BOLD = re.compile(r"\*\*(.+?)\*\*")
LABELS = {
    "zh": {
        "summary": "前言", "background": "研究背景", "previous": "已有方法及其问题", "method": "本文方法",
        "steps": "方法步骤", "results": "实验与结果", "limitations": "局限", "sections": "分节笔记",
        "terms": "术语表", "term": "英文", "translation": "译名", "first": "首次出现", "sources": "原文出处",
        "unverified": "未核实", "formula": "公式", "figure": "图", "authors": "作者", "links": "链接",
        "bilingual": "对照译文",
    },
    "en": {
        "summary": "Summary", "background": "Background", "previous": "Past methods and their problems",
        "method": "The proposed method", "steps": "Steps", "results": "Results", "limitations": "Limitations",
        "sections": "Section notes", "terms": "Terms", "term": "English", "translation": "Translation",
        "first": "First used", "sources": "Sources", "unverified": "unverified", "formula": "Formula",
        "figure": "Figure", "authors": "Authors", "links": "Links", "bilingual": "bilingual version",
    },
}  # fmt: skip


def notes_of(results: Results) -> Notes:
    notes = results.notes
    if not isinstance(notes, Notes):
        raise ValueError("no notes in these results: the notes formats need --notes (or translate notes)")
    return notes


def md_point(text: str) -> str:
    """A point as Markdown: its **bold** terms kept, everything else shown as it is."""
    pieces = BOLD.split(text)
    return "".join(f"**{md_escape(p)}**" if i % 2 else md_escape(p) for i, p in enumerate(pieces))


def html_point(text: str) -> Markup:
    """A point as HTML: escaped, its **bold** terms in <strong>."""
    pieces = BOLD.split(" ".join(text.split()))
    return Markup(
        "".join(f"<strong>{escape(p)}</strong>" if i % 2 else str(escape(p)) for i, p in enumerate(pieces))
    )


def front_matter(meta: dict[str, Any]) -> str:
    """YAML front matter for Obsidian and Zotero; every value a JSON string or list of
    them (valid YAML), so no title can break it."""
    lines = ["---"]
    for key, value in meta.items():
        if value in ("", [], None) or key == "formats":
            continue
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join([*lines, "---"])


def _environment(autoescape: bool, template: Path | None) -> jinja2.Environment:
    folders = [str(template.parent)] if template else []
    folders.append(str(resources.files("translator.templates")))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(md_point=md_point, html_point=html_point, md_escape=md_escape, md_math=markdown_math)
    return env


def _context(notes: Notes, lang: str, stem: str, out_dir: Path | None) -> dict[str, Any]:
    return {
        "notes": notes,
        "meta": notes.meta,
        "front": front_matter(notes.meta),
        "parts": [(part, notes.summary.get(part, [])) for part in SUMMARY_PARTS],
        "labels": LABELS.get(base(lang), LABELS["en"]),
        "bilingual": f"{stem}.{lang}.html" if "html" in notes.meta.get("formats", ()) else "",
        "image": (lambda rel: data_uri(out_dir, rel)) if out_dir else (lambda rel: rel),
        "mathml": html_math,
    }


class NotesMarkdownRenderer:
    suffix = "notes.md"

    def render(
        self, doc: Document, results: Results, lang: str, mono: bool, report: dict[str, Any], out_dir: Path
    ) -> str:
        notes = notes_of(results)
        template = Path(notes.template) if notes.template else None
        env = _environment(False, template)
        name = template.name if template else "notes.md.j2"
        context = _context(notes, lang, notes.stem, None)
        return env.get_template(name).render(**context)


class NotesHtmlRenderer:
    suffix = "notes.html"

    def render(
        self, doc: Document, results: Results, lang: str, mono: bool, report: dict[str, Any], out_dir: Path
    ) -> str:
        notes = notes_of(results)
        context = _context(notes, lang, notes.stem, out_dir)
        return _environment(True, None).get_template("notes.html.j2").render(**context)


class NotesJsonRenderer:
    suffix = "notes.json"

    def render(
        self, doc: Document, results: Results, lang: str, mono: bool, report: dict[str, Any], out_dir: Path
    ) -> str:
        data = notes_of(results).to_dict()
        data.pop("template", None)
        return json.dumps({"schema_version": 1, "target_lang": lang, **data}, ensure_ascii=False, indent=1)
