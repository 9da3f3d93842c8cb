"""The links pass: what the built-in reader's citations and mentions point to.

GROBID tells which reference a citation is and which figure "Fig. 3" names; the
built-in reader finds the same from the text once the paper is assembled: a numeric
citation names the entry with that number, an author–year citation the entry that
starts with that name and holds that year, "Figure 3" / "Table II" / "Eq. (4)" the
figure, table or formula with that label. A mention with no such target stays plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...model import Document, Figure, Reference, Segment, Span, SpanKind
from .citations import AUTHOR_NAME, work_places

_FIRST_NUMBER = re.compile(r"\d+")
# One work of a numeric citation group: "[7]", "[1,", "4–6]" (a range names its first entry).
_NUMERIC_PIECE = re.compile(r"[\[(]?\s*\d+(?:\s*[–-]\s*\d+)?\s*[,\])]?")
# "(14, 28)", "(6–8)": how journals that number their references in order of citation
# (ASM, ACS, …) cite, when the paper has no "[n]" citations; "Eqs. (1) and (2)" are equations.
_PARENTHESISED = re.compile(
    r"(?<!Eq)(?<!Eqs)(?<!Eq\.)(?<!Eqs\.)(?<!Equation)(?<!Equations)(?<!and)(?<!or)(?<!to)"
    r"(?<=[\w)\].,;:’'\"%]) ?(?P<group>\((?P<numbers>\d{1,3}(?:\s*[,–-]\s*\d{1,3})*)\))"
)
_FIGURE_MENTION = re.compile(
    r"\b(?P<word>Fig(?:ure)?s?\.?|Tab(?:le)?s?\.?)\s?(?P<label>[A-Z]?\d+[a-z]?|(?-i:[IVXL]+))\b",
    re.IGNORECASE,
)
_EQUATION_MENTION = re.compile(
    r"\b(?:Eq(?:uation)?s?\.?|Formula)\s?(?P<label>\(\s*[A-Z]?\d+(?:\.\d+)?[a-z]?\s*\))"
)
_LABEL = re.compile(r"[A-Z]?\d+[a-z]?\b|\b[IVXL]+\b")
_OWN_NUMBER = re.compile(r"^\s*\[?(\d{1,3})[\].]")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)[a-z]?\b")
# How far into an entry its first author's name may stand ("[12] J. Smith" or "Smith, J.").
_NAME_REACH = 40


class _Targets:
    """The paper's link targets, looked up by what the text prints."""

    def __init__(self, doc: Document) -> None:
        self.by_number = _numbered(doc.references)
        self.references = doc.references
        self.figures = {(_kind(f), _label_key(_label(f))): f.id for f in doc.figures if _label(f)}
        self.formulas = {_label_key(f.label): f.id for f in doc.formulas() if f.label}
        self._by_name: dict[tuple[str, str], str | None] = {}  # (name, year) → its entry

    def citation(self, text: str) -> str | None:
        """The reference a citation span names: by its first number, else by name and year."""
        if _NUMERIC_PIECE.fullmatch(text.strip()):
            number = _FIRST_NUMBER.search(text)
            return self.by_number.get(int(number.group())) if number else None
        name, year = AUTHOR_NAME.search(text), _YEAR.search(text)
        if name is None or year is None:
            return None
        key = (name.group(), year.group())
        if key not in self._by_name:
            self._by_name[key] = self._named(*key)
        return self._by_name[key]

    def _named(self, name: str, year: str) -> str | None:
        """The first entry that starts with ``name`` and holds ``year``. Only entries holding
        the name near their start are searched with the pattern: every citation searched every
        entry (citations × entries grow together: 1.7 CPU-s of a 300-page paper's reading)."""
        pattern = re.compile(rf"\b{re.escape(name)}\b")
        reach = _NAME_REACH + len(name)  # a match starting within _NAME_REACH ends before this
        for ref in self.references:
            if ref.text.find(name, 0, reach) < 0:
                continue
            found = pattern.search(ref.text)
            if found is not None and found.start() <= _NAME_REACH and year in ref.text:
                return ref.id
        return None


def _numbered(references: list[Reference]) -> dict[int, str]:
    """Each entry by the number it prints ("[7] …", "7. …"), else by its place in the list."""
    numbers: dict[int, str] = {}
    for place, ref in enumerate(references, start=1):
        own = _OWN_NUMBER.match(ref.text)
        numbers.setdefault(int(own.group(1)) if own else place, ref.id)
    return numbers


