"""One line of a page as its characters arrive: where it starts and ends, its sizes and
faces, its wide gaps and superscripts, and its text once whitespace is collapsed."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from .fonts import Font
from .geometry import Box, Line

# Spacing accents some producers print after the letter ("Agogue´"), as combining marks.
ACCENTS = {
    "´": "\u0301",
    "`": "\u0300",
    "¨": "\u0308",
    "ˆ": "\u0302",
    "˜": "\u0303",
    "ˇ": "\u030c",
    "¸": "\u0327",
}
_SPACING_ACCENT = re.compile(r"(?<=[A-Za-z])[´`¨ˆ˜ˇ¸]")


def _with_accents(text: str) -> str:
    """``e´`` → ``é``: a spacing accent right after a letter becomes part of it."""
    return unicodedata.normalize("NFC", _SPACING_ACCENT.sub(lambda m: ACCENTS[m.group()], text))


class LineBuilder:
    """Characters of one line; sizes and font facts counted per character."""

    __slots__ = (
        "boxes",
        "chars",
        "fonts",
        "gaps",
        "last_x1",
        "page",
        "raised",
        "rotated",
        "sizes",
        "visible",
        "x0",
        "x1",
        "y0",
        "y1",
    )

    def __init__(self, page: int) -> None:
        self.page = page
        self.chars: list[str] = []
        self.x0 = self.y0 = float("inf")
        self.x1 = self.y1 = float("-inf")
        self.sizes: list[float] = []
        self.fonts: list[Font] = []
        self.last_x1 = float("-inf")
        self.visible = 0
        self.rotated = False
        self.gaps: dict[int, tuple[float, float]] = {}  # index in chars → (right before, left after)
        self.boxes: list[tuple[int, float, float]] = []  # (index in chars, left, right) of each glyph
        self.raised: set[int] = set()  # indices in chars where a superscript starts

    def place_accent(self, accent: str, left: float, right: float) -> bool:
        """Put a spacing accent drawn back over an earlier letter ("Fa¨rber") onto that
        letter; False when no letter of the line lies under it."""
        middle = (left + right) / 2
        for index, x0, x1 in reversed(self.boxes):
            if x0 - 0.5 <= middle <= x1 + 0.5:
                letter = self.chars[index]
                if not letter.isalpha():
                    return False
                joined = unicodedata.normalize("NFC", letter + ACCENTS[accent])
                if len(joined) == 1:
                    self.chars[index] = joined
                    return True
                return False
        return False

    def add(
        self,
        ch: str,
        left: float,
        right: float,
        top: float,
        bottom: float,
        size: float,
        font: Font,
        full: float,
    ) -> None:
        self.boxes.append((len(self.chars), left, right))
        self.chars.append(ch)
        self.visible += 1
        if left < self.x0:
            self.x0 = left
        if right > self.x1:
            self.x1 = right
        # Sub- and superscripts must not stretch the line: only full-size characters set its height.
        if not self.sizes or size >= full * self.sizes[0]:
            if top < self.y0:
                self.y0 = top
            if bottom > self.y1:
                self.y1 = bottom
        self.last_x1 = right
        self.sizes.append(size)
        self.fonts.append(font)

    def collapse(self) -> tuple[str, int, list[tuple[int, float, float]], list[int]]:
        """The text with whitespace collapsed, the length of its opening bold run, where
        its wide gaps fall in it and where its superscripts start (measured in one pass)."""
        out: list[str] = []
        lead = 0
        leading = True
        fonts = iter(self.fonts)
        cuts: list[tuple[int, float, float]] = []
        raised: list[int] = []
        for index, ch in enumerate(self.chars):
            if index in self.gaps and out:
                if out[-1] != " ":
                    out.append(" ")
                cuts.append((len(out), *self.gaps[index]))
            # Plain spaces were added without a font; every other character has one.
            bold = ch != " " and next(fonts).bold
            if ch.isspace():
                if out and out[-1] != " ":
                    out.append(" ")
                continue
            leading = leading and bold
            if index in self.raised:
                raised.append(len(out))
            out.append(ch)
            if leading:
                lead = len(out)
        return "".join(out).rstrip(), lead, cuts, raised

    def build(self) -> Line | None:
        if not self.visible or self.rotated:
            return None
        text, lead, cuts, raised = self.collapse()
        if not text:
            return None
        if _SPACING_ACCENT.search(text):
            lead = len(_with_accents(text[:lead]))
            # Joining accents shortens the text: move the gap and superscript offsets with it.
            cuts = [(len(_with_accents(text[:at])), before, after) for at, before, after in cuts]
            raised = [len(_with_accents(text[:at])) for at in raised]
            text = _with_accents(text)
        sizes = Counter(round(s, 1) for s in self.sizes)
        n = self.visible
        return Line(
            self.page,
            Box(self.x0, self.y0, self.x1, self.y1),
            text,
            sizes.most_common(1)[0][0],
            sum(f.bold for f in self.fonts) * 2 > n,
            sum(f.math for f in self.fonts) / n,
            lead,
            sum(f.italic for f in self.fonts) * 2 > n,
            Counter(f.name for f in self.fonts).most_common(1)[0][0],
            tuple(cuts),
            tuple(raised),
        )
