"""The covers (封一 to 封四) and the whole pages of an issue (issue 11; format.md, "The whole
issue").

* `cover_pages`   封一 set from the layout's cover design (photo to the bleed, masthead as text
                  or artwork, the texts naming the journal and the issue, the manifest's
                  cover lines, the barcode where the layout puts it), 封二 and 封三 (a whole
                  page from the manifest, else blank), 封四 (a whole page from the manifest, or
                  the layout's back texts, and the ISSN barcode);
* `whole_page`    a page of a PDF placed at trim size keeping its bleed, or a picture
                  filling the bleed box;
* `insert_leaves` an insert's pages, made a whole number of leaves (a one-page insert gets
                  a blank back);
* `barcode_items` the EAN-13 symbol with its add-on, as filled rectangles in pure K and its
                  digits as text, on a white ground where something lies under it;
* `spreads`       the cover file of a perfect-bound issue: 封四 | spine | 封一 and
                  封二 | spine | 封三.

The journal's name, year and number are always text on 封一 (the layout check requires
texts naming {journal} and {issue}); a masthead drawn as artwork stands besides them.
Everything here is data for the page writer; reading a PDF's pages is render/pdfimport.py's
job, done before layout, whose answers (`model.pdfpage.PdfInfo`) say how many pages a PDF has
and how large they are.
"""
from __future__ import annotations

import dataclasses
import string
from pathlib import Path
from typing import TYPE_CHECKING

from typeset.errors import TypesetError
from typeset.layout.page import Box, Image, Page, PlacedPage, TextRun
from typeset.layout.styles import StyleBook
from typeset.model.barcode import issn_ean13, symbol
from typeset.model.layout import CoverText, Layout
from typeset.model.manifest import Issue, WholePage

if TYPE_CHECKING:                  # what pdfimport read (only an issue that places PDF pages)
    from typeset.model.pdfpage import PdfInfo

__all__ = ["cover_fields", "cover_pages", "whole_page", "insert_leaves", "barcode_items",
           "spreads", "check_whole_pages", "addon_digits"]

_EDGE = 0.01


def cover_fields(issue: Issue, facts) -> dict[str, str | None]:
    """What a cover text may name (None: the issue does not have it)."""
    f = {k: str(v) for k, v in facts.fields().items()}
    f["issn"] = issue.issn
    f["cn"] = issue.cn
    return f


def _names(template: str) -> set[str]:
    return {n for _, n, _, _ in string.Formatter().parse(template) if n}


def cover_text(template: str, fields: dict) -> str | None:
    """The text of a cover template, or None when it names something the issue lacks."""
    if any(fields.get(n) is None for n in _names(template)):
        return None
    return template.format(**fields)


def set_line(book: StyleBook, text: str, style: str, x: float, y: float, align: str,
             role: str, spacing: float = 0.0) -> tuple[list[TextRun], float]:
    """One line of text standing on x as `align` says, with `spacing` em between characters;
    returns its runs and its width."""
    em = book.em(style)
    gap = spacing * em
    glyphs = [ch for ch in text]
    width = book.width(text, style) + gap * max(0, len(glyphs) - 1)
    left = x if align == "left" else x - width / 2 if align == "center" else x - width
    runs = book.plain_run(text, style, left, y, role)
    if gap and runs:
        out, shift = [], 0.0
        for run in runs:
            xs, pos = [], 0.0
            for ch in run.text:
                xs.append(pos)
                pos += book.advance(ch, style) + gap
            out.append(dataclasses.replace(run, x=run.x + shift, xs=tuple(xs)))
            shift += gap * len(run.text)
        runs = out
    return runs, width


def _box(box, layout: Layout) -> tuple[float, float, float, float, float]:
    """(x, y, width, height) of a cover box on the page, each side on a trim edge moved out
    into the bleed; and how far it bleeds."""
    w, h, b = float(layout.page.width), float(layout.page.height), float(layout.page.bleed)
    x0, x1 = float(box.x), float(box.x + box.width)
    y1 = h - float(box.top)
    y0 = y1 - float(box.height)
    bleeds = False
    if x0 <= _EDGE:
        x0, bleeds = -b, True
    if x1 >= w - _EDGE:
        x1, bleeds = w + b, True
    if y0 <= _EDGE:
        y0, bleeds = -b, True
    if y1 >= h - _EDGE:
        y1, bleeds = h + b, True
    return x0, y0, x1 - x0, y1 - y0, (b if bleeds else 0.0)


