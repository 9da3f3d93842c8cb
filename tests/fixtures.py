"""Small inputs the tests make themselves, so the suite means something without the corpus."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from translator.engine.stats import RunStats
from translator.model import Document
from translator.results import Results
from translator.settings import Settings

# A TEI in GROBID 0.8 form with one of everything: nested numbered sections, inline
# references of each kind, a display formula, a figure, a table with cells, a footnote,
# acknowledgements, an annex and two references.  The text includes markup-like
# characters to check escaping.
SMALL_TEI = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xml:space="preserve" xmlns="http://www.tei-c.org/ns/1.0" xml:lang="en">
<teiHeader xml:lang="en">
 <fileDesc>
  <titleStmt><title level="a" type="main">Reinforcement Learning for Tiny Robots</title></titleStmt>
  <sourceDesc><biblStruct><analytic>
   <author><persName><forename type="first">Ada</forename><surname>Lovelace</surname></persName>
    <email>ada@example.org</email>
    <affiliation key="aff0"><orgName type="institution">Analytical Engine Lab</orgName>
     <address><country>UK</country></address></affiliation></author>
   <author><persName><forename>Alan</forename><surname>Turing</surname></persName></author>
   <title level="a" type="main">Reinforcement Learning for Tiny Robots</title>
  </analytic><monogr><imprint><date/></imprint></monogr></biblStruct></sourceDesc>
 </fileDesc>
 <encodingDesc><appInfo><application version="0.8.1" ident="GROBID"><label>GROBID</label></application></appInfo></encodingDesc>
 <profileDesc>
  <textClass><keywords><term>reinforcement learning</term><term>robots</term></keywords></textClass>
  <abstract><div xmlns="http://www.tei-c.org/ns/1.0"><p>We teach tiny robots to walk with reinforcement learning. Our method, TinyRL, beats the baseline by 12% (see <ref type="bibr" target="#b0">[1]</ref>).</p></div></abstract>
 </profileDesc>
</teiHeader>
<text xml:lang="en">
 <body>
  <div xmlns="http://www.tei-c.org/ns/1.0"><head n="1">Introduction</head>
   <p>Robots learn from rewards <ref type="bibr" target="#b0">[1]</ref>. Prior work <ref type="bibr" target="#b1">(Turing, 1950)</ref> asked whether machines can think; Fig. <ref type="figure" target="#fig_0">1</ref> shows our robot.<ref type="foot" target="#foot_0">1</ref></p>
   <p>Code is at https://example.org/tinyrl and results in Table <ref type="table" target="#tab_0">1</ref>. Beware of &lt;script&gt;alert("x")&lt;/script&gt; &amp; other tags.</p>
  </div>
  <div xmlns="http://www.tei-c.org/ns/1.0"><head n="2">Method</head>
   <p>The policy maximises the return defined in Eq. <ref type="formula" target="#formula_0">(1)</ref>.</p>
   <formula xml:id="formula_0">J(θ) = E[∑ t γ t r t ]<label>(1)</label></formula>
  </div>
  <div xmlns="http://www.tei-c.org/ns/1.0"><head n="2.1">Training details</head>
   <p>We train for 100 episodes. Each episode lasts 10 s.</p>
  </div>
  <div xmlns="http://www.tei-c.org/ns/1.0"><p>A continuation paragraph without a heading.</p></div>
  <figure xmlns="http://www.tei-c.org/ns/1.0" xml:id="fig_0"><head>Fig. 1 .</head><label>1</label><figDesc>The tiny robot walking on a table.</figDesc></figure>
  <figure xmlns="http://www.tei-c.org/ns/1.0" type="table" xml:id="tab_0"><head>Table 1</head><label>1</label><figDesc>Success rate of each method.</figDesc><table><row><cell>Method</cell><cell>Success</cell></row><row><cell>TinyRL</cell><cell>0.92</cell></row></table><note place="foot">a Averaged over 5 seeds.</note></figure>
  <note xmlns="http://www.tei-c.org/ns/1.0" place="foot" n="1" xml:id="foot_0">Robots were harmed in no way.</note>
 </body>
 <back>
  <div type="acknowledgement"><div xmlns="http://www.tei-c.org/ns/1.0"><head>Acknowledgements</head><p>We thank the robots.</p></div></div>
  <div type="annex"><div xmlns="http://www.tei-c.org/ns/1.0"><head n="A">Extra results</head><p>More results are in the annex.</p></div></div>
  <div type="references"><listBibl>
   <biblStruct xml:id="b0"><analytic><title level="a" type="main">Learning to walk</title><author><persName><forename>R</forename><surname>Sutton</surname></persName></author></analytic><monogr><title level="j">Journal of Robots</title><imprint><date type="published" when="2020"/></imprint></monogr></biblStruct>
   <biblStruct xml:id="b1"><analytic><title level="a" type="main">Computing machinery and intelligence</title><author><persName><forename>A</forename><surname>Turing</surname></persName></author></analytic><monogr><title level="j">Mind</title><imprint><date type="published" when="1950"/></imprint></monogr></biblStruct>
  </listBibl></div>
 </back>
</text>
</TEI>
"""


