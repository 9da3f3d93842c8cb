"""Rendering: bilingual Markdown, HTML and JSON from a translated Document."""

from ..files import write_atomic
from .outputs import render_each, render_html, render_json, render_markdown

__all__ = ["render_each", "render_html", "render_json", "render_markdown", "write_atomic"]
