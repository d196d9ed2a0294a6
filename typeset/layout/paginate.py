"""Flow items -> frames: which item (or which lines of a paragraph, rows of a table) stands
on which grid slot of which page, which figures float where, which notes stand at the foot.

The page builder counts grid lines (cjk-rules.md §4 Grid), so every body baseline lands on the
grid and facing pages line up. A page has regions, top to bottom: floats at the top, the body
(the text, figures set `here`, tables), floats at the foot, the footnotes. The body holds what
the others leave (`_Page.capacity`). Rules it enforces:
- 孤行 (cjk-rules §4): a paragraph never leaves only its first line at the foot of a page nor
  only its last line at the head of the next;
- headings keep with at least two lines of what follows; an article head (title block) is
  never the last thing on a page; a run of headings taller than a page with what it keeps
  with cannot all move, so it is set on where it stands and breaks where a page fills (a
  heading then ends a page: reported as stranded); only its last heading keeps with the text;
- no page inside an article is left with nothing on it (only a blank before a right-hand
  page): where the rules leave nothing an empty page can take, they give way there (孤行, a
  table's `min_rows`), since the next page would be the same;
- discardable space vanishes at the head and foot of a page;
- page breaks (new page, new right-hand page) as the layout's article start rule asks;
- figures (issue 10): a figure never splits; it goes where it stands (`here`) if it fits,
  else to the foot (`here`, `bottom`) or the top (`top`) of the page where its reference —
  the text before it — ends, else to the top (or foot) of the next page; never on a page
  before its reference nor, if pages allow it at all, more than one page after it; figures
  keep their order; never above an article's title; the text after a deferred figure fills
  the page it leaves;
- tables: split only between rows, at least `table.min_rows` rows on each side of a break
  (where no page could keep them, the rows that fit stay where the table stands); the
  caption stays with the first part, later parts repeat the header row under the
  continuation label;
- an article's end note keeps the last body lines before it (`Run.keep_last`, the layout's
  `makeup.note_lines`) on its page: it never stands alone at the head of a page;
- footnotes: a line holding a note reference stands on the page that holds (the start of)
  its note — at least `notes.min_lines` of it, or all of it; only the page's last note may
  continue at the foot of the next page, before that page's own notes; numbers restart per
  page when the layout says so.
Items are never mutated: a split paragraph or table is recorded as line or row ranges.

The make-up pass of issue 9 (shorten or lengthen a paragraph on a page by one line to fill
pages) can re-run `paginate` on a flow whose Run has other lines: floats and notes are items
of the same flow and follow; `_Page` answers how much body room a page has left given its
floats and notes, which is what such a pass asks.
"""
from __future__ import annotations

import math
from typeset.records import dataclass, field, replace

from typeset.errors import TypesetError
from typeset.layout.flow import Band, Figure, FlowItem, Note, PageBreak, Part, Run, Space, Table


@dataclass(slots=True)
class Placement:
    item: Band | Run | Figure | Table
    slot: int                 # first grid slot (0 = top line of the text block)
    first: int = 0            # Run: first line placed here; Table: first body row
    last: int = 0             # Run: one past the last line placed here; Table: row
    at_top: bool = False      # Band: placed at the head of the page (space above dropped)
    slots: int = 0            # grid lines it occupies
    region: str = "body"      # top | body | bottom
    where: str = "here"       # Figure: top | here | bottom (how its space is padded)
    late: bool = False        # Figure: more than one page after its reference (no room)


@dataclass(slots=True)
class NotePlacement:
    note: Note
    first: int                # first line of the note on this page
    last: int                 # one past the last
    number: int               # the number printed on this page


@dataclass(slots=True)
class Frame:
    placements: list[Placement] = field(default_factory=list)
    blank: bool = False       # intentionally empty (before a new right-hand page)
    notes: list[NotePlacement] = field(default_factory=list)
    foot: int = 0             # grid lines the footnotes take at the foot of the text block
    unfilled: str = ""        # why the make-up pass (makeup.py) left this page short

    @property
    def used(self) -> bool:
        return bool(self.placements) or bool(self.notes)

    @property
    def body(self) -> list[Placement]:
        return [p for p in self.placements if p.region == "body"]


