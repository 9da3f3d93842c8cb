"""The captions pass: which blocks are figure or table captions, which blocks right
under a caption go on with it, and whether the paper sets figure captions over their
drawings (as titles) or under them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .cells import has_cells
from .layout import Block, Layout
from .lines import CAPTION, TABLE_KIND

CaptionKind = Literal["figure", "table"]


@dataclass(frozen=True)
class Captions:
    """What the captions pass found."""

    kinds: dict[int, CaptionKind]  # caption block index → what it captions
    over_figures: bool  # figure captions stand over their drawings in this paper
    rest: dict[int, list[int]]  # caption block index → blocks going on with it


def find_captions_pass(layout: Layout) -> Captions:
    """Label the captions of a laid-out paper."""
    blocks = layout.blocks
    kinds = find_captions(blocks, layout.body_size - layout.params.caption_small_step)
    over = captions_over_figures(layout, kinds)
    rest = {index: caption_continuation(blocks, index) for index in kinds}
    return Captions(kinds, over, rest)


def find_captions(blocks: list[Block], small: float) -> dict[int, CaptionKind]:
    """Blocks that are captions, with what they caption: of the blocks opening with a label
    ("Table 4:"), the first set smaller than ``small``, else the first. The others are
    running text that starts by naming the table ("Table 4. On average, …"), unless they
    say it is continued."""
    candidates: dict[tuple[CaptionKind, str], list[int]] = {}
    found: dict[int, CaptionKind] = {}
    for index, block in enumerate(blocks):
        match = CAPTION.match(block.text)
        if match is None or block.math:
            continue
        label = (caption_kind(match), match.group("label").lower())
        if label in candidates and "continued" in block.text[:80].lower():
            found[index] = label[0]
        else:
            candidates.setdefault(label, []).append(index)
    for (kind, _), indexes in candidates.items():
        smaller = [i for i in indexes if blocks[i].size < small]
        found[(smaller or indexes)[0]] = kind
    return found


def caption_kind(match: re.Match[str]) -> CaptionKind:
    """What a CAPTION match introduces: "Table 2", "Tab. 2", "Cuadro 2" → table; the rest → figure."""
    return "table" if TABLE_KIND.match(match.group("kind")) else "figure"


def captions_over_figures(layout: Layout, kinds: dict[int, CaptionKind]) -> bool:
    """Whether most figure captions of the paper stand over their drawing ("Gráfico 1"
    as a title) rather than under it: which side of each caption the nearest region is."""
    votes = 0
    reach = layout.params.caption_reach
    for index, kind in kinds.items():
        if kind != "figure":
            continue
        block = layout.blocks[index]
        box = block.box
        sides = [
            (gap, gap == area.y0 - box.y1)
            for area in layout.figure_areas.get(block.page, [])
            if area.x_overlap(box) > 0
            for gap in (box.y0 - area.y1, area.y0 - box.y1)
            if -5 < gap < reach
        ]
        if sides:
            votes += 1 if min(sides)[1] else -1
    return votes > 0


def caption_continuation(blocks: list[Block], index: int) -> list[int]:
    """Blocks right under a caption that go on with it: same column and size, close
    below, opening in lower case (a caption broken at a link: "…https://commons." /
    "wikimedia.org/…")."""
    rest: list[int] = []
    last = blocks[index]
    for j in range(index + 1, min(index + 4, len(blocks))):
        block = blocks[j]
        if (
            block.page != last.page
            or block.column != last.column
            or abs(block.size - last.size) > 0.3
            or not 0 <= block.box.y0 - last.box.y1 < 1.5 * block.size
            or not block.text[:1].islower()
            or any(has_cells(line) for line in block.lines)
        ):
            break
        rest.append(j)
        last = block
    return rest
