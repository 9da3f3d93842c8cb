"""Bad inputs get one-line errors that say what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from translator.errors import BadInputError
from translator.parsing.pdf_check import check_pdf

from .fixtures import make_encrypted_pdf, make_pdf


def test_good_pdf(tmp_path: Path) -> None:
    info = check_pdf(make_pdf(tmp_path / "ok.pdf", pages=3))
    assert info.pages == 3 and info.text_chars > 200


def _repeated_pdf(path: Path, pages: int) -> Path:
    """The same page of text ``pages`` times, each with its own page number below it."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    for page in range(pages):
        pdf.add_page()
        pdf.set_font("helvetica", size=11)
        pdf.multi_cell(0, 6, "Licensed copy for evaluation only; do not redistribute this document. " * 8)
        pdf.set_xy(100, 280)
        pdf.cell(10, 5, str(page + 1))
    pdf.output(str(path))
    return path


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p, "no such file"),
        (lambda p: (p.write_text("hello"), p)[1], "not a PDF"),
        (lambda p: (p.write_bytes(b"%PDF-1.7\n garbage garbage"), p)[1], "damaged"),
        (lambda p: make_encrypted_pdf(p), "encrypted"),
        (lambda p: make_pdf(p, text=False), "no text layer"),
        (lambda p: _repeated_pdf(p, 40), "repeats one page"),
    ],
    ids=["missing", "not-pdf", "corrupt", "encrypted", "scanned", "one-page-repeated"],
)
def test_bad_pdfs(tmp_path: Path, make: object, message: str) -> None:
    path = make(tmp_path / "paper.pdf")  # type: ignore[operator]
    with pytest.raises(BadInputError, match=message) as err:
        check_pdf(path)
    assert "\n" not in str(err.value)
