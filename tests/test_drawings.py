"""A figure whose GROBID box covers only its caption, or that has no box, gets its drawing's
box from the PDF, so its image shows the figure, not a strip of caption text; a caption's
box with no drawing by it gives no image."""

from __future__ import annotations

from pathlib import Path

import pytest

from translator.parsing import standing
from translator.parsing.drawings import with_drawings
from translator.parsing.pdf.reader import read_pdf
from translator.parsing.pdf.text import read_pages
from translator.parsing.tei_reader import read_tei

from .fixtures import SMALL_TEI

MM = 72 / 25.4
DRAWING = (40.0, 60.0, 160.0, 110.0)  # mm: x0, y0, x1, y1


def _pdf(
    path: Path,
    text: str = "The tiny robot walks on a table, and we watch it closely. " * 6,
    drawing: bool = True,
) -> Path:
    """A page of ``text``, then (with ``drawing``) a drawn figure and its caption under it."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(20, 20)
    pdf.multi_cell(170, 5, text)
    if not drawing:
        pdf.output(str(path))
        return path
    x0, y0, x1, y1 = DRAWING
    pdf.set_fill_color(210, 220, 240)
    pdf.rect(x0, y0, x1 - x0, y1 - y0, style="DF")
    pdf.line(x0 + 5, y1 - 5, x1 - 5, y0 + 5)
    pdf.set_xy(20, y1 + 4)
    pdf.cell(170, 5, "Fig. 1. The tiny robot walking on a table.")
    pdf.output(str(path))
    return path


def _caption_only_tei(pdf: Path) -> bytes:
    caption = next(ln for ln in read_pages(pdf)[0].lines if ln.text.startswith("Fig. 1."))
    box = caption.box
    coords = f"1,{box.x0:.2f},{box.y0:.2f},{box.x1 - box.x0:.2f},{box.y1 - box.y0:.2f}"
    return SMALL_TEI.replace('xml:id="fig_0">', f'xml:id="fig_0" coords="{coords}">').encode()


def test_a_caption_only_figure_box_becomes_the_drawing(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "paper.pdf")
    doc = read_tei(_caption_only_tei(pdf))
    mended = with_drawings(doc, pdf)
    (figure,) = [f for f in mended.figures if f.id == "fig_0"]
    assert figure.region is not None
    x0, y0, x1, y1 = (v * MM for v in DRAWING)
    got = figure.region
    assert abs(got.x0 - x0) < 3 and abs(got.y0 - y0) < 3 and abs(got.x1 - x1) < 3 and abs(got.y1 - y1) < 3
    # The parsed document is not changed: the run works on a copy.
    original = next(f for f in doc.figures if f.id == "fig_0").region
    assert original is not None and original.y0 > y1


def test_a_figure_box_that_holds_its_drawing_is_left_alone(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "paper.pdf")
    x0, _, x1, y1 = (v * MM for v in DRAWING)
    # A flat box over the drawing's lower part and the caption: it holds a drawing already.
    top = y1 - 10 * MM
    coords = f"1,{x0:.2f},{top:.2f},{x1 - x0:.2f},{y1 - top + 8 * MM:.2f}"
    doc = read_tei(SMALL_TEI.replace('xml:id="fig_0">', f'xml:id="fig_0" coords="{coords}">').encode())
    assert [f.region for f in with_drawings(doc, pdf).figures] == [f.region for f in doc.figures]


def test_a_figure_without_a_box_gets_its_drawing_by_its_caption(tmp_path: Path) -> None:
    # A TEI made without figure coordinates: the caption is found in the PDF's lines.
    pdf = _pdf(tmp_path / "paper.pdf")
    doc = read_tei(SMALL_TEI.encode())
    assert next(f for f in doc.figures if f.id == "fig_0").region is None
    figure = next(f for f in with_drawings(doc, pdf).figures if f.id == "fig_0")
    assert figure.region is not None and figure.region.page == 1
    x0, y0, x1, y1 = (v * MM for v in DRAWING)
    got = figure.region
    assert abs(got.x0 - x0) < 3 and abs(got.y0 - y0) < 3 and abs(got.x1 - x1) < 3 and abs(got.y1 - y1) < 3


def test_a_box_holding_only_its_caption_with_no_drawing_by_it_is_dropped(tmp_path: Path) -> None:
    # GROBID took a paragraph of running text for a figure: its box is that text, which
    # the figure shows as its caption anyway; a picture of it would say it twice.
    pdf = _pdf(tmp_path / "text.pdf", "The tiny robot walking on a table. " * 3, drawing=False)
    lines = read_pages(pdf)[0].lines
    x0, y0 = min(ln.box.x0 for ln in lines), min(ln.box.y0 for ln in lines)
    x1, y1 = max(ln.box.x1 for ln in lines), max(ln.box.y1 for ln in lines)
    coords = f"1,{x0:.2f},{y0:.2f},{x1 - x0:.2f},{y1 - y0:.2f}"
    doc = read_tei(SMALL_TEI.replace('xml:id="fig_0">', f'xml:id="fig_0" coords="{coords}">').encode())
    assert next(f for f in doc.figures if f.id == "fig_0").region is not None
    assert next(f for f in with_drawings(doc, pdf).figures if f.id == "fig_0").region is None


def test_the_built_in_readers_figures_are_not_looked_for_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The built-in reader found the drawing by its caption as it read: the pass that mends
    GROBID's boxes leaves its document as it is and reads no page again (passed again, it gave
    a figure whose own drawing the reader had not found the box of a table on its page)."""
    pdf = _pdf(tmp_path / "paper.pdf")
    doc = read_pdf(pdf)
    assert [f.region is not None for f in doc.figures] == [True]

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the PDF was read again")

    monkeypatch.setattr(standing.PageCache, "pages", no_reading)
    assert standing.figures_as_printed(doc, pdf, gathered=False) is doc
    tei = read_tei(_caption_only_tei(pdf))
    monkeypatch.undo()
    mended = standing.figures_as_printed(tei, pdf, gathered=True)  # GROBID's caption-only box
    assert (
        next(f for f in mended.figures if f.id == "fig_0").region
        != next(f for f in tei.figures if f.id == "fig_0").region
    )
