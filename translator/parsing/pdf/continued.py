"""Rows of a table that runs on over columns or pages: a region of rows of cells that
no caption took belongs to the table captioned next (in papers that caption tables
underneath) or last; right by a figure's caption, it is part of that figure; otherwise
it is a table of its own, so that its text is not lost."""

from __future__ import annotations

from ...model import Figure
from .cells import NUMERIC_CELL, table_rows
from .figures import FigureMaker, reading_key, region_of
from .geometry import Box

Key = tuple[int, int, float]
Rows = list[list[str]]


def add_continued_tables(maker: FigureMaker) -> None:
    """Give every region of rows that no caption took to its table, or make it one."""
    layout = maker.layout
    plans = maker.tables.plans
    underneath = sum(not plan.below for plan in plans.values()) * 2 > len(plans)
    # Every caption, figures' too: a region whose nearest caption is a figure's is that
    # figure's content (a screenshot, a code listing), not a table's rows.
    captions = sorted(
        (reading_key(layout.pages[b.page - 1], b.page, b.box), i)
        for i in maker.captions.kinds
        for b in [layout.blocks[i]]
    )
    pieces: dict[int, list[Rows]] = {}
    for page_number, regions in layout.figure_areas.items():
        page = layout.pages[page_number - 1]
        for region in regions:
            rows = _rows_of(maker, region)
            if rows is None:
                continue
            key = reading_key(page, page_number, region)
            target = _nearest_caption(captions, key, page_number, underneath)
            if target is not None and target not in maker.table_figures:
                if _by_caption(maker, target, page_number, region):
                    continue  # right by a figure's caption: part of that figure
                target = None
            if target is not None:
                pieces.setdefault(target, []).append(rows)
            elif not _plot_labels(rows):
                maker.figures.append(
                    Figure(
                        id=f"tab_{len(maker.figures)}",
                        kind="table",
                        region=region_of(page_number, region),
                        rows=rows,
                    )
                )
    for index, parts in pieces.items():
        continued = [row for rows in parts for row in rows]
        figure = maker.table_figures[index]
        figure.rows = continued + figure.rows if underneath else figure.rows + continued


def _rows_of(maker: FigureMaker, region: Box) -> Rows | None:
    """The region's rows of cells, when no figure took it and it has enough of them."""
    params = maker.layout.params
    lines = maker.layout.area_lines.get(region, [])
    if region in maker.used_areas or len(lines) < params.table_region_min_lines:
        return None
    rows = table_rows(lines)
    if sum(len(row) >= 2 for row in rows) < params.table_region_min_rows:
        return None  # labels of a drawing, not rows of a table
    return rows


def _nearest_caption(captions: list[tuple[Key, int]], key: Key, page: int, underneath: bool) -> int | None:
    """The caption after the region (tables captioned underneath) or before it, a page at most away."""
    if underneath:
        return next((i for k, i in captions if k > key and k[0] <= page + 1), None)
    return next((i for k, i in reversed(captions) if k < key and k[0] >= page - 1), None)


def _by_caption(maker: FigureMaker, index: int, page: int, region: Box) -> bool:
    caption = maker.layout.blocks[index]
    box = caption.box
    return (
        caption.page == page
        and region.x_overlap(box) > 0
        and min(abs(box.y0 - region.y1), abs(region.y0 - box.y1)) < maker.layout.params.continued_table_reach
    )


def _plot_labels(rows: Rows) -> bool:
    """Ticks and legends of a plot whose caption is elsewhere: mostly numbers."""
    cells = [cell for row in rows for cell in row]
    return sum(bool(NUMERIC_CELL.match(cell)) for cell in cells) * 2 >= len(cells)
