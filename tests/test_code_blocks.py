"""Code and pseudo-code are kept verbatim: one code block in monospace, never a segment,
so never sent for translation, in both readers."""

from __future__ import annotations

from pathlib import Path

from lxml import html as lxml_html

from translator.model import CodeBlock, Document
from translator.parsing.pdf import read_pdf
from translator.parsing.tei_reader import read_tei
from translator.render import render_html, render_markdown

from .fixtures import SMALL_TEI
from .test_render import translated

PROSE = "The robots share one counter, and each adds what it measured to the total before it stops. "
ALGORITHM = [  # the core fonts have no arrow
    "1: total <- 0",
    "2: for each robot r in R do",
    "3: total <- total + distance(r)",
    "4: end for",
    "5: return total",
]
LISTING = [
    "def total(robots):",
    "    s = 0",
    "    for r in robots:",
    "        s += r.distance",
    "    return s",
]


def _paper(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    y = 20.0

    def text(line: str, size: float = 10, style: str = "", font: str = "helvetica", x: float = 20) -> None:
        nonlocal y
        pdf.set_font(font, style=style, size=size)
        pdf.set_xy(x, y)
        pdf.multi_cell(170, size * 0.5, line)
        y = pdf.get_y() + 1.5

    text("Counting Robots", 16, "B")
    y += 4
    text("1 Method", 12, "B")
    text(PROSE * 3)
    y += 3
    text("Algorithm 1 Total distance", 10, "B")
    text("Input: the robots R", 10)
    for line in ALGORITHM:
        text(line, 10, x=24)
    y += 3
    text(PROSE * 2)
    y += 3
    for line in LISTING:
        text(line, 9, font="courier", x=24)
    y += 3
    text(PROSE * 2)
    pdf.output(str(path))
    return path


def _code(doc: Document) -> list[str]:
    return [b.code.text for s in doc.all_sections() for b in s.blocks if isinstance(b, CodeBlock)]


def test_an_algorithm_and_a_listing_are_code_blocks_in_the_built_in_reader(tmp_path: Path) -> None:
    doc = read_pdf(_paper(tmp_path / "code.pdf"))
    algorithm, listing = _code(doc)
    assert algorithm == "\n".join(["Input: the robots R", *ALGORITHM])
    assert listing.splitlines() == LISTING  # its indentation kept
    sent = " ".join(s.text for s in doc.segments())
    assert "end for" not in sent and "total <-" not in sent and "robots:" not in sent
    assert "Total distance" in sent  # the algorithm's title is translated like a caption
    _shows_code(doc, algorithm)


def test_grobid_pseudo_code_broken_by_a_formula_is_one_code_block() -> None:
    pieces = (
        "<p>Input: a list R 1: total ← 0 2: for each robot r in R do 3:</p>"
        '<formula xml:id="formula_9">total ← total + d(r</formula>'
        "<p>) 4: end for 5: return total</p>"
    )
    end = SMALL_TEI.index("</div>", SMALL_TEI.index(">Method</head>"))
    tei = SMALL_TEI[:end] + pieces + SMALL_TEI[end:]
    doc = read_tei(tei.encode())
    (code,) = _code(doc)
    assert code.splitlines() == [
        "Input: a list R",
        "1: total ← 0",
        "2: for each robot r in R do",
        "3: total ← total + d(r)",
        "4: end for",
        "5: return total",
    ]
    assert all("end for" not in s.text for s in doc.segments())
    assert "formula_9" not in {f.id for f in doc.formulas()}
    _shows_code(doc, code)


def _shows_code(doc: Document, code: str) -> None:
    """Markdown: a fenced block with the lines as they are; HTML: a <pre> with the same text."""
    markdown = render_markdown(*translated(doc), "zh")
    assert f"```text\n{code}\n```" in markdown
    page = lxml_html.fromstring(render_html(*translated(doc), "zh"))
    assert code in [pre.text_content() for pre in page.xpath("//pre[@class='code']")]
