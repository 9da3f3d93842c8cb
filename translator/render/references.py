"""The reference list as a reader uses it: each entry as printed, its DOI, arXiv id and
web addresses made links (and the DOI or arXiv id the reader parsed, when the printed
text lacks it)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from markupsafe import Markup, escape

from ..model import Reference
from ..parsing.assembly import URL
from ..parsing.identifiers import ARXIV, DOI
from .view import md_escape, md_href

_DOI_RESOLVER = "https://doi.org/"
_ARXIV_PAGE = "https://arxiv.org/abs/"


def _found(text: str) -> list[tuple[int, int, str]]:
    """(start, end, address) of every identifier in the text; a web address first, so a
    DOI inside "https://doi.org/10.…" is not linked twice."""
    found: list[tuple[int, int, str]] = []
    patterns: list[tuple[re.Pattern[str], str, str]] = [
        (URL, "", ""), (DOI, _DOI_RESOLVER, ""), (ARXIV, _ARXIV_PAGE, "id")
    ]  # fmt: skip
    for pattern, prefix, group in patterns:
        for match in pattern.finditer(text):
            if all(match.end() <= start or end <= match.start() for start, end, _ in found):
                found.append((match.start(), match.end(), prefix + match.group(group or 0)))
    return sorted(found)


def reference_pieces(ref: Reference) -> Iterator[tuple[str, str]]:
    """The entry's text in pieces, each with the address it links to ("" for plain text)."""
    text = ref.text
    pos = 0
    for start, end, address in _found(text):
        yield text[pos:start], ""
        yield text[start:end], address
        pos = end
    yield text[pos:], ""
    if ref.doi and ref.doi.lower() not in text.lower():
        yield from ((" doi:", ""), (ref.doi, _DOI_RESOLVER + ref.doi))
    if ref.arxiv and ref.arxiv not in text:
        yield from ((" arXiv:", ""), (ref.arxiv, _ARXIV_PAGE + ref.arxiv))


def reference_md(ref: Reference) -> str:
    out = []
    for text, address in reference_pieces(ref):
        if not address:
            out.append(md_escape(text))
        elif address == text:
            out.append(f"<{md_href(address)}>")
        else:
            out.append(f"[{md_escape(text)}]({md_href(address)})")
    return "".join(out)


def reference_html(ref: Reference) -> Markup:
    return Markup("").join(
        Markup('<a class="url" href="{}">{}</a>').format(address, text) if address else escape(text)
        for text, address in reference_pieces(ref)
    )


REFERENCE_FILTERS = {"reference_md": reference_md, "reference_html": reference_html}
