"""What the notes say about the paper itself: title, authors, year, DOI, arXiv id, code
link, a citekey — found in the parsed paper (its front matter, notes and first pages),
never in its reference list, which is full of other papers' years and DOIs."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from ..model import Document, Paragraph, Section, Segment
from ..results import Results

DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>{}]+[^\s\"<>{}.,;:)\]])")
ARXIV = re.compile(r"arXiv:\s?(\d{4}\.\d{4,5})(v\d+)?", re.IGNORECASE)
CODE = re.compile(
    r"https?://(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|huggingface\.co)/[^\s)\]>\"']+"
)
COPYRIGHT_YEAR = re.compile(
    r"(?:©|\(c\)|copyright|published|received|accepted)\D{0,20}((?:19|20)\d{2})", re.I
)
STOP = {"a", "an", "the", "on", "of", "for", "in", "to", "and", "with", "towards", "toward", "via", "from"}


def front_text(document: Document) -> str:
    """The paper's own text where its identifiers appear: title, abstract, notes, first section."""
    parts = [document.title.text if document.title else ""]
    parts += [s.text for top in document.abstract for sec in top.walk() for s in _texts(sec)]
    parts += [s.text for note in document.notes for s in note.segments]
    if document.body:
        parts += [s.text for s in _texts(document.body[0])]
    return "\n".join(parts)


def _texts(section: Section) -> list[Segment]:
    """A section's heading and paragraphs (not its subsections)."""
    found = [section.heading] if section.heading else []
    return found + [b.segment for b in section.blocks if isinstance(b, Paragraph)]


def paper_meta(
    document: Document, results: Results, source: Path | None, model: str, lang: str
) -> dict[str, Any]:
    """The YAML front matter's fields (empty ones left out by the renderer)."""
    text = front_text(document)
    everything = "\n".join(s.text for s in document.segments())
    found_arxiv = ARXIV.search(text) or ARXIV.search(everything[:20000])
    arxiv = document.arxiv or (found_arxiv.group(1) if found_arxiv else "")
    found_doi = DOI.search(text)
    doi = document.doi or (found_doi.group(1) if found_doi else "")
    code = CODE.search(everything)
    year = document.published[:4] if document.published[:4].isdigit() else _year(text, arxiv)
    authors = [a.name for a in document.authors if a.name]
    title = document.title.text if document.title else (source.stem if source else "")
    translated = (results.of(document.title).text or "") if document.title else ""
    return {
        "title": title,
        "title_translation": translated,
        "authors": authors,
        "year": year,
        "venue": document.venue,
        "doi": doi,
        "arxiv": arxiv,
        "code": code.group(0).rstrip(".,") if code else "",
        "citekey": citekey(authors, year, title),
        "tags": [k.text for k in document.keywords],
        "source": str(source) if source else "",
        "model": model,
        "lang": lang,
        "date": date.today().isoformat(),
    }


def _year(text: str, arxiv: str) -> str:
    found = COPYRIGHT_YEAR.search(text)
    if found:
        return found.group(1)
    if arxiv:
        return f"20{arxiv[:2]}"
    return ""


def citekey(authors: list[str], year: str, title: str) -> str:
    """``authorYEARword``, as Zotero's Better BibTeX makes them: the first author's family
    name, the year, the title's first word that is not a stop word, in plain ASCII."""
    family = authors[0].split()[-1] if authors else "anon"
    word = next((w for w in re.findall(r"[A-Za-z]+", title) if w.lower() not in STOP), "")
    return _ascii(family).lower() + year + _ascii(word).lower()


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", plain)
