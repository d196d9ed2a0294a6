"""The page writer: laid-out pages -> the finished PDF, written once, in its final form.

Takes `Page`s (typeset.layout.page: positioned text runs and rules, anchors, links), a
`Variant` (variants.py: print PDF/X-4 or X-1a, archive PDF/A-2u, or a proof) decided before
anything is written, and the document information; draws through the ReportLab adapter
(rl/) and returns the file's bytes. It never sees a paragraph; every glyph is where the run
says. Nothing reads the PDF back: what the variant asks for is written as the pages are
drawn, and what it forbids is refused at the draw call.

* What the variant writes: header version, output intent with its ICC profile, Info entries
  and the XMP packet (built from the same `DocumentInfo`, so they agree), /Lang, TrimBox and
  BleedBox on every page, bleed and crop marks, links (not in the print file: ISO 15930-7
  §6.6), bookmarks, page labels, and an /ID that is a hash of the file itself.
* Rules while drawing (`_Rules`): the writer knows every colour and font it emits. Text and
  rules are pure black in DeviceGray (`0 g`, `0 G`; journal-style.md: black text as pure K),
  crop marks are the registration colour (Separation /All over CMYK); each is checked against
  the variant's colour spaces, and, where the variant needs every code to map to Unicode
  (PDF/A level U), no character that maps to U+0000, U+FEFF or U+FFFE is shown. A violation
  is a typeset bug: `VariantViolation`, naming page and item, before a byte is written. Fonts
  are always embedded as CID-keyed subsets with ToUnicode maps (cidfont.py).
* Text: one `BT … ET` block per stretch of consecutive runs on a page; `Tf` only when font or
  size changes; `Tm` per run; glyphs as two-byte codes. Per-glyph positions (`TextRun.xs`)
  become `TJ` adjustments, or a single `Tc` when the extra spacing is uniform; `xs=None` is a
  plain `Tj` at natural advances.
* Print geometry: the media box is the trim size plus the bleed on every side (plus room for
  crop marks); content is shifted by that margin; crop marks stand outside the bleed.
* Navigation: each `Anchor` is a destination (named with its key in the `/Dests` name tree
  when it has one) and an outline entry nested by `level`; each `Link` is a link annotation
  to the destination with its key; `Page.label` becomes a page label range.
* Safety: before anything is drawn every character of every run is checked against its face;
  missing glyphs raise `TypesetError` listing each character, its code point and where it is.
  Output goes to a temporary file in the target directory, renamed over the target only when
  complete (an earlier good file survives any failure); a build writes the file there as it
  is formatted (`render_pdf(sink=)`, build.write_streamed).
* Determinism: no clock (dates come from `DocumentInfo.date`), no random identifier, codes
  and subset tags derived from content: the same pages give the same bytes.

* Pictures (issue 10): every `Image` item is prepared for the variant by the picture pipeline
  (render/pictures/: print CMYK through the output intent's profile or ICC-tagged RGB in X-4,
  archive sRGB, grey as one channel, JPEGs passed through where nothing changes, cached by
  content) before any page is drawn, so a damaged picture stops the build with its name and
  page. Each distinct picture is one image XObject (`Document.image`), however often it is
  placed; its colour space is checked against the variant at the draw call like any colour.
  A picture covers its box: scaled by one factor (never distorted), centred, the overflow
  clipped to the box (an exact fit is drawn without a clip).

* Pages drawn once (issue 13 part 4): before a page is drawn, what it needs from the document
  is taken in drawing order (`_use`: each run's font resource and codes — a character's code
  is its own, cidfont.py, and a resource's name the page's own, numbered by first use within
  the page, rl/ "Resource names", so a page's stream depends on that page only — each
  picture's XObject), and the page gets a key
  (`_key`: a hash of its items with those codes and names, the variant, the geometry and this
  code). A page whose key `PageStreams` (pagestreams.py) holds is not drawn: its finished
  stream is written as it is (`Document.end_page(encoded)`); the bytes are those drawing it
  gives (tested). A page with an item the writer cannot key (a kind it does not know) is
  always drawn. Page streams are FlateDecode only (rl.PAGE_FILTERS).

* Whole pages of other PDFs (covers, inserts; issue 11): every `PlacedPage` is read and
  preflighted against the variant by render/pdfimport.py (imported only then) before any page
  is drawn, and painted as a form XObject (`Document.form`: its content and every object its
  resources reach, copied once per document, made in drawing order by `_use`), its trim box on
  the item's box, clipped to the bleed it keeps. Filled boxes (`Box`: barcode bars, their
  white ground) are DeviceGray. A page holding either is always drawn (never keyed).

Where the other pieces went:
* (c) bounded memory (issue 13 part 5): with a `sink` the file is written object by object
  as ReportLab formats it at `save` (rl.Document.save), never held whole, a large stream
  never copied; with `let_go` each page's items are dropped once drawn (`_let_go`). A
  large issue is drawn a stretch at a time (typeset/stream.py): `render_pdf` is given
  stand-ins for the pages, the glyph check made while the stretches were held
  (`GlyphCheck`), and the whole pages again as they are drawn (`draw`). ReportLab still
  keeps each page's objects until `save` (README, "Scale and memory");
* (d) drawing pages in parallel: after `_use` (which must run in page order), `_content` of
  a page needs nothing from other pages. Built and measured in wave 7 (branch w7-par-wip):
  it does not pay, the parent still begins, uses and keys every page (README, "Two cores");
  warm builds draw nothing. What does pay: the font subsets made by a child while the pages
  are drawn (subsetaside.py, `_start_aside`).
"""
from __future__ import annotations

