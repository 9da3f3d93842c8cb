"""Footnotes in the built-in reader: a note block holding several notes is split at each
line that opens with a superscript mark, and a superscript mark in the text that a note
carries links to that note (an exponent no note carries stays text)."""

from __future__ import annotations

from pathlib import Path

from translator.model import Document, Paragraph
from translator.parsing.pdf import read_pdf
from translator.render import render_html

from .test_render import translated

FILLER = "The robots walk over sand and gravel, and we count how far each one gets in a minute. "


def _footnoted(path: Path) -> Path:
    """One page: a heading, a paragraph with two note marks and an exponent set as
    superscripts, more text, and two notes in one block at the foot of the page."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=12)
    pdf.set_xy(20, 20)
    pdf.cell(0, 6, "1 Introduction")
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(20, 32)
    pdf.set_left_margin(20)
    pdf.set_right_margin(20)

    def sup(mark: str) -> None:
        pdf.char_vpos = "SUP"
        pdf.write(5, mark)
        pdf.char_vpos = "LINE"

    pdf.write(5, FILLER + "Our code is released with the paper.")
    sup("1")
    pdf.write(5, " We measure the area of each field in square metres, x")
    sup("3")
    pdf.write(5, " in all, as the survey data")
    sup("2")
    pdf.write(5, " give it. " + FILLER * 2)
    pdf.set_xy(20, 90)
    pdf.write(5, FILLER * 3)
    pdf.set_font("helvetica", size=8)
    for y, mark, note in (
        (262, "1", "https://example.org/tiny-robots"),
        (265.5, "2", "The survey data: https://example.org/survey"),
    ):
        pdf.set_xy(20, y)
        sup(mark)
        pdf.write(4, " " + note)
    pdf.set_xy(20, 269)
    pdf.write(4, "*Work done while visiting the Tiny Robots Lab.")  # a symbol mark set on the line
    pdf.output(str(path))
    return path


def _paragraphs(doc: Document) -> list[Paragraph]:
    return [b for s in doc.all_sections() for b in s.blocks if isinstance(b, Paragraph)]


def test_note_marks_link_to_their_notes_and_an_exponent_stays_text(tmp_path: Path) -> None:
    doc = read_pdf(_footnoted(tmp_path / "notes.pdf"))
    assert [(n.n, n.segments[0].text) for n in doc.notes] == [
        ("1", "https://example.org/tiny-robots"),
        ("2", "The survey data: https://example.org/survey"),
        ("*", "Work done while visiting the Tiny Robots Lab."),
    ]
    [first] = [p.segment for p in _paragraphs(doc) if "released" in p.segment.text]
    feet = [(first.text[s.start : s.end], s.target) for s in first.spans if s.kind == "foot"]
    assert feet == [("1", doc.notes[0].id), ("2", doc.notes[1].id)], first.text
    assert "x 3 in all" in first.text  # the exponent: no note carries "3"

    html = render_html(*translated(doc), "zh")
    assert html.count(f'href="#note-{doc.notes[1].id}"') == 2  # in the paper's text and in its translation
