"""Answers that ignore the glossary: found after the checks, for one targeted re-translation."""

from __future__ import annotations

from ..chunking.chunker import Batch, Unit
from ..glossary.matcher import TermMatcher
from ..glossary.matcher import problems as term_problems


def glossary_strays(
    ids: list[str], batch: Batch, good: list[tuple[Unit, str]], matcher: TermMatcher
) -> tuple[list[tuple[Unit, str]], list[Unit], list[str]]:
    """Answers that ignore the glossary get one targeted re-translation; what still
    differs afterwards is kept and reported. Returns the rest, those units, and what to ask."""
    strays: list[Unit] = []
    notes: list[str] = []
    key_of = {u.key: k for k, u in zip(ids, batch.units, strict=True)}
    for unit, text in good:
        missed = term_problems(unit.text, text, matcher)
        if missed:
            strays.append(unit)
            wanted = ", ".join(f"'{e.source}' as '{e.rendered_target}'" for e in missed)
            notes.append(f"id {key_of[unit.key]}: translate {wanted}")
    return [(u, t) for u, t in good if u not in strays], strays, notes
