"""The JSON output's document, field by field (docs/output-json.md).

Written out rather than ``dataclasses.asdict`` of the model, so a field added to
the model for internal use never changes the published format by accident; a
change here is a change of the schema and of its version.
"""

from __future__ import annotations

from typing import Any

from ..model import (
    Author,
    Block,
    CodeBlock,
    Document,
    Figure,
    FormulaBlock,
    Note,
    Reference,
    Region,
    Section,
    Segment,
    Span,
    TableCell,
)
from ..results import TERM_CLOSE, TERM_OPEN, Results

SCHEMA_VERSION = 2  # 2: "region" {page, x0, y0, x1, y1} in place of GROBID's "coords" string
Json = dict[str, Any]


def document_json(doc: Document, results: Results) -> Json:
    """The document and, for each segment, figure and formula, what the run made of it."""
    j = _Writer(results)
    return {
        "title": j.segment_or_none(doc.title),
        "authors": [j.author(a) for a in doc.authors],
        "abstract": [j.section(s) for s in doc.abstract],
        "keywords": [j.segment(s) for s in doc.keywords],
        "body": [j.section(s) for s in doc.body],
        "figures": [j.figure(f) for f in doc.figures],
        "notes": [j.note(n) for n in doc.notes],
        "acknowledgements": [j.section(s) for s in doc.acknowledgements],
        "annexes": [j.section(s) for s in doc.annexes],
        "references": [j.reference(r) for r in doc.references],
        "source_lang": doc.source_lang,
        "grobid_version": doc.grobid_version,
        "published": doc.published,
        "venue": doc.venue,
        "doi": doc.doi,
        "arxiv": doc.arxiv,
    }


class _Writer:
    """The mapping of each model object, translations and images taken from the run's results."""

    def __init__(self, results: Results) -> None:
        self.results = results

    def span(self, span: Span) -> Json:
        return {"start": span.start, "end": span.end, "kind": span.kind, "target": span.target}

    def segment(self, s: Segment) -> Json:
        o = self.results.of(s)
        return {
            "id": s.id, "kind": s.kind, "text": s.text, "spans": [self.span(x) for x in s.spans],
            "section": s.section, "translation": o.text, "translation_tagged": _plain(o.tagged),
            "status": o.status, "error": o.error, "glossary_issues": list(o.glossary_issues),
        }  # fmt: skip

    def segment_or_none(self, s: Segment | None) -> Json | None:
        return None if s is None else self.segment(s)

    def section(self, section: Section) -> Json:
        blocks = [self.block(b) for b in section.blocks]
        return {
            "id": section.id,
            "heading": self.segment_or_none(section.heading),
            "number": section.number,
            "blocks": blocks,
            "subsections": [self.section(s) for s in section.subsections],
        }

    def block(self, block: Block) -> Json:
        if isinstance(block, FormulaBlock):
            return {"formula": self.formula(block)}
        if isinstance(block, CodeBlock):
            code = block.code
            return {"code": {"id": code.id, "text": code.text, "region": self.region(code.region)}}
        return {"segment": self.segment(block.segment)}

    def formula(self, block: FormulaBlock) -> Json:
        f = block.formula
        return {
            "id": f.id,
            "text": f.text,
            "label": f.label,
            "region": self.region(f.region),
            "image": self.results.image(f.id),
            "latex": self.results.latex.get(f.id),
            "latex_error": self.results.formula_errors.get(f.id),
        }

    def region(self, region: Region | None) -> Json | None:
        if region is None:
            return None
        return {"page": region.page, "x0": region.x0, "y0": region.y0, "x1": region.x1, "y1": region.y1}

    def cell(self, cell: TableCell) -> Json:
        return {"row": cell.row, "column": cell.column, "segment": self.segment(cell.segment)}

    def figure(self, f: Figure) -> Json:
        return {
            "id": f.id, "kind": f.kind, "label": f.label, "head": f.head, "caption": self.segment_or_none(f.caption),
            "notes": [self.segment(n) for n in f.notes], "rows": [list(r) for r in f.rows], "region": self.region(f.region),
            "image": self.results.image(f.id), "cells": [self.cell(c) for c in f.cells], "after": f.after,
        }  # fmt: skip

    def author(self, a: Author) -> Json:
        return {"name": a.name, "affiliations": list(a.affiliations), "email": a.email}

    def note(self, n: Note) -> Json:
        return {"id": n.id, "n": n.n, "segments": [self.segment(s) for s in n.segments]}

    def reference(self, r: Reference) -> Json:
        return {
            "id": r.id, "text": r.text, "title": r.title, "authors": list(r.authors), "year": r.year,
            "venue": r.venue, "doi": r.doi, "arxiv": r.arxiv, "url": r.url,
        }  # fmt: skip


def _plain(tagged: str | None) -> str | None:
    """A tagged translation without the renderers' term marks (--term-style bold)."""
    return None if tagged is None else tagged.replace(TERM_OPEN, "").replace(TERM_CLOSE, "")
