"""A TEI ``biblStruct`` into a :class:`~translator.model.Reference`: never translated,
rebuilt from its parts when GROBID kept no raw text."""

from __future__ import annotations

from lxml import etree

from ..model import Reference
from .identifiers import arxiv_in, mend_breaks
from .tei_text import all_text, find, local, xml_id


def person_name(pers: etree._Element) -> str:
    names = [all_text(p) for p in pers if local(p) in ("forename", "surname", "genName")]
    # A part without a letter is layout GROBID took for a name ("| Peter": Wiley's bar).
    return " ".join(n for n in names if any(ch.isalpha() for ch in n)) or all_text(pers)


def reference(el: etree._Element, index: int) -> Reference:
    """One reference-list entry, as GROBID's raw text when it kept it."""
    raw = find(el, "t:note[@type='raw_reference']")
    analytic_titles = find(el, "t:analytic/t:title")
    monogr_titles = find(el, "t:monogr/t:title")
    titles = analytic_titles or monogr_titles
    title = all_text(titles[0]) if titles else ""
    venue = all_text(monogr_titles[0]) if analytic_titles and monogr_titles else ""
    authors = [person_name(p) for p in find(el, "t:analytic/t:author/t:persName")] or [
        person_name(p) for p in find(el, "t:monogr/t:author/t:persName")
    ]
    dates = find(el, ".//t:imprint/t:date")
    year = ""
    if dates:
        year = (dates[0].get("when") or all_text(dates[0]))[:4]
    doi, arxiv, url = _identifiers(el)
    if raw:
        text = mend_breaks(all_text(raw[0]))
    else:
        pieces = [", ".join(authors), title, venue, year]
        text = ". ".join(p for p in pieces if p)
        for shown, value in (("doi:", doi), ("arXiv:", arxiv), ("", url)):
            if value:
                text += f". {shown}{value}"
        text = text or all_text(el)
    return Reference(
        id=xml_id(el) or f"b{index}",
        text=text,
        title=title,
        authors=authors,
        year=year,
        venue=venue,
        doi=doi,
        arxiv=arxiv,
        url=url,
    )


def _identifiers(el: etree._Element) -> tuple[str, str, str]:
    """The entry's DOI, arXiv id and web address, as GROBID parsed them."""
    dois = find(el, ".//t:idno[@type='DOI']")
    arxivs = find(el, ".//t:idno[@type='arXiv']")
    pointers = [p.get("target") or "" for p in find(el, ".//t:ptr[@target]")]
    arxiv = arxiv_in("arXiv:" + all_text(arxivs[0]).removeprefix("arXiv:").strip()) if arxivs else ""
    url = next((u for u in pointers if u.startswith(("http://", "https://"))), "")
    arxiv = arxiv or arxiv_in(url)
    return (all_text(dois[0]) if dois else ""), arxiv, "" if arxiv and arxiv in url else url
