"""Rendering: golden Markdown, escaped HTML, the JSON model, atomic writes."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from lxml import html as lxml_html

from translator.chunking.protect import protect, restore
from translator.files import write_all_atomic
from translator.model import Document
from translator.parsing.tei_reader import read_tei
from translator.render import render_each, render_html, render_json, render_markdown, write_atomic
from translator.render.view import data_uri
from translator.results import Results, Translation

from .fixtures import SMALL_TEI
from .servers.fake_llm import pseudo_translate

GOLDEN = Path(__file__).parent / "golden"


def translated(doc: Document, fail: str | None = None) -> tuple[Document, Results]:
    """The document with every segment given the fake server's translation."""
    results = Results(list(doc.segments()))
    for seg in results.segments:
        if seg.id == fail:
            results.set(seg, Translation(status="failed", error="missing <x1/>"))
            continue
        protected = protect(seg)
        tagged = pseudo_translate(protected.text)
        results.set(seg, Translation(restore(tagged, protected.originals), tagged, "translated"))
    return doc, results


def translated_small_doc(fail: str | None = None) -> tuple[Document, Results]:
    """The small TEI with every segment given the fake server's translation."""
    return translated(read_tei(SMALL_TEI), fail)


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"differs from {path}; UPDATE_GOLDEN=1 to accept"


def test_markdown_golden() -> None:
    _golden("tiny.zh.md", render_markdown(*translated_small_doc(), "zh"))


def test_markdown_mono_golden() -> None:
    _golden("tiny.zh.mono.md", render_markdown(*translated_small_doc(fail="p1"), "zh", mono=True))


def test_markdown_keeps_citations_linked_and_references_untranslated() -> None:
    md = render_markdown(*translated_small_doc(), "zh")
    assert md.count("[\\[1\\]](#ref-b0)") == 4  # original and translation, in the abstract and the intro
    assert '<a id="ref-b1"></a>2. A Turing. Computing machinery and intelligence. Mind. 1950' in md
    assert md.index("## 参考文献 References") > md.index("## 注释 Notes")
    # No LaTeX for this formula (no crop to ask about): its text in a plain fence, never a math one.
    assert "```text\nJ(θ) = E[∑ t γ t r t ]    (1)\n```" in md and "```math" not in md


def test_failed_segment_is_visible() -> None:
    md = render_markdown(*translated_small_doc(fail="p1"), "zh")
    assert "⚠ **未翻译 Untranslated** (missing &lt;x1/&gt;)" in md
    html = render_html(*translated_small_doc(fail="p1"), "zh")
    assert 'class="pair failed" id="p1"' in html


def test_html_escapes_paper_text() -> None:
    page = render_html(*translated_small_doc(), "zh", report={"summary": "ok"})
    assert "<script>" not in page
    assert "&lt;script&gt;alert(" in page
    tree = lxml_html.fromstring(page)
    assert not tree.xpath("//script")
    # Citation links point to reference-list entries that exist.
    targets = {a.get("href")[1:] for a in tree.xpath("//a[@class='bibr']")}
    assert targets == {"ref-b0", "ref-b1"}
    for target in targets:
        assert tree.xpath(f"//*[@id='{target}']")
    # Side by side: every paragraph has its original and its translation.
    pairs = tree.xpath("//div[contains(@class,'pair')]")
    assert pairs and all(p.xpath("./div[@class='src']") and p.xpath("./div[@class='tr']") for p in pairs)
    # Self-contained: nothing to fetch.
    assert not tree.xpath("//link[@href] | //img[starts-with(@src,'http')] | //script[@src]")
    assert [a.get("href") for a in tree.xpath("//nav//a")][:2] == ["#sec2", "#sec3"]


def test_json_model_round_trip() -> None:
    data = json.loads(render_json(*translated_small_doc(), "zh", {"summary": "ok"}))
    assert data["schema_version"] == 2 and data["target_lang"] == "zh"
    body = data["document"]["body"]
    first = body[0]["blocks"][0]["segment"]
    assert first["status"] == "translated" and first["translation"] and first["spans"][0]["kind"] == "bibr"
    assert data["document"]["references"][0]["id"] == "b0"


