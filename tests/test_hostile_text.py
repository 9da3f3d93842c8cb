"""Paper text and model answers are untrusted: whatever they hold, the Markdown shows it
as text. The Markdown is rendered as GitHub and Obsidian do (CommonMark with raw HTML
allowed, markdown-it) and the result is checked for anything that runs, links out or
adds structure; the same page is then opened in headless Chromium, where nothing may run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from translator.model import (
    Document,
    Figure,
    Formula,
    FormulaBlock,
    Note,
    Paragraph,
    Reference,
    Section,
    Segment,
)
from translator.render import render_markdown

from .test_render import translated

HOSTILE = [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=2</script>",
    "[click](javascript:window.__pwned=3)",
    "# Not a heading",
    "1. not a list",
    "```\n<script>window.__pwned=4</script>\n```",
    "</think> the text after a closing think tag stays",
    "a literal <x1/> and {{ 7*7 }} and {% raw %}",
]


def _hostile_doc() -> Document:
    paragraphs = [Paragraph(Segment(f"p{i}", "paragraph", text)) for i, text in enumerate(HOSTILE)]
    formula = Formula('f1"><script>window.__pwned=5</script>', "a ``` b\n```\n<script>x</script>", "(1<b>)")
    section = Section(
        "sec1", Segment("h0", "heading", "Results <b onmouseover=alert(1)>"), '2<script>window.__pwned=7</script>', [
            *paragraphs, FormulaBlock(formula)
        ],
    )  # fmt: skip
    figure = Figure('fig"><script>', "table", "1", "Table 1", Segment("c0", "caption", "<iframe src=x>"),
                    rows=[["<script>cell</script>", "| pipe"]])  # fmt: skip
    note = Note('n"><b>', "<i>1</i>", [Segment("n0", "footnote", "<svg onload=alert(1)>")])
    reference = Reference('b0"><script>', "Evil <script>ref</script>")
    return Document(title=Segment("t0", "title", "<h1>Title</h1>"), body=[section], figures=[figure],
                    notes=[note], references=[reference])  # fmt: skip


def _rendered(tmp_path: Path) -> str:
    doc, results = translated(_hostile_doc())
    # The model misbehaves too: a newline and a heading, raw HTML, a link scheme.
    from dataclasses import replace

    segment = next(s for s in results.segments if s.id == "p1")
    results.set(segment, replace(results.of(segment), text="ok\n# Injected heading\n<script>window.__pwned=6</script>",
                                 tagged="ok\n# Injected heading\n<script>window.__pwned=6</script>"))  # fmt: skip
    markdown = render_markdown(doc, results, "zh")
    page = "<!doctype html><meta charset=utf-8><body>" + MarkdownIt("commonmark", {"html": True}).render(
        markdown
    )
    (tmp_path / "md.html").write_text(page, "utf-8")
    return page


def test_markdown_of_hostile_text_runs_nothing_and_adds_no_structure(tmp_path: Path) -> None:
    page = _rendered(tmp_path)
    tree = lxml_html.fromstring(page)
    assert not tree.xpath("//script | //iframe | //svg | //img | //b | //i")
    assert not [a for a in tree.xpath("//*/@*") if a.attrname.startswith("on")]
    assert not [h for h in tree.xpath("//a/@href") if not h.startswith(("#", "http"))]
    headings = [" ".join(h.text_content().split()) for h in tree.xpath("//h1 | //h2 | //h3 | //h4")]
    assert not [h for h in headings if "Injected" in h or "Not a heading" in h]
    assert not tree.xpath("//ol")  # "1. not a list" stays a sentence, shown as written
    assert "1. not a list" in tree.text_content() and "\\1" not in tree.text_content()
    text = tree.text_content()
    for visible in ("<script>window.__pwned=2</script>", "</think> the text after", "<x1/>", "{{ 7*7 }}"):
        assert visible in text, visible
    assert re.search(r"# Not a heading", text)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_markdown_of_hostile_text_in_chromium(tmp_path: Path) -> None:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright (a dev dependency) is not installed"
    )
    _rendered(tmp_path)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto((tmp_path / "md.html").as_uri())
        for anchor in page.locator("a[href]").all():
            anchor.click(timeout=2000)  # a javascript: link would run here
        pwned = page.evaluate("window.__pwned === undefined ? null : window.__pwned")
        browser.close()
    assert pwned is None
