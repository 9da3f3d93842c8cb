"""The HTML output opened in headless Chromium: not blank, no console errors, no network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from translator.render import render_html

from .test_render import translated_small_doc

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian's chromium is not installed (apt-get install -y chromium; .ci/run does it)",
    ),
]


def test_html_in_headless_chromium(tmp_path: Path) -> None:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright (a dev dependency) is not installed"
    )
    page_file = tmp_path / "tiny.zh.html"
    doc, results = translated_small_doc(fail="p1")
    # A reference with a long unbreakable link, as real reference lists have: on a phone
    # it once widened the whole page (text cut at the right edge).
    doc.references[0].text += " https://doi.example.org/10.1000/" + "x" * 150
    page_file.write_text(render_html(doc, results, "zh", report={"summary": "ok"}), "utf-8")
    console: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on(
            "console",
            lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
        )
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        page.on(
            "request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None
        )
        page.goto(page_file.as_uri())
        page.screenshot(path=str(tmp_path / "both.png"), full_page=False)

        body_text = page.inner_text("main")
        assert "Reinforcement Learning for Tiny Robots" in body_text
        assert "Robots learn from rewards" in body_text
        box = page.locator("#p0 .tr").bounding_box()
        src = page.locator("#p0 .src").bounding_box()
        assert box and src and box["x"] > src["x"] + 200  # side by side

        # The switch: translation only, then original only.
        page.click("label[for=mode-tr]")
        assert not page.locator("#p0 .src").is_visible() and page.locator("#p0 .tr").is_visible()
        page.click("label[for=mode-src]")
        assert page.locator("#p0 .src").is_visible() and not page.locator("#p0 .tr").is_visible()

        # A citation link jumps to its reference-list entry.
        page.click("label[for=mode-both]")
        page.locator("#p0 .src a.bibr").first.click()
        assert page.evaluate("location.hash") == "#ref-b0"
        assert page.locator("#ref-b0").is_visible()

        # A phone: one column, nothing wider than the screen.
        page.set_viewport_size({"width": 390, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box, src = page.locator("#p0 .tr").bounding_box(), page.locator("#p0 .src").bounding_box()
        assert box and src and box["y"] > src["y"] and box["x"] + box["width"] <= 390  # stacked
        browser.close()
    assert console == []
    assert requests == []
    # Not blank: the screenshot has real content.
    size = (tmp_path / "both.png").stat().st_size
    assert size > 20_000
