"""Seconds from Ctrl-C (SIGINT) or SIGTERM to the command's exit, with a slow model.

The local fake OpenAI-compatible server takes ``--latency`` seconds (60 by default)
before each answer; the run is stopped once its requests are in flight. Target:
≤ 2 s, whatever the latency; exit code 130; outputs written with the rest marked.

Run: python -m benchmarks.stop_latency [--latency 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures import make_paper_pdf  # noqa: E402
from tests.servers.fake_llm import FakeLLM  # noqa: E402


def stop_once(pdf: Path, out: Path, llm: FakeLLM, sig: signal.Signals) -> tuple[float, int, int]:
    """(seconds to exit, exit code, segments marked pending) for one stopped run."""
    env = dict(os.environ, OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY="sk-bench", PYTHONPATH=str(ROOT),
               TRANSLATOR_CACHE_DIR=str(out / "cache"), TRANSLATOR_MAX_REQUEST_TOKENS="100",
               TRANSLATOR_MIN_REQUEST_TOKENS="20")  # fmt: skip
    cmd = [sys.executable, "-m", "translator", str(pdf), "--parser", "builtin", "--out", str(out),
           "--no-auto-glossary", "-q"]  # fmt: skip
    abandoned = llm.in_flight  # earlier runs' requests, still "being answered"
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while llm.in_flight < abandoned + 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    sent = time.monotonic()
    process.send_signal(sig)
    code = process.wait()
    seconds = time.monotonic() - sent
    result = out / f"{pdf.stem}.zh.json"
    if not result.is_file():
        sys.exit(
            f"no outputs after the stop (exit {code}): {process.stderr.read().decode() if process.stderr else ''}"
        )
    data = json.loads(result.read_text(encoding="utf-8"))
    return seconds, code, int(data["report"]["pending"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency", type=float, default=60.0, help="seconds the model takes per answer")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeLLM(latency=args.latency) as llm:
        pdf = make_paper_pdf(Path(tmp) / "paper.pdf")
        for sig in (signal.SIGINT, signal.SIGTERM):
            runs = [stop_once(pdf, Path(tmp) / f"{sig.name}-{i}", llm, sig) for i in range(args.repeat)]
            seconds = [r[0] for r in runs]
            print(
                f"{sig.name:8} model {args.latency:.0f} s/answer · stop → exit: median {statistics.median(seconds):.2f} s, "
                f"max {max(seconds):.2f} s · exit codes {sorted({r[1] for r in runs})} · "
                f"segments marked pending {[r[2] for r in runs]}"
            )


if __name__ == "__main__":
    main()
