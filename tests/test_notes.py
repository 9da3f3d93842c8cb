"""Reading notes: every point cites paragraphs of the paper and holds for them; what the
model invents is caught, asked once more, then dropped and counted (or shown, marked)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from translator.notes.check import problems
from translator.render.notes import front_matter

from .conftest import corpus_pairs, needs_corpus
from .fixtures import invoke, make_paper_pdf
from .servers.fake_llm import FakeLLM

FAULTS = ["invent-number", "bad-id", "alien-term", "no-cites", "chatter"]


def _env(llm: FakeLLM, tmp_path: Path) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": llm.base_url,
        "OPENAI_API_KEY": "k",
        "TRANSLATOR_PARSER": "builtin",
        "TRANSLATOR_CACHE_DIR": str(tmp_path / "cache"),
    }


def _notes(tmp_path: Path, llm: FakeLLM, pdf: Path, *args: str) -> dict[str, Any]:
    result = invoke(["notes", str(pdf), "--out", str(tmp_path / "out"), *args], **_env(llm, tmp_path))
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads((tmp_path / "out" / f"{pdf.stem}.zh.notes.json").read_text("utf-8"))
    return data


def _points(notes: dict[str, Any]) -> list[dict[str, Any]]:
    summary = [p for part in notes["summary"].values() for p in part]
    return summary + [p for s in notes["sections"] for p in s["points"]]


def _assert_faithful(notes: dict[str, Any]) -> None:
    """Every point cites paragraphs the notes carry, and holds for them."""
    sources = notes["sources"]
    paper = "\n".join(sources.values())
    for point in _points(notes):
        assert point["cites"] and all(c in sources for c in point["cites"]), point
        assert problems(point["text"], point["cites"], sources, paper) == [], point


# -- the checks -------------------------------------------------------------------


PARAGRAPH = {
    "p1": "Our model reaches an accuracy of 0.96 with 1,200,000 parameters on three tasks (see Table 2).",
    "p2": "The transformer encoder has 12 layers.",
}
PAPER = " ".join(PARAGRAPH.values())


@pytest.mark.parametrize(
    "text",
    [
        "准确率达到 96%，参数量 1.2M。",
        "在三个任务上，准确率为 0.96（见表 2）。",
        "模型有 1.2 million 个参数，在 3 个任务上评测。",
        "**transformer** 编码器有 12 层。",
        "编码器（**Transformer encoder**）见图 5 与第 4 节。",
    ],
)
def test_a_faithful_point_passes(text: str) -> None:
    assert problems(text, ["p1", "p2"], PARAGRAPH, PAPER) == []


@pytest.mark.parametrize(
    ("text", "cites", "found"),
    [
        ("准确率达到 97%。", ["p1"], "the number 97%"),
        ("编码器有 24 层。", ["p2"], "the number 24"),
        ("编码器有 12 层。", ["p1"], "the number 12"),  # in the paper, not in the cited paragraph
        ("准确率 0.96。", ["p9"], "do not exist: p9"),
        ("准确率 0.96。", [], "cites no paragraph"),
        ("基于**graph neural network**。", ["p1"], "**graph neural network** does not occur"),
    ],
)
def test_what_the_paper_does_not_say_is_caught(text: str, cites: list[str], found: str) -> None:
    assert any(found in p for p in problems(text, cites, PARAGRAPH, PAPER))


def test_the_front_matter_is_yaml_whatever_the_title() -> None:
    meta = {
        "title": 'A "quoted": title\n--- with a rule # and a hash',
        "authors": ["Zoë O'Neil", "李雷"],
        "year": "2024",
        "tags": ["RL: theory", "[brackets]"],
        "doi": "",
    }
    text = front_matter(meta)
    assert text.startswith("---\n") and text.endswith("\n---")
    parsed = yaml.safe_load(text.strip("-\n"))
    assert parsed == {k: v for k, v in meta.items() if v}


# -- end to end -------------------------------------------------------------------


def test_notes_cite_the_paper_and_hold_for_it(tmp_path: Path) -> None:
    pdf = make_paper_pdf(tmp_path / "paper.pdf")
    with FakeLLM() as llm:
        notes = _notes(tmp_path, llm, pdf)
        translated = [r for r in llm.records if r.fault is None and not r.glossary_request]
    _assert_faithful(notes)
    assert notes["sections"] and any(notes["summary"].values())
    assert notes["dropped"] == {} and notes["reasked"] == 0
    assert notes["meta"]["title"] and notes["meta"]["citekey"]
    # Notes alone translate only what they show: the title, headings and captions.
    sent = {key for r in translated for key in json.loads(r.user)}
    paper = json.loads(json.dumps(notes["sources"]))
    assert not any(k in paper for k in sent)
    md = (tmp_path / "out" / "paper.zh.notes.md").read_text("utf-8")
    assert yaml.safe_load(md.split("---")[1])["citekey"] == notes["meta"]["citekey"]
    for cited in {c for p in _points(notes) for c in p["cites"]}:
        assert f"](#src-{cited})" in md and f'<a id="src-{cited}"></a>' in md


def test_notes_after_a_translation_cost_only_the_note_requests(tmp_path: Path) -> None:
    pdf = make_paper_pdf(tmp_path / "paper.pdf")
    with FakeLLM() as llm:
        done = invoke([str(pdf), "--out", str(tmp_path / "out"), "-q"], **_env(llm, tmp_path))
        assert done.exit_code == 0, done.output
        before = llm.count() - llm.count("notes")
        estimate = invoke(
            ["notes", str(pdf), "--dry-run", "--json", "--out", str(tmp_path / "out")], **_env(llm, tmp_path)
        )
        planned = json.loads(estimate.output[estimate.output.index("{") :])
        notes = _notes(tmp_path, llm, pdf)
        assert llm.count() - llm.count("notes") == before  # nothing translated again
        assert planned["requests"] == planned["note_requests"] == llm.count("notes") == notes["requests"]
        again = invoke(
            ["notes", str(pdf), "--dry-run", "--json", "--out", str(tmp_path / "out")], **_env(llm, tmp_path)
        )
        assert json.loads(again.output[again.output.index("{") :])["requests"] == 0  # all cached now
    html = (tmp_path / "out" / "paper.zh.notes.html").read_text("utf-8")
    assert 'href="paper.zh.html#' not in html  # notes alone: no bilingual version to link to


def test_invented_points_are_caught_fixed_once_or_dropped_and_counted(tmp_path: Path) -> None:
    pdf = make_paper_pdf(tmp_path / "paper.pdf")
    with FakeLLM() as llm:
        llm.note_faults = list(FAULTS)
        fixed = _notes(tmp_path / "fixed", llm, pdf)
        assert llm.note_faults_used == FAULTS
    _assert_faithful(fixed)
    assert fixed["reasked"] >= 1 and fixed["dropped"] == {}  # each bad point made right on the re-ask

    with FakeLLM() as llm:
        llm.note_faults, llm.notes_stubborn = list(FAULTS), True
        dropped = _notes(tmp_path / "dropped", llm, pdf)
    _assert_faithful(dropped)
    assert dropped["dropped"] == {
        "a number not in the cited paragraphs": 1,
        "cites a paragraph that does not exist": 1,
        "a term not in the paper": 1,
        "cites nothing": 1,
    }

    with FakeLLM() as llm:
        llm.note_faults, llm.notes_stubborn = list(FAULTS), True
        kept = _notes(tmp_path / "kept", llm, pdf, "--keep-unverified")
    marked = [p for p in _points(kept) if not p["verified"]]
    assert len(marked) == 4 and all(p["problems"] for p in marked)
    md = (tmp_path / "kept" / "out" / "paper.zh.notes.md").read_text("utf-8")
    assert md.count("⚠ *未核实") == 4


def test_hostile_model_text_stays_text(tmp_path: Path) -> None:
    from translator.render.notes import html_point, md_point

    text = "见 <script>alert(1)</script> [link](javascript:x) **term**\n# heading"
    assert "<script>" not in md_point(text) and "\n" not in md_point(text) and "**term**" in md_point(text)
    assert "<script>" not in str(html_point(text)) and "<strong>term</strong>" in str(html_point(text))


def test_your_own_notes_template(tmp_path: Path) -> None:
    pdf = make_paper_pdf(tmp_path / "paper.pdf")
    template = tmp_path / "mine.md.j2"
    template.write_text("{{ meta.citekey }}|{% for s in notes.sections %}{{ s.id }};{% endfor %}\n", "utf-8")
    with FakeLLM() as llm:
        notes = _notes(tmp_path, llm, pdf, "--notes-template", str(template))
    md = (tmp_path / "out" / "paper.zh.notes.md").read_text("utf-8")
    assert md.strip() == notes["meta"]["citekey"] + "|" + "".join(f"{s['id']};" for s in notes["sections"])


def test_notes_beside_a_translation_link_to_it(tmp_path: Path) -> None:
    pdf = make_paper_pdf(tmp_path / "paper.pdf")
    with FakeLLM() as llm:
        result = invoke([str(pdf), "--out", str(tmp_path / "out"), "--notes", "-q"], **_env(llm, tmp_path))
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    assert {p.name for p in out.glob("paper.zh.*")} >= {
        "paper.zh.md", "paper.zh.html", "paper.zh.json", "paper.zh.notes.md", "paper.zh.notes.html", "paper.zh.notes.json",
    }  # fmt: skip
    html = (out / "paper.zh.notes.html").read_text("utf-8")
    bilingual = (out / "paper.zh.html").read_text("utf-8")
    targets = re.findall(r'href="paper\.zh\.html#([^"]+)"', html)
    assert targets and all(f'id="{t}"' in bilingual for t in targets)
    report = json.loads((out / "paper.zh.json").read_text("utf-8"))["report"]
    assert report["notes"]["points"] > 0


# -- the corpus -----------------------------------------------------------------------


@pytest.mark.slow
@needs_corpus
@pytest.mark.parametrize("pair", corpus_pairs(), ids=lambda p: p[1].name.removesuffix(".tei.xml"))
def test_notes_on_every_corpus_pair(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    pdf, tei = pair
    with FakeLLM() as llm:
        result = invoke(
            ["notes", str(pdf), "--tei", str(tei), "--out", str(tmp_path / "out"), "-q"],
            **{**_env(llm, tmp_path), "TRANSLATOR_PARSER": "grobid"},
        )
    assert result.exit_code == 0, result.output
    notes = json.loads((tmp_path / "out" / f"{pdf.stem}.zh.notes.json").read_text("utf-8"))
    _assert_faithful(notes)
    assert _points(notes)
    md = (tmp_path / "out" / f"{pdf.stem}.zh.notes.md").read_text("utf-8")
    front = yaml.safe_load(md.split("\n---\n")[0].removeprefix("---\n"))
    assert front["title"] and front["citekey"]
    # Title, authors, year and DOI as the TEI's header has them.
    from translator.parsing.tei_reader import read_tei

    doc = read_tei(tei)
    assert front["title"] == doc.title.text if doc.title else True
    assert front.get("authors", []) == [a.name for a in doc.authors if a.name]
    assert front.get("year", "") == (
        doc.published[:4] if doc.published[:4].isdigit() else front.get("year", "")
    )
    assert front.get("doi", "") == (doc.doi or front.get("doi", ""))


def test_reading_style_translation_puts_every_terms_english_in_bold(tmp_path: Path) -> None:
    """``--mono --annotate-terms all --term-style bold``: the translation alone, each glossary
    term's English in bold right after its translation, every time (as seed 002 reads)."""
    pdf = make_paper_pdf(tmp_path / "paper.pdf")
    args = ["--out", str(tmp_path / "out"), "--mono", "--annotate-terms", "all", "--term-style", "bold", "-q"]
    with FakeLLM() as llm:
        result = invoke([str(pdf), *args], **_env(llm, tmp_path))
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    md = (out / "paper.zh.md").read_text("utf-8")
    glossary = [
        line.split(",")[:2] for line in (out / "paper.zh.glossary.csv").read_text("utf-8").splitlines()[1:]
    ]
    annotated = {source: md.count(f"{target}**{source}**") for source, target in glossary if target}
    assert max(annotated.values()) >= 2, annotated  # a term used twice is annotated twice
    assert "（" not in md  # bold style, not parentheses
    html = (out / "paper.zh.html").read_text("utf-8")
    assert '<strong class="term" lang="en">' in html
    data = (out / "paper.zh.json").read_text("utf-8")
    assert "\\ue010" not in data and "\ue010" not in data


