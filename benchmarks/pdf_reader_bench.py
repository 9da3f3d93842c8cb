"""The built-in PDF reader measured against GROBID on the corpus pairs.

    python -m benchmarks.pdf_reader_bench [--corpus ../shared/corpus] [--only NAME] [--json FILE]

For every PDF with a GROBID TEI beside it (``pairs/`` and ``pdf/`` +
``tei-localgrobid/``): recall of GROBID's body-paragraph word 4-grams in the
built-in parse, heading recall (GROBID heads that cannot be headings, such as
"For" or "(A1)", left out; the "raw" column counts every head the TEI reader keeps as a
section's, which are the same now that the reader keeps such heads as paragraphs), whether the
reference list starts at the same entry, the heading tree's agreement with
GROBID's numbering ("tree": the share of GROBID's numbered sections that the
built-in tree has under the same numbered parent), the links each path finds
(citations, figure, table, equation and footnote references that point at their
target: built-in / GROBID), the share of figures and tables each path places in
the text ("placed": beside their first citation, or where printed; the others go
to a closing section), and pages per second. The last lines give the minimum of
each column over the pairs and over everything, and the links' totals.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from translator.model import Document, Paragraph, Section
from translator.parsing.pdf import read_pdf
from translator.parsing.pdf.lines import CAPTION
from translator.parsing.pdf_check import check_pdf
from translator.parsing.standing import figures_as_printed
from translator.parsing.tei_reader import CAPTION_HEAD, read_tei
from translator.render.placement import FigurePlacement

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
_WORD = re.compile(r"[^\W_]+")


@dataclass
class Row:
    name: str
    source: str  # "pairs" (official GROBID) or "localgrobid"
    pages: int
    columns: str
    seconds: float
    body_recall: float
    strict_recall: float  # segments and formulas only
    heading_recall: float
    headings: int
    raw_heading_recall: float  # every head the TEI reader keeps as a section's counted
    raw_headings: int
    references_start: bool | None
    tree: float  # share of GROBID's numbered sections under the same numbered parent
    links_builtin: int
    links_grobid: int
    placed_builtin: float  # share of figures and tables placed in the text
    placed_grobid: float


INTERNAL_LINKS = ("bibr", "figure", "table", "formula", "foot")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def ngrams(tokens: list[str], n: int = 4) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def grobid_paragraphs(doc: Document) -> list[str]:
    return [
        block.segment.text
        for top in doc.body
        for section in top.walk()
        for block in section.blocks
        if isinstance(block, Paragraph) and block.segment.kind == "paragraph"
    ]


def kept_texts(doc: Document, strict: bool = False) -> Iterator[str]:
    """The text a parse keeps: segments and formulas; unless ``strict``, also what it
    keeps untranslated (reference entries, table rows), since GROBID sometimes calls
    those body paragraphs."""
    yield from (segment.text for segment in doc.segments())
    yield from (formula.text for formula in doc.formulas())
    if not strict:
        yield from (ref.text for ref in doc.references)
        yield from (" ".join(row) for fig in doc.figures for row in fig.rows)


def body_recall(grobid: Document, builtin: Document, strict: bool = False) -> float:
    """Share of GROBID's body-paragraph word 4-grams found in the built-in parse."""
    wanted: set[tuple[str, ...]] = set()
    for text in grobid_paragraphs(grobid):
        wanted |= ngrams(words(text))
    found: set[tuple[str, ...]] = set()
    for text in kept_texts(builtin, strict):
        found |= ngrams(words(text))
    return len(wanted & found) / len(wanted) if wanted else 1.0


def _heading_words(text: str) -> list[str]:
    """A heading's words without its number ("3.2", "IV", "A")."""
    tokens = words(text)
    while tokens and (tokens[0].isdigit() or re.fullmatch(r"[ivx]+|[a-h]", tokens[0])):
        tokens = tokens[1:]
    return tokens


