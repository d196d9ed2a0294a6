"""The page make-up pass (issue 9 part 1): every full page ends on the last grid line.

The page builder (paginate.py) keeps its rules — 孤行 (cjk-rules §4), headings and article
heads with their text, figures, tables, footnotes, the end note with its body lines — and
where those rules leave a page the text runs on from one or more grid lines short, this pass
does what a make-up editor does before accepting a short page: it sets a paragraph on that
page, or on the page before, one line longer or one line shorter (伸行/缩行; TeX's
looseness), re-runs the page builder from that page, and keeps the change when the page
then ends on its last grid line.

- A paragraph is set again only by the line breaker (`Composer.reset`,
  text/linebreak.break_lines_to): the same costs, no line spread more than
  `makeup.max_spread` nor squeezed more than `makeup.max_squeeze` em per gap, no emergency
  break, no 孤字, no prohibition broken; a setting with a short line (`check.short_line`)
  is refused. Each paragraph changes at most once, by one line.
- Candidates are the body paragraphs on the short page and the page before (never across an
  article's page break), least visible change first: the estimated spacing per gap the
  change needs, then the spacing of the actual setting. At most `makeup.tries` settings are
  paginated per short page (and three times as many set), so the work is bounded: a few
  line-breaker runs and a few page-builder runs per short page, never a search over
  combinations.
- A change is kept only if the page is then full, no page before it that was full ends
  short, no more pages end short in all, and nothing else gets worse: no figure stands
  further than one page from its reference where none did, no 孤行 is forced, no page holds
  only an end note, no heading is left at a page foot.
- The page builder is re-run from the latest page before the change that starts cleanly (its
  first item starts there, nothing is carried over from the page before: no continued
  note, no float) until its pages rejoin the old ones (a re-run page ends full just before
  an old page that starts cleanly), at most up to the next article's page break; the pages
  before and after stay as they are.
- Figures and notes are items of the same flow: they move with the text.

The pass is deterministic (the same flow gives the same pages) and its settings go through
the paragraph cache, so a warm build sets nothing again. A page it could not fill keeps its
reason in `Frame.unfilled`, which `typeset check` reports with the page's cause.
"""
from __future__ import annotations

import heapq
from bisect import bisect_right
from itertools import compress
from collections.abc import Callable
from typeset.records import dataclass

from typeset.layout.flow import Band, Figure, FlowItem, PageBreak, Run, Table, line_extent
from typeset.layout.paginate import FootSpec, Frame, paginate
from typeset.model.layout import Makeup
from typeset.text import cjk

#: sets a paragraph `delta` lines longer (+1) or shorter (-1): the new Run, or None
Reset = Callable[[Run, int], "Run | None"]

#: trials stop re-running the page builder where its pages rejoin the old ones (off: each
#: trial runs to the next page break; the tests compare the two)
WINDOWS = True

#: tests: every trial's short pages, found by looking at the replaced pages only, are checked
#: against looking at every page
CHECK_SHORTS = False

#: marks whose blank half the breaker may squeeze (先挤进): what a shorter setting can take
_SQUEEZABLE = frozenset(cjk.OPENING + cjk.CLOSING + "，。、；：？！")


def make_up(items: list[FlowItem], lines_per_page: int, pitch: float, *,
            notes: FootSpec | None = None, reset: Reset | None = None,
            settings: Makeup | None = None, short_line: float = 0.45,
            first_folio: int = 1) -> list[Frame]:
    """The pages of `items` (paginate), with short pages filled where a paragraph set a line
    longer or shorter can fill them (module doc). Without `reset` or with
    `settings.fill_pages` off, exactly what paginate gives."""
    frames = paginate(items, lines_per_page, pitch, first_folio=first_folio, notes=notes)
    if reset is None or settings is None or not settings.fill_pages:
        return frames
    return _Pass(list(items), frames, lines_per_page, pitch, notes, reset, settings,
                 short_line, first_folio).run()


# -- the measures the pass works with (report/makeup.py reports the same) -----------------------

