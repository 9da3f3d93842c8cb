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


def test_unnumbered_headings_between_a_section_and_its_subsection_go_into_it() -> None:
    # GROBID's head "5.3.1" without its number, a run-in "Evaluation." read as a heading.
    assert _levels(["5", "5.3", "", "5.3.2", "5.4"]) == [
        ("5", 1), ("5.3", 2), ("", 3), ("5.3.2", 3), ("5.4", 2),
    ]  # fmt: skip
    # "Proof." twice after section 3, then 3.1: inside 3; then 4 at the top.
    assert _levels(["3", "", "", "3.1", "4"]) == [("3", 1), ("", 2), ("", 2), ("3.1", 2), ("4", 1)]


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
    assert not nesting_errors(tree.top)


def nesting_errors(top: list[Section]) -> list[str]:
    """Numbered sections not nested as numbered: each goes under its number's parent while
    that one is open (no numbered section outside it came in between), whatever unnumbered
    headings stand between them."""
    walked = [section for _, section in _walk(top)]
    ancestors = {id(c): a for a, c in _parents(top)}
    errors = []
    for index, section in enumerate(walked):
        parent_number = section.number.rpartition(".")[0]
        opened = [j for j in range(index) if walked[j].number == parent_number] if parent_number else []
        if opened and all(
            not w.number or w.number.startswith(parent_number + ".") for w in walked[opened[-1] + 1 : index]
        ):
            if _numbered_ancestor(section, ancestors) is not walked[opened[-1]]:
                errors.append(f"{section.number} is not under {parent_number}")
        elif section.number and not parent_number and _numbered_ancestor(section, ancestors) is not None:
            errors.append(f"{section.number} is not at the top")
    return errors


def _parents(sections: list[Section]) -> Iterator[tuple[Section, Section]]:
    for section in sections:
        for child in section.subsections:
            yield section, child
        yield from _parents(section.subsections)


def _numbered_ancestor(section: Section, ancestors: dict[int, Section]) -> Section | None:
    parent = ancestors.get(id(section))
    while parent is not None and not parent.number:
        parent = ancestors.get(id(parent))
    return parent