import hashlib
import os
import re
import struct
from array import array
from typeset.records import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from typeset.errors import TypesetError
from typeset.fsutil import write_output
from typeset.issueinfo import DocumentInfo, Metadata
from typeset.layout.page import Box, Image, Page, PlacedPage, Rule, TextRun
from typeset.render.pdfsyntax import pdf_date, pdf_number as _n
from typeset.render.variants import GRAY, NOT_UNICODE, PROOF, SPOT, Variant
from typeset.progress import step
from typeset.text.fonts import FontLibrary

if TYPE_CHECKING:
    from typeset.render.pagestreams import PageStreams
    from typeset.render.rl.document import Document
    from typeset.render.rl.fonts import EmbeddedFont

__all__ = ["CropMarks", "DocumentInfo", "VariantViolation", "render_pdf", "write_pdf",
           "check_glyphs"]


@dataclass(frozen=True)
class CropMarks:
    """Trim marks drawn outside the bleed (pt). The media box grows by gap + length."""
    length: float = 18.0     # length of each mark
    gap: float = 3.0         # distance from the bleed edge to the start of a mark
    width: float = 0.25      # stroke width


class VariantViolation(TypesetError):
    """The writer was asked to draw something its variant forbids (a typeset bug)."""


_MISSING_LIST_MAX = 8        # locations listed per missing character


def write_pdf(pages: list[Page], out: Path | str | BinaryIO, library: FontLibrary,
              info: DocumentInfo, *, variant: Variant = PROOF, issue: Metadata | None = None,
              bleed: float = 0.0, crop_marks: bool | CropMarks = False,
              pictures: PicturePolicy | None = None) -> None:
    """Write `pages` as a PDF to `out` (a path, written atomically, or a binary stream)."""
    data = render_pdf(pages, library, info, variant=variant, issue=issue, bleed=bleed,
                      crop_marks=crop_marks, pictures=pictures)
    if isinstance(out, (str, os.PathLike)):
        write_output(Path(out), data)
    else:
        out.write(data)


@dataclass(frozen=True)
class PicturePolicy:
    """What the layout says about pictures: its `images` block (model/layout.py Images:
    rendering intent, ink limit, max_ppi, print RGB, JPEG quality) and figure.min_ppi (a
    downsampled picture never goes under it). `use_cache`: read and write the picture cache."""
    images: object = None            # typeset.model.layout.Images (None: its defaults)
    min_ppi: float = 0.0
    use_cache: bool = True


