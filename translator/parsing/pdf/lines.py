"""Rules about single lines and their text: caption labels, run-in headings, display
formulas, and how line texts join into running text."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .geometry import Line

# "Figure 2: …", "Fig. 3.", "TABLE IV", "Table 1 Overview …" — not "Table 2 shows …".
# Caption labels in the languages papers come in: English, Spanish/Portuguese ("Cuadro",
# "Tabla", "Figura", "Gráfico"), French, German, Italian, Russian, Chinese and Japanese.
# "Figure 2: …", "Fig. 3.", "TABLE IV", "Table 1 Overview …" — not "Table 2 shows …".
# Caption labels in the languages papers come in: English, Spanish/Portuguese ("Cuadro",
# "Tabla", "Figura", "Gráfico"), French, German, Italian, Russian, Chinese and Japanese.
_TABLE_WORDS = "table|tab|tabla|tabela|cuadro|quadro|tableau|tabelle|tabella|таблица|табл|表"


_FIGURE_WORDS = "fig(?:ure)?s?|figura|gr[áa]fico|abbildung|abb|рисунок|рис|图|圖|図"


TABLE_KIND = re.compile(rf"^(?:supplementary )?(?:{_TABLE_WORDS})$", re.IGNORECASE)


CAPTION = re.compile(
    rf"^(?P<kind>{_TABLE_WORDS}|{_FIGURE_WORDS}|algorithm|listing|supplementary (?:figure|table))\.?\s*"
    r"(?P<label>(?:[a-z]\.?)?\d+[a-z]?|(?-i:[IVXL]+))(?=\s*[:.|—–\-：]|\s+(?-i:[A-Z(])|\s*[\u3040-\u30ff\u4e00-\u9fff]|\s*$)\s*[:.|—–\-：]?\s*",
    re.IGNORECASE,
)


EQUATION_NUMBER = re.compile(r"\(\s*[A-Z]?[0-9]+(\.[0-9]+)?[a-z]?\s*\)$")  # (3), (2.1), (4b), (C1)


_MATH_SYMBOLS = set("=≤≥<>±∑∏∫∂∇∈∉⊂⊆∪∩→←↔⇒⇔∀∃∞√≈≠∼≃≡×÷·∥⊤⊥αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ^_|")


_CJK = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


_URL_BROKEN = re.compile(r"(?:https?://|www\.)\S*[./=?&#_-]$")


_URL_GOES_ON = re.compile(r"[\w%~-]+[./=?&#][^\s]*")


def join_lines(texts: Sequence[str]) -> str:
    """Join line texts into running text, re-joining words split by a line-break hyphen
    (and Chinese or Japanese text, which has no spaces, without one)."""
    out = ""
    previous = ""
    for text in texts:
        if not out:
            out = text
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and text[:1].islower():
            out = out[:-1] + text
        elif out.endswith("-") and previous.isupper() and text.isupper() and text[:1].isalpha():
            out = out[:-1] + text  # a heading in capitals broken mid-word: "SO-" / "LUTION"
        elif _CJK.match(out[-1]) and _CJK.match(text[:1]):
            out += text  # Chinese and Japanese put no space between words, nor at a line break
        elif _URL_BROKEN.search(out) and (
            _URL_GOES_ON.match(text) or (out.endswith("/") and " " not in text)
        ):
            # A link broken at the line end: "https://commons." / "wikimedia.org/w/…", or
            # "https://github.com/user/" / "repository" (a line that is the link's last part).
            out += text
        else:
            out = f"{out} {text}"
        previous = text
    return out


def is_run_in(line: Line) -> bool:
    """Whether the line opens with a bold run ending in a stop ("Setup. We …") and goes on
    in the text face; a bold number before a plain heading ("1 | INTRODUCTION") is not one."""
    if not line.bold_lead:
        return False
    lead, rest = line.text[: line.bold_lead].rstrip(), line.text[line.bold_lead :].lstrip()
    return (
        sum(ch.isalpha() for ch in lead) >= 3
        and (
            lead.endswith((".", ":", "?", "—", "–"))
            or rest.startswith((".", ":", "—", "–"))
            or re.match(r"(We|Our|In|The|This|These|To|For|Here|Given|As)\b", rest) is not None
        )
        and len(re.sub(r"\W", "", rest)) >= 2
    )


def is_caption_start(text: str) -> bool:
    return bool(CAPTION.match(text))


def looks_like_math(line: Line, left: float, right: float) -> bool:
    """A display-formula line: set in math fonts, or short, indented and symbol-heavy, or numbered (1)."""
    text = line.text
    if len(text) > 160:
        return False
    symbols = sum(ch in _MATH_SYMBOLS for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    words = re.findall(r"[A-Za-z]{4,}", text)
    indented = line.x0 > left + 2 * line.size and line.x1 < right - line.size
    if line.math >= 0.35 and len(words) <= 3:
        return True
    if EQUATION_NUMBER.search(text) and (symbols or line.math > 0.1) and len(words) <= 4:
        return True
    if EQUATION_NUMBER.fullmatch(text.strip()) and line.x0 > (left + right) / 2:
        return True  # an equation's number alone at the column's right edge
    return indented and symbols >= 2 and letters < 3 * max(1, len(words) * 4) and len(words) <= 2
