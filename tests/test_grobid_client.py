"""The GROBID client against a local server that answers like GROBID."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from translator.errors import GrobidParseError, GrobidUnavailableError
from translator.parsing.grobid_client import TEI_COORDINATES, GrobidClient
from translator.parsing.tei_reader import read_tei
from translator.pipeline import Source

from .conftest import corpus_pairs, needs_corpus
from .fixtures import SMALL_TEI, make_paper_pdf, make_pdf
from .servers.fake_grobid import FakeGrobid


def test_isalive_and_fulltext(grobid: FakeGrobid, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "tiny.pdf")
    grobid.add(pdf.read_bytes(), SMALL_TEI.encode())
    client = GrobidClient(grobid.url)
    assert client.is_alive()
    tei = client.process_fulltext(pdf, pages=2)
    assert read_tei(tei).title is not None
    sent = grobid.requests[-1]
    assert sorted(sent["teiCoordinates"]) == sorted(TEI_COORDINATES)


def test_busy_service_is_retried(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "tiny.pdf")
    waits: list[float] = []
    with FakeGrobid({pdf.read_bytes(): SMALL_TEI.encode()}, busy=3) as grobid:
        client = GrobidClient(grobid.url, sleep=waits.append, backoff=1.0)
        assert client.process_fulltext(pdf).startswith(b"<?xml")
        assert len(grobid.requests) == 4
    # Growing pauses with jitter (half to all of 1, 2, 4 s), so clients do not come back together.
    assert len(waits) == 3 and all(0.5 * d <= w <= d for w, d in zip(waits, (1.0, 2.0, 4.0), strict=True))


def test_always_busy_gives_up(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "tiny.pdf")
    with FakeGrobid(busy=100) as grobid:
        client = GrobidClient(grobid.url, attempts=3, sleep=lambda s: None)
        with pytest.raises(GrobidUnavailableError, match="busy"):
            client.process_fulltext(pdf)


def test_unparseable_pdf(grobid: FakeGrobid, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "unknown.pdf")
    with pytest.raises(GrobidParseError, match="cannot parse this PDF"):
        GrobidClient(grobid.url).process_fulltext(pdf)


def test_unreachable_names_url_and_fix() -> None:
    client = GrobidClient("http://127.0.0.1:9")
    assert not client.is_alive()
    with pytest.raises(GrobidUnavailableError) as err:
        client.check_alive()
    assert "http://127.0.0.1:9" in str(err.value) and "serve_grobid.sh" in str(err.value)


def test_timeout_grows_with_pages(tmp_path: Path) -> None:
    seen: list[float | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"]["read"])
        return httpx.Response(200, content=SMALL_TEI.encode())

    client = GrobidClient(
        "http://grobid", timeout=60, timeout_per_page=5, transport=httpx.MockTransport(handler)
    )
    pdf = make_pdf(tmp_path / "tiny.pdf")
    client.process_fulltext(pdf, pages=2)
    client.process_fulltext(pdf, pages=40)
    assert seen == [70.0, 260.0]


@needs_corpus
@pytest.mark.parametrize("pdf, tei", corpus_pairs(), ids=lambda p: p.stem)
def test_replays_corpus_pairs(grobid: FakeGrobid, pdf: Path, tei: Path) -> None:
    grobid.add_files(pdf, tei)
    assert GrobidClient(grobid.url).process_fulltext(pdf) == tei.read_bytes()


def _load(pdf: Path, grobid: FakeGrobid, parser: str, tmp_path: Path) -> tuple[Source, list[str]]:
    from translator.pipeline import load
    from translator.settings import load_settings

    settings = load_settings(
        {"parser": parser, "grobid_url": grobid.url, "cache_dir": tmp_path / "c"}, env={}
    )
    client = GrobidClient(grobid.url, attempts=2, sleep=lambda s: None)
    notes: list[str] = []

    class Notes:
        def note(self, message: str) -> None:
            notes.append(message)

        def start(self, total: int, expected_tokens: int = 0) -> None: ...
        def advance(self, units: int, tokens: int) -> None: ...
        def stop(self) -> None: ...

    return load(pdf, settings, tmp_path / "out", grobid=client, progress=Notes()), notes


def test_auto_falls_back_to_the_builtin_reader_when_grobid_stays_busy(tmp_path: Path) -> None:
    pdf = make_paper_pdf(tmp_path / "paper.pdf")
    with FakeGrobid(busy=100) as grobid:
        source, notes = _load(pdf, grobid, "auto", tmp_path)
    assert source.tei_path is None and source.document.title is not None  # read by the built-in reader
    assert any("stayed busy (503)" in n and "built-in PDF reader instead" in n for n in notes)
    with FakeGrobid(busy=100) as grobid, pytest.raises(GrobidUnavailableError, match="stayed busy"):
        _load(pdf, grobid, "grobid", tmp_path)  # asked for GROBID: no quiet substitute


def test_a_non_xml_answer_is_grobids_failure_not_the_users(tmp_path: Path) -> None:
    from translator.errors import ExitCode, GrobidParseError

    pdf = make_pdf(tmp_path / "tiny.pdf")
    answer = {pdf.read_bytes(): b"<html>Internal error</html>"}
    with (
        FakeGrobid(answer) as grobid,
        pytest.raises(GrobidParseError, match="could not parse this PDF") as caught,
    ):
        _load(pdf, grobid, "grobid", tmp_path)
    assert caught.value.exit_code == ExitCode.GROBID_FAILED


def test_a_grobid_that_trickles_its_answer_ends_on_time(tmp_path: Path) -> None:
    """64 bytes every 0.2 s never trips a 1 s read timeout; the whole-answer deadline does."""
    import time

    from translator.errors import GrobidParseError

    pdf = make_pdf(tmp_path / "tiny.pdf")
    with FakeGrobid({pdf.read_bytes(): SMALL_TEI.encode()}, trickle=0.2) as grobid:
        client = GrobidClient(grobid.url, timeout=1.0, timeout_per_page=0.0)
        started = time.monotonic()
        with pytest.raises(GrobidParseError, match="took longer than 1 s"):
            client.process_fulltext(pdf, pages=1)
        took = time.monotonic() - started
    assert took < 8  # the whole TEI would need about 16 s at this pace


def test_several_servers_share_the_papers_and_the_busy_one_rests(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "tiny.pdf")
    pairs = {pdf.read_bytes(): SMALL_TEI.encode()}
    waits: list[float] = []
    with FakeGrobid(pairs, busy=100) as busy, FakeGrobid(pairs) as free:
        client = GrobidClient(f"{busy.url}, {free.url}", sleep=waits.append)
        for _ in range(4):
            assert client.process_fulltext(pdf).startswith(b"<?xml")
        # The busy server (asked first or not: ties are drawn at random) answered 503 at most
        # once and was left alone while it rests; every paper went to the free one; nobody waited.
        assert len(busy.requests) <= 1 and len(free.requests) == 4 and waits == []
        assert busy.url in client.shown and free.url in client.shown


def test_an_unreachable_server_is_passed_over_for_the_others(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "tiny.pdf")
    with FakeGrobid({pdf.read_bytes(): SMALL_TEI.encode()}) as alive:
        client = GrobidClient(f"http://127.0.0.1:9,{alive.url}", sleep=lambda s: None)
        assert client.is_alive()
        for _ in range(3):
            assert client.process_fulltext(pdf).startswith(b"<?xml")
        assert len(alive.requests) == 3
    with pytest.raises(GrobidUnavailableError, match="cannot be reached"):
        GrobidClient("http://127.0.0.1:9,http://127.0.0.1:7", sleep=lambda s: None).process_fulltext(pdf)
