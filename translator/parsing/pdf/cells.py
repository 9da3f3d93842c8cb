"""Table regions into rows of cells: lines that share a baseline, cells wrapped over
several lines, lists inside cells, headers set bottom-aligned."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .geometry import Box, Line
from .lines import CAPTION, join_lines

_NEW_ITEM = re.compile(r"^([•·▪◦–-]|\d+[.)]|[a-z][.)]|[ivx]+[.)]?\s)")


NUMERIC_CELL = re.compile(r"^[\d\s.,%±()+−–-]+\W?$")


_JOINING_WORDS = frozenset({"and", "or", "of", "the", "in", "to", "for"})


def table_rows(lines: Sequence[Line]) -> list[list[str]]:
    """Lines of a table region as rows of cells. Lines sharing a baseline form a visual
    row; a line that carries on the text above it in the same column (starts in lower
    case, or follows a trailing comma or hyphen) joins that cell, so a cell wrapped over
    several lines stays one cell. A table row starts where the first column starts a new
    cell, or other columns start cells that are not just the next items of lists
    (bullets, "2.", or one lone line of text): those stay in their column's cell of the
    current row, as printed."""
    lines = [piece for ln in lines for piece in _split_at_gaps(ln)]
    first_column = min((ln.x0 for ln in lines), default=0.0) + 4
    rows: list[list[_Cell]] = []
    open_cells: list[_Cell] = []  # the latest cell of each column
    for row in _visual_rows(lines):
        starts = _new_cells(row, open_cells)
        if not starts:
            continue
        open_cells = [c for c in open_cells if not any(c.holds(s) for s in starts)] + starts
        if not rows or starts[0].x0 <= first_column or not _items_of_a_cell(starts):
            rows.append(starts)
        else:
            _add_items(rows[-1], starts, open_cells)
    if len(rows) >= 2 and not any(_overlaps(a, b) for a in rows[0] for b in rows[1]):
        # A header set bottom-aligned: the taller header cells start a line or more above
        # the others, in columns of their own. They are one row.
        rows[:2] = [sorted(rows[0] + rows[1], key=lambda cell: cell.x0)]
    return [[join_lines(cell.lines) if cell else "" for cell in row] for row in _in_columns(rows)]


def _in_columns(rows: list[list[_Cell]]) -> list[list[_Cell | None]]:
    """Every row as wide as the widest, each cell under the column it is printed in: a row
    whose first cell spans rows above ("Impact trauma" under "Solar flux") keeps its values
    in their columns instead of shifting them left. A row that cannot be placed (two of its
    cells under one column) keeps its order and is padded at the end."""
    template = max(rows, key=len, default=[])
    placed: list[list[_Cell | None]] = []
    for row in rows:
        slots: list[_Cell | None] = [None] * len(template)
        columns = [_column_of(cell, template) for cell in row]
        if len(row) < len(template) and columns == sorted(set(columns)):
            for column, cell in zip(columns, row, strict=True):
                slots[column] = cell
        else:
            slots[: len(row)] = row
        placed.append(slots)
    return placed


def _column_of(cell: _Cell, template: list[_Cell]) -> int:
    """The template column the cell overlaps most, else the one whose middle is nearest."""
    overlaps = [min(cell.x1, c.x1) - max(cell.x0, c.x0) for c in template]
    best = max(range(len(template)), key=overlaps.__getitem__)
    if overlaps[best] > 0:
        return best
    middle = (cell.x0 + cell.x1) / 2
    return min(range(len(template)), key=lambda i: abs((template[i].x0 + template[i].x1) / 2 - middle))


def _visual_rows(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped by a shared middle height, top to bottom."""
    visual: list[list[Line]] = []
    for ln in sorted(lines, key=lambda ln: (ln.y0, ln.x0)):
        row = visual[-1] if visual else None
        if row is not None and abs((ln.y0 + ln.y1) / 2 - (row[0].y0 + row[0].y1) / 2) < 0.5 * row[0].size:
            row.append(ln)
        else:
            visual.append([ln])
    return visual


def _new_cells(row: list[Line], open_cells: list[_Cell]) -> list[_Cell]:
    """The cells a visual row starts; lines that carry on the cell above join it instead."""
    starts: list[_Cell] = []
    for ln in sorted(row, key=lambda ln: ln.x0):
        above = next((c for c in open_cells if c.holds(ln) and ln.x0 - c.x0 < 40), None)
        if above is not None and _carries_on(above.lines[-1], ln.text):
            above.lines.append(ln.text)
        else:
            starts.append(_Cell(ln.x0, ln.x1, [ln.text]))
    return starts


def _add_items(current: list[_Cell], starts: list[_Cell], open_cells: list[_Cell]) -> None:
    """The next items of lists inside the cells of the current row join those cells."""
    for start in starts:
        cell = next((c for c in current if c.holds(start)), None)
        if cell is None:
            current.append(start)
            current.sort(key=lambda c: c.x0)
        else:
            cell.lines.extend(start.lines)
            open_cells[open_cells.index(start)] = cell


def _overlaps(a: _Cell, b: _Cell) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1


def has_cells(line: Line) -> bool:
    """Whether the line holds cells side by side: a wide blank other than the one that may
    follow a heading number or a caption label ("3   Results", "TABLE 2   Key themes")."""
    for at, _, _ in line.gaps:
        before = line.text[:at].strip()
        if not (re.fullmatch(r"[\dIVXA-H.]{1,8}", before) or CAPTION.fullmatch(before + " ")):
            return True
    return False


def _justified(line: Line) -> bool:
    """Whether the wide blanks of a line are a justified cell's stretched word spaces: several,
    all about as wide, between words of running text ("Design   principle   where   the")."""
    if len(line.gaps) < 2:
        return False
    widths = [after - before for _, before, after in line.gaps]
    words = line.text.split()
    return (
        max(widths) < 1.3 * min(widths)
        and not any(ch.isdigit() for ch in line.text)
        and any(word[:1].islower() for word in words)
    )


def _split_at_gaps(line: Line) -> list[Line]:
    """A line that runs across table columns, cut where the text leaves a wide blank."""
    if not line.gaps or _justified(line):
        return [line]
    pieces = []
    start, x0 = 0, line.x0
    for at, before, after in (*line.gaps, (len(line.text), line.x1, line.x1)):
        text = line.text[start:at].strip()
        if text:
            pieces.append(
                replace(line, box=Box(x0, line.y0, before, line.y1), text=text, gaps=(), bold_lead=0)
            )
        start, x0 = at, after
    return pieces


def _items_of_a_cell(starts: list[_Cell]) -> bool:
    """Whether the cells a visual row starts are the next items of lists inside the cells
    of the current row: all open list items, or one lone line of text (not a number)."""
    if all(_NEW_ITEM.match(cell.lines[0]) for cell in starts):
        return True
    return len(starts) == 1 and not NUMERIC_CELL.match(starts[0].lines[0])


@dataclass
class _Cell:
    x0: float
    x1: float
    lines: list[str]

    def holds(self, other: Line | _Cell) -> bool:
        """Whether ``other`` starts inside this cell's column."""
        return self.x0 - 4 <= other.x0 <= self.x1


def _carries_on(before: str, text: str) -> bool:
    """Whether ``text`` goes on with the cell line ``before`` rather than opening a new cell."""
    if _NEW_ITEM.match(text):
        return False
    return (
        text[:1].islower()
        or before.endswith((",", "-", "–", "/", "&", "("))
        or before.split()[-1] in _JOINING_WORDS
    )