def room(frame: Frame, lines_per_page: int, pitch: float = 0.0) -> int:
    """Grid lines a page leaves unused at the foot of its body: below the last thing at its
    top or in its body (spaces between items — before and after a table, before an end note
    — are used lines), above its foot floats and footnotes. The page builder records each
    placement's lines; a frame made by hand may not, and then they are counted from the item
    (`pitch`)."""
    def lines(pl) -> int:
        if pl.slots:
            return pl.slots
        if isinstance(pl.item, Run):
            return pl.last - pl.first
        return pl.item.slots(pitch, pl.at_top) if isinstance(pl.item, Band) and pitch else 0
    bottom = sum(lines(pl) for pl in frame.placements if pl.region == "bottom")
    end = max((pl.slot + lines(pl) for pl in frame.placements if pl.region != "bottom"),
              default=0)
    return lines_per_page - end - bottom - frame.foot


def _extent(frame: Frame, index: dict[int, int]) -> tuple[float, float]:
    """The lowest and highest flow index of the items placed on a page (inf, -1: none)."""
    got = [index[id(pl.item)] for pl in frame.placements if id(pl.item) in index]
    return (min(got), max(got)) if got else (float("inf"), -1)


def short_pages(frames: list[Frame], items: list[FlowItem], lines_per_page: int,
                index: dict[int, int] | None = None, extent=None, room_of=None) -> list[int]:
    """Indices of the pages the text runs on from (not an article's last: no page break
    between it and the next page, not before a blank) that end a grid line or more short.
    `extent(frame)`, `room_of(frame)`: a page's lowest and highest flow index and its room,
    if known already."""
    if index is None:
        index = {id(it): i for i, it in enumerate(items)}
    breaks = [i for i, it in enumerate(items) if isinstance(it, PageBreak)]
    ext = [extent(fr) if extent else _extent(fr, index) for fr in frames]
    got = _Shorts.of(frames, ext, breaks,
                     room_of or (lambda fr: room(fr, lines_per_page)))
    return got.pages()


class _Shorts:
    """Which pages of one list of pages are short (`short_pages`), with what decides it:
    each page's flow extent, the highest flow index on it or any page before (`upto`), the
    lowest on it or any page after (`after`), and one flag per page. Kept for the pass's
    current pages, so that a trial, which replaces a few pages in the middle, is judged by
    looking at those pages only (`replaced`)."""

    __slots__ = ("frames", "ext", "upto", "after", "flags")

    def __init__(self, frames, ext, upto, after, flags):
        self.frames, self.ext, self.upto, self.after, self.flags = \
            frames, ext, upto, after, flags

    @classmethod
    def of(cls, frames: list[Frame], ext: list[tuple[float, float]], breaks: list[int],
           room_of) -> "_Shorts":
        n = len(frames)
        upto, hi = [], -1
        for lo_hi in ext:
            hi = max(hi, lo_hi[1])
            upto.append(hi)
        after, lo = [0.0] * n, float("inf")
        for i in range(n - 1, -1, -1):
            after[i] = lo = min(lo, ext[i][0])
        got = cls(frames, ext, upto, after, [])
        got.flags = [got._short(i, breaks, room_of) for i in range(n - 1)]
        return got

    def _short(self, i: int, breaks: list[int], room_of) -> bool:
        """Page i is short: text runs on from it to page i+1 and it ends a line or more
        early."""
        fr, nxt = self.frames[i], self.frames[i + 1]
        if fr.blank or not fr.used or nxt.blank or not nxt.used:
            return False
        # the first page break after everything so far (breaks are in flow order)
        k = bisect_right(breaks, self.upto[i])
        if k < len(breaks) and breaks[k] < self.after[i + 1]:
            return False                  # the article ends here: a page break follows
        return room_of(fr) > 0

    def pages(self) -> list[int]:
        return list(compress(range(len(self.flags)), self.flags))

    def replaced(self, c: int, q: int, seg: list[Frame], seg_ext: list[tuple[float, float]],
                 breaks: list[int], room_of) -> "_Shorts":
        """The same for these pages with pages c..q-1 replaced by `seg` (their extents
        `seg_ext`; the page breaks at the same flow indices). Only the pages around the seam
        are looked at again, when the running highest and lowest flow indices meet the old
        pages at both ends as they did (then every other page sees what it saw); otherwise
        all pages are."""
        frames = self.frames[:c] + seg + self.frames[q:]
        ext = self.ext[:c] + seg_ext + self.ext[q:]
        n, s = len(self.frames), len(seg)
        hi = self.upto[c - 1] if c > 0 else -1
        seg_upto = []
        for lo_hi in seg_ext:
            hi = max(hi, lo_hi[1])
            seg_upto.append(hi)
        lo = self.after[q] if q < n else float("inf")
        seg_after = [0.0] * s
        for i in range(s - 1, -1, -1):
            seg_after[i] = lo = min(lo, seg_ext[i][0])
        same_before = c == 0 or lo == (self.after[c] if c < n else float("inf"))
        same_after = q == n or hi == (self.upto[q - 1] if q > 0 else -1)
        if not (same_before and same_after):
            return _Shorts.of(frames, ext, breaks, room_of)
        got = _Shorts(frames, ext, self.upto[:c] + seg_upto + self.upto[q:],
                      self.after[:c] + seg_after + self.after[q:], [])
        first = max(c - 1, 0)
        last = min(c + s, len(frames) - 1)          # flags first .. last-1 are new
        got.flags = (self.flags[:first]
                     + [got._short(i, breaks, room_of) for i in range(first, last)]
                     + self.flags[q:])
        return got


