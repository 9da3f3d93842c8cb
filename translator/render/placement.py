"""Where each figure and table is shown: right after the first paragraph that cites it;
a figure no paragraph cites, where the paper prints it (after the paragraph it follows);
only what is neither goes to a closing "Figures and tables" section."""

from __future__ import annotations

from ..model import Document, Paragraph, Segment


class FigurePlacement:
    """Hands out each figure once, to the paragraph it goes after, in reading order."""

    def __init__(self, doc: Document) -> None:
        self.figures = {f.id for f in doc.figures}
        cited = {
            target
            for section in doc.all_sections()
            for block in section.blocks
            if isinstance(block, Paragraph)
            for target in self._cited(block.segment)
        }
        self.standing: dict[str, list[str]] = {}
        for figure in doc.figures:
            if figure.id not in cited and figure.after:
                self.standing.setdefault(figure.after, []).append(figure.id)
        self.placed: set[str] = set()

    def _cited(self, segment: Segment) -> list[str]:
        return [
            span.target
            for span in segment.spans
            if span.kind in ("figure", "table") and span.target in self.figures
        ]

    def after(self, segment: Segment) -> list[str]:
        """The figures to show right after this paragraph (each figure is given out once)."""
        shown: list[str] = []
        for figure_id in self._cited(segment) + self.standing.get(segment.id, []):
            if figure_id not in self.placed:
                self.placed.add(figure_id)
                shown.append(figure_id)
        return shown
