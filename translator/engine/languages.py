"""Target languages: their names for the prompt and a script check for answers."""

from __future__ import annotations

import re
import unicodedata

NAMES = {
    "zh": "Simplified Chinese", "zh-cn": "Simplified Chinese", "zh-tw": "Traditional Chinese",
    "zh-hk": "Traditional Chinese", "ja": "Japanese", "ko": "Korean", "en": "English",
    "fr": "French", "de": "German", "es": "Spanish", "pt": "Portuguese", "it": "Italian",
    "nl": "Dutch", "ru": "Russian", "uk": "Ukrainian", "pl": "Polish", "tr": "Turkish",
    "ar": "Arabic", "fa": "Persian", "he": "Hebrew", "hi": "Hindi", "th": "Thai",
    "vi": "Vietnamese", "id": "Indonesian", "el": "Greek", "cs": "Czech", "sv": "Swedish",
}  # fmt: skip

# Languages written in a script of their own: an answer must mostly be in it.
_SCRIPT = {
    "zh": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
    "ja": re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]"),
    "ko": re.compile(r"[\uac00-\ud7af\u1100-\u11ff]"),
    "ru": re.compile(r"[\u0400-\u04ff]"),
    "uk": re.compile(r"[\u0400-\u04ff]"),
    "ar": re.compile(r"[\u0600-\u06ff]"),
    "fa": re.compile(r"[\u0600-\u06ff]"),
    "he": re.compile(r"[\u0590-\u05ff]"),
    "hi": re.compile(r"[\u0900-\u097f]"),
    "th": re.compile(r"[\u0e00-\u0e7f]"),
    "el": re.compile(r"[\u0370-\u03ff]"),
}


# An ordinary word (not an acronym such as ORCID, a mixed-case name or a symbol).
_PLAIN_WORD = re.compile(r"(?<![\w-])(?:[A-Z]?[a-z]{3,}|[A-Z]{7,})(?![\w-])")


_NAMES = re.compile(
    r"(?<![\w-])(?:[A-Z]{2,5}s?|[A-Za-z]*[a-z][A-Z][\w-]*|[A-Za-z]+\d[\w-]*|[A-Z][A-Za-z]*-[A-Z0-9][\w-]*)(?![\w-])"
)


def base(lang: str) -> str:
    return lang.lower().split("-")[0].split("_")[0]


def language_name(lang: str) -> str:
    """A name the model understands; unknown codes are passed through."""
    return NAMES.get(lang.lower(), NAMES.get(base(lang), lang))


def _letters(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c).startswith("L")]


def looks_untranslated(source: str, translation: str, lang: str) -> str | None:
    """Why ``translation`` does not look like ``lang``, or None when it does.

    Lenient on purpose: symbols, names and short texts pass; a long answer with
    hardly any letters of the target script, or a long answer equal to its
    source, does not.
    """
    script = _SCRIPT.get(base(lang))
    if script is not None:
        if translation.strip() == source.strip() and _PLAIN_WORD.search(source):
            # Even a one-word heading ("BACKGROUND") must change; names
            # ("SPOT", "QT-Opt", "TinyRL") may stay as they are.
            return f"the answer is the untranslated source, not {language_name(lang)}"
        # Names and acronyms (GPQA, QT-Opt, GPT-4) stay as they are in any language.
        source, translation = _NAMES.sub(" ", source), _NAMES.sub(" ", translation)
    src_letters = _letters(source)
    if script is not None:
        if len(src_letters) < 12 or sum(1 for c in src_letters if script.match(c)) > len(src_letters) / 2:
            return None  # too short to judge, or the source is already in that script
        letters = _letters(translation)
        if not letters:
            return "the answer has no text"
        share = sum(1 for c in letters if script.match(c)) / len(letters)
        if share < 0.25:
            return f"the answer is not in {language_name(lang)} ({share:.0%} of its letters)"
        return None
    if len(source.split()) >= 8 and translation.strip() == source.strip():
        return f"the answer is the untranslated source, not {language_name(lang)}"
    return None
