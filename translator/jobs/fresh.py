"""Nothing to do: a rerun whose outputs are already there, made from the same PDF bytes
with the same settings by the same program, ends at once instead of reading, planning
and rendering the paper again (1 to 28 s, every answer coming from the cache).

A complete run (nothing failed, interrupted or stopped by a cap) leaves a record beside
its outputs, ``.<stem>.<lang>.run.json``: what they were made from (SHA-256 of the input,
of the TEI given with ``--tei``, of the glossary files, of the settings without the API
key, and of the program's own files) and the SHA-256 of every file it wrote, images
included. A rerun that finds all of these unchanged is up to date; anything else —
another PDF under the same name, an edited or deleted output, a changed glossary, an
upgrade — runs as usual. ``--force`` runs regardless.

This module is imported by the command line before the pipeline, so it imports little.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

from ..files import file_sha256, output_stem, write_atomic
from ..glossary.entries import default_glossary_path
from ..urls import redact
from .spec import JobSpec

_PROGRAM_FILES = (".py", ".j2", ".css", ".js")


@functools.cache
def program_fingerprint() -> str:
    """A hash of the package's code and templates: a new version, or a local change,
    makes every earlier record stale."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    files = [f for f in package.rglob("*") if f.suffix in _PROGRAM_FILES]
    templates = resources.files("translator.templates")
    files += [Path(str(t)) for t in templates.iterdir() if Path(str(t)).suffix in _PROGRAM_FILES]
    for file in sorted(set(files)):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:24]


def record_path(spec: JobSpec) -> Path:
    """Hidden beside the outputs; ``translate notes`` keeps its own."""
    kind = "notes-run" if spec.settings.output.notes_only else "run"
    return spec.output_folder / f".{output_stem(spec.input_path)}.{spec.settings.lang}.{kind}.json"


def made_from(spec: JobSpec) -> dict[str, Any]:
    """Everything the outputs depend on, as hashes."""
    settings = dataclasses.asdict(spec.settings)
    settings["engine"].pop("api_key", None)
    settings["engine"]["base_url"] = redact(str(settings["engine"].get("base_url") or ""))
    settings_json = json.dumps(settings, sort_keys=True, default=str)
    glossaries = [default_glossary_path(spec.settings.storage.config_dir, spec.settings.lang)]
    glossaries += list(spec.settings.glossary.glossaries)
    return {
        "program": program_fingerprint(),
        "input_sha256": file_sha256(spec.input_path),
        "tei_sha256": file_sha256(spec.tei) if spec.tei is not None else None,
        "settings_sha256": hashlib.sha256(settings_json.encode()).hexdigest(),
        "glossaries": {str(p): file_sha256(p) if p.is_file() else None for p in glossaries},
    }


def remember(spec: JobSpec, written: list[Path], summary: str) -> None:
    """Record a complete run's outputs (best effort: without a record, a rerun just runs)."""
    try:
        outputs = {str(p.relative_to(spec.output_folder)): file_sha256(p) for p in written}
        record = {"made_from": made_from(spec), "outputs": outputs, "summary": summary}
        write_atomic(record_path(spec), json.dumps(record, indent=1) + "\n")
    except (OSError, ValueError):
        pass


def up_to_date(spec: JobSpec) -> dict[str, Any] | None:
    """The record of an earlier run whose outputs are still exactly what this run would
    write, or None."""
    try:
        record = json.loads(record_path(spec).read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("made_from") != made_from(spec):
            return None
        outputs = record.get("outputs")
        if not isinstance(outputs, dict) or not outputs:
            return None
        for name, digest in outputs.items():
            if file_sha256(spec.output_folder / name) != digest:
                return None
    except (OSError, ValueError):
        return None
    return record
