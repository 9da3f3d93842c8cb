"""The glossary's term calls go before the requests whose units need their answers
(the rest go beside the term calls)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..glossary.matcher import TermMatcher
from .terms import TermCalls


@dataclass(frozen=True)
class GlossaryWait:
    """Term calls still out when the translation starts. Units in which an ``asked`` term
    occurs wait for them; the others go at once, as their glossary entries are all known.
    ``final`` gives the whole glossary's matcher once ``calls.done`` is set."""

    asked: TermMatcher
    calls: TermCalls
    final: Callable[[], TermMatcher | None]
