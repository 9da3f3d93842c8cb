"""Many papers at once: do they keep the API's slots full together?

Copies N corpus PDFs into a fresh inbox and runs ``translate batch`` on it (the
service the command runs, with the built-in reader) against the local fake API:
0.3 s to the first token, 50 tokens/s, 8 slots (429 beyond), 8 requests in flight.

- ideal of a paper = its completion tokens / (8 × 50) + 0.3 s: the paper alone on a
  perfectly used server; the sum over the papers is taken from every answer the server
  gave (translations, glossary terms, formulas): all answered tokens / (8 × 50) + 0.3 s × papers;
- ratio = batch wall time / the sum of the papers' ideal times — target ≤ 1.1 (papers
  run side by side, so one paper's slow tail is filled by the next paper's requests);
- peak memory: the process's maximum RSS.

Run: python -m benchmarks.batch_bench [--papers 20] [--in-flight 4]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers.fake_llm import FakeLLM  # noqa: E402
from translator.service import EventLog, Service, check_folders  # noqa: E402
from translator.settings import load_settings  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SLOTS, LATENCY, TOKENS_PER_SECOND = 8, 0.3, 50.0


def corpus_pdfs(count: int) -> list[Path]:
    found = sorted((CORPUS / "pairs").glob("*.pdf")) + sorted((CORPUS / "pdf").glob("*.pdf"))
    if not found:
        raise SystemExit(f"no PDFs under {CORPUS}: this benchmark needs ../shared/corpus beside the checkout")
    return found[:count]


def run(pdfs: list[Path], in_flight: int, glossary: bool) -> dict[str, object]:
    with (
        FakeLLM(latency=LATENCY, tokens_per_second=TOKENS_PER_SECOND, slots=SLOTS) as llm,
        tempfile.TemporaryDirectory() as tmp,
    ):
        inbox, out = Path(tmp) / "in", Path(tmp) / "out"
        inbox.mkdir()
        for pdf in pdfs:
            shutil.copy(pdf, inbox / pdf.name)
        settings = load_settings(
            {
                "base_url": llm.base_url,
                "api_key": "bench",
                "parser": "builtin",
                "cache_dir": Path(tmp) / "cache",
                "config_dir": Path(tmp) / "config",
                "concurrency": SLOTS,
                "request_timeout": 600,
                "auto_glossary": glossary,
                "papers": in_flight,
                "settle_seconds": 0.0,
            },
            env={},
        )
        lines: list[str] = []
        service = Service(settings, check_folders(inbox, out), EventLog(lines.append))
        started = time.perf_counter()
        rows = service.run_once(wait_for_retries=False)
        wall = time.perf_counter() - started
        done = len(list(out.glob("*.zh.json")))
        answered = sum(r.completion_tokens for r in llm.records if r.status == 200)
        failed = [r.path for r in rows if r.state != "done"]
        answered_429 = llm.count("slots")
        images = llm.image_requests
    ideal = answered / (SLOTS * TOKENS_PER_SECOND) + LATENCY * len(pdfs)
    return {
        "papers": len(pdfs),
        "in_flight": in_flight,
        "done": done,
        "formula_requests": images,
        "not_done": failed,
        "wall_s": round(wall, 1),
        "sum_ideal_s": round(ideal, 1),
        "ratio": round(wall / max(ideal, 1e-9), 3),
        "answers_429": answered_429,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=20)
    parser.add_argument(
        "--in-flight", type=int, default=4, help="papers translated at once (--papers of batch)"
    )
    parser.add_argument("--no-glossary", action="store_true", help="translate without the auto glossary")
    args = parser.parse_args()
    result = run(corpus_pdfs(args.papers), args.in_flight, not args.no_glossary)
    for key, value in result.items():
        print(f"{key:>12}: {value}")
    print(f"ratio {result['ratio']} (target ≤ 1.1): batch wall ÷ the sum of the papers' ideal times")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
