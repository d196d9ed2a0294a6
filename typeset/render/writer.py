"""Pages -> PDF, drawn through the ReportLab adapter (typeset.render.rl).

Takes laid-out `Page`s (typeset.layout.page: positioned text runs and rules, anchors, links)
and writes one PDF. It never sees a paragraph; every glyph is where the run says.

* Text: one `BT … ET` block per stretch of consecutive runs on a page; `Tf` only when font or
  size changes; `Tm` per run; glyphs as two-byte codes (fonts embedded as CID-keyed subsets
  by typeset.render.cidfont). Per-glyph positions (`TextRun.xs`) become `TJ` adjustments, or
  a single `Tc` when the extra spacing is uniform; `xs=None` is a plain `Tj` at natural
  advances. Text and rules are pure black in DeviceGray (`0 g`, `0 G`), never RGB
  (journal-style.md, "Who receives the output": black text as pure K).
* Print: the media box is the trim size plus the bleed on every side (plus room for crop marks
  when asked); content is shifted by that margin; TrimBox and BleedBox are set; crop marks
  stand outside the bleed.
* Navigation: each `Anchor` is a destination (named with its key in the `/Dests` name tree
  when it has one) and an outline entry nested by `level`; each `Link` is a link annotation to
  the destination with its key; `Page.label` becomes a page label range.
* Safety: before anything is drawn every character of every run is checked against its face;
  missing glyphs raise `TypesetError` listing each character, its code point and where it is,
  and nothing is written. Output goes to a temporary file in the target directory, renamed
  over the target only when complete (an earlier good file survives any failure).
* Determinism: ReportLab invariant mode (fixed ID and dates unless `DocumentInfo.date` is
  given), codes and subset tags derived from content: the same pages give the same bytes.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from typeset.errors import TypesetError
from typeset.layout.page import Page, Rule, TextRun
from typeset.render.pdfsyntax import pdf_number as _n
from typeset.text.fonts import FontLibrary

if TYPE_CHECKING:
    from typeset.render.rl import EmbeddedFont


@dataclass
class DocumentInfo:
    """The document information dictionary (and catalog /Lang)."""
    title: str
    author: str = ""
    subject: str = ""
    keywords: str = ""
    creator: str = "typeset"
    producer: str = "typeset"
    lang: str = "zh-CN"
    # CreationDate/ModDate. None: ReportLab's invariant date (2000-01-01), so output depends
    # on the sources only. Give the issue date for archive copies.
    date: datetime | None = None


@dataclass(frozen=True)
class CropMarks:
    """Trim marks drawn outside the bleed (pt). The media box grows by gap + length."""
    length: float = 18.0     # length of each mark
    gap: float = 3.0         # distance from the bleed edge to the start of a mark
    width: float = 0.25      # stroke width


_MISSING_LIST_MAX = 8        # locations listed per missing character


def write_pdf(pages: list[Page], out: Path | str | BinaryIO, library: FontLibrary,
              info: DocumentInfo, *, bleed: float = 0.0,
              crop_marks: bool | CropMarks = False) -> None:
    """Write `pages` as a PDF to `out` (a path, written atomically, or a binary stream)."""
    data = render_pdf(pages, library, info, bleed=bleed, crop_marks=crop_marks)
    if isinstance(out, (str, os.PathLike)):
        write_atomic(Path(out), data)
    else:
        out.write(data)


def render_pdf(pages: list[Page], library: FontLibrary, info: DocumentInfo, *,
               bleed: float = 0.0, crop_marks: bool | CropMarks = False) -> bytes:
    """The PDF for `pages` as bytes (see `write_pdf`)."""
    if bleed < 0:
        raise ValueError(f"bleed must not be negative (got {bleed})")
    if not pages:
        raise ValueError("no pages to write")
    marks = CropMarks() if crop_marks is True else (crop_marks or None)
    fonts = check_glyphs(pages, library)
    keys = _anchor_keys(pages)
    _check_links(pages, keys)
    return _Renderer(pages, fonts, info, bleed, marks, keys).run()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same directory and os.replace."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as err:
        raise TypesetError(f"cannot write the PDF: {err.strerror}", file=str(path),
                           hint="check that the output directory exists and is writable") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# -- checks ----------------------------------------------------------------------------------

def _where(i: int, page: Page) -> str:
    return f"page {i + 1}" + (f" ({page.label})" if page.label else "")


def check_glyphs(pages: list[Page], library: FontLibrary) -> dict[str, EmbeddedFont]:
    """Every character of every run must be in its face. Returns font key -> EmbeddedFont.
    Raises TypesetError listing each missing character, U+ code point and where it occurs."""
    from typeset.render.rl import register
    fonts: dict[str, EmbeddedFont] = {}
    missing: dict[tuple[str, str], list[str]] = {}     # (char, font key) -> places
    for i, page in enumerate(pages):
        for item in page.items:
            if not isinstance(item, TextRun):
                continue
            if item.xs is not None and len(item.xs) != len(item.text):
                raise ValueError(f"{_where(i, page)}: TextRun {item.text!r} has {len(item.xs)} "
                                 f"positions for {len(item.text)} characters")
            font = fonts.get(item.font)
            if font is None:
                font = fonts[item.font] = register(library.face(item.font))
            cmap = font.face_data.cmap
            for ch in item.text:
                if ord(ch) not in cmap:
                    places = missing.setdefault((ch, item.font), [])
                    place = f"{_where(i, page)} {item.role}"
                    if place not in places:
                        places.append(place)
    if missing:
        lines = []
        for (ch, key), places in missing.items():
            shown = ", ".join(places[:_MISSING_LIST_MAX])
            if len(places) > _MISSING_LIST_MAX:
                shown += f", and {len(places) - _MISSING_LIST_MAX} more"
            lines.append(f"  {ch!r} U+{ord(ch):04X} not in {os.path.basename(key)}: {shown}")
        n = len({ch for ch, _ in missing})
        raise TypesetError(
            f"{n} character{'s' if n != 1 else ''} missing from the fonts; nothing was written:\n"
            + "\n".join(lines),
            hint="add a face that has them to the style's font list in the layout, "
                 "or replace the characters in the article")
    return fonts


def _anchor_keys(pages: list[Page]) -> dict[tuple[int, int], str]:
    """Destination name for each anchor (page index, anchor index)."""
    keys: dict[tuple[int, int], str] = {}
    seen: set[str] = set()
    for i, page in enumerate(pages):
        for j, a in enumerate(page.anchors):
            key = a.key or f"typeset.page{i + 1}.{j + 1}"
            if key in seen:
                raise TypesetError(f"two anchors share the key {key!r} ({_where(i, page)}: "
                                   f"{a.title!r})", hint="anchor keys must be unique")
            seen.add(key)
            keys[(i, j)] = key
    return keys


def _check_links(pages: list[Page], keys: dict[tuple[int, int], str]) -> None:
    known = set(keys.values())
    for i, page in enumerate(pages):
        for link in page.links:
            if link.key not in known:
                raise TypesetError(f"{_where(i, page)}: link to {link.key!r}, which no anchor has",
                                   hint="links point at Anchor.key of an anchor on some page")


# -- drawing ---------------------------------------------------------------------------------

def _label_ranges(labels: list[str]) -> list[tuple[int, str | None, int | None, str | None]]:
    """Page label ranges (page index, style, start, prefix) for ISO 32000-1 §12.4.2: a label
    ending in a decimal number continues a decimal range when it is the previous number plus
    one with the same prefix; any other label is a prefix-only range (repeated labels, such
    as 目录 on several contents pages, share one range)."""
    ranges = []
    prev: tuple[str, int | None] | None = None      # (prefix, number or None)
    for i, label in enumerate(labels):
        m = re.fullmatch(r"(.*?)([1-9][0-9]*)", label)
        cur = (m.group(1), int(m.group(2))) if m else (label, None)
        if prev is not None and cur[0] == prev[0] and (
                (cur[1] is None and prev[1] is None)
                or (cur[1] is not None and prev[1] is not None and cur[1] == prev[1] + 1)):
            prev = cur
            continue
        if cur[1] is None:
            ranges.append((i, None, None, cur[0]))
        else:
            ranges.append((i, "D", cur[1], cur[0] or None))
        prev = cur
    return ranges


class _Renderer:
    def __init__(self, pages, fonts, info, bleed, marks, keys):
        self.pages = pages
        self.fonts = fonts
        self.info = info
        self.bleed = float(bleed)
        self.marks = marks
        self.keys = keys
        self.off = self.bleed + (marks.gap + marks.length if marks else 0.0)

    def run(self) -> bytes:
        from typeset.render.rl import Document
        info = self.info
        doc = self.doc = Document(self._media(self.pages[0]), title=info.title,
                                  author=info.author, subject=info.subject,
                                  keywords=info.keywords, creator=info.creator,
                                  producer=info.producer, lang=info.lang or None, date=info.date)
        outline_level = -1
        for i, page in enumerate(self.pages):
            self._page(i, page)
            for j, a in enumerate(page.anchors):
                key = self.keys[(i, j)]
                doc.destination(key, self._y(a.y), named=bool(a.key))
                # ReportLab's outline may only go one level deeper at a time.
                level = max(0, min(a.level, outline_level + 1))
                doc.outline_entry(a.title, key, level)
                outline_level = level
            for link in page.links:
                doc.link(link.key, (self._x(link.x1), self._y(link.y1),
                                    self._x(link.x2), self._y(link.y2)))
            doc.end_page()
        labels = [p.label for p in self.pages]
        if any(labels):
            for index, style, start, prefix in _label_ranges(labels):
                doc.page_label(index, style, start, prefix)
        if any(p.anchors for p in self.pages):
            doc.show_outline()
        return doc.save()

    # coordinates: trim space -> media space
    def _x(self, x: float) -> float:
        return x + self.off

    def _y(self, y: float) -> float:
        return y + self.off

    def _media(self, page: Page) -> tuple[float, float]:
        return (page.width + 2 * self.off, page.height + 2 * self.off)

    def _page(self, index: int, page: Page) -> None:
        w, h, o, b = page.width, page.height, self.off, self.bleed
        if o > 0:
            self.doc.begin_page(self._media(page), (o, o, o + w, o + h),
                                (o - b, o - b, o + w + b, o + h + b))
        else:
            self.doc.begin_page(self._media(page), None, None)
        if self.marks:
            self._crop_marks(page)
        ops = ["0 g 0 G"]               # pure black, DeviceGray
        if o:
            ops.append(f"q 1 0 0 1 {_n(o)} {_n(o)} cm")
        ops.extend(self._items(page))
        if o:
            ops.append("Q")
        self.doc.content("\n".join(ops))

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

    def _items(self, page: Page) -> list[str]:
        ops: list[str] = []
        in_text = False
        # Text state (Tf, Tc, Tz) belongs to the graphics state and outlives BT/ET
        # (ISO 32000-1 §9.3.1), so it is tracked for the whole page, not per text object.
        cur_font = None
        cur_size = None
        cur_tc = 0.0
        cur_hscale = 1.0
        doc = self.doc
        for item in page.items:
            if isinstance(item, TextRun):
                if not item.text:
                    continue
                if not in_text:
                    ops.append("BT")
                    in_text = True
                if item.hscale != cur_hscale:
                    ops.append(f"{_n(item.hscale * 100.0)} Tz")
                    cur_hscale = item.hscale
                font = self.fonts[item.font]
                if font is not cur_font or item.size != cur_size:
                    ops.append(f"{doc.font_resource(font)} {_n(item.size)} Tf")
                    cur_font, cur_size = font, item.size
                codes = doc.encode(font, item.text)
                x = item.x + (item.xs[0] if item.xs else 0.0)
                ops.append(f"1 0 0 1 {_n(x)} {_n(item.y)} Tm")
                tc, show = _show(codes, item, font.face_data)
                if tc != cur_tc:
                    ops.append(f"{_n(tc, 6)} Tc")
                    cur_tc = tc
                ops.append(show)
            elif isinstance(item, Rule):
                if in_text:
                    ops.append("ET")
                    in_text = False
                ops.append(f"{_n(item.width)} w {_n(item.x1)} {_n(item.y1)} m "
                           f"{_n(item.x2)} {_n(item.y2)} l S")
            else:
                raise TypeError(f"cannot draw {type(item).__name__} on a page")
        if in_text:
            ops.append("ET")
        return ops


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
