"""PDFium is not thread-safe: two threads inside it at once crash the process (a
segmentation fault, seen with two papers of a batch read at the same time). Every
use of it — opening, reading text, rendering — holds this one process-wide lock,
from opening a document to closing it."""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.RLock()
