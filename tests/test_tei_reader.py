"""The TEI reader, on a TEI written here and on every real GROBID TEI of the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from translator.errors import BadInputError
from translator.model import CodeBlock, FormulaBlock, Paragraph
from translator.parsing.code import is_pseudo_code
from translator.parsing.tei_reader import misplaced_head, read_tei
from translator.parsing.tei_text import all_text

from .conftest import CORPUS, corpus_tei_files, manifest_counts, needs_corpus
from .fixtures import SMALL_TEI

NS = {"t": "http://www.tei-c.org/ns/1.0"}


def test_small_tei_structure() -> None:
    doc = read_tei(SMALL_TEI)
    assert doc.title is not None and doc.title.text == "Reinforcement Learning for Tiny Robots"
    assert [a.name for a in doc.authors] == ["Ada Lovelace", "Alan Turing"]
    assert doc.authors[0].affiliations == ["Analytical Engine Lab, UK"]
    assert doc.authors[0].email == "ada@example.org"
    assert [k.text for k in doc.keywords] == ["reinforcement learning", "robots"]
    assert doc.grobid_version == "0.8.1"
    # Sections nest by number; the heading-less div continues section 2.1.
    assert [(s.number, s.heading.text if s.heading else None) for s in doc.body] == [
        ("1", "Introduction"),
        ("2", "Method"),
    ]
    method = doc.body[1]
    assert [(s.number, s.heading.text if s.heading else "") for s in method.subsections] == [
        ("2.1", "Training details")
    ]
    details = method.subsections[0]
    assert [b.segment.text for b in details.blocks if isinstance(b, Paragraph)] == [
        "We train for 100 episodes. Each episode lasts 10 s.",
        "A continuation paragraph without a heading.",
    ]
    formulas = [b.formula for b in method.blocks if isinstance(b, FormulaBlock)]
    assert len(formulas) == 1 and formulas[0].label == "(1)" and formulas[0].text == "J(θ) = E[∑ t γ t r t ]"
    assert len(doc.references) == 2 and doc.references[1].year == "1950"
    assert "Computing machinery and intelligence" in doc.references[1].text
    assert len(doc.notes) == 1 and doc.notes[0].n == "1"
    assert doc.notes[0].segments[0].text == "Robots were harmed in no way."
    fig, tab = doc.figures
    assert fig.kind == "figure" and fig.caption and fig.caption.text == "The tiny robot walking on a table."
    assert tab.kind == "table" and tab.rows == [["Method", "Success"], ["TinyRL", "0.92"]]
    assert [n.text for n in tab.notes] == ["a Averaged over 5 seeds."]
    assert [s.heading.text for s in doc.acknowledgements if s.heading] == ["Acknowledgements"]
    assert [s.number for s in doc.annexes] == ["A"]


def test_inline_references_become_spans() -> None:
    doc = read_tei(SMALL_TEI)
    first = doc.body[0].blocks[0]
    assert isinstance(first, Paragraph)
    seg = first.segment
    assert seg.text == (
        "Robots learn from rewards [1]. Prior work (Turing, 1950) asked whether machines can think; "
        "Fig. 1 shows our robot.1"
    )
    assert [(s.kind, s.target, seg.text[s.start : s.end]) for s in seg.spans] == [
        ("bibr", "b0", "[1]"),
        ("bibr", "b1", "(Turing, 1950)"),
        ("figure", "fig_0", "1"),
        ("foot", "foot_0", "1"),
    ]
    second = doc.body[0].blocks[1]
    assert isinstance(second, Paragraph)
    urls = [second.segment.text[s.start : s.end] for s in second.segment.spans if s.kind == "url"]
    assert urls == ["https://example.org/tinyrl"]
    assert '<script>alert("x")</script> & other tags.' in second.segment.text


def test_segments_cover_everything_translatable_and_nothing_else() -> None:
    doc = read_tei(SMALL_TEI)
    kinds = [s.kind for s in doc.segments()]
    assert kinds.count("title") == 1 and kinds.count("keyword") == 2
    assert kinds.count("caption") == 3  # two captions and a table note
    assert kinds.count("footnote") == 1
    texts = " ".join(s.text for s in doc.segments())
    assert "J(θ)" not in texts  # formulas are never sent
    assert "Journal of Robots" not in texts  # nor the reference list
    assert "TinyRL</cell>" not in texts and "0.92" not in texts  # nor table cells
    ids = [s.id for s in doc.segments()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    "xml, message",
    [
        (b"<html><body>not tei</body></html>", "not GROBID TEI"),
        (b"<TEI xmlns='http://www.tei-c.org/ns/1.0'><teiHeader/><text><body/></text></TEI>", "no text"),
        (b"<TEI><unclosed>", "cannot read"),
    ],
)
def test_bad_tei_is_a_clear_error(xml: bytes, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        read_tei(xml)


def _xml_id(el: etree._Element) -> str:
    return str(el.get("{http://www.w3.org/XML/1998/namespace}id"))


def _xcount(tree: etree._ElementTree, path: str) -> int:
    return int(tree.xpath(f"count({path})", namespaces=NS))  # type: ignore[arg-type]


@needs_corpus
@pytest.mark.parametrize("path", corpus_tei_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_tei_counts(path: Path) -> None:
    """Counts of the model against the MANIFEST (and XPath where it records none)."""
    doc = read_tei(path)
    tree = etree.parse(str(path))
    rel = str(path.relative_to(CORPUS))
    expected = manifest_counts().get(rel) or {
        "paras": _xcount(tree, "//t:text/t:body//t:p"),
        "formulas": _xcount(tree, "//t:formula"),
        "figures": _xcount(tree, "//t:figure[not(@type='table')]"),
        "tables": _xcount(tree, "//t:figure[@type='table']"),
        "footnotes": _xcount(tree, "//t:note[@place='foot']"),
        "biblStruct": _xcount(tree, "//t:listBibl/t:biblStruct"),
        "ref_bibr": _xcount(tree, "//t:ref[@type='bibr']"),
    }
    body_paras = sum(1 for top in doc.body for s in top.walk() for b in s.blocks if isinstance(b, Paragraph))
    paras_in_notes = _xcount(tree, "//t:text/t:body//t:note//t:p")
    # Pseudo-code is kept as code, not as paragraphs, and takes in a formula set inside it.
    code_ps = [p for p in tree.xpath("//t:text/t:body//t:p", namespaces=NS) if is_pseudo_code(all_text(p))]
    code_paras = len(code_ps)
    code_refs = sum(len(p.xpath(".//t:ref[@type='bibr']", namespaces=NS)) for p in code_ps)
    code = "\n".join(b.code.text for s in doc.all_sections() for b in s.blocks if isinstance(b, CodeBlock))
    kept = {f.id for f in doc.formulas()}
    taken = [f for f in tree.xpath("//t:formula", namespaces=NS) if _xml_id(f) not in kept]
    assert all(all_text(f) in code for f in taken)
    # A div head that cannot name a section ("(A1)", "For", "Figure. 3") stays as a paragraph.
    stray_heads = [
        h
        for h in tree.xpath("//t:text/t:body//t:div/t:head", namespaces=NS)
        if misplaced_head(all_text(h)) == "paragraph"
    ]
    assert body_paras == expected["paras"] - paras_in_notes - code_paras + len(stray_heads)
    assert len(kept) == expected["formulas"] - len(taken)
    assert sum(f.kind == "figure" for f in doc.figures) == expected["figures"]
    assert sum(f.kind == "table" for f in doc.figures) == expected["tables"]
    table_notes = _xcount(tree, "//t:figure//t:note[@place='foot']")
    assert len(doc.notes) == expected["footnotes"] - table_notes
    assert len(doc.references) == expected["biblStruct"]
    cited = sum(1 for s in doc.segments() for sp in s.spans if sp.kind == "bibr")
    assert cited == expected["ref_bibr"] - code_refs
    assert doc.title is not None or path.name.startswith("tk_adfm")  # that TEI has an empty title
    assert all(s.text.strip() for s in doc.segments())


@needs_corpus
def test_whole_corpus_is_read() -> None:
    files = corpus_tei_files()
    assert len(files) >= 40
    versions = {read_tei(p).grobid_version[:5] for p in files}
    assert {"0.5.5", "0.6.1", "0.7.2", "0.8.1", "0.8.2"} <= versions


def test_a_head_that_cannot_name_a_section_stays_as_text_in_the_section_before() -> None:
    strays = (
        '<div xmlns="http://www.tei-c.org/ns/1.0"><head>(A1)</head><p>The update holds for every robot.</p></div>'
        '<div xmlns="http://www.tei-c.org/ns/1.0"><head n="2.">Figure. 3</head><p>It walks on sand.</p></div>'
    )
    marker = '<div xmlns="http://www.tei-c.org/ns/1.0"><head n="2.1">'
    doc = read_tei(SMALL_TEI.replace(marker, strays + marker))
    headings = [s.heading.text for s in doc.all_sections() if s.heading]
    assert "(A1)" not in headings and "Figure. 3" not in headings
    method = next(s for s in doc.body if s.heading and s.heading.text == "Method")
    texts = [b.segment.text for b in method.blocks if isinstance(b, Paragraph)]
    assert texts[-4:] == ["(A1)", "The update holds for every robot.", "Figure. 3", "It walks on sand."]


def test_a_formula_in_a_latin1_encoded_math_font_is_read_back() -> None:
    """Springer's math fonts map "=", "+", "(" and ")" to ¼, þ, ð and Þ in the PDF's
    text; inside a formula they are read back (its number too), elsewhere left alone."""
    xml = (
        "<TEI xmlns='http://www.tei-c.org/ns/1.0'><teiHeader/><text><body><div><head>Method</head>"
        "<p>Þórr and ð stay as written.</p>"
        "<formula xml:id='formula_0'>S ¼ cos θ ð Þ ¼ A ffiffiffiffiffiffiffiffi A 2 þ B 2 p<label>ð2Þ</label></formula>"
        "</div></body></text></TEI>"
    ).encode()
    doc = read_tei(xml)
    [formula] = list(doc.formulas())
    assert formula.label == "(2)"
    assert formula.text == "S = cos θ ( ) = A √ A 2 + B 2 p"
    assert [s.text for s in doc.segments() if s.kind == "paragraph"] == ["Þórr and ð stay as written."]
