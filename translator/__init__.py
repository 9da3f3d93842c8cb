"""Translate scientific papers into bilingual Markdown, HTML and JSON.

Python API::

    from translator import load_settings, run
    result = run(Path("paper.pdf"), load_settings({"lang": "zh"}))
"""

from .jobs import run
from .pipeline import RunResult
from .settings import Settings, load_settings

__all__ = ["RunResult", "Settings", "load_settings", "run"]
