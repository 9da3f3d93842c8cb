"""The TEI a run keeps beside its outputs, and when a later run may read it instead of
asking GROBID again: only for the same PDF bytes and the same GROBID, as recorded in
``<stem>.tei.json`` beside it when it was written. A TEI with no record, or a record for
other bytes (another paper saved under the same name, a new version), is parsed anew."""

from __future__ import annotations

import json
from pathlib import Path

from ..files import file_sha256
from ..urls import redact


def record_path(kept: Path) -> Path:
    return kept.with_name(kept.name.removesuffix(".xml") + ".json")


def provenance(pdf: Path, grobid_url: str) -> dict[str, str]:
    """What the kept TEI was made from: the PDF's SHA-256 and the GROBID that parsed it."""
    return {"pdf_sha256": file_sha256(pdf), "grobid_url": redact(grobid_url.rstrip("/"))}


def record_text(pdf: Path, grobid_url: str) -> str:
    return json.dumps(provenance(pdf, grobid_url), indent=1) + "\n"


def reusable(kept: Path, pdf: Path, grobid_url: str) -> bool:
    """Whether the kept TEI was made from these PDF bytes by this GROBID."""
    record = record_path(kept)
    if not (kept.is_file() and kept.stat().st_size > 0 and record.is_file()):
        return False
    try:
        recorded = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(recorded == provenance(pdf, grobid_url))
