"""Each segment's outcome from its units' answers: the pieces of a long paragraph
joined as the target language joins them, protected spans restored, a segment left
pending (not failed) when the run was stopped before its turn."""

from __future__ import annotations

from ..chunking.chunker import Unit
from ..chunking.protect import protect, restore
from ..languages import joiner
from ..model import Segment
from ..results import Results, Translation
from .stats import NOT_YET, UnitResult


def apply_results(results: Results, units: list[Unit], answers: dict[str, UnitResult], lang: str) -> None:
    """Each segment's outcome from its units' answers, protected spans restored."""
    by_segment: dict[str, list[Unit]] = {}
    for unit in units:
        by_segment.setdefault(unit.segment_id, []).append(unit)
    glue = joiner(lang)
    for segment in results.segments:
        parts = sorted(by_segment.get(segment.id, []), key=lambda u: u.piece)
        results.set(segment, _outcome(segment, parts, answers, glue))


def _outcome(segment: Segment, parts: list[Unit], answers: dict[str, UnitResult], glue: str) -> Translation:
    if (
        parts
        and any(u.key not in answers for u in parts)
        and not any(answers[u.key].error for u in parts if u.key in answers)
    ):
        # Never sent or still in flight when the run was stopped: not a failure.
        return Translation(status="pending", error=NOT_YET)
    got = [answers.get(u.key, UnitResult(error="not translated")) for u in parts]
    errors = [a.error or "no answer" for a in got if a.text is None]
    if not parts or errors:
        return Translation(status="failed", error=errors[0] if errors else "not translated")
    text = glue.join(a.text or "" for a in got)
    return Translation(
        text=restore(text, protect(segment).originals),
        tagged=text,
        status="cached" if all(a.cached for a in got) else "translated",
    )
