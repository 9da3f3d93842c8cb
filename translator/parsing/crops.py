"""Figures and display formulas cut out of the PDF as PNG images.

Both readers give each figure, table and formula a typed :class:`~translator.model.Region`
(points, origin top left), so one cropper serves both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import pypdfium2 as pdfium
from PIL import Image

from ..files import file_sha256, write_atomic
from ..heap import release_freed
from ..model import Document, Figure, Formula, Region
from .pdfium_lock import PDFIUM_LOCK

SCALE = 2.0  # 144 dpi: sharp on screens, small files
MARGIN = 3.0  # points around the box, so strokes on its edge survive
# zlib level 3: on 68 corpus figures 7x less CPU than optimize=True (0.33 vs 2.25 CPU-s)
# and 15% smaller files (3.4 vs 4.0 MB).
PNG_LEVEL = 3
RECORD = ".crops.json"  # in the images folder: what the images there were cut from


def _targets(doc: Document) -> Iterable[Figure | Formula]:
    """Figures, tables and display formulas that have coordinates."""
    yield from (figure for figure in doc.figures if figure.region)
    yield from (formula for formula in doc.formulas() if formula.region)


def crop_assets(pdf_path: Path, doc: Document, assets_dir: Path, link_prefix: str) -> dict[str, str]:
    """Write one PNG per figure/table/display formula that has coordinates. Blank
    crops are not kept. Returns each written image's ``link_prefix/<file>`` by the
    figure's or formula's id (the document itself is not changed).

    Images an earlier run cut from the same PDF bytes at the same places are reused, as
    recorded in the folder's ``.crops.json``: a rerun renders no page again."""
    targets = list(_targets(doc))
    if not targets:
        return {}
    record = _record(pdf_path, targets, link_prefix)
    reused = _reusable(assets_dir, record)
    if reused is not None:
        return reused
    # What reading the paper freed goes back first: the largest page rendered (a
    # full-page photograph decodes into ~60 MB) then peaks above less.
    release_freed()
    with PDFIUM_LOCK:
        written = _crop(pdf_path, targets, assets_dir, link_prefix)
    release_freed()  # the rendered pages are gone: their memory goes back too
    if written:
        write_atomic(assets_dir / RECORD, json.dumps({**record, "written": written}, indent=1))
    return written


def _record(pdf_path: Path, targets: list[Figure | Formula], link_prefix: str) -> dict[str, object]:
    places = [[t.id, *_place(t.region)] for t in targets if t.region is not None]
    return {
        "pdf_sha256": file_sha256(pdf_path),
        "scale": SCALE,
        "margin": MARGIN,
        "prefix": link_prefix,
        "places": places,
    }


def _place(region: Region) -> list[float]:
    return [region.page, region.x0, region.y0, region.x1, region.y1]


def _reusable(assets_dir: Path, record: dict[str, object]) -> dict[str, str] | None:
    """The images recorded for exactly this PDF and these places, when all are still there."""
    try:
        kept = json.loads((assets_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict):
        return None
    written = kept.pop("written", None)
    # The record went through JSON: compare it as JSON sees it.
    if kept != json.loads(json.dumps(record)) or not isinstance(written, dict):
        return None
    files = [assets_dir / Path(str(link)).name for link in written.values()]
    if not all(f.is_file() and f.stat().st_size > 0 for f in files):
        return None
    return {str(key): str(link) for key, link in written.items()}


def _render(page: pdfium.PdfPage, region: Region) -> Image.Image | None:
    """The region (and its margin) rendered alone, or None when it is too thin to show.
    Only the region is drawn: rendered whole and then cut, a page holding a large photograph
    took ~75 MB (300-page paper: peak 289 MB) and twice the CPU time."""
    width, height = page.get_size()
    x0, y0 = max(0.0, region.x0 - MARGIN), max(0.0, region.y0 - MARGIN)
    x1, y1 = min(width, region.x1 + MARGIN), min(height, region.y1 + MARGIN)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    # Cut at whole pixels of the rendered page, as a crop of the page image would be.
    left, top, right, bottom = (round(v * SCALE) / SCALE for v in (x0, y0, x1, y1))
    image: Image.Image = page.render(scale=SCALE, crop=(left, height - bottom, width - right, top)).to_pil()
    return image


def _blank(image: Image.Image) -> bool:
    """Nearly one shade all over."""
    low, high = cast(tuple[int, int], image.convert("L").getextrema())
    return high - low < 16


def _crop(
    pdf_path: Path, targets: list[Figure | Formula], assets_dir: Path, link_prefix: str
) -> dict[str, str]:
    written: dict[str, str] = {}
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        by_page: dict[int, list[tuple[Figure | Formula, Region]]] = {}
        for item in targets:
            region = item.region
            if region is not None and 1 <= region.page <= len(pdf):
                by_page.setdefault(region.page, []).append((item, region))
        for number, items in sorted(by_page.items()):
            page = pdf[number - 1]
            try:
                for item, region in items:
                    crop = _render(page, region)
                    if crop is None or _blank(crop):
                        continue  # too thin, or blank: the coordinates point at nothing drawn
                    assets_dir.mkdir(parents=True, exist_ok=True)
                    name = f"{item.id}.png"
                    crop.save(assets_dir / name, compress_level=PNG_LEVEL)
                    written[item.id] = f"{link_prefix}/{name}"
            finally:
                page.close()
    finally:
        pdf.close()
    return written
