"""The figures pass: each caption's figure or table (its drawing, its cells, its notes),
and rows of tables that run on over columns or pages without a caption of their own."""

from __future__ import annotations

from collections.abc import Callable

from ...model import Figure, Region, Segment, SegmentKind
from ..crops import MARGIN
from .captions import Captions, caption_kind
from .cells import table_rows
from .geometry import Box, Line, PageText
from .layout import Block, Layout
from .lines import CAPTION, join_lines
from .params import LayoutParams
from .tables import TablePlan, Tables

# The crop's margin and half a point: an image cut around the box keeps off the caption.
CLEARANCE = MARGIN + 0.5
MakeSegment = Callable[[SegmentKind, str, str], Segment]


def region_of(page: int, box: Box) -> Region | None:
    """The box as a Region, to the hundredth of a point (as GROBID writes coords); None
    when nothing is left of it."""
    x, y, width, height = (round(v, 2) for v in (box.x0, box.y0, box.width, box.height))
    if width <= 0 or height <= 0:
        return None
    return Region(page, x, y, x + width, y + height)


def clear_of(area: Box, caption: Box) -> Box:
    """The drawing's box kept clear of its caption by the crop's margin, so the image does
    not show a strip of the caption that is printed below it as text (a box that would lose
    more than a tenth of its height stays as it is)."""
    if area.x_overlap(caption) <= 0:
        return area
    y0, y1 = area.y0, area.y1
    if caption.y0 >= area.y0 and caption.y0 - y1 < CLEARANCE:  # caption below
        y1 = caption.y0 - CLEARANCE
    elif caption.y1 <= area.y1 and y0 - caption.y1 < CLEARANCE:  # caption above
        y0 = caption.y1 + CLEARANCE
    if y1 - y0 < 0.9 * area.height:
        return area
    return Box(area.x0, y0, area.x1, y1)


def reading_key(page: PageText, number: int, box: Box) -> tuple[int, int, float]:
    """Where a box comes in reading order: page, then column (left half first), then height."""
    return (number, 0 if box.x0 < page.width / 2 else 1, box.y0)


class FigureMaker:
    """Builds the paper's figures and tables in reading order; remembers which graphics
    regions they took, so that what is left can be found afterwards."""

    def __init__(self, layout: Layout, captions: Captions, tables: Tables, segment: MakeSegment) -> None:
        self.layout = layout
        self.captions = captions
        self.tables = tables
        self.table_areas = tables.areas
        self.segment = segment
        self.figures: list[Figure] = []
        self.used_areas: set[Box] = set()  # graphics regions a figure or table took
        self.table_figures: dict[int, Figure] = {}  # caption index → table

    def add(self, index: int, context: str) -> None:
        """The figure or table captioned by block ``index``."""
        blocks = self.layout.blocks
        block = blocks[index]
        table = self.tables.plans.get(index)
        text = join_lines(
            [block.text.strip()] + [blocks[j].text.strip() for j in self.captions.rest.get(index, [])]
        )
        match = CAPTION.match(text)
        assert match is not None
        kind = caption_kind(match)
        # The label ("Table 5:") is the figure's head; the caption is what follows, as in GROBID's figDesc.
        caption = self.segment("caption", text[match.end() :] or text, context)
        area = self.drawing(block, kind) if table is None else None
        cells: list[Line] = []
        if kind == "table":
            area, cells = self.table_area(area, table)
        elif area is not None:
            self.used_areas.add(area)
        notes = [self.segment("caption", blocks[j].text, context) for j in table.notes] if table else []
        figure = Figure(
            id=f"{'tab' if kind == 'table' else 'fig'}_{len(self.figures)}",
            kind=kind,
            label=match.group("label"),
            head=text[: match.end()].strip(),
            caption=caption,
            notes=notes,
            region=region_of(block.page, clear_of(area, block.box)) if area is not None else None,
            rows=table_rows(cells) if kind == "table" else [],
        )
        self.figures.append(figure)
        if kind == "table":
            self.table_figures[index] = figure

    def table_area(self, area: Box | None, table: TablePlan | None) -> tuple[Box | None, list[Line]]:
        """A table's cells (its blocks' lines and its regions' text) and the box around them."""
        areas = table.areas if table is not None else [area] if area else []
        members = table.members if table is not None else []
        cells = [ln for j in members for ln in self.layout.blocks[j].lines]
        cells += [ln for region in areas for ln in self.layout.area_lines.get(region, [])]
        self.used_areas.update(areas)
        for region in areas:
            area = region if area is None else area.union(region)
        for ln in cells:
            area = ln.box if area is None else area.union(ln.box)
        return area, cells

    def drawing(self, caption: Block, kind: str) -> Box | None:
        """The drawing a caption belongs to (figures: not a table's region)."""
        areas = [
            area
            for area in self.layout.figure_areas.get(caption.page, [])
            if kind == "table" or area not in self.table_areas
        ]
        return nearest_drawing(caption.box, areas, self.layout.params, kind, self.captions.over_figures)


def nearest_drawing(
    caption: Box, areas: list[Box], p: LayoutParams, kind: str = "figure", over: bool = False
) -> Box | None:
    """The graphics region a caption belongs to: the nearest above it (figures; below it
    when the paper sets captions ``over`` the drawing, as titles) or below it (tables,
    whose captions usually come first); the other side only right next to the caption,
    and nothing further than ``caption_reach``."""
    candidates = []
    for area in areas:
        if area.x_overlap(caption) < 0.3 * min(area.width, caption.width):
            continue
        above = caption.y0 - area.y1
        below = area.y0 - caption.y1
        if kind == "table":
            distances = [below] if below > -5 else [above]
        elif over:
            distances = [below, above + p.other_side_penalty if above < 20 else 999]
        else:
            distances = [above, below + p.other_side_penalty if below < 20 else 999]
        candidates += [(distance, area) for distance in distances if -5 < distance < p.caption_reach]
    if not candidates:
        return None
    return min(candidates, key=lambda c: c[0])[1]
