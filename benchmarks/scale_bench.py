"""Cost against length: CPU seconds per page, peak memory, and a rerun with nothing to do.

Long papers are built by putting the corpus PDFs one after another (10, 50, 150 and
300 pages by default). Each length is translated in a fresh process of its own
(``--one``), as the command line runs a job, with the built-in reader and the auto
glossary on, against the fake API in yet another process (instant answers, so its
CPU is not counted), each with an empty cache. Before it, the process runs a 2-page
job, as a batch, the watch daemon or a worker has run papers before: what a process
pays once (importing the API client's SDK and making the client, compiling templates,
about 0.2 CPU-s after reading) is not a cost per page. The process reports:

- CPU-s per page after reading: from the glossary stage to the written outputs
  (glossary, plan, requests, checks, rendering) — what must stay linear in pages
  (targets: ≤ 0.06 at 300 pages; the four lengths within 20% of each other), and the
  translation requests per page (a short paper is cut finer, so that every slot ends
  together, and each request costs the client a few ms of CPU);
- CPU-s per page of reading the PDF and cutting its images, and of the whole process;
- its peak RSS (target ≤ 300 MB at 300 pages).

Then ``translate PAPER`` runs again on the same output folder, five times: everything
is cached, so nothing is sent (target: ≤ 0.5 s median).

Run: python -m benchmarks.scale_bench [--pages 10,50,150,300] [--reruns 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypdfium2 as pdfium

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translator.jobs import JobSpec, build_job  # noqa: E402
from translator.pipeline import NoProgress  # noqa: E402
from translator.settings import load_settings  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def corpus_pdfs() -> list[Path]:
    return sorted((CORPUS / "pairs").glob("*.pdf")) + sorted((CORPUS / "pdf").glob("*.pdf"))


def build_pdf(sources: list[Path], pages: int, path: Path) -> None:
    """The corpus PDFs one after another, cut at ``pages`` pages (cycling when short)."""
    out = pdfium.PdfDocument.new()
    while len(out) < pages:
        for source in sources:
            pdf = pdfium.PdfDocument(source)
            wanted = min(len(pdf), pages - len(out))
            out.import_pages(pdf, list(range(wanted)))
            pdf.close()
            if len(out) >= pages:
                break
    out.save(path)
    out.close()


class FakeApi:
    """The fake OpenAI-compatible server in a process of its own, so its CPU is not counted."""

    def __init__(self, folder: Path) -> None:
        self.url_file = folder / "url"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.servers.fake_llm", "--url-file", str(self.url_file)], cwd=ROOT
        )
        deadline = time.monotonic() + 30
        while not self.url_file.exists() or not self.url_file.read_text().strip():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("the fake API did not start")
            time.sleep(0.05)
        self.url = self.url_file.read_text().strip()

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def translate(pdf: Path, out: Path, env: dict[str, str]) -> float:
    """One ``translate PAPER`` as a user runs it: its wall time."""
    command = [sys.executable, "-m", "translator", str(pdf), "--lang", "zh", "--parser", "builtin"]
    started = time.perf_counter()
    done = subprocess.run([*command, "--out", str(out)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"translate {pdf.name} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


class CpuMarks(NoProgress):
    """Notes the process's CPU time when the glossary stage starts (reading is done)."""

    def __init__(self) -> None:
        self.read = 0.0

    def note(self, message: str) -> None:
        if message.startswith("glossary: finding") and not self.read:
            self.read = time.process_time()


def warm_up(out: Path) -> float:
    """A 2-page job first, as a batch, the watch daemon or a worker has run before the
    paper at hand: what a process pays once (imports, the API client, templates) is then
    paid. Its CPU seconds are returned and reported apart."""
    pdf = out.parent / f"{out.name}-warm-up.pdf"
    build_pdf(corpus_pdfs()[-1:], 2, pdf)
    started = time.process_time()
    build_job(JobSpec(pdf, load_settings({"parser": "builtin"}), out.parent / f"{out.name}-warm-up")).run()
    return time.process_time() - started


