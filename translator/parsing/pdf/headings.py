"""The heading pass: a heading set over two lines that the layout cut into two blocks
("3 The LONGEVAL guidelines for" / "faithfulness human evaluation"): the second line is
part of the heading, not a heading or a paragraph of its own."""

from __future__ import annotations

from .kinds import KNOWN_HEADING, NUMBERED, BlockKinds
from .layout import Block, Layout

_ENDS_A_HEADING = (".", "?", "!", ":")


def heading_continuations(layout: Layout, kinds: BlockKinds) -> dict[int, int]:
    """Heading block index → the block that carries its second line on."""
    blocks = layout.blocks
    found: dict[int, int] = {}
    for index, block in enumerate(blocks[:-1]):
        nxt = blocks[index + 1]
        if _goes_on(block, nxt) and kinds.heading_of(block) is not None:
            found[index] = index + 1
    return found


def _goes_on(block: Block, nxt: Block) -> bool:
    """Whether ``nxt`` is the next line of the heading ``block``: one line in the same
    face, right under it in the same column, not a heading of its own, and the heading
    does not end as a sentence or a question ends."""
    if nxt.page != block.page or nxt.column != block.column or len(nxt.lines) != 1:
        return False
    if abs(nxt.size - block.size) > 0.3 or nxt.bold != block.bold or nxt.math:
        return False
    gap = nxt.box.y0 - block.box.y1
    if not -0.5 * block.size < gap < 0.8 * block.size or nxt.box.x0 < block.box.x0 - 2:
        return False
    text = nxt.text.strip()
    if NUMBERED.match(text) or KNOWN_HEADING.match(text) or len(text) > 80:
        return False
    return not block.text.rstrip().endswith(_ENDS_A_HEADING)
