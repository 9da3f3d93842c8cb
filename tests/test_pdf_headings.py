"""Headings in the built-in reader: one set over two lines is one heading; a bold sentence
broken at the line's end ("evalua-") is not a heading."""

from __future__ import annotations

from pathlib import Path

from translator.parsing.pdf import read_pdf

BODY = "The robots walk over sand and gravel, and we count how far each one gets in a minute. " * 4


def _pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    y = 20.0

    def line(text: str, size: float, style: str = "", x: float = 20) -> None:
        nonlocal y
        pdf.set_font("helvetica", style=style, size=size)
        pdf.set_xy(x, y)
        pdf.cell(170, size * 0.45, text)
        y += size * 0.5

    def para(text: str) -> None:
        nonlocal y
        pdf.set_font("helvetica", size=10)
        pdf.set_xy(20, y + 2)
        pdf.multi_cell(170, 5, text)
        y = pdf.get_y() + 4

    line("Walking Robots", 18, "B")
    y += 6
    line("1 Introduction", 12, "B")
    para(BODY)
    line("2 The guidelines we give for the evaluation of", 12, "B")
    line("walking robots on rough ground", 12, "B", x=25.5)  # under the title, past the number
    para(BODY)
    line("3 Limitations", 12, "B")
    line("Our study is limited to robots that walk on evalua-", 10, "B")
    para("tion grounds of sand only. " + BODY)
    line("4 Results", 12, "B")
    para(BODY)
    pdf.output(str(path))
    return path


def test_a_heading_over_two_lines_is_one_and_a_broken_sentence_is_none(tmp_path: Path) -> None:
    doc = read_pdf(_pdf(tmp_path / "headings.pdf"))
    headings = [(s.number, s.heading.text) for s in doc.all_sections() if s.heading]
    assert headings == [
        ("1", "Introduction"),
        ("2", "The guidelines we give for the evaluation of walking robots on rough ground"),
        ("3", "Limitations"),
        ("4", "Results"),
    ]


def _numbering_pdf(path: Path) -> Path:
    """Numbers the way journals set them: a bar after the number (Wiley), a title that
    opens with a bracket, a subsection heading ending in a stop on its own line (ACM), and
    a numbered list item with a label, which is no heading."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    y = 20.0

    def line(text: str, size: float = 10, style: str = "") -> None:
        nonlocal y
        pdf.set_font("helvetica", style=style, size=size)
        pdf.set_xy(20, y)
        pdf.cell(170, size * 0.45, text)
        y += size * 0.5 + 3

    def para(text: str) -> None:
        nonlocal y
        pdf.set_font("helvetica", size=10)
        pdf.set_xy(20, y)
        pdf.multi_cell(170, 5, text)
        y = pdf.get_y() + 4

    line("Walking Robots", 18, "B")
    line("1 | INTRODUCTION", 12, "B")
    para(BODY)
    line("2 | METHODS", 12, "B")
    para(BODY)
    line("2.1 [D1] Robots on Sand", 11, "B")
    para(BODY)
    line("2.1.1 Counting Steps on Sand (D1).", 10, "I")
    para(BODY)
    line("1. Privileged Robots: We give these robots the longest legs")
    para("and the best motors we have. " + BODY)
    line("3 | RESULTS", 12, "B")
    para(BODY)
    pdf.output(str(path))
    return path


def test_journal_numberings_are_read_and_a_labelled_list_item_is_no_heading(tmp_path: Path) -> None:
    doc = read_pdf(_numbering_pdf(tmp_path / "numbering.pdf"))
    tree = [(s.number, s.heading.text, [c.number for c in s.subsections]) for s in doc.body if s.heading]
    assert tree == [("1", "INTRODUCTION", []), ("2", "METHODS", ["2.1"]), ("3", "RESULTS", [])]
    subsection = doc.body[1].subsections[0]
    assert (subsection.heading.text if subsection.heading else "") == "[D1] Robots on Sand"
    assert [(s.number, s.heading.text if s.heading else "") for s in subsection.subsections] == [
        ("2.1.1", "Counting Steps on Sand (D1).")
    ]
    paragraphs = [s.text for s in doc.segments() if s.kind == "paragraph"]
    assert any(
        p.startswith("1. Privileged Robots: We give these robots the longest legs and") for p in paragraphs
    )
