"""A new user's first hour: problems are found before anything is paid for, and every
message names the fix. (Packaging: test_packaging.py; stopping: test_stopping.py.)"""

from __future__ import annotations

import errno
import json
import re
import urllib.parse
from pathlib import Path

import pytest

from translator import files
from translator.errors import ExitCode

from .fixtures import invoke, make_encrypted_pdf, make_paper_pdf, make_pdf, write_small_tei
from .servers.fake_grobid import FakeGrobid
from .servers.fake_llm import FakeLLM


def test_no_api_key_is_reported_before_grobid_is_asked(tmp_path: Path, grobid: FakeGrobid) -> None:
    pdf = make_pdf(tmp_path / "paper.pdf")
    result = invoke([str(pdf)], GROBID_URL=grobid.url)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "no API key: set OPENAI_API_KEY" in result.output
    assert grobid.requests == [] and not list(tmp_path.glob("paper.*.*"))


def test_unwritable_output_folder_is_reported_before_any_request(
    tmp_path: Path, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in a read-only folder (chmod does not stop root, who runs CI): the probe file cannot be made.
    def refuse(*args: object, **kwargs: object) -> object:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    tei = write_small_tei(tmp_path)
    result = invoke([str(tei), "--out", str(tmp_path / "out")], OPENAI_BASE_URL=llm.base_url)
    assert result.exit_code == ExitCode.OUTPUT_FAILED
    assert "cannot write in the output folder" in result.output and "pass --out" in result.output
    assert llm.count() == 0 and "Traceback" not in result.output


def test_an_output_path_that_is_a_file(tmp_path: Path, llm: FakeLLM) -> None:
    tei = write_small_tei(tmp_path)
    (tmp_path / "taken").write_text("a file")
    result = invoke([str(tei), "--out", str(tmp_path / "taken")], OPENAI_BASE_URL=llm.base_url)
    assert result.exit_code == ExitCode.OUTPUT_FAILED and llm.count() == 0


def test_too_little_room_is_reported_before_any_request(
    tmp_path: Path, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MIN_FREE_BYTES", 10**18)
    tei = write_small_tei(tmp_path)
    result = invoke([str(tei)], OPENAI_BASE_URL=llm.base_url)
    assert result.exit_code == ExitCode.OUTPUT_FAILED
    assert "free some space or pass --out" in result.output and llm.count() == 0


def test_disk_full_while_writing_leaves_no_output_and_costs_nothing_on_rerun(
    tmp_path: Path, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    tei = write_small_tei(tmp_path)
    real_write = files._write_temp
    written: list[Path] = []

    def full_after_two(path: Path, text: str) -> str:
        if len(written) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(path)
        return real_write(path, text)

    monkeypatch.setattr(files, "_write_temp", full_after_two)
    result = invoke([str(tei)], OPENAI_BASE_URL=llm.base_url)
    assert result.exit_code == ExitCode.OUTPUT_FAILED
    assert "the disk is full" in result.output and "every translation received is cached" in result.output
    assert "--out" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.tei.xml"]  # no output, no .part file
    paid = llm.count()

    monkeypatch.setattr(files, "_write_temp", real_write)
    again = invoke([str(tei), "--out", str(tmp_path / "elsewhere")], OPENAI_BASE_URL=llm.base_url)
    assert again.exit_code == 0 and llm.count() == paid
    assert (tmp_path / "elsewhere" / "tiny.zh.md").is_file()


def test_dry_run_writes_nothing(tmp_path: Path, grobid: FakeGrobid) -> None:
    from .fixtures import SMALL_TEI

    pdf = make_pdf(tmp_path / "paper.pdf")
    grobid.add(pdf.read_bytes(), SMALL_TEI.encode())
    cache = tmp_path / "cache"
    result = invoke([str(pdf), "--dry-run"], GROBID_URL=grobid.url, TRANSLATOR_CACHE_DIR=str(cache))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["paper.pdf"]  # no TEI kept, no cache made
    for row in ("pages", "segments", "requests", "prompt tokens", "completion tokens", "cost"):
        assert row in result.output
    assert "pass --price" in result.output


def test_dry_run_after_a_run_with_a_glossary_has_nothing_left(tmp_path: Path, llm: FakeLLM) -> None:
    tei = write_small_tei(tmp_path)
    glossary = tmp_path / "terms.csv"
    glossary.write_text("source,target\nreinforcement learning,强化学习\nrobot,机器人\n", encoding="utf-8")
    args = [str(tei), "--glossary", str(glossary)]
    dry = json.loads(invoke([*args, "--dry-run", "--json"], OPENAI_BASE_URL=llm.base_url).output)
    assert dry["requests"] >= 1 and dry["cached_units"] == 0
    assert invoke(args, OPENAI_BASE_URL=llm.base_url).exit_code == 0
    sent = llm.count()
    assert abs(dry["requests"] - sent) <= max(1, sent // 10)
    after = json.loads(invoke([*args, "--dry-run", "--json"], OPENAI_BASE_URL=llm.base_url).output)
    assert after["requests"] == 0 and after["cached_units"] == after["units"] > 0
    assert invoke(args, OPENAI_BASE_URL=llm.base_url).exit_code == 0
    assert llm.count() == sent  # and indeed the rerun sends nothing


def test_help_shows_the_options_of_a_run() -> None:
    result = invoke(["--help"])
    for option in ("--lang", "--out", "--parser", "--dry-run", "--price", "--glossary"):
        assert option in result.output


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b""), "is empty (0 bytes)"),
        (make_encrypted_pdf, "qpdf --password=PASSWORD --decrypt in.pdf out.pdf"),
    ],
    ids=["empty", "encrypted"],
)
def test_input_messages_name_the_fix(tmp_path: Path, make: object, message: str) -> None:
    pdf = tmp_path / "paper.pdf"
    make(pdf)  # type: ignore[operator]
    result = invoke([str(pdf)], OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    assert result.exit_code == ExitCode.BAD_INPUT and message in result.output


def test_grobid_down_names_the_builtin_reader(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "paper.pdf")
    result = invoke([str(pdf), "--parser", "grobid"], OPENAI_BASE_URL="http://127.0.0.1:9/v1",
                    GROBID_URL="http://127.0.0.1:9")  # fmt: skip
    assert result.exit_code == ExitCode.GROBID_UNREACHABLE and "--parser builtin" in result.output


def test_image_links_work_with_spaces_and_cjk_in_the_name(tmp_path: Path, llm: FakeLLM) -> None:
    pdf = make_paper_pdf(tmp_path / "my paper 论文.pdf")
    result = invoke([str(pdf), "--parser", "builtin", "--format", "md"], OPENAI_BASE_URL=llm.base_url)
    assert result.exit_code == 0, result.output
    md = (tmp_path / "my paper 论文.zh.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", md)
    assert links and len(links) == md.count("![")
    for link in links:
        assert (tmp_path / urllib.parse.unquote(link)).is_file(), link
