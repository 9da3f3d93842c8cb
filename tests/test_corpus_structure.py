"""Over every corpus PDF that has GROBID's TEI beside it, through both paths (GROBID's TEI
and the built-in reader): the section tree is nested as the paper numbers it, the
built-in reader links about as many citations and mentions as GROBID does, and every
figure cut out of the page shows more than its caption."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import ImageDraw

from benchmarks.pdf_reader_bench import link_kinds, pairs, words
from translator.model import Document, Figure, Region
from translator.parsing.drawings import with_drawings
from translator.parsing.pdf import read_pdf
from translator.parsing.pdf.geometry import Box, PageText
from translator.parsing.pdf.text import read_pages
from translator.parsing.tei_reader import read_tei

from .conftest import CORPUS, corpus_available, needs_corpus
from .test_section_tree import nesting_errors

pytestmark = pytest.mark.slow  # reads every corpus PDF


def corpus_papers() -> list[tuple[Path, Path]]:
    """(PDF, TEI) for the official pairs and the PDFs with a local GROBID's TEI."""
    return [(pdf, tei) for _, _, pdf, tei in pairs(CORPUS)] if corpus_available() else []


@cache
def _read(pdf: Path, tei: Path) -> tuple[Document, Document]:
    return read_tei(tei), read_pdf(pdf)


@needs_corpus
@pytest.mark.parametrize(("pdf", "tei"), corpus_papers(), ids=lambda p: p.stem)
def test_sections_are_nested_as_numbered_in_both_paths(pdf: Path, tei: Path) -> None:
    grobid, builtin = _read(pdf, tei)
    for path, doc in (("GROBID", grobid), ("built-in", builtin)):
        for part in (doc.body, doc.annexes):
            assert not nesting_errors(part), (path, nesting_errors(part))


@needs_corpus
def test_the_built_in_reader_links_about_as_much_as_grobid() -> None:
    grobid, builtin = Counter[str](), Counter[str]()
    for pdf, tei in corpus_papers():
        g, b = _read(pdf, tei)
        grobid += link_kinds(g)
        builtin += link_kinds(b)
    ratio = sum(builtin.values()) / sum(grobid.values())
    assert 0.8 <= ratio <= 1.2, (ratio, dict(grobid), dict(builtin))
    # Each kind is found, citations within the same bound.
    assert 0.8 <= builtin["bibr"] / grobid["bibr"] <= 1.2, (dict(grobid), dict(builtin))
    assert builtin["figure"] and builtin["table"] and builtin["formula"]


def _caption_lines(figure: Figure, page: PageText, box: Box) -> list[Box]:
    """The lines inside ``box`` whose words are all the caption's (label and text)."""
    caption = set(words(f"{figure.head} {figure.label} {figure.caption.text if figure.caption else ''}"))
    return [
        line.box
        for line in page.lines
        if box.contains_center(line.box, 1.0) and words(line.text) and set(words(line.text)) <= caption
    ]


def _ink_outside(pdf: pdfium.PdfDocument, region: Region, masked: list[Box], scale: float = 1.5) -> int:
    """Dark pixels of the region's picture outside the masked boxes (page points)."""
    page = pdf[region.page - 1]
    width, height = page.get_size()
    crop = (region.x0, height - region.y1, width - region.x1, region.y0)
    image = page.render(scale=scale, crop=crop).to_pil().convert("L")
    draw = ImageDraw.Draw(image)
    for m in masked:
        corners = ((m.x0 - 1 - region.x0) * scale, (m.y0 - 1 - region.y0) * scale)
        draw.rectangle((*corners, (m.x1 + 1 - region.x0) * scale, (m.y1 + 1 - region.y0) * scale), fill=255)
    return sum(image.histogram()[:160])


@needs_corpus
@pytest.mark.parametrize(("pdf", "tei"), corpus_papers(), ids=lambda p: p.stem)
def test_every_figure_crop_shows_more_than_its_caption(pdf: Path, tei: Path) -> None:
    """A figure or table cut out of the page (both paths, as a run cuts them) covers more
    than its caption and holds ink that is not the caption's text."""
    tei_doc, builtin = _read(pdf, tei)
    grobid = with_drawings(tei_doc, pdf)  # the built-in reader found its drawings as it read
    pages = {page.number: page for page in read_pages(pdf)}
    document = pdfium.PdfDocument(pdf)
    try:
        for path, doc in (("GROBID", grobid), ("built-in", builtin)):
            for figure in doc.figures:
                region = figure.region
                if figure.caption is None or region is None:
                    continue
                box = Box(region.x0, region.y0, region.x1, region.y1)
                masked = _caption_lines(figure, pages[region.page], box)
                caption_area = sum(m.width * m.height for m in masked)
                assert box.width * box.height > caption_area, (path, figure.id)
                assert _ink_outside(document, region, masked) >= 20, (
                    path,
                    figure.id,
                    figure.caption.text[:60],
                )
    finally:
        document.close()
