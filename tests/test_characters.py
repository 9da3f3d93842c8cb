"""Characters a PDF draws without naming them: read through TeX's font encodings where the
font is one of TeX's, otherwise shown as U+FFFD and counted, never as control characters."""

from __future__ import annotations

from pathlib import Path

from translator.parsing.pdf.text import read_pages
from translator.parsing.tei_reader import read_tei

from .fixtures import SMALL_TEI


def raw_pdf(path: Path, runs: list[tuple[str, bytes]]) -> Path:
    """One line of text drawn in runs of (base font, raw codes), with fonts that are neither
    embedded nor given an encoding or a ToUnicode map: the codes are all PDFium has."""
    fonts = sorted({font for font, _ in runs})
    content = b"BT 72 700 Td "
    for font, codes in runs:
        escaped = codes.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        content += b"/F%d 12 Tf (" % fonts.index(font) + escaped + b") Tj "
    content += b"ET"
    font_refs = " ".join(f"/F{i} {5 + i} 0 R" for i in range(len(fonts)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        f"/Resources << /Font << {font_refs} >> >> >>".encode(),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        *(f"<< /Type /Font /Subtype /Type1 /BaseFont /{font} >>".encode() for font in fonts),
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(out)
    return path


RUNS = [
    ("Helvetica", b"where "),
    ("ABCDEF+CMMI10", b"\x0b\x0f"),  # math italic: alpha, epsilon
    ("Helvetica", b" and "),
    ("CMSY10", b"\x14\x00\x03"),  # math symbols: less-or-equal, minus, asterisk
    ("Helvetica", b" but "),
    ("ABCDEF+Subset", b"\x03R\x04"),  # a subset with codes in order of use: cannot be told
]


def test_tex_fonts_are_read_through_their_encodings_and_the_rest_is_visible(tmp_path: Path) -> None:
    pages = read_pages(raw_pdf(tmp_path / "glyphs.pdf", RUNS))
    assert [line.text for line in pages[0].lines] == ["where αϵ and ≤−∗ but \ufffdR\ufffd"]


def test_control_characters_in_grobid_text_become_visible() -> None:
    tei = SMALL_TEI.replace(">Introduction</head>", ">Intro\x8dduction \x9dR\x9e</head>")
    doc = read_tei(tei.encode())
    headings = [s.heading.text for s in doc.body if s.heading]
    assert "Intro\ufffdduction \ufffdR\ufffd" in headings
    assert doc.unknown_characters() == 3


def test_grobid_merged_cells_are_spread_so_values_keep_their_columns() -> None:
    table = (
        '<figure xmlns="http://www.tei-c.org/ns/1.0" type="table" xml:id="tab_9"><head>Table 9</head>'
        "<figDesc>Scores.</figDesc><table>"
        '<row><cell cols="2">Model</cell><cell>Score</cell></row>'
        "<row><cell>A</cell><cell>small</cell><cell>0.7</cell></row></table></figure>"
    )
    tei = SMALL_TEI.replace("</body>", table + "</body>")
    doc = read_tei(tei.encode())
    rows = [f.rows for f in doc.figures if f.id == "tab_9"]
    assert rows == [[["Model", "", "Score"], ["A", "small", "0.7"]]]
