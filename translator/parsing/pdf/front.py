"""The front-matter pass: the title, the author lines, the keywords."""

from __future__ import annotations

import re

from ...model import Author
from .kinds import ABSTRACT
from .layout import Block, Layout


def find_title(layout: Layout) -> int:
    """The title's block index, or -1: the largest text near the top of page 1, before the
    abstract and the first paragraph (a large word in a figure further down is not it)."""
    blocks = layout.blocks
    first = [i for i, b in enumerate(blocks) if b.page == 1 and not b.math]
    if not first:
        return -1
    page = layout.pages[0]
    end = next(
        (i for i in first if ABSTRACT.match(blocks[i].text) or len(blocks[i].text) > 300),
        first[-1] + 1,
    )
    top = [i for i in first if i < end and blocks[i].box.y0 < page.height * 0.5 and len(blocks[i].text) > 3]
    if not top:
        return -1
    best = max(top, key=lambda i: (blocks[i].size, -blocks[i].box.y0))
    if blocks[best].size < layout.body_size + layout.params.title_step or len(blocks[best].text) > 300:
        return -1
    return best


def title_continuation(layout: Layout, title: int) -> tuple[int, ...]:
    """The blocks that go on with the title: set in its size and face, right under it on
    the same page (a centred title's lines of other widths are blocks of their own)."""
    if title < 0:
        return ()
    blocks = layout.blocks
    rest: list[int] = []
    last = blocks[title]
    for index in range(title + 1, min(title + 4, len(blocks))):
        block = blocks[index]
        gap = block.box.y0 - last.box.y1
        same_face = abs(block.size - last.size) < 0.3 and block.bold == last.bold
        if block.page != last.page or not same_face or not -0.5 * last.size < gap < 1.5 * last.size:
            break
        rest.append(index)
        last = block
    return tuple(rest)


def is_author_line(block: Block) -> bool:
    """Names, not an affiliation or an address."""
    text = block.text
    return (
        len(text) < 200
        and "@" not in text
        and not re.search(r"universit|institut|department|school|college|laborator|inc\.|corp", text, re.I)
        and len(re.findall(r"\b[A-Z][a-z]+\b", text)) >= 2
    )


def authors_of(block: Block) -> list[Author]:
    """The names on an author line, footnote marks and affiliation numbers taken off."""
    authors: list[Author] = []
    for line in block.lines:
        cleaned = re.sub(r"[\d*†‡§¶,]+(?=\s|$)", ",", line.text)
        for name in re.split(r",|\band\b|;|·", cleaned):
            name = name.strip(" ,")
            if 1 < len(name.split()) <= 5:
                authors.append(Author(name))
    return authors


def keywords_of(text: str) -> list[str]:
    """A keyword list split at its separators."""
    return [word.strip().rstrip(".") for word in re.split(r"[;,·•]", text) if word.strip()]
