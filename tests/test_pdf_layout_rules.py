"""Unit rules of the built-in reader's layout: run-in headings, table cells, reference numbering."""

from __future__ import annotations

from dataclasses import replace

from translator.parsing.pdf import DEFAULT
from translator.parsing.pdf.captions import caption_continuation, find_captions
from translator.parsing.pdf.cells import has_cells, table_rows
from translator.parsing.pdf.geometry import Box, Line
from translator.parsing.pdf.kinds import BlockKinds
from translator.parsing.pdf.layout import Block, Layout, continues_block
from translator.parsing.pdf.lines import CAPTION, TABLE_KIND, is_run_in, join_lines
from translator.parsing.pdf.references import split_references


def line(text: str, x: float = 50.0, y: float = 100.0, *, bold_lead: int = 0, size: float = 8.0) -> Line:
    width = 4.0 * len(text)
    return Line(1, Box(x, y, x + width, y + size), text, size, bold_lead * 2 > len(text), 0.0, bold_lead)


def test_run_in_heading_needs_a_stop_and_following_text() -> None:
    assert is_run_in(line("Setup. We consider binary labels", bold_lead=6))
    assert is_run_in(line("Datasets: we use three corpora", bold_lead=8))
    assert not is_run_in(line("1 | INTRODUCTION", bold_lead=1))  # a bold number before a heading
    assert not is_run_in(line("Conclusion", bold_lead=10))  # all bold: a heading, not run in
    assert not is_run_in(line("Plain text line", bold_lead=0))


def test_table_rows_keep_wrapped_cells_together() -> None:
    lines = [
        line("Theme", 50, 100),
        line("Questions", 200, 100),
        line("Perception of facilities:", 50, 110),
        line("1. Understand factors", 200, 110),
        line("natural attraction", 50, 120),
        line("in wildlife perception", 200, 120),
        line("2. Quantify mechanisms", 200, 130),
    ]
    # The second numbered item stands alone on its baseline: it is the next item of the
    # list inside the same cell, not a row of its own.
    assert table_rows(lines) == [
        ["Theme", "Questions"],
        [
            "Perception of facilities: natural attraction",
            "1. Understand factors in wildlife perception 2. Quantify mechanisms",
        ],
    ]


def test_table_rows_start_with_several_cells_under_a_spanning_first_cell() -> None:
    lines = [
        line("Effect", 50, 100),
        line("Taxa", 200, 100),
        line("Source", 300, 100),
        line("Direct injury", 50, 110),
        line("Solar flux", 120, 110),
        line("Birds", 200, 110),
        line("2, 3", 300, 110),
        line("Impact trauma", 120, 120),  # the first column spans this row too
        line("Bats", 200, 120),
        line("1, 5", 300, 120),
    ]
    # Every row as wide as the widest, each value under the column it is printed in.
    assert table_rows(lines) == [
        ["Effect", "", "Taxa", "Source"],
        ["Direct injury", "Solar flux", "Birds", "2, 3"],
        ["", "Impact trauma", "Bats", "1, 5"],
    ]


def test_table_rows_cut_a_line_at_a_wide_gap() -> None:
    # PDFium reads "passage" and "Amphibians" as one line; the blank between is a column gap.
    text = "Entrapment in ruts Amphibians, reptiles"
    cut = text.index("Amphibians")
    joined = Line(1, Box(120, 110, 330, 118), text, 8.0, False, 0.0, gaps=((cut, 192, 200),))
    lines = [
        line("Effect", 120, 100),
        line("Taxa", 200, 100),
        line("Source", 300, 100),
        joined,
        line("10", 300, 110),
    ]
    assert table_rows(lines) == [
        ["Effect", "Taxa", "Source"],
        ["Entrapment in ruts", "Amphibians, reptiles", "10"],
    ]


def test_table_rows_keep_numeric_rows_apart() -> None:
    lines = [
        line(t, x, y)
        for y, row in ((100, ("A", "0.91")), (110, ("B", "0.87")))
        for x, t in zip((50, 200), row, strict=True)
    ]
    assert table_rows(lines) == [["A", "0.91"], ["B", "0.87"]]


