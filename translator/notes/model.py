"""Reading notes as data: what the renderers and the JSON output take."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SUMMARY_PARTS = ("background", "previous", "method", "steps", "results", "limitations")


@dataclass
class Point:
    """One short sentence of the notes and the paragraphs it rests on."""

    text: str
    cites: list[str]
    verified: bool = True
    problems: list[str] = field(default_factory=list)  # why it is unverified (--keep-unverified)


@dataclass
class Item:
    """A key formula or figure of a section, as the renderers show it."""

    id: str
    label: str = ""
    text: str = ""  # a formula's text, a figure's caption
    translation: str = ""  # a figure's translated caption
    latex: str = ""
    image: str = ""  # relative to the notes


@dataclass
class SectionNote:
    id: str
    heading: str
    heading_translation: str
    points: list[Point] = field(default_factory=list)
    formulas: list[Item] = field(default_factory=list)
    figures: list[Item] = field(default_factory=list)


@dataclass
class Term:
    source: str
    target: str
    first: str  # the id of the paragraph that first uses it


@dataclass
class Notes:
    """A paper's notes, with what they cost and what was dropped."""

    meta: dict[str, Any]
    summary: dict[str, list[Point]] = field(default_factory=dict)
    sections: list[SectionNote] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # cited paragraph id → its original text
    dropped: dict[str, int] = field(default_factory=dict)  # reason → points dropped
    requests: int = 0
    reasked: int = 0
    stem: str = ""  # the outputs' stem, for links to the bilingual version
    template: str = ""  # the user's Markdown template (--notes-template), if any

    def points(self) -> list[Point]:
        every = [p for part in self.summary.values() for p in part]
        return every + [p for s in self.sections for p in s.points]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def notes_report(notes: Notes) -> dict[str, Any]:
    """The notes' lines in the run report."""
    points = notes.points()
    return {
        "points": len(points),
        "unverified": sum(1 for p in points if not p.verified),
        "dropped": dict(notes.dropped),
        "requests": notes.requests,
        "reasked": notes.reasked,
    }