def _page_defects(fr: Frame) -> tuple[int, int, int, int]:
    """_defects of one page: its late figures, the 孤行 the page builder was forced into
    (one line of a longer paragraph alone on the page), whether it holds only an end note,
    whether a heading is left at its foot."""
    late = lone = 0
    for pl in fr.placements:
        if pl.late:
            late += 1
        if isinstance(pl.item, Run) and pl.region == "body":
            k = len(pl.item.lines)
            if k > 1 and pl.last - pl.first == 1 and (pl.first == 0 or pl.last == k):
                lone += 1
    note_only = int(bool(fr.placements) and
                    {getattr(pl.item, "role", "") for pl in fr.placements} == {"note"})
    stranded = int(bool(fr.body) and isinstance(fr.body[-1].item, Band)
                   and fr.body[-1].item.keep_with_next)
    return late, lone, note_only, stranded


def _defects(frames: list[Frame], of=_page_defects) -> tuple[int, int, int, int]:
    """What a change must not make worse: figures more than one page from their reference,
    forced 孤行, pages holding only an end note, headings left at a page foot. `of(frame)`:
    one page's counts (the pass remembers them per page)."""
    late = lone = note_only = stranded = 0
    for fr in frames:
        a, b, c, d = of(fr)
        late += a
        lone += b
        note_only += c
        stranded += d
    return late, lone, note_only, stranded


# -- the pass --------------------------------------------------------------------------------------

@dataclass
class _Trial:
    """The pages with some paragraphs set again: the current pages with pages c..q-1
    replaced by `seg`."""
    index: dict[int, int]
    shorts: _Shorts
    c: int
    q: int
    seg: list[Frame]
    defects: tuple[int, int, int, int] | None = None     # (Pass.trial_defects)

    @property
    def frames(self) -> list[Frame]:
        return self.shorts.frames


@dataclass
class _Candidate:
    estimate: float           # spacing per gap (em) the change needs at least
    page: int                 # 0: on the short page, 1: on the page before
    index: int                # the paragraph's place in the flow
    delta: int                # +1 a line longer, -1 a line shorter
    run: Run


