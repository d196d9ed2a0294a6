"""How each kind of item fills the page (layout/paginate.py): a paragraph split by lines
(孤行, an end note keeping the lines before it, an end note longer than a page run on), a
figure set where it stands or floated, a table split between rows (`min_rows`)."""
from __future__ import annotations

from typeset.records import replace

from typeset.layout.flow import Band, Figure, Note, Run, Table
from typeset.layout.frames import Placement, _notes_of, _Page


def _place_run(item: Run, new_page, current, place_body, after: int = 0) -> None:
    """A paragraph's lines, as many on each page as fit with their notes, never leaving one
    line alone at a page edge (孤行). A paragraph with `keep_last` (the last before an end
    note) keeps that many of its last lines on the page with the `after` slots that follow
    it: when they do not fit after it, those lines go over with them."""
    n = len(item.lines)
    pos = 0
    while pos < n:
        page = current()
        left = n - pos
        k = 0
        extra: list[Note] = []
        cap = page.capacity()             # changes only with a line that brings a note
        while k < left:
            new = _notes_of([item.lines[pos + k]])
            more = extra + new if new else extra
            if new:
                cap = page.capacity(more)
            if page.used + k + 1 > cap:
                # a note that does not fit whole may start here and continue on the next
                # page, if this line brings it: the page then ends with this line
                if new and page.foot_spec is not None and \
                        page.used + k + 1 <= page.capacity(more, split=True):
                    extra = more
                    k += 1
                break
            extra = more
            k += 1
        fits = k
        k = _lone_line_rule(k, left, pos)
        if item.keep_last:
            # its last lines go over with what follows when that does not fit after it —
            # unless nothing of it would then stand on a fresh page (no page is left empty)
            kept = fits
            if fits == left and page.used + fits + after > page.capacity(extra):
                kept = left - min(item.keep_last, left)
            elif fits < left:
                kept = min(fits, left - item.keep_last)
            kept = _lone_line_rule(kept, left, pos)
            if kept > 0 or not (page.empty and page.used == 0):
                k = kept
        if k <= 0:
            if page.empty and page.used == 0:
                # the rules leave nothing for an empty page, and the next page would be the
                # same: 孤行 then (reported by the typographic report), here — never an empty
                # page left behind inside the article
                k = max(1, fits)
            else:
                new_page()
                continue
        place_body(Placement(item, 0, pos, pos + k), k)
        page.notes += _notes_of(item.lines[pos:pos + k])
        pos += k
        if pos < n:
            new_page()


def _run_on(band: Band, current, new_page, place_body, pitch: float, L: int) -> Band:
    """An end note taller than a page runs on like text: as many of its lines as the page's
    room holds (two at least, else it starts on the next page), then whole pages; returns
    the rest, which a page holds, for the band's own placement. Notes that fit a page are
    never split (a band is whole): only a note that could stand on no page is."""
    part = band.parts[0]
    lines = part.lines
    while True:
        rest = replace(band, parts=[replace(part, lines=lines)])
        if len(band.parts) != 1 or rest.slots(pitch, True) <= L:
            return rest
        page = current()
        top = page.used == 0 and not page.top
        room = page.capacity() - page.used
        k = len(lines) - 2                  # never fewer than two lines on the next page
        while k >= 2 and replace(band, parts=[replace(part, lines=lines[:k], after=0.0)]
                                 ).slots(pitch, top) > room:
            k -= 1
        if k < 2:
            if page.empty and page.used == 0:
                return rest                 # a page holds not two lines: refused as before
            new_page()
            continue
        piece = replace(band, parts=[replace(part, lines=lines[:k], after=0.0)])
        place_body(Placement(piece, 0, at_top=top), piece.slots(pitch, top))
        part = replace(part, before=0.0)
        lines = lines[k:]
        new_page()