def is_heading_text(text: str) -> bool:
    """Whether a GROBID head can be a heading at all: it has a word of four letters or more.
    GROBID sometimes files a formula fragment, an equation label, a stray word or a bare
    number as a head ("K =", "(A1)", "For", "5.3.1"); those are not counted."""
    return re.search(r"[^\W\d_]{4,}", text) is not None


def is_figure_label(text: str) -> bool:
    """GROBID files some figure and table labels as section heads ("Figure. 3", and in
    other languages "Gráfico 1"); they are captions, not headings, in either count."""
    return bool(CAPTION_HEAD.match(text) or CAPTION.match(text))


def _contains(longer: list[str], shorter: list[str]) -> bool:
    n = len(shorter)
    return n > 0 and any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def heading_recall(grobid: Document, builtin: Document, *, every_head: bool = False) -> tuple[float, int]:
    """Share of GROBID's section heads found among the built-in reader's headings, matched
    word for word (one may hold the other: GROBID and the reader cut long heads differently).
    Unless ``every_head``, heads that cannot be headings (see is_heading_text) are left out."""
    heads = [
        _heading_words(section.heading.text)
        for top in grobid.body
        for section in top.walk()
        if section.heading is not None
        and not is_figure_label(section.heading.text)
        and (every_head or is_heading_text(section.heading.text))
    ]
    heads = [h for h in heads if h]
    ours = [
        _heading_words(section.heading.text)
        for section in builtin.all_sections()
        if section.heading is not None
    ]
    ours = [o for o in ours if o] + [["references"], ["abstract"]]
    hits = sum(1 for h in heads if any(_contains(o, h) or _contains(h, o) for o in ours))
    return (hits / len(heads) if heads else 1.0), len(heads)


def references_start(grobid: Document, builtin: Document) -> bool | None:
    if not grobid.references:
        return None
    if not builtin.references:
        return False
    first = grobid.references[0]
    ours = words(builtin.references[0].text)
    if first.authors:
        surname = words(first.authors[0])[-1:]
        if surname:
            return surname[0] in ours[:30]
    title = words(first.title)[:4]
    return bool(title) and " ".join(title) in " ".join(ours)


def numbered_parents(doc: Document) -> dict[str, str]:
    """Each numbered section's number → its nearest numbered ancestor's ("" at the top)."""
    parents: dict[str, str] = {}

    def walk(sections: list[Section], parent: str) -> None:
        for section in sections:
            number = section.number.strip(".")
            if number:
                parents.setdefault(number, parent)
            walk(section.subsections, number or parent)

    walk(doc.body + doc.annexes, "")
    return parents


def tree_agreement(grobid: Document, builtin: Document) -> float:
    """Of GROBID's numbered sections (those whose parent GROBID lost left out: "2.2" at
    the top), the share the built-in tree has under the same numbered parent."""
    wanted = {n: p for n, p in numbered_parents(grobid).items() if p or "." not in n}
    ours = numbered_parents(builtin)
    same = sum(1 for number, parent in wanted.items() if ours.get(number) == parent)
    return same / len(wanted) if wanted else 1.0


def link_kinds(doc: Document) -> Counter[str]:
    """Spans that point at their target inside the paper, by kind."""
    return Counter(
        span.kind
        for segment in doc.segments()
        for span in segment.spans
        if span.target and span.kind in INTERNAL_LINKS
    )


def links(doc: Document) -> int:
    return sum(link_kinds(doc).values())


def placed(doc: Document) -> float:
    """Share of figures and tables shown in the text, not in the closing section."""
    if not doc.figures:
        return 1.0
    placement = FigurePlacement(doc)
    for section in doc.all_sections():
        for block in section.blocks:
            if isinstance(block, Paragraph):
                placement.after(block.segment)
    return len(placement.placed) / len(doc.figures)