class _Pass:
    def __init__(self, items, frames, lines_per_page, pitch, notes, reset, settings,
                 short_line, first_folio):
        self.items: list[FlowItem] = items
        self.frames: list[Frame] = frames
        self.L, self.pitch, self.notes = lines_per_page, pitch, notes
        self.reset, self.st, self.short_line = reset, settings, short_line
        self.first_folio = first_folio
        self.breaks = [i for i, it in enumerate(items) if isinstance(it, PageBreak)]
        self.recto_breaks = any(items[b].recto for b in self.breaks)   # (a trial keeps them)
        self.index = {id(it): i for i, it in enumerate(items)}
        self.sets: dict[tuple[int, int], Run | None] = {}
        self.why: dict[int, str] = {}
        self.extents: dict[int, tuple[Frame, tuple[float, float]]] = {}
        self.rooms: dict[int, tuple[Frame, int]] = {}
        self.page_defects: dict[int, tuple[Frame, tuple[int, int, int, int]]] = {}
        self._shorts: _Shorts | None = None        # of self.frames, until they change
        self._defects: tuple[int, int, int, int] | None = None

    def extent(self, frame: Frame, index: dict[int, int] | None = None) -> tuple[float, float]:
        """_extent, remembered per page: a page kept from an earlier run holds the same items
        at the same places in the flow (a replaced paragraph is only on re-run pages)."""
        got = self.extents.get(id(frame))
        if got is None or got[0] is not frame:
            got = self.extents[id(frame)] = (frame, _extent(frame, index or self.index))
        return got[1]

    def room(self, frame: Frame) -> int:
        """room(), remembered per page (a page's placements never change once made)."""
        got = self.rooms.get(id(frame))
        if got is None or got[0] is not frame:
            got = self.rooms[id(frame)] = (frame, room(frame, self.L))
        return got[1]

    def page_defect(self, frame: Frame) -> tuple[int, int, int, int]:
        """_page_defects, remembered per page (a page never changes once made)."""
        got = self.page_defects.get(id(frame))
        if got is None or got[0] is not frame:
            got = self.page_defects[id(frame)] = (frame, _page_defects(frame))
        return got[1]

    def defects(self) -> tuple[int, int, int, int]:
        """_defects of the current pages (kept until a change is accepted)."""
        if self._defects is None:
            self._defects = _defects(self.frames, self.page_defect)
        return self._defects

    def trial_defects(self, trial: "_Trial") -> tuple[int, int, int, int]:
        """_defects of a trial's pages: the current pages' counts less those of the pages it
        replaces, plus those of its own (the same sums as counting every page)."""
        old = _defects(self.frames[trial.c:trial.q], self.page_defect)
        new = _defects(trial.seg, self.page_defect)
        return tuple(t - o + n for t, o, n in zip(self.defects(), old, new))

    def shorts(self) -> list[int]:
        """The short pages of the current pages (short_pages)."""
        if self._shorts is None:
            self._shorts = _Shorts.of(self.frames, [self.extent(fr) for fr in self.frames],
                                      self.breaks, self.room)
        return self._shorts.pages()

    def run(self) -> list[Frame]:
        p = 0
        while True:
            shorts = self.shorts()
            todo = [i for i in shorts if i >= p]
            if not todo:
                break
            p = todo[0]
            self._fill(p, shorts)
            p += 1
        for i in self.shorts():
            self.frames[i].unfilled = self.why.get(
                i, "a change on a later page left it short")
        return self.frames

    # -- one short page --------------------------------------------------------------------
    def _fill(self, p: int, shorts: list[int]) -> bool:
        """Fill page p if a paragraph (failing that, two) on it or the page before set a line
        longer or shorter can: the least visible change that does, tried best first."""
        eligible, cands = self._candidates(p)
        if not eligible:
            self.why[p] = ("no paragraph on this page or the one before may be set again "
                           "(none, or each already set a line longer or shorter)")
            return False
        # best first: a candidate not yet set counts its estimate (a lower bound), one set
        # its actual spacing, so settings are paginated least visible first and only the
        # candidates that could beat them are set at all
        heap = [(round(c.estimate, 4), 0, c.page, c.index, -c.delta, k)
                for k, c in enumerate(cands)]
        heapq.heapify(heap)
        feasible: list[tuple[float, _Candidate, Run]] = []
        solved = tried = 0
        fallback = None
        while heap and tried < self.st.tries:
            key, done, page, index, neg, k = heapq.heappop(heap)
            cand = cands[k]
            if not done:
                if solved >= 3 * self.st.tries:
                    continue
                solved += 1
                new = self._set(cand)
                if new is not None:
                    heapq.heappush(heap, (round(_spacing(new), 4), 1, page, index, neg, k))
                    feasible.append((_spacing(new), cand, new))
                continue
            tried += 1
            verdict = self._judge([(cand.index, self.sets[(id(cand.run), cand.delta)])], p,
                                  shorts)
            if verdict == "better":
                return True
            if verdict is not None and fallback is None:
                fallback = verdict
        if not feasible:
            self.why[p] = (f"none of the {eligible} paragraph(s) on this page or the one "
                           f"before can be set a line longer or shorter within "
                           f"makeup.max_spread {self.st.max_spread:g} / max_squeeze "
                           f"{self.st.max_squeeze:g} em per gap")
            return False
        # two paragraphs, each a line longer or each a line shorter (a page two lines short,
        # or a keep of three lines): the pair whose looser setting is least visible first
        feasible.sort(key=lambda f: (round(f[0], 4), f[1].page, f[1].index, -f[1].delta))
        pairs = sorted(((max(a[0], b[0]), [(a[1].index, a[2]), (b[1].index, b[2])])
                        for k, a in enumerate(feasible) for b in feasible[k + 1:]
                        if a[1].delta == b[1].delta and a[1].run is not b[1].run),
                       key=lambda t: (round(t[0], 4), [i for i, _ in t[1]]))
        for _, changes in pairs[:self.st.tries]:
            tried += 1
            verdict = self._judge(changes, p, shorts)
            if verdict == "better":
                return True
            if verdict is not None and fallback is None:
                fallback = verdict
        if fallback is not None:            # filled, but another page later ends short
            self._accept(*fallback)
            return True
        self.why[p] = (f"{tried} settings of {len(feasible)} paragraph(s) on this page or the "
                       f"one before, a line longer or shorter, tried: none fills it without "
                       f"another page ending short or a rule broken")
        return False

    def _judge(self, changes: list[tuple[int, Run]], p: int, shorts: list[int]):
        """Paginate with `changes`: "better" (kept: page p full, fewer short pages), the
        trial to keep if nothing better comes (page p full, as many short pages: one later
        instead), or None (page p still short, a page before it newly short, more short
        pages, or a figure, 孤行 or end note worse off)."""
        if not self._may_fill(changes, p):
            return None
        trial = self._trial(changes, p)
        trial_shorts = trial.shorts.pages()
        if p in trial_shorts or len(trial_shorts) > len(shorts):
            return None
        if any(i not in shorts for i in trial_shorts if i < p):
            return None
        trial.defects = self.trial_defects(trial)
        if CHECK_SHORTS:
            assert trial.defects == _defects(trial.frames), (trial.c, trial.q)
        if any(a > b for a, b in zip(trial.defects, self.defects())):
            return None
        if len(trial_shorts) < len(shorts):
            self._accept(changes, trial)
            return "better"
        return (changes, trial)

    def _candidates(self, p: int) -> tuple[int, list[_Candidate]]:
        """The body paragraphs on page p and p-1 (after the article's page break) that may
        be set again, and the changes of them whose estimate is within the limits, least
        visible (estimated) first."""
        lo = self.extent(self.frames[p])[0]
        start = max((b for b in self.breaks if b < lo), default=-1)
        seen: set[int] = set()
        out: list[_Candidate] = []
        eligible = 0
        for rank, q in enumerate((p, p - 1)):
            if q < 0:
                continue
            for pl in self.frames[q].placements:
                run = pl.item
                if not isinstance(run, Run) or run.source is None or run.makeup \
                        or run.role != "body" or id(run) in seen:
                    continue
                seen.add(id(run))
                i = self.index[id(run)]
                if i < start:
                    continue
                eligible += 1
                for delta in (1, -1):
                    est = _estimate(run, delta)
                    limit = self.st.max_spread if delta > 0 else self.st.max_squeeze
                    if est is not None and est <= limit + 1e-9:
                        out.append(_Candidate(est, rank, i, delta, run))
        out.sort(key=lambda c: (round(c.estimate, 4), c.page, c.index, -c.delta))
        return eligible, out

    def _set(self, cand: _Candidate) -> Run | None:
        key = (id(cand.run), cand.delta)
        if key not in self.sets:
            new = self.reset(cand.run, cand.delta)
            if new is not None and self._has_short_line(new):
                new = None
            self.sets[key] = new
        return self.sets[key]

    def _has_short_line(self, run: Run) -> bool:
        for sl in run.lines:
            ln = sl.line
            if not ln.last and len(ln.glyphs) > 1 and \
                    (ln.measure - line_extent(ln)) / sl.size >= self.short_line - 1e-9:
                return True
        return False

    # -- re-running the page builder -------------------------------------------------------
    def _clean_start(self, c: int) -> int | None:
        """The flow index of the first item of page c if the page starts cleanly — that item
        starts there and nothing is carried over from the page before (no continued note, no
        float, no part of an item) —, so that the page builder run from it gives the same
        pages as a whole run (tested); else None."""
        fr = self.frames[c]
        if fr.blank or not fr.placements:
            return None
        if any(pl.region != "body" for pl in fr.placements) or \
                any(np.first > 0 for np in fr.notes):
            return None
        first = fr.placements[0]
        if isinstance(first.item, Figure) or \
                (isinstance(first.item, (Run, Table)) and first.first != 0):
            return None
        return self.index.get(id(first.item))

    def _restart(self, p: int, before: int) -> tuple[int, int]:
        """The latest page at or before p that starts cleanly with an item at or before flow
        index `before`, and that item's index (page 0 and item 0 at worst)."""
        for c in range(p, 0, -1):
            j = self._clean_start(c)
            if j is not None and j <= before:
                return c, j
        return 0, 0

    def _may_fill(self, changes: list[tuple[int, Run]], p: int) -> bool:
        """A quick look before a whole trial: the page builder run from the restart page
        over the flow up to two pages past page p (what decides page p: its items, the item
        that does not fit, what that keeps with) — is page p then full? Most settings tried
        are not kept, and this sees it without running on to the next page break."""
        first = min(at for at, _ in changes)
        c, j = self._restart(p, first)
        if p + 3 >= len(self.frames):
            return True
        m = self.extent(self.frames[p + 3])[0]
        if not (max(at for at, _ in changes) < m < float("inf")):
            return True
        items = self.items[:]
        for at, new in changes:
            items[at] = new
        seg = paginate(items[j:m], self.L, self.pitch, first_folio=self.first_folio + c,
                       notes=self.notes)
        if p - c >= len(seg) - 1:
            return True                   # page p is the last one run: the trial decides
        return room(seg[p - c], self.L) == 0

    def _trial(self, changes: list[tuple[int, Run]], p: int):
        """The pages with items[at] replaced by `new` for each change, re-run from the page
        they can restart at up to the next page break: (frames, index, short pages)."""
        items = self.items[:]
        index = dict(self.index)
        for at, new in changes:
            del index[id(items[at])]
            items[at] = new
            index[id(new)] = at
        first = min(at for at, _ in changes)
        last = max(at for at, _ in changes)
        c, j = self._restart(p, first)
        hi = self.extent(self.frames[p])[1]
        end = next((b for b in self.breaks if b > max(hi, last)), len(items))
        if end < len(items) and items[end].recto:
            end = len(items)              # the folio's parity decides the pages after it
        # the old pages of the segment: up to the first page of the next one
        e = len(self.frames)
        if end < len(items):
            for i in range(c, len(self.frames)):
                lo = self.extent(self.frames[i])[0]
                if end < lo < float("inf"):
                    e = i
                    break
        # Run the page builder only as far as it must: where a re-run page starts as an old
        # page did (the same unchanged item at the same line, nothing carried over, text on
        # the page before), the page builder is in the same state, so the old pages from
        # there on are what it would make again. A change shifts the text until a page's
        # slack takes the shift up: windows of 3, 6, 12 … old pages after the short page;
        # failing all, the whole segment. Pages near a window's end are not compared (what
        # they keep with lies beyond it).
        rejoin = WINDOWS and not self.recto_breaks
        reach = 3
        while rejoin and p + reach < e:
            m = self.extent(self.frames[p + reach])[0]
            if not (last < m < end):
                reach *= 2
                continue
            seg = paginate(items[j:m], self.L, self.pitch, first_folio=self.first_folio + c,
                           notes=self.notes)
            starts = {}
            for q in range(p + 1, p + reach):
                key = _start_state(self.frames, q)
                if key is not None:
                    starts.setdefault(key, q)
            for k in range(p - c + 1, len(seg) - 1):
                q = starts.get(_start_state(seg, k))
                if q is not None:
                    return self._replaced(c, q, seg[:k], index)
            reach *= 2
        seg = paginate(items[j:end], self.L, self.pitch, first_folio=self.first_folio + c,
                       notes=self.notes)
        return self._replaced(c, e, seg, index)

    def _replaced(self, c: int, q: int, seg: list[Frame], index: dict[int, int]) -> "_Trial":
        """The trial whose pages are the current ones with pages c..q-1 replaced by `seg`."""
        self.shorts()
        shorts = self._shorts.replaced(c, q, seg, [self.extent(fr, index) for fr in seg],
                                       self.breaks, self.room)
        if CHECK_SHORTS:
            whole = _Shorts.of(shorts.frames, [self.extent(fr, index) for fr in shorts.frames],
                               self.breaks, self.room)
            assert (whole.flags, whole.upto, whole.after, whole.ext) == \
                (shorts.flags, shorts.upto, shorts.after, shorts.ext), (c, q, len(seg))
        return _Trial(index, shorts, c, q, seg)

    def _accept(self, changes: list[tuple[int, Run]], trial: "_Trial") -> None:
        for at, new in changes:
            self.items[at] = new
        self.frames = trial.frames
        self.index = trial.index
        self._shorts = trial.shorts
        self._defects = trial.defects


