"""The JSON output's document, field by field (schema version 1, docs/output-json.md).

Written out rather than ``dataclasses.asdict`` of the model, so a field added to
the model for internal use never changes the published format by accident; a
change here is a change of the schema and of its version.
"""

from __future__ import annotations

from typing import Any

from ..model import Author, Document, Figure, FormulaBlock, Note, Reference, Section, Segment, Span, TableCell

SCHEMA_VERSION = 1
Json = dict[str, Any]


def document_json(doc: Document) -> Json:
    return {
        "title": _segment_or_none(doc.title),
        "authors": [_author(a) for a in doc.authors],
        "abstract": [_section(s) for s in doc.abstract],
        "keywords": [_segment(s) for s in doc.keywords],
        "body": [_section(s) for s in doc.body],
        "figures": [_figure(f) for f in doc.figures],
        "notes": [_note(n) for n in doc.notes],
        "acknowledgements": [_section(s) for s in doc.acknowledgements],
        "annexes": [_section(s) for s in doc.annexes],
        "references": [_reference(r) for r in doc.references],
        "source_lang": doc.source_lang,
        "grobid_version": doc.grobid_version,
    }


def _span(span: Span) -> Json:
    return {"start": span.start, "end": span.end, "kind": span.kind, "target": span.target}


def _segment(s: Segment) -> Json:
    return {
        "id": s.id, "kind": s.kind, "text": s.text, "spans": [_span(x) for x in s.spans],
        "section": s.section, "translation": s.translation, "translation_tagged": s.translation_tagged,
        "status": s.status, "error": s.error, "glossary_issues": list(s.glossary_issues),
    }  # fmt: skip


def _segment_or_none(s: Segment | None) -> Json | None:
    return None if s is None else _segment(s)


def _section(section: Section) -> Json:
    blocks = [
        {"formula": _formula(b)} if isinstance(b, FormulaBlock) else {"segment": _segment(b.segment)}
        for b in section.blocks
    ]
    return {
        "id": section.id,
        "heading": _segment_or_none(section.heading),
        "number": section.number,
        "blocks": blocks,
        "subsections": [_section(s) for s in section.subsections],
    }


def _formula(block: FormulaBlock) -> Json:
    f = block.formula
    return {"id": f.id, "text": f.text, "label": f.label, "coords": f.coords, "image": f.image}


def _cell(cell: TableCell) -> Json:
    return {"row": cell.row, "column": cell.column, "segment": _segment(cell.segment)}


def _figure(f: Figure) -> Json:
    return {
        "id": f.id, "kind": f.kind, "label": f.label, "head": f.head, "caption": _segment_or_none(f.caption),
        "notes": [_segment(n) for n in f.notes], "rows": [list(r) for r in f.rows], "coords": f.coords,
        "image": f.image, "cells": [_cell(c) for c in f.cells],
    }  # fmt: skip


def _author(a: Author) -> Json:
    return {"name": a.name, "affiliations": list(a.affiliations), "email": a.email}


def _note(n: Note) -> Json:
    return {"id": n.id, "n": n.n, "segments": [_segment(s) for s in n.segments]}


def _reference(r: Reference) -> Json:
    return {
        "id": r.id, "text": r.text, "title": r.title, "authors": list(r.authors), "year": r.year,
        "venue": r.venue, "doi": r.doi,
    }  # fmt: skip
