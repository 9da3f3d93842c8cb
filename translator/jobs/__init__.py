"""Jobs: one paper through the pipeline, assembled in one place from a ``JobSpec``.

The command line, the dry run, the benchmarks (and next the watch-folder daemon
and remote workers) all build their work here, so a run is wired together once.
"""

from .job import Job, build_job, run
from .spec import JobSpec

__all__ = ["Job", "JobSpec", "build_job", "run"]
