"""Pseudo-code and code in a paper's text: an algorithm's numbered lines ("4: for i ∈ S
do", "8: end for") are kept verbatim and never sent for translation; translated as prose
they come back garbled, or fail the language check and stay marked untranslated."""

from __future__ import annotations

import itertools
import re

from ..model import Block, Code, CodeBlock, FormulaBlock, Region

# A line number of an algorithm: "7:" at a line start or after a space, then a blank or the end.
LINE_NUMBER = re.compile(r"(?:(?<=\s)|^)(\d{1,3}):(?=\s|$)")
# What only pseudo-code says: closing keywords, assignment arrows, loops and tests.
_KEYWORDS = re.compile(
    r"\bend\s?(?:for|while|if|procedure|function|loop)\b|←|:=|\breturn\b|\bfor\b.*\bdo\b|\bwhile\b.*\bdo\b"
    r"|\bif\b.*\bthen\b|\bforeach\b",
    re.IGNORECASE,
)
# A line that is nothing but a closing keyword: a block of its own in some layouts.
CLOSING_LINE = re.compile(r"^(?:end\s?(?:for|while|if|procedure|function|loop)|else)$", re.IGNORECASE)
# Headings of an algorithm's inputs and outputs, set before its numbered lines.
IO_LINE = re.compile(
    r"^(?:Input|Inputs|Output|Outputs|Require|Ensure|Parameters|Data|Result)\s?:", re.IGNORECASE
)
_IO_INSIDE = re.compile(r"\s+(?=(?:Output|Outputs|Ensure|Result)\s?:)")


def numbered_lines(text: str) -> list[int]:
    """The algorithm line numbers in ``text``, in order."""
    return [int(m.group(1)) for m in LINE_NUMBER.finditer(text)]


def is_pseudo_code(text: str) -> bool:
    """Flattened text (GROBID's) that is an algorithm's lines: two line numbers that follow
    each other, and a keyword only pseudo-code uses."""
    numbers = numbered_lines(text)
    follows = any(b == a + 1 for a, b in itertools.pairwise(numbers))
    return (follows and _KEYWORDS.search(text) is not None) or CLOSING_LINE.match(text.strip()) is not None


def as_lines(text: str) -> str:
    """Flattened pseudo-code back on its lines: a break before each line number and each
    output heading."""
    text = LINE_NUMBER.sub(lambda m: "\n" + m.group(0) if m.start() else m.group(0), text)
    return "\n".join(line.strip() for line in _IO_INSIDE.sub("\n", text).splitlines() if line.strip())


def add_code(blocks: list[Block], block_id: str, text: str, region: Region | None = None) -> None:
    """Append code to a section's blocks, going on with the code block just before it (and
    taking in a formula set between two pieces of the same algorithm)."""
    if (
        len(blocks) >= 2
        and isinstance(blocks[-2], CodeBlock)
        and isinstance(inside := blocks[-1], FormulaBlock)
    ):
        blocks.pop()
        text = _joined(inside.formula.text, text)
    if blocks and isinstance(blocks[-1], CodeBlock):
        code = blocks[-1].code
        code.text = _joined(code.text, text)
        return
    blocks.append(CodeBlock(Code(block_id, text, region)))


def _joined(before: str, after: str) -> str:
    """Two pieces of one algorithm: on one line when the first ends on a bare line number
    ("7:") or the second closes a bracket the first opened, else line after line."""
    if after.startswith(("]", ")", ",", ".")):
        return before + after
    if LINE_NUMBER.fullmatch(before.rsplit("\n", 1)[-1].strip()):
        return f"{before} {after}"
    return f"{before}\n{after}"
