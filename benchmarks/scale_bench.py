"""Cost against length: CPU seconds per page, peak memory, and a rerun with nothing to do.

Long papers are built from the corpus PDFs one after another (cycling), 300 pages for
the longest by default; every length (10, 50, 150, 300 pages) takes its pages from the
same 10 places of that run, the same share from each, so that all hold the same papers
in the same proportions (cut from the front instead, the 10-page paper was one dense
paper with 913 source tokens a page and the 50-page one a few lighter ones). Each length
is translated ``--runs`` times, each job in a fresh process of its own (``--one``), as
the command line runs a job, with the built-in reader and the auto glossary on, against
the fake API in yet another process (instant answers, so its CPU is not counted), each
with an empty cache; medians are reported (CPU seconds of one job varied by up to 40%
between identical runs on a shared machine). Before its job, each
process runs a 2-page job on the same scheduler, as a batch, the watch daemon or a worker
has run papers before: what a process pays once (importing the API client's SDK and
making the client, compiling templates, about 0.2 CPU-s after reading; importing the
formula converter; learning the server's window and pace) is not a cost per page. Its
2 pages hold a figure and a display formula, so that it pays all of these. Reported:

- CPU-s after reading, per page and per 1,000 source tokens: from the glossary stage to
  the written outputs (glossary, plan, requests, checks, rendering) — what must stay
  linear in length (targets: ≤ 0.06 a page at 300 pages; the four lengths within 20% of
  each other; the sampled pages still differ a little in how much text they carry, so
  the cost per 1,000 source tokens is printed beside). Also the translation requests per
  page (each costs the client a few ms of CPU);
- CPU-s per page of reading the PDF and cutting its images, and of the whole job;
- the largest peak RSS of the processes (target ≤ 300 MB at 300 pages).

Then ``translate PAPER`` runs again on the first job's output folder and cache, five
times: everything is cached, so nothing is sent (target: ≤ 0.5 s median).

Run: python -m benchmarks.scale_bench [--pages 10,50,150,300] [--runs 5] [--reruns 5]
"""

from __future__ import annotations

import argparse
import itertools
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

from translator.engine.scheduler import Scheduler  # noqa: E402
from translator.jobs import JobSpec, build_job  # noqa: E402
from translator.parsing.pdf.reader import read_pdf  # noqa: E402
from translator.pipeline import NoProgress  # noqa: E402
from translator.settings import in_flight_ceiling, load_settings  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SPOTS = 10  # places of the longest paper each length draws its pages from


def corpus_pdfs() -> list[Path]:
    return sorted((CORPUS / "pairs").glob("*.pdf")) + sorted((CORPUS / "pdf").glob("*.pdf"))


def build_pdf(sources: list[Path], pages: int, path: Path) -> None:
    """The corpus PDFs one after another, cut at ``pages`` pages (cycling when short)."""
    write_pages(path, cycle_pages(sources, pages))


def cycle_pages(sources: list[Path], pages: int) -> list[tuple[Path, int]]:
    """(PDF, page index) of the corpus PDFs one after another, cycling, ``pages`` of them."""
    counts = {source: len(pdfium.PdfDocument(source)) for source in sources}
    found: list[tuple[Path, int]] = []
    while len(found) < pages:
        found += [(source, index) for source in sources for index in range(counts[source])]
    return found[:pages]


def sampled_pages(
    sources: list[Path], pages: int, longest: int, spots: int = SPOTS
) -> list[tuple[Path, int]]:
    """``pages`` pages drawn from the same ``spots`` places of the ``longest``-page paper:
    from each place, the same share of consecutive pages. Every length then holds the same
    papers in the same proportions, and what differs between them is only the length (cut
    from the front of the corpus instead, the 10-page paper was one dense paper and the
    50-page one a few lighter ones)."""
    whole = cycle_pages(sources, longest)
    starts = [round(spot * longest / spots) for spot in range(spots)]
    share, extra = divmod(pages, spots)
    picked: list[tuple[Path, int]] = []
    for spot, start in enumerate(starts):
        picked += whole[start : start + share + (spot < extra)]
    return picked


def write_pages(path: Path, pages: list[tuple[Path, int]]) -> None:
    """A PDF of these pages, in this order. The pages of one PDF that follow each other are
    taken in one import: imported one by one, each page brought its own copy of the fonts
    it shares with the others (reading the 300-page paper then took 420 MB instead of 290)."""
    out = pdfium.PdfDocument.new()
    for source, run in itertools.groupby(pages, key=lambda page: page[0]):
        pdf = pdfium.PdfDocument(source)
        out.import_pages(pdf, [index for _, index in run])
        pdf.close()
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


def warm_up_pdf(folder: Path) -> Path:
    """The warm-up paper: the first 2 pages of a corpus PDF (from the last) in which the
    built-in reader finds a figure and a display formula, so that the warm-up job imports
    and loads what those need (the formula converter alone: ~35 ms, 0.004 CPU-s a page of
    the 10-page paper, which the warm-up paid when its paper had no formula)."""
    pdf = folder / "warm-up.pdf"
    for source in reversed(corpus_pdfs()):
        document = read_pdf(source, max_pages=2)
        if document.figures and any(True for _ in document.formulas()):
            build_pdf([source], 2, pdf)
            return pdf
    build_pdf(corpus_pdfs()[-1:], 2, pdf)
    return pdf


