"""What a page's content stream says (render/writer.py): text in `BT … ET` blocks, rules,
pictures, filled boxes, placed PDF pages and the crop marks, each checked against the
variant's rules at its draw call (`_Rules`). `_Drawing` is the writer's part that draws a
page; its content depends on that page's items and the fonts' codes only."""
from __future__ import annotations

from typeset.errors import TypesetError
from typeset.layout.page import Box, Image, Page, PlacedPage, Rule, TextRun
from typeset.render.glyphcheck import _where
from typeset.render.pdfsyntax import pdf_number as _n
from typeset.render.variants import GRAY, NOT_UNICODE, Variant


class VariantViolation(TypesetError):
    """The writer was asked to draw something its variant forbids (a typeset bug)."""


def _item_where(i: int, page: Page, item) -> str:
    if isinstance(item, TextRun):
        text = item.text if len(item.text) <= 12 else item.text[:12] + "…"
        return f"{_where(i, page)}: {item.role} text “{text}”"
    if isinstance(item, Image):
        from typeset.render.pictures.pipeline import shown_path
        return f"{_where(i, page)}: {item.role} picture {shown_path(item.source)}"
    if isinstance(item, Box):
        return f"{_where(i, page)}: {item.role} box"
    return f"{_where(i, page)}: {item.role} rule"


class _Rules:
    """The variant's rules for what is drawn, applied at each draw call. Whatever breaks one
    is a typeset bug (the layout or the writer made something the file may not hold), so the
    message names the page and the item, and nothing is written."""

    def __init__(self, variant: Variant):
        self.variant = variant
        self.name = variant.standard or variant.key

    def colour(self, space: str, where: str) -> None:
        if not self.variant.allows(space):
            raise VariantViolation(
                f"{where}: drawn in {space}, which a {self.name} file may not use",
                hint="this is a typeset bug, not a problem in your sources; please report it")

    def text(self, run: TextRun, where: str) -> None:
        # ISO 19005-2 §6.2.11.7.2: at level U no code may map to U+0000, U+FEFF or U+FFFE.
        if self.variant.tounicode and not NOT_UNICODE.isdisjoint(run.text):
            bad = ", ".join(f"U+{ord(c):04X}" for c in sorted(NOT_UNICODE & set(run.text)))
            raise VariantViolation(
                f"{where}: shows {bad}, which a {self.name} file may not map to text",
                hint="this is a typeset bug, not a problem in your sources; please report it")


