"""Check a PDF before sending it anywhere: exists, is a PDF, opens, has text.

Each failure is a one-line :class:`BadInputError` that says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from ..errors import BadInputError

MIN_TEXT_CHARS = 200


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    text_chars: int


def check_pdf(path: Path, sample_pages: int = 5) -> PdfInfo:
    """Return the page count and the amount of text in the first pages."""
    if not path.exists():
        raise BadInputError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise BadInputError(f"{path} is a folder; pass a PDF file")
    if path.stat().st_size == 0:
        raise BadInputError(f"{path} is empty (0 bytes); download the paper again")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise BadInputError(
            f"{path} is not a PDF (it does not start with %PDF-); pass the paper's PDF or --tei"
        )
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise BadInputError(
                f"{path} is encrypted with a password; save an unprotected copy (e.g. `qpdf "
                "--password=PASSWORD --decrypt in.pdf out.pdf`) and translate that"
            ) from exc
        raise BadInputError(
            f"{path} is damaged and cannot be opened ({exc}); download it again or repair it "
            "(e.g. `qpdf in.pdf out.pdf`)"
        ) from exc
    try:
        pages = len(pdf)
        if pages == 0:
            raise BadInputError(f"{path} has no pages")
        chars = 0
        for i in range(min(pages, sample_pages)):
            textpage = pdf[i].get_textpage()
            chars += len(textpage.get_text_range().strip())
        if (chars < MIN_TEXT_CHARS and pages <= sample_pages) or chars == 0:
            raise BadInputError(
                f"{path} has no text layer (it looks scanned): run OCR first, e.g. "
                "`ocrmypdf in.pdf out.pdf`, then translate out.pdf"
            )
        return PdfInfo(pages=pages, text_chars=chars)
    finally:
        pdf.close()
