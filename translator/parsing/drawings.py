"""Figures whose box GROBID drew around the caption alone, or gave no box at all.

GROBID's ``coords`` for a figure often cover only its caption: the cut image is then a
strip of caption text, and the caption reads twice (once in the image, once as text).
A TEI made without figure coordinates has no box to cut. The drawing itself is found in
the PDF as the built-in reader finds it: the nearest graphics region above the caption
(or below it, the other side only right next to it); a figure without a box first has
its caption found in the PDF's lines.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from ..model import Document, Figure, Region
from .pdf.figures import nearest_drawing
from .pdf.geometry import Box, Line, PageText
from .pdf.layout import body_font_size
from .pdf.lines import CAPTION
from .pdf.params import DEFAULT, LayoutParams
from .pdf.regions import figure_areas
from .pdf.text import PageCache

# A box this flat and low holds a caption's lines, not a drawing.
STRIP_HEIGHT = 80.0
STRIP_SHAPE = 0.25  # height ÷ width
# A box no taller than this is read to see whether its words are the caption's own.
CAPTION_BOX_HEIGHT = 150.0
CAPTION_SHARE = 0.8  # of the box's words, those of the caption: the box holds the caption alone
CAPTION_PROBE = 5  # words of a caption looked for in the PDF's lines
_WORD = re.compile(r"[^\W_]+")


def _strip(region: Region | None) -> bool:
    if region is None:
        return False
    height, width = region.y1 - region.y0, region.x1 - region.x0
    return height < STRIP_HEIGHT and height < STRIP_SHAPE * width


def with_drawings(
    doc: Document, pdf: Path, params: LayoutParams = DEFAULT, cache: PageCache | None = None
) -> Document:
    """The document with each figure whose box holds only its caption, or that has no box,
    given its drawing's box; a caption's box with no drawing by it is dropped (a copy; the
    same document when there is nothing to mend). ``cache``: the PDF's pages, when another
    pass reads them too."""
    suspects = [f for f in doc.figures if _suspect(f)]
    if not suspects:
        return doc
    # A figure without a box may be on any page; the others name theirs.
    wanted = None if any(f.region is None for f in suspects) else frozenset(_pages_of(suspects))
    pages = (cache or PageCache(pdf, params)).pages(wanted)
    body = body_font_size(list(pages.values()))
    mended = {f.id: _mended(f, pages, body, params) for f in suspects}
    return replace(doc, figures=[mended.get(f.id) or f for f in doc.figures])


def _suspect(figure: Figure) -> bool:
    """A box flat enough to be the caption's, or low enough to be read, or no box but a caption."""
    region = figure.region
    if region is None:  # a table without a box has its cells as text
        return figure.kind == "figure" and len(words(_caption(figure))) >= 3
    return _strip(region) or region.y1 - region.y0 < CAPTION_BOX_HEIGHT


def _pages_of(figures: list[Figure]) -> set[int]:
    return {f.region.page for f in figures if f.region is not None}


def _caption(figure: Figure) -> str:
    return figure.caption.text if figure.caption else ""


def words(text: str) -> list[str]:
    """The text's words, lower-cased (letters and digits; punctuation dropped)."""
    return [w.lower() for w in _WORD.findall(text)]


def _mended(figure: Figure, pages: dict[int, PageText], body: float, params: LayoutParams) -> Figure | None:
    located = _located(figure, pages)
    if located is None:
        return None
    page, caption = located
    areas = figure_areas(page, body, params)
    if any(area.x_overlap(caption) > 0 and area.y0 < caption.y1 and caption.y0 < area.y1 for area in areas):
        return None  # the box already holds a drawing
    drawing = nearest_drawing(caption, areas, params, figure.kind)
    if drawing is None:
        # No drawing by the caption: no image, rather than a picture of the caption's text
        # (which the figure shows as text anyway).
        return replace(figure, region=None) if figure.region is not None else None
    return replace(figure, region=drawing.on_page(page.number))


def _located(figure: Figure, pages: dict[int, PageText]) -> tuple[PageText, Box] | None:
    """The page and the box of the figure's caption, when the figure's box is that caption
    (flat, or its words the caption's) or the figure has no box; else None."""
    region = figure.region
    if region is None:
        return caption_line(figure, pages)
    page = pages.get(region.page)
    box = Box(region.x0, region.y0, region.x1, region.y1)
    flat = _strip(region) and figure.kind == "figure"  # a table's rows can be flat
    if page is None or not (flat or _holds_caption_only(figure, page, box)):
        return None
    return page, box


def _holds_caption_only(figure: Figure, page: PageText, box: Box) -> bool:
    inside = [w for ln in page.lines if box.contains_center(ln.box, 1.0) for w in words(ln.text)]
    caption = set(words(f"{figure.head} {_caption(figure)}"))
    return len(inside) >= 5 and sum(1 for w in inside if w in caption) >= CAPTION_SHARE * len(inside)


def caption_line(figure: Figure, pages: dict[int, PageText]) -> tuple[PageText, Box] | None:
    """The line where the figure's caption starts: it holds the caption's first words, and
    opens with a figure label when one does."""
    probe = " ".join(words(_caption(figure))[:CAPTION_PROBE])
    found: list[tuple[bool, PageText, Line]] = []
    for page in pages.values():
        for line in page.lines:
            if probe in " ".join(words(line.text)):
                found.append((CAPTION.match(line.text) is not None, page, line))
    labelled = [f for f in found if f[0]] or found
    if len(labelled) != 1:
        return None  # not found, or found in more places than one: no guess
    _, page, line = labelled[0]
    return page, line.box