ROOT = Path(__file__).resolve().parent.parent


def start_cli(args: list[str], base_url: str, **env: str) -> subprocess.Popen[bytes]:
    """``translate ARGS`` in a subprocess against ``base_url``, with small requests
    (30 source tokens, 2 in flight, never more) so that a run has many; stderr is piped."""
    environ = dict(
        os.environ,
        OPENAI_BASE_URL=base_url,
        TRANSLATOR_CONCURRENCY="2",
        TRANSLATOR_MAX_CONCURRENCY="2",
        TRANSLATOR_MAX_REQUEST_TOKENS="30",
        TRANSLATOR_MIN_REQUEST_TOKENS="10",
        PYTHONPATH=str(ROOT),
        **env,
    )
    command = [sys.executable, "-m", "translator", *args]
    return subprocess.Popen(command, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def write_small_tei(folder: Path, name: str = "tiny.tei.xml") -> Path:
    path = folder / name
    path.write_text(SMALL_TEI, encoding="utf-8")
    return path


def make_pdf(path: Path, pages: int = 2, text: bool = True) -> Path:
    """A small text PDF (or, with ``text=False``, one with no text layer)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for page in range(pages):
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 6, f"Reinforcement Learning for Tiny Robots, page {page + 1}. " * 12)
        else:
            pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))
    return path


# Display formulas as a paper prints them (text, its number) and the LaTeX they were set from.
FORMULAS = [
    ("f(x) = a x^2 + b x + c", r"f(x) = a x^{2} + b x + c"),
    ("E = m c^2 + p", r"E = m c^{2} + p"),
    ("g(y) = k y^3 - q / r", r"g(y) = k y^{3} - q / r"),
]


def titled_page(title: str) -> Any:
    """An A4 fpdf2 document on its first page: ``title`` centred, then the heading
    "1 Method"; the body starts at y = 50 mm."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.set_xy(15, 20)
    pdf.cell(180, 8, title, align="C")
    pdf.set_font("helvetica", "B", 12)
    pdf.set_xy(15, 40)
    pdf.cell(0, 6, "1 Method")
    return pdf


def make_formula_pdf(path: Path) -> Path:
    """A one-column page with a title, a heading, and the display formulas of ``FORMULAS``
    numbered (1), (2), (3), each after a paragraph."""
    pdf = titled_page("Formulas of Tiny Robots")
    y = 50.0
    for number, (text, _) in enumerate(FORMULAS, 1):
        pdf.set_font("helvetica", size=11)
        pdf.set_xy(15, y)
        pdf.multi_cell(
            180,
            5.5,
            f"We write part {number} of the model of the robot as follows, and explain each term. " * 2,
        )
        y = pdf.get_y() + 4
        pdf.set_xy(40, y)
        pdf.cell(150, 6, f"{text}    ({number})")
        y += 14
    pdf.output(str(path))
    return path


def make_encrypted_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Secret paper text. " * 30)
    pdf.output(str(path))
    return path


def expected_translation(segment: dict) -> str:  # type: ignore[type-arg]
    """The fake server's translation of a JSON output's segment, its spans (citations,
    links) put back as the pipeline restores them."""
    from translator.chunking.protect import protect
    from translator.model import Segment, Span

    from .servers.fake_llm import PLACEHOLDER, pseudo_translate

    model = Segment(
        id=str(segment["id"]), kind=segment["kind"], text=str(segment["text"]),
        spans=[Span(**span) for span in segment["spans"]],
    )  # fmt: skip
    protected = protect(model)
    # Put the spans back here, not with the pipeline's own restore(), so a bug there shows.
    pieces = PLACEHOLDER.split(pseudo_translate(protected.text))
    return "".join(protected.originals[int(p[2:-2]) - 1] if PLACEHOLDER.fullmatch(p) else p for p in pieces)


def json_segments(node: object) -> list[dict]:  # type: ignore[type-arg]
    """Every segment object in a JSON output's document, in order."""
    found: list[dict] = []  # type: ignore[type-arg]
    if isinstance(node, dict):
        if "spans" in node and "translation" in node:
            found.append(node)
        for value in node.values():
            found.extend(json_segments(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(json_segments(value))
    return found


PAPER_TITLE = "Tiny Robots Learn to Walk"
PAPER_HEADINGS = ["1 Introduction", "2 Method", "3 Results"]
PAPER_PARAGRAPHS = [
    f"Paragraph {p} sentence {s} explains how tiny robots learn {w} gaits on rough ground."
    for p, w in enumerate(["stable", "quick", "careful", "robust"])
    for s in range(5)
]
# A word split at a line end with a hyphen that the reader must join again.
HYPHENATED = ("Tiny robots use reinforce-", "ment learning to find gaits that work.")
FORMULA = "f(x) = a x^2 + b x + c    (1)"
REFERENCES = [
    "[1] A. Author. Walking robots. Journal of Robots, 2020.",
    "[2] B. Writer. Gaits. Robotics Letters, 2021.",
]


def make_paper_pdf(path: Path, title: str = "") -> Path:
    """A small two-column paper with a running header, page numbers, a title,
    abstract, numbered headings, a hyphenated line break, a display formula,
    a drawn figure with its caption, a footnote and a reference list. Another
    ``title`` makes another paper (other bytes, other text to translate)."""
    from fpdf import FPDF

    class Paper(FPDF):
        def header(self) -> None:
            self.set_font("helvetica", size=8)
            self.set_xy(15, 8)
            self.cell(0, 4, "Preprint under review at the Journal of Tiny Robots")

        def footer(self) -> None:
            self.set_font("helvetica", size=9)
            self.set_xy(100, 285)
            self.cell(10, 4, str(self.page_no()), align="C")

    pdf = Paper(format="A4")
    pdf.set_auto_page_break(False)

    def lines_of(text: str, width: float) -> list[str]:
        return _wrap(pdf, text, width)

    def write(
        x: float, y: float, width: float, lines: list[str], size: float = 10, indent: float = 4
    ) -> float:
        pdf.set_font("helvetica", size=size)
        for i, line in enumerate(lines):
            pdf.set_xy(x + (indent if i == 0 else 0), y)
            pdf.cell(width, size * 0.45, line)
            y += size * 0.5
        return y + 2

    def heading(x: float, y: float, text: str) -> float:
        pdf.set_font("helvetica", style="B", size=12)
        pdf.set_xy(x, y)
        pdf.cell(80, 6, text)
        return y + 9

    col, left, right = 85.0, 15.0, 110.0
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=18)
    pdf.set_xy(15, 20)
    pdf.cell(180, 9, title or PAPER_TITLE, align="C")
    pdf.set_font("helvetica", size=11)
    pdf.set_xy(15, 32)
    pdf.cell(180, 5, "Ada Lovelace, Alan Turing", align="C")
    pdf.set_font("helvetica", size=9)
    pdf.set_xy(15, 38)
    pdf.cell(180, 5, "University of Somewhere, ada@example.org", align="C")
    pdf.set_font("helvetica", style="B", size=11)
    pdf.set_xy(15, 48)
    pdf.cell(40, 5, "Abstract")
    abstract = (
        "We study how tiny robots learn to walk on rough ground and report what works in practice. " * 2
    )
    y = write(15, 55, 180, lines_of(abstract, 180), indent=0)
    y_left = heading(left, y + 4, PAPER_HEADINGS[0])
    y_left = write(left, y_left, col, [HYPHENATED[0], HYPHENATED[1]], indent=0)
    for text in PAPER_PARAGRAPHS[:5]:
        y_left = write(left, y_left, col, lines_of(text * 1, col - 4))
    y_right = y + 4
    for text in PAPER_PARAGRAPHS[5:10]:
        y_right = write(right, y_right, col, lines_of(text, col - 4))
    pdf.set_font("helvetica", size=7)
    pdf.set_xy(left, 268)
    pdf.cell(col, 4, "1 The code is available at https://example.org/robots for everyone.")

    pdf.add_page()
    y_left = heading(left, 20, PAPER_HEADINGS[1])
    for text in PAPER_PARAGRAPHS[10:13]:
        y_left = write(left, y_left, col, lines_of(text, col - 4))
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(left + 15, y_left + 2)
    pdf.cell(col - 15, 5, FORMULA)
    y_left += 10
    for text in PAPER_PARAGRAPHS[13:15]:
        y_left = write(left, y_left, col, lines_of(text, col - 4))
    # A drawn figure: axes, a curve and tiny labels, with its caption below.
    pdf.set_draw_color(30, 30, 30)
    pdf.set_fill_color(220, 230, 250)
    pdf.rect(right + 5, 22, 70, 45, style="DF")
    pdf.line(right + 10, 60, right + 70, 60)
    pdf.line(right + 10, 60, right + 10, 27)
    for i in range(10):
        pdf.line(right + 10 + i * 6, 58 - i * 3, right + 16 + i * 6, 55 - i * 3)
    pdf.set_font("helvetica", size=5)
    pdf.set_xy(right + 35, 62)
    pdf.cell(10, 3, "steps")
    y_right = write(
        right, 70, col, lines_of("Figure 1: Distance walked by the tiny robots over training.", col), 9, 0
    )
    y_right = heading(right, y_right + 2, PAPER_HEADINGS[2])
    for text in PAPER_PARAGRAPHS[15:20]:
        y_right = write(right, y_right, col, lines_of(text + " See [1] and [2].", col - 4))
    pdf.add_page()
    y = heading(left, 20, "References")
    pdf.set_font("helvetica", size=9)
    for ref in REFERENCES:
        pdf.set_xy(left, y)
        pdf.cell(180, 4, ref)
        y += 6
    pdf.output(str(path))
    return path


TABLE_CAPTION = (
    "Table 1: Effects of solar facilities on wildlife, grouped by kind of effect, with the taxa "
    "affected and the sources that report them; the shaded band groups the secondary effects "
    "reported in the field."
)
TABLE_ROWS = [
    ["Effect", "Cause", "Taxa affected", "Sources"],
    ["Direct", "Solar flux", "Birds, insects", "2, 3, 4"],
    ["Impact trauma", "Birds, bats", "1, 5"],
    ["Ruts from vehicle passage", "Amphibians", "10"],
    ["Secondary", "Predation", "Amphibians, birds", "8"],
    ["Light pollution", "Bats, insects", "4, 5"],
]


TABLE_FOOTNOTE = "a Counted by the field teams in both years of the survey."
TABLE_PARAGRAPHS = [
    "Solar facilities change the habitat of the animals that live around them, and the effects "
    "reach far beyond the fences of each facility, into the land that migrating animals cross. " * 2,
    "Birds that mistake the panels for water land on them and cannot take off again, so the "
    "design of a facility decides how many animals it harms over the years it runs. " * 2,
]


SCORE_ROWS = [["Model", "Accuracy", "Recall"], ["Baseline", "0.71", "0.64"], ["Ours", "0.83", "0.79"]]
SCORE_CAPTION = (
    "Table 2: **Scores on the held-out benchmark.** Each score is the mean over the test "
    "split, and the best model in each column is the one trained with the new objective."
)
SCORE_NOTE = "Scores are averaged over five runs with different random seeds."
SCORE_PARAGRAPH = (
    "Table 2. The scores show that the new objective helps on both measures, and the gain in "
    "recall is the larger of the two, which matches what the analysis in the previous section predicts."
)


FIGURE_LABEL = "Robot Teammate"
FIGURE_CAPTION = (
    "Figure 1: Accuracy of each model over the course of training, drawn in the same frame as this caption."
)


BOXED_LABEL = "Objective"
BOXED_TEXT = (
    "Answer the question below. Think briefly, then give your final answer, and always provide "
    "an answer even if you are unsure of it, giving your best guess without saying so."
)
LONG_TABLE_ROWS = [[f"Site {n}", f"{n * 7} birds"] for n in range(1, 9)]
LONG_TABLE_CAPTION = "Table 3: Birds counted at each site."


def _wrap(pdf: Any, text: str, width: float) -> list[str]:
    out: list[str] = []
    for word in text.split():
        trial = f"{out[-1]} {word}" if out else word
        if out and pdf.get_string_width(trial) <= width:
            out[-1] = trial
        else:
            out.append(word)
    return out


def make_table_pdf(path: Path) -> Path:
    """A two-column page with a full-width table: a caption whose short last line fits in
    the left column, a shaded header and a shaded band of rows (each its own graphics
    region), and cells close enough that PDFium reads two of them as one line."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=16)
    pdf.set_xy(15, 15)
    pdf.cell(180, 8, "Solar Facilities and Wildlife", align="C")
    pdf.set_font("helvetica", size=9)
    y = 30.0
    for text in _wrap(pdf, TABLE_CAPTION, 180):
        pdf.set_xy(15, y)
        pdf.cell(180, 4, text)
        y += 4.2
    y += 3
    columns = (15.0, 45.0, 95.0, 160.0)
    pdf.set_fill_color(215, 215, 215)
    bands = {0: 8.0, 4: 12.0}  # shaded (mm): the header row, and the two rows of secondary effects
    for index, row in enumerate(TABLE_ROWS):
        if index in bands:
            pdf.rect(15, y - 1, 180, bands[index], style="F")
        cells = row if len(row) == 4 else ["", *row]
        if index == 3:
            # Two cells drawn as one string: PDFium has no other way to tell them apart than the blank.
            pdf.set_xy(columns[1], y)
            pdf.cell(0, 4, cells[1] + " " * 14 + cells[2])
            pdf.set_xy(columns[3], y)
            pdf.cell(30, 4, cells[3])
        else:
            for x, text in zip(columns, cells, strict=True):
                pdf.set_xy(x, y)
                pdf.cell(30, 4, text)
        y += 8 if index == 0 else 6
    pdf.set_font("helvetica", size=7)
    pdf.set_xy(15, y)
    pdf.cell(180, 3, TABLE_FOOTNOTE)
    y += 10
    pdf.set_font("helvetica", size=10)
    for x, text in zip((15.0, 110.0), TABLE_PARAGRAPHS, strict=True):
        line_y = y
        for line in _wrap(pdf, text, 80):
            pdf.set_xy(x, line_y)
            pdf.cell(80, 4, line)
            line_y += 5
    # Page 2: a table captioned underneath (the caption's middle in bold), a note under the
    # caption, and running text that opens by naming the table.
    pdf.add_page()
    pdf.set_font("helvetica", size=9)
    y = 20.0
    for row in SCORE_ROWS:
        for x, text in zip((40.0, 90.0, 130.0), row, strict=True):
            pdf.set_xy(x, y)
            pdf.cell(30, 4, text)
        y += 5
    y += 3
    for text in _wrap(pdf, SCORE_CAPTION.replace("**", ""), 130):
        pdf.set_xy(40, y)
        bold = SCORE_CAPTION.split("**")[1]
        pdf.cell(130, 4, text.replace(bold, f"**{bold}**"), markdown=True)
        y += 4.2
    pdf.set_font("helvetica", size=7)
    pdf.set_xy(40, y + 1)
    pdf.cell(130, 3, SCORE_NOTE)
    pdf.set_font("helvetica", size=10)
    y += 12
    for line in _wrap(pdf, SCORE_PARAGRAPH, 170):
        pdf.set_xy(15, y)
        pdf.cell(170, 4, line)
        y += 5
    # A drawing whose frame also holds its caption, with a large bold label inside.
    y += 10
    pdf.set_draw_color(30, 30, 30)
    pdf.rect(40, y, 130, 80)
    for i in range(10):
        pdf.line(50 + i * 10, y + 40 - i * 3, 60 + i * 10, y + 37 - i * 3)
    pdf.set_font("helvetica", style="B", size=16)
    pdf.set_xy(80, y + 45)
    pdf.cell(50, 8, FIGURE_LABEL)
    pdf.set_font("helvetica", size=10)
    for i, line in enumerate(_wrap(pdf, FIGURE_CAPTION, 120)):
        pdf.set_xy(45, y + 58 + i * 5)
        pdf.cell(120, 4, line)
    # Page 3: a ruled table that runs from the left column into the right one, captioned
    # under its second part.
    pdf.add_page()
    pdf.set_font("helvetica", size=9)
    halves = ((15.0, LONG_TABLE_ROWS[:5]), (110.0, LONG_TABLE_ROWS[5:]))
    for x, rows in halves:
        pdf.rect(x, 20, 85, 6 * len(rows) + 4)
        for i, row in enumerate(rows):
            for dx, text in zip((3.0, 45.0), row, strict=True):
                pdf.set_xy(x + dx, 23 + 6 * i)
                pdf.cell(40, 4, text)
    pdf.set_xy(110, 20 + 6 * len(halves[1][1]) + 8)
    pdf.cell(85, 4, LONG_TABLE_CAPTION)
    pdf.set_font("helvetica", size=10)
    for x, text in zip((15.0, 110.0), TABLE_PARAGRAPHS, strict=True):
        line_y = 80.0
        for line in _wrap(pdf, text, 80):
            pdf.set_xy(x, line_y)
            pdf.cell(80, 4, line)
            line_y += 5
    # A framed box of text (a prompt template) with a bold label inside.
    pdf.rect(15, 150, 180, 40)
    pdf.set_font("helvetica", style="B", size=10)
    pdf.set_xy(18, 153)
    pdf.cell(50, 5, BOXED_LABEL)
    pdf.set_font("helvetica", size=10)
    for i, line in enumerate(_wrap(pdf, BOXED_TEXT, 170)):
        pdf.set_xy(18, 160 + 5 * i)
        pdf.cell(170, 4, line)
    pdf.output(str(path))
    return path


SPANISH_TITLE = "Pobreza rural y políticas públicas en América Latina"
SPANISH_ABSTRACT = (
    "Este trabajo examina la evolución de la pobreza rural en la región y el papel de las "
    "políticas públicas en su reducción durante las últimas dos décadas."
)
SPANISH_HEADINGS = ["1 Introducción", "2 Conclusiones"]
SPANISH_PARAGRAPHS = [
    "La pobreza rural sigue siendo uno de los problemas más graves de la región, y afecta "
    "sobre todo a las familias que dependen de la agricultura de subsistencia.",
    "Las políticas que combinan transferencias con servicios locales reducen la pobreza "
    "con más rapidez que las transferencias solas, según muestran los datos del cuadro.",
]
SPANISH_TABLE = [["Año", "Pobres", "Indigentes"], ["1990", "48,3", "22,5"], ["2002", "44,0", "19,4"]]
SPANISH_REFERENCES = [
    "CEPAL (2003). Panorama social de América Latina. Santiago de Chile.",
    "Kay, C. (2005). Estrategias de vida y perspectivas de desarrollo rural. Lima.",
]


# The names of the parts of a paper in three languages: abstract, table label, table-note
# label, references.
PART_NAMES = {
    "es": ("Resumen", "Cuadro", "Fuente:", "Referencias", "Palabras clave"),
    "fr": ("Résumé", "Tableau", "Source :", "Références", "Mots-clés"),
    "de": ("Zusammenfassung", "Tabelle", "Quelle:", "Literaturverzeichnis", "Schlüsselwörter"),
}
SPANISH_KEYWORDS = ["pobreza rural", "políticas públicas", "América Latina"]


def make_spanish_pdf(path: Path, names: str = "es") -> Path:
    """A one-column paper in Spanish with its parts named in ``names``' language
    ("Resumen", numbered headings, a "Cuadro" with its "Fuente" note, "Referencias")."""
    abstract_name, table_name, note_name, references_name, keywords_name = PART_NAMES[names]
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=16)
    pdf.set_xy(15, 20)
    pdf.cell(180, 8, SPANISH_TITLE, align="C")
    y = 40.0

    def heading(text: str) -> None:
        nonlocal y
        pdf.set_font("helvetica", style="B", size=12)
        pdf.set_xy(15, y)
        pdf.cell(180, 6, text)
        y += 9

    def paragraph(text: str) -> None:
        nonlocal y
        pdf.set_font("helvetica", size=10)
        for line in _wrap(pdf, text, 175):
            pdf.set_xy(15, y)
            pdf.cell(180, 4, line)
            y += 5
        y += 3

    heading(abstract_name)
    paragraph(SPANISH_ABSTRACT)
    heading(keywords_name)
    paragraph("; ".join(SPANISH_KEYWORDS))
    heading(SPANISH_HEADINGS[0])
    paragraph(SPANISH_PARAGRAPHS[0])
    pdf.set_font("helvetica", size=9)
    pdf.set_xy(15, y)
    pdf.cell(180, 4, f"{table_name} 1: América Latina: pobreza e indigencia (porcentaje de personas)")
    y += 8
    for row in SPANISH_TABLE:
        for x, text in zip((30.0, 80.0, 130.0), row, strict=True):
            pdf.set_xy(x, y)
            pdf.cell(30, 4, text)
        y += 5
    pdf.set_font("helvetica", size=8)
    pdf.set_xy(15, y + 1)
    pdf.cell(180, 4, f"{note_name} CEPAL, sobre la base de encuestas de hogares.")
    y += 12
    heading(SPANISH_HEADINGS[1])
    paragraph(SPANISH_PARAGRAPHS[1])
    heading(references_name)
    pdf.set_font("helvetica", size=9)
    for ref in SPANISH_REFERENCES:
        pdf.set_xy(15, y)
        pdf.cell(180, 4, ref)
        y += 6
    # Page 2: two charts, each under its title ("Gráfico 1" over the drawing, as many
    # journals in Spanish set them), one right under the other.
    pdf.add_page()
    top = 20.0
    for number in (1, 2):
        pdf.set_font("helvetica", size=9)
        pdf.set_xy(60, top)
        pdf.cell(90, 4, f"Gráfico {number}: Evolución de la pobreza rural")
        pdf.set_fill_color(200, 220, 240)
        pdf.rect(40, top + 6, 130, 70, style="DF")
        for i in range(8):
            pdf.line(50 + i * 14, top + 66 - i * 6, 62 + i * 14, top + 60 - i * 6)
        top += 80
    pdf.output(str(path))
    return path


def invoke(args: list[str], **env: str) -> Result:
    """``translate ARGS`` in this process (click's runner); ``.output`` holds stdout and stderr."""
    from translator.cli import main

    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def translate_tei(settings: Settings, doc: Document | None = None, **parts: Any) -> tuple[Results, RunStats]:
    """The small TEI (or ``doc``) translated with ``settings``, in the cache they name,
    opened and closed here; ``parts`` go to ``translate_document`` (an engine, a matcher)."""
    from translator.cache import TranslationCache
    from translator.parsing.tei_reader import read_tei
    from translator.pipeline import translate_document

    cache = TranslationCache(settings.storage.cache_dir)
    try:
        return translate_document(doc or read_tei(SMALL_TEI), settings, cache, **parts)
    finally:
        cache.close()
