"""The PDF readers, each a ``Parser`` registered by name in ``translator.plugins``
(``--parser grobid|builtin``; ``auto`` picks GROBID when it answers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import BadInputError, GrobidParseError
from ..files import file_sha256
from ..model import Document
from ..settings import ParserSettings
from .grobid_client import GrobidClient
from .pdf import read_pdf
from .stored import StoredReads
from .tei_reader import read_tei

Note = Callable[[str], None]


@dataclass(frozen=True)
class Parsed:
    """A reader's result: the document, and GROBID's TEI when there is one (kept
    beside the outputs so a later run need not ask GROBID again)."""

    document: Document
    tei: bytes | None = None


class Parser(Protocol):
    """Reads a checked PDF into a Document. Built as ``Parser(settings.parser)``."""

    def available(self) -> bool:
        """Can it read now (a service answers)? Asked by ``--parser auto``."""
        ...

    def parse(self, pdf: Path, pages: int, note: Note) -> Parsed: ...

    def close(self) -> None: ...


class BuiltinParser:
    """The built-in geometric reader: no service, no network. With ``stored``, a PDF it
    has read before (the same bytes, the same reader) is not read again."""

    def __init__(self, settings: ParserSettings, stored: StoredReads | None = None) -> None:
        self.settings = settings
        self.stored = stored

    def available(self) -> bool:
        return True

    def parse(self, pdf: Path, pages: int, note: Note) -> Parsed:
        digest = file_sha256(pdf) if self.stored else ""
        document = self.stored.get(digest) if self.stored else None
        if document is not None:
            note(f"{pdf.name}: the built-in reader's result from an earlier run of these bytes")
            return Parsed(document)
        note(f"parsing {pdf.name} ({pages} pages) with the built-in PDF reader")
        document = read_pdf(pdf)
        if self.stored:
            self.stored.put(digest, document)
        return Parsed(document)

    def close(self) -> None:
        pass


class GrobidParser:
    """GROBID's full-text model, through its REST service."""

    def __init__(self, settings: ParserSettings, client: GrobidClient | None = None) -> None:
        self.settings = settings
        self._owned = client is None
        self.client = client or GrobidClient(
            settings.grobid_url,
            timeout=settings.grobid_timeout,
            timeout_per_page=settings.grobid_timeout_per_page,
            attempts=settings.grobid_attempts,
        )

    def available(self) -> bool:
        return self.client.is_alive()

    def parse(self, pdf: Path, pages: int, note: Note) -> Parsed:
        self.client.check_alive()
        note(f"parsing {pdf.name} ({pages} pages) with GROBID at {self.client.shown}")
        xml = self.client.process_fulltext(pdf, pages=pages)
        try:
            return Parsed(read_tei(xml), xml)
        except BadInputError as exc:  # GROBID's answer, not the user's input, is at fault
            raise GrobidParseError(
                f"GROBID could not parse this PDF ({pdf.name}): its answer is not usable TEI ({exc}); "
                "pass --parser builtin, or --tei with a TEI made elsewhere"
            ) from exc

    def close(self) -> None:
        if self._owned:
            self.client.close()
