"""The measures the PDF reader benchmark reports, on small TEIs written here."""

from __future__ import annotations

from benchmarks.pdf_reader_bench import body_recall, heading_recall, is_heading_text
from translator.parsing.tei_reader import read_tei


def tei(*divs: tuple[str, str]) -> str:
    body = "".join(
        f'<div xmlns="http://www.tei-c.org/ns/1.0"><head>{head}</head><p>{text}</p></div>'
        for head, text in divs
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><TEI xmlns="http://www.tei-c.org/ns/1.0">'
        "<teiHeader><fileDesc><titleStmt><title>T</title></titleStmt></fileDesc></teiHeader>"
        f"<text><body>{body}</body></text></TEI>"
    )


def test_heads_that_cannot_be_headings_are_left_out() -> None:
    assert is_heading_text("Appendix C: Mean field")
    assert is_heading_text("2.1 Data")
    for junk in ("For", "(A1)", "K =", "5.3.1", "0.43", "BP. 2013."):
        assert not is_heading_text(junk), junk


def test_heading_recall_matches_whole_words() -> None:
    grobid = read_tei(tei(("1 Introduction", "a b c d e"), ("K =", "x"), ("2 Method", "f g h i")))
    ours = read_tei(tei(("Introduction", "a b c d e"), ("Keywords", "x")))
    # "K =" is not counted (the TEI reader keeps it as a paragraph, not a section, so even
    # "every head" does not see it); "Method" is missing, and "k" must not match inside "keywords".
    assert heading_recall(grobid, ours) == (0.5, 2)
    assert heading_recall(grobid, ours, every_head=True) == (0.5, 2)
    assert heading_recall(grobid, grobid) == (1.0, 2)


def test_body_recall_counts_word_four_grams() -> None:
    grobid = read_tei(tei(("1 Intro", "one two three four five six")))
    half = read_tei(tei(("1 Intro", "one two three four")))
    assert body_recall(grobid, half) == 1 / 3
    assert body_recall(grobid, grobid) == 1.0