def warm_up(out: Path, scheduler: Scheduler, pdf: Path) -> float:
    """A 2-page job on ``pdf`` first, as a batch, the watch daemon or a worker has run
    before the paper at hand: what a process pays once (imports, the API client,
    templates) is then paid, and ``scheduler`` (the process's, shared by its jobs) knows
    the server's window and pace. Its CPU seconds are returned and reported apart."""
    started = time.process_time()
    settings = load_settings({"parser": "builtin"})
    build_job(JobSpec(pdf, settings, out.parent / f"{out.name}-warm-up"), scheduler).run()
    return time.process_time() - started


def measure_one(pdf: Path, out: Path, warm_up_paper: Path) -> dict[str, float]:
    """In this process: one job on ``pdf`` (settings from the environment), after a warm-up
    job on the same scheduler, as in a batch or the watch daemon."""
    settings = load_settings({"parser": "builtin"})
    scheduler = Scheduler(in_flight_ceiling(settings.limits))
    warm = warm_up(out, scheduler, warm_up_paper)
    marks = CpuMarks()
    started, wall = time.process_time(), time.perf_counter()
    result = build_job(JobSpec(pdf, settings, out), scheduler, progress=marks).run()
    ended = time.process_time()
    return {
        "wall_s": time.perf_counter() - wall,
        "requests": result.stats.requests,
        "source_tokens": result.stats.source_tokens,
        "read_cpu_s": marks.read - started,
        "after_read_cpu_s": ended - marks.read,
        "job_cpu_s": ended - started,
        "warm_up_cpu_s": warm,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", default="10,50,150,300", help="comma-separated lengths")
    parser.add_argument("--runs", type=int, default=5, help="jobs per length (medians reported)")
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # the child: one job, JSON out
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--warm-up", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one, args.out, args.warm_up)))
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
            lengths = [int(n) for n in args.pages.split(",")]
            rows = [run_length(sources, n, max(lengths), folder, env, args) for n in lengths]
            paper = sources[0]
            first = translate(paper, folder / "one", env)
            again = [translate(paper, folder / "one", env) for _ in range(args.reruns)]
        finally:
            api.close()
    for unit, values in (("page", [r[0] for r in rows]), ("1,000 source tokens", [r[1] for r in rows])):
        print(
            f"CPU-s per {unit} after reading, from {min(values):.4f} to {max(values):.4f}: the largest "
            f"is {max(values) / min(values) - 1:.0%} above the smallest (target within 20%)"
        )
    print(
        f"rerun with everything cached, {paper.name}: median {statistics.median(again):.2f} s "
        f"over {len(again)} runs ({', '.join(f'{w:.2f}' for w in again)}; first run {first:.1f} s; "
        "target ≤ 0.5 s)"
    )
    return 0


def run_length(
    sources: list[Path], pages: int, longest: int, folder: Path, env: dict[str, str], args: argparse.Namespace
) -> tuple[float, float]:
    """``args.runs`` jobs on a paper of ``pages`` pages, each in a fresh process with an
    empty cache, their medians printed (peak RSS: the largest); then reruns of the first
    job's command with everything cached. Returns the median CPU-s after reading per page
    and per 1,000 source tokens."""
    pdf = folder / f"long{pages}.pdf"
    write_pages(pdf, sampled_pages(sources, pages, longest))
    warm = folder / "warm-up.pdf"
    if not warm.exists():
        warm_up_pdf(folder)
    jobs = [one_job(pdf, folder / f"out{pages}-{run}", env, warm) for run in range(args.runs)]
    row = {key: statistics.median(job[key] for job in jobs) for key in jobs[0]}
    cached = {**env, "TRANSLATOR_CACHE_DIR": cache_of(folder / f"out{pages}-0")}
    again = [translate(pdf, folder / f"out{pages}-0", cached) for _ in range(args.reruns)]
    after, tokens = row["after_read_cpu_s"], row["source_tokens"]
    print(
        f"{pages:>4} pages ({tokens / pages:.0f} source tokens a page), medians of {args.runs} jobs: "
        f"{row['wall_s']:6.1f} s wall; CPU-s after reading {after / pages:.4f} a page, "
        f"{after / tokens * 1000:.4f} per 1,000 source tokens ({row['requests'] / pages:.1f} requests a page; "
        f"each job: {', '.join(f'{cpu:.2f}' for cpu in (job['after_read_cpu_s'] for job in jobs))} CPU-s); "
        f"reading {row['read_cpu_s'] / pages:.4f} a page, the whole job {row['job_cpu_s'] / pages:.4f} "
        f"(a 2-page warm-up job first: {row['warm_up_cpu_s']:.2f} CPU-s); "
        f"peak RSS {max(job['peak_rss_mb'] for job in jobs):.0f} MB; "
        f"rerun with everything cached: median {statistics.median(again):.2f} s",
        flush=True,
    )
    return after / pages, after / tokens * 1000


def cache_of(out: Path) -> str:
    """The cache folder of the job writing to ``out`` (its reruns find it there)."""
    return f"{out}-cache"


def one_job(pdf: Path, out: Path, env: dict[str, str], warm: Path) -> dict[str, float]:
    """One job on ``pdf`` in a fresh process, with an empty cache of its own, after a
    warm-up job on ``warm``."""
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.scale_bench", "--one", str(pdf), "--out", str(out), "--warm-up", str(warm)],
        cwd=ROOT, env={**env, "TRANSLATOR_CACHE_DIR": cache_of(out)}, capture_output=True, text=True,
    )  # fmt: skip
    if child.returncode != 0:
        raise SystemExit(f"the job on {pdf.name} failed:\n{child.stderr[-2000:]}")
    row: dict[str, float] = json.loads(child.stdout.splitlines()[-1])
    return row


if __name__ == "__main__":
    raise SystemExit(main())
