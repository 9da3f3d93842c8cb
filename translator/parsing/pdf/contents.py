"""The contents pass: a printed table of contents ("Contents", then "1 Introduction … 2").

Its entries are set as numbered lines with a page number at the right, which the other
passes read as section headings (the tree then holds every section twice) or as table
cells (and the entries are lost). They are kept as the list they are: one item per entry,
without its page number and dot leaders, under the "Contents" heading.
"""

from __future__ import annotations

import re

from .geometry import Line
from .layout import Block, Layout

CONTENTS_HEADING = re.compile(r"^(?:table of )?contents$", re.IGNORECASE)
_PAGE_AT_END = re.compile(r"(?:\s*\.(?:\s?\.)+)?\s*\d{1,4}$")  # " 12", " . . . . 12", "....12"
_PAGE_ONLY = re.compile(r"^\d{1,4}$")


_NUMBERED_ENTRY = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}|[A-H](?:\.\d{1,2}){0,2}|appendix\b)", re.IGNORECASE
)


def _rows(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped by baseline, left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (ln.page, ln.y0, ln.x0)):
        if rows and rows[-1][0].page == line.page and abs(rows[-1][0].y0 - line.y0) < 0.5 * line.size:
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def _entry(row: list[Line]) -> str | None:
    """The entry a row prints, without its page number; None when the row is not one."""
    texts = [ln.text.strip() for ln in sorted(row, key=lambda ln: ln.x0)]
    if len(texts) >= 2 and _PAGE_ONLY.match(texts[-1]):
        return " ".join(texts[:-1])
    text = " ".join(texts)
    if _PAGE_AT_END.search(text) and not _PAGE_ONLY.match(text):
        return _PAGE_AT_END.sub("", text).strip() or None
    return None


def _entry_like(block: Block) -> bool:
    """Every line a page number, a numbered entry, or an entry ending in its page number,
    and at least one page number among them (a numbered heading alone is not an entry)."""
    texts = [ln.text.strip() for ln in block.lines]
    return any(_PAGE_AT_END.search(t) for t in texts) and all(
        _PAGE_ONLY.match(t) or _NUMBERED_ENTRY.match(t) or _PAGE_AT_END.search(t) for t in texts
    )


def find_contents_pass(layout: Layout) -> dict[int, list[int]]:
    """A contents list's first block index → the blocks it spans: the blocks after a
    "Contents" heading, on its page, whose lines are entries and page numbers."""
    blocks = layout.blocks
    found: dict[int, list[int]] = {}
    for index, block in enumerate(blocks):
        if not CONTENTS_HEADING.match(block.text.strip()):
            continue
        members: list[int] = []
        for j in range(index + 1, len(blocks)):
            if blocks[j].page != block.page or not _entry_like(blocks[j]):
                break
            members.append(j)
        if members and len(contents_entries([blocks[j] for j in members])) >= 2:
            found[members[0]] = members
    return found


def contents_entries(blocks: list[Block]) -> list[str]:
    """The entries of a contents list, each without its page number and dot leaders."""
    entries: list[str] = []
    for row in _rows([ln for block in blocks for ln in block.lines]):
        texts = [ln.text.strip() for ln in sorted(row, key=lambda ln: ln.x0)]
        if len(texts) == 1 and _PAGE_ONLY.match(texts[0]):
            continue  # a page number the layout set apart from its entry
        entries.append(_entry(row) or " ".join(texts))  # an entry whose number went astray stays
    return entries
