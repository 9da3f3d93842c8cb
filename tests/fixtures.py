"""Small inputs the tests make themselves, so the suite means something without the corpus."""

from __future__ import annotations

from pathlib import Path

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


def make_encrypted_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Secret paper text. " * 30)
    pdf.output(str(path))
    return path


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