def whole_page(wp: WholePage, layout: Layout, *, index: int = 0, role: str = "page",
               manifest: Path | None = None) -> list:
    """The item that fills a page with a whole page: a PDF's page at trim size with its bleed,
    or a picture covering the bleed box."""
    w, h, b = float(layout.page.width), float(layout.page.height), float(layout.page.bleed)
    if wp.picture is not None:
        return [Image(-b, -b, w + 2 * b, h + 2 * b, wp.picture.path, role=role, bleed=b,
                      backdrop=True)]
    return [PlacedPage(0.0, 0.0, w, h, wp.path, index, bleed=b, role=role,
                       where=(str(manifest) if manifest else None, wp.line))]


def check_whole_pages(issue: Issue, layout: Layout, pdfs: dict[str, PdfInfo]) -> None:
    """Every PDF page placed whole is at the issue's trim size; a cover page is one page."""
    w, h = float(layout.page.width), float(layout.page.height)
    p = issue.pages
    named = [(wp, what, True) for wp, what in ((p.inside_front, "封二 (pages.inside_front)"),
                                               (p.inside_back, "封三 (pages.inside_back)"),
                                               (p.back, "封四 (pages.back)")) if wp is not None]
    named += [(i.page, "insert", False) for i in p.inserts]
    for wp, what, single in named:
        if wp.picture is not None:
            continue
        info = pdfs[wp.path]
        where = {"file": issue.path, "line": wp.line, "column": wp.column}
        if single and len(info.pages) != 1:
            raise TypesetError(f"{what} {wp.written} has {len(info.pages)} pages; a cover "
                               "page is one page", **where,
                               hint="export that one page as a PDF of its own")
        for k, page in enumerate(info.pages):
            if not info.fits(k, w, h):
                pw, ph = page.trim_size
                raise TypesetError(
                    f"{what} {wp.written}: page {k + 1} is {pw / 72 * 25.4:.1f} × "
                    f"{ph / 72 * 25.4:.1f} mm (its trim box); the issue's trim size is "
                    f"{w / 72 * 25.4:.1f} × {h / 72 * 25.4:.1f} mm", **where,
                    hint="export the page at the trim size with its bleed (a TrimBox of "
                         "the finished size, a BleedBox 3 mm larger), or give a picture")


def insert_leaves(wp: WholePage, layout: Layout, pdfs: dict[str, PdfInfo], manifest: Path
                  ) -> list[Page]:
    """An insert's pages, as many as make whole leaves (an odd last page gets a blank back)."""
    w, h = float(layout.page.width), float(layout.page.height)
    count = 1 if wp.picture is not None else len(pdfs[wp.path].pages)
    pages = [Page(w, h, kind="insert", items=whole_page(wp, layout, index=k, role="insert",
                                                         manifest=manifest))
             for k in range(count)]
    if count % 2:
        pages.append(Page(w, h, kind="blank"))
    return pages


def addon_digits(issue: Issue) -> str | None:
    """The barcode's add-on: the issue number in two digits (the first of a combined issue,
    a supplement's own number); None when there is none, or it has three digits."""
    n = issue.number.first
    if n is None or n > 99:
        return None
    return f"{n:02d}"


