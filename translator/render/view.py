"""Document → a view model that templates can walk without any logic of their own.

Text is escaped here, once, for each format: templates only place it.
"""

from __future__ import annotations

import base64
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from ..model import (
    Code,
    Document,
    Figure,
    Formula,
    FormulaBlock,
    Paragraph,
    Reference,
    Section,
    Segment,
)
from ..results import Results
from .inline import Piece, anchor, link_for, source_pieces, translation_pieces
from .math import html_math, inline_html_math, inline_markdown_math, markdown_math
from .placement import FigurePlacement

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")
# What would open a block at the start of a line: a heading, a quote, a list item, a rule.
# The mark is escaped; a list number's digits are not ("\2." shows its backslash: only
# punctuation can be escaped), its "." or ")" is.
_MD_BLOCK_START = re.compile(r"^(\d*)(#|>|[-+=](?=\s|$)|(?<=\d)[.)](?=\s|$))")


def md_escape(text: str) -> str:
    """Paper or model text as Markdown that shows it as it is: no emphasis, link, table
    cell or raw HTML, and on one line (a newline in an answer must not start a heading)."""
    text = " ".join(text.split()) if "\n" in text or "\r" in text else text
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _md(pieces: Iterable[Piece], known: set[str]) -> str:
    out = []
    for piece in pieces:
        if piece.math:
            out.append(f"${inline_markdown_math(piece.text)}$")
            continue
        if piece.term:
            out.append(f"**{md_escape(piece.text)}**")
            continue
        text = md_escape(piece.text)
        href = link_for(piece.span, piece.text, known) if piece.span else None
        if href and href == piece.text:
            text = f"<{md_href(href)}>"  # a web address links itself
        elif href:
            text = f"[{text}]({md_href(href)})"
        out.append(text)
    return _MD_BLOCK_START.sub(r"\1\\\2", "".join(out))


def md_href(href: str) -> str:
    """A link target that cannot end the link early: spaces, brackets and quotes encoded."""
    return urllib.parse.quote(href, safe=":/?#@!$&*+,;=%~.-_[]")


