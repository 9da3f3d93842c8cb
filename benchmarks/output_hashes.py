"""SHA-256 of every output (md, html, json, glossary csv) for every corpus pair, through
both parsers, against the local fake OpenAI-compatible server with a fresh cache. The JSON's wall time,
endpoint (a random port) and glossary file folder (a temporary one) are blanked.

A refactoring that keeps behaviour keeps these hashes: record them before, compare
after.

Run: python -m benchmarks.output_hashes > before.tsv ; … ; python -m benchmarks.output_hashes --compare before.tsv
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers.fake_grobid import FakeGrobid  # noqa: E402
from tests.servers.fake_llm import FakeLLM  # noqa: E402
from translator import load_settings, run  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "pairs"
SUFFIXES = ("zh.md", "zh.html", "zh.json", "zh.glossary.csv")


def digest(path: Path) -> str:
    data = path.read_bytes()
    if path.name.endswith(".json"):
        document = json.loads(data)
        report = document["report"]
        report["elapsed_seconds"] = 0
        report["endpoint"] = ""  # the fake server's port
        if "glossary" in report:
            report["glossary"]["file"] = Path(report["glossary"]["file"]).name  # a temporary folder
        data = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def hashes(pdf: Path, tei: Path, parser: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp, FakeLLM() as llm, FakeGrobid() as grobid:
        grobid.add_files(pdf, tei)
        out = Path(tmp) / "out"
        settings = load_settings(
            {"base_url": llm.base_url, "cache_dir": Path(tmp) / "cache", "parser": parser,
             "grobid_url": grobid.url, "config_dir": Path(tmp) / "config"},
            env={},
        )  # fmt: skip
        run(pdf, settings, out)
        return {
            f"{pdf.stem}\t{parser}\t{suffix}": digest(out / f"{pdf.stem}.{suffix}") for suffix in SUFFIXES
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--compare", type=Path, help="a TSV written by an earlier run: list what differs")
    parser.add_argument("--only", help="only pairs whose name contains this")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"the corpus is absent ({CORPUS}): this benchmark needs ../shared/corpus")
    found: dict[str, str] = {}
    for tei in sorted(CORPUS.glob("*.tei.xml")):
        if args.only and args.only not in tei.name:
            continue
        pdf = tei.with_name(tei.name.replace(".tei.xml", ".pdf"))
        for reader in ("grobid", "builtin"):
            found.update(hashes(pdf, tei, reader))
    if args.compare is None:
        for key, value in found.items():
            print(f"{key}\t{value}")
        return
    before = dict(line.rsplit("\t", 1) for line in args.compare.read_text().splitlines() if line)
    differ = [key for key, value in found.items() if before.get(key) != value]
    for key in differ:
        print(f"differs\t{key}")
    print(f"{len(found)} outputs compared, {len(differ)} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