def test_numbered_references_must_follow_each_other() -> None:
    texts = [
        "[1] A. Author. A title. 2020.",
        "2022. A line that starts with a year.",
        "[2] B. Author. Another title. 2021.",
        "[3] C. Author. Third. 2019.",
    ]
    block = Block([line(t, 50, 100 + 10 * i) for i, t in enumerate(texts)], 1, 0)
    refs = split_references([block])
    assert [r.text[:3] for r in refs] == ["[1]", "[2]", "[3]"]
    assert "2022. A line" in refs[0].text


def test_a_second_numbered_list_starts_again_at_one() -> None:
    """One list a chapter (a thesis, a proceedings volume): "[1]" after "[4]" opens an
    entry, not a line of the fourth; "1." in a list of "[n]" does not."""
    texts = [f"[{n}] Author {n}. Title {n}. 2020." for n in range(1, 5)]
    texts += ["1. Not an entry of this list, a line of the fourth.", "[1] Z. Author. Again. 2021."]
    texts += ["[2] Y. Author. And on. 2022."]
    block = Block([line(t, 50, 100 + 10 * i) for i, t in enumerate(texts)], 1, 0)
    refs = split_references([block])
    assert [r.text[:3] for r in refs] == ["[1]", "[2]", "[3]", "[4]", "[1]", "[2]"]
    assert "1. Not an entry" in refs[3].text


def test_caption_labels_in_other_languages() -> None:
    cases = {
        "Cuadro 1: América Latina: población pobre": ("table", "1"),
        "Tabla 3. Resultados del modelo": ("table", "3"),
        "Gráfico 2 Evolución de la pobreza": ("figure", "2"),
        "Abb. 4: Aufbau des Systems": ("figure", "4"),
        "表2：实验结果": ("table", "2"),
        "图 1 模型结构": ("figure", "1"),
        "Table S.1. Results on small instances": ("table", "S.1"),
    }
    for text, (kind, label) in cases.items():
        match = CAPTION.match(text)
        assert match is not None, text
        assert ("table" if TABLE_KIND.match(match.group("kind")) else "figure", match.group("label")) == (
            kind,
            label,
        )
    for running in ("Table 2 shows that the model wins", "Figure 1 compares both", "Tablet computers are"):
        assert CAPTION.match(running) is None, running


def test_join_lines() -> None:
    assert join_lines(["reinforce-", "ment learning"]) == "reinforcement learning"
    assert join_lines(["state-", "Of-the-art"]) == "state- Of-the-art"
    assert join_lines(["本文研究了农村", "贫困问题。"]) == "本文研究了农村贫困问题。"
    assert join_lines(["使用 GROBID", "解析论文"]) == "使用 GROBID 解析论文"
    assert join_lines(["3. A NEW EFFICIENT SO-", "LUTION"]) == "3. A NEW EFFICIENT SOLUTION"
    assert (
        join_lines(["length polymorphism (T-", "RFLP) analysis"]) == "length polymorphism (T- RFLP) analysis"
    )


def test_run_in_heading_without_a_stop() -> None:
    assert is_run_in(line("Extracting data from PDFs We use GROBID", bold_lead=25))
    assert not is_run_in(line("Extracting data from PDFs", bold_lead=25))


def test_what_is_not_a_section_heading() -> None:
    kinds = BlockKinds(Layout([], 9.0, []))

    def heading(text: str, gaps: tuple[tuple[int, float, float], ...] = ()) -> tuple[str, str] | None:
        bold = Line(1, Box(50, 100, 50 + 5 * len(text), 110), text, 10.0, True, 0.0, len(text), gaps=gaps)
        return kinds.heading_of(Block([bold], 1, 0))

    assert heading("3 Results") == ("3", "Results")
    # A wide space after a heading's number is still a heading.
    assert heading("3 Results", gaps=((2, 56, 70),)) == ("3", "Results")
    assert heading("Model Accuracy Recall", gaps=((6, 80, 100),)) is None  # a table's header row
    assert heading("2 https://arxiv.org") is None  # a footnote with a link
    assert heading("12 end") is None  # a line of an algorithm
    assert heading("A 2 þ B 2 þ C 2") is None  # a formula in a math font's encoding


