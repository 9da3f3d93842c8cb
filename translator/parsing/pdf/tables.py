"""The tables pass: a table's cells are the blocks and graphics regions between its
caption and the nearest running text, numbered heading or other caption — below the
caption, or above it (styles that caption tables underneath), whichever side's content
is nearer. Tables drawn without rules have no graphics region, one with rules may only
rule its header, and shaded row bands are regions of their own."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .captions import Captions
from .cells import has_cells
from .geometry import Box
from .kinds import BlockKinds
from .layout import Block, Layout
from .lines import is_caption_start

# Notes printed with a table: "Note: …", "Source: …" (also in Spanish, Portuguese, French,
# German), "* p < 0.05", "† …".
_TABLE_NOTE = re.compile(
    r"^(?:notes?\b|nota|notas|remarque|anmerkung|sources?\s?:|fuente|fonte|quelle|abbreviations?:|[*†‡§¶]\s*\S|[a-z]/\s)",
    re.IGNORECASE,
)


@dataclass
class TablePlan:
    """What lies between a table's caption and the running text after it."""

    members: list[int]  # indexes of the blocks that are cells
    areas: list[Box]  # graphics regions (rules, shaded bands) whose text is cells
    gap: float  # from the caption to the nearest of them
    cells_side_by_side: bool  # a graphics region, or lines that share a baseline or have wide gaps
    below: bool = True  # the table lies below its caption
    notes: list[int] = field(default_factory=list)  # blocks that are the table's notes


@dataclass(frozen=True)
class Tables:
    """What the tables pass found: each table caption's plan, and what the plans took."""

    plans: dict[int, TablePlan]  # caption block index → the table's blocks and regions

    @property
    def taken_blocks(self) -> set[int]:
        return {j for plan in self.plans.values() for j in (*plan.members, *plan.notes)}

    @property
    def areas(self) -> set[Box]:
        return {area for plan in self.plans.values() for area in plan.areas}


def plan_tables_pass(layout: Layout, kinds: BlockKinds, captions: Captions) -> Tables:
    """Each table caption's cells, regions and notes."""
    planner = _Planner(layout, kinds, captions)
    plans: dict[int, TablePlan] = {}
    for index, kind in captions.kinds.items():
        if kind == "table" and (plan := planner.plan(index)) is not None:
            plans[index] = plan
    return Tables(plans)


