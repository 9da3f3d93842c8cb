"""The built-in PDF reader (no GROBID): PDFium text → lines → blocks → labelling passes →
the same Document the TEI reader produces."""

from __future__ import annotations

from .params import DEFAULT, LayoutParams
from .reader import read_pdf

__all__ = ["DEFAULT", "LayoutParams", "read_pdf"]
