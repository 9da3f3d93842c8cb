"""What a misbehaving model or server costs, against a normal run of the same paper.

For each corpus pair (GROBID's TEI, so no parser time), one normal run against the local
fake OpenAI-compatible server, then one run per always-failing model: every answer in
the wrong language, every answer cut off, every id renamed, a placeholder dropped in
every request that has one; and one run per misbehaving server: answers too slow for
the deadline (200 tokens/s with ``--timeout 2``), an unstreamed body trickled 32 bytes
every 0.3 s (``--timeout 2``), and a server with 8 slots that answers 429 beyond them
(``--concurrency 16``). Reported per attack: requests and tokens (prompt + completion)
as multiples of the normal run, the exit code the command would give, how many segments
were kept translated, and the wall time.

Run: python -m benchmarks.bill_bounds [--only NAME] [--papers N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers.fake_llm import FakeLLM, FaultPlan  # noqa: E402
from translator.errors import ExitCode  # noqa: E402
from translator.jobs import JobSpec, build_job  # noqa: E402
from translator.settings import load_settings  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "pairs"
MODELS = ("wrong_language", "truncate", "wrong_ids", "placeholder")
# A misbehaving server: what the fake server does, and the settings the user runs with.
SERVERS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "too_slow": ({"tokens_per_second": 200.0}, {"request_timeout": 2.0}),
    "trickle": ({"trickle": 0.3, "streaming": False}, {"request_timeout": 2.0, "stream": False}),
    "busy_429": ({"slots": 8, "latency": 0.3, "tokens_per_second": 400.0}, {"concurrency": 16}),
}
ATTACKS = (*MODELS, *SERVERS)


def one_run(tei: Path, attack: str | None) -> dict[str, float]:
    plan = FaultPlan(rate=1.0, kinds=(attack,)) if attack in MODELS else FaultPlan()
    server, options = SERVERS.get(attack or "", ({}, {}))
    with FakeLLM(plan, **server) as llm, tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {
                "base_url": llm.base_url,
                "cache_dir": Path(tmp) / "cache",
                "config_dir": Path(tmp) / "config",
                **options,
            },
            env={},
        )
        started = time.monotonic()
        result = build_job(JobSpec(tei, settings, Path(tmp) / "out")).run()
        tokens = sum(r.prompt_tokens + r.completion_tokens for r in llm.records)
        code = (
            ExitCode.SPEND_CAP
            if result.stats.stopped_by
            else ExitCode.PARTIAL
            if result.failed
            else ExitCode.OK
        )
        return {
            "requests": llm.count(),
            "tokens": tokens,
            "exit": int(code),
            "kept": result.results.count("translated"),
            "segments": len(result.results.segments),
            "seconds": time.monotonic() - started,
        }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default="", help="a part of the paper names to run")
    parser.add_argument("--papers", type=int, default=3, help="the first N pairs (0: all)")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}: the benchmark needs ../shared/corpus", file=sys.stderr)
        return 2
    teis = [t for t in sorted(CORPUS.glob("*.tei.xml")) if args.only in t.name]
    teis = teis[: args.papers] if args.papers else teis
    print(
        f"{'paper':36} {'attack':15} {'requests':>9} {'×':>6} {'tokens':>9} {'×':>6} {'exit':>4} {'kept':>9} "
        f"{'seconds':>8}"
    )
    worst = 0.0
    for tei in teis:
        normal = one_run(tei, None)
        for fault in (None, *ATTACKS):
            row = normal if fault is None else one_run(tei, fault)
            ratio = row["requests"] / max(1, normal["requests"])
            worst = max(worst, ratio) if fault else worst
            print(
                f"{tei.name.replace('.tei.xml', '')[:36]:36} {fault or 'normal':15} {row['requests']:9} "
                f"{ratio:6.2f} {row['tokens']:9} {row['tokens'] / max(1, normal['tokens']):6.2f} {row['exit']:4} "
                f"{row['kept']:4}/{row['segments']:<4} {row['seconds']:8.1f}"
            )
    print(f"worst attack: {worst:.2f} × the normal run's requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
