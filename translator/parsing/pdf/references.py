"""The references pass: where a reference list without a heading starts, and the list's
blocks split into entries (by [n] / n. markers, else by hanging indent, else by block)."""

from __future__ import annotations

import re

from ...model import Reference
from ..identifiers import arxiv_in, doi_in, mend_breaks, url_in
from .geometry import Line
from .kinds import REFERENCES
from .layout import Block, Layout
from .lines import join_lines

REFERENCE_START = re.compile(r"^(?:\[(?P<n>\d{1,3})\]|(?P<m>\d{1,3})[a-z]?\.\s?(?=[A-Z]))")


def find_unheaded_references(layout: Layout) -> int:
    """Where a reference list without a heading starts (letters in physics journals
    just print "[1] …"): the block opening with "[1]" that numbered entries follow."""
    blocks = layout.blocks
    if any(REFERENCES.match(b.text.strip()) for b in blocks):
        return -1
    for index, block in enumerate(blocks):
        if block.text.startswith("[1]") and block.size <= layout.body_size + 0.3:
            lines = [ln for b in blocks[index : index + 40] for ln in b.lines]
            if len(numbered_entries(lines)) >= 3:
                return index
    return -1


# A list may start again at "[1]" after this many entries: a thesis or a proceedings volume
# prints one list a chapter (taken as one list, every later list joined its last entry: one
# "reference" of 150,000 characters, for a 300-page volume of the corpus's papers).
RESTART_AFTER = 3


def numbered_entries(lines: list[Line]) -> set[int]:
    """Indexes of the lines opening a numbered entry ("[7] …", "7. …"): the numbers must
    follow each other, so a line that begins with a year ("2022. Role of …") is not one;
    a new list may start again at "[1]", in the brackets of the list before it."""
    starts: set[int] = set()
    expected: int | None = None
    bracketed = False
    for index, ln in enumerate(lines):
        number = entry_number(ln.text)
        if number is None:
            continue
        follows = expected is not None and expected <= number <= expected + 1
        restarts = (
            expected is not None
            and number == 1
            and expected > RESTART_AFTER
            and ln.text.startswith("[") == bracketed
        )
        if (expected is None and number <= 2) or follows or restarts:
            starts.add(index)
            expected = number + 1
            bracketed = ln.text.startswith("[")
    return starts


def entry_number(text: str) -> int | None:
    """The number a text opens with as a reference entry ("[7] …", "7. …"), else None."""
    match = REFERENCE_START.match(text)
    return None if match is None else int(match.group("n") or match.group("m"))


def split_references(blocks: list[Block]) -> list[Reference]:
    """Reference-list entries: by [n] / n. markers, else by hanging indent, else by block."""
    lines = [ln for block in blocks for ln in block.lines]
    if not lines:
        return []
    starts = numbered_entries(lines)
    entries = _by_number(lines, starts) if len(starts) >= 3 else _by_indent(blocks, len(lines))
    refs: list[Reference] = []
    for entry in entries:
        text = mend_breaks(join_lines(entry).strip())
        if len(text) > 10:
            doi, arxiv = doi_in(text), arxiv_in(text)
            url = "" if doi or arxiv else url_in(text)
            refs.append(Reference(id=f"b{len(refs)}", text=text, doi=doi, arxiv=arxiv, url=url))
    return refs


def _by_number(lines: list[Line], starts: set[int]) -> list[list[str]]:
    entries: list[list[str]] = []
    for index, ln in enumerate(lines):
        if index in starts or not entries:
            entries.append([])
        entries[-1].append(ln.text)
    return entries


def _by_indent(blocks: list[Block], count: int) -> list[list[str]]:
    """Entries set with a hanging indent (when a quarter of the lines are indented), else one per block."""
    left_of: dict[tuple[int, int], float] = {}
    for block in blocks:
        key = (block.page, block.column)
        left_of[key] = min(left_of.get(key, 1e9), block.box.x0)
    indented = sum(1 for b in blocks for ln in b.lines if ln.x0 > left_of[(b.page, b.column)] + 3)
    hanging = indented >= count // 4
    entries: list[list[str]] = []
    for block in blocks:
        left = left_of[(block.page, block.column)]
        for number, ln in enumerate(block.lines):
            if not entries or (ln.x0 <= left + 3 if hanging else number == 0):
                entries.append([])
            entries[-1].append(ln.text)
    return entries
