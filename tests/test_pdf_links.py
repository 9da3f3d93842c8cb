"""The built-in reader links what the paper's text names: citations to their reference-list
entries, "Figure 1" / "Table 1" / "Eq. (1)" to their targets; and each figure is shown
after the paragraph that first cites it, or where the paper prints it when none does."""

from __future__ import annotations

from pathlib import Path

from translator.model import Document, Paragraph, Segment
from translator.parsing.pdf import read_pdf
from translator.render import render_html, render_markdown

from .test_render import translated

FILLER = "The robots walk over sand and gravel, and we count how far each one gets in a minute. "
NUMERIC_REFERENCES = [
    "[1] A. Author. Walking robots on sand. Journal of Tiny Robots, 2019.",
    "[2] B. Author. Gravel and its enemies. Robotics Letters, 2020.",
    "[3] C. Author. A third study of small machines. Proceedings of Robots, 2021.",
]
NAMED_REFERENCES = [
    "Jones, B. and Lee, K. Gravel and its enemies. Robotics Letters, 2020.",
    "Smith, A., Brown, C. and Gray, D. Walking robots on sand. Journal of Tiny Robots, 2019.",
]


def _paper(path: Path, citations: tuple[str, str], references: list[str]) -> Path:
    """One page, one column: a paragraph citing Figure 2 (printed further down), a drawn
    Figure 1 that no paragraph cites, a formula, a table, then the references."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    y = 20.0

    def para(text: str, size: float = 10, style: str = "") -> None:
        nonlocal y
        pdf.set_font("helvetica", style=style, size=size)
        pdf.set_xy(20, y)
        pdf.multi_cell(170, size * 0.5, text)
        y = pdf.get_y() + 4

    para("Tiny Robots on Rough Ground", 16, "B")
    para("1 Introduction", 12, "B")
    para(f"Earlier work {citations[0]} measured speed on sand. " + FILLER * 2)
    para("We show the walking speed in Figure 2 and the scores in Table 1. " + FILLER * 2)
    pdf.set_fill_color(210, 220, 240)
    pdf.rect(40, y, 120, 30, style="DF")
    y += 33
    para("Figure 1: The robots at rest before the first run on sand.", 9)
    para("2 Method", 12, "B")
    para(f"The distance follows Eq. (1), as in {citations[1]}. " + FILLER * 2)
    pdf.set_font("helvetica", size=11)
    pdf.set_xy(40, y)
    pdf.cell(150, 6, "d(t) = v t^2 + c    (1)")
    y += 12
    para(FILLER * 3)
    pdf.rect(40, y, 120, 30, style="DF")
    y += 33
    para("Figure 2: Walking speed of each robot over the course of training.", 9)
    para("Table 1: Scores of the robots on both grounds.", 9)
    for row in (("Robot", "Sand", "Gravel"), ("A", "0.71", "0.64"), ("B", "0.83", "0.79")):
        pdf.set_font("helvetica", size=9)
        for x, cell in zip((40, 90, 140), row, strict=True):
            pdf.set_xy(x, y)
            pdf.cell(30, 5, cell)
        y += 6
    y += 4
    para("References", 12, "B")
    for ref in references:
        para(ref, 9)
    pdf.output(str(path))
    return path


def _paragraph_with(doc: Document, words: str) -> Segment:
    for section in doc.all_sections():
        for block in section.blocks:
            if isinstance(block, Paragraph) and words in block.segment.text:
                return block.segment
    raise AssertionError(f"no paragraph with {words!r}")


def _targets(segment: Segment) -> dict[str, tuple[str, str | None]]:
    return {segment.text[s.start : s.end]: (s.kind, s.target) for s in segment.spans}


def test_numeric_citations_and_mentions_point_at_their_targets(tmp_path: Path) -> None:
    doc = read_pdf(_paper(tmp_path / "numeric.pdf", ("[2]", "[1, 3]"), NUMERIC_REFERENCES))
    refs = {r.id: r.text for r in doc.references}
    figures = {f.id: (f.kind, f.label) for f in doc.figures}
    formulas = {f.id: f.label for f in doc.formulas()}

    first = _targets(_paragraph_with(doc, "Earlier work"))
    assert refs[str(first["[2]"][1])].startswith("[2] B. Author")
    mentions = _targets(_paragraph_with(doc, "We show"))
    assert mentions["Figure 2"][0] == "figure" and figures[str(mentions["Figure 2"][1])] == ("figure", "2")
    assert mentions["Table 1"][0] == "table" and figures[str(mentions["Table 1"][1])] == ("table", "1")
    method = _targets(_paragraph_with(doc, "The distance follows"))
    assert method["Eq. (1)"][0] == "formula" and formulas[str(method["Eq. (1)"][1])] == "(1)"
    # A bracket with several numbers is a citation per work, each linked to its entry.
    assert refs[str(method["[1,"][1])].startswith("[1] A. Author")
    assert refs[str(method["3]"][1])].startswith("[3] C. Author")


def test_author_year_citations_point_at_the_entry_with_that_name_and_year(tmp_path: Path) -> None:
    cited = ("(Smith et al., 2019)", "Jones and Lee (2020)")
    doc = read_pdf(_paper(tmp_path / "named.pdf", cited, NAMED_REFERENCES))
    refs = {r.id: r.text for r in doc.references}
    smith = _targets(_paragraph_with(doc, "Earlier work"))[cited[0]]
    jones = _targets(_paragraph_with(doc, "The distance follows"))[cited[1]]
    assert refs[str(smith[1])].startswith("Smith, A.")
    assert refs[str(jones[1])].startswith("Jones, B.")


def test_each_work_of_an_author_year_group_points_at_its_own_entry(tmp_path: Path) -> None:
    cited = ("(Smith, Brown, & Gray, 2019; Jones and Lee, 2020)", "Jones and Lee (2020)")
    doc = read_pdf(_paper(tmp_path / "group.pdf", cited, NAMED_REFERENCES))
    refs = {r.id: r.text for r in doc.references}
    group = _targets(_paragraph_with(doc, "Earlier work"))
    assert refs[str(group["(Smith, Brown, & Gray, 2019;"][1])].startswith("Smith, A.")
    assert refs[str(group["Jones and Lee, 2020)"][1])].startswith("Jones, B.")


NUMBERED_REFERENCES = [
    f"{n}. {chr(64 + n)}. Author. Study number {n} of small robots. Robots, 20{n:02d}." for n in range(1, 7)
]


def test_parenthesised_numbers_are_citations_in_a_paper_that_cites_so(tmp_path: Path) -> None:
    cited = ("(1, 3)", "(2, 4-6)")
    doc = read_pdf(_paper(tmp_path / "asm.pdf", cited, NUMBERED_REFERENCES))
    refs = {r.id: r.text for r in doc.references}
    first = _targets(_paragraph_with(doc, "Earlier work"))
    assert [refs[str(first[t][1])][:2] for t in ("(1,", "3)")] == ["1.", "3."]
    method = _targets(_paragraph_with(doc, "The distance follows"))
    assert [refs[str(method[t][1])][:2] for t in ("(2,", "4-6)")] == ["2.", "4."]
    assert method["Eq. (1)"][0] == "formula"  # an equation's number is not a citation


def test_an_enumeration_in_parentheses_is_not_a_citation(tmp_path: Path) -> None:
    cited = ("in two steps, (1) on sand and (2) on gravel,", "(3)")
    doc = read_pdf(_paper(tmp_path / "steps.pdf", cited, NUMBERED_REFERENCES))
    assert not _paragraph_with(doc, "Earlier work").spans
    assert [s.kind for s in _paragraph_with(doc, "The distance follows").spans] == ["formula"]


def test_a_citation_without_an_entry_stays_unlinked(tmp_path: Path) -> None:
    doc = read_pdf(_paper(tmp_path / "missing.pdf", ("[7]", "(Nobody, 1999)"), NUMERIC_REFERENCES))
    assert _targets(_paragraph_with(doc, "Earlier work"))["[7]"] == ("bibr", None)
    assert _targets(_paragraph_with(doc, "The distance follows"))["(Nobody, 1999)"] == ("bibr", None)


def test_figures_follow_their_first_citation_or_stand_where_printed(tmp_path: Path) -> None:
    doc = read_pdf(_paper(tmp_path / "numeric.pdf", ("[2]", "[1, 3]"), NUMERIC_REFERENCES))
    markdown = render_markdown(*translated(doc), "zh")
    order = [
        markdown.index(marker)
        for marker in (
            "We show the walking speed",  # cites Figure 2 and Table 1: both come right after it
            "Walking speed of each robot",
            "Scores of the robots",
            "The robots at rest",  # cited nowhere: where the paper prints it, before section 2
            "The distance follows",
        )
    ]
    assert order == sorted(order)
    assert markdown.count("Walking speed of each robot") == 1
    html = render_html(*translated(doc), "zh")
    assert 'href="#ref-' in html and 'href="#fig-' in html and 'href="#eq-' in html
    # No closing "Figures and tables" section: every figure found its place.
    assert 'id="figures"' not in html and "## 图表" not in markdown


def test_a_figure_first_cited_in_an_appendix_is_shown_there_once() -> None:
    from translator.parsing.tei_reader import read_tei

    from .fixtures import SMALL_TEI

    tei = SMALL_TEI.replace(
        "<p>More results are in the annex.</p>",
        '<p>More results are in Figure <ref type="figure" target="#fig_9">2</ref>.</p>',
    ).replace(
        "<note xmlns",
        '<figure xmlns="http://www.tei-c.org/ns/1.0" xml:id="fig_9"><head>Figure 2</head>'
        "<figDesc>Distance walked in the appendix runs.</figDesc></figure><note xmlns",
        1,
    )
    markdown = render_markdown(*translated(read_tei(tei.encode())), "zh")
    assert markdown.count("Distance walked in the appendix runs.") == 1
    assert markdown.index("More results are in") < markdown.index("Distance walked in the appendix")


def test_a_figure_crop_keeps_off_the_caption_printed_right_under_it(tmp_path: Path) -> None:
    from fpdf import FPDF

    from translator.parsing.crops import MARGIN
    from translator.parsing.pdf.text import read_pages

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(20, 20)
    pdf.multi_cell(170, 5, FILLER * 3)
    pdf.set_fill_color(210, 220, 240)
    pdf.rect(40, 50, 120, 40, style="DF")  # ends at 90 mm; the caption's letters start just under it
    pdf.set_xy(20, 89.6)
    pdf.cell(170, 5, "Figure 1: The robots at rest before the first run on sand.")
    pdf.set_xy(20, 100)
    pdf.multi_cell(170, 5, "As Figure 1 shows, they rest. " + FILLER * 2)
    path = tmp_path / "tight.pdf"
    pdf.output(str(path))
    caption = next(ln for ln in read_pages(path)[0].lines if ln.text.startswith("Figure 1:"))
    (figure,) = read_pdf(path).figures
    assert figure.region is not None
    assert figure.region.y1 + MARGIN < caption.box.y0  # the cut image shows no strip of it
    assert figure.region.y1 > 90 * 72 / 25.4 - 6  # and loses almost nothing of the drawing


def test_grobid_figure_references_left_unresolved_are_pointed_at_their_figure() -> None:
    from translator.parsing.tei_reader import read_tei

    from .fixtures import SMALL_TEI

    tei = SMALL_TEI.replace(
        '<ref type="figure" target="#fig_0">1</ref>', '<ref type="figure">1</ref>'
    ).replace("We train for 100 episodes.", "We train for 100 episodes, as Fig. 1 shows.")
    doc = read_tei(tei.encode())
    spans = [(s.text[sp.start : sp.end], sp.kind, sp.target) for s in doc.segments() for sp in s.spans]
    assert ("1", "figure", "fig_0") in spans  # GROBID's ref without a target
    assert ("Fig. 1", "figure", "fig_0") in spans  # a mention GROBID left as plain text
