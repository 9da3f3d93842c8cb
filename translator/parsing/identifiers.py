"""What identifies a cited work in a reference's text (a DOI, an arXiv id, a web address),
and the line breaks a reference list keeps ("in- terventions", "Mid- Continent")."""

from __future__ import annotations

import re

from .assembly import URL

DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+[^\s\"<>.,;:)\]]")
# "arXiv:1706.03762v2", "arXiv preprint arXiv:1810.04805", "abs/2302.07302", old "hep-th/9901001".
ARXIV = re.compile(
    r"(?:\barXiv:\s?|arxiv\.org/abs/|\babs/)(?P<id>\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)",
    re.IGNORECASE,
)
_JOINED = re.compile(r"(?<=[a-z])- (?=[a-z])")  # a word broken at the line end: "in- terventions"
_KEPT = re.compile(r"(?<=[A-Za-z0-9])- (?=[A-Z0-9])")  # a hyphen of the name itself: "Mid- Continent"


def doi_in(text: str) -> str:
    found = DOI.search(text)
    return found.group() if found else ""


def arxiv_in(text: str) -> str:
    found = ARXIV.search(text)
    return found.group("id") if found else ""


def url_in(text: str) -> str:
    found = URL.search(text)
    return found.group() if found else ""


def mend_breaks(text: str) -> str:
    """Undo what a line break did to a reference: a split word is joined, a hyphen that
    belongs to a name or a number loses the space after it."""
    return _KEPT.sub("-", _JOINED.sub("", text))
