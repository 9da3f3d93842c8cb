"""Translation throughput and prompt overhead on the corpus pairs.

The local fake OpenAI-compatible server answers after ``latency`` seconds plus
``completion tokens / tokens-per-second`` per request (0.3 s and 50 tokens/s
by default), with 8 requests in flight.  For each paper it reports:

- efficiency = ideal / wall, where ideal = every completion token the server generated
  (translations, glossary terms, formulas) / (slots × 50) + 0.3 s (perfect parallelism,
  one first-token delay), and wall runs from the glossary stage (the paper is read and
  its images cut) to the written outputs — target ≥ 0.9 on every paper;
- translate-stage efficiency (column tr): the translation requests alone, from the plan
  to the last answer, against their own completion tokens;
- prompt ratio = prompt tokens / source tokens — target ≤ 1.3;
- glossary share = tokens of the glossary lines in system messages / prompt tokens — target ≤ 10%
  (the auto glossary is on, as in a default run; --no-glossary turns it off);
- peak memory: the process's maximum RSS; with --trace-memory also each job's peak Python
  allocations (tracing slows every allocation, so it is off when efficiency is measured);
- the share of prompt tokens a provider caching prompt prefixes in 64-token blocks
  (DeepSeek) bills as cached.

Each paper runs as the command line runs it: ``build_job(JobSpec(...)).run()``; only the
translate stage is timed.

Run: python -m benchmarks.translate_bench [--papers N] [--budgets 800,1500,3000]
     python -m benchmarks.translate_bench --concurrency 16 --server-slots 8   # a busy server (429 beyond 8)
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers.fake_llm import FakeLLM  # noqa: E402
from translator.chunking.tokens import count_tokens  # noqa: E402
from translator.jobs import JobSpec, build_job  # noqa: E402
from translator.pipeline import NoProgress  # noqa: E402
from translator.settings import load_settings  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "pairs"


class StageClock(NoProgress):
    """Times a job from its glossary stage (the first request may go) and its translate
    stage: from the plan (cache read, requests about to go) to the last answer."""

    def __init__(self) -> None:
        self.began = self.started = self.stopped = 0.0

    def note(self, message: str) -> None:
        if message.startswith("glossary: finding") and not self.began:
            self.began = time.perf_counter()

    def start(self, total: int, expected_tokens: int = 0) -> None:
        self.started = time.perf_counter()
        self.began = self.began or self.started

    def stop(self) -> None:
        self.stopped = time.perf_counter()


def bench_paper(
    tei: Path,
    budget: int,
    concurrency: int,
    latency: float,
    tps: float,
    glossary: bool = True,
    slots: int | None = None,
    max_concurrency: int | None = None,
    trace_memory: bool = False,
) -> dict[str, float | str]:
    with (
        FakeLLM(latency=latency, tokens_per_second=tps, slots=slots, prefix_cache=True) as llm,
        tempfile.TemporaryDirectory() as tmp,
    ):
        settings = load_settings(
            {
                "base_url": llm.base_url,
                "cache_dir": tmp,
                "concurrency": concurrency,
                "max_concurrency": max_concurrency,
                "max_request_tokens": budget,
                "request_timeout": 600,
                "auto_glossary": glossary,
                "config_dir": Path(tmp) / "config",
            },
            env={},
        )
        clock = StageClock()
        if trace_memory:  # tracing every allocation slows the client and the fake alike (~5% efficiency)
            tracemalloc.start()
        # The one way a run is assembled, as the command line does it.
        result = build_job(JobSpec(tei, settings, Path(tmp) / "out"), progress=clock).run()
        ended = time.perf_counter()
        wall = clock.stopped - clock.started
        generated = sum(r.completion_tokens for r in llm.records if r.status == 200)
        # What a provider that caches prompt prefixes in blocks of 64 tokens (DeepSeek) would
        # bill as cached, of every prompt token sent.
        sent = [r for r in llm.records if r.status == 200]
        cacheable = sum(r.cached_tokens for r in sent) / max(1, sum(r.prompt_tokens for r in sent))
        term_tokens = sum(
            count_tokens(line) + 1
            for r in llm.records
            if not r.glossary_request
            for line in r.system.splitlines()
            if line.startswith(("Glossary: ", "Keep as is: "))
        )
        _, peak = tracemalloc.get_traced_memory() if trace_memory else (0, 0)
        tracemalloc.stop()
        in_flight = llm.max_in_flight
    stats = result.stats
    # The server answers at most ``slots`` at once: the ideal run keeps exactly those busy.
    lanes = slots or concurrency  # the server's slots are the limit, whatever --concurrency says
    ideal = stats.completion_tokens / (lanes * tps) + latency
    ideal_all = generated / (lanes * tps) + latency
    return {
        "paper": tei.name.replace(".tei.xml", ""),
        "segments": len(result.results.segments),
        "failed": len(result.failed),
        "requests": stats.requests,
        # Requests sent again: retries, and re-translations of answers that ignored the glossary.
        "asked_again": stats.retries + stats.glossary_retranslations,
        "max_in_flight": in_flight,
        "source_tokens": stats.source_tokens,
        "prompt_tokens": stats.prompt_tokens,
        "completion_tokens": stats.completion_tokens,
        "wall_s": round(ended - clock.began, 2),
        "ideal_s": round(ideal_all, 2),
        "efficiency": round(ideal_all / (ended - clock.began), 3),
        "translate_efficiency": round(ideal / wall, 3),
        "prompt_ratio": round(stats.prompt_tokens / max(1, stats.source_tokens), 3),
        "glossary_share": round(term_tokens / max(1, stats.prompt_tokens), 3),
        "cached_share": round(cacheable, 3),
        "peak_alloc_mb": round(peak / 2**20, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=0, help="only the first N pairs (0: all)")
    parser.add_argument("--only", default="", help="comma-separated parts of paper names to run")
    parser.add_argument("--budgets", default="1500", help="comma-separated max request tokens to compare")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-concurrency", type=int, help="default: twice --concurrency")
    parser.add_argument(
        "--server-slots",
        type=int,
        default=0,
        help="the fake server serves this many at once, 429 beyond (0: no limit)",
    )
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--tokens-per-second", type=float, default=50.0)
    parser.add_argument("--no-glossary", action="store_true", help="translate without the auto glossary")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    parser.add_argument(
        "--trace-memory",
        action="store_true",
        help="also measure each job's peak Python allocations (MB column); slows the run, so "
        "efficiency is lower than without",
    )
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}: the benchmark needs ../shared/corpus", file=sys.stderr)
        return 2
    teis = sorted(CORPUS.glob("*.tei.xml"))
    if args.only:
        teis = [t for t in teis if any(part in t.name for part in args.only.split(","))]
    if args.papers:
        teis = teis[: args.papers]
    rows = []
    header = f"{'budget':>6} {'paper':<42} {'req':>4} {'again':>5} {'src':>6} {'prompt':>6} {'compl':>6} {'wall':>6} {'ideal':>6} {'eff':>5} {'tr':>5} {'p/src':>5} {'gls':>5} {'MB':>5}"
    for budget in (int(b) for b in args.budgets.split(",")):
        print(header)
        for tei in teis:
            row = bench_paper(
                tei, budget, args.concurrency, args.latency, args.tokens_per_second, not args.no_glossary,
                args.server_slots or None, args.max_concurrency, args.trace_memory,
            )  # fmt: skip
            row["budget"] = budget
            rows.append(row)
            print(
                f"{budget:>6} {row['paper']:<42.42} {row['requests']:>4} {row['asked_again']:>5} {row['source_tokens']:>6} "
                f"{row['prompt_tokens']:>6} {row['completion_tokens']:>6} {row['wall_s']:>6} {row['ideal_s']:>6} "
                f"{row['efficiency']:>5} {row['translate_efficiency']:>5} {row['prompt_ratio']:>5} {row['glossary_share']:>5} {row['peak_alloc_mb']:>5}",
                flush=True,
            )
        mine = [r for r in rows if r["budget"] == budget]
        total_ideal = sum(float(r["ideal_s"]) for r in mine)
        total_wall = sum(float(r["wall_s"]) for r in mine)
        prompt = sum(int(r["prompt_tokens"]) for r in mine)
        source = sum(int(r["source_tokens"]) for r in mine)
        worst = min(float(r["efficiency"]) for r in mine)
        worst_ratio = max(float(r["prompt_ratio"]) for r in mine)
        glossary_share = sum(float(r["glossary_share"]) * int(r["prompt_tokens"]) for r in mine) / prompt
        print(
            f"budget {budget}: efficiency {total_ideal / total_wall:.3f} overall (worst paper {worst:.3f}, target ≥ 0.9); "
            f"prompt/source {prompt / source:.3f} overall (worst paper {worst_ratio:.3f}, target ≤ 1.3); "
            f"glossary lines {glossary_share:.1%} of prompt tokens (worst paper "
            f"{max(float(r['glossary_share']) for r in mine):.1%}, target ≤ 10%); "
            f"failed segments {sum(int(r['failed']) for r in mine)}; prompt tokens a 64-token-block prefix "
            f"cache would bill as cached: {sum(float(r['cached_share']) * int(r['prompt_tokens']) for r in mine) / prompt:.1%}\n"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the whole run (fake server included): {rss:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
