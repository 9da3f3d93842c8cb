"""Headings in the built-in reader: one set over two lines is one heading; a bold sentence
broken at the line's end ("evalua-") is not a heading."""

from __future__ import annotations

from pathlib import Path

from translator.parsing.pdf import read_pdf

BODY = "The robots walk over sand and gravel, and we count how far each one gets in a minute. " * 4


class _Page:
    """One A4 page written top down: lines at a given size and style, and paragraphs."""

    def __init__(self) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.add_page()
        self.y = 20.0

    def line(self, text: str, size: float = 10, style: str = "", x: float = 20, after: float = 0) -> None:
        self.pdf.set_font("helvetica", style=style, size=size)
        self.pdf.set_xy(x, self.y)
        self.pdf.cell(170, size * 0.45, text)
        self.y += size * 0.5 + after

    def para(self, text: str, before: float = 2) -> None:
        self.pdf.set_font("helvetica", size=10)
        self.pdf.set_xy(20, self.y + before)
        self.pdf.multi_cell(170, 5, text)
        self.y = self.pdf.get_y() + 4

    def save(self, path: Path) -> Path:
        self.pdf.output(str(path))
        return path


def _pdf(path: Path) -> Path:
    page = _Page()
    page.line("Walking Robots", 18, "B")
    page.y += 6
    page.line("1 Introduction", 12, "B")
    page.para(BODY)
    page.line("2 The guidelines we give for the evaluation of", 12, "B")
    page.line("walking robots on rough ground", 12, "B", x=25.5)  # under the title, past the number
    page.para(BODY)
    page.line("3 Limitations", 12, "B")
    page.line("Our study is limited to robots that walk on evalua-", 10, "B")
    page.para("tion grounds of sand only. " + BODY)
    page.line("4 Results", 12, "B")
    page.para(BODY)
    return page.save(path)


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
    page = _Page()
    for text, size, style, body in (
        ("Walking Robots", 18, "B", ""),
        ("1 | INTRODUCTION", 12, "B", BODY),
        ("2 | METHODS", 12, "B", BODY),
        ("2.1 [D1] Robots on Sand", 11, "B", BODY),
        ("2.1.1 Counting Steps on Sand (D1).", 10, "I", BODY),
        (
            "1. Privileged Robots: We give these robots the longest legs",
            10,
            "",
            "and the best motors we have. " + BODY,
        ),
        ("3 | RESULTS", 12, "B", BODY),
    ):
        page.line(text, size, style, after=3)
        if body:
            page.para(body, before=0)
    return page.save(path)


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


def test_a_formula_piece_in_its_own_face_is_no_heading(tmp_path: Path) -> None:
    # A formula's last line set apart in a small italic face: its parentheses do not pair up.
    page = _Page()
    page.line("Walking Robots", 18, "B", after=3)
    page.line("1 Introduction", 12, "B", after=3)
    page.para(BODY, before=0)
    page.line("2p(4p+1) ) with", 7, "I", after=3)
    page.para(BODY, before=0)
    page.line("A) Setup", 12, "B", after=3)
    page.para(BODY, before=0)
    doc = read_pdf(page.save(tmp_path / "piece.pdf"))
    assert [s.heading.text for s in doc.all_sections() if s.heading] == ["Introduction", "A) Setup"]
