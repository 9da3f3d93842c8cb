"""The section tree: numbering drives nesting, an unnumbered heading never swallows later
numbered sections, and the reading order is never changed."""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import given
from hypothesis import strategies as st

from translator.model import Section
from translator.parsing.assembly import SectionTree, SegmentIds


def _tree(numbers: list[str]) -> SectionTree:
    ids = SegmentIds()
    tree = SectionTree()
    for number in numbers:
        heading = ids.segment("heading", f"heading {number or '—'}", [])
        tree.add(ids.section(heading, number))
    return tree


def _walk(sections: list[Section], depth: int = 1) -> Iterator[tuple[int, Section]]:
    for section in sections:
        yield depth, section
        yield from _walk(section.subsections, depth + 1)


def _levels(numbers: list[str]) -> list[tuple[str, int]]:
    return [(s.number, depth) for depth, s in _walk(_tree(numbers).top)]


def test_an_unnumbered_heading_does_not_swallow_the_numbered_sections_after_it() -> None:
    # A figure label GROBID took for a heading, between 3.2 and 3.3, then section 4.
    assert _levels(["3", "3.1", "3.2", "", "3.3", "4", "4.1"]) == [
        ("3", 1), ("3.1", 2), ("3.2", 2), ("", 2), ("3.3", 2), ("4", 1), ("4.1", 2),
    ]  # fmt: skip
    # A printed contents page before the numbered sections.
    assert _levels(["", "1", "2", "2.1"]) == [("", 1), ("1", 1), ("2", 1), ("2.1", 2)]
    # A paper without numbers: every heading at the top.
    assert _levels(["", "", ""]) == [("", 1), ("", 1), ("", 1)]


numbers = st.lists(
    st.one_of(
        st.just(""), st.lists(st.integers(1, 3), min_size=1, max_size=3).map(lambda p: ".".join(map(str, p)))
    ),
    max_size=25,
)


@given(numbers)
def test_the_tree_keeps_the_reading_order_and_nests_only_by_number(given_numbers: list[str]) -> None:
    tree = _tree(given_numbers)
    walked = [section for _, section in _walk(tree.top)]
    assert [s.number for s in walked] == given_numbers  # depth first = the order they came in
    for _, parent in _walk(tree.top):
        for child in parent.subsections:
            assert child.number == "" or (parent.number and child.number.startswith(parent.number + "."))
