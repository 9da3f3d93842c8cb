"""Reading notes: what they cost beside the translation, and what the checks catch.

Per corpus pair (through its GROBID TEI), against the local fake API:
1. ``translate PAPER`` — requests and tokens of the translation;
2. ``translate notes PAPER`` in the same cache — requests and tokens of the notes alone
   (nothing is translated again);
3. the notes again with a misbehaving model: every third point spoiled in turn (an
   invented number, a paragraph id that does not exist, a bold term not in the paper,
   no citation), the re-ask answered the same way (``notes_stubborn``): the points
   dropped, by reason — each must be caught, none may reach the notes.

Run: python -m benchmarks.notes_bench [--papers N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from tests.servers.fake_llm import FakeLLM  # noqa: E402
from translator.cli import main as cli  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SPOILS = ["invent-number", None, None, "bad-id", None, None, "alien-term", None, None, "no-cites", None, None]


def _run(args: list[str], env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    if result.exit_code not in (0, 6):
        raise SystemExit(f"translate {' '.join(args)} failed ({result.exit_code}):\n{result.output}")


def _spent(llm: FakeLLM, notes: bool) -> tuple[int, int]:
    records = [r for r in llm.records if (r.fault == "notes") == notes and r.status == 200]
    return len(records), sum(r.prompt_tokens + r.completion_tokens for r in records)


def paper(pdf: Path, tei: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp, FakeLLM() as llm:
        env = {"OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "k", "TRANSLATOR_CACHE_DIR": f"{tmp}/cache"}
        common = ["--tei", str(tei), "--out", f"{tmp}/out", "-q"]
        _run([str(pdf), *common], env)
        translation = _spent(llm, notes=False)
        _run(["notes", str(pdf), *common], env)
        notes = _spent(llm, notes=True)
        again = _spent(llm, notes=False)
        clean = json.loads(next(Path(f"{tmp}/out").glob("*.notes.json")).read_text("utf-8"))
    with tempfile.TemporaryDirectory() as tmp, FakeLLM() as llm:
        llm.note_faults = SPOILS * 40
        llm.notes_stubborn = True
        env = {"OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "k", "TRANSLATOR_CACHE_DIR": f"{tmp}/cache"}
        _run(["notes", str(pdf), "--tei", str(tei), "--out", f"{tmp}/out", "-q"], env)
        spoiled = Counter(f for f in llm.note_faults_used if f)
        faulty = json.loads(next(Path(f"{tmp}/out").glob("*.notes.json")).read_text("utf-8"))
    return {
        "paper": pdf.stem[:28],
        "translation_req": translation[0],
        "translation_tok": translation[1],
        "notes_req": notes[0],
        "notes_tok": notes[1],
        "retranslated": again[0] - translation[0],
        "points": sum(len(s["points"]) for s in clean["sections"])
        + sum(len(v) for v in clean["summary"].values()),
        "spoiled": sum(spoiled.values()),
        "dropped": sum(faulty["dropped"].values()),
        "dropped_by_reason": faulty["dropped"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=18)
    args = parser.parse_args()
    teis = sorted((CORPUS / "pairs").glob("*.tei.xml"))[: args.papers]
    if not teis:
        raise SystemExit(
            f"no corpus pairs under {CORPUS}: this benchmark needs ../shared/corpus beside the checkout"
        )
    rows = [paper(t.with_name(t.name.replace(".tei.xml", ".pdf")), t) for t in teis]
    keys = [k for k in rows[0] if k != "dropped_by_reason"]
    print(" | ".join(keys))
    for row in rows:
        print(" | ".join(str(row[k]) for k in keys))
    reasons: Counter[str] = Counter()
    for row in rows:
        reasons.update(row["dropped_by_reason"])  # type: ignore[arg-type]
    total = {k: sum(int(str(r[k])) for r in rows) for k in keys if k not in ("paper",)}
    print("total | " + " | ".join(str(v) for v in total.values()))
    print("dropped by reason:", dict(reasons))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
