"""Is a note's point faithful to the paper? Checked before it is used:

- it cites paragraphs, and every cited id is a paragraph of the paper;
- every number it states occurs in the paragraphs it cites, allowing the ways a number
  is rewritten (96% ↔ 0.96, 1.2M ↔ 1,200,000 ↔ 1.2 million, 3 ↔ three);
- every English term it puts in bold occurs in the paper.

A number that labels something (Figure 3, 表 2, Eq. (4), 第3节) is a reference, not a
claim, and is not checked. Each problem is a short sentence the model can act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(%|percent|百分之|k\b|K\b|M\b|B\b|million|billion|thousand|万|亿)?",
)
LABEL_BEFORE = re.compile(
    r"(?:fig(?:ure)?s?\.?|tab(?:le)?s?\.?|eqs?\.?|equations?|sections?|sec\.?|algorithms?|appendix|"
    r"图|表|式|公式|算法|第|章节|节|步骤|step)\s*[(（]?\s*$",
    re.IGNORECASE,
)
LABEL_AFTER = re.compile(r"^\s*(?:节|章|步|项|条)")
BOLD = re.compile(r"\*\*(.+?)\*\*")
LATIN = re.compile(r"[A-Za-z]")
WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "hundred": 100, "dozen": 12,
    "single": 1, "double": 2, "twice": 2, "half": 0.5, "first": 1, "second": 2, "third": 3,
}  # fmt: skip
SCALE = {
    "k": 1e3,
    "K": 1e3,
    "thousand": 1e3,
    "万": 1e4,
    "M": 1e6,
    "million": 1e6,
    "亿": 1e8,
    "B": 1e9,
    "billion": 1e9,
}


def values(text: str, skip_labels: bool = False) -> list[tuple[str, set[float]]]:
    """Each number in ``text`` with every value it may stand for."""
    found = []
    for match in NUMBER.finditer(text):
        if skip_labels and (
            LABEL_BEFORE.search(text[max(0, match.start() - 12) : match.start()])
            or LABEL_AFTER.match(text[match.end() :])
        ):
            continue
        whole, fraction, unit = match.group(1), match.group(2) or "", match.group(3) or ""
        number = float(whole.replace(",", "") + fraction)
        readings = {number}
        if unit in ("%", "percent", "百分之"):
            readings.add(number / 100)
        elif unit in SCALE:
            readings.add(number * SCALE[unit])
        elif 0 < number <= 1 and fraction:
            readings.add(number * 100)  # 0.96 written as 96%
        found.append((match.group(0).strip(), readings))
    return found


def paper_values(text: str) -> set[float]:
    """Every value the paragraphs' numbers and number words may stand for."""
    readings: set[float] = set()
    for _, each in values(text):
        readings |= each
    for word in re.findall(r"[A-Za-z]+", text.lower()):
        if word in WORDS:
            readings.add(float(WORDS[word]))
    return readings


def _matches(readings: set[float], known: set[float]) -> bool:
    return any(abs(a - b) <= 1e-9 * max(1.0, abs(b)) for a in readings for b in known)


def problems(text: str, cites: Iterable[str], paragraphs: Mapping[str, str], paper_text: str) -> list[str]:
    """What is wrong with one point (empty: it may be used)."""
    cited = list(cites)
    found: list[str] = []
    if not cited:
        found.append("it cites no paragraph")
    missing = [c for c in cited if c not in paragraphs]
    if missing:
        found.append(f"it cites paragraphs that do not exist: {', '.join(missing[:5])}")
    source = " ".join(paragraphs[c] for c in cited if c in paragraphs)
    known = paper_values(source)
    for shown, readings in values(text, skip_labels=True):
        if not _matches(readings, known):
            found.append(f"the number {shown} is not in the paragraphs it cites")
    folded = " ".join(paper_text.lower().split())
    for term in BOLD.findall(text):
        if LATIN.search(term) and " ".join(term.lower().split()) not in folded:
            found.append(f"the term **{term}** does not occur in the paper")
    return found
