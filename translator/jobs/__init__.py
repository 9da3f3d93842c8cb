"""Jobs: one paper through the pipeline, assembled in one place from a ``JobSpec``.

The command line, the dry run, the benchmarks, the watch-folder daemon and remote
workers all build their work here, so a run is wired together once. ``Job``,
``build_job`` and ``run`` load the pipeline on first use: the command line asks
``jobs.fresh`` whether there is anything to do before it loads any of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .spec import JobSpec

if TYPE_CHECKING:
    from .job import Job, build_job, run

__all__ = ["Job", "JobSpec", "build_job", "run"]


def __getattr__(name: str) -> Any:
    if name in ("Job", "build_job", "run"):
        from . import job

        return getattr(job, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
