"""The progress display of the command line (Rich, on stderr)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class RichProgress:
    """Progress on stderr: a bar in completion tokens (they stream in, so it moves from
    the first seconds and its rate gives a real ETA), segments done/total beside it,
    and one dim line per stage."""

    def __init__(self, console: Console, enabled: bool) -> None:
        self.console = console
        self.enabled = enabled
        self.tokens = 0
        self.segments = 0
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def start(self, total: int, expected_tokens: int = 0) -> None:
        if not self.enabled:
            return
        self.bar = Progress(
            TextColumn("[bold]translating"),
            BarColumn(),
            TextColumn("{task.fields[segments]}/{task.fields[total_segments]} segments"),
            TextColumn("· {task.completed:.0f} tokens ·"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.bar.start()
        self.task = self.bar.add_task(
            "translate", total=max(1, expected_tokens), segments=0, total_segments=total, rate="…"
        )

    def advance(self, units: int, tokens: int) -> None:
        self.tokens += tokens
        self.segments += units
        if self.bar is None or self.task is None:
            return
        task = self.bar.tasks[0]
        total = task.total or 1
        if self.tokens >= total:  # longer than guessed: keep the bar short of full until done
            total = self.tokens * 1.1
        speed = task.speed
        rate = f"{speed:.0f} tok/s" if speed else "…"
        self.bar.update(self.task, completed=self.tokens, total=total, segments=self.segments, rate=rate)

    def note(self, message: str) -> None:
        if self.enabled:
            self.console.print(f"[dim]{escape(message)}[/dim]", soft_wrap=True)

    def stop(self) -> None:
        if self.bar is not None:
            if self.task is not None and self.segments >= self.bar.tasks[0].fields["total_segments"]:
                self.bar.update(self.task, completed=self.tokens, total=max(1, self.tokens))
            self.bar.stop()
            self.bar = None


class PapersProgress:
    """Several papers at once (``translate batch``): one bar per paper in flight, in
    segments, removed when the paper ends; event lines print above the bars."""

    def __init__(self, console: Console, enabled: bool) -> None:
        self.console = console
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:.0f}/{task.total:.0f} segments"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not enabled,
        )

    def __enter__(self) -> PapersProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def paper(self, name: str) -> PaperBar:
        """The progress of one paper, as a job reports it."""
        return PaperBar(self.bar, name)

    def print(self, line: str) -> None:
        self.console.print(escape(line), highlight=False, soft_wrap=True)


class PaperBar:
    """One paper's row in :class:`PapersProgress` (a job's ``Progress``)."""

    def __init__(self, bar: Progress, name: str) -> None:
        self.bar = bar
        self.name = name if len(name) <= 40 else "…" + name[-39:]
        self.task: TaskID | None = None

    def start(self, total: int, expected_tokens: int = 0) -> None:
        self.task = self.bar.add_task(escape(self.name), total=max(1, total))

    def advance(self, units: int, tokens: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, units)

    def note(self, message: str) -> None:
        pass  # per-stage notes of many papers at once would bury the events

    def stop(self) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
            self.task = None