def test_justified_cell_is_not_cut_at_its_word_spaces() -> None:
    text = "Design principle where the"
    stops = [i + 1 for i, ch in enumerate(text) if ch == " "]
    gaps = tuple((at, 110.0 + 20 * n, 122.0 + 20 * n) for n, at in enumerate(stops))
    justified = Line(1, Box(80, 100, 180, 108), text, 8.0, False, 0.0, gaps=gaps)
    assert table_rows([line("Extensibility", 10, 100), justified]) == [["Extensibility", text]]


def test_gap_after_a_label_is_not_a_cell_boundary() -> None:
    def gapped(text: str, cut: int) -> Line:
        return Line(1, Box(50, 100, 300, 108), text, 8.0, False, 0.0, gaps=((cut, 90, 110),))

    assert not has_cells(gapped("TABLE 2 Key themes in animal behavior", 8))
    assert not has_cells(gapped("3 Results", 2))
    assert has_cells(gapped("Model Accuracy", 6))


def test_caption_broken_at_a_link_goes_on() -> None:
    caption = Block([line("FIGURE 1 Photo by Craig, CC BY 2.0, https://commons.", 50, 100)], 1, 1)
    rest = Block([line("wikimedia.org/w/index.php?curid=286. Inset: aerial photo.", 50, 112)], 1, 1)
    prose = Block([line("Solar facilities change the habitat of animals.", 50, 124)], 1, 1)
    assert caption_continuation([caption, rest, prose], 0) == [1]


def test_running_text_that_opens_with_a_table_label_is_not_its_caption() -> None:
    prose = Block(
        [line("Table 1. The mean score was significantly different among the groups", size=11.0)], 1, 1
    )
    caption = Block([line("Table 1: Scores of the three groups", y=200, size=9.0)], 1, 1)
    again = Block([line("Table 1. On average, the scores differ", y=300, size=11.0)], 1, 2)
    assert find_captions([prose, caption, again], small=10.7).keys() == {1}
    assert find_captions([prose, again], small=10.7).keys() == {0}  # no smaller one: the first


def test_join_lines_mends_a_broken_link() -> None:
    assert join_lines(["CC BY 2.0, https://commons.", "wikimedia.org/w/index.php?curid=1."]) == (
        "CC BY 2.0, https://commons.wikimedia.org/w/index.php?curid=1."
    )
    assert join_lines(["see https://example.org.", "The next sentence."]) == (
        "see https://example.org. The next sentence."
    )
    # A footnote's link whose last part has a line of its own; running text after a link stays apart.
    assert join_lines(["1 https://github.com/allenai/", "deepfigures-open"]) == (
        "1 https://github.com/allenai/deepfigures-open"
    )
    assert join_lines(["code at https://github.com/allenai/", "and data"]) == (
        "code at https://github.com/allenai/ and data"
    )


def test_heading_broken_mid_word_stays_one_block() -> None:
    first = line("3. A NEW BICRITERIA EFFICIENT SO-", 54, 606, size=12.0)
    first = replace(first, box=Box(54, 606, 293, 620), bold=True)
    rest = replace(line("LUTION", 75, 620, size=12.0), bold=True)  # hanging indent after "3. "
    sub = replace(line("3.1 Rationale", 54, 641, size=12.0), bold=True)
    assert continues_block(Block([first], 1, 1), rest, 1, False, (54.0, 293.0), DEFAULT)
    assert not continues_block(Block([first, rest], 1, 1), sub, 1, False, (54.0, 293.0), DEFAULT)


def test_bottom_aligned_header_is_one_row() -> None:
    lines = [
        line("Examples from the", 300, 90),  # a taller header cell starts a line higher
        line("Theme", 50, 100),
        line("Questions", 150, 100),
        line("literature", 300, 100),
        line("Perception", 50, 110),
        line("Do solar farms deter?", 150, 110),
        line("Horvath 2010", 300, 110),
    ]
    assert table_rows(lines) == [
        ["Theme", "Questions", "Examples from the literature"],
        ["Perception", "Do solar farms deter?", "Horvath 2010"],
    ]
