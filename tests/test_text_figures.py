"""A drawing full of running text is a figure when a figure caption sits right under it
and its text is laid out as a diagram's (pieces side by side); a framed box of text in
one column (a prompt template) stays text, caption or not."""

from __future__ import annotations

from pathlib import Path

from translator.parsing.pdf import read_pdf

SENTENCE = "The annotator reads the summary and marks each clause that the source supports. "
PANEL = "Each panel shows one setting and the clauses that its annotators marked. "
PROMPT = "You are an assistant that answers the question below in one short sentence only. "


def _page(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(72, 50)
    pdf.multi_cell(450, 12, "1 Method\n" + SENTENCE * 3)
    # Figure 1: three panels of running text side by side, in a frame.
    pdf.rect(72, 120, 450, 160)
    for x in (80, 230, 380):
        pdf.set_xy(x, 130)
        pdf.multi_cell(135, 12, PANEL * 2)
    pdf.set_xy(72, 290)
    pdf.cell(0, 12, "Figure 1: Three annotation settings side by side.")
    # Figure 2: a prompt template, one column of text in a frame.
    pdf.rect(72, 330, 450, 80)
    pdf.set_xy(80, 340)
    pdf.multi_cell(430, 12, PROMPT * 4)
    pdf.set_xy(72, 420)
    pdf.cell(0, 12, "Figure 2: The prompt we use for every question.")
    pdf.set_xy(72, 450)
    pdf.multi_cell(450, 12, SENTENCE * 3)
    pdf.output(str(path))
    return path


def test_a_captioned_diagram_of_text_is_a_figure_and_a_prompt_box_stays_text(tmp_path: Path) -> None:
    doc = read_pdf(_page(tmp_path / "figures.pdf"))
    [diagram] = [f for f in doc.figures if f.head.startswith("Figure 1")]
    assert diagram.region is not None and diagram.region.y0 < 125 and diagram.region.y1 > 270
    texts = " ".join(s.text for s in doc.segments())
    assert "marks each clause that the source supports. The annotator" in texts  # the body's own text
    assert "annotators marked" not in texts  # the panels are the figure's, shown in its image
    assert PROMPT.strip() in texts  # the prompt box is read as text
