"""Glossary entries and their CSV files (``source,target[,note]``).

A target equal to the source, or empty, means "keep in the original language".
User entries always override extracted ones.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..files import write_atomic

HEADER = ["source", "target", "note"]


@dataclass(frozen=True)
class Entry:
    source: str
    target: str = ""
    note: str = ""
    origin: str = "user"  # "user" | "auto"

    @property
    def keep(self) -> bool:
        return not self.target.strip() or self.target.strip() == self.source.strip()

    @property
    def rendered_target(self) -> str:
        return self.source if self.keep else self.target

    def signature(self) -> str:
        return f"{self.source}\x1f{'' if self.keep else self.target}"


class Glossary:
    """Entries keyed by their source term, case-insensitively; later layers win."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._entries: dict[str, Entry] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: Entry, override: bool = True) -> None:
        key = entry.source.strip().lower()
        if not key:
            return
        if override or key not in self._entries:
            self._entries[key] = entry

    def merge_under(self, extracted: Iterable[Entry]) -> None:
        """Add extracted entries where the user has none (user entries win)."""
        for entry in extracted:
            self.add(entry, override=False)

    def get(self, source: str) -> Entry | None:
        return self._entries.get(source.strip().lower())

    def remove(self, source: str) -> bool:
        return self._entries.pop(source.strip().lower(), None) is not None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._entries.values(), key=lambda e: e.source.lower()))

    def __len__(self) -> int:
        return len(self._entries)

    def version(self) -> str:
        joined = "\n".join(e.signature() for e in self)
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def load_csv(path: Path, origin: str = "user") -> list[Entry]:
    """Read ``source,target[,note]`` rows; a header row is optional."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"cannot read glossary {path}: {exc}") from exc
    entries: list[Entry] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
            continue
        if number == 1 and [c.strip().lower() for c in row[:2]] == HEADER[:2]:
            continue
        if len(row) > 3:
            raise ConfigError(f"{path}:{number}: expected source,target[,note], got {len(row)} columns")
        source = row[0].strip()
        target = row[1].strip() if len(row) > 1 else ""
        note = row[2].strip() if len(row) > 2 else ""
        entries.append(Entry(source, target, note, origin))
    return entries


def csv_text(entries: Iterable[Entry]) -> str:
    """The entries as CSV with a header row, as ``load_csv`` reads them back."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for entry in entries:
        writer.writerow([entry.source, entry.target, entry.note])
    return buffer.getvalue()


def write_csv(path: Path, entries: Iterable[Entry]) -> None:
    write_atomic(path, csv_text(entries))


def default_glossary_path(config_dir: Path, lang: str) -> Path:
    """The user's own glossary for one target language, loaded by every run."""
    return config_dir / f"glossary.{lang}.csv"
