"""Target languages in one table: the name the model is told, the script an answer
must be written in, and whether words are separated by spaces (which decides how
the translated pieces of a long paragraph are joined).

Codes are read leniently: ``zh``, ``zh-CN``, ``zh_CN`` and ``ZH-cn`` are one
language; ``zh-TW`` and ``zh_TW`` another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
KANA_HAN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
ARABIC = re.compile(r"[\u0600-\u06ff]")


@dataclass(frozen=True)
class Language:
    name: str
    script: re.Pattern[str] | None = None  # letters an answer must mostly be made of
    spaced: bool = True  # words separated by spaces


LANGUAGES: dict[str, Language] = {
    "zh": Language("Simplified Chinese", HAN, spaced=False),
    "zh-cn": Language("Simplified Chinese", HAN, spaced=False),
    "zh-tw": Language("Traditional Chinese", HAN, spaced=False),
    "zh-hk": Language("Traditional Chinese", HAN, spaced=False),
    "ja": Language("Japanese", KANA_HAN, spaced=False),
    "ko": Language("Korean", HANGUL),
    "ru": Language("Russian", CYRILLIC),
    "uk": Language("Ukrainian", CYRILLIC),
    "ar": Language("Arabic", ARABIC),
    "fa": Language("Persian", ARABIC),
    "he": Language("Hebrew", re.compile(r"[\u0590-\u05ff]")),
    "hi": Language("Hindi", re.compile(r"[\u0900-\u097f]")),
    "th": Language("Thai", re.compile(r"[\u0e00-\u0e7f]"), spaced=False),
    "el": Language("Greek", re.compile(r"[\u0370-\u03ff]")),
    "lo": Language("Lao", spaced=False),
    "my": Language("Burmese", spaced=False),
    "km": Language("Khmer", spaced=False),
    "bo": Language("Tibetan", spaced=False),
    "en": Language("English"), "fr": Language("French"), "de": Language("German"),
    "es": Language("Spanish"), "pt": Language("Portuguese"), "it": Language("Italian"),
    "nl": Language("Dutch"), "pl": Language("Polish"), "tr": Language("Turkish"),
    "vi": Language("Vietnamese"), "id": Language("Indonesian"), "cs": Language("Czech"),
    "sv": Language("Swedish"),
}  # fmt: skip


def normalise(lang: str) -> str:
    """``zh_CN`` → ``zh-cn``."""
    return lang.strip().lower().replace("_", "-")


def base(lang: str) -> str:
    """The language without its region: ``zh_TW`` → ``zh``."""
    return normalise(lang).split("-")[0]


def language(lang: str) -> Language:
    """The table's entry for a code (region first, then the base language); an
    unknown code is its own name, spaced, with no script check."""
    code = normalise(lang)
    return LANGUAGES.get(code) or LANGUAGES.get(base(code)) or Language(lang)


def language_name(lang: str) -> str:
    """A name the model understands; unknown codes are passed through."""
    return language(lang).name


def joiner(lang: str) -> str:
    """How the translated pieces of one segment are glued back together."""
    return " " if language(lang).spaced else ""