def _lone_line_rule(k: int, left: int, pos: int) -> int:
    """Lines of a paragraph to place when k of its `left` remaining lines fit (pos: lines
    placed before): never one last line alone atop the next page, never one first line alone
    at a page foot (孤行, cjk-rules §4)."""
    if k < left:
        if left - k < 2:
            k = left - 2
        if pos == 0 and k < 2:
            k = 0
    return k


def _place_figure(fig: Figure, page: _Page, pending: list, place_body, pitch: float,
                  ref: int, here: int) -> None:
    """Here if it fits, else the foot or top of this page (as the layout prefers), else the
    next page (flow.Figure; module docstring). `ref` is the page of its reference (the text
    before it), `here` this page's index."""
    late = here - ref > 1
    if pending:                          # figures keep their order
        pending.append((fig, ref))
        return
    cap = page.capacity()
    order = {"here": ("here", "bottom", "top"), "top": ("top", "here", "bottom"),
             "bottom": ("bottom", "here", "top")}
    for where in order[fig.placement]:
        if where == "here":
            if page.bottom:
                continue                 # it would stand above an earlier figure
            at = "top" if page.used == 0 and not page.top else "here"
            s = fig.slots(pitch, at)
            if page.used + s <= cap:
                place_body(Placement(fig, 0, region="body", where=at, late=late), s)
                return
        elif where == "top":
            if page.has_figure_below or page.starts_article:
                continue
            s = fig.slots(pitch, "top")
            if page.used + s <= cap:
                page.top.append(Placement(fig, 0, slots=s, region="top", where="top",
                                          late=late))
                return
        else:
            s = fig.slots(pitch, "bottom")
            if page.used + s <= cap:
                page.bottom.append(Placement(fig, 0, slots=s, region="bottom", where="bottom",
                                             late=late))
                return
    pending.append((fig, ref))


def _place_table(table: Table, current, new_page, place_body, pitch: float) -> None:
    """Rows on as many pages as they need: caption and header with at least `min_rows` rows,
    rows never split, at least `min_rows` rows after a break. Where no page could keep
    `min_rows` on each side (a row nearly a page tall), the rows that fit are set where the
    table stands: moving on would only leave a page empty."""
    rows = table.rows
    n = len(rows)
    pos = 0
    while pos < n:
        page = current()
        first = pos == 0
        before = table.before if (first and page.used) else 0
        room = page.capacity() - page.used - before
        fit = _rows_fitting(table, pos, room, pitch)
        left = n - pos
        want = min(table.min_rows, left)
        k = _kept_rows(fit, left, want)
        if k <= 0:
            fresh = page.empty and page.used == 0
            if not fresh and (fit == 0 or _kept_rows(
                    _rows_fitting(table, pos, page.lines, pitch), left, want) > 0):
                new_page()        # a fresh page keeps the rows together: go there
                continue
            # no page keeps min_rows here (an empty one would be the same): break the rule
            # here rather than leave an empty page behind (reported as a continued table)
            k = max(1, min(fit, left - want))
        h = table.part_slots(pitch, pos, pos + k)
        page.used += before
        place_body(Placement(table, 0, pos, pos + k), h)
        pos += k
        if pos < n:
            new_page()
    page = current()
    if table.after and page.used + table.after < page.capacity():
        page.used += table.after


def _rows_fitting(table: Table, pos: int, room: int, pitch: float) -> int:
    """Body rows from `pos` that fit in `room` slots with the caption or continuation label
    and the header."""
    first = pos == 0
    rows = table.rows
    h = table.label_slots(pitch, first) + table.header.slots + table.below_slots(pitch, first)
    k = 0
    while pos + k < len(rows) and h + rows[pos + k].slots <= room:
        h += rows[pos + k].slots
        k += 1
    return k


def _kept_rows(k: int, left: int, want: int) -> int:
    """Rows to place when k of the `left` remaining fit: at least `want` (min_rows) on each
    side of a page break, else none."""
    if k < left:
        if left - k < want:           # keep min_rows together after the break
            k = left - want
        if k < want:
            k = 0
    return k
