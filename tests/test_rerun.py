"""A rerun with nothing to do: up to date at once, and what a forced rerun reuses
(the built-in reader's result, the figure images)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from translator.errors import ExitCode
from translator.model import Document, Figure, Region
from translator.parsing import crops, readers
from translator.parsing.crops import crop_assets

from .fixtures import invoke, make_pdf, write_small_tei
from .servers.fake_llm import FakeLLM, FaultPlan


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.suffix != ".json"}


def test_rerun_with_nothing_to_do_is_up_to_date(tmp_path: Path, llm: FakeLLM) -> None:
    tei = write_small_tei(tmp_path)
    out = tmp_path / "out"
    args = [str(tei), "--out", str(out)]
    first = invoke(args, OPENAI_BASE_URL=llm.base_url)
    assert first.exit_code == 0, first.output
    made, asked = _outputs(out), llm.count()
    assert (out / ".tiny.zh.run.json").is_file()

    again = invoke(args, OPENAI_BASE_URL=llm.base_url)
    assert again.exit_code == 0 and "up to date" in again.output and "20 segments" in again.output
    assert llm.count() == asked and _outputs(out) == made

    # An output edited or deleted is made again (from the cache: nothing is asked).
    (out / "tiny.zh.md").write_text("edited", encoding="utf-8")
    (out / "tiny.zh.html").unlink()
    mended = invoke(args, OPENAI_BASE_URL=llm.base_url)
    assert mended.exit_code == 0 and "up to date" not in mended.output and "20 from cache" in mended.output
    assert llm.count() == asked and (out / "tiny.zh.html").is_file()
    assert (out / "tiny.zh.md").read_text(encoding="utf-8").startswith("# ")

    # Other settings, another glossary, --force: each runs.
    other = invoke([*args, "--no-auto-glossary"], OPENAI_BASE_URL=llm.base_url)
    assert other.exit_code == 0 and "up to date" not in other.output
    glossary = tmp_path / "g.csv"
    glossary.write_text("source,target\nrobots,机器人\n", encoding="utf-8")
    assert (
        "up to date" not in invoke([*args, "--glossary", str(glossary)], OPENAI_BASE_URL=llm.base_url).output
    )
    assert "up to date" in invoke([*args, "--glossary", str(glossary)], OPENAI_BASE_URL=llm.base_url).output
    glossary.write_text("source,target\nrobots,机器人们\n", encoding="utf-8")
    assert (
        "up to date" not in invoke([*args, "--glossary", str(glossary)], OPENAI_BASE_URL=llm.base_url).output
    )
    assert "up to date" not in invoke([*args, "--force"], OPENAI_BASE_URL=llm.base_url).output


def test_another_paper_under_the_same_name_is_not_up_to_date(tmp_path: Path, llm: FakeLLM) -> None:
    tei = write_small_tei(tmp_path)
    assert invoke([str(tei)], OPENAI_BASE_URL=llm.base_url).exit_code == 0
    tei.write_text(tei.read_text(encoding="utf-8").replace("Tiny Robots", "Big Boats"), encoding="utf-8")
    result = invoke([str(tei)], OPENAI_BASE_URL=llm.base_url)
    assert result.exit_code == 0 and "up to date" not in result.output
    assert "Big Boats" in (tmp_path / "tiny.zh.md").read_text(encoding="utf-8")


def test_an_incomplete_run_leaves_no_record(tmp_path: Path) -> None:
    """Segments that failed are retried by the next run, never called up to date."""
    tei = write_small_tei(tmp_path)
    with FakeLLM(FaultPlan(rate=1.0, kinds=("placeholder",))) as llm:
        args = [str(tei), "--format", "json"]
        env = {"OPENAI_BASE_URL": llm.base_url, "TRANSLATOR_VALIDATION_RETRIES": "1"}
        assert invoke(args, **env).exit_code == ExitCode.PARTIAL
        assert not (tmp_path / ".tiny.zh.run.json").exists()
        again = invoke(args, **env)
    assert again.exit_code == ExitCode.PARTIAL and "up to date" not in again.output


def test_the_builtin_reader_reads_a_pdf_once(
    tmp_path: Path, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    reads: list[Path] = []
    real = readers.read_pdf

    def counted(path: Path) -> Document:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(readers, "read_pdf", counted)
    pdf = make_pdf(tmp_path / "paper.pdf")
    args = [str(pdf), "--parser", "builtin", "--force"]
    assert invoke(args, OPENAI_BASE_URL=llm.base_url).exit_code == 0
    first = (tmp_path / "paper.zh.md").read_text(encoding="utf-8")
    assert invoke(args, OPENAI_BASE_URL=llm.base_url).exit_code == 0
    assert len(reads) == 1  # the second run found the first one's result
    assert (tmp_path / "paper.zh.md").read_text(encoding="utf-8") == first
    make_pdf(pdf, pages=3)  # other bytes under the same name
    assert invoke(args, OPENAI_BASE_URL=llm.base_url).exit_code == 0
    assert len(reads) == 2 and "page 3" in (tmp_path / "paper.zh.md").read_text(encoding="utf-8")
    # A damaged stored result is read again, never trusted.
    stored = list((isolated_env / "cache" / "read").glob("*.pickle"))
    assert len(stored) == 2
    for path in stored:
        path.write_bytes(b"not a pickle")
    assert invoke(args, OPENAI_BASE_URL=llm.base_url).exit_code == 0
    assert len(reads) == 3


def test_figure_images_are_cut_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = make_pdf(tmp_path / "paper.pdf", text=False)  # a filled rectangle at (20, 20) mm
    doc = Document(figures=[Figure("fig_0", "figure", region=Region(1, 50, 50, 300, 200))])
    assets = tmp_path / "assets"
    written = crop_assets(pdf, doc, assets, "assets")
    assert written == {"fig_0": "assets/fig_0.png"}
    record = json.loads((assets / crops.RECORD).read_text(encoding="utf-8"))
    assert record["written"] == written

    def no_rendering(*args: object) -> dict[str, str]:
        raise AssertionError("the page was rendered again")

    with monkeypatch.context() as patch:
        patch.setattr(crops, "_crop", no_rendering)
        assert crop_assets(pdf, doc, assets, "assets") == written
    # Moved, deleted or cut from other bytes: cut again.
    doc.figures[0].region = Region(1, 40, 40, 300, 200)
    cut: list[str] = []
    real = crops._crop
    monkeypatch.setattr(crops, "_crop", lambda *a: cut.append("cut") or real(*a))
    assert crop_assets(pdf, doc, assets, "assets") == written and cut == ["cut"]
    (assets / "fig_0.png").unlink()
    assert crop_assets(pdf, doc, assets, "assets") == written and len(cut) == 2
    make_pdf(pdf, pages=3, text=False)
    assert crop_assets(pdf, doc, assets, "assets") == written and len(cut) == 3