@dataclass(frozen=True)
class FootSpec:
    """The footnotes' geometry, for the page builder (from the layout's notes block)."""
    pitch: float              # note line pitch (their own grid)
    overhead: float           # space above the rule + rule gap
    min_lines: int = 2
    per_page: bool = True     # numbers restart on every page

    def slots(self, lines: int, grid: float) -> int:
        if lines <= 0:
            return 0
        return math.ceil((self.overhead + lines * self.pitch) / grid - 1e-6)


_ROLE_NAMES = {"head": "article head (title, subtitle, authors, lead)", "subhead": "subhead",
               "note": "note", "contents-entry": "contents entry",
               "contents-section": "contents section line", "contents-head": "contents heading",
               "contents-issue": "contents issue line", "endnote": "endnote"}


def _need_after(items: list[FlowItem], j: int, pitch: float, L: int | None = None) -> int:
    """Slots that must follow a keep-with-next item on the same page (a figure may float
    away, so a heading keeps with what comes after it). With `L` (lines a page has), an end
    note taller than a page needs only its first two lines (it runs on: `_run_on`)."""
    if j >= len(items):
        return 0
    item = items[j]
    if isinstance(item, Figure):
        return _need_after(items, j + 1, pitch)
    if isinstance(item, Space):
        return item.slots + _need_after(items, j + 1, pitch)
    if isinstance(item, Run):
        chunk = item.first_chunk()
        if item.keep_last and chunk == len(item.lines):   # all of it keeps with what follows
            chunk += _need_after(items, j + 1, pitch)
        return chunk
    if isinstance(item, Table):
        return item.part_slots(pitch, 0, min(len(item.rows), 1))
    if isinstance(item, Band):
        if L is not None and item.role == "endnote" and len(item.parts) == 1 and \
                item.slots(pitch, True) > L:
            part = item.parts[0]
            return replace(item, parts=[replace(part, lines=part.lines[:2], after=0.0)]
                           ).slots(pitch, at_top=False)
        s = item.slots(pitch, at_top=False)
        return s + (_need_after(items, j + 1, pitch) if item.keep_with_next else 0)
    return 0


def _chain_end(items: list[FlowItem], j: int) -> int:
    """The index of the last heading (keep-with-next band) of the run of headings starting at
    `j` (spaces and figures between them belong to the run)."""
    end = j
    for k in range(j + 1, len(items)):
        item = items[k]
        if isinstance(item, Band) and item.keep_with_next:
            end = k
        elif not isinstance(item, (Space, Figure)):
            break
    return end


def _notes_of(lines) -> list[Note]:
    return [ref.note for sl in lines for ref in getattr(sl, "notes", ())]


