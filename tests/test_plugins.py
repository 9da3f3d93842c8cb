"""Parsers and renderers come from registries: the built-in ones by name, a third
party's through entry points, and ``--parser``/``--format`` accept what is registered."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from translator import plugins
from translator.cli import main
from translator.errors import ExitCode
from translator.model import Document
from translator.parsing.readers import Parsed
from translator.parsing.tei_reader import read_tei
from translator.results import Results
from translator.settings import ParserSettings, load_settings, valid_formats, valid_parsers

from .fixtures import SMALL_TEI, make_pdf, write_small_tei
from .servers.fake_llm import FakeLLM


class PlainTextRenderer:
    """A third party's format: the translations alone, one per line."""

    suffix = "txt"

    def render(
        self, doc: Document, results: Results, lang: str, mono: bool, report: dict[str, Any], out_dir: Path
    ) -> str:
        return "\n".join(results.of(s).text or "" for s in doc.segments()) + "\n"


class TeiFileParser:
    """A third party's reader: ignores the PDF, reads a fixed TEI (as a stand-in for any other tool)."""

    def __init__(self, settings: ParserSettings) -> None:
        self.settings = settings

    def available(self) -> bool:
        return True

    def parse(self, pdf: Path, pages: int, note: Any) -> Parsed:
        note(f"parsing {pdf.name} with the test's own reader")
        return Parsed(read_tei(SMALL_TEI))

    def close(self) -> None:
        pass


@pytest.fixture
def third_party(monkeypatch: pytest.MonkeyPatch) -> None:
    registered = [
        EntryPoint("txt", f"{__name__}:PlainTextRenderer", plugins.RENDERERS),
        EntryPoint("teifile", f"{__name__}:TeiFileParser", plugins.PARSERS),
    ]
    monkeypatch.setattr(plugins, "entry_points", lambda group: [e for e in registered if e.group == group])


def test_builtin_names() -> None:
    assert valid_formats() == ("md", "html", "json", "notes-md", "notes-html", "notes-json")
    assert valid_parsers() == ("auto", "grobid", "builtin")


@pytest.mark.usefixtures("third_party")
def test_a_plugin_renderer_is_a_format(tmp_path: Path, llm: FakeLLM) -> None:
    assert "txt" in valid_formats() and load_settings({"formats": "md,txt"}).output.formats == ("md", "txt")
    tei = write_small_tei(tmp_path)
    result = CliRunner().invoke(main, [str(tei), "--format", "txt"], env={"OPENAI_BASE_URL": llm.base_url})
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "tiny.zh.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 20 and all(lines)


@pytest.mark.usefixtures("third_party")
def test_a_plugin_parser_is_a_parser(tmp_path: Path, llm: FakeLLM) -> None:
    pdf = make_pdf(tmp_path / "paper.pdf")
    result = CliRunner().invoke(
        main, [str(pdf), "--parser", "teifile", "--format", "json"], env={"OPENAI_BASE_URL": llm.base_url}
    )
    assert result.exit_code == 0, result.output
    assert "with the test's own reader" in result.output
    assert (tmp_path / "paper.zh.json").is_file() and not (tmp_path / "paper.tei.xml").exists()


def test_an_unknown_format_names_the_known_ones(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [str(write_small_tei(tmp_path)), "--format", "epub"])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "unknown format epub; choose from md, html, json" in result.output
