"""Workers on one machine as if on many: throughput, the shared limit, nothing paid twice.

For 1, 2 and 3 ``translate worker`` processes (each: --papers 2, --concurrency 8),
all on one fresh ``redis-server`` and one local fake API with 8 slots (429 with
Retry-After: 1 beyond), N corpus PDFs are submitted at once and waited for.

- papers/min = N / wall time × 60;
- efficiency = the ideal of 8 slots / wall time, where the ideal is every answered
  completion token / (8 × tokens per second) + the time to first token per paper
  (as in batch_bench);
- text requests answered: the same for every worker count means no paragraph was
  paid for twice (the cache is shared);
- with --rpm R: the most requests the API saw in any 60 seconds (all of them, 429s
  included, and those answered), which must stay ≤ R over all workers together.

Run: python -m benchmarks.workers_bench [--papers 20] [--workers 1,2,3] [--rpm R]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.batch_bench import corpus_pdfs  # noqa: E402
from tests.servers.fake_llm import FakeLLM  # noqa: E402
from tests.servers.redis_server import RedisServer  # noqa: E402
from tests.servers.worker_process import WorkerProcess  # noqa: E402
from translator.settings import load_settings  # noqa: E402
from translator.workers.board import JobBoard  # noqa: E402
from translator.workers.queue import TaskQueue  # noqa: E402
from translator.workers.shared import connect  # noqa: E402
from translator.workers.submit import Waiter, submit  # noqa: E402

SLOTS, LATENCY = 8, 0.3


def busiest_minute(times: list[float]) -> int:
    """The most arrivals within any 60 seconds."""
    times = sorted(times)
    best, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 60.0:
            first += 1
        best = max(best, last - first + 1)
    return best


def run(pdfs: list[Path], workers: int, rpm: int | None, tokens_per_second: float) -> dict[str, object]:
    with (
        RedisServer() as redis_server,
        FakeLLM(latency=LATENCY, tokens_per_second=tokens_per_second, slots=SLOTS) as llm,
        tempfile.TemporaryDirectory() as tmp,
    ):
        env = {
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_API_KEY": "bench",
            "TRANSLATOR_BROKER": redis_server.url,
            "TRANSLATOR_PARSER": "builtin",
            "TRANSLATOR_REQUEST_TIMEOUT": "600",
            **({"TRANSLATOR_REQUESTS_PER_MINUTE": str(rpm)} if rpm else {}),
        }
        processes = [
            WorkerProcess(
                {**env, "TRANSLATOR_CACHE_DIR": f"{tmp}/cache{i}"}, "--papers", "2", "--concurrency", "8"
            )
            for i in range(workers)
        ]
        client = connect(redis_server.url)
        board = JobBoard(client)
        settings = load_settings({"parser": "builtin", "cache_dir": Path(tmp) / "c"}, env={})
        time.sleep(1.0)  # the workers are up
        started = time.perf_counter()
        papers = submit(board, TaskQueue(client, 60), settings, pdfs)
        rows = Waiter(board, Path(tmp) / "out").wait(papers)
        wall = time.perf_counter() - started
        for process in processes:
            process.stop()
        answered = [r for r in llm.records if r.status == 200]
        completion = sum(r.completion_tokens for r in answered)
        text_answered = sum(1 for r in answered if r.fault != "image")
        arrivals = [r.at for r in llm.records]
        per_worker = [len(p.saw("started")) for p in processes]
    ideal = completion / (SLOTS * tokens_per_second) + LATENCY * len(pdfs)
    return {
        "workers": workers,
        "done": sum(1 for r in rows if r.state == "done"),
        "papers_per_min": round(len(pdfs) / wall * 60, 2),
        "wall_s": round(wall, 1),
        "ideal_s": round(ideal, 1),
        "efficiency": round(ideal / wall, 3),
        "text_answered": text_answered,
        "answers_429": llm.count("slots"),
        "busiest_minute_all": busiest_minute(arrivals),
        "busiest_minute_answered": busiest_minute([r.at for r in answered]),
        "papers_per_worker": per_worker,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=20)
    parser.add_argument("--workers", default="1,2,3", help="worker counts to run, comma-separated")
    parser.add_argument("--rpm", type=int, help="--rpm of every worker (held over all of them)")
    parser.add_argument(
        "--tokens-per-second", type=float, default=200.0, help="per request at the fake API (ratios keep)"
    )
    args = parser.parse_args()
    pdfs = corpus_pdfs(args.papers)
    results = [run(pdfs, int(n), args.rpm, args.tokens_per_second) for n in args.workers.split(",")]
    keys = list(results[0])
    print(" | ".join(keys))
    for result in results:
        print(" | ".join(str(result[k]) for k in keys))
    if args.rpm:
        held = all(int(str(r["busiest_minute_all"])) <= args.rpm for r in results)
        print(f"--rpm {args.rpm} held over all workers: {held}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
