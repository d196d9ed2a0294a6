"""What a PDF of whole pages is, as read from its page tree (render/pdfimport.py reads it, the
layout uses it): how many pages and each page's boxes. Plain data, no PDF library here.

Boxes are (x0, y0, x1, y1) in the PDF's default user space (points), as ISO 32000-1 §14.11.2
defines them: the MediaBox, the TrimBox (the finished page; if the page has none, its
CropBox, else its MediaBox) and the BleedBox (else the CropBox, else the MediaBox).
"""
from __future__ import annotations

from typeset.records import dataclass

__all__ = ["PdfPageBoxes", "PdfInfo", "SIZE_TOLERANCE"]

#: how far a placed page's trim size may differ from the issue's (pt): 0.5 pt is 0.18 mm,
#: less than any trimming knife's tolerance, more than rounding in an exported PDF
SIZE_TOLERANCE = 0.5


@dataclass(frozen=True)
class PdfPageBoxes:
    media: tuple[float, float, float, float]
    trim: tuple[float, float, float, float]
    bleed: tuple[float, float, float, float]
    rotate: int = 0                    # /Rotate, normalised to 0, 90, 180 or 270

    @property
    def trim_size(self) -> tuple[float, float]:
        """Width and height of the trim box as the page is shown (turned by /Rotate)."""
        w, h = self.trim[2] - self.trim[0], self.trim[3] - self.trim[1]
        return (h, w) if self.rotate in (90, 270) else (w, h)


@dataclass(frozen=True)
class PdfInfo:
    path: str                          # absolute
    sha256: str
    pages: tuple[PdfPageBoxes, ...]

    def fits(self, index: int, width: float, height: float) -> bool:
        w, h = self.pages[index].trim_size
        return abs(w - width) <= SIZE_TOLERANCE and abs(h - height) <= SIZE_TOLERANCE