def barcode_items(issue: Issue, layout: Layout, book: StyleBook, *, ground: bool) -> list:
    """The ISSN barcode at the layout's place (model/barcode.py): bars as filled rectangles
    in pure K, digits as text; on a white ground (`ground`) where something lies under it."""
    bc = layout.cover.barcode
    variant = issue.issn_variant or bc.variant
    digits = issn_ean13(issue.issn, variant)
    addon = addon_digits(issue) if bc.addon else None
    sym = symbol(digits, addon, bc.magnification)
    x0, y0 = float(bc.x), float(bc.bottom)
    items: list = []
    if ground:
        items.append(Box(x0, y0, sym.width, sym.height, gray=1.0, role="barcode-ground",
                         backdrop=True))
    for bar in sym.bars:
        items.append(Box(x0 + bar.x, y0 + bar.y, bar.width, bar.height, role="barcode"))
    base = book.styles[bc.style].size * bc.magnification
    for d in sym.text:
        room = d.top - d.bottom
        size = min(base, room - 0.6)               # the em box stays in its band
        style = book.scaled(bc.style, size)
        if d.bottom == 0.0:                         # under the bars: the em box's top at them
            y = y0 + d.top - 0.88 * size - 0.3
        else:                                       # the add-on's digits, over its bars
            y = y0 + d.bottom + 0.12 * size + 0.3
        cell = (d.x1 - d.x0) / len(d.text)
        if len(d.text) == 1:                        # the first digit, right in its zone
            adv = book.advance(d.text, style)
            items += book.plain_run(d.text, style, x0 + d.x1 - adv, y, "barcode-digits")
            continue
        xs, left = [], x0 + d.x0
        for k, ch in enumerate(d.text):
            xs.append(k * cell + (cell - book.advance(ch, style)) / 2)
        runs = book.plain_run(d.text, style, left, y, "barcode-digits")
        if len(runs) == 1:
            items.append(dataclasses.replace(runs[0], x=left, xs=tuple(xs)))
        else:
            items += runs
    if bc.issn_style is not None:
        text = f"ISSN {issue.issn}"
        items += set_line(book, text, bc.issn_style, x0 + sym.width / 2,
                          y0 + sym.height + 0.4 * book.em(bc.issn_style), "center",
                          "barcode-issn")[0]
    return items


def _texts(texts: tuple[CoverText, ...], fields: dict, book: StyleBook, height: float,
           role: str) -> list:
    items = []
    for t in texts:
        text = cover_text(t.text, fields)
        if text:
            items += set_line(book, text, t.style, float(t.x), height - float(t.top), t.align,
                              role, t.letter_spacing)[0]
    return items


def cover_pages(issue: Issue, layout: Layout, book: StyleBook, facts,
                pdfs: dict[str, PdfInfo]) -> list[Page]:
    """封一, 封二, 封三, 封四 (see the module docstring)."""
    cv = layout.cover
    if cv is None:
        raise TypesetError("the manifest gives covers (cover, pages.inside_front, inside_back "
                           "or back), but the layout has no cover design",
                           file=issue.path, line=(issue.cover.line if issue.cover else None),
                           hint=f"add a `cover` block to the layout ({layout.path}), or "
                                "remove the covers from the manifest")
    w, h = float(layout.page.width), float(layout.page.height)
    fields = cover_fields(issue, facts)
    labels = cv.labels
    barcode = issue.issn is not None and cv.barcode is not None and cv.barcode.page != "none"

    front = Page(w, h, kind="cover", label=labels[0])
    cover = issue.cover
    if cover is not None and cover.image is not None:
        if cv.photo is None:
            raise TypesetError("the manifest gives a cover photo, but the layout's cover "
                               "design has no place for one (cover.photo)",
                               file=issue.path, line=cover.line,
                               hint=f"add cover.photo to the layout ({layout.path}), or "
                                    "remove cover.image")
        x, y, bw, bh, bleed = _box(cv.photo, layout)
        front.items.append(Image(x, y, bw, bh, cover.image.path, role="cover", bleed=bleed))
    if cv.artwork is not None:
        from typeset.model.picture import probe
        src = Path(layout.path).parent / cv.artwork.file if layout.path else \
            Path(cv.artwork.file)
        pic = probe(src, file=layout.path or None)
        x, y, bw, bh, bleed = _box(cv.artwork.box, layout)
        front.items.append(Image(x, y, bw, bh, pic.path, role="masthead", bleed=bleed))
    front.items += _texts(cv.front, fields, book, h, "cover-text")
    if cover is not None and cover.lines:
        front.items += _cover_lines(issue, layout, book)
    if barcode and cv.barcode.page == "front":
        front.items += barcode_items(issue, layout, book, ground=cover is not None
                                     and cover.image is not None)

    def given(wp: WholePage | None, label: str, role: str) -> Page:
        page = Page(w, h, kind="cover", label=label)
        if wp is not None:
            page.items += whole_page(wp, layout, role=role, manifest=issue.path)
        return page

    p = issue.pages
    inside_front = given(p.inside_front, labels[1], "inside-front")
    inside_back = given(p.inside_back, labels[2], "inside-back")
    back = given(p.back, labels[3], "back")
    if p.back is None:
        back.items += _texts(cv.back, fields, book, h, "cover-text")
    if barcode and cv.barcode.page == "back" and (p.back is None or issue.back_barcode):
        back.items += barcode_items(issue, layout, book, ground=p.back is not None)
    return [front, inside_front, inside_back, back]


