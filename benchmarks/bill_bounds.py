"""What a misbehaving model costs, against a normal run of the same paper.

For each corpus pair (GROBID's TEI, so no parser time), one normal run against the local
fake OpenAI-compatible server, then one run per always-failing model: every answer in
the wrong language, every answer cut off, every id renamed, a placeholder dropped in
every request that has one. Reported per attack: requests and tokens (prompt +
completion) as multiples of the normal run, the exit code the command would give, and
how many segments were kept translated.

Run: python -m benchmarks.bill_bounds [--only NAME] [--papers N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers.fake_llm import FakeLLM, FaultPlan  # noqa: E402
from translator.errors import ExitCode  # noqa: E402
from translator.jobs import JobSpec, build_job  # noqa: E402
from translator.settings import load_settings  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "pairs"
ATTACKS = ("wrong_language", "truncate", "wrong_ids", "placeholder")


def one_run(tei: Path, fault: str | None) -> dict[str, int]:
    plan = FaultPlan(rate=1.0, kinds=(fault,)) if fault else FaultPlan()
    with FakeLLM(plan) as llm, tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {"base_url": llm.base_url, "cache_dir": Path(tmp) / "cache", "config_dir": Path(tmp) / "config"},
            env={},
        )
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
        f"{'paper':36} {'model':15} {'requests':>9} {'×':>6} {'tokens':>9} {'×':>6} {'exit':>4} {'kept':>9}"
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
                f"{row['kept']:4}/{row['segments']:<4}"
            )
    print(f"worst attack: {worst:.2f} × the normal run's requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
