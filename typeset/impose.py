"""A proof booklet for the office printer (issue 11 part 5): `typeset build --imposed`.

Every page of the issue in reading order (covers included), trimmed, two to a side of an A3
sheet in saddle-stitch order, so that the desk prints the file double-sided (flipping on the
short edge), folds the stack once and has a dummy copy in page order. For n pages (blank
pages added to make a multiple of 4), sheet k (from 1) holds

    front:  page n − 2k + 2 | page 2k − 1        back:  page 2k | page n − 2k + 1

so sheet 1's front is the last page beside page 1, its back page 2 beside page n − 1.

It is a proof, never the printer's file: written as the `proof` variant (no PDF/X or PDF/A
claim, no bleed, no crop marks, pictures in sRGB). The pages are the print pages rendered
once without bleed, then placed on the sheets as form XObjects (render/pdfimport.py reads
them back), at 100 % when two pages fit the sheet with 5 mm to spare at every edge, else
scaled down to fit.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from typeset.layout.page import Page, PlacedPage

__all__ = ["booklet_order", "impose", "A3"]

MM = 72 / 25.4
A3 = (420 * MM, 297 * MM)         # landscape: the long side across
MARGIN = 5 * MM                   # what an office printer cannot print at the sheet's edge


def booklet_order(n: int) -> list[tuple[int | None, int | None]]:
    """(left, right) page indices (0-based; None: a blank) of every sheet side in printing
    order — sheet 1 front, sheet 1 back, sheet 2 front, … — for n pages."""
    total = n + (-n) % 4
    sides = []

    def page(p: int) -> int | None:          # 1-based page p -> index, or None past the end
        return p - 1 if p <= n else None
    for k in range(1, total // 4 + 1):
        sides.append((page(total - 2 * k + 2), page(2 * k - 1)))
        sides.append((page(2 * k), page(total - 2 * k + 1)))
    return sides


def impose(comp) -> tuple[bytes, int]:
    """The booklet PDF of a composed issue, and how many sheets it has."""
    from typeset.issueinfo import document_info, issue_metadata
    from typeset.render.variants import PROOF
    from typeset.render.writer import PicturePolicy, render_pdf

    pages = comp.pages                       # every page in reading order, covers included
    lay = comp.layout
    min_ppi = lay.figure.min_ppi if lay.figure is not None else 300.0
    policy = PicturePolicy(lay.images, min_ppi)
    info = document_info(issue_metadata(comp.issue, lay))
    flat = render_pdf(pages, comp.book.library, info, variant=PROOF, pictures=policy)
    w, h = float(lay.page.width), float(lay.page.height)
    sw, sh = A3
    scale = min(1.0, (sw - 2 * MARGIN) / (2 * w), (sh - 2 * MARGIN) / h)
    pw, ph = w * scale, h * scale
    x0, y0 = sw / 2 - pw, (sh - ph) / 2
    with tempfile.TemporaryDirectory(prefix="typeset-booklet-") as tmp:
        src = os.path.join(tmp, "pages.pdf")
        Path(src).write_bytes(flat)
        sheets = []
        for i, (left, right) in enumerate(booklet_order(len(pages))):
            side = "front" if i % 2 == 0 else "back"
            sheet = Page(sw, sh, kind="sheet", label=f"{i // 2 + 1}{side[0]}")
            for index, x in ((left, x0), (right, sw / 2)):
                if index is not None:
                    sheet.items.append(PlacedPage(x, y0, pw, ph, src, index, scale=scale,
                                                  role=f"page {index + 1}"))
            sheets.append(sheet)
        data = render_pdf(sheets, comp.book.library, info, variant=PROOF)
    return data, len(sheets) // 2
