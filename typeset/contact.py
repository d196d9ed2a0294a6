"""The contact sheet of a proof: every spread as the pages will face each other when the
sheets are folded.

PDF page 1 is a recto, the front of the first leaf: it stands alone on the right. Then each
verso faces the next recto — pages 2|3, 4|5, … — and an even last page (the back of the last
leaf) stands alone on the left. Spreads are laid out left to right, `COLUMNS` to a row, each
page reduced to `THUMB_HEIGHT` pixels high with its name under it (its folio as printed,
目录, PDF page N). A page that was not rendered (a `--pages` proof) leaves its place empty.
"""
from __future__ import annotations

from typeset.records import dataclass

THUMB_HEIGHT = 180       # px, each page
COLUMNS = 4              # spreads per row
MARGIN = 16              # px around the sheet
GAP = 24                 # px between spreads in a row
ROW_GAP = 10             # px between rows (below the labels)
LABEL = 22               # px under each page for its name
HEADER = 30              # px above the first row for the title
BACKGROUND = (228, 228, 228)
EDGE = (150, 150, 150)
INK = (40, 40, 40)


def spreads(n: int) -> list[tuple[int | None, int | None]]:
    """(left, right) page indices (0-based) of the spreads of an n-page issue."""
    if n <= 0:
        return []
    out: list[tuple[int | None, int | None]] = [(None, 0)]
    for left in range(1, n, 2):
        out.append((left, left + 1 if left + 1 < n else None))
    return out


@dataclass(frozen=True)
class Geometry:
    """Where things are on a sheet of `count` spreads whose pages are `page_w` wide."""
    count: int
    page_w: int
    page_h: int = THUMB_HEIGHT

    @property
    def columns(self) -> int:
        return max(1, min(COLUMNS, self.count))

    @property
    def rows(self) -> int:
        return -(-self.count // COLUMNS) if self.count else 0

    @property
    def size(self) -> tuple[int, int]:
        width = 2 * MARGIN + self.columns * 2 * self.page_w + (self.columns - 1) * GAP
        height = 2 * MARGIN + HEADER + self.rows * (self.page_h + LABEL) \
            + max(0, self.rows - 1) * ROW_GAP
        return width, height

    def slot(self, k: int, side: int) -> tuple[int, int]:
        """Top-left corner of spread k's left (side 0) or right (side 1) page."""
        row, col = divmod(k, COLUMNS)
        x = MARGIN + col * (2 * self.page_w + GAP) + side * self.page_w
        y = MARGIN + HEADER + row * (self.page_h + LABEL + ROW_GAP)
        return x, y


def page_width(image_size: tuple[int, int]) -> int:
    w, h = image_size
    return max(1, round(THUMB_HEIGHT * w / h))


def thumbnail(image):
    """A rendered page (PIL) reduced to its place on the sheet (kept instead of the page
    while the others are rendered)."""
    from PIL import Image
    size = (page_width(image.size), THUMB_HEIGHT)
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def contact_sheet(n: int, images: dict[int, object], names: list[str], *, title: str = "",
                  font: str | None = None):
    """The sheet (a PIL image) and its number of spreads. `images`: page index -> rendered
    page or its `thumbnail` (PIL); only spreads holding at least one of them are shown."""
    from PIL import Image, ImageDraw

    shown = [s for s in spreads(n) if any(i in images for i in s if i is not None)]
    first = next(iter(images.values()), None)
    page_w = page_width(first.size) if first is not None else round(THUMB_HEIGHT * 0.7)
    geo = Geometry(len(shown), page_w)
    sheet = Image.new("RGB", geo.size, BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    label_font = _font(font, 13)
    if title:
        draw.text((MARGIN, MARGIN + HEADER // 2), title, fill=INK, anchor="lm",
                  font=_font(font, 16))
    for k, spread in enumerate(shown):
        for side, index in enumerate(spread):
            if index is None or index not in images:
                continue
            x, y = geo.slot(k, side)
            sheet.paste(thumbnail(images[index]).convert("RGB"), (x, y))
            draw.rectangle((x, y, x + page_w - 1, y + THUMB_HEIGHT - 1), outline=EDGE)
            draw.text((x + page_w // 2, y + THUMB_HEIGHT + LABEL // 2), names[index],
                      fill=INK, anchor="mm", font=label_font)
    return sheet, len(shown)


def _font(path: str | None, size: int):
    from PIL import ImageFont
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default(size)
