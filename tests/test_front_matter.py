"""The title: over several centred lines, without its footnote marks, and from the PDF's
metadata when the page gives none (never a file name or a program's placeholder)."""

from __future__ import annotations

from pathlib import Path

from translator.parsing.pdf import read_pdf
from translator.parsing.pdf_title import metadata_title, with_metadata_title

BODY = "Tiny robots walk on sand and gravel, and we count how far each one gets in a minute. " * 8


def _pdf(path: Path, title_lines: list[str], metadata: str = "") -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    if metadata:
        pdf.set_title(metadata)
    pdf.add_page()
    y = 20.0
    for line in title_lines:
        pdf.set_font("helvetica", style="B", size=16)
        pdf.set_xy(15, y)
        pdf.cell(180, 8, line, align="C")
        y += 8
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(15, y + 8)
    pdf.multi_cell(180, 5, BODY)
    pdf.output(str(path))
    return path


def test_a_title_over_two_centred_lines_is_one_title_without_its_marks(tmp_path: Path) -> None:
    lines = ["Walking Robots on Rough Ground: A Long Study of", "Sand and Gravel *"]
    doc = read_pdf(_pdf(tmp_path / "two.pdf", lines))
    assert doc.title is not None
    assert doc.title.text == "Walking Robots on Rough Ground: A Long Study of Sand and Gravel"


def test_the_metadata_title_stands_in_when_the_page_has_none(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "none.pdf", [], metadata="Walking Robots on Sand and Gravel")
    doc = read_pdf(pdf)
    assert doc.title is None
    titled = with_metadata_title(doc, pdf)
    assert titled.title is not None and titled.title.text == "Walking Robots on Sand and Gravel"
    assert doc.title is None  # a copy: the parsed document is not changed


def test_file_names_and_placeholders_are_not_titles(tmp_path: Path) -> None:
    for junk in ("Microsoft Word - AVE2008 Report.doc", "p020-dutot.dvi", "untitled", "doi:10.1016/j.x.2008"):
        assert metadata_title(_pdf(tmp_path / "junk.pdf", [], metadata=junk)) == "", junk