def _start_state(frames: list[Frame], k: int):
    """What the page builder's state is when page k starts, if it is one this can tell:
    the first item (by identity) and its first line or row, with no float, no continued note
    and text on the page before (so no figure waits, no note carries over, and the page of
    the latest text is the one before); else None."""
    if k < 1 or k >= len(frames):
        return None
    fr, before = frames[k], frames[k - 1]
    if fr.blank or not fr.placements or any(pl.region != "body" for pl in fr.placements) \
            or any(np.first > 0 for np in fr.notes):
        return None
    if not any(pl.region == "body" and not isinstance(pl.item, Figure)
               for pl in before.placements):
        return None
    first = fr.placements[0]
    if isinstance(first.item, Figure):
        return None
    return id(first.item), first.first


def _spacing(run: Run) -> float:
    """The most a line of a paragraph is spread or squeezed, em per gap (`Line.adjust`)."""
    return max((abs(sl.line.adjust) for sl in run.lines if not sl.line.last), default=0.0)


def _estimate(run: Run, delta: int) -> float | None:
    """The least spacing per gap (em) setting `run` a line longer (+1) or shorter (-1) can
    take, from its last line: a line longer pushes the last line's white (and two characters
    for the new last line, 孤字) into the spacing of every line; a line shorter squeezes the
    last line's text into the lines before, through their marks. None: it cannot be."""
    lines = run.lines
    n = len(lines)
    last = lines[-1]
    em = last.size
    measure = last.line.measure
    gaps = max(measure / em - 1, 1.0)
    used = (line_extent(last.line) - last.line.indent) / em
    if delta > 0:
        free = measure / em - used
        return (free + 2) / (n * gaps)
    if n < 2:
        return None
    marks = sum(1 for sl in lines[:-1] for g in sl.line.glyphs if g.ch in _SQUEEZABLE)
    if marks * 0.5 < used - 1e-6:
        return None
    return used / ((n - 1) * gaps)
