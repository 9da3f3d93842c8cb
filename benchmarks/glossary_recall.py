"""Extraction recall: share of "long form (ACRONYM)" definitions in each corpus TEI body
that end up in the extracted glossary (target ≥ 90% per paper).

The definitions are found by a rule independent of the extractor's: an acronym
in parentheses (2–10 characters, at least two capitals) whose capitals, in
order, start words among the few words before it (so "(DiffMean)" after
"directional ablation" or a company name "(TaKaRa)" are not definitions).

Run: python -m benchmarks.glossary_recall
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translator.glossary.extract import candidates  # noqa: E402
from translator.model import Document, Paragraph  # noqa: E402
from translator.parsing.tei_reader import read_tei  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
_PAREN = re.compile(r"\(([A-Z][A-Za-z0-9\-]{1,9})s?\)")


def body_texts(doc: Document) -> list[str]:
    texts = []
    for group in (doc.abstract, doc.body):
        for top in group:
            for section in top.walk():
                texts.extend(b.segment.text for b in section.blocks if isinstance(b, Paragraph))
    return texts


def definitions(texts: list[str], ordered: bool = True) -> set[str]:
    """Acronyms that some text defines.  ``ordered=False`` is the loosest rule:
    the acronym's first letter starts one of the words before it."""
    found = set()
    for text in texts:
        for match in _PAREN.finditer(text):
            acronym = re.sub(r"(?<=[A-Z])s$", "", match.group(1))  # "LLMs" defines LLM
            if sum(c.isupper() for c in acronym) < 2:
                continue
            words = re.findall(r"[A-Za-z][A-Za-z\-]*", text[max(0, match.start() - 120) : match.start()])
            window = words[-(len(acronym) + 2) :]
            if any(w.lower() == acronym.lower() for w in window):
                continue
            capitals = [c.lower() for c in acronym if c.isupper()][: None if ordered else 1]
            initials = iter(w[0].lower() for w in window)
            if all(any(i == c for i in initials) for c in capitals):
                found.add(acronym)
    return found


def recall(tei: Path, ordered: bool) -> tuple[int, int, list[str]]:
    doc = read_tei(tei)
    texts = body_texts(doc)
    wanted = definitions(texts, ordered)
    got = {c.term for c in candidates(s.text for s in doc.segments()) if c.kind == "acronym"}
    missed = sorted(wanted - got)
    return len(wanted) - len(missed), len(wanted), missed


def main() -> int:
    teis = sorted((CORPUS / "pairs").glob("*.tei.xml")) + sorted((CORPUS / "tei").glob("*.tei.xml"))
    if not teis:
        print(f"corpus not found under {CORPUS}", file=sys.stderr)
        return 2
    for ordered in (True, False):
        rule = (
            "capitals in order start the words before"
            if ordered
            else "first letter starts a word before (loosest)"
        )
        print(f"definitions: {rule}")
        total_hit = total = 0
        for tei in teis:
            hit, count, missed = recall(tei, ordered)
            total_hit += hit
            total += count
            share = f"{hit / count:.0%}" if count else "n/a"
            print(
                f"  {tei.name.replace('.tei.xml', ''):<45} {hit:>3}/{count:<3} {share:>5}  missed: {', '.join(missed)}"
            )
        print(f"  overall {total_hit}/{total} = {total_hit / max(1, total):.1%} (target ≥ 90% per paper)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