@dataclass
class _Planner:
    layout: Layout
    kinds: BlockKinds
    captions: Captions

    def plan(self, index: int) -> TablePlan | None:
        blocks = self.layout.blocks
        small = self.layout.body_size - 0.5
        spans = [plan for plan in (self.span(index, True), self.span(index, False)) if plan is not None]
        if not spans:
            return None
        # A caption sits closer to its own table than to the next one, but notes
        # printed under a caption (running sentences, no cells side by side) are no table.
        plan = min(spans, key=lambda plan: (not plan.cells_side_by_side, plan.gap))
        other = next((span for span in spans if span is not plan), None)
        if (
            other is not None
            and not other.cells_side_by_side
            and all(blocks[j].size < small for j in other.members)
        ):
            plan.notes = other.members  # small print under a caption set below its table
        plan.notes += [j for j in plan.members if _TABLE_NOTE.match(blocks[j].text)]
        plan.notes += _lettered_notes(blocks, plan)
        plan.members = [j for j in plan.members if j not in plan.notes]
        return plan

    def span(self, index: int, below: bool) -> TablePlan | None:
        """The blocks and regions on one side of a table caption, up to the nearest stop."""
        caption = self.layout.blocks[index]
        box = caption.box
        x0, x1 = self.extent(index, below)

        def beyond(b: Box, slack: float) -> bool:
            return b.y0 >= box.y1 - slack if below else b.y1 <= box.y0 + slack

        side = [
            (j, b)
            for j, b in enumerate(self.layout.blocks)
            if j != index and _on_page_between(b, caption.page, x0, x1) and beyond(b.box, 1)
        ]
        within = self.within_stop(caption, [b for _, b in side], below)
        members = [j for j, b in side if within(b.box) and x0 <= b.box.x0 and b.box.x1 <= x1]
        areas = [
            area
            for area in self.layout.figure_areas.get(caption.page, [])
            if beyond(area, 5) and within(area) and self.table_region(caption.page, area, (x0, x1))
        ]
        if not members and not areas:
            return None
        boxes = [self.layout.blocks[j].box for j in members] + areas
        gap = min(b.y0 for b in boxes) - box.y1 if below else box.y0 - max(b.y1 for b in boxes)
        return TablePlan(members, areas, gap, self.side_by_side(members, areas), below)

    def extent(self, index: int, below: bool) -> tuple[float, float]:
        """How wide the table under (or over) a caption may be: the page, the caption's
        column (a centred "TABLE I" is narrower than its table), or a region spanning
        both columns right by a short caption."""
        blocks = self.layout.blocks
        caption = blocks[index]
        page = self.layout.pages[caption.page - 1]
        box = caption.box
        if caption.column == 0:
            x0, x1 = 0.0, page.width
        else:
            same = [b.box for b in blocks if b.page == caption.page and b.column == caption.column]
            x0, x1 = min(b.x0 for b in same) - 2, max(b.x1 for b in same) + 2
        for area in self.layout.figure_areas.get(caption.page, []):
            distance = area.y0 - box.y1 if below else box.y0 - area.y1
            if abs(area.x0 - box.x0) < 8 and -5 < distance < 30 and area.x1 > x1:
                x0, x1 = area.x0 - 2, area.x1 + 2  # a short caption over a table that spans both columns
        return x0, x1

    def within_stop(self, caption: Block, side: list[Block], below: bool) -> Callable[[Box], bool]:
        """Whether a box lies before the nearest stop on that side: a caption, running
        text or a numbered heading."""
        stops = [
            b.box
            for b in side
            if is_caption_start(b.text) or self.kinds.is_prose(b) or self.kinds.is_numbered_heading(b)
        ]
        if below:
            end = min((b.y0 for b in stops), default=self.layout.pages[caption.page - 1].height)
            return lambda b: b.y1 <= end + 1
        start = max((b.y1 for b in stops), default=0.0)
        return lambda b: b.y0 >= start - 1

    def table_region(self, page: int, area: Box, extent: tuple[float, float]) -> bool:
        """A graphics region inside the table's width that no figure caption claims."""
        x0, x1 = extent
        return area.x0 >= x0 - 5 and area.x1 <= x1 + 5 and not self.by_figure_caption(page, area)

    def side_by_side(self, members: list[int], areas: list[Box]) -> bool:
        """A graphics region, or lines that share a baseline or leave wide gaps: cells."""
        lines = [ln for j in members for ln in self.layout.blocks[j].lines]
        return bool(areas) or any(
            ln.gaps or any(other is not ln and abs(other.y0 - ln.y0) < 0.5 * ln.size for other in lines)
            for ln in lines
        )

    def by_figure_caption(self, page: int, area: Box) -> bool:
        """Whether a figure's caption sits right under the drawing on ``page`` (or right over
        it, in papers that set figure captions as titles): the drawing is that figure's."""
        return by_figure_caption(self.layout, self.captions, page, area)


def by_figure_caption(layout: Layout, captions: Captions, page: int, area: Box) -> bool:
    """Whether a figure's caption sits right by ``area`` on ``page``, on the side the paper
    sets them."""
    for index, kind in captions.kinds.items():
        block = layout.blocks[index]
        if kind != "figure" or block.page != page:
            continue
        box = block.box
        if area.x_overlap(box) <= 0:
            continue
        gap = area.y0 - box.y1 if captions.over_figures else box.y0 - area.y1
        if -5 < gap < layout.params.caption_touch:
            return True
    return False


def _on_page_between(block: Block, page: int, x0: float, x1: float) -> bool:
    return block.page == page and block.box.x0 < x1 and block.box.x1 > x0


def _lettered_notes(blocks: list[Block], plan: TablePlan) -> list[int]:
    """Footnotes under the last row, marked by a letter: "a Applicable to meta-analyses."."""
    notes: list[int] = []
    for j in sorted(plan.members, key=lambda j: blocks[j].box.y0, reverse=True):
        text = blocks[j].text
        if j in plan.notes:
            continue
        if not (re.match(r"[a-z]\s+[A-Z]\w+ \w", text) and len(text) > 30):
            break
        if any(has_cells(line) for line in blocks[j].lines) or len(blocks[j].lines) > 4:
            break
        notes.append(j)
    return notes
