"""Graphics regions of a page: plots, diagrams and images, where text is labels, not
prose; framed or shaded boxes of prose are kept apart as text boxes."""

from __future__ import annotations

from .geometry import Box, Line, PageText
from .lines import CAPTION, TABLE_KIND
from .params import LayoutParams


def _merge_boxes(boxes: list[Box], gap: float) -> list[Box]:
    merged: list[Box] = []
    for box in sorted(boxes, key=lambda b: (b.y0, b.x0)):
        while True:
            for i, other in enumerate(merged):
                if other.near(box, gap):
                    box = other.union(box)
                    del merged[i]
                    break
            else:
                break
        merged.append(box)
    return merged


def figure_areas(
    page: PageText, body_size: float, params: LayoutParams, text_boxes: list[Box] | None = None
) -> list[Box]:
    """Regions of a page drawn as graphics (plots, diagrams, images), where
    text is labels, not prose. Shaded or framed text boxes are not figures: a region
    whose text is mostly body-size prose is left alone (and added to ``text_boxes``)."""
    page_area = page.width * page.height
    boxes = [
        b
        for b in page.graphics
        if b.area < 0.8 * page_area and (b.width > 2 or b.height > 2) and b.width < page.width * 0.98
    ]
    areas = []
    for merged in _merge_boxes(boxes, gap=params.region_merge_gap):
        if _too_small(merged, page_area, params):
            continue
        region, inside = _without_own_caption(merged, page)
        if region.area > 0.5 * page_area and len(inside) >= 30:
            continue  # a frame or link layer drawn under a page of text, not a figure
        if _mostly_prose(inside, body_size, params) and not (
            _figure_caption_under(region, page, body_size) and _laid_out(inside)
        ):
            if text_boxes is not None and region.area < params.text_box_max_share * page_area:
                text_boxes.append(region)
            continue
        if inside and CAPTION.match(inside[0].text):
            continue
        areas.append(region)
    return areas


def _too_small(region: Box, page_area: float, params: LayoutParams) -> bool:
    return (
        region.area < params.region_min_share * page_area
        or region.width < params.region_min_width
        or region.height < params.region_min_height
    )


def _without_own_caption(region: Box, page: PageText) -> tuple[Box, list[Line]]:
    """A drawing that frames its own caption (a white form behind both) ends where the
    caption starts, and the caption is text. Returns the region and the lines inside it."""
    inside = [ln for ln in page.lines if region.contains_center(ln.box, 1.0)]
    caption = next((ln for ln in inside if CAPTION.match(ln.text) and ln.y0 > region.y0 + 20), None)
    if caption is None:
        return region, inside
    region = Box(region.x0, region.y0, region.x1, caption.y0 - 1)
    return region, [ln for ln in inside if region.contains_center(ln.box, 1.0)]


def _figure_caption_under(region: Box, page: PageText, body_size: float) -> bool:
    """Whether a figure's caption ("Figure 1: …") starts right under the region: a drawing
    full of text laid out as a diagram (an annotated example) is still that figure."""
    for line in page.lines:
        found = CAPTION.match(line.text)
        if (
            found is not None
            and TABLE_KIND.match(found.group("kind")) is None
            and region.y1 - 2.0 <= line.y0 <= region.y1 + 2.0 * body_size
            and region.x_overlap(line.box) > 0
        ):
            return True
    return False


def _laid_out(inside: list[Line]) -> bool:
    """Whether a region's text is set as a diagram's is, in pieces side by side (a quarter
    of its lines share their baseline with another), not as one running column."""
    beside = sum(
        1
        for line in inside
        if any(
            o is not line and abs(o.y0 - line.y0) < 0.5 * line.size and o.box.x_overlap(line.box) < 0
            for o in inside
        )
    )
    return beside * 4 >= len(inside)


def _mostly_prose(inside: list[Line], body_size: float, params: LayoutParams) -> bool:
    """Whether a region's text is mostly running text in the body size: a text box."""
    prose = [ln for ln in inside if len(ln.text) > 25 and abs(ln.size - body_size) < 0.8]
    return bool(prose) and sum(len(ln.text) for ln in prose) > params.region_prose_share * sum(
        len(ln.text) for ln in inside
    )
