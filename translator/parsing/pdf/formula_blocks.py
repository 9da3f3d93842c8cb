"""Display formulas set over several blocks: the lines under one, the pieces beside it on
its display line (a brace's cases, a fraction's denominator) and its number at the
column's right edge are one formula, one crop, with that number."""

from __future__ import annotations

import re

from ...model import Formula, Region
from .layout import Block


def continues_formula(formula: Formula, block: Block, column: int, join_gap: float) -> bool:
    """Whether ``block`` goes on with ``formula`` (read last, in ``column``): it starts
    beside it on its display line, in the same column; or it lies right under an
    unnumbered one, within ``join_gap`` line heights, the same formula set over two lines."""
    region = formula.region
    if region is None or region.page != block.page:
        return False
    box = block.box
    gap = box.y0 - region.y1
    if gap < -1.0 and box.y1 > region.y0 + 1.0:
        return block.column == column
    overlap = min(box.x1, region.x1) - max(box.x0, region.x0)
    return not formula.label and -1.0 <= gap <= join_gap * block.size and overlap > 0


def joined_formula(first: Formula, block: Block, text: str, label: re.Match[str] | None) -> Formula:
    """The formula ``first`` with the block's lines added (its number, when the block has one)."""
    region = first.region
    box = block.box
    if region is not None:
        region = Region(
            region.page,
            min(region.x0, round(box.x0, 2)),
            min(region.y0, round(box.y0, 2)),
            max(region.x1, round(box.x1, 2)),
            max(region.y1, round(box.y1, 2)),
        )
    return Formula(first.id, f"{first.text} {text}", f"({label.group(1)})" if label else first.label, region)