def test_write_outputs_and_atomicity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc, results = translated_small_doc()
    paths = write_all_atomic(
        render_each(doc, results, tmp_path, "tiny", "zh", ("md", "html", "json"), False, {"summary": ""})
    )
    assert sorted(p.name for p in paths) == ["tiny.zh.html", "tiny.zh.json", "tiny.zh.md"]
    before = (tmp_path / "tiny.zh.md").read_text(encoding="utf-8")

    def boom(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(tmp_path / "tiny.zh.md", "half")
    assert (tmp_path / "tiny.zh.md").read_text(encoding="utf-8") == before
    assert not list(tmp_path.glob("*.part"))


def test_the_json_schema_is_written_out_and_covers_the_model() -> None:
    """The JSON's document is an explicit mapping (render/json_schema.py). Today it says
    exactly what the model holds, each segment with its result and each figure and formula
    with its image; when a model field is added this fails, and the field goes into the
    schema (with docs/output-json.md and the version) or stays out."""
    from dataclasses import asdict

    from translator.parsing.assembly import with_table_cells
    from translator.render.json_schema import document_json

    from .conftest import corpus_tei_files

    cases = [translated_small_doc(), (read_tei(SMALL_TEI), Results())]
    for tei in corpus_tei_files():  # formulas, tables, notes, authors (none when the corpus is absent)
        doc, results = translated(with_table_cells(read_tei(tei)), fail="p1")
        results.images = {f.id: f"assets/{f.id}.png" for f in doc.figures[:2]}
        formulas = list(doc.formulas())
        results.latex = {f.id: "x^{2}" for f in formulas[:1]}
        results.formula_errors = {f.id: "rejected" for f in formulas[1:2]}
        cases.append((doc, results))
    for doc, results in cases:
        assert document_json(doc, results) == _with_results(asdict(doc), results)


def _with_results(data: object, results: Results) -> object:
    """``asdict`` of the model with what the run made of each segment, figure and formula."""
    if isinstance(data, list):
        return [_with_results(item, results) for item in data]
    if not isinstance(data, dict):
        return data
    out = {key: _with_results(value, results) for key, value in data.items()}
    if {"id", "kind", "text", "spans", "section"} <= data.keys():
        outcome = results.translations.get(data["id"], Translation())
        out |= {
            "translation": outcome.text, "translation_tagged": outcome.tagged, "status": outcome.status,
            "error": outcome.error, "glossary_issues": list(outcome.glossary_issues),
        }  # fmt: skip
    if "region" in data and data.keys() != {"id", "text", "region"}:  # a code block has no image
        out["image"] = results.image(data["id"])
    if {"id", "text", "label", "region"} == data.keys():  # a display formula: its LaTeX, or why none
        out |= {"latex": results.latex.get(data["id"]), "latex_error": results.formula_errors.get(data["id"])}
    return out


def test_a_reference_that_carries_its_number_is_not_numbered_twice() -> None:
    from translator.model import Reference

    doc, results = translated_small_doc()
    doc.references = [
        Reference("b0", "[1] A. Turing. Computing machinery."),
        Reference("b1", "B. Author. A book."),
    ]
    md = render_markdown(doc, results, "zh")
    assert '<a id="ref-b0"></a>\\[1\\] A. Turing.' in md  # not "1. \\[1\\] A. Turing."
    assert '<a id="ref-b1"></a>2. B. Author.' in md
    page = render_html(doc, results, "zh")
    assert (
        '<li id="ref-b0" class="own-number">[1] A. Turing.' in page and '<li id="ref-b1">B. Author.' in page
    )
    from translator.render.view import ref_numbered

    assert not ref_numbered(Reference("b2", "2022. Role of cities."))  # a year is no number


def test_outputs_are_written_one_at_a_time_and_the_html_in_pieces(tmp_path: Path) -> None:
    """The HTML streamed piece by piece is the HTML rendered whole; each output is written
    before the next is rendered; a renderer that fails half way leaves no file behind."""
    doc, results = translated_small_doc()
    (tmp_path / "a.png").write_bytes(b"\x89PNG fake bytes")
    results.images[doc.figures[0].id] = "a.png"
    made: list[str] = []

    def outputs() -> Iterator[tuple[Path, str | Iterable[str]]]:
        for path, text in render_each(
            doc, results, tmp_path, "tiny", "zh", ("html", "md"), False, {"summary": ""}
        ):
            made.append(path.name)
            assert all((tmp_path / name).with_suffix(".part").exists() is False for name in made)
            yield path, text

    written = write_all_atomic(outputs())
    assert [p.name for p in written] == ["tiny.zh.html", "tiny.zh.md"]
    html = (tmp_path / "tiny.zh.html").read_text(encoding="utf-8")
    assert html == render_html(doc, results, "zh", False, {"summary": ""}, tmp_path)
    assert "data:image/png;base64," + base64.b64encode(b"\x89PNG fake bytes").decode() in html

    def broken() -> Iterator[str]:
        yield "<html>"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_all_atomic([(tmp_path / "x.md", "fine"), (tmp_path / "x.html", broken())])
    assert not (tmp_path / "x.md").exists() and not list(tmp_path.glob("*.part"))


def test_an_image_that_is_not_there_is_not_embedded(tmp_path: Path) -> None:
    assert not data_uri(tmp_path, "missing.png") and str(data_uri(tmp_path, "missing.png")) == ""
    assert not data_uri(None, "a.png") and not data_uri(tmp_path, "")


def test_the_original_text_is_marked_in_the_papers_language() -> None:
    # A Chinese page set English text with the Chinese font's full-width "’" and accents.
    page = lxml_html.fromstring(render_html(*translated_small_doc(), "zh"))
    assert page.get("lang") == "zh"
    originals = page.xpath("//*[contains(concat(' ', @class, ' '), ' src ')]")
    assert originals and {element.get("lang") for element in originals} == {"en"}
    assert {
        element.get("lang")
        for element in page.xpath("//*[contains(concat(' ', @class, ' '), ' tr ')][@lang]")
    } == {"zh"}
    assert page.xpath("//ol[@class='refs']")[0].get("lang") == "en"
