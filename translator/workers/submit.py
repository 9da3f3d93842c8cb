"""``translate submit``: papers onto the board and the queue, then (unless told not to
wait) their progress over every worker and their outputs written, whole, into
``--out`` as each job ends. A paper already done is written at once, for nothing."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import BadInputError
from ..service.paper import Row
from ..service.publish import discard, publish
from ..settings import Settings
from .board import JobBoard
from .order import order_of
from .queue import TaskQueue

POLL_SECONDS = 0.5
NO_WORKER_POLLS = 20  # every 10 s of waiting, say so when no worker is alive


@dataclass
class Paper:
    """One submitted file and its job."""

    name: str  # relative to what was submitted; the outputs mirror it
    job: str
    state: str = "queued"
    written: list[Path] = field(default_factory=list)


def pdfs_under(paths: Iterable[Path]) -> list[tuple[str, Path]]:
    """Every PDF named or under a named folder, with the name its outputs mirror."""
    found: list[tuple[str, Path]] = []
    for path in paths:
        if path.is_dir():
            found += [
                (p.relative_to(path).as_posix(), p)
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() == ".pdf" and not p.name.startswith(".")
            ]
        elif path.is_file():
            found.append((path.name, path))
        else:
            raise BadInputError(f"{path} does not exist: name PDF files or folders of them")
    return found


def submit(board: JobBoard, queue: TaskQueue, settings: Settings, paths: Iterable[Path]) -> list[Paper]:
    """Record each paper's job and queue those that are new; returns them all."""
    order = order_of(settings)
    papers = []
    for name, path in pdfs_under(paths):
        submitted = board.submit(name, path.read_bytes(), order)
        if submitted.new:
            queue.send(submitted.id)
        papers.append(Paper(name, submitted.id, submitted.state))
    return papers


class Waiter:
    """Follows submitted jobs to their end, writing each one's outputs as it ends."""

    def __init__(
        self,
        board: JobBoard,
        out_dir: Path,
        show: Callable[[Paper, dict[str, str]], None] = lambda paper, record: None,
        sleep: Callable[[float], None] = time.sleep,
        alive: Callable[[], int] | None = None,
        notice: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.board = board
        self.out_dir = out_dir
        self.show = show
        self.sleep = sleep
        self.alive = alive  # workers with a recent heartbeat, to say so when there are none
        self.notice = notice

    def wait(self, papers: list[Paper], stop: Callable[[], bool] = lambda: False) -> list[Row]:
        """Until every job is done or failed (or ``stop``); one summary row per paper."""
        rows: dict[str, Row] = {}
        polls = 0
        while not stop():
            polls += 1
            if polls % NO_WORKER_POLLS == 0 and self.alive is not None and self.alive() == 0:
                self.notice(
                    "no worker is running: start `translate worker --broker …` on a machine that reaches "
                    "this Redis (the papers wait in the queue; Ctrl-C stops waiting, not them)"
                )
            for paper in papers:
                if paper.name in rows:
                    continue
                record = self.board.get(paper.job)
                paper.state = record.get("state", "missing")
                self.show(paper, record)
                if paper.state in ("done", "failed", "missing"):
                    rows[paper.name] = self._settle(paper, record)
            if len(rows) == len(papers):
                break
            self.sleep(POLL_SECONDS)
        return [
            rows.get(p.name) or Row(p.name, p.state, error="still running on the workers") for p in papers
        ]

    def _settle(self, paper: Paper, record: dict[str, str]) -> Row:
        if paper.state == "done":
            paper.written = self.write(paper)
        elif paper.state == "missing":
            record = {"error": "the job is no longer on the board (Redis was emptied): submit it again"}
        return Row(
            paper.name,
            paper.state if paper.state != "missing" else "failed",
            _int(record.get("pages")),
            _int(record.get("segments")),
            _int(record.get("failed_segments")),
            _int(record.get("tokens")) or 0,
            float(record.get("cost") or 0.0),
            float(record.get("seconds") or 0.0),
            record.get("error", ""),
        )

    def write(self, paper: Paper) -> list[Path]:
        """The job's outputs into ``--out`` (mirroring the paper's folder), whole or not at all."""
        target = self.out_dir / PurePosixPath(paper.name).parent
        staging = self.out_dir / ".translate" / "staging" / uuid.uuid4().hex[:12]
        try:
            for relative, data in self.board.outputs(paper.job).items():
                path = staging / _safe(relative)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            staging.mkdir(parents=True, exist_ok=True)
            return publish(staging, target)
        finally:
            discard(staging)


def _safe(relative: str) -> Path:
    """A path from the board, refused if it would leave the output folder."""
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BadInputError(f"refusing an output path from the board that leaves --out: {relative!r}")
    return Path(*path.parts)


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except ValueError:
        return None