class _Page:
    """One page being filled: floats at the top and foot, the body, the footnotes."""

    def __init__(self, lines: int, pitch: float, foot: FootSpec | None):
        self.lines, self.pitch, self.foot_spec = lines, pitch, foot
        self.top: list[Placement] = []
        self.bottom: list[Placement] = []
        self.body: list[Placement] = []
        self.used = 0                       # body slots used
        self.cont: list[list] = []          # [note, first, last] continued from before
        self.notes: list[Note] = []         # notes whose references stand here, in order
        self.blank = False

    # -- room ---------------------------------------------------------------------------
    def _note_lines(self, extra: list[Note] = (), split: bool = False) -> int:
        """Note lines the page must hold: every note whole, or (`split`) the last one only
        its first `min_lines`, the rest continuing on the next page."""
        own = self.notes + list(extra)
        n = sum(last - first for _, first, last in self.cont)
        if own:
            n += sum(len(x.lines) for x in own[:-1])
            last = len(own[-1].lines)
            n += min(last, self.foot_spec.min_lines) if split else last
        return n

    def foot(self, extra: list[Note] = (), split: bool = False) -> int:
        if self.foot_spec is None:
            return 0
        return self.foot_spec.slots(self._note_lines(extra, split), self.pitch)

    def capacity(self, extra: list[Note] = (), split: bool = False) -> int:
        """Body slots this page holds, given its floats and its notes (whole, or with the
        last one split: then nothing more goes on the page)."""
        return (self.lines - sum(p.slots for p in self.top) - sum(p.slots for p in self.bottom)
                - self.foot(extra, split))

    @property
    def empty(self) -> bool:
        return not (self.body or self.top or self.bottom or self.cont)

    @property
    def starts_article(self) -> bool:
        """An article's head stands on this page (a figure floated to the top would stand
        above its title)."""
        return any(isinstance(p.item, Band) and any(m.kind == "article" for m in p.item.markers)
                   for p in self.body)

    @property
    def has_figure_below(self) -> bool:
        """A figure already stands in the body or at the foot (a later one may not go on top)."""
        return bool(self.bottom) or any(isinstance(p.item, Figure) for p in self.body)

    # -- the finished frame -----------------------------------------------------------------
    def frame(self) -> tuple[Frame, list]:
        """The frame, and the note lines that continue on the next page."""
        fr = Frame(blank=self.blank)
        slot = 0
        for p in self.top:
            p.slot = slot
            slot += p.slots
        top = slot
        for p in self.body:
            p.slot += top
        carry: list = []
        notes: list[NotePlacement] = []
        if self.foot_spec is not None and (self.cont or self.notes):
            free = self.lines - top - self.used - sum(p.slots for p in self.bottom)
            placed = sum(last - first for _, first, last in self.cont)
            for note, first, last in self.cont:
                notes.append(NotePlacement(note, first, last, 0))
            for k, note in enumerate(self.notes):
                n = len(note.lines)
                if k == len(self.notes) - 1:
                    while n > self.foot_spec.min_lines and \
                            self.foot_spec.slots(placed + n, self.pitch) > free:
                        n -= 1
                notes.append(NotePlacement(note, 0, n, k + 1 if self.foot_spec.per_page
                                           else note.number))
                placed += n
                if n < len(note.lines):
                    carry.append([note, n, len(note.lines)])
            fr.foot = self.foot_spec.slots(placed, self.pitch)
        fr.notes = notes
        slot = self.lines - fr.foot - sum(p.slots for p in self.bottom)
        for p in self.bottom:
            p.slot = slot
            slot += p.slots
        fr.placements = sorted(self.top + self.body + self.bottom, key=lambda p: p.slot)
        return fr, carry


def _page_budget(items: list[FlowItem]) -> int:
    """More pages than any paginate can need (the loop guard of `paginate`): every page holds
    at least one line of text or of a note, a table row, a band or a figure, or is a blank
    before a right-hand page (the budget still counts an empty page before each forced
    placement, which the builder no longer makes)."""
    n = 16
    for item in items:
        n += 4
        if isinstance(item, Run):
            n += 2 * (len(item.lines) + sum(len(nt.lines) for nt in _notes_of(item.lines)))
        elif isinstance(item, Table):
            n += 2 * len(item.rows)
        elif isinstance(item, Band):
            n += 2 * sum(len(nt.lines) for p in item.parts for nt in _notes_of(p.lines))
            if item.role == "endnote":      # an end note longer than a page runs on
                n += sum(len(p.lines) for p in item.parts)
    return n


def _stuck(item, pages: int) -> TypesetError:
    """The page builder cannot make progress with `item`: an error naming it and where it
    comes from, never a loop."""
    file, line = getattr(item, "origin", None) or (None, None)
    if isinstance(item, Note):
        what = f"note [^{item.label}]"
    elif isinstance(item, Band):
        what = _ROLE_NAMES.get(item.role, item.role + " block")
    else:
        what = {"body": "paragraph", "note": "closing note"}.get(
            getattr(item, "role", ""), getattr(item, "role", "item"))
    return TypesetError(f"no page can hold the {what}: the page builder stopped after {pages} "
                        "pages without placing it", file=file, line=line,
                        hint="the text block is too small for what it must hold: check the "
                             "layout's textblock (lines, line_pitch) and the sizes and spacing "
                             "of its blocks")


