"""Check a PDF before sending it anywhere: exists, is a PDF, opens, has text.

Each failure is a one-line :class:`BadInputError` that says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from ..errors import BadInputError
from .pdfium_lock import PDFIUM_LOCK

MIN_TEXT_CHARS = 200
MIN_PAGE_LETTERS = 40  # a page with fewer letters holds a page number, a header, a stamp: no text


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
    with PDFIUM_LOCK:
        return _open_and_sample(path, sample_pages)


def _open_and_sample(path: Path, sample_pages: int) -> PdfInfo:
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
        texts = [_page_text(pdf, i) for i in _sample(pages, sample_pages)]
        chars = sum(len(text) for text in texts)
        letters = [sum(ch.isalpha() for ch in text) for text in texts]
        textless = sum(n < MIN_PAGE_LETTERS for n in letters)
        if (chars < MIN_TEXT_CHARS and pages <= sample_pages) or chars == 0 or textless * 2 > len(texts):
            raise BadInputError(
                f"{path} has no text layer (it looks scanned: {textless} of the {len(texts)} pages looked at "
                "hold no more than page numbers or headers): run OCR first, e.g. "
                "`ocrmypdf in.pdf out.pdf`, then translate out.pdf"
            )
        if _one_page_repeated(texts):
            raise BadInputError(
                f"{path} repeats one page: the {len(texts)} of its {pages} pages looked at hold the same "
                "text, so there is nothing to translate beyond its first page; translate that page alone "
                "(e.g. `qpdf in.pdf --pages . 1 -- out.pdf`) or check that the file is the paper"
            )
        return PdfInfo(pages=pages, text_chars=chars)
    finally:
        pdf.close()


def _one_page_repeated(texts: list[str]) -> bool:
    """Three or more pages looked at, and every one the same words (page numbers aside)."""
    if len(texts) < 3:
        return False
    shapes = {" ".join(w for w in text.split() if not w.isdigit()) for text in texts}
    return len(shapes) == 1


def _sample(pages: int, count: int) -> list[int]:
    """``count`` page indexes spread over the document, the first page first."""
    if pages <= count:
        return list(range(pages))
    return sorted({round(i * (pages - 1) / (count - 1)) for i in range(count)})


def _page_text(pdf: pdfium.PdfDocument, index: int) -> str:
    page = pdf[index]
    textpage = page.get_textpage()
    try:
        return str(textpage.get_text_range()).strip()
    finally:
        textpage.close()
        page.close()
