"""How long the command takes to start: ``translate --help`` (target ≤ 0.2 s), median of
five runs, each a fresh process as a user's shell starts it.

Run: python -m benchmarks.startup_bench [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    timed([sys.executable, "-c", "pass"])  # warm the file cache
    for name, command in (
        ("python alone", [sys.executable, "-c", "pass"]),
        ("translate --help", [sys.executable, "-m", "translator", "--help"]),
        ("translate notes --help", [sys.executable, "-m", "translator", "notes", "--help"]),
    ):
        runs = [timed(command) for _ in range(args.runs)]
        print(f"{name:>24}: median {statistics.median(runs):.3f} s  ({', '.join(f'{r:.2f}' for r in runs)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
