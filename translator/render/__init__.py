"""Rendering: bilingual Markdown, HTML and JSON from a translated Document."""

from ..files import write_atomic
from .outputs import render_html, render_json, render_markdown, render_outputs

__all__ = ["render_html", "render_json", "render_markdown", "render_outputs", "write_atomic"]
