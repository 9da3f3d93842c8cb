"""Reference lists: DOIs, arXiv ids and web addresses become links in both formats, what
GROBID parsed but left out of its text comes back, and line-break hyphens are mended."""

from __future__ import annotations

from pathlib import Path

from lxml import html as lxml_html

from translator.parsing.pdf import read_pdf
from translator.parsing.pdf.references import split_references
from translator.parsing.tei_reader import read_tei
from translator.render import render_html, render_markdown

from .fixtures import SMALL_TEI
from .test_pdf_layout_rules import line
from .test_render import translated

RAW = (
    "R. Sutton. Learning in- terventions for walking robots. Journal of Robots, 2020. "
    "doi:10.1234/jor.2020.7 and https://example.org/robots"
)
ENTRIES = f"""
   <biblStruct xml:id="b0"><note type="raw_reference">{RAW}</note>
    <analytic><title level="a" type="main">Learning interventions</title></analytic>
    <monogr><title level="j">Journal of Robots</title><imprint><date when="2020"/></imprint></monogr>
    <idno type="DOI">10.1234/jor.2020.7</idno></biblStruct>
   <biblStruct xml:id="b1"><analytic><title level="a" type="main">Training verifiers</title>
    <author><persName><forename>K</forename><surname>Cobbe</surname></persName></author></analytic>
    <monogr><imprint><date when="2021"/></imprint></monogr>
    <idno type="arXiv">arXiv:2110.14168v2[cs.LG]</idno></biblStruct>
   <biblStruct xml:id="b2"><analytic><title level="a" type="main">A hostile entry</title></analytic>
    <monogr><imprint><date when="2022"/></imprint></monogr>
    <ptr target="javascript:alert(1)"/></biblStruct>
"""


def _paper() -> bytes:
    start = SMALL_TEI.index("<listBibl>") + len("<listBibl>")
    end = SMALL_TEI.index("</listBibl>")
    return (SMALL_TEI[:start] + ENTRIES + SMALL_TEI[end:]).encode()


def test_identifiers_become_links_in_markdown_and_html() -> None:
    doc = read_tei(_paper())
    b0, b1, b2 = doc.references
    assert "interventions" in b0.text and "in- terventions" not in b0.text
    assert (b1.arxiv, b1.url, b2.url) == ("2110.14168v2", "", "")  # a javascript: pointer is no address
    assert "arXiv:2110.14168v2" in b1.text  # GROBID kept no raw text: rebuilt with the id
    markdown = render_markdown(*translated(doc), "zh")
    assert "[10.1234/jor.2020.7](https://doi.org/10.1234/jor.2020.7)" in markdown
    assert "<https://example.org/robots>" in markdown
    assert "[arXiv:2110.14168v2](https://arxiv.org/abs/2110.14168v2)" in markdown
    page = lxml_html.fromstring(render_html(*translated(doc), "zh"))
    links = [a.get("href") for a in page.xpath("//section[@id='references']//a")]
    assert links == [
        "https://doi.org/10.1234/jor.2020.7",
        "https://example.org/robots",
        "https://arxiv.org/abs/2110.14168v2",
    ]


def test_a_parsed_doi_missing_from_the_printed_text_is_added() -> None:
    doc = read_tei(_paper().replace(b"doi:10.1234/jor.2020.7 and ", b""))
    markdown = render_markdown(*translated(doc), "zh")
    assert "doi:[10.1234/jor.2020.7](https://doi.org/10.1234/jor.2020.7)" in markdown


def test_built_in_reference_lists_mend_breaks_and_find_identifiers() -> None:
    texts = [
        "[1] OSMRE. Reclamation of the Mid- Continent region. Report NREL/TP- 463-5607, 2009.",
        "[2] A. Author. Walking in- side the lab. arXiv preprint arXiv:1810.04805, 2018.",
        "[3] B. Author. Robots. Nature 7, 2020. https://doi.org/10.1038/s41586-020-1",
    ]
    from translator.parsing.pdf.layout import Block as LayoutBlock

    block = LayoutBlock([line(t, 50, 100 + 10 * i) for i, t in enumerate(texts)], 1, 0)
    first, second, third = split_references([block])
    assert "Mid-Continent" in first.text and "NREL/TP-463-5607" in first.text
    assert "inside the lab" in second.text and second.arxiv == "1810.04805"
    assert third.doi == "10.1038/s41586-020-1"


def _letter_pdf(path: Path) -> Path:
    """A physics letter's last page: the references have no heading and follow the text
    in the left column; the right column ends the text, then the list goes on."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    prose = "The robots walk over sand and gravel, and we count how far each one gets in a minute."

    def column(x: float, y: float, lines: list[str], size: float = 10) -> float:
        pdf.set_font("helvetica", size=size)
        for text in lines:
            pdf.set_xy(x, y)
            pdf.cell(85, size * 0.45, text)
            y += size * 0.5
        return y + 3

    def entries(first: int, last: int) -> list[str]:
        return [
            f"[{n}] A. Author{n}, Walking robots on sand, Robots {n}, 1-{n} (2020)."
            for n in range(first, last + 1)
        ]

    wrapped = [prose[:44], prose[44:]] * 6
    pdf.set_font("helvetica", style="B", size=16)
    pdf.set_xy(15, 12)
    pdf.cell(180, 8, "Tiny Robots on Rough Ground", align="C")
    pdf.set_font("helvetica", style="B", size=11)
    pdf.set_xy(15, 24)
    pdf.cell(85, 5, "1 Numerics")
    y = column(15, 32, wrapped)
    y = column(15, y, wrapped)
    column(15, y + 10, entries(1, 6), 8)
    y = column(110, 32, wrapped)
    y = column(
        110,
        y,
        ["In conclusion, robots walk as far on sand as", "they do on gravel in a minute.", *wrapped[:4]],
    )
    column(110, y + 10, entries(7, 12), 8)
    pdf.output(str(path))
    return path


def test_an_unheaded_reference_list_goes_on_after_the_text_beside_it(tmp_path: Path) -> None:
    doc = read_pdf(_letter_pdf(tmp_path / "letter.pdf"))
    assert [r.text.split()[0] for r in doc.references] == [f"[{n}]" for n in range(1, 13)]
    paragraphs = [s.text for s in doc.segments() if s.kind == "paragraph"]
    assert any(p.startswith("In conclusion") for p in paragraphs)
    assert not any("Author" in p for p in paragraphs)