class _Drawing:
    """The drawing of a page's content: a part of writer._Writer."""

    def _content(self, index: int, page: Page, used: list) -> str:
        """The page's own content stream (the crop marks aside): a function of its items and
        the fonts' codes only."""
        o = self.off
        ops = ["0 g 0 G"]               # pure black, DeviceGray
        if o:
            ops.append(f"q 1 0 0 1 {_n(o)} {_n(o)} cm")
        ops.extend(self._items(index, page, used))
        if o:
            ops.append("Q")
        return "\n".join(ops)

    def _crop_marks(self, page: Page) -> None:
        """Eight trim marks, each on a trim line's extension, outside the bleed, in the
        registration colour (Separation /All: they print on every plate)."""
        m, o = self.marks, self.off
        x0, y0, x1, y1 = o, o, o + page.width, o + page.height
        near = self.bleed + m.gap            # from the trim edge to the start of a mark
        far = near + m.length
        segs = []
        for x in (x0, x1):
            segs.append((x, y0 - far, x, y0 - near))
            segs.append((x, y1 + near, x, y1 + far))
        for y in (y0, y1):
            segs.append((x0 - far, y, x0 - near, y))
            segs.append((x1 + near, y, x1 + far, y))
        self.doc.registration_lines(segs, m.width)

    def _items(self, index: int, page: Page, used: list) -> list[str]:
        ops: list[str] = []
        rules = self.rules
        drawn: set[type] = set()        # kinds of item whose colour was checked on this page
        in_text = False
        # Text state (Tf, Tc, Tz) belongs to the graphics state and outlives BT/ET
        # (ISO 32000-1 §9.3.1), so it is tracked for the whole page, not per text object.
        cur_font = None
        cur_size = None
        cur_tc = 0.0
        cur_hscale = 1.0
        for item, u in zip(page.items, used):
            if isinstance(item, TextRun):
                if not item.text:
                    continue
                if TextRun not in drawn:
                    rules.colour(GRAY, _item_where(index, page, item))
                    drawn.add(TextRun)
                if self.not_unicode and not NOT_UNICODE.isdisjoint(item.text):
                    rules.text(item, _item_where(index, page, item))
                if not in_text:
                    ops.append("BT")
                    in_text = True
                if item.hscale != cur_hscale:
                    ops.append(f"{_n(item.hscale * 100.0)} Tz")
                    cur_hscale = item.hscale
                font, resource, codes = u
                if font is not cur_font or item.size != cur_size:
                    ops.append(f"{resource} {_n(item.size)} Tf")
                    cur_font, cur_size = font, item.size
                x = item.x + (item.xs[0] if item.xs else 0.0)
                ops.append(f"1 0 0 1 {_n(x)} {_n(item.y)} Tm")
                tc, show = _show(codes, item, font.face_data)
                if tc != cur_tc:
                    ops.append(f"{_n(tc, 6)} Tc")
                    cur_tc = tc
                ops.append(show)
            elif isinstance(item, Rule):
                if Rule not in drawn:
                    rules.colour(GRAY, _item_where(index, page, item))
                    drawn.add(Rule)
                if in_text:
                    ops.append("ET")
                    in_text = False
                ops.append(f"{_n(item.width)} w {_n(item.x1)} {_n(item.y1)} m "
                           f"{_n(item.x2)} {_n(item.y2)} l S")
            elif isinstance(item, Image):
                if in_text:
                    ops.append("ET")
                    in_text = False
                ops.append(self._image(item, u))
            elif isinstance(item, Box):
                if Box not in drawn:
                    rules.colour(GRAY, _item_where(index, page, item))
                    drawn.add(Box)
                if in_text:
                    ops.append("ET")
                    in_text = False
                ops.append(f"q {_n(item.gray)} g {_n(item.x)} {_n(item.y)} {_n(item.width)} "
                           f"{_n(item.height)} re f Q")
            elif isinstance(item, PlacedPage):
                if in_text:
                    ops.append("ET")
                    in_text = False
                ops.append(self._placed(item, u))
            else:
                raise TypeError(f"cannot draw {type(item).__name__} on a page")
        if in_text:
            ops.append("ET")
        return ops

    def _placed(self, item: PlacedPage, name: str) -> str:
        """Paint a placed PDF page: its trim box on the item's box, clipped to its bleed."""
        imp = self.imported[(item.source, item.index)]
        b = item.bleed
        x0, y0, x1, y1 = item.clip or (item.x - b, item.y - b, item.x + item.width + b,
                                       item.y + item.height + b)
        s = item.scale
        dx, dy = item.x - imp.trim[0] * s, item.y - imp.trim[1] * s
        return (f"q {_n(x0)} {_n(y0)} {_n(x1 - x0)} {_n(y1 - y0)} re W n "
                f"{_n(s, 6)} 0 0 {_n(s, 6)} {_n(dx, 4)} {_n(dy, 4)} cm {name} Do Q")

    def _image(self, item: Image, name: str) -> str:
        """Paint a prepared picture covering the item's box (see the module docstring)."""
        from typeset.render.pictures.spec import cover
        info = self.pictures.info(item.source)
        # the drawn size from the picture as seen (a downsampled stream keeps its aspect
        # within a pixel's rounding)
        dw, dh = cover(info.width_px, info.height_px, item.width, item.height)
        x0 = item.x + (item.width - dw) / 2
        y0 = item.y + (item.height - dh) / 2
        ops = ["q"]
        if abs(dw - item.width) > 0.005 or abs(dh - item.height) > 0.005:
            ops.append(f"{_n(item.x)} {_n(item.y)} {_n(item.width)} {_n(item.height)} re W n")
        ops.append(f"{_n(dw, 4)} 0 0 {_n(dh, 4)} {_n(x0, 4)} {_n(y0, 4)} cm {name} Do Q")
        return " ".join(ops)


def _show(codes: bytes, run: TextRun, face) -> tuple[float, str]:
    """(Tc, text-showing operator) for a run: `Tj` at natural advances, `Tc` + `Tj` when the
    extra space between glyphs is uniform, otherwise `TJ` with per-glyph adjustments
    (ISO 32000-1 §9.4.3: a TJ number n moves the next glyph by -n/1000 × font size)."""
    text = run.text
    if run.xs is None or len(text) < 2:
        return 0.0, f"<{codes.hex()}> Tj"
    size = run.size
    xs = run.xs
    adv = face.advance
    h = run.hscale
    gaps = [xs[i + 1] - xs[i] - adv(text[i]) * size * h for i in range(len(text) - 1)]
    g0 = gaps[0]
    if all(abs(g - g0) < 1e-6 for g in gaps):
        return (0.0 if abs(g0) < 1e-6 else g0), f"<{codes.hex()}> Tj"
    # Adjustments are computed against absolute targets so rounding never accumulates.
    parts: list[str] = []
    start = 0
    cur = xs[0]
    for i in range(len(text) - 1):
        natural = cur + adv(text[i]) * size * h
        ks = _n(-(xs[i + 1] - natural) * 1000.0 / (size * h), 3)
        if ks != "0":
            parts.append(f"<{codes[2 * start:2 * (i + 1)].hex()}> {ks}")
            start = i + 1
            cur = natural - float(ks) * size * h / 1000.0
        else:
            cur = natural
    parts.append(f"<{codes[2 * start:].hex()}>")
    return 0.0, f"[{' '.join(parts)}] TJ"
