"""What a run made of a paper, kept apart from the paper itself.

The parsed :class:`~translator.model.Document` is never changed after parsing: each
segment's translation, status and glossary findings live here, keyed by segment id,
and so do the images cut for figures and formulas, keyed by their id. The check stage
reads both; renderers take both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Segment, SegmentStatus

# Around a term's original that --term-style bold adds to a tagged translation: the
# renderers show it in bold; private-use characters, so no paper or model text has them.
TERM_OPEN, TERM_CLOSE = "\ue010", "\ue011"


@dataclass(frozen=True)
class Translation:
    """One segment's outcome."""

    text: str | None = None  # the translation, protected spans restored
    # The translation with ``<xN/>`` where the protected spans go: lets renderers
    # link citations inside the translated text.
    tagged: str | None = None
    status: SegmentStatus = "pending"
    error: str | None = None
    glossary_issues: tuple[str, ...] = ()  # terms whose target the translation lacks


PENDING = Translation()


@dataclass
class Results:
    """A run's results: the segments it covered, in reading order, and what became of them."""

    segments: list[Segment] = field(default_factory=list)
    translations: dict[str, Translation] = field(default_factory=dict)  # segment id → outcome
    images: dict[str, str] = field(
        default_factory=dict
    )  # figure or formula id → PNG, relative to the outputs
    latex: dict[str, str] = field(default_factory=dict)  # display formula id → its checked LaTeX
    formula_errors: dict[str, str] = field(default_factory=dict)  # formula id → why it has no LaTeX
    inline_math: bool = False  # translations hold checked $…$ LaTeX (--inline-math latex)
    notes: object | None = None  # the reading notes (translator.notes.model.Notes), when asked for

    def of(self, segment: Segment) -> Translation:
        """The segment's outcome (pending when there is none yet)."""
        return self.translations.get(segment.id, PENDING)

    def set(self, segment: Segment, translation: Translation) -> None:
        self.translations[segment.id] = translation

    def image(self, item_id: str) -> str:
        return self.images.get(item_id, "")

    def with_status(self, status: SegmentStatus) -> list[Segment]:
        return [s for s in self.segments if self.of(s).status == status]

    def count(self, status: SegmentStatus) -> int:
        return sum(1 for s in self.segments if self.of(s).status == status)
