"""Whether each unit's answer is kept: every placeholder back, and in the target language
(placeholders, terms kept as they are and $…$ math set aside, since they are in no
language); the rest is asked again, with the reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..chunking.chunker import Unit
from ..chunking.protect import PLACEHOLDER, check_placeholders
from ..glossary.matcher import TermMatcher
from .languages import looks_untranslated
from .latex import INLINE, settle_inline_math


@dataclass(frozen=True)
class AnswerCheck:
    """The checks of one answer, for the glossary in force when it came."""

    lang: str
    matcher: TermMatcher | None
    inline_math: bool

    def plain(self, text: str) -> str:
        """Text without placeholders and kept terms, for the language check:
        "RobotReviewer <x1/>" is as it should be in any language."""
        text = PLACEHOLDER.sub(" ", text)
        if self.inline_math:  # $…$ LaTeX is in no language
            text = INLINE.sub(" ", text)
        if self.matcher is None:
            return text
        for occurrence in reversed(self.matcher.find(text)):
            if occurrence.entry.keep:
                text = text[: occurrence.start] + " " + text[occurrence.end :]
        return text

    def sort(
        self, units: Sequence[Unit], ids: list[str], texts: dict[str, str], problems: dict[str, str]
    ) -> tuple[list[tuple[Unit, str]], list[Unit], list[str]]:
        """Answers that pass the checks, and the units whose answer did not, with why."""
        good: list[tuple[Unit, str]] = []
        bad: list[Unit] = []
        reasons: list[str] = []
        for key, unit in zip(ids, units, strict=True):
            text = texts.get(key)
            problem = problems.get(key)
            if text is not None:
                problem = check_placeholders(text, list(unit.placeholders)) or looks_untranslated(
                    self.plain(unit.text), self.plain(text), self.lang
                )
            if problem or text is None:
                bad.append(unit)
                reasons.append(f"id {key}: {problem}")
            else:
                good.append((unit, settle_inline_math(text, unit.text) if self.inline_math else text))
        return good, bad, reasons
