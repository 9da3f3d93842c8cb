"""The title a PDF's metadata gives, for a paper whose reader found none (a scan's text
layer, an unusual first page): only when it reads as a title, not as a file name or a
program's placeholder ("Microsoft Word - report.doc", "p020-dutot.dvi", "untitled")."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium

from ..model import Document, Segment
from .assembly import with_urls
from .pdfium_lock import PDFIUM_LOCK

_NOT_A_TITLE = re.compile(
    r"\.(?:docx?|tex|dvi|pdf|indd|qxd|rtf|odt|ps)\b|^microsoft|^untitled|^title$|^doi:|^slide|^powerpoint"
    r"|^[\w-]+$",
    re.IGNORECASE,
)


def metadata_title(pdf: Path) -> str:
    """The PDF's Title entry when it reads as a paper's title, else ""."""
    try:
        with PDFIUM_LOCK:
            document = pdfium.PdfDocument(str(pdf))
            try:
                title = " ".join(str(document.get_metadata_dict().get("Title", "")).split())
            finally:
                document.close()
    except (OSError, pdfium.PdfiumError):
        return ""
    if len(title) < 10 or len(title.split()) < 3 or _NOT_A_TITLE.search(title):
        return ""
    return title


def with_metadata_title(doc: Document, pdf: Path) -> Document:
    """The document with the metadata's title when it has none (a copy; else the same)."""
    if doc.title is not None and doc.title.text.strip():
        return doc
    title = metadata_title(pdf)
    if not title:
        return doc
    return replace(doc, title=Segment("t0", "title", title, with_urls(title, [])))
