"""Does an answer look like the target language? (The languages themselves are in
``translator/languages.py``.)"""

from __future__ import annotations

import re

from ..languages import language, language_name

__all__ = ["language_name", "looks_untranslated"]

# An ordinary word (not an acronym such as ORCID, a mixed-case name or a symbol).
_PLAIN_WORD = re.compile(r"(?<![\w-])(?:[A-Z]?[a-z]{3,}|[A-Z]{7,})(?![\w-])")


_NAMES = re.compile(
    r"(?<![\w-])(?:[A-Z]{2,5}s?|[A-Za-z]*[a-z][A-Z][\w-]*|[A-Za-z]+\d[\w-]*|[A-Z][A-Za-z]*-[A-Z0-9][\w-]*)(?![\w-])"
)


def _letters(text: str) -> str:
    # str.isalpha is true for exactly the Unicode letter categories (L*); filtered and
    # counted in C (a character at a time in Python was ~0.1 ms an answer, every answer).
    return "".join(filter(str.isalpha, text))


def _in_script(letters: str, script: re.Pattern[str]) -> int:
    """How many of the letters the script's character class holds."""
    return len(script.findall(letters))


def looks_untranslated(source: str, translation: str, lang: str) -> str | None:
    """Why ``translation`` does not look like ``lang``, or None when it does.

    Lenient on purpose: symbols, names and short texts pass; a long answer with
    hardly any letters of the target script, or a long answer equal to its
    source, does not.
    """
    script = language(lang).script
    if script is not None:
        if translation.strip() == source.strip() and _PLAIN_WORD.search(source):
            # Even a one-word heading ("BACKGROUND") must change; names
            # ("SPOT", "QT-Opt", "TinyRL") may stay as they are.
            return f"the answer is the untranslated source, not {language_name(lang)}"
        # Names and acronyms (GPQA, QT-Opt, GPT-4) stay as they are in any language.
        source, translation = _NAMES.sub(" ", source), _NAMES.sub(" ", translation)
    src_letters = _letters(source)
    if script is not None:
        if len(src_letters) < 12 or _in_script(src_letters, script) > len(src_letters) / 2:
            return None  # too short to judge, or the source is already in that script
        letters = _letters(translation)
        if not letters:
            return "the answer has no text"
        share = _in_script(letters, script) / len(letters)
        if share < 0.25:
            return f"the answer is not in {language_name(lang)} ({share:.0%} of its letters)"
        return None
    if len(source.split()) >= 8 and translation.strip() == source.strip():
        return f"the answer is the untranslated source, not {language_name(lang)}"
    return None