def paginate(items: list[FlowItem], lines_per_page: int, pitch: float,
             *, first_folio: int = 1, notes: FootSpec | None = None) -> list[Frame]:
    L = lines_per_page
    frames: list[Frame] = []
    # the loop guard: a page closed with nothing on it twice running, or more pages than
    # the items can fill, means no page can ever hold the item at hand (an error, not a loop)
    budget = _page_budget(items)
    empty_run = 0
    placing: list = [None]                      # the item being placed
    pending: list[tuple[Figure, int]] = []      # (figure, its reference's page) for the next
    ref = [0]                                   # the page of the latest text placed
    carry: list = []                            # note lines continued on the next page
    page = _Page(L, pitch, notes)
    flushing = False            # no more text before a page break: notes may fill the page
    chain_end = -1              # the last heading of a run of headings set on as text

    def start_page() -> None:
        """Continued notes first, then the figures deferred from the page before."""
        nonlocal page, pending, carry
        page = _Page(L, pitch, notes)
        rest: list = []
        for note, first, last in carry:
            n = last - first
            room = L if flushing else L // 2
            while n > 1 and notes.slots(page._note_lines() + n, pitch) > room:
                n -= 1            # a very long note continues again, leaving room for text
            page.cont.append([note, first, first + n])
            if first + n < last:
                rest.append([note, first + n, last])
        carry = rest
        waiting, pending = pending, []
        for fig, at in waiting:
            late = len(frames) - at > 1
            where = "bottom" if fig.placement == "bottom" else "top"
            s = fig.slots(pitch, where)
            alone = not (page.top or page.bottom)   # never wait for an emptier page
            if alone:
                s = min(s, page.capacity())
            if not pending and (page.used + s <= page.capacity() or alone):
                (page.bottom if where == "bottom" else page.top).append(
                    Placement(fig, 0, slots=s, region=where, where=where, late=late))
            else:
                pending.append((fig, at))

    def new_page() -> None:
        nonlocal empty_run
        fr, more = page.frame()
        empty_run = 0 if (fr.used or fr.blank) else empty_run + 1
        if empty_run > 2 or len(frames) >= budget:
            stuck = pending[0][0] if pending else carry[0][0] if carry else \
                more[0][0] if more else placing[0]
            raise _stuck(stuck, len(frames))
        frames.append(fr)
        carry.extend(more)
        start_page()

    def place_body(pl: Placement, slots: int) -> None:
        pl.slots = slots
        pl.slot = page.used
        page.body.append(pl)
        page.used += slots
        if not isinstance(pl.item, Figure):
            ref[0] = len(frames)

    for idx, item in enumerate(items):
        placing[0] = item
        if isinstance(item, PageBreak):
            flushing = True
            while pending or carry:
                new_page()
            flushing = False
            if not page.empty:
                new_page()
            if item.recto and (first_folio + len(frames)) % 2 == 0:
                page.blank = True
                new_page()
        elif isinstance(item, Space):
            if page.used == 0:
                continue
            if page.used + item.slots >= page.capacity():
                new_page()
            else:
                page.used += item.slots
        elif isinstance(item, Band):
            if item.role == "separator" and page.used == 0:
                continue
            if item.role == "endnote" and item.slots(pitch, True) > L:
                item = _run_on(item, lambda: page, new_page, place_body, pitch, L)
            own = _notes_of(sl for p in item.parts for sl in p.lines)
            slots = item.slots(pitch, at_top=page.used == 0 and not page.top)
            after = _need_after(items, idx + 1, pitch, L) if item.keep_with_next else 0
            if idx < chain_end:
                after = 0             # a heading of a chain no page holds: set on as text
            elif item.keep_with_next and idx > chain_end and \
                    item.slots(pitch, at_top=True) + after > L:
                # a run of headings taller than a page cannot all move to the next one: it
                # is set on where it stands, broken where a page fills; only its last
                # heading keeps with the text after it
                chain_end = _chain_end(items, idx)
                if idx < chain_end:
                    after = 0
            need = slots + after
            cap = page.capacity(own)
            moved = False
            # the next page, if this one holds text, or floats or notes from the page
            # before, and cannot take the band with what it keeps with
            while (page.used and page.used + min(need, cap) > cap) or \
                    (not page.used and not page.empty and need > cap):
                new_page()
                moved = True
                slots = item.slots(pitch, at_top=not page.top)
                need = slots + after
                cap = page.capacity(own)
            if moved and item.role == "separator":
                continue
            if slots > L:
                file, line = item.origin or (None, None)
                raise TypesetError(
                    f"the {_ROLE_NAMES.get(item.role, item.role + ' block')} needs {slots} "
                    f"lines, more than a page has ({L})", file=file, line=line,
                    hint="shorten it, or change the layout's sizes and spacing")
            place_body(Placement(item, 0, at_top=page.used == 0 and not page.top), slots)
            page.notes += own
        elif isinstance(item, Run):
            _place_run(item, new_page, lambda: page, place_body,
                       _need_after(items, idx + 1, pitch) if item.keep_last else 0)
        elif isinstance(item, Figure):
            _place_figure(item, page, pending, place_body, pitch, ref[0], len(frames))
        elif isinstance(item, Table):
            _place_table(item, lambda: page, new_page, place_body, pitch)
        if page.used >= page.capacity() and not page.empty:
            new_page()
    flushing = True
    while pending or carry:
        new_page()
    if not page.empty or page.blank:
        new_page()
    while frames and not frames[-1].used and not frames[-1].blank:
        frames.pop()
    return frames


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


