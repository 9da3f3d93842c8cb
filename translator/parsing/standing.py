"""Where a GROBID figure or table stands among the paragraphs, for those no paragraph cites.

GROBID gathers every figure at the end of the body and gives paragraphs no coordinates,
so a figure that no paragraph cites (or whose citations GROBID did not resolve) would
be shown after the whole text. The PDF tells where it stands (its box, else its caption's
first line): each paragraph is found by the words that open it at the start of a line,
and the figure goes after the last paragraph (in reading order) that starts before it:
on an earlier page, above it, or in a column to its left.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from ..model import Document, Figure, Paragraph, Region
from .drawings import caption_line, with_drawings, words
from .pdf.geometry import PageText
from .pdf.params import DEFAULT, LayoutParams
from .pdf.text import PageCache

PROBE_WORDS = 4  # words that open a paragraph, looked for at the start of the PDF's lines
COLUMN_SLACK = 4.0  # points: a paragraph ending this close to a figure's left edge is left of it


def figures_as_printed(doc: Document, pdf: Path, gathered: bool) -> Document:
    """When the reader gathered the figures at the end (GROBID), each figure with its
    drawing (not a caption-only box), after the paragraph it follows in the PDF. The
    built-in reader found both as it read, by the same rules: passed again, its document
    gained only a table's box for a figure whose own drawing (a raster image) it had not
    found, which then showed the table (arxiv1406's Figure 3), and every page was read a
    second time when a figure had no box (0.02 CPU-s a page)."""
    if not gathered:
        return doc
    cache = PageCache(pdf)  # both passes read pages: each is read once
    doc = with_drawings(doc, pdf, cache=cache)
    return with_places(doc, pdf, cache=cache)


def with_places(
    doc: Document, pdf: Path, params: LayoutParams = DEFAULT, cache: PageCache | None = None
) -> Document:
    """The document with each figure and table that has no place yet given the paragraph
    it follows in the PDF, found by its box or its caption (a copy; the same document
    when none moves). ``cache``: the PDF's pages, when another pass reads them too."""
    unplaced = [f for f in doc.figures if not f.after]
    if not unplaced:
        return doc
    # A figure or table without a box is found by its caption, on any page.
    boxed = [f.region.page for f in unplaced if f.region is not None]
    only = frozenset(range(1, max(boxed) + 1)) if len(boxed) == len(unplaced) else None
    pages = (cache or PageCache(pdf, params)).pages(only)
    starts = list(_paragraph_starts(doc, list(pages.values())))
    placed = {f.id: _after(where, starts) for f in unplaced if (where := _where(f, pages)) is not None}
    if not any(placed.values()):
        return doc
    return replace(doc, figures=[_placed(f, placed.get(f.id, "")) for f in doc.figures])


def _where(figure: Figure, pages: dict[int, PageText]) -> Region | None:
    """The figure's box, else its caption's first line."""
    if figure.region is not None:
        return figure.region
    found = caption_line(figure, pages)
    if found is None:
        return None
    page, box = found
    return box.on_page(page.number)


def _placed(figure: Figure, after: str) -> Figure:
    return replace(figure, after=after) if after else figure


def _probe(text: str) -> str:
    return " ".join(words(text)[:PROBE_WORDS])


def _paragraph_starts(doc: Document, pages: list[PageText]) -> Iterator[tuple[Region, str]]:
    """Where each paragraph the PDF shows once starts (its first line's box), and its id, in
    reading order."""
    lines: dict[str, list[Region]] = {}
    for page in pages:
        for line in page.lines:
            lines.setdefault(_probe(line.text), []).append(line.box.on_page(page.number))
    for section in doc.all_sections():
        for block in section.blocks:
            if not isinstance(block, Paragraph):
                continue
            probe = _probe(block.segment.text)
            found = lines.get(probe, []) if len(probe.split()) == PROBE_WORDS else []
            if len(found) == 1:  # found in more places than one: no guess
                yield found[0], block.segment.id


def _after(figure: Region, starts: list[tuple[Region, str]]) -> str:
    """The last paragraph in reading order that starts before the figure."""
    after = ""
    for start, segment_id in starts:
        if _before(start, figure):
            after = segment_id
    return after


def _before(start: Region, figure: Region) -> bool:
    if start.page != figure.page:
        return start.page < figure.page
    return start.y0 < figure.y0 or start.x1 <= figure.x0 + COLUMN_SLACK
