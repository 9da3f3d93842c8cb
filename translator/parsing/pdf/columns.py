"""Columns and reading order of one page: the gutter between two columns, full-width
lines that cut the page into bands, left column before right within each band."""

from __future__ import annotations

import bisect

from .geometry import Line, PageText
from .lines import is_caption_start


def _gutter(page: PageText) -> float | None:
    """The x of the white stripe between two columns: the position crossed by the fewest
    lines with enough wide lines on both sides (a sidebar column is narrower than half)."""
    lines = page.lines
    if len(lines) < 8:
        return None
    starts = sorted(ln.x0 for ln in lines)
    ends = sorted(ln.x1 for ln in lines)
    wide = [ln for ln in lines if ln.box.width > page.width * 0.15]
    wide_starts = sorted(ln.x0 for ln in wide)
    wide_ends = sorted(ln.x1 for ln in wide)
    middle = page.width / 2
    best: tuple[int, float, float] | None = None
    x = page.width * 0.2
    while x < page.width * 0.8:
        crossing = bisect.bisect_left(starts, x - 4) - bisect.bisect_right(ends, x + 4)
        wide_left = bisect.bisect_right(wide_ends, x + 4)
        wide_right = len(wide_starts) - bisect.bisect_left(wide_starts, x - 4)
        if wide_left >= 4 and wide_right >= 4 and crossing * 2 <= len(lines):
            candidate = (crossing, abs(x - middle), x)
            if best is None or candidate < best:
                best = candidate
        x += 2.0
    return best[2] if best is not None else None


def _columns(page: PageText) -> tuple[list[Line], list[Line], list[Line]]:
    gutter = _gutter(page)
    if gutter is None:
        return page.lines, [], []
    left = [ln for ln in page.lines if ln.x1 <= gutter + 4]
    right = [ln for ln in page.lines if ln.x0 >= gutter - 4 and ln.x1 > gutter + 4]
    spanning = [ln for ln in page.lines if ln.x1 > gutter + 4 and ln.x0 < gutter - 4]
    for line in sorted(left, key=lambda ln: ln.y0):
        if _goes_with_full_width(line, spanning, right):
            left.remove(line)
            spanning.append(line)
    return spanning, left, right


def _goes_with_full_width(line: Line, spanning: list[Line], right: list[Line]) -> bool:
    """The short last line of a full-width paragraph (a wide caption, an abstract) fits in
    the left column, and so does a label set on its own line above one ("Table 3"): they
    belong to the full-width text when nothing stands beside them."""
    above = max((s for s in spanning if s.y1 <= line.y0 + 1), key=lambda s: s.y1, default=None)
    below = min((s for s in spanning if s.y0 >= line.y1 - 1), key=lambda s: s.y0, default=None)
    close_above = above is not None and line.y0 - above.y1 < 0.75 * line.size
    neighbour = above if close_above else below
    touching = (close_above and above is not None and abs(line.x0 - above.x0) < 2) or (
        below is not None
        and below.y0 - line.y1 < 0.75 * line.size
        and abs(line.x0 - below.x0) < 2
        and is_caption_start(line.text)
    )
    if not touching or neighbour is None or abs(line.size - neighbour.size) >= 0.5:
        return False
    return not any(r.y0 < line.y1 and r.y1 > line.y0 for r in right)


def reading_order(page: PageText) -> list[tuple[int, Line]]:
    """(column, line) in reading order: bands between full-width lines, left column before right."""
    spanning, left, right = _columns(page)
    if not left and not right:
        return [(0, ln) for ln in sorted(spanning, key=lambda ln: (round(ln.y0), ln.x0))]
    order: list[tuple[int, Line]] = []
    cuts = sorted(spanning, key=lambda ln: ln.y0)
    top = float("-inf")
    for cut in [*cuts, None]:
        bottom = cut.y0 if cut is not None else float("inf")
        for column, lines in ((1, left), (2, right)):
            band = [ln for ln in lines if top <= ln.y0 < bottom]
            order.extend((column, ln) for ln in sorted(band, key=lambda ln: (round(ln.y0), ln.x0)))
        if cut is not None:
            order.append((0, cut))
            top = cut.y0
    return order