def pairs(corpus: Path) -> list[tuple[str, str, Path, Path]]:
    found = [
        ("pairs", p.name[:-4], p, p.with_name(p.name[:-4] + ".tei.xml"))
        for p in sorted((corpus / "pairs").glob("*.pdf"))
    ]
    for pdf in sorted((corpus / "pdf").glob("*.pdf")):
        tei = corpus / "tei-localgrobid" / (pdf.name[:-4] + ".tei.xml")
        if tei.is_file():
            found.append(("localgrobid", pdf.name[:-4], pdf, tei))
    return [f for f in found if f[3].is_file()]


def columns_of(corpus: Path) -> dict[str, str]:
    manifest = corpus / "MANIFEST.tsv"
    out: dict[str, str] = {}
    if manifest.is_file():
        for line in manifest.read_text(encoding="utf-8").splitlines()[1:]:
            cells = line.split("\t")
            if cells[0].endswith(".pdf"):
                match = re.search(r"(one|two)-column", cells[-1])
                out[Path(cells[0]).name[:-4]] = match.group(1) if match else "?"
    return out


def measure(corpus: Path, only: str | None = None) -> list[Row]:
    rows = []
    columns = columns_of(corpus)
    for source, name, pdf, tei in pairs(corpus):
        if only and only not in name:
            continue
        grobid = read_tei(tei)
        started = time.perf_counter()
        builtin = read_pdf(pdf)
        seconds = time.perf_counter() - started
        pages = check_pdf(pdf).pages
        recall = body_recall(grobid, builtin)
        heads, count = heading_recall(grobid, builtin)
        raw_heads, raw_count = heading_recall(grobid, builtin, every_head=True)
        rows.append(
            Row(
                name,
                source,
                pages,
                columns.get(name, "?"),
                seconds,
                recall,
                body_recall(grobid, builtin, strict=True),
                heads,
                count,
                raw_heads,
                raw_count,
                references_start(grobid, builtin),
                tree_agreement(grobid, builtin),
                links(builtin),
                links(grobid),
                placed(builtin),
                # As a run shows it: figures given their drawings and their places in the PDF.
                placed(figures_as_printed(grobid, pdf, gathered=True)),
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--only")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = measure(args.corpus, args.only)
    print(
        f"{'paper':44} {'src':5} {'cols':4} {'pages':>5} {'body':>6} {'strict':>6} {'heads':>9} {'raw':>9} {'refs':>5} {'tree':>5} {'links b/g':>9} {'placed b/g':>10} {'pages/s':>8}"
    )
    for r in rows:
        refs = "-" if r.references_start is None else ("yes" if r.references_start else "NO")
        print(
            f"{r.name[:44]:44} {r.source[:5]:5} {r.columns:4} {r.pages:5d} {r.body_recall:6.3f} {r.strict_recall:6.3f} "
            f"{r.heading_recall:5.2f}/{r.headings:<3d} {r.raw_heading_recall:5.2f}/{r.raw_headings:<3d} "
            f"{refs:>5} {r.tree:5.2f} {r.links_builtin:4d}/{r.links_grobid:<4d} "
            f"{r.placed_builtin:4.2f}/{r.placed_grobid:<4.2f} {r.pages / r.seconds:8.1f}"
        )
    for label, group in (("PAIRS", [r for r in rows if r.source == "pairs"]), ("ALL", rows)):
        if not group:
            continue
        pages = sum(r.pages for r in group)
        seconds = sum(r.seconds for r in group)
        print(
            f"{label:44} {'min':5} {'':4} {pages:5d} {min(r.body_recall for r in group):6.3f} "
            f"{min(r.strict_recall for r in group):6.3f} {min(r.heading_recall for r in group):5.2f}     "
            f"{min(r.raw_heading_recall for r in group):5.2f}     {'':>5} {min(r.tree for r in group):5.2f} "
            f"{sum(r.links_builtin for r in group):4d}/{sum(r.links_grobid for r in group):<4d} "
            f"{min(r.placed_builtin for r in group):4.2f}/{min(r.placed_grobid for r in group):<4.2f} "
            f"{pages / seconds:8.1f}"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
