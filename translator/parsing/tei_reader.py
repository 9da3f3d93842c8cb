"""GROBID TEI XML → :class:`~translator.model.Document`.

Reads what GROBID 0.5.5 to 0.8.x write for ``processFulltextDocument``.  Inline
references become protected spans of their segment; display formulas, table
cells and the reference list are kept verbatim and never become segments.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from ..errors import BadInputError
from ..model import (
    Author,
    Document,
    Figure,
    Formula,
    FormulaBlock,
    Note,
    Paragraph,
    Reference,
    Section,
    Segment,
    SegmentKind,
)
from .assembly import SectionTree, SegmentIds, with_urls
from .code import add_code, as_lines, is_pseudo_code
from .math_encoding import mend_formula
from .pdf.links import link_mentions
from .tei_references import person_name, reference
from .tei_text import XML_NS, TextBuilder, all_text, clean, find, flatten, local, parse_coords, xml_id

_NUMBER_BAR = re.compile(r"^\|\s+")
_LONG_WORD = re.compile(r"[^\W\d_]{4,}")


# GROBID 0.5.5 sometimes tags figure/table captions as section heads.
CAPTION_HEAD = re.compile(r"^(fig(ure)?|table|tab)\.?\s*[0-9ivx]+\b", re.IGNORECASE)
_BACK_TEXT_TYPES = {"acknowledgement", "funding", "availability", "conflict", "contribution"}


def misplaced_head(text: str) -> SegmentKind | None:
    """What a GROBID div head that names no section is kept as: a caption GROBID 0.5.5
    tagged as a heading ("caption"), or a stray piece ("paragraph": no word of four
    letters, or a figure's label alone: "(A1)", "For", "Figure. 3"); None for a heading."""
    if not text:
        return None
    if CAPTION_HEAD.match(text) and len(text) > 40:
        return "caption"
    if _LONG_WORD.search(text) is None or CAPTION_HEAD.fullmatch(text.strip(" .:(")):
        return "paragraph"
    return None


class _Reader:
    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.ids = SegmentIds()

    # -- helpers -------------------------------------------------------------
    def segment(
        self, el: etree._Element | None, kind: SegmentKind, section: str = "", text: str | None = None
    ) -> Segment | None:
        if text is None:
            if el is None:
                return None
            builder = TextBuilder()
            flatten(el, builder, skip=("label", "note", "figure", "table"))
            text, spans = builder.build()
        else:
            text, spans = clean(text), []
            spans = with_urls(text, spans)
        if not text:
            return None
        return self.ids.segment(kind, text, spans, section)

    def new_section(self, heading: Segment | None, number: str) -> Section:
        return self.ids.section(heading, number)

    def x(self, path: str, el: etree._Element | None = None) -> list[etree._Element]:
        return find(self.root if el is None else el, path)

    # -- header --------------------------------------------------------------
    def title(self) -> Segment | None:
        for path in (
            "t:teiHeader/t:fileDesc/t:titleStmt/t:title[@type='main']",
            "t:teiHeader/t:fileDesc/t:titleStmt/t:title",
            "t:teiHeader/t:fileDesc/t:sourceDesc/t:biblStruct/t:analytic/t:title",
        ):
            for el in self.x(path):
                seg = self.segment(el, "title")
                if seg is not None:
                    return seg
        return None

    def identifiers(self) -> tuple[str, str, str, str]:
        """Publication date, venue, DOI and arXiv id from the header's own bibliographic entry."""
        bibl = "t:teiHeader/t:fileDesc/t:sourceDesc/t:biblStruct"
        dates = self.x(f"{bibl}/t:monogr/t:imprint/t:date[@type='published']") or self.x(
            "t:teiHeader/t:fileDesc/t:publicationStmt/t:date[@type='published']"
        )
        venues = self.x(f"{bibl}/t:monogr/t:title[@level='j']")
        dois = self.x(f"{bibl}/t:idno[@type='DOI']")
        arxivs = self.x(f"{bibl}/t:idno[@type='arXiv']")
        arxiv = re.search(r"\d{4}\.\d{4,5}", all_text(arxivs[0])) if arxivs else None
        return (
            dates[0].get("when", "") or all_text(dates[0]) if dates else "",
            all_text(venues[0]) if venues else "",
            all_text(dois[0]) if dois else "",
            arxiv.group(0) if arxiv else "",
        )

    def authors(self) -> list[Author]:
        authors: list[Author] = []
        for el in self.x("t:teiHeader/t:fileDesc/t:sourceDesc/t:biblStruct/t:analytic/t:author"):
            pers = self.x("t:persName", el)
            if not pers:
                continue
            name = person_name(pers[0])
            affs = []
            for aff in self.x("t:affiliation", el):
                orgs = [all_text(o) for o in self.x("t:orgName", aff)]
                place = [all_text(a) for a in self.x("t:address/*", aff)]
                text = ", ".join(p for p in orgs + place if p)
                if text and text not in affs:
                    affs.append(text)
            emails = self.x("t:email", el)
            authors.append(Author(name, affs, all_text(emails[0]) if emails else ""))
        return authors

    def abstract(self) -> list[Section]:
        sections: list[Section] = []
        for abstract in self.x("t:teiHeader/t:profileDesc/t:abstract"):
            divs = self.x("t:div", abstract)
            containers = divs or [abstract]
            for div in containers:
                heads = self.x("t:head", div)
                heading = self.segment(heads[0], "heading") if heads else None
                sec = self.new_section(heading, "")
                context = heading.text if heading else "Abstract"
                for p in self.x("t:p", div):
                    seg = self.segment(p, "abstract", context)
                    if seg is not None:
                        sec.blocks.append(Paragraph(seg))
                if sec.blocks or sec.heading:
                    sections.append(sec)
        return sections

    def keywords(self) -> list[Segment]:
        out: list[Segment] = []
        for kw in self.x("t:teiHeader/t:profileDesc/t:textClass/t:keywords"):
            terms = self.x("t:term", kw)
            if terms:
                segs = [self.segment(t, "keyword", "Keywords") for t in terms]
            else:
                # Older GROBID puts all keywords in one text node.
                segs = [self.segment(kw, "keyword", "Keywords")]
            out.extend(s for s in segs if s is not None)
        return out

    # -- body ----------------------------------------------------------------
    def divs_to_sections(self, divs: list[etree._Element]) -> list[Section]:
        tree = SectionTree()
        for div in divs:
            heads = self.x("t:head", div)
            head_el = heads[0] if heads else None
            number = (head_el.get("n") or "").strip().rstrip(".") if head_el is not None else ""
            head_text = all_text(head_el) if head_el is not None else ""
            kept_as = misplaced_head(head_text)
            if head_el is None or not head_text or kept_as is not None:
                self.continue_section(tree, div, head_el, kept_as)
                continue
            # "3 | METHODS" (Wiley): GROBID takes the number and leaves the bar in the title.
            bare = _NUMBER_BAR.sub("", head_text) if number else head_text
            heading = self.segment(head_el, "heading", head_text, bare if bare != head_text else None)
            sec = self.new_section(heading, number)
            tree.add(sec)
            self.fill(div, sec, head_text)
        return tree.top

    def continue_section(
        self, tree: SectionTree, div: etree._Element, head: etree._Element | None, kind: SegmentKind | None
    ) -> None:
        """A div that goes on with the section before it (GROBID breaks sections at figures
        and pages), its head, if any, kept as a ``kind`` segment: a caption mis-tagged as a
        heading, or a stray piece (an equation's "(A1)", a sentence's first word "For", a
        figure's "Figure. 3") that cannot name a section."""
        target = tree.current() or tree.open_untitled(self.ids)
        context = target.heading.text if target.heading else ""
        if kind is not None and head is not None:
            seg = self.segment(head, kind, context)
            if seg is not None:
                target.blocks.append(Paragraph(seg))
        self.fill(div, target, context)

    def fill(self, div: etree._Element, sec: Section, context: str) -> None:
        for child in div:
            name = local(child)
            if name == "p" and is_pseudo_code(text := all_text(child)):
                add_code(sec.blocks, self.ids.next_id("code"), as_lines(text))
            elif name == "p":
                seg = self.segment(child, "paragraph", context)
                if seg is not None:
                    sec.blocks.append(Paragraph(seg))
            elif name == "formula":
                sec.blocks.append(FormulaBlock(self.formula(child)))
            elif name == "list":
                for item in self.x("t:item", child):
                    seg = self.segment(item, "item", context)
                    if seg is not None:
                        sec.blocks.append(Paragraph(seg))
            elif name == "div":
                sec.subsections.extend(self.divs_to_sections([child]))

    def formula(self, el: etree._Element) -> Formula:
        labels = self.x("t:label", el)
        label = mend_formula(all_text(labels[0])) if labels else ""
        builder = TextBuilder()
        flatten(el, builder, skip=("label",))
        text = mend_formula(builder.build()[0])
        n = self.ids.counters.get("formula", 0)
        self.ids.counters["formula"] = n + 1
        return Formula(
            id=xml_id(el) or f"formula_{n}",
            text=text,
            label=label,
            region=parse_coords(el.get("coords") or ""),
        )

    def figures(self) -> list[Figure]:
        figures: list[Figure] = []
        for el in self.x("t:text//t:figure"):
            kind = "table" if el.get("type") == "table" else "figure"
            heads = self.x("t:head", el)
            labels = self.x("t:label", el)
            descs = self.x("t:figDesc", el)
            caption = self.segment(descs[0], "caption", "Figures and tables") if descs else None
            notes = [
                self.segment(p, "caption", "Figures and tables")
                for note in self.x("t:note", el)
                for p in (self.x("t:p", note) or [note])
            ]
            rows = [_spread(self.x("t:cell", r)) for r in self.x("t:table/t:row", el)]
            figures.append(
                Figure(
                    id=xml_id(el) or f"fig_{len(figures)}",
                    kind=kind,  # type: ignore[arg-type]
                    label=all_text(labels[0]) if labels else "",
                    head=all_text(heads[0]) if heads else "",
                    caption=caption,
                    notes=[n for n in notes if n is not None],
                    rows=rows,
                    region=parse_coords(el.get("coords") or ""),
                )
            )
        return figures

    def notes(self) -> list[Note]:
        notes: list[Note] = []
        for el in self.x("t:text//t:note[@place='foot'][not(ancestor::t:figure)]"):
            paras = self.x("t:p", el) or [el]
            segs = [self.segment(p, "footnote", "Footnotes") for p in paras]
            notes.append(
                Note(
                    id=xml_id(el) or f"foot_{len(notes)}",
                    n=el.get("n") or "",
                    segments=[s for s in segs if s is not None],
                )
            )
        return notes

    def back(self) -> tuple[list[Section], list[Section]]:
        acks: list[Section] = []
        annexes: list[Section] = []
        for div in self.x("t:text/t:back/t:div"):
            kind = div.get("type") or ""
            if kind == "references":
                continue
            inner = self.x("t:div", div)
            target = annexes if kind == "annex" else acks
            if kind in _BACK_TEXT_TYPES or kind == "annex" or not kind:
                sections = self.divs_to_sections(inner) if inner else []
                if not inner or self.x("t:p|t:formula", div):
                    holder = self.divs_to_sections([div])
                    sections = holder + sections
                target.extend(sections)
        return acks, annexes

    def references(self) -> list[Reference]:
        refs: list[Reference] = []
        for el in self.x("t:text/t:back//t:listBibl/t:biblStruct"):
            refs.append(reference(el, len(refs)))
        return refs


def read_tei(source: str | bytes | Path) -> Document:
    """Parse GROBID TEI (a path, or the XML itself as bytes/str) into a Document.

    Raises :class:`BadInputError` when the XML is malformed or holds no text.
    """
    try:
        if isinstance(source, Path):
            data = source.read_bytes()
        elif isinstance(source, str):
            data = source.encode("utf-8")
        else:
            data = source
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        root = etree.fromstring(data, parser)
    except (OSError, etree.XMLSyntaxError) as exc:
        where = f"{source}" if isinstance(source, Path) else "the TEI"
        raise BadInputError(
            f"cannot read {where} as TEI XML ({exc}); pass a file written by GROBID's "
            "processFulltextDocument, or the PDF itself"
        ) from exc
    if local(root) != "TEI":
        raise BadInputError("the XML is not GROBID TEI (its root element is not <TEI>)")
    reader = _Reader(root)
    doc = Document()
    doc.title = reader.title()
    doc.authors = reader.authors()
    doc.keywords = reader.keywords()
    doc.abstract = reader.abstract()
    body_divs = reader.x("t:text/t:body/t:div")
    doc.body = reader.divs_to_sections(body_divs)
    doc.figures = reader.figures()
    doc.notes = reader.notes()
    doc.acknowledgements, doc.annexes = reader.back()
    doc.references = reader.references()
    doc.published, doc.venue, doc.doi, doc.arxiv = reader.identifiers()
    apps = reader.x("t:teiHeader/t:encodingDesc/t:appInfo/t:application[@ident='GROBID']")
    doc.grobid_version = apps[0].get("version", "") if apps else ""
    doc.source_lang = root.get(f"{{{XML_NS}}}lang") or ""
    if not any(True for _ in doc.segments()):
        raise BadInputError(
            "the TEI holds no text to translate (GROBID found no title, abstract or body); "
            "check that the PDF has a text layer"
        )
    link_mentions(doc)  # what GROBID left unresolved ("Fig. 3" as plain text, a ref without target)
    return doc


def _spread(cells: list[etree._Element]) -> list[str]:
    """A row's cells, a cell merged over ``cols`` columns followed by empty ones, so that
    the values after it stay under their columns."""
    row: list[str] = []
    for cell in cells:
        span = int(cell.get("cols") or 1) if (cell.get("cols") or "1").isdigit() else 1
        row += [all_text(cell)] + [""] * (min(span, 50) - 1)
    return row
