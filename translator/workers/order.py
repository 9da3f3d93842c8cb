"""What a submitter asks of a paper travels with the job; how it is done is the worker's.

The order holds the output settings (language, formats, formulas, glossary, parser,
the caps on one paper's spending); the worker supplies the endpoint, its key, its
limits and its GROBID servers. No key ever goes through Redis.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..settings import Settings

ORDER_FIELDS = (
    "lang",
    "formats",
    "mono",
    "formulas",
    "inline_math",
    "auto_glossary",
    "annotate_terms",
    "term_style",
    "parser",
    "translate_tables",
    "max_requests",
    "max_tokens",
    "max_cost",
)


def order_of(settings: Settings) -> dict[str, Any]:
    """The submitter's side of the settings, as plain JSON values."""
    flat: dict[str, Any] = {}
    for section in dataclasses.fields(settings):
        values = getattr(settings, section.name)
        for name in ORDER_FIELDS:
            if hasattr(values, name):
                value = getattr(values, name)
                flat[name] = list(value) if isinstance(value, tuple) else value
    return flat


def settings_for(worker: Settings, order: dict[str, Any]) -> Settings:
    """The worker's settings with the order applied (``ConfigError`` if they clash,
    such as a cost cap on a worker that knows no prices)."""
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in order.items() if k in ORDER_FIELDS}
    return worker.with_values(**values)
