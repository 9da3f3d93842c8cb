"""Display formulas in the built-in reader: the pieces of one display line (set on
baselines of their own, as fractions and cases are) and its number at the right margin
are one formula with that number, which "Eq. (1)" links to; a number beside a formula
set as plain text stays in that text."""

from __future__ import annotations

from pathlib import Path

from translator.model import Paragraph
from translator.parsing.pdf import read_pdf

FILLER = "The colonies grow in each cycle and we count the cells of every strain at its end. "


def _formula_page(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_page()

    def text(x: float, y: float, words: str, face: str = "helvetica") -> None:
        pdf.set_font(face, size=10)
        pdf.set_xy(x, y)
        pdf.cell(0, 10, words)

    pdf.set_font("helvetica", style="B", size=12)
    pdf.set_xy(72, 60)
    pdf.cell(0, 12, "1 Model")
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(72, 84)
    pdf.multi_cell(468, 12, FILLER * 2 + "The cells follow Eq. (1) in every cycle:")
    # One display line in three pieces on baselines a few points apart (in a math face:
    # Symbol's "a" is α), and its number.
    text(150, 160, "X(t) = a X(t) - k X(t),", "symbol")
    text(330, 165, "t > 0, 1 < i < n,", "symbol")
    text(523, 162, "(1)")
    pdf.set_xy(72, 190)
    pdf.multi_cell(468, 12, "where a is the growth rate and k the killing rate. " + FILLER)
    # A formula set as running text, its number at the right margin.
    text(72, 250, "The ratio is R = W / N")
    text(523, 250, "(2)")
    pdf.set_xy(72, 270)
    pdf.multi_cell(468, 12, "where W is the weight kept. " + FILLER)
    pdf.output(str(path))
    return path


def test_the_pieces_of_a_display_line_and_its_number_are_one_formula(tmp_path: Path) -> None:
    doc = read_pdf(_formula_page(tmp_path / "model.pdf"))
    [formula] = list(doc.formulas())
    assert formula.label == "(1)"
    assert "=" in formula.text and ">" in formula.text  # both pieces
    assert formula.region is not None and formula.region.x0 < 155 and formula.region.x1 > 520
    paragraphs = [b.segment for s in doc.all_sections() for b in s.blocks if isinstance(b, Paragraph)]
    [citing] = [p for p in paragraphs if "follow Eq. (1)" in p.text]
    assert [(citing.text[s.start : s.end], s.target) for s in citing.spans if s.kind == "formula"] == [
        ("Eq. (1)", formula.id)
    ]
    # The number of a formula read as text stays with it.
    assert any("R = W / N (2)" in p.text for p in paragraphs), [p.text for p in paragraphs]
