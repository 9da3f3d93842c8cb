"""Is a model's LaTeX for a display formula usable? It must parse (to MathML, with
``latex2mathml``), its brackets must balance, and it must agree with the paper: most
letters, digits and math symbols of the formula's flattened text (GROBID's, or the
built-in reader's) occur in what the LaTeX renders to, so an invented formula is caught.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter

from lxml import etree

AGREEMENT = 0.7  # share of the flattened text's symbols the LaTeX must render
PRECISION = 0.6  # share of the LaTeX's rendered symbols that must be in the flattened text
PAIRS = {"{": "}", "[": "]", "(": ")"}
# What decides agreement: letters, digits and math symbols; not spaces or punctuation
# that a flattener adds or drops (commas, periods, stray parentheses of a label).
_IGNORED = set(" \t\n,.;:()[]{}|'\"`")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LABEL = re.compile(r"\(\s*[A-Za-z]?\d+(?:\.\d+)*[a-z]?\s*\)?\s*$")


@functools.lru_cache(maxsize=8192)  # checked once, rendered in Markdown and in HTML
def latex_to_mathml(latex: str, display: bool = True) -> str:
    """MathML for the LaTeX; raises ``ValueError`` when it does not parse."""
    import latex2mathml.converter  # here: only formula checks and the renderers need it

    if _CONTROL.search(latex):
        raise ValueError("the LaTeX holds control characters")
    try:
        mathml = str(latex2mathml.converter.convert(latex, display="block" if display else "inline"))
        etree.fromstring(mathml.encode("utf-8"))  # what the checks and the HTML read next
    except Exception as exc:  # the converter raises many kinds on bad input
        raise ValueError(f"the LaTeX does not parse ({type(exc).__name__}: {exc})") from exc
    return mathml


def problem(latex: str, flattened: str) -> str | None:
    """Why this LaTeX cannot stand for the formula, or None when it can."""
    if not latex.strip():
        return "the answer holds no LaTeX"
    unbalanced = _unbalanced(latex)
    if unbalanced:
        return unbalanced
    try:
        mathml = latex_to_mathml(latex)
    except ValueError as exc:
        return str(exc)
    recall, precision = agreement(mathml, flattened)
    if recall < AGREEMENT:
        return (
            f"the LaTeX does not match the formula as printed (only {recall:.0%} of its symbols are in it): "
            "transcribe the image exactly"
        )
    if precision < PRECISION:
        return (
            f"the LaTeX holds much that the formula does not (only {precision:.0%} of it is in the formula): "
            "answer with the formula's LaTeX only, no words"
        )
    return None


def agreement(mathml: str, flattened: str) -> tuple[float, float]:
    """How much of the flattened text's symbols (with repeats) the MathML renders, and
    how much of the MathML's symbols are in the flattened text."""
    wanted = _symbols(_LABEL.sub("", flattened))
    if not wanted:
        return 1.0, 1.0  # nothing to compare with (a formula GROBID gave no text for)
    rendered = _symbols("".join(str(t) for t in etree.fromstring(mathml.encode("utf-8")).itertext()))
    found = sum(min(count, rendered[symbol]) for symbol, count in wanted.items())
    return found / sum(wanted.values()), found / max(1, sum(rendered.values()))


def _symbols(text: str) -> Counter[str]:
    text = unicodedata.normalize("NFKC", text)
    return Counter(ch for ch in text if ch not in _IGNORED and not ch.isspace())


def _unbalanced(latex: str) -> str | None:
    """Braces must balance (escaped ``\\{`` aside); ``\\left``/``\\right`` must pair."""
    depth = 0
    for match in re.finditer(r"\\.|[{}]", latex):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return "a closing brace has no opening one"
    if depth:
        return "a brace is never closed"
    if len(re.findall(r"\\left\b", latex)) != len(re.findall(r"\\right\b", latex)):
        return "\\left and \\right do not pair"
    return None


# $…$ with no space just inside either dollar, and not a price ("$5 and $10").
INLINE = re.compile(r"(?<![\\$A-Za-z0-9])\$(?=[^\s$])([^$\n]{1,200}?)(?<=[^\s\\$])\$(?![A-Za-z0-9$])")
INLINE_PRECISION = 0.6


def settle_inline_math(translation: str, source: str) -> str:
    """Keep each ``$…$`` of a translation that parses and whose symbols are mostly in the
    source; any other is written out as plain text (its LaTeX commands and braces dropped)."""

    def settle(match: re.Match[str]) -> str:
        latex = match.group(1)
        try:
            mathml = latex_to_mathml(latex, display=False)
        except ValueError:
            return _plain(latex)
        _, precision = agreement(mathml, source)
        return match.group(0) if precision >= INLINE_PRECISION else _plain(latex)

    return INLINE.sub(settle, translation)


def _plain(latex: str) -> str:
    return re.sub(r"\\[A-Za-z]+|[{}^_]", "", latex).strip()