def measure_one(pdf: Path, out: Path) -> dict[str, float]:
    """In this process: one job on ``pdf`` (settings from the environment), after a warm-up job."""
    warm = warm_up(out)
    settings = load_settings({"parser": "builtin"})
    marks = CpuMarks()
    started, wall = time.process_time(), time.perf_counter()
    result = build_job(JobSpec(pdf, settings, out), progress=marks).run()
    ended = time.process_time()
    pages = len(pdfium.PdfDocument(pdf))
    return {
        "pages": pages,
        "wall_s": time.perf_counter() - wall,
        "requests": result.stats.requests,
        "read_cpu_s": marks.read - started,
        "after_read_cpu_s": ended - marks.read,
        "process_cpu_s": sum(os.times()[:2]),
        "warm_up_cpu_s": warm,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", default="10,50,150,300", help="comma-separated lengths")
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # the child: one job, JSON out
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one, args.out)))
        return 0
    sources = corpus_pdfs()
    if not sources:
        print(f"corpus not found at {CORPUS}: the benchmark needs ../shared/corpus", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        api = FakeApi(folder)
        env = {
            **os.environ,
            "OPENAI_BASE_URL": api.url,
            "OPENAI_API_KEY": "k",
            "TRANSLATOR_CACHE_DIR": str(folder / "cache"),
            "TRANSLATOR_CONFIG_DIR": str(folder / "config"),
        }
        try:
            rows = [run_length(sources, int(n), folder, env, args.reruns) for n in args.pages.split(",")]
            paper = sources[0]
            first = translate(paper, folder / "one", env)
            again = [translate(paper, folder / "one", env) for _ in range(args.reruns)]
        finally:
            api.close()
    per_page = [row[2] for row in rows]
    print(
        f"CPU-s per page after reading, from {min(per_page):.4f} to {max(per_page):.4f}: the largest is "
        f"{max(per_page) / min(per_page) - 1:.0%} above the smallest (target within 20%)"
    )
    print(
        f"rerun with everything cached, {paper.name}: median {statistics.median(again):.2f} s "
        f"over {len(again)} runs ({', '.join(f'{w:.2f}' for w in again)}; first run {first:.1f} s; "
        "target ≤ 0.5 s)"
    )
    return 0


def run_length(
    sources: list[Path], pages: int, folder: Path, env: dict[str, str], reruns: int
) -> tuple[int, float, float]:
    pdf = folder / f"long{pages}.pdf"
    build_pdf(sources, pages, pdf)
    out = folder / f"out{pages}"
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.scale_bench", "--one", str(pdf), "--out", str(out)],
        cwd=ROOT, env={**env, "TRANSLATOR_CACHE_DIR": str(folder / f"cache{pages}")},
        capture_output=True, text=True,
    )  # fmt: skip
    if child.returncode != 0:
        raise SystemExit(f"the {pages}-page run failed:\n{child.stderr[-2000:]}")
    row = json.loads(child.stdout.splitlines()[-1])
    env = {**env, "TRANSLATOR_CACHE_DIR": str(folder / f"cache{pages}")}
    again = [translate(pdf, out, env) for _ in range(reruns)]
    print(
        f"{pages:>4} pages: {row['wall_s']:6.1f} s wall; CPU-s per page: after reading "
        f"{row['after_read_cpu_s'] / pages:.4f} ({row['requests'] / pages:.1f} requests a page), "
        f"reading {row['read_cpu_s'] / pages:.4f}, "
        f"whole process {row['process_cpu_s'] / pages:.4f} (of it a 2-page warm-up job first: "
        f"{row['warm_up_cpu_s']:.2f} CPU-s); peak RSS {row['peak_rss_mb']:.0f} MB; "
        f"rerun with everything cached: median {statistics.median(again):.2f} s",
        flush=True,
    )
    return pages, row["after_read_cpu_s"], row["after_read_cpu_s"] / pages


if __name__ == "__main__":
    raise SystemExit(main())
