"""A GROBID figure or table that no paragraph cites is shown where the paper prints it:
after the last paragraph, in reading order, that starts before it in the PDF (GROBID
gathers figures at the end and gives paragraphs no coordinates)."""

from __future__ import annotations

from pathlib import Path

from translator.model import Document, Figure, Paragraph, Region, Section, Segment
from translator.parsing.standing import with_places
from translator.render import render_markdown

from .test_render import translated

OPENINGS = [
    "Robots on sand move slowly",
    "Gravel slows the small wheels",
    "Wet ground makes every robot",
    "Our method counts the steps",
    "The results favour the legged",
]
FILLER = " and we measure how far each one gets in a minute on each ground. " * 4


def _two_columns(path: Path) -> Path:
    """One page, two columns: three paragraphs on the left; on the right a drawn figure
    at the top, its caption, then two paragraphs; a table caption under the last one."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=9)

    def para(x: float, y: float, text: str) -> None:
        pdf.set_xy(x, y)
        pdf.multi_cell(250, 11, text)

    for n, y in zip(range(3), (60, 250, 440), strict=True):
        para(40, y, OPENINGS[n] + FILLER)
    pdf.set_fill_color(200, 210, 230)
    pdf.rect(310, 60, 240, 120, style="DF")
    para(305, 190, "Figure 1: Robots on three grounds, seen from above.")
    para(305, 250, OPENINGS[3] + FILLER)
    para(305, 440, OPENINGS[4] + FILLER)
    para(305, 640, "Table 1: Distances walked by each robot on each ground in one minute.")
    pdf.output(str(path))
    return path


def _document() -> Document:
    paragraphs = [Paragraph(Segment(f"p{n}", "paragraph", text + FILLER)) for n, text in enumerate(OPENINGS)]
    figure = Figure(
        "fig_0", "figure", "1", "Figure 1", Segment("c0", "caption", "Robots on three grounds, seen from above."),
        region=Region(1, 310, 60, 550, 180),
    )  # fmt: skip
    table = Figure(
        "tab_0", "table", "1", "Table 1",
        Segment("c1", "caption", "Distances walked by each robot on each ground in one minute."),
        rows=[["Robot", "Sand"], ["A", "12 m"]],
    )  # fmt: skip
    return Document(body=[Section("s1", blocks=list(paragraphs))], figures=[figure, table])


def test_an_uncited_figure_follows_the_paragraph_before_it_in_the_pdf(tmp_path: Path) -> None:
    doc = with_places(_document(), _two_columns(tmp_path / "paper.pdf"))
    after = {f.id: f.after for f in doc.figures}
    # The figure tops the right column: every paragraph of the left column comes before it.
    assert after["fig_0"] == "p2"
    # The table has no box: its caption's line, under the right column's last paragraph.
    assert after["tab_0"] == "p4"
    markdown = render_markdown(*translated(doc), "zh")
    assert markdown.index("Robots on three grounds") < markdown.index(OPENINGS[3])
    assert markdown.index(OPENINGS[2]) < markdown.index("Robots on three grounds")
    assert "Figures and tables" not in markdown


def test_a_figure_already_placed_or_nowhere_to_be_found_is_left_alone(tmp_path: Path) -> None:
    doc = _document()
    doc.figures[0].after = "p0"
    doc.figures[1].caption = Segment("c1", "caption", "A caption the page does not print anywhere at all.")
    placed = with_places(doc, _two_columns(tmp_path / "paper.pdf"))
    assert placed is doc  # nothing to move
