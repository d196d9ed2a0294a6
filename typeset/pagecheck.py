"""Where things were drawn: every item inside the trim box, nothing drawn over anything else.

The typographic report (`report/`) reads the frames the page builder made; this reads the
finished pages — the positioned items the writer will draw — so that whatever stage put a run
in the wrong place (a layout whose margins do not fit, a running head too long for its half, a
colophon pushed past the foot, a float on top of text), `typeset check` sees it and fails
(issue 8 part 2).

What each item covers:
* a text run: from its first glyph's origin to its last glyph's advance end, and vertically the
  ideographic em box of its size (baseline − 0.12 em to baseline + 0.88 em, clreq §3.1: the
  box Chinese glyphs are designed in);
* a rule: its stroke (length × line width);
* an image, a filled box (barcode bars), a placed page: its box.

Pictures meant to bleed (a cover photo, a whole page: `Image.bleed`, `PlacedPage.bleed`) may
reach past the trim box by their bleed and no further. A backdrop (`backdrop`: a whole page
under the barcode, the barcode's white ground) lies under what is drawn over it, so nothing
over it counts as an overlap.

Two items overlap when their boxes intersect by more than a tolerance in both directions:
⅓ em of the smaller size for text against text (punctuation compressed at the joint of two
runs on one line legitimately draws a mark inside its neighbour's advance by up to ½ em of
blank, so runs on one baseline get ⅔ em), 0.5 pt for anything against an image, and any
crossing of a text's central band for a rule. Outside means beyond the trim box by more than
0.01 pt.
"""
from __future__ import annotations

from typeset.records import dataclass
from itertools import islice, repeat
from operator import add, is_, mul
from typing import NamedTuple

from typeset.layout.page import Box, Image, Page, PlacedPage, Rule, TextRun

EM_ASCENT = 0.88        # the ideographic em box above the baseline (layout.flow.EM_ASCENT)
EM_DESCENT = 0.12
_EPS = 0.01


@dataclass(frozen=True)
class Extent:
    """The box an item covers on its page, pt from the bottom-left trim corner."""
    x0: float
    y0: float
    x1: float
    y1: float
    kind: str           # "text", "rule" or "image"
    size: float         # type size for text, else 0
    baseline: float     # text: its baseline; else the box's bottom
    what: str           # for messages: the text, or "rule (role)", "image (file)"
    bleed: float = 0.0  # how far past the trim box it may reach
    backdrop: bool = False


class _Advances(dict):
    """Character -> advance in em, for one font (asked of `advance` once per character)."""

    def __init__(self, advance, font: str):
        super().__init__()
        self.advance, self.font = advance, font

    def __missing__(self, ch: str) -> float:
        a = self[ch] = self.advance(self.font, ch)
        return a


class _Box(NamedTuple):
    """An `Extent` as check_pages uses it: the same fields, made several times faster (a
    page has hundreds of items), never handed out."""
    x0: float
    y0: float
    x1: float
    y1: float
    kind: str
    size: float
    baseline: float
    what: str
    bleed: float = 0.0
    backdrop: bool = False


def extents(page: Page, advance, _fonts: dict | None = None) -> list[Extent]:
    """The extent of every item on `page`; `advance(font, ch)` is the advance in em."""
    return [Extent(*b) for b in _boxes(page, advance, _fonts)]


def _boxes(page: Page, advance, _fonts: dict | None = None) -> list[_Box]:
    out: list[_Box] = []
    fonts = {} if _fonts is None else _fonts        # font -> _Advances (check_pages shares it)
    for it in page.items:
        if isinstance(it, TextRun):
            if not it.text:
                continue
            scale = it.size * it.hscale
            adv = fonts.get(it.font)
            if adv is None:
                adv = fonts[it.font] = _Advances(advance, it.font)
            if it.xs is None:
                left = it.x
                right = it.x + sum(map(adv.__getitem__, it.text)) * scale
            else:
                left = it.x + min(it.xs)
                right = _right_edge(it.x, it.xs, it.text, adv, scale)
            out.append(_Box(left, it.y - EM_DESCENT * it.size, right,
                            it.y + EM_ASCENT * it.size, "text", it.size, it.y, it.text))
        elif isinstance(it, Rule):
            h = it.width / 2
            out.append(_Box(min(it.x1, it.x2) - h, min(it.y1, it.y2) - h,
                            max(it.x1, it.x2) + h, max(it.y1, it.y2) + h, "rule", 0.0,
                            min(it.y1, it.y2), f"rule ({it.role})"))
        elif isinstance(it, Image):
            out.append(_Box(it.x, it.y, it.x + it.width, it.y + it.height, "image", 0.0, it.y,
                            f"image ({it.source.rsplit('/', 1)[-1]})", it.bleed,
                            it.backdrop))
        elif isinstance(it, PlacedPage):
            out.append(_Box(it.x, it.y, it.x + it.width, it.y + it.height, "image", 0.0, it.y,
                            f"page {it.index + 1} of {it.source.rsplit('/', 1)[-1]}", 0.0,
                            it.backdrop))
        elif isinstance(it, Box):
            out.append(_Box(it.x, it.y, it.x + it.width, it.y + it.height, "image", 0.0, it.y,
                            f"box ({it.role})", 0.0, it.backdrop))
    return out


