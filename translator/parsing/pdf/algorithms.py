"""The code pass: blocks that are code or pseudo-code, kept verbatim as one code block.

An algorithm's numbered lines ("4: for i ∈ S do", "8: end for") are often several blocks
(a line set in a math font is a block of its own), and a closing "end for" can stand
alone; a listing is set in a typewriter face. A run of such blocks on one page becomes one
code block, with the input and output lines set just before its first numbered line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..code import CLOSING_LINE, IO_LINE
from .geometry import Line
from .layout import Block, Layout

_NUMBERED = re.compile(r"^\d{1,3}:(?:\s|$)")
_BARE_NUMBER = re.compile(r"^(\d{1,3}:)\n", re.MULTILINE)
_OPENING = re.compile(r"^(?:for|foreach|while|repeat|if|loop)\b.*\b(?:do|then)$", re.IGNORECASE)
_OUTPUT = re.compile(r"\b(?:Output|Outputs|Ensure)\s?:")
_TYPEWRITER = re.compile(
    r"courier|mono|cmtt|sftt|lmtt|txtt|pxtt|inconsolata|consol|menlo|lucidaconsole|sourcecode|firacode",
    re.IGNORECASE,
)
_SYNTAX = re.compile(
    r"[=;{}\[\]]|\(\)|^\s*(?:def|class|import|return|print|#include|function|var|let|const)\b"
    r"|^\s*(?:for|if|while|else|elif|try|except)\b.*[:{(]\s*$"
)
_ADDRESS = re.compile(r"@\w|https?://|www\.")
# An algorithm has at least this many numbered lines; fewer ("1: …" in a list) is prose.
MIN_NUMBERED = 3


@dataclass(frozen=True)
class CodeRuns:
    """The code found: each run's first block index → the run's block indexes, and for a
    first block whose opening lines are not code (an algorithm's title above its inputs),
    how many of its lines stay text."""

    runs: dict[int, list[int]] = field(default_factory=dict)
    text_lines: dict[int, int] = field(default_factory=dict)

    @property
    def taken(self) -> frozenset[int]:
        """Blocks a run took other than its first (the first stands for the run)."""
        return frozenset(j for members in self.runs.values() for j in members[1:])


def _typewriter(line: Line) -> bool:
    return bool(_TYPEWRITER.search(line.font))


def _code_like(block: Block) -> bool:
    """A block that is code on its own, or a piece of an algorithm or a listing."""
    texts = [ln.text.strip() for ln in block.lines]
    if _NUMBERED.match(texts[0]) or all(CLOSING_LINE.match(t) for t in texts):
        return True
    if all(_typewriter(ln) for ln in block.lines):
        return not any(_ADDRESS.search(t) for t in texts)
    return any(_OPENING.match(t) for t in texts) and any(CLOSING_LINE.match(t) for t in texts)


def _looks_like_code(texts: list[str]) -> bool:
    """Typewriter lines that read as a program (brackets, assignments, keywords), not as
    a prompt or a message quoted in a typewriter face."""
    return len(texts) >= 2 and sum(1 for t in texts if _SYNTAX.search(t)) * 2 > len(texts)


def _enough(blocks: list[Block]) -> bool:
    """Whether a run is code: enough numbered lines, a listing that reads as a program, or
    only closing keywords and loop lines (never sent for translation on their own)."""
    lines = [ln for block in blocks for ln in block.lines]
    numbered = sum(1 for ln in lines if _NUMBERED.match(ln.text.strip()))
    if numbered:
        return numbered >= MIN_NUMBERED
    if all(_typewriter(ln) for ln in lines):
        return _looks_like_code([ln.text.strip() for ln in lines])
    return True


def find_code_pass(layout: Layout) -> CodeRuns:
    """Runs of code-like blocks on one page (a formula between two of them belongs to the
    run), with the input and output lines just before them."""
    blocks = layout.blocks
    found = CodeRuns()
    index = 0
    while index < len(blocks):
        if not _code_like(blocks[index]):
            index += 1
            continue
        members = [index]
        nxt = index + 1
        while nxt < len(blocks) and blocks[nxt].page == blocks[index].page:
            # A formula or a wrapped line set between two pieces of the algorithm belongs to it.
            wrapped = len(blocks[nxt].lines) == 1 and _NUMBERED.match(blocks[members[-1]].lines[0].text)
            short = blocks[nxt].math or wrapped
            between = short and nxt + 1 < len(blocks) and _code_like(blocks[nxt + 1])
            if not (between or _code_like(blocks[nxt])):
                break
            members.append(nxt)
            nxt += 1
        if _enough([blocks[j] for j in members]):
            members = _inputs_before(blocks, members, found) + members
            found.runs[members[0]] = members
        index = nxt
    return found


def _inputs_before(blocks: list[Block], members: list[int], found: CodeRuns) -> list[int]:
    """The blocks just before a numbered run that give its inputs and outputs (at most two);
    the last lines of a block that opens with the algorithm's title count too."""
    first = blocks[members[0]]
    if not _NUMBERED.match(first.lines[0].text.strip()):
        return []
    taken: list[int] = []
    j = members[0] - 1
    while j >= 0 and len(taken) < 2 and blocks[j].page == first.page:
        texts = [ln.text.strip() for ln in blocks[j].lines]
        io = [k for k, t in enumerate(texts) if IO_LINE.match(t) or _OUTPUT.search(t)]
        if not io:
            break
        taken.insert(0, j)
        before = blocks[j - 1].text.strip() if j > 0 else ""
        if io[0] > 0 and not IO_LINE.match(before):  # the title above the inputs stays text
            found.text_lines[j] = io[0]
            break
        j -= 1
    return taken


def code_text(blocks: list[Block], skip: int = 0) -> str:
    """A run's lines as printed, one per line (the first ``skip`` lines of its first block
    left out); a listing keeps its indentation."""
    lines = [ln for block in blocks for ln in block.lines][skip:]
    if not all(_typewriter(ln) for ln in lines):
        # A bare line number ("7:") goes on the line with what follows it.
        return _BARE_NUMBER.sub(r"\1 ", "\n".join(ln.text.strip() for ln in lines))
    left = min(ln.x0 for ln in lines)
    # A typewriter face is about 0.6 em wide per character.
    return "\n".join(" " * round((ln.x0 - left) / (0.6 * ln.size)) + ln.text.strip() for ln in lines)
