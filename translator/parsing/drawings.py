"""Figures whose box GROBID drew around the caption alone.

GROBID's ``coords`` for a figure often cover only its caption: the cut image is then a
strip of caption text, and the caption reads twice (once in the image, once as text).
The drawing itself is found in the PDF as the built-in reader finds it: the nearest
graphics region above the caption (or below it, the other side only right next to it).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..model import Document, Figure, Region
from .pdf.figures import nearest_drawing
from .pdf.geometry import Box, PageText
from .pdf.layout import body_font_size
from .pdf.params import DEFAULT, LayoutParams
from .pdf.regions import figure_areas
from .pdf.text import read_pages

# A box this flat and low holds a caption's lines, not a drawing.
STRIP_HEIGHT = 80.0
STRIP_SHAPE = 0.25  # height ÷ width


def _strip(region: Region | None) -> bool:
    if region is None:
        return False
    height, width = region.y1 - region.y0, region.x1 - region.x0
    return height < STRIP_HEIGHT and height < STRIP_SHAPE * width


def with_drawings(doc: Document, pdf: Path, params: LayoutParams = DEFAULT) -> Document:
    """The document with each caption-only figure box replaced by its drawing's box (a copy;
    the same document when there is nothing to mend)."""
    strips = [f for f in doc.figures if f.kind == "figure" and _strip(f.region)]
    if not strips:
        return doc
    wanted = {f.region.page for f in strips if f.region is not None}
    pages = {page.number: page for page in read_pages(pdf, params=params, only=frozenset(wanted))}
    body = body_font_size(list(pages.values()))
    mended = {f.id: _mended(f, pages, body, params) for f in strips}
    return replace(doc, figures=[mended.get(f.id) or f for f in doc.figures])


def _mended(figure: Figure, pages: dict[int, PageText], body: float, params: LayoutParams) -> Figure | None:
    region = figure.region
    page = pages.get(region.page) if region is not None else None
    if region is None or page is None:
        return None
    caption = Box(region.x0, region.y0, region.x1, region.y1)
    areas = figure_areas(page, body, params)
    if any(area.x_overlap(caption) > 0 and area.y0 < caption.y1 and caption.y0 < area.y1 for area in areas):
        return None  # the box already holds a drawing
    drawing = nearest_drawing(caption, areas, params)
    if drawing is None:
        return None
    return replace(figure, region=Region(region.page, drawing.x0, drawing.y0, drawing.x1, drawing.y1))