def _cover_lines(issue: Issue, layout: Layout, book: StyleBook) -> list:
    cl = layout.cover.lines
    cover = issue.cover
    if cl is None:
        raise TypesetError("the manifest gives cover lines, but the layout's cover design "
                           "has no place for them (cover.lines)", file=issue.path,
                           line=cover.line_of_lines[0] if cover.line_of_lines else cover.line,
                           hint=f"add cover.lines to the layout ({layout.path}), or remove "
                                "cover.lines from the manifest")
    if len(cover.lines) > cl.max_lines:
        raise TypesetError(f"{len(cover.lines)} cover lines; the cover holds "
                           f"{cl.max_lines} (cover.lines.max_lines)", file=issue.path,
                           line=cover.line_of_lines[cl.max_lines],
                           hint="shorten the list, or raise max_lines in the layout")
    items = []
    h = float(layout.page.height)
    for k, (text, line) in enumerate(zip(cover.lines, cover.line_of_lines)):
        runs, width = set_line(book, text, cl.style, float(cl.x),
                               h - float(cl.top) - k * float(cl.pitch), cl.align, "cover-line")
        if width > cl.width + 0.01:
            raise TypesetError(f"cover line '{text}' is {width:.1f} pt wide; the cover "
                               f"holds {float(cl.width):.1f} pt (cover.lines.width)",
                               file=issue.path, line=line, hint="shorten it")
        items += runs
    return items


def spreads(covers: list[Page], layout: Layout) -> list[Page]:
    """The cover of a perfect-bound issue as two spreads: outside 封四 | spine | 封一, inside
    封二 | spine | 封三 (as seen when the cover lies open, outside up, then turned over)."""
    w, h = float(layout.page.width), float(layout.page.height)
    spine = float(layout.cover.spine)
    front, inside_front, inside_back, back = covers

    def join(left: Page, right: Page, label: str) -> Page:
        page = Page(2 * w + spine, h, kind="cover", label=label)
        page.items += [_to_spine(it, w, right=False) for it in left.items]
        page.items += [_shift(_to_spine(it, w, right=True), w + spine) for it in right.items]
        return page
    labels = layout.cover.labels
    return [join(back, front, f"{labels[3]}{labels[0]}"),
            join(inside_front, inside_back, f"{labels[1]}{labels[2]}")]


def _shift(item, dx: float):
    if hasattr(item, "x1"):
        return dataclasses.replace(item, x1=item.x1 + dx, x2=item.x2 + dx)
    return dataclasses.replace(item, x=item.x + dx)


def _to_spine(item, w: float, *, right: bool):
    """On a spread, a page's spine side is a fold, not a trim edge: what bled there stops at
    the spine (a picture's box, a placed page's clip)."""
    if isinstance(item, Image) and item.bleed:
        if right and item.x < 0:
            return dataclasses.replace(item, x=0.0, width=item.width + item.x)
        if not right and item.x + item.width > w:
            return dataclasses.replace(item, width=w - item.x)
    if isinstance(item, PlacedPage) and item.bleed:
        b = item.bleed
        clip = (0.0, -b, w + b, item.height + b) if right else (-b, -b, w, item.height + b)
        return dataclasses.replace(item, clip=clip)
    return item
