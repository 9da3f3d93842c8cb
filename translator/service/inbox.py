"""The inbox: which files are papers, when a file is complete, and where things go.

A file is taken only when it has stopped changing for the settle time and looks
like a whole PDF (it starts with ``%PDF-`` and ends with ``%%EOF``), so a slow copy
or a sync tool still writing is never read half-way. Files of editors and sync tools
are never looked at; symlinks that leave the inbox are not followed.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

# Names that belong to editors, office suites, browsers and sync tools mid-write.
IGNORED = (
    ".*",  # .DS_Store, ._resource forks, .~lock.x#, .syncthing.x.tmp, .dropbox*, our own temp files
    "~$*",  # Office lock files
    "~*",
    "*~",
    "*.part",
    "*.partial",
    "*.crdownload",
    "*.download",
    "*.tmp",
    "*.temp",
    "*.!sync",
    "*.sb-*",  # macOS safe-save
    "Thumbs.db",
    "desktop.ini",
)
# A PDF's end marker may be followed by a little padding; a file without it after
# this long is taken anyway (and set aside with its reason if it cannot be read).
EOF_WINDOW = 2048
INCOMPLETE_GRACE = 10  # × the settle time


@dataclass(frozen=True)
class Folders:
    """The inbox, the outbox that mirrors it, and where inputs go when done or failed."""

    inbox: Path
    outbox: Path

    @property
    def done(self) -> Path:
        return self.inbox / "done"

    @property
    def failed(self) -> Path:
        return self.inbox / "failed"

    @property
    def state(self) -> Path:
        """The job store and the staging area, hidden in the outbox."""
        return self.outbox / ".translate"

    def out_dir(self, relative: str) -> Path:
        """Where the outputs of an inbox file go: the same sub-folder under the outbox."""
        return self.outbox / Path(relative).parent


def check_folders(inbox: Path, outbox: Path) -> Folders:
    """Both folders resolved; refuse an inbox that is missing, or one folder inside the
    other (outputs would be taken as new papers, or inputs written over)."""
    if not inbox.is_dir():
        raise ConfigError(
            f"the inbox {inbox} is not a folder: create it or pass the folder that holds the PDFs"
        )
    src, dst = inbox.resolve(), outbox.resolve()
    if src == dst or dst.is_relative_to(src) or src.is_relative_to(dst):
        raise ConfigError(
            f"the outbox {dst} and the inbox {src} overlap: pass --out with a folder outside the inbox "
            "(and the inbox outside it)"
        )
    return Folders(src, dst)


def ignored(name: str) -> bool:
    """Files of editors and sync tools, and hidden files: never papers."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in IGNORED)


@dataclass(frozen=True)
class Seen:
    """A file under the inbox as a scan saw it."""

    path: Path
    relative: str
    size: int
    mtime: float


def scan(folders: Folders) -> Iterator[Seen | Path]:
    """Every file under the inbox, recursively: a ``Seen`` for each PDF, the bare path
    for anything else worth one log line (not a PDF, a symlink leading out). The
    ``done/`` and ``failed/`` folders, hidden folders and ignored names are skipped."""
    inbox = folders.inbox
    for folder, dirs, files in os.walk(inbox, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not ignored(d) and here / d not in (folders.done, folders.failed))
        for name in sorted(files):
            if ignored(name):
                continue
            path = here / name
            if path.is_symlink() and not path.resolve().is_relative_to(inbox):
                yield path
                continue
            if path.suffix.lower() != ".pdf":
                yield path
                continue
            try:
                stat = path.stat()
            except OSError:
                continue  # gone since the listing
            yield Seen(path, path.relative_to(inbox).as_posix(), stat.st_size, stat.st_mtime)


def settled(seen: Seen, settle_seconds: float, now: float) -> bool:
    """Unchanged for the settle time, and either a whole PDF or left alone ten times
    as long (then it is taken and fails with its reason if it cannot be read)."""
    quiet = now - seen.mtime
    if quiet < settle_seconds:
        return False
    return whole_pdf(seen.path) or quiet >= INCOMPLETE_GRACE * max(settle_seconds, 1.0)


def whole_pdf(path: Path) -> bool:
    """Starts with the PDF header and ends with the end-of-file marker."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
            fh.seek(max(0, path.stat().st_size - EOF_WINDOW))
            tail = fh.read()
    except OSError:
        return False
    return b"%PDF-" in head and b"%%EOF" in tail
