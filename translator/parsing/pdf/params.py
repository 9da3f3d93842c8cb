"""The built-in reader's thresholds, in one place (as pdfminer's ``LAParams``).

Sizes are in points unless a name says otherwise; "steps" are differences from the
running text's font size; "share" values are fractions of a page or of a count.
Every pass takes the one :class:`LayoutParams` it is given, so a test or a user can
change a threshold without touching the code that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayoutParams:
    """What the reader measures against: characters → lines → blocks → labels."""

    # -- characters into lines (multiples of the font size) --------------------------
    line_band: float = 0.2  # a glyph whose middle leaves the line's band by more starts a new line
    jump_back: float = 1.5  # a glyph this far left of the last one starts a new line
    jump_right: float = 4.0  # … or this far right of it (another column)
    cell_gap: float = 1.5  # a blank this wide inside a line separates table cells
    script_step: float = 0.15  # a size change this large may be a sub- or superscript
    script_rise: float = 0.1  # … when the baseline moves by this much
    full_size: float = 0.85  # only glyphs at least this share of the first one's size set the line's height

    # -- page furniture -----------------------------------------------------------
    margin: float = 0.09  # share of the page height where running headers and footers live
    running_pages: int = 4  # text repeated in the margin of 1/this of the pages is a running header

    # -- figure regions ------------------------------------------------------------
    region_merge_gap: float = 4.0  # graphics this close are one drawing
    region_min_share: float = 0.012  # a drawing covers at least this share of the page
    region_min_width: float = 30.0
    region_min_height: float = 20.0
    region_prose_share: float = 0.4  # a region whose text is more prose than this is a text box
    text_box_max_share: float = 0.3  # a framed box of prose covers at most this share of the page

    # -- lines into blocks (multiples of the font size) --------------------------------
    block_gap: float = 0.75  # a vertical gap wider than this ends a block
    block_overlap: float = 0.5  # lines overlapping more than this are not one after the other
    size_jump: float = 0.9  # a size change larger than this (points) ends a block

    # -- what a block is ---------------------------------------------------------------
    size_step: float = 0.6  # larger or smaller than the body by this much: another kind of text
    title_step: float = 1.0  # the title is at least this much larger than the body
    heading_max_chars: int = 110
    heading_max_words: int = 14
    prose_min_chars: int = 60
    footnote_top: float = 0.6  # footnotes start below this share of the page height
    caption_small_step: float = 0.3  # a caption set smaller than the body by this much
    figure_label_step: float = 1.0  # axis labels are smaller than the body by this much
    figure_label_chars: int = 25  # … and this short on average
    formula_join_gap: float = (
        1.5  # a formula block this close (× its size) under an unnumbered one continues it
    )

    # -- captions, drawings and tables (points) -----------------------------------------
    caption_reach: float = 120.0  # a drawing further than this from its caption is not its own
    caption_touch: float = 30.0  # a drawing this close to a caption belongs to it
    other_side_penalty: float = 100.0  # a drawing on a caption's unusual side counts as this much further
    table_region_min_lines: int = 8  # an uncaptioned region with fewer lines is no table
    table_region_min_rows: int = 3  # … nor one with fewer rows of two cells or more
    continued_table_reach: float = 40.0  # a region this close to a figure's caption is that figure's


DEFAULT = LayoutParams()
