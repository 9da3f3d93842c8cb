"""Translate scientific papers into bilingual Markdown, HTML and JSON.

Python API::

    from translator import load_settings, run
    result = run(Path("paper.pdf"), load_settings({"lang": "zh"}))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .settings import Settings, load_settings

if TYPE_CHECKING:
    from .jobs import run
    from .pipeline import RunResult

__all__ = ["RunResult", "Settings", "load_settings", "run"]


def __getattr__(name: str) -> Any:
    """``run`` and ``RunResult`` load the pipeline when first used, so that a command
    that needs no pipeline (``translate --help``) does not pay for importing it."""
    if name == "run":
        from .jobs import run

        return run
    if name == "RunResult":
        from .pipeline import RunResult

        return RunResult
    raise AttributeError(f"module 'translator' has no attribute {name!r}")