def render_pdf(pages: list[Page], library: FontLibrary, info: DocumentInfo, *,
               variant: Variant = PROOF, issue: Metadata | None = None, bleed: float = 0.0,
               crop_marks: bool | CropMarks = False,
               pictures: PicturePolicy | None = None,
               streams: PageStreams | None = None,
               sink: BinaryIO | None = None, let_go: bool = False,
               before_drawing=None, glyphs: GlyphCheck | None = None,
               draw=None) -> bytes | None:
    """The PDF for `pages` as bytes, as `variant` asks (see the module docstring). `issue`
    adds the issue's PRISM properties to the XMP; `bleed` and `crop_marks` (sizes from the
    layout) are drawn when the variant has them; `pictures`: how pictures are prepared
    (default: the layout defaults); `streams`: finished page streams of earlier builds
    (pagestreams.py), reused for pages that draw exactly the same. `sink`: an empty file
    open for reading and writing: the PDF is written there object by object as it is
    finished (rl.Document.save), never held whole, and None is returned. `let_go`: each
    page's items are dropped once its stream is drawn (`_let_go`): for a caller that reads
    the pages no more (a one-shot build), so the pages drawn do not stay until the file is
    saved. `before_drawing`: called once everything is checked and prepared, before the
    first page is drawn (a build whose report is made aside waits for it there, the last
    reader of the pages' items).

    A build that sets the issue a stretch at a time (typeset/stream.py) gives `pages` as
    stand-ins: each page's anchors, links, label and size, with only its pictures and
    placed PDF pages among its items; `glyphs`, the `GlyphCheck` of the whole pages, made
    while it held them; and `draw`, an iterator giving the whole pages again, in order, as
    they are drawn (each is let go once drawn). The bytes are those of the whole pages."""
    if bleed < 0:
        raise ValueError(f"bleed must not be negative (got {bleed})")
    if not pages:
        raise ValueError("no pages to write")
    marks = CropMarks() if crop_marks is True else (crop_marks or None)
    if not variant.bleed:
        bleed, marks = 0.0, None
    if glyphs is None:
        glyphs = GlyphCheck(library)
        glyphs.add(pages)
    order = glyphs.order              # font -> its characters in order of first use
    fonts, shown = glyphs.result(pages)
    keys = _anchor_keys(pages)
    _check_links(pages, keys)
    writer = _Writer(pages, fonts, info, variant, issue, bleed, marks, keys)
    # runs are looked at for the characters no PDF/A code may map to only when the
    # document shows one of them at all
    writer.not_unicode = any(not NOT_UNICODE.isdisjoint(chars) for chars in shown.values())
    writer.streams = streams
    writer.order = order
    writer.let_go = let_go or draw is not None
    writer.draw = draw
    from typeset.render.fontprogram import made
    try:
        writer.prepare_pictures(pictures or PicturePolicy())
        writer.prepare_pages()
        if before_drawing is not None:
            before_drawing()
        return writer.run(sink)
    finally:
        writer.close_aside(take=False)    # (a child making subsets, if drawing failed)
        made.clear()                  # (subsets forked children made: this document's only)


# -- checks ----------------------------------------------------------------------------------

def _where(i: int, page: Page) -> str:
    return f"page {i + 1}" + (f" ({page.label})" if page.label else "")


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


def check_glyphs(pages: list[Page], library: FontLibrary,
                 order: dict | None = None) -> dict[str, EmbeddedFont]:
    """Every character of every run must be in its face. Returns font key -> EmbeddedFont.
    Raises TypesetError listing each missing character, U+ code point and where it occurs.
    `order`, if given, is filled with EmbeddedFont -> {character: None} (in order of first
    use): the characters drawing will give codes (cidfont.FontUse.plan; aside.py)."""
    return _check_glyphs(pages, library, order)[0]


def _check_glyphs(pages: list[Page], library: FontLibrary, order: dict | None = None
                  ) -> tuple[dict[str, EmbeddedFont], dict[str, set[str]]]:
    """check_glyphs, and font key -> the characters shown with it."""
    check = GlyphCheck(library, order)
    check.add(pages)
    return check.result(pages)


