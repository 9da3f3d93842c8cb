"""What a job is: the input, its settings and where its outputs go — plain data that
can be pickled and sent to another process or machine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..settings import Settings


@dataclass(frozen=True)
class JobSpec:
    """One paper to translate. Which stages run follows from the settings (formats,
    auto glossary, tables) and from the method called: ``run`` or ``estimate``."""

    input_path: Path
    settings: Settings
    out_dir: Path | None = None  # default: beside the input
    tei: Path | None = None  # start from this GROBID TEI

    @property
    def output_folder(self) -> Path:
        return self.out_dir or self.input_path.parent