def _right_edge(x: float, xs, text: str, adv: _Advances, scale: float) -> float:
    """x + xs[i] + advance × scale for every glyph, the largest (as written out).

    Usually the last glyph's: then it is found from that glyph alone when no other can
    reach past it, each other being at most (x + the largest other xs) + (the widest
    advance of the run) × scale — rounding to nearest is monotonic, so this bound holds for
    the floating-point sums and products too, and the value is the one the full maximum
    gives (tests/test_pagecheck.py compares them). Otherwise, every glyph is looked at."""
    n = len(xs)
    if n == len(text) and scale >= 0:
        last = (x + xs[-1]) + adv[text[-1]] * scale
        if n == 1 or (x + max(islice(xs, n - 1))) + max(map(adv.__getitem__, text)) * scale \
                <= last:
            return last
    return max(map(add, map(add, repeat(x), xs), map(mul, map(adv.__getitem__, text),
                                                      repeat(scale))))


def outside(page: Page, ext: list[Extent]) -> list[Extent]:
    """Items reaching beyond the trim box (beyond their bleed, for pictures meant to bleed)."""
    return [e for e in ext if e.x0 < -e.bleed - _EPS or e.y0 < -e.bleed - _EPS
            or e.x1 > page.width + e.bleed + _EPS or e.y1 > page.height + e.bleed + _EPS]


def _overlap(a: Extent, b: Extent) -> bool:
    if a.backdrop or b.backdrop:
        return False
    ix = min(a.x1, b.x1) - max(a.x0, b.x0)
    iy = min(a.y1, b.y1) - max(a.y0, b.y0)
    if a.kind == "text" and b.kind == "text":
        size = min(a.size, b.size)
        same_line = abs(a.baseline - b.baseline) < _EPS
        return ix > (2 / 3 if same_line else 1 / 3) * size and iy > size / 3
    if "image" in (a.kind, b.kind):
        return ix > 0.5 and iy > 0.5
    if a.kind == "rule" and b.kind == "rule":
        return False         # rules meet at corners and joints by design
    text, rule = (a, b) if a.kind == "text" else (b, a)
    # a rule drawn through the central band of a text run (not merely near its em box edge)
    band0 = text.y0 + 0.2 * text.size
    band1 = text.y1 - 0.2 * text.size
    return ix > _EPS and rule.y1 > band0 and rule.y0 < band1


def overlaps(ext: list[Extent]) -> list[tuple[Extent, Extent]]:
    """Pairs of items drawn over each other (sweep over the items sorted by their bottom)."""
    items = sorted(ext, key=lambda e: e.y0)
    found = []
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            if b.y0 >= a.y1:
                break
            if _overlap(a, b):
                found.append((a, b))
    return found


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def check_pages(pages: list[Page], advance, *, fonts_key=None, advances: dict | None = None
                ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(outside, overlapping) findings as (page label, detail) for every page. `fonts_key`:
    an object standing for the fonts `advance` measures with (the font library); given, each
    page keeps what was found on it (`Page.checked`) and is not looked at again while it holds
    the same items at the same place with the same fonts. `advances`: what `advance` gave,
    kept by the caller from one call to the next (typeset/stream.py checks a stretch a time)."""
    out_rows: list[tuple[str, str]] = []
    over_rows: list[tuple[str, str]] = []
    fonts: dict = {} if advances is None else advances
    for n, page in enumerate(pages, start=1):
        where = page.label or f"PDF page {n}"
        now = None
        if fonts_key is not None:
            now = (fonts_key, where, page.width, page.height, tuple(page.items))
            kept = page.checked
            if kept is not None and _same_check(kept[0], now):
                out_rows += kept[1]
                over_rows += kept[2]
                continue
        ext = _boxes(page, advance, fonts)
        outs = [(where, f"{_short(e.what)} reaches outside the trim box "
                        f"({e.x0:.1f}, {e.y0:.1f})–({e.x1:.1f}, {e.y1:.1f}) pt on a "
                        f"{page.width:.1f} × {page.height:.1f} pt page")
                for e in outside(page, ext)]
        overs = [(where, f"{_short(a.what)} and {_short(b.what)} are drawn over each other")
                 for a, b in overlaps(ext)]
        out_rows += outs
        over_rows += overs
        if now is not None:
            page.checked = (now, outs, overs)
    return out_rows, over_rows


def _same_check(then: tuple, now: tuple) -> bool:
    """The same fonts, place, size and items (by identity: items are frozen, and the kept
    tuple holds them, so no identity is reused)."""
    a, b = then[4], now[4]
    return then[0] is now[0] and then[1:4] == now[1:4] and len(a) == len(b) \
        and all(map(is_, a, b))


def check_composition_pages(comp) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """check_pages of every page of a composition (layout.issue.Composition), each page's
    findings kept on it (`Page.checked`): the writer and the report both ask, and a warm
    process asks again of the pages it kept."""
    library = comp.book.library
    return check_pages(comp.pages, lambda font, ch: library.face(font).advance(ch),
                       fonts_key=library)


def placement_error(pages: list[Page], advance, *, found=None):
    """A TypesetError naming the first page and item drawn outside the trim box or over
    another item, or None: a build never writes such a PDF (issue 8 part 2; `typeset check`
    lists them all). `found`: what check_pages gave for these pages, if known."""
    from typeset.errors import TypesetError

    out_rows, over_rows = found if found is not None else check_pages(pages, advance)
    rows = out_rows + over_rows
    if not rows:
        return None
    page, detail = rows[0]
    more = f" (and {len(rows) - 1} more)" if len(rows) > 1 else ""
    return TypesetError(f"p.{page}: {detail}{more}; no PDF is written with anything off the "
                        "page or drawn over something else",
                        hint="run `typeset check` on the issue for the full list; the layout "
                             "(margins, sizes, spacing) or the text concerned must change")