def md_fence(text: str) -> str:
    """A code fence longer than any run of backticks in ``text``, so the text cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _html(pieces: Iterable[Piece], known: set[str]) -> Markup:
    out = []
    for piece in pieces:
        if piece.math:
            out.append(inline_html_math(piece.text))
            continue
        if piece.term:
            out.append(Markup('<strong class="term" lang="en">{}</strong>').format(piece.text))
            continue
        text = escape(piece.text)
        if piece.span is not None:
            href = link_for(piece.span, piece.text, known)
            if href:
                text = Markup('<a class="{}" href="{}">{}</a>').format(piece.span.kind, href, text)
            else:
                text = Markup('<span class="{}">{}</span>').format(piece.span.kind, text)
        out.append(text)
    return Markup("").join(out)


@dataclass
class SegView:
    id: str
    kind: str
    status: str
    error: str | None
    src_md: str
    tr_md: str | None
    src_html: Markup
    tr_html: Markup | None
    src_text: str
    tr_text: str | None


@dataclass
class CellView:
    text: str
    seg: SegView | None = None  # set when the cell was translated (--translate-tables)


@dataclass
class FigureView:
    id: str
    kind: str
    label: str
    caption: SegView | None
    notes: list[SegView]
    rows: list[list[CellView]]
    name: str
    image: str = ""  # relative path, for Markdown
    image_uri: DataUri | str = ""  # data: URI, for the self-contained HTML


@dataclass
class BlockView:
    kind: str  # "paragraph" | "formula" | "figure" | "code"
    seg: SegView | None = None
    formula: Formula | None = None
    figure: FigureView | None = None
    code: Code | None = None
    image: str = ""  # a formula's PNG, relative to the outputs
    image_uri: DataUri | str = ""
    latex: str = ""  # a display formula's checked LaTeX
    latex_error: str = ""  # why a formula that was asked for has none
    mathml: Markup = field(default_factory=Markup)  # … and its MathML, for the HTML


@dataclass
class SectionView:
    id: str
    number: str
    depth: int
    heading: SegView | None
    blocks: list[BlockView] = field(default_factory=list)
    subsections: list[SectionView] = field(default_factory=list)


@dataclass
class NoteView:
    id: str
    n: str
    segments: list[SegView]


@dataclass
class DocView:
    lang: str
    # The paper's own language where known (GROBID's xml:lang), else "": the original text is
    # not set with the translation's fonts (a Chinese font's full-width "’" in English words).
    source_lang: str
    mono: bool
    title: SegView | None
    authors: list[Any]
    keywords: list[SegView]
    parts: list[tuple[str, list[SectionView]]]
    notes: list[NoteView]
    references: list[Reference]
    report: dict[str, Any]
    toc: list[tuple[int, str, str]]


class DataUri:
    """A PNG beside the outputs, as a data: URI made only when the HTML is written: a long
    paper's 800 images, encoded all at once, were most of the run's peak of memory. False
    when there is no such image."""

    def __init__(self, path: Path | None) -> None:
        self.path = path if path is not None and path.is_file() else None

    def __bool__(self) -> bool:
        return self.path is not None

    def __str__(self) -> str:
        if self.path is None:
            return ""
        return "data:image/png;base64," + base64.b64encode(self.path.read_bytes()).decode("ascii")

    def __html__(self) -> str:  # base64 needs no escaping
        return str(self)


def data_uri(base_dir: Path | None, relative: str) -> DataUri:
    """A PNG beside the outputs as a data: URI; false when there is none."""
    return DataUri(base_dir / relative if base_dir is not None and relative else None)


def build_view(
    doc: Document,
    results: Results,
    lang: str,
    mono: bool,
    report: dict[str, Any],
    base_dir: Path | None = None,
) -> DocView:
    known = {anchor("bibr", r.id) for r in doc.references}
    known |= {anchor("figure", f.id) for f in doc.figures}
    known |= {anchor("formula", f.id) for f in doc.formulas()}
    known |= {anchor("foot", n.id) for n in doc.notes}

    def seg(s: Segment) -> SegView:
        outcome = results.of(s)
        tr = list(translation_pieces(s, outcome, results.inline_math)) if outcome.text is not None else None
        src = list(source_pieces(s))
        return SegView(
            id=s.id,
            kind=s.kind,
            status=outcome.status,
            error=outcome.error,
            src_md=_md(src, known),
            tr_md=_md(tr, known) if tr is not None else None,
            src_html=_html(src, known),
            tr_html=_html(tr, known) if tr is not None else None,
            src_text=s.text,
            tr_text=outcome.text,
        )

    def fig(f: Figure) -> FigureView:
        name = f.head or (("Table " if f.kind == "table" else "Figure ") + f.label).strip()
        cells = {(cell.row, cell.column): seg(cell.segment) for cell in f.cells}
        # Every row as wide as the widest: a Markdown reader drops the cells beyond the header's.
        width = max((len(row) for row in f.rows), default=0)
        return FigureView(
            id=anchor(f.kind, f.id),
            kind=f.kind,
            label=f.label,
            caption=seg(f.caption) if f.caption else None,
            notes=[seg(n) for n in f.notes],
            rows=[
                [CellView(text, cells.get((r, c))) for c, text in enumerate(row)]
                + [CellView("") for _ in range(width - len(row))]
                for r, row in enumerate(f.rows)
            ],
            name=name,
            image=results.image(f.id),
            image_uri=data_uri(base_dir, results.image(f.id)),
        )

    figures = {f.id: f for f in doc.figures}
    placement = FigurePlacement(doc)
    toc: list[tuple[int, str, str]] = []

    def section(s: Section, depth: int) -> SectionView:
        view = SectionView(
            id=s.id, number=s.number, depth=depth, heading=seg(s.heading) if s.heading else None
        )
        if s.heading:
            label = f"{s.number} {results.of(s.heading).text or s.heading.text}".strip()
            toc.append((depth, s.id, label))
        for block in s.blocks:
            if isinstance(block, Paragraph):
                view.blocks.append(BlockView("paragraph", seg=seg(block.segment)))
                for figure_id in placement.after(block.segment):
                    view.blocks.append(BlockView("figure", figure=fig(figures[figure_id])))
            elif isinstance(block, FormulaBlock):
                view.blocks.append(_formula_view(block.formula, results, base_dir))
            else:
                view.blocks.append(BlockView("code", code=block.code))
        view.subsections = [section(sub, depth + 1) for sub in s.subsections]
        return view

    def part(sections: list[Section]) -> list[SectionView]:
        return [section(s, 1) for s in sections]

    parts: list[tuple[str, list[SectionView]]] = [("abstract", part(doc.abstract)), ("body", part(doc.body))]
    # The back matter is laid out before the closing figures section is filled: a figure
    # first cited in an appendix goes there, and only there.
    back = [("acknowledgements", part(doc.acknowledgements)), ("annexes", part(doc.annexes))]
    rest = [f for f in doc.figures if f.id not in placement.placed]
    if rest:
        holder = SectionView(id="figures", number="", depth=1, heading=None)
        holder.blocks = [BlockView("figure", figure=fig(f)) for f in rest]
        parts.append(("figures", [holder]))
    parts += back
    return DocView(
        lang=lang,
        source_lang=doc.source_lang,
        mono=mono,
        title=seg(doc.title) if doc.title else None,
        authors=doc.authors,
        keywords=[seg(k) for k in doc.keywords],
        parts=parts,
        notes=[NoteView(anchor("foot", n.id), n.n, [seg(s) for s in n.segments]) for n in doc.notes],
        references=doc.references,
        report=report,
        toc=toc,
    )


def ref_anchor(ref: Reference) -> str:
    return anchor("bibr", ref.id)


_OWN_NUMBER = re.compile(r"^\s*(\[\d{1,3}\]|\d{1,3}\.)\s")


def ref_numbered(ref: Reference) -> bool:
    """Whether the entry's text starts with its own number ("[7] …", "7. …"): the list
    does not number it a second time."""
    return _OWN_NUMBER.match(ref.text) is not None


def _formula_view(formula: Formula, results: Results, base_dir: Path | None) -> BlockView:
    """A display formula: its LaTeX and MathML when it has checked LaTeX, its crop always."""
    image = results.image(formula.id)
    latex = results.latex.get(formula.id, "")
    try:
        mathml = html_math(latex) if latex else Markup("")
    except ValueError:  # cannot happen for checked LaTeX; the image and text stand in
        latex, mathml = "", Markup("")
    return BlockView(
        "formula",
        formula=formula,
        image=image,
        image_uri=data_uri(base_dir, image),
        latex=latex,
        mathml=mathml,
        latex_error="" if latex else results.formula_errors.get(formula.id, ""),
    )


def md_url(path: str) -> str:
    """A relative link that Markdown readers follow even when the paper's name has
    spaces, brackets or CJK characters: percent-encoded, folders kept."""
    return urllib.parse.quote(path, safe="/")


FILTERS: dict[str, Callable[..., Any]] = {
    "md_escape": md_escape,
    "ref_anchor": ref_anchor,
    "ref_numbered": ref_numbered,
    "md_url": md_url,
    "md_fence": md_fence,
    "md_math": markdown_math,
    "anchor": anchor,
}