def place_closing(frames: list[Frame], band: Band, lines_per_page: int, pitch: float, *,
                  at_foot: bool) -> None:
    """Put a closing block (the colophon) after everything else: at the foot of the last page
    (at_foot, above its footnotes and foot figures) or right after its last line, on a page of
    its own if it does not fit.

    A closing block taller than a whole page starts on a page of its own and continues on the
    next pages, as many lines on each as the text block holds (the rule above it only on the
    first): nothing of it may stand outside the text block."""
    last = frames[-1]
    used = max((pl.slot + pl.slots for pl in last.placements if pl.region != "bottom"),
               default=0)
    limit = lines_per_page - last.foot - sum(pl.slots for pl in last.placements
                                             if pl.region == "bottom")
    if band.slots(pitch, at_top=True) > lines_per_page:
        if frames[-1].used:
            frames.append(Frame())
        for piece in _split_band(band, lines_per_page, pitch):
            if frames[-1].used:
                frames.append(Frame())
            frames[-1].placements.append(Placement(piece, 0, at_top=True,
                                                   slots=piece.slots(pitch, True)))
        return
    slots = band.slots(pitch, at_top=False)
    if used + slots > limit:
        frames.append(Frame())
        used, limit = 0, lines_per_page
        slots = band.slots(pitch, at_top=True)
    slot = limit - slots if at_foot else used
    frames[-1].placements.append(Placement(band, slot, at_top=slot == 0, slots=slots))


def _split_band(band: Band, lines_per_page: int, pitch: float) -> list[Band]:
    """A one-part band (the colophon: a rule, then lines) cut into page-high bands.

    Linear in the lines: each piece's line count comes from its height (the rule gap, then
    one part pitch per line, cjk-rules §4 Grid), checked once against `Band.slots`; every
    piece holds at least one line."""
    (part,) = band.parts
    pieces: list[Band] = []
    lines = part.lines
    n, i = len(lines), 0
    while i < n:
        first = i == 0
        rule = part.rule if first else None
        gap = part.rule_gap if first and part.rule is not None else 0.0

        def trial(k: int) -> Band:
            return Band([Part(lines[i:i + k], part.pitch, 0.0, 0.0, rule=rule,
                              rule_gap=part.rule_gap if first else 0.0)])
        room = lines_per_page * pitch - gap + 1e-6 * pitch
        k = min(n - i, max(1, math.floor(room / part.pitch))) if part.pitch > 0 else n - i
        while k > 1 and trial(k).slots(pitch, at_top=True) > lines_per_page:
            k -= 1                       # rounding: at most a step or two
        piece = Part(lines[i:i + k], part.pitch, part.before, 0.0, rule=rule,
                     rule_gap=part.rule_gap if first else 0.0)
        pieces.append(Band([piece], role=band.role, section=band.section))
        i += k
    return pieces


def closing_start(frames: list[Frame]) -> int | None:
    """The index of the first page of the closing block (the colophon) when it has its page
    or pages to itself, else None."""
    start = None
    for i in range(len(frames) - 1, -1, -1):
        pls = frames[i].placements
        if pls and all(getattr(p.item, "role", "") == "colophon" for p in pls):
            start = i
        else:
            break
    return start
