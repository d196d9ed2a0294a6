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
  is formatted (`render_pdf(sink=)`, output.write_streamed).
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
* the glyph check (`check_glyphs`, `GlyphCheck`): glyphcheck.py; the drawing of a page's
  content (`_Rules`, `_Drawing`: text, rules, pictures, boxes, placed pages, crop marks):
  pagedraw.py; the page keys (`_PageKeys`, `page_streams`): pagekeys.py. `_Writer`
  inherits the drawing and the keys from those two; every name is importable from here;
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

import os
import re
from typeset.records import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from typeset.errors import TypesetError
from typeset.fsutil import write_output
from typeset.issueinfo import DocumentInfo, Metadata
from typeset.layout.page import Box, Image, Page, PlacedPage, TextRun
from typeset.render.glyphcheck import GlyphCheck, _where, check_glyphs
from typeset.render.pagedraw import VariantViolation, _Drawing, _item_where, _Rules
from typeset.render.pagekeys import _PageKeys, _code_version, page_streams
from typeset.render.pdfsyntax import pdf_date
from typeset.render.variants import GRAY, NOT_UNICODE, PROOF, SPOT, Variant
from typeset.progress import step
from typeset.text.fonts import FontLibrary

if TYPE_CHECKING:
    from typeset.render.pagestreams import PageStreams
    from typeset.render.rl.document import Document

__all__ = ["CropMarks", "DocumentInfo", "VariantViolation", "render_pdf", "write_pdf",
           "check_glyphs", "GlyphCheck", "page_streams"]


@dataclass(frozen=True)
class CropMarks:
    """Trim marks drawn outside the bleed (pt). The media box grows by gap + length."""
    length: float = 18.0     # length of each mark
    gap: float = 3.0         # distance from the bleed edge to the start of a mark
    width: float = 0.25      # stroke width




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


class _Writer(_Drawing, _PageKeys):
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

    def _form_name(self, item: PlacedPage) -> str:
        """The form XObject of a placed PDF page (made on its first use, in drawing order:
        `prepare_pages` read and preflighted it): the name that paints it."""
        imp = self.imported[(item.source, item.index)]
        return self.doc.form(imp.key, content=imp.content, bbox=imp.bbox,
                             resources=imp.resources, objects=imp.objects, group=imp.group)

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

def _let_go(page: Page) -> None:
    """Drop a drawn page's positioned items (text runs with their positions, rules,
    pictures): its stream depends on that page only (rl/, "Resource names"), and what
    the rest of the file needs of it — anchors, links, label — stays. Memory (issue 13
    part 5): the pages drawn are not all held until the file is saved. The page check's
    findings kept on the page (pagecheck.check_pages) hold its items too: they go with them."""
    page.items = []
    page.checked = None