class GlyphCheck:
    """`check_glyphs` made a group of pages at a time (`add`), the groups joined in reading
    order after (`joined`): a build that sets the issue a stretch at a time
    (typeset/stream.py) checks each stretch's pages while it holds them, and the contents,
    set last, are checked and joined before them. `result()` is what `_check_glyphs` gives
    for all the pages, in the same order, or its error."""

    def __init__(self, library: FontLibrary, order: dict | None = None):
        self.library = library
        self.fonts: dict[str, EmbeddedFont] = {}
        # (char, font key) -> places: (page, role, index of the page in its group)
        self.missing: dict[tuple[str, str], list[tuple]] = {}
        self.known: dict[str, set[str]] = {}                   # font key -> characters it has
        self.order: dict = {} if order is None else order      # font -> {char: None}

    def add(self, pages: list[Page], first: int = 0) -> None:
        """Check `pages`, the first of them page `first` (0-based) of the document."""
        from typeset.render.rl.fonts import register
        fonts, missing, known, order, library = (self.fonts, self.missing, self.known,
                                                 self.order, self.library)
        for i, page in enumerate(pages, start=first):
            for item in page.items:
                if not isinstance(item, TextRun):
                    continue
                if item.xs is not None and len(item.xs) != len(item.text):
                    raise ValueError(f"{_where(i, page)}: TextRun {item.text!r} has "
                                     f"{len(item.xs)} positions for {len(item.text)} "
                                     f"characters")
                font = fonts.get(item.font)
                if font is None:
                    font = fonts[item.font] = register(library.face(item.font))
                    known[item.font] = set()
                ok = known[item.font]
                if ok.issuperset(item.text):      # (then `order` has them too: it holds `ok`)
                    continue
                cmap = font.face_data.cmap
                first_use = order.get(font)
                if first_use is None:
                    first_use = order[font] = {}
                for ch in item.text:
                    if ord(ch) in cmap:
                        ok.add(ch)
                        if ch not in first_use:
                            first_use[ch] = None
                    else:
                        places = missing.setdefault((ch, item.font), [])
                        if not any(p is page and r == item.role for p, r, _ in places):
                            places.append((page, item.role, i))

    @classmethod
    def joined(cls, parts: list["GlyphCheck"], order: dict | None = None) -> "GlyphCheck":
        """One check of the pages of `parts`, in that order: what checking them all at once
        gives (the characters of each font in order of first use, the missing ones with
        their places in page order)."""
        out = cls(parts[0].library if parts else None, order)
        for part in parts:
            for key, font in part.fonts.items():
                out.fonts.setdefault(key, font)
            for key, chars in part.known.items():
                out.known.setdefault(key, set()).update(chars)
            for font, chars in part.order.items():
                out.order.setdefault(font, {}).update(chars)
            for what, places in part.missing.items():
                out.missing.setdefault(what, []).extend(places)
        return out

    def result(self, pages: list[Page] = ()) -> tuple[dict[str, EmbeddedFont],
                                                      dict[str, set[str]]]:
        """(font key -> EmbeddedFont, font key -> its characters shown), or the error naming
        every missing character and where it is (`pages`: the document's, which number the
        pages named)."""
        missing = self.missing
        if missing:
            index = {id(p): i for i, p in enumerate(pages)}
            lines = []
            for (ch, key), found in missing.items():
                places: list[str] = []
                for page, role, i in found:
                    place = f"{_where(index.get(id(page), i), page)} {role}"
                    if place not in places:
                        places.append(place)
                shown = ", ".join(places[:_MISSING_LIST_MAX])
                if len(places) > _MISSING_LIST_MAX:
                    shown += f", and {len(places) - _MISSING_LIST_MAX} more"
                lines.append(f"  {ch!r} U+{ord(ch):04X} not in {os.path.basename(key)}: "
                             f"{shown}")
            n = len({ch for ch, _ in missing})
            raise TypesetError(
                f"{n} character{'s' if n != 1 else ''} missing from the fonts; nothing was "
                f"written:\n" + "\n".join(lines),
                hint="add a face that has them to the style's font list in the layout, "
                     "or replace the characters in the article")
        return self.fonts, self.known


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


class _Writer:
    def __init__(self, pages, fonts, info: DocumentInfo, variant: Variant,
                 issue: Metadata | None, bleed: float, marks: CropMarks | None, keys):
        self.pages = pages
        self.fonts = fonts
        self.info = info
        self.variant = variant
        self.issue = issue
        self.rules = _Rules(variant)
        self.bleed = float(bleed)
        self.marks = marks
        self.keys = keys
        self.off = self.bleed + (marks.gap + marks.length if marks else 0.0)
        self.doc: Document
        self.pictures = None          # render.pictures.pipeline.Pictures, when there are any
        self.streams: PageStreams | None = None
        self._font_keys: dict = {}     # (font, its name on a page) -> its part of a page key
        self._encoders: dict = {}      # font key -> (font, encode): `_use`
        self.not_unicode = True        # may a run show U+0000, U+FEFF or U+FFFE (render_pdf)
        self.imported: dict = {}      # (path, page index) -> render.pdfimport.Imported
        self.order: dict = {}          # font -> its characters in code order (check_glyphs)
        self.aside = None              # subsetaside.Making: subsets made while pages are drawn
        self.let_go = False            # drop each page's items once drawn (render_pdf)
        self.draw = None               # the whole pages, given as they are drawn (render_pdf)

    def prepare_pictures(self, policy: PicturePolicy) -> None:
        """Prepare every placed picture for the variant before anything is drawn (a picture
        that cannot be prepared stops the build here, named with its page)."""
        placed = [it.source for p in self.pages for it in p.items if isinstance(it, Image)]
        sources = list(dict.fromkeys(placed))
        if placed:
            from typeset.model.layout import Images
            from typeset.render.pictures.pipeline import Pictures
            from typeset.render.pictures.spec import target_for
            images = policy.images or Images()
            self.pictures = Pictures(target_for(self.variant.key, images),
                                     max_ppi=images.max_ppi, min_ppi=policy.min_ppi,
                                     use_cache=policy.use_cache)
            self.pictures.plan(self.pages, _where)
        # a cold build: the missing pictures and font subsets made on the other cores (aside.py)
        from typeset.render import aside
        from typeset.render.fontprogram import made
        made_pictures, made_subsets = aside.make(self.order, self.pictures, sources)
        made.update(made_subsets)
        if self.pictures is not None:
            self.pictures.made.update(made_pictures)
        for source in sources:
            self.pictures.get(source)

    def prepare_pages(self) -> None:
        """Read and preflight every placed PDF page before anything is drawn (a page the
        variant cannot hold stops the build here, named with its file and page)."""
        placed = [it for p in self.pages for it in p.items if isinstance(it, PlacedPage)]
        if not placed:
            return
        from typeset.render.pdfimport import import_page
        from typeset.render.variants import CMYK_PROFILE, load_profile
        profile = load_profile(CMYK_PROFILE) if self.variant.key == "archive" else None
        for it in placed:
            key = (it.source, it.index)
            if key not in self.imported:
                file, line = (tuple(it.where) + (None, None))[:2]
                self.imported[key] = import_page(it.source, it.index, self.variant,
                                                 file=file, line=line, cmyk_profile=profile)

    def run(self, sink: BinaryIO | None = None) -> bytes | None:
        from typeset.render.rl.document import Document
        from typeset.render.xmp import UUID_PLACEHOLDER, build_xmp
        v, info = self.variant, self.info
        doc = self.doc = Document(self._media(self.pages[0]), version=v.version,
                                  lang=(info.lang or None) if v.lang else None)
        doc.set_info(self._info_entries())
        if v.intent is not None:
            cond = v.intent.condition
            doc.set_output_intent(v.intent.subtype, cond.identifier, cond.condition,
                                  cond.registry, cond.info, v.intent.profile(),
                                  v.intent.components)
        if v.metadata:
            doc.set_metadata(build_xmp(info, self.issue, v))
        outline_level = -1
        self._version = ""
        if self.streams is not None:
            self._version = _code_version()
            self.streams.begin()
        self._start_aside()
        total = len(self.pages)
        for i, page in enumerate(self.pages):
            step("writing page", i, total)
            if self.draw is not None:         # (`page` stands in for it: render_pdf)
                page = next(self.draw)
            page_key, cached = self._page(i, page)
            for j, a in enumerate(page.anchors):
                key = self.keys[(i, j)]
                doc.destination(key, self._y(a.y), named=bool(a.key))
                if v.outlines:
                    # ReportLab's outline may only go one level deeper at a time.
                    level = max(0, min(a.level, outline_level + 1))
                    doc.outline_entry(a.title, key, level)
                    outline_level = level
            if v.links:
                for link in page.links:
                    doc.link(link.key, (self._x(link.x1), self._y(link.y1),
                                        self._x(link.x2), self._y(link.y2)))
            encoded = doc.end_page(cached)
            if self.let_go:
                _let_go(page)
            if self.streams is not None:
                self.streams.keys.append(page_key)
                if cached is None:
                    self.streams.drawn.append(i)
                    if page_key is not None:
                        self.streams.put(page_key, encoded)
        step("writing page", total, total)
        self.close_aside()
        if self.streams is not None:
            self.streams.pages_done()
        labels = [p.label for p in self.pages]
        if v.page_labels and any(labels):
            for index, style, start, prefix in _label_ranges(labels):
                doc.page_label(index, style, start, prefix)
        if v.outlines and any(p.anchors for p in self.pages):
            doc.show_outline()
        return doc.save(content_id=v.id_from_hash,
                        metadata_id=UUID_PLACEHOLDER.encode("ascii") if v.metadata else None,
                        sink=sink)

    def _info_entries(self) -> list[tuple[str, str]]:
        """The Info dictionary: what `DocumentInfo` gives, then what the variant adds."""
        info = self.info
        out = [("Title", info.title)]
        for key, value in (("Author", info.author), ("Subject", info.subject),
                           ("Keywords", info.keywords)):
            if value:
                out.append((key, value))
        out += [("Creator", info.creator), ("Producer", info.producer)]
        if info.date is not None:
            out += [("CreationDate", pdf_date(info.date)), ("ModDate", pdf_date(info.date))]
        return out + list(self.variant.info)

    # coordinates: trim space -> media space
    def _x(self, x: float) -> float:
        return x + self.off

    def _y(self, y: float) -> float:
        return y + self.off

    def _media(self, page: Page) -> tuple[float, float]:
        return (page.width + 2 * self.off, page.height + 2 * self.off)

    def _page(self, index: int, page: Page) -> tuple[str | None, bytes | None]:
        """Begin the page and draw it, or find its finished stream among `self.streams`;
        returns (the page's key, the stream found) for `run` (which ends the page)."""
        w, h, o, b = page.width, page.height, self.off, self.bleed
        if o > 0 or self.variant.page_boxes:
            # PDF/X: TrimBox and BleedBox on every page; without bleed they are the media box.
            self.doc.begin_page(self._media(page), (o, o, o + w, o + h),
                                (o - b, o - b, o + w + b, o + h + b))
        else:
            self.doc.begin_page(self._media(page), None, None)
        if self.marks:
            self.rules.colour(SPOT, f"{_where(index, page)}: crop marks")
            self._crop_marks(page)
        used = self._use(index, page)
        key = self._key(page, used) if self.streams is not None else None
        cached = self.streams.get(key) if key is not None else None
        if cached is None:
            self.doc.content(self._content(index, page, used))
        else:
            # what drawing would have checked against the variant's rules, checked all the
            # same (the pictures' and placed pages' were checked in `_use`)
            boxes = False
            not_unicode = self.not_unicode
            for item in page.items:
                if isinstance(item, TextRun) and not_unicode and \
                        not NOT_UNICODE.isdisjoint(item.text):
                    self.rules.text(item, _item_where(index, page, item))
                elif isinstance(item, Box) and not boxes:
                    self.rules.colour(GRAY, _item_where(index, page, item))
                    boxes = True
        return key, cached

    def _start_aside(self) -> None:
        """Where it pays, fork a child making the missing font subsets while the pages are
        drawn (subsetaside.py); `close_aside` takes them before saving."""
        from typeset.render import subsetaside
        self.aside = subsetaside.start(self)

    def close_aside(self, take: bool = True) -> None:
        """Take the subsets the child made (`take`: after the last page), or just end it."""
        if self.aside is not None:
            self.aside.close(take)
            self.aside = None

    def _use(self, index: int, page: Page) -> list:
        """What the page's items need from the document, in drawing order: each text run's
        font and codes (a character's code depends on the character alone, cidfont.py; the
        font told of all its characters first, for the supplementary ones), each picture's
        XObject (made on its first use, checked against the variant).
        One entry per item: (font, resource name, codes) for a run, the name for a picture."""
        encoders = self._encoders       # font key -> (font, text -> codes)
        resource = self.doc.font_resource   # (the page's own names: rl/, "Resource names")
        used: list = []
        for item in page.items:
            if isinstance(item, TextRun):
                if item.text:
                    e = encoders.get(item.font)
                    if e is None:
                        font = self.fonts[item.font]
                        e = encoders[item.font] = (font, self.doc.encoder(
                            font, self.order.get(font, ())))
                    used.append((e[0], resource(e[0]), e[1](item.text)))
                else:
                    used.append(None)
            elif isinstance(item, Image):
                used.append(self._image_name(index, page, item))
            elif isinstance(item, PlacedPage):
                used.append(self._form_name(item))
            else:
                used.append(None)
        return used

    def _key(self, page: Page, used: list) -> str | None:
        """The page's key for `self.streams`: a hash of everything its stream depends on
        (pagestreams.py); None for a page with an item this writer does not know how to key."""
        m = self.marks
        parts = [repr((self._version, self.variant.key, self.off, self.bleed,
                       (m.length, m.gap, m.width) if m else None, page.width,
                       page.height)).encode()]
        add = parts.append
        pack = struct.pack
        fonts = self._font_keys
        for item, u in zip(page.items, used):
            if isinstance(item, TextRun):
                if u is None:
                    continue
                font, res, codes = u
                # the codes and the face say which glyphs are shown; the characters make the
                # key say what the page shows (the stream is the same for other characters
                # with the same codes, but the page is not: Session.pages_changed)
                fk = fonts.get((font, res))
                if fk is None:
                    fk = fonts[(font, res)] = b"T%s\0%s\0" % (res.encode(),
                                                              font.face_data.identity.encode())
                add(fk)
                text = item.text.encode("utf-8")
                add(pack("<4dII", item.x, item.y, item.size, item.hscale, len(codes), len(text)))
                add(codes)
                add(text)
                if item.xs is None:
                    add(b"N")
                else:
                    add(b"X")
                    add(array("d", item.xs).tobytes())
            elif isinstance(item, Rule):
                add(b"R" + pack("<5d", item.width, item.x1, item.y1, item.x2, item.y2))
            elif isinstance(item, Image) and self.pictures is not None:
                key, _ = self.pictures.get(item.source)
                info = self.pictures.info(item.source)
                add(b"I%s\0%s\0" % (str(u).encode(), key.encode()))
                add(pack("<4d2q", item.x, item.y, item.width, item.height, info.width_px,
                         info.height_px))
            elif isinstance(item, Box):
                add(b"B" + pack("<5d", item.x, item.y, item.width, item.height, item.gray))
            elif isinstance(item, PlacedPage):
                # the form's name and the placed file's SHA-256 and page (imp.key): what it
                # shows; the box, scale and clip: where
                imp = self.imported[(item.source, item.index)]
                add(b"P%s\0%s\0" % (str(u).encode(), imp.key.encode()))
                add(repr((item.x, item.y, item.width, item.height, item.bleed, item.scale,
                          item.clip)).encode())
            else:
                return None
        return hashlib.sha256(b"".join(parts)).hexdigest()

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

    def _form_name(self, item: PlacedPage) -> str:
        """The form XObject of a placed PDF page (made on its first use, in drawing order:
        `prepare_pages` read and preflighted it): the name that paints it."""
        imp = self.imported[(item.source, item.index)]
        return self.doc.form(imp.key, content=imp.content, bbox=imp.bbox,
                             resources=imp.resources, objects=imp.objects, group=imp.group)

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

    def _image_name(self, index: int, page: Page, item: Image) -> str:
        """The XObject of a placed picture (made on its first use, its colour checked against
        the variant): the name that paints it on this page."""
        key, pic = self.pictures.get(item.source)
        self.rules.colour(pic.space, _item_where(index, page, item))
        return self.doc.image(
            key, width=pic.width, height=pic.height,
            space="ICCBased" if pic.icc is not None else pic.space, components=pic.components,
            filter=pic.filter, data=pic.data, predictor=pic.predictor, icc=pic.icc,
            decode=(1, 0) * pic.components if pic.decode_inverted else None)

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


def _let_go(page: Page) -> None:
    """Drop a drawn page's positioned items (text runs with their positions, rules,
    pictures): its stream depends on that page only (rl/, "Resource names"), and what
    the rest of the file needs of it — anchors, links, label — stays. Memory (issue 13
    part 5): the pages drawn are not all held until the file is saved. The page check's
    findings kept on the page (pagecheck.check_pages) hold its items too: they go with them."""
    page.items = []
    page.checked = None


def page_streams(name: str) -> PageStreams:
    """The page streams cached on disk for `name` (an issue and variant), for `render_pdf`."""
    from typeset.render.pagestreams import PageStreams
    return PageStreams.on_disk(name, _code_version())


_VERSION: str | None = None


def _code_version() -> str:
    """What the bytes of a page stream depend on besides its items: this writer's code, the
    adapter's, the number formatter's, and ReportLab's version (its page preamble)."""
    global _VERSION
    if _VERSION is None:
        from typeset.render.rl.fonts import reportlab_version
        h = hashlib.sha256(reportlab_version().encode())
        here = Path(__file__).resolve().parent
        for name in ("writer.py", "rl/__init__.py", "rl/document.py", "rl/fonts.py",
                     "rl/objects.py", "rl/save.py", "pdfsyntax.py", "pagestreams.py"):
            h.update((here / name).read_bytes())
        _VERSION = h.hexdigest()[:16]
    return _VERSION


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
