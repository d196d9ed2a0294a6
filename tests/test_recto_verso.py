"""Recto and verso, read from the written PDF (issue 8 part 3, format.md "The whole issue").

PDF page 1 is the front of the first leaf, a right-hand page (recto); page 2 its back, a
left-hand page (verso), and so on. An odd folio must stand on a recto and its folio on the
outside edge of the page as it will be folded: the right edge of a recto, the left edge of a
verso. The tests find each printed folio in the PDF itself (PDFium's character origins inside
the TrimBox), never in typeset's own page model.
"""
from __future__ import annotations

import pytest
from pypdf import PdfReader

from tests import pdfinspect as pi
from tests.conftest import CORPUS


def folios_as_printed(pdf) -> list[tuple[int, str, float, float]]:
    """(PDF page number from 1, folio, x of its centre relative to the trim's centre, trim
    width) for every page whose label is a number, the folio found on the lowest line drawn
    inside the trim, near its foot."""
    reader = PdfReader(str(pdf))
    labels = reader.page_labels
    out = []
    for i, label in enumerate(labels):
        if not label.isdigit():
            continue
        x0, y0, x1, y1 = pi.boxes(reader, i).get("TrimBox") or pi.boxes(reader, i)["MediaBox"]
        inside = [(c, x, y) for c, x, y in pi.char_origins(pdf, i) if y0 <= y <= y1]
        if not inside:
            continue
        low = min(y for _, _, y in inside)          # the lowest line: the folio's
        chars = [(c, x, y) for c, x, y in inside if y - low < 2 and y - y0 < 0.1 * (y1 - y0)]
        text = "".join(c for c, _, _ in chars)
        at = text.find(label)
        if at < 0:           # a blank page keeps its place in the count but shows no folio
            continue
        xs = [x for _, x, _ in chars[at:at + len(label)]]
        out.append((i + 1, label, (min(xs) + max(xs)) / 2 - (x0 + x1) / 2, x1 - x0))
    return out


def test_every_odd_folio_stands_on_a_recto_with_its_folio_outside(sample_pdf):
    printed = folios_as_printed(sample_pdf)
    assert len(printed) >= 30, "the sample's folios were not found in the PDF"
    assert printed[0][1] == "1" and printed[0][0] % 2 == 1, "folio 1 must be a right-hand page"
    for page, folio, dx, width in printed:
        assert page % 2 == int(folio) % 2, f"folio {folio} on PDF page {page}"
        if page % 2:      # recto: the outside edge is the right one
            assert dx > 0.3 * width, f"folio {folio} (PDF page {page}) is not at the right edge"
        else:
            assert dx < -0.3 * width, f"folio {folio} (PDF page {page}) is not at the left edge"


def test_running_heads_mirror_with_the_fold(sample_composition, sample_pdf):
    """The section (※ … ※) stands on the outside half of every body page that has one, as
    the guangxi layout asks (verso: left, recto: right)."""
    reader = PdfReader(str(sample_pdf))
    n_front = len(sample_composition.front)
    checked = 0
    for j, page in enumerate(sample_composition.body):
        i = n_front + j
        x0, y0, x1, y1 = pi.boxes(reader, i)["TrimBox"]
        top = [(c, x) for c, x, y in pi.char_origins(sample_pdf, i) if y - y0 > 0.88 * (y1 - y0)]
        marks = [x for c, x in top if c == "※"]
        if not marks:
            continue
        centre = sum(marks) / len(marks) - (x0 + x1) / 2
        assert (centre > 0) == ((i + 1) % 2 == 1), f"section head on the inside of PDF page {i + 1}"
        checked += 1
    assert checked >= 20


@pytest.mark.skipif(not CORPUS.exists(), reason="corpus not present")
def test_centred_folios_still_count_from_a_recto(tmp_path):
    """chongqing sets folios centred (— 7 —): no outside edge to check, but folio 1 is still
    a recto and every folio's parity is its page's."""
    from typeset.build import build

    out = tmp_path / "cq.pdf"
    build(CORPUS, out)
    reader = PdfReader(str(out))
    labels = reader.page_labels
    body = [(i + 1, int(label)) for i, label in enumerate(labels) if label.isdigit()]
    assert body and body[0][1] == 1 and body[0][0] % 2 == 1
    assert all(page % 2 == folio % 2 for page, folio in body)
