"""Outputs appear whole or not at all; inputs go where the user asked.

A job writes into its own staging folder under the outbox's hidden state folder
(the same file system, so the final move is a rename); only when the run succeeded
is each output renamed into the mirrored folder. A crash leaves at most a staging
folder, removed at the next start.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from ..files import write_atomic
from .inbox import Folders


def staging_folder(folders: Folders) -> Path:
    """A fresh, empty folder for one try of one job."""
    path = folders.state / "staging" / uuid.uuid4().hex[:12]
    path.mkdir(parents=True)
    return path


def clear_staging(folders: Folders) -> None:
    """What a killed run left half-written: never published, so simply removed."""
    shutil.rmtree(folders.state / "staging", ignore_errors=True)


def publish(staging: Path, target: Path) -> list[Path]:
    """Move everything the job wrote into ``target`` (files renamed into place, an
    assets folder replaced whole); returns the paths now in ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    moved: list[Path] = []
    # Folders (figure images) first, so the Markdown that links them never appears before them.
    for item in sorted(staging.iterdir(), key=lambda p: (not p.is_dir(), p.name)):
        destination = target / item.name
        if item.is_dir() and destination.is_dir():
            old = destination.with_name(f".{destination.name}.old-{uuid.uuid4().hex[:6]}")
            destination.rename(old)
            item.rename(destination)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(item, destination)
        moved.append(destination)
    shutil.rmtree(staging, ignore_errors=True)
    return moved


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def set_aside(folders: Folders, relative: str, reason: str) -> Path | None:
    """Move a failed input to ``failed/`` (keeping its sub-folder) with ``NAME.error.txt``
    beside it saying what happened and what to do. Returns where it went."""
    source = folders.inbox / relative
    destination = _free_name(folders.failed / relative)
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, destination)
    except FileNotFoundError:
        return None  # removed by the user meanwhile
    write_atomic(
        destination.with_name(destination.name + ".error.txt"),
        f"{relative} could not be translated.\n\n{reason}\n\n"
        "Fix the cause and drop the file into the inbox again to retry it.\n",
    )
    return destination


def after_done(folders: Folders, relative: str, after: str) -> Path | None:
    """The input once its outputs are written: kept, moved to ``done/``, or deleted."""
    source = folders.inbox / relative
    if after == "move":
        destination = _free_name(folders.done / relative)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, destination)
        return destination
    if after == "delete":
        source.unlink(missing_ok=True)
    return None


def _free_name(path: Path) -> Path:
    """``path``, or ``name-2.pdf``, ``name-3.pdf``… if taken (an earlier file of that name)."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate
