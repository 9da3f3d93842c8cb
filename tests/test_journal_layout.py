"""A journal layout the corpus lacks: running heads that alternate (the title on odd pages,
the authors on even ones, each beside the journal's id and the page number), authors with
initials, and a printed contents page. None of them may become a section heading, and no
contents entry may be lost."""

from __future__ import annotations

from pathlib import Path

from translator.model import Paragraph
from translator.parsing.pdf import read_pdf

TITLE = "Dark matter halos and the cosmic web"
AUTHORS = "A. Lovelace and A. Turing"
SECTIONS = [("1", "Introduction"), ("2", "Halo models"), ("2.1", "Density profiles"), ("3", "Results")]
BODY = (
    "The halos we study grow by accretion along the filaments of the cosmic web, and their mass "
    "follows the density of the field around them over the whole history of the simulation. "
) * 3


def _journal(path: Path) -> Path:
    from fpdf import FPDF

    class Paper(FPDF):
        def header(self) -> None:
            if self.page_no() == 1:
                return
            odd = self.page_no() % 2 == 1
            self.set_font("helvetica", size=8)
            self.set_xy(15, 8)
            self.cell(90, 4, TITLE if odd else f"JCAP03(2021)015 - {self.page_no()}")
            self.set_xy(105, 8)
            self.cell(90, 4, f"JCAP03(2021)015 - {self.page_no()}" if odd else AUTHORS, align="R")

    pdf = Paper(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=18)
    pdf.set_xy(15, 30)
    pdf.cell(180, 9, TITLE, align="C")
    pdf.set_font("helvetica", size=11)
    pdf.set_xy(15, 42)
    pdf.cell(180, 5, AUTHORS, align="C")
    pdf.set_font("helvetica", style="B", size=11)
    pdf.set_xy(15, 55)
    pdf.cell(40, 5, "Abstract")
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(15, 62)
    pdf.multi_cell(180, 5, BODY)
    y = pdf.get_y() + 8
    pdf.set_font("helvetica", style="B", size=12)
    pdf.set_xy(15, y)
    pdf.cell(40, 6, "Contents")
    y += 9
    for (number, title), page in zip(SECTIONS, (2, 3, 4, 5), strict=True):
        pdf.set_font("helvetica", style="" if "." in number else "B", size=10)
        pdf.set_xy(22 if "." in number else 15, y)
        pdf.cell(150, 5, f"{number} {title}")
        pdf.set_xy(170, y)
        pdf.cell(20, 5, str(page), align="R")
        y += 6
    for number, title in SECTIONS:
        pdf.add_page()
        pdf.set_font("helvetica", style="B", size=12)
        pdf.set_xy(15, 25)
        pdf.cell(150, 6, f"{number} {title}")
        pdf.set_font("helvetica", size=10)
        pdf.set_xy(15, 34)
        pdf.multi_cell(180, 5, BODY * 2)
    pdf.output(str(path))
    return path


def test_running_heads_authors_and_a_contents_page_are_read_for_what_they_are(tmp_path: Path) -> None:
    doc = read_pdf(_journal(tmp_path / "journal.pdf"))
    assert doc.title is not None and doc.title.text == TITLE
    assert [a.name for a in doc.authors] == ["A. Lovelace", "A. Turing"]
    assert doc.abstract and "accretion" in doc.abstract[0].blocks[0].segment.text  # type: ignore[union-attr]
    sections = [s for s in doc.all_sections() if s.heading]
    headings = [(s.number, s.heading.text) for s in sections if s.heading]
    assert headings == [("", "Contents"), *SECTIONS]
    contents = sections[0]
    items = [b.segment for b in contents.blocks if isinstance(b, Paragraph)]
    assert [(s.kind, s.text) for s in items] == [("item", f"{n} {t}") for n, t in SECTIONS]
    everything = " ".join(s.text for s in doc.segments())
    assert "JCAP03" not in everything and everything.count(AUTHORS) == 0
