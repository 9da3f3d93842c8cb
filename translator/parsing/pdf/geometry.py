"""Boxes, lines and pages in top-left page coordinates (points), the coordinate
system GROBID's ``coords`` attributes use: what every pass of the built-in reader sees."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...model import Region


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in top-left page coordinates (points)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)

    def on_page(self, page: int) -> Region:
        """This box as the document model places it: on page ``page``."""
        return Region(page, self.x0, self.y0, self.x1, self.y1)

    def union(self, other: Box) -> Box:
        return Box(
            min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1)
        )

    def near(self, other: Box, gap: float) -> bool:
        return not (
            other.x0 > self.x1 + gap
            or other.x1 < self.x0 - gap
            or other.y0 > self.y1 + gap
            or other.y1 < self.y0 - gap
        )

    def x_overlap(self, other: Box) -> float:
        """How far the two boxes share their horizontal extent (negative: the gap between)."""
        return min(self.x1, other.x1) - max(self.x0, other.x0)

    def contains_center(self, other: Box, slack: float = 0.0) -> bool:
        """Whether the middle of ``other`` lies in this box (grown by ``slack``)."""
        x, y = (other.x0 + other.x1) / 2, (other.y0 + other.y1) / 2
        return self.x0 - slack <= x <= self.x1 + slack and self.y0 - slack <= y <= self.y1 + slack


@dataclass(slots=True)
class Line:
    """A run of characters sharing a baseline, in content order."""

    page: int  # 1-based, as in GROBID coords
    box: Box
    text: str
    size: float  # most common font size of its characters
    bold: bool  # most characters in a bold face
    math: float  # share of characters set in a math font
    bold_lead: int = 0  # length of the bold run that opens the line (a run-in heading)
    italic: bool = False  # most characters in an italic face
    font: str = ""  # name of the font most characters are set in ("" when unnamed)
    # Wide blank stretches inside the line (table columns): (offset in text where the next
    # run starts, right edge of the run before, left edge of the next run).
    gaps: tuple[tuple[int, float, float], ...] = ()
    raised: tuple[int, ...] = ()  # offsets in text where a superscript (a note mark, an exponent) starts

    @property
    def x0(self) -> float:
        return self.box.x0

    @property
    def x1(self) -> float:
        return self.box.x1

    @property
    def y0(self) -> float:
        return self.box.y0

    @property
    def y1(self) -> float:
        return self.box.y1


@dataclass
class PageText:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    graphics: list[Box] = field(default_factory=list)  # images, vector paths, shadings, forms