def _label(figure: Figure) -> str:
    """The figure's label, else the number its head prints ("Fig. 3 ." → "3")."""
    if figure.label:
        return figure.label
    found = _FIGURE_MENTION.match(figure.head.strip())
    return found.group("label") if found else ""


def _kind(figure: Figure) -> SpanKind:
    return "table" if figure.kind == "table" else "figure"


def _label_key(label: str) -> str:
    return re.sub(r"[\s().]", "", label).upper()


def link_mentions(doc: Document) -> None:
    """Point the citations at their references, and turn figure, table and equation
    mentions into spans pointing at them. Called once, while the document is assembled."""
    targets = _Targets(doc)
    parenthesised = _cites_in_parentheses(doc, targets)
    for segment in _linkable(doc):
        spans = [_with_target(segment.text, span, targets) for span in segment.spans]
        if parenthesised:
            spans += _parenthesised_citations(segment.text, spans, targets)
        spans += _mentions(segment.text, spans, targets)
        segment.spans = sorted(spans, key=lambda s: s.start)


def _linkable(doc: Document) -> Iterator[Segment]:
    for segment in doc.segments():
        if segment.kind in ("abstract", "paragraph", "caption", "footnote", "item"):
            yield segment


def _with_target(text: str, span: Span, targets: _Targets) -> Span:
    """A citation or figure reference without a target (GROBID leaves some unresolved)
    pointed at what its text names."""
    if span.target is not None:
        return span
    shown = text[span.start : span.end]
    if span.kind == "bibr":
        return Span(span.start, span.end, "bibr", targets.citation(shown))
    if span.kind in ("figure", "table"):
        label = _LABEL.search(shown)
        target = targets.figures.get((span.kind, _label_key(label.group()))) if label else None
        return Span(span.start, span.end, span.kind, target)
    return span


def _mentions(text: str, spans: list[Span], targets: _Targets) -> Iterator[Span]:
    """Figure, table and equation mentions that name a target, outside the existing spans."""
    taken = [(s.start, s.end) for s in spans]
    for match in _FIGURE_MENTION.finditer(text):
        kind: SpanKind = "table" if match.group("word")[0] in "Tt" else "figure"
        target = targets.figures.get((kind, _label_key(match.group("label"))))
        if target is not None and _free(match, taken):
            taken.append((match.start(), match.end()))
            yield Span(match.start(), match.end(), kind, target)
    for match in _EQUATION_MENTION.finditer(text):
        target = targets.formulas.get(_label_key(match.group("label")))
        if target is not None and _free(match, taken):
            taken.append((match.start(), match.end()))
            yield Span(match.start(), match.end(), "formula", target)


def _cites_in_parentheses(doc: Document, targets: _Targets) -> bool:
    """Whether the paper cites its numbered references as "(14, 28)": no "[n]" citation,
    entries that print their numbers, and parenthesised numbers naming many of them (a
    list's "(1) … (3)" or equation numbers name a few)."""
    if len(targets.by_number) < 5 or any(
        span.kind == "bibr" and segment.text[span.start : span.start + 1] == "["
        for segment in _linkable(doc)
        for span in segment.spans
    ):
        return False
    if sum(1 for ref in doc.references if _OWN_NUMBER.match(ref.text)) < 0.8 * len(doc.references):
        return False
    named = {
        int(number)
        for segment in _linkable(doc)
        for match in _PARENTHESISED.finditer(segment.text)
        for number in _FIRST_NUMBER.findall(match.group("numbers"))
    }
    return len(named & targets.by_number.keys()) >= max(5, 0.3 * len(targets.by_number))


def _parenthesised_citations(text: str, spans: list[Span], targets: _Targets) -> Iterator[Span]:
    """The "(14, 28)" citations of a paper that cites so, a span per work, outside the existing spans."""
    taken = [(s.start, s.end) for s in spans]
    for match in _PARENTHESISED.finditer(text):
        numbers = [int(n) for n in _FIRST_NUMBER.findall(match.group("numbers"))]
        if _free(match, taken) and all(n in targets.by_number for n in numbers):
            for begin, end in work_places(text, match.start("group"), match.end(), ","):
                yield Span(begin, end, "bibr", targets.citation(text[begin:end]))


def _free(match: re.Match[str], taken: list[tuple[int, int]]) -> bool:
    return all(match.end() <= start or end <= match.start() for start, end in taken)
