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

Where it is: frames.py (the records, `_Page`), pagefill.py (how a paragraph, a figure and a
table fill a page), closing.py (the colophon, `place_closing`); this module is the builder's
loop (`paginate`). Their names are importable from here.
"""
from __future__ import annotations

from typeset.records import replace

from typeset.errors import TypesetError
from typeset.layout.flow import Band, Figure, FlowItem, Note, PageBreak, Run, Space, Table
from typeset.layout.closing import closing_start, place_closing
from typeset.layout.frames import FootSpec, Frame, NotePlacement, Placement, _notes_of, _Page
from typeset.layout.pagefill import _place_figure, _place_run, _place_table, _run_on

__all__ = ["FootSpec", "Frame", "NotePlacement", "Placement", "closing_start", "paginate",
           "place_closing"]


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