@pytest.mark.slow
@needs_corpus
def test_notes_after_a_translation_resend_nothing_on_a_long_paper(tmp_path: Path) -> None:
    """Notes alone cut the paper as a translation does: the title, headings and captions it
    needs are the pieces already paid for (once they were cut anew, and 3 were paid twice)."""
    pairs = corpus_pairs()
    pdf, tei = next((p for p in pairs if "causalflip" in p[1].name), pairs[-1])
    common = ["--tei", str(tei), "--out", str(tmp_path / "out"), "-q"]
    with FakeLLM() as llm:
        env = {**_env(llm, tmp_path), "TRANSLATOR_PARSER": "grobid"}
        assert invoke([str(pdf), *common], **env).exit_code == 0
        paid = llm.count() - llm.count("notes")
        assert invoke(["notes", str(pdf), *common], **env).exit_code == 0
        assert llm.count() - llm.count("notes") == paid
        assert llm.count("notes") > 0


def test_a_key_formula_with_latex_is_mathml_in_the_notes(tmp_path: Path) -> None:
    """A formula the translation read as LaTeX (the fake answers any crop with its printed
    text written as LaTeX) is MathML in the notes' HTML, not its image or its source."""
    from translator.parsing.pdf.reader import read_pdf

    from .fixtures import make_formula_pdf

    pdf = make_formula_pdf(tmp_path / "f.pdf")
    assert list(read_pdf(pdf).formulas())
    with FakeLLM() as llm:
        result = invoke([str(pdf), "--out", str(tmp_path / "out"), "--notes", "-q"], **_env(llm, tmp_path))
    assert result.exit_code == 0, result.output
    notes = json.loads((tmp_path / "out" / "f.zh.notes.json").read_text("utf-8"))
    with_latex = [f for s in notes["sections"] for f in s["formulas"] if f["latex"]]
    assert with_latex, notes["sections"]
    html = (tmp_path / "out" / "f.zh.notes.html").read_text("utf-8")
    assert html.count("<math") >= len(with_latex)
