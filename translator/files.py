"""Writing files so that a crash or a full disk never leaves a half file or a partial set.

This is the bottom layer: the parsers (the kept TEI), the glossary (its CSV) and
the renderers (the outputs) all write through it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from .errors import OutputError

# Room asked for before any paid request: the outputs of a long paper with its
# figures embedded in the HTML come to a few times the PDF's size.
MIN_FREE_BYTES = 20 * 1024 * 1024
FREE_PER_INPUT_BYTE = 4


def output_stem(path: Path) -> str:
    """The name an input's outputs share: ``paper.pdf`` and ``paper.tei.xml`` → ``paper``."""
    name = path.name
    for suffix in (".tei.xml", ".xml", ".pdf"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read a megabyte at a time: what identifies a paper
    (the kept TEI, the reader's stored result, a watch folder's job)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it into place, so a
    crash never leaves a half-written output."""
    write_all_atomic({path: text})


def write_all_atomic(
    texts: Mapping[Path, str] | Iterable[tuple[Path, str | Iterable[str]]],
) -> list[Path]:
    """Write every file or none: all go to temporary files first, and only when
    every one is complete are they renamed into place. On failure no temporary
    ``.part`` file is left behind. Given pairs made one at a time (a generator), each
    text is written before the next is made, so only one is in memory; a text may also
    come in pieces, each written as it comes. Returns the paths."""
    temps: dict[Path, str] = {}
    pairs = texts.items() if isinstance(texts, Mapping) else texts
    try:
        for path, text in pairs:
            temps[path] = _write_temp(path, text)
            del text
        for path, tmp in temps.items():
            os.replace(tmp, path)
    except BaseException:
        for tmp in temps.values():
            Path(tmp).unlink(missing_ok=True)
        raise
    return list(temps)


def _write_temp(path: Path, text: str | Iterable[str]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            for piece in [text] if isinstance(text, str) else text:
                fh.write(piece)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def check_output_folder(folder: Path, input_bytes: int = 0) -> None:
    """Before anything is paid for: the folder exists or can be made, is writable,
    and has room for the outputs. Raises :class:`OutputError` saying what to do."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"the output path {folder} is a file, not a folder: pass --out with a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder {folder} ({exc.strerror or exc}): pass --out with a folder "
            "you can write to"
        ) from exc
    try:
        fd, probe = tempfile.mkstemp(prefix=".translate-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(
            f"cannot write in the output folder {folder} ({exc.strerror or exc}): pass --out with a folder "
            "you can write to"
        ) from exc
    need = max(MIN_FREE_BYTES, FREE_PER_INPUT_BYTE * input_bytes)
    free = shutil.disk_usage(folder).free
    if free < need:
        raise OutputError(
            f"only {_megabytes(free)} free in {folder}, and the outputs need about {_megabytes(need)}: "
            "free some space or pass --out with a folder on another disk"
        )


def output_write_error(folder: Path, exc: OSError) -> OutputError:
    """The error for outputs that could not be written after the translation was paid for."""
    reason = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (exc.strerror or str(exc))
    return OutputError(
        f"cannot write the outputs in {folder} ({reason}); no output file was written there, and every "
        "translation received is cached: rerun with --out pointing to another folder to write them "
        "without paying again"
    )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
