"""The built-in PDF reader: a PDF → :class:`~translator.model.Document` without GROBID.

Characters become lines (:mod:`.text`), lines become blocks in reading order
(:mod:`.layout`), and passes label the read-only list of blocks — captions, the title,
tables, an unheaded reference list — before the last pass assembles the document
(:mod:`.assemble`). Every threshold comes from one :class:`~.params.LayoutParams`.
"""

from __future__ import annotations

from pathlib import Path

from ...model import Document
from .algorithms import find_code_pass
from .assemble import Assembler, Labels
from .captions import find_captions_pass
from .contents import find_contents_pass
from .front import find_title, title_continuation
from .headings import heading_continuations
from .kinds import BlockKinds
from .layout import Layout, analyse
from .params import DEFAULT, LayoutParams
from .references import find_unheaded_references
from .tables import plan_tables_pass
from .text import read_pages


def read_pdf(path: Path, max_pages: int | None = None, params: LayoutParams = DEFAULT) -> Document:
    """Read a text-layer PDF into a Document with the built-in reader."""
    pages = list(read_pages(path, max_pages, params))
    return assemble(analyse(pages, params))


def label_blocks(layout: Layout) -> tuple[BlockKinds, Labels]:
    """Run the labelling passes over a laid-out paper."""
    kinds = BlockKinds(layout)
    captions = find_captions_pass(layout)
    tables = plan_tables_pass(layout, kinds, captions)
    code = find_code_pass(layout)
    title = find_title(layout)
    title_rest = title_continuation(layout, title)
    headings = heading_continuations(layout, kinds)
    contents = find_contents_pass(layout)
    skipped = tables.taken_blocks | {j for rest in captions.rest.values() for j in rest} | code.taken
    skipped |= set(title_rest) | set(headings.values()) | {j for run in contents.values() for j in run[1:]}
    labels = Labels(
        title=title,
        captions=captions,
        tables=tables,
        skipped=frozenset(skipped),
        unheaded_references=find_unheaded_references(layout),
        code=code,
        title_rest=title_rest,
        heading_rest=headings,
        contents=contents,
    )
    return kinds, labels


def assemble(layout: Layout) -> Document:
    """Label a laid-out paper's blocks, then assemble its Document."""
    kinds, labels = label_blocks(layout)
    return Assembler(layout, kinds, labels).run()
