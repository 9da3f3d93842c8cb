"""Image requests to the fake OpenAI-compatible server: a display formula's crop comes in,
LaTeX goes out. Crops the tests registered (``server.formulas``: SHA-256 of the PNG →
the LaTeX the tests typeset) get their true LaTeX; any other crop gets its flattened
hint written as LaTeX. ``server.formula_faults`` scripts bad answers, one per request:
``broken`` (does not parse), ``invented`` (another formula), ``chatter`` (words around
it), ``refuse`` (HTTP 400: the model takes no images); ``ok`` answers well."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

_SPECIAL = {"\\": r"\backslash ", "{": r"\{", "}": r"\}", "#": r"\#", "%": r"\%", "&": r"\&", "$": r"\$"}


def image_request(content: Any) -> bool:
    return isinstance(content, list) and any(p.get("type") == "image_url" for p in content)


def formula_answer(server: Any, content: list[dict[str, Any]]) -> tuple[int, str]:
    """(HTTP status, answer text) for one image request: a ``=== N ===`` section per
    formula, each answered as ``server.formula_faults`` says (one fault per formula)."""
    hints = [p["text"] for p in content if p.get("type") == "text"]
    urls = [p["image_url"]["url"] for p in content if p.get("type") == "image_url"]
    with server.lock:
        server.image_requests += 1
    sections = []
    for number, (hint, url) in enumerate(zip(hints, urls, strict=True), 1):
        png = base64.b64decode(url.split(",", 1)[1])
        hint = hint.split("Extracted text: ", 1)[-1]
        latex = server.formulas.get(hashlib.sha256(png).hexdigest()) or _as_latex(hint)
        with server.lock:
            fault = server.formula_faults.pop(0) if server.formula_faults else None
        if fault == "refuse":
            return 400, "Invalid content type. image_url is only supported by certain models."
        sections.append(f"=== {number} ===\n{_spoiled(latex, fault)}")
    return 200, "\n".join(sections)


def _spoiled(latex: str, fault: str | None) -> str:
    if fault == "broken":
        return r"\frac{" + latex
    if fault == "invented":
        return r"E = m c^{2} + \int_{0}^{\infty} e^{-x^{2}} \, dx"
    if fault == "chatter":
        return f"Sure! Here is the formula you asked for, transcribed carefully: $${latex}$$ Hope this helps."
    return latex


def _as_latex(text: str) -> str:
    """A flattened formula written as LaTeX (letters and symbols kept, specials escaped)."""
    return "".join(_SPECIAL.get(ch, ch) for ch in text).strip() or "x"


SUBSCRIPTED = re.compile(r"\b([A-Za-z])_([A-Za-z0-9])\b")


def with_inline_math(answer: str, source: str, invent: bool) -> str:
    """What a model asked for ``$…$`` math writes: each subscripted symbol of the source
    (``s_t``) as ``$s_{t}$`` after the translation; ``invent`` adds one the source lacks."""
    spans = [f"${m.group(1)}_{{{m.group(2)}}}$" for m in SUBSCRIPTED.finditer(source)]
    if invent and spans:
        spans.append(r"$\Omega \otimes \Psi$")
    return " ".join([answer, *spans]) if spans else answer
