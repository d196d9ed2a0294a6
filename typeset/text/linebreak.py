"""Items + measures -> lines: the Chinese line breaker (total fit).

`break_lines` takes a paragraph's items (boxes, glue and penalties from cjk-rules.md §1-§3,
made by `items.build_items`), chooses the breaks for the whole paragraph at once (Knuth-Plass
style: the cheapest sequence of lines, not the greediest) and places every glyph of every
line. `paragraph.set_paragraph` calls the two in turn.

The cost of a line, in the order the rules ask for:
- it must fit the measure: content may be squeezed, first resort, in clreq's order: the blank
  half of a line-end mark (GB/T 15834 5.1.10), the blank half of a line-start opening bracket
  (clreq #h-compression_of_punctuation_marks_at_line_start), the blank halves of marks inside
  the line (先挤进, clreq #prohibition_rules_for_line_start_end), then Han-Latin gaps down to
  their minimum, then word spaces (cjk-rules §2, §3);
- a short line is justified (cjk-rules §3): word spaces stretch first, then Han-Latin gaps,
  then every inter-character gap equally (never inside ——, ……, a word or a number); a line
  that needs the last kind of stretch pays `loose_cost` (推出 is the second resort after
  squeezing) plus a square of the spread per gap, so the spacing is even across the paragraph;
- a break where §1 forbids one is an emergency, used only when a single unbreakable stretch is
  wider than the measure; the line is then marked `emergency`;
- the last line keeps at least `min_last_line` characters besides punctuation (孤字, §4).

Every candidate line is measured in constant time from `RunningSums`, totals from the
paragraph's start (tex.web keeps the same for its active nodes as `active_width`).

`break_lines_to` sets a paragraph in a given number of lines (TeX's looseness: the page
make-up pass, layout/makeup.py, sets a paragraph a line longer or shorter to fill a page,
缩行/伸行): the same costs, with the line count in the search state, no cap on a loose
line's cost (so the spread is shared evenly rather than piled on a few lines) and hard
limits on how loose or tight any line may be: the spacing added between characters once
word spaces and Han-Latin gaps are at their maximum (em per gap), and the squeeze (em per
gap, as `Line.adjust` measures it).

All lengths are points; settings in em are multiplied by the style's em from the Metrics.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate
from typeset.records import dataclass

from typeset.errors import TypesetError
# Metrics and Span are not used here; they stay importable from this module for code written
# before the types moved to types.py.
from typeset.text.types import (ALLOWED, IN_UNIT, IN_WORD, PROHIBITED, BreakSettings,  # noqa: F401
                                Glyph, Items, Line, Metrics, Span)

EPS = 1e-6

#: `break_lines_to` bounds its search (`_Breaker._solve`, `wanted`) for paragraphs of at
#: least this many boxes (about 40 lines of 小四); shorter ones are searched whole: the same
#: lines, and there the backward pass and the rounds cost more than they save (measured:
#: 0.6 ms against 0.4 at 60 characters, 25 against 17 at 800, 51 against 59 at 1,600, 0.6 s
#: against 7.4 s at 20,000). Tests set it to 0 to compare the two.
BOUND_FROM = 1500

#: states the searches of this process have followed (`_search`): the breaker's work, which
#: the tests measure instead of time (one addition per break point searched)
STATES_FOLLOWED = 0
#: the first bound above the cheapest setting of any count (line_penalty and costs of the
#: order of one loose line: most settings a line longer or shorter cost less)
START = 64.0


@dataclass
class RunningSums:
    """Running totals over a paragraph's items, so that any line is measured by subtraction.

    Box totals are indexed by box: `width[k]` is the sum over boxes 0..k-1, so boxes [s, e)
    have natural width `width[e] - width[s]`. Join totals are indexed by join: `glue[j]` is
    the sum over joins 0..j, and the joins inside a line of boxes [s, e) are s+1..e-1, so its
    glue is `glue[e - 1] - glue[s]`. A space box's stretch and shrink are booked on the join
    before it."""
    # over boxes
    width: list[float]          # natural widths
    impure: list[int]           # boxes that are not Han: a line with none is pure Han (§3 grid)
    chars: list[int]            # characters that count for 孤字 (§4): not punctuation or space
    # over joins
    glue: list[float]           # Han-Latin gaps less the compression of adjacent marks
    squeeze: list[float]        # blank halves of marks that may still be squeezed (先挤进, §2)
    gap_shrink: list[float]     # Han-Latin gaps (and spaces that are one) down to their minimum
    gap_stretch: list[float]    # ... and up to their maximum
    space_shrink: list[float]   # word spaces, narrower
    space_stretch: list[float]  # word spaces, wider
    spread_gaps: list[int]      # gaps justification may spread (inter-character spacing, §3)
    reach: list[float]          # glue plus every stretch but spreading: how wide a line can get

    @classmethod
    def of(cls, items: Items) -> "RunningSums":
        # Each total is the running sum of one term per box or join, added left to right
        # from 0 (itertools.accumulate: the same additions in the same order as a loop, so
        # the same floats); a space box's stretch and shrink go into its join's terms.
        boxes, joins = items.boxes, items.joins
        n = len(boxes)
        width = _totals([b.width for b in boxes])
        impure = _totals([0 if b.pure else 1 for b in boxes], 0)
        chars = _totals([1 if b.counts else 0 for b in boxes], 0)
        hs = [J.gap_shrink for J in joins]
        ht = [J.gap_stretch for J in joins]
        ss = [0.0] * (n + 1)
        sst = [0.0] * (n + 1)
        cnt = [1 if J.spread else 0 for J in joins]
        for j in [j for j in range(n) if boxes[j].space]:
            b = boxes[j]
            cnt[j] += 1
            if b.space == 2:
                hs[j] += b.shrink
                ht[j] += b.stretch
            else:
                ss[j] += b.shrink
                sst[j] += b.stretch
        # reach[j] = reach[j-1] + max(0, gap) + ht + sst, added in that order
        reach = [0.0]
        if any(ht) or any(sst):
            r = 0.0
            for g, a, c in zip([J.gap for J in joins], ht, sst):
                r = r + max(0.0, g) + a + c
                reach.append(r)
        else:                     # (adding 0.0 twice to a sum of non-negative terms: no-op)
            reach = _totals([J.gap if J.gap > 0.0 else 0.0 for J in joins])
        # join totals drop their leading 0, so that index j means "joins 0..j"
        return cls(width, impure, chars, _totals([J.gap - J.pair for J in joins])[1:],
                   _totals([J.squeeze_left + J.squeeze_right for J in joins])[1:],
                   _totals(hs)[1:], _totals(ht)[1:], _totals(ss)[1:], _totals(sst)[1:],
                   _totals(cnt, 0)[1:], reach[1:])


def _totals(terms: list, start=0.0) -> list:
    """[start, start + terms[0], (start + terms[0]) + terms[1], ...]: running sums."""
    return list(accumulate(terms, initial=start))


def break_lines(items: Items, widths: list[float], settings: BreakSettings,
                last_width: float | None = None) -> list[Line]:
    """The cheapest lines for `items` on measures `widths` (widths[i] is line i's; the last
    entry repeats); `last_width`, if given, is what the last line must fit."""
    return _Breaker(items, widths, settings, last_width).run()


def break_lines_to(items: Items, widths: list[float], settings: BreakSettings,
                   counts: tuple[int, ...], limits: tuple[float, float],
                   last_width: float | None = None) -> dict[int, list[Line] | None]:
    """For each line count in `counts`, the cheapest setting of `items` in exactly that many
    lines, none with more than limits[0] em added between characters (beyond word spaces and
    Han-Latin gaps at their maximum) or squeezed more than limits[1] em per gap,
    without an emergency break or a 孤字; None for a count that cannot be had (module doc:
    the make-up pass). One search gives every count."""
    out: dict[int, list[Line] | None] = {c: None for c in counts}
    br = _Breaker(items, widths, settings, last_width)
    wanted = [c for c in counts if c >= 1]
    if br.n == 0 or not wanted:
        return out
    br._check_measures()
    ends = br._solve(float("inf"), count=max(wanted), limits=limits,
                     wanted=wanted if br.n >= BOUND_FROM else None)
    for c in wanted:
        got = ends.get(c)
        if got is None or got[0] >= settings.widow_cost:
            continue
        lines = br._lines(got[1])
        if not any(ln.emergency or ln.widow for ln in lines):
            out[c] = lines
    return out


class _Breaker:
    def __init__(self, items: Items, widths: list[float], settings: BreakSettings,
                 last_width: float | None):
        self.items = items
        self.widths = widths
        self.st = settings
        self.last_width = last_width
        boxes = items.boxes
        self.n = n = len(boxes)
        self.em = items.em
        self.indent = settings.indent * boxes[0].em if n else 0.0
        self.forced_end = settings.punctuation == "hangmo"     # 行末半角: flush line ends
        # unjustified lines (headings) squeeze no mark inside the line unless the layout says
        # so: a ragged line that does not fit breaks earlier instead (issue 9: even marks)
        self.squeeze_inside = settings.justify or settings.ragged_squeeze

        self.sums = RunningSums.of(items)
        # the joins with a pair compression or a Han-Latin gap, the space boxes (`_compose`)
        self._marked = [j for j, J in enumerate(items.joins) if J.pair or J.gap]
        self._spaces = [g for g, b in enumerate(boxes) if b.space]
        self.end_blank = [b.rblank for b in boxes]      # right blank still compressible, per box
        self.start_blank = [b.lblank for b in boxes]    # left blank still compressible, per box

        # break nodes: 0 = paragraph start, last = paragraph end
        self.na = [0] + [b.end for b in items.breaks] + [n]
        self.nb = [0] + [b.start for b in items.breaks] + [n]
        self.nlevel = [ALLOWED] + [b.level for b in items.breaks] + [ALLOWED]
        # emergency breaks by what they violate (types.py levels), far above ordinary costs
        emergency = dict(zip((ALLOWED, IN_WORD, PROHIBITED, IN_UNIT),
                             (0.0, *settings.emergency_costs)))
        self.ncost = [0.0] + [emergency[b.level] + b.penalty for b in items.breaks] + [0.0]
        # window key: widest a line ending at node q could be stretched (without spreading)
        sums = self.sums
        self.nkey = [sums.width[a] + sums.reach[a] for a in self.na]

    # ------------------------------------------------------------------------------------
    def run(self) -> list[Line]:
        if self.n == 0:
            return []
        self._check_measures()
        path = self._solve(self.st.looseness * self.em)
        if path is None or self._troubled(path):
            wide = self._solve(float("inf"))
            if wide is not None and (path is None or wide[0] < path[0]):
                path = wide
        if path is None and not self.squeeze_inside:
            # an unjustified line that fits only squeezed (a mark wider than the measure)
            self.squeeze_inside = True
            path = self._solve(float("inf"))
        if path is None:      # cannot happen once _check_measures passed; be loud if it does
            raise TypesetError("no way to break this paragraph into lines",
                               hint="the measure is narrower than some character")
        return self._lines(path[1])

    def _check_measures(self) -> None:
        """A measure narrower than a character cannot be honoured: say so (never overflow)."""
        boxes = self.items.boxes
        least = [b.width - b.lblank - b.rblank for b in boxes]        # (`_min_box` of each)
        most = max(least)
        widest = least.index(most)                  # (the first of the widest, as max() gives)
        narrowest = min(self.widths)
        if most > narrowest + EPS:
            raise TypesetError(
                f"measure {narrowest:.2f}pt is narrower than the character "
                f"'{boxes[widest].ch}' ({self._min_box(widest):.2f}pt)", hint="widen the measure")
        if self.widths[0] - self.indent + EPS < self._min_box(0):
            raise TypesetError(f"the first-line indent leaves {self.widths[0] - self.indent:.2f}pt,"
                               f" narrower than '{boxes[0].ch}'",
                               hint="reduce the indent or widen the measure")
        if self.last_width is not None and self.last_width + EPS < self._min_box(self.n - 1):
            raise TypesetError(
                f"last_width {self.last_width:.2f}pt cannot hold the last character "
                f"'{boxes[-1].ch}' ({self._min_box(self.n - 1):.2f}pt)",
                hint="give the last line more room (shorter leader, author or page part)")

    def _min_box(self, g: int) -> float:
        """The narrowest box g can be made (both blank halves gone)."""
        b = self.items.boxes[g]
        return b.width - b.lblank - b.rblank

    def _troubled(self, path) -> bool:
        """Did the windowed search end in an emergency break or a 孤字? Then search again
        without the window (slower, but such paragraphs are rare)."""
        return path[0] >= self.st.widow_cost

    # ------------------------------------------------------------------------------------
    def _solve(self, cap: float, count: int | None = None,
               limits: tuple[float, float] | None = None, wanted: list[int] | None = None):
        """Cheapest path of lines through the break nodes. States are (node, line class):
        lines beyond len(widths)-1 share a width, so there are at most len(widths) classes.
        With `count`, states are (node, lines so far), no path has more than `count` lines
        and none of its lines has more than limits[0] em added between characters nor is
        squeezed more than limits[1] em per gap (the make-up pass; a loose line's cost is
        then not capped); the search then returns {line count: (cost, path)}.
        Returns (cost, [(node, class), ...]) or None.

        With `wanted` (the counts asked for), the counting search is bounded: the states of
        a node span more line counts the further it is into the paragraph, so a whole search
        costs characters x lines. A backward pass gives, for each node, the least cost of
        any setting of the rest of the paragraph (`to_go`, line counts ignored: a lower
        bound); a state whose cost so far plus that exceeds a bound B is not followed. Every
        state of a path costing at most B is followed, and a state left out never ties
        one on such a path (its cost so far would be within B): for each wanted count whose
        cheapest path costs at most B the result is the whole search's, path and all. B
        starts a little above the cheapest setting of any count and grows fourfold until
        every wanted count is found within it — or B reaches `widow_cost`, past which a
        setting is refused anyway (break_lines_to)."""
        st = self.st
        sums = self.sums
        width, glue, squeeze = sums.width, sums.glue, sums.squeeze
        gap_shrink, gap_stretch = sums.gap_shrink, sums.gap_stretch
        space_shrink, space_stretch = sums.space_shrink, sums.space_stretch
        spread_gaps, impure = sums.spread_gaps, sums.impure
        end_blank, start_blank = self.end_blank, self.start_blank
        em = self.em
        forced_end = self.forced_end
        justify, grid = st.justify, st.grid
        sc1, sc2 = st.stretch_costs
        w1, w2, w3, w4, w5 = st.squeeze_costs
        loose, unit = st.loose_cost, st.spread_unit * em
        ragged = st.ragged_cost
        growth, max_badness, widow_cost = st.squeeze_growth, st.max_badness, st.widow_cost
        counting = count is not None
        if counting:
            max_badness = float("inf")
            spread_max, squeeze_max = limits if limits is not None else (float("inf"),) * 2
            # the window: a line needing more spread than the limit allows over all its
            # gaps (a character's worth of them per em, twice over for half-width text) is
            # never looked at
            reach_cap = 2 * spread_max * max(self.widths) + em
        SKIP = -1.0             # a line too loose for the limits: a longer one may do
        squeeze_inside = self.squeeze_inside

        def cost(s: int, e: int, W: float, last: bool):
            """Badness of boxes [s, e) set on a line of W pt, or None if they cannot fit."""
            e1 = e - 1
            nat = width[e] - width[s] + glue[e1] - glue[s]
            et = end_blank[e1]
            if forced_end:
                nat -= et
                et = 0.0
            d = W - nat
            if counting and not last and justify:
                # limits: the spacing added between characters once word spaces and
                # Han-Latin gaps are at their maximum (字距, what the layout's own
                # justification does not already allow), and the squeeze per gap
                ng = spread_gaps[e1] - spread_gaps[s]
                if d > EPS:
                    rem = (d - (space_stretch[e1] - space_stretch[s])
                           - (gap_stretch[e1] - gap_stretch[s]))
                    if rem > EPS and (ng == 0 or rem / ng / em > spread_max + EPS):
                        return SKIP
                elif -d / max(ng, 1) / em > squeeze_max + EPS:
                    return None
            if d >= -EPS:
                if last:
                    return 0.0
                if not justify:
                    return ragged * (d / em) ** 2
                c1 = space_stretch[e1] - space_stretch[s]
                if d <= c1 + EPS:
                    return sc1 * (d / c1) ** 2 if c1 > 0 else 0.0
                b = sc1 if c1 > 0 else 0.0
                rem = d - c1
                c2 = gap_stretch[e1] - gap_stretch[s]
                if rem <= c2 + EPS:
                    return b + (sc2 * (rem / c2) ** 2 if c2 > 0 else 0.0)
                if c2 > 0:
                    b += sc2
                rem -= c2
                ng = spread_gaps[e1] - spread_gaps[s]
                if ng == 0:
                    # nothing may spread: the line is letter-spaced as a last resort (a piece
                    # of a word broken in an emergency), costed as if it were one gap
                    x2 = (rem / unit) ** 2
                elif grid and impure[e] == impure[s]:
                    # a pure-Han line on the grid fills the measure by itself; when it lost a
                    # character (避头尾 pushed one down) it is spread, never left short, but
                    # the lost characters cost as much as a ragged end so the breaker avoids
                    # it; the part of the measure no whole character can fill costs as spread
                    frac = W - em * int(W / em + EPS)
                    lost = rem - frac if rem > frac else 0.0
                    x2 = (lost / unit) ** 2 + (rem / (ng * unit)) ** 2
                else:
                    x2 = (rem / (ng * unit)) ** 2
                b += loose + 100.0 * x2
                return b if b < max_badness else max_badness
            x = -d
            b = 0.0
            if not squeeze_inside:
                # only the line-end mark's blank half may go (it is white space at the end)
                return w1 * x / em if x <= et + EPS else None
            for c, w, quad in ((et, w1, False), (start_blank[s], w2, False),
                               (squeeze[e1] - squeeze[s], w3, True),
                               (gap_shrink[e1] - gap_shrink[s], w4, False),
                               (space_shrink[e1] - space_shrink[s], w5, False)):
                if c > 0:
                    u = x if x < c else c
                    t = u / em
                    # Marks inside the line: one squeezed half em is nothing, a line of them
                    # reads as Western punctuation, so the cost grows with the square.
                    b += w * (t + growth * t * t) if quad else w * t
                    x -= u
                    if x <= EPS:
                        return b
            return None

        if counting and wanted:
            to_go, fewest, most = self._to_go(cost, SKIP, reach_cap)
            # a count outside (fewest, most) has no setting at all: not waited for
            wanted = [c for c in wanted if fewest <= c <= most]
            bound = to_go[0] + START
            while True:
                got, pruned = self._search(cost, SKIP, count, reach_cap, to_go, bound)
                if not pruned or bound >= widow_cost or \
                        all(c in got and got[c][0] <= bound for c in wanted):
                    return got          # (nothing left out: the whole search's result)
                bound = min(to_go[0] + 4 * (bound - to_go[0]), widow_cost)
        return self._search(cost, SKIP, count, reach_cap if counting else 0.0, None, 0.0,
                            cap)[0]

    def _to_go(self, cost, SKIP: float, reach_cap: float) -> tuple[list[float], int, int]:
        """For each break node, the least cost of setting the rest of the paragraph from it
        (any number of lines, any line class: a lower bound for the counting search); and
        the fewest and most lines any setting of the whole paragraph can have (bounds too:
        every line any class allows counts)."""
        st = self.st
        sums = self.sums
        width, reach, chars = sums.width, sums.reach, sums.chars
        na, nb, ncost, nkey = self.na, self.nb, self.ncost, self.nkey
        n, lp, min_last, widow_cost = self.n, st.line_penalty, st.min_last_line, st.widow_cost
        widths, last_width = self.widths, self.last_width
        final = len(na) - 1
        later = sorted(set(widths[1:] or widths[:1]))      # the classes of lines after the first
        inf = float("inf")
        to_go = [inf] * (final + 1)
        to_go[final] = 0.0
        fewest = [final + 1] * (final + 1)
        most = [-1] * (final + 1)
        fewest[final] = most[final] = 0
        for t in range(final - 1, -1, -1):
            s = nb[t]
            classes = [widths[0] - self.indent] if t == 0 else later
            low = inf
            lo, hi = final + 1, -1
            for W in classes:
                WL = W
                if last_width is not None:
                    WL = min(W, last_width - (self.indent if t == 0 else 0.0))
                b = cost(s, n, WL, True)
                if b is not None:
                    c = lp + b
                    if t != 0 and chars[n] - chars[s] < min_last:
                        c += widow_cost
                    if c < low:
                        low = c
                    lo, hi = min(lo, 1), max(hi, 1)
                q = bisect_left(nkey, width[s] + reach[s] + W - reach_cap, t + 1, final)
                while q < final:
                    b = cost(s, na[q], W, False)
                    if b is None:
                        break
                    if b != SKIP and most[q] >= 0:
                        c = lp + b + ncost[q] + to_go[q]
                        if c < low:
                            low = c
                        if fewest[q] + 1 < lo:
                            lo = fewest[q] + 1
                        if most[q] + 1 > hi:
                            hi = most[q] + 1
                    q += 1
            to_go[t], fewest[t], most[t] = low, lo, hi
        return to_go, fewest[0], most[0]

    def _search(self, cost, SKIP: float, count: int | None, reach_cap: float,
                to_go: list[float] | None, bound: float, cap: float = float("inf")):
        """The search of `_solve` (its doc), and how many states it left out: with `to_go`,
        states beyond `bound` are not followed."""
        st = self.st
        sums = self.sums
        width, reach, chars = sums.width, sums.reach, sums.chars
        na, nb, ncost, nlevel, nkey = self.na, self.nb, self.ncost, self.nlevel, self.nkey
        n, em = self.n, self.em
        lp, min_last, widow_cost = st.line_penalty, st.min_last_line, st.widow_cost
        widths, m = self.widths, len(self.widths)
        last_width = self.last_width
        final = len(na) - 1
        counting = count is not None
        # the bound, with room for rounding (a sum in another order): never below a path's
        # own states
        limit = bound + 1e-7 * (1.0 + abs(bound))
        pruned = 0

        best: list[dict | None] = [None] * (final + 1)
        best[0] = {0: (0.0, -1, -1)}

        def relax(q: int, k: int, c: float, t: int, kt: int) -> None:
            cur = best[q]
            if cur is None:
                best[q] = {k: (c, t, kt)}
            else:
                old = cur.get(k)
                if old is None or c < old[0]:
                    cur[k] = (c, t, kt)

        followed = 0
        for t in range(final):
            states = best[t]
            if not states:
                continue
            followed += len(states)
            s = nb[t]
            if to_go is not None:
                rest = to_go[t]
            for k, (c0, _, _) in list(states.items()):
                if to_go is not None and c0 + rest > limit:
                    pruned += 1
                    continue                 # no path within the bound goes through here
                W = widths[k if k < m else m - 1]
                if t == 0:
                    W -= self.indent
                kn = k + 1 if (counting or k + 1 < m) else m - 1
                if counting and kn > count:
                    continue
                # the paragraph's last line from here
                WL = W
                if last_width is not None:
                    WL = min(W, last_width - (self.indent if t == 0 else 0.0))
                b = cost(s, n, WL, True)
                if b is not None:
                    c = c0 + lp + b
                    if t != 0 and chars[n] - chars[s] < min_last:
                        c += widow_cost
                    relax(final, kn if counting else 0, c, t, k)
                if counting and kn >= count:
                    continue          # only the last line may follow
                # ordinary lines: start where a line could just be stretched to fit
                q0 = t + 1
                if counting:
                    q0 = bisect_left(nkey, width[s] + reach[s] + W - reach_cap, t + 1, final)
                elif cap != float("inf"):
                    q0 = bisect_left(nkey, width[s] + reach[s] + W - cap - em, t + 1, final)
                found_ok = False
                q = q0
                while q < final:
                    e = na[q]
                    b = cost(s, e, W, False)
                    if b is None:
                        break
                    if b == SKIP:
                        q += 1
                        continue
                    c = c0 + lp + b + ncost[q]                  # (relax, inline: the
                    cur = best[q]                               # loop's hottest call)
                    if cur is None:
                        best[q] = {kn: (c, t, k)}
                    else:
                        old = cur.get(kn)
                        if old is None or c < old[0]:
                            cur[kn] = (c, t, k)
                    if nlevel[q] == ALLOWED:
                        found_ok = True
                    q += 1
                if not found_ok and not counting:
                    # nothing good in the window (a long word ahead, or the window started
                    # too late): look back for the fullest line that ends at an allowed break
                    q = min(q0, final) - 1
                    while q > t:
                        e = na[q]
                        b = cost(s, e, W, False)
                        if b is not None and b != SKIP:
                            relax(q, kn, c0 + lp + b + ncost[q], t, k)
                            if nlevel[q] == ALLOWED:
                                break
                        q -= 1

        global STATES_FOLLOWED
        STATES_FOLLOWED += followed
        end = best[final]

        def path_to(c: float, t: int, k: int):
            path = [(final, 0)]
            while t >= 0:
                path.append((t, k))
                _, t, k = best[t][k]
            path.reverse()
            return c, path
        if counting:
            return {lines: path_to(*state) for lines, state in (end or {}).items()}, pruned
        if not end:
            return None, pruned
        return path_to(*end[0]), pruned

    # ------------------------------------------------------------------------------------
    def _lines(self, path) -> list[Line]:
        lines: list[Line] = []
        m = len(self.widths)
        for i in range(len(path) - 1):
            (t, k), (q, _) = path[i], path[i + 1]
            s, e = self.nb[t], self.na[q]
            last = q == len(self.na) - 1
            measure = self.widths[min(k, m - 1)]
            if last and self.last_width is not None:
                measure = min(measure, self.last_width)
            x0 = self.indent if t == 0 else 0.0
            line = self._compose(s, e, measure, x0, last)
            line.emergency = self.nlevel[q] != ALLOWED or (i > 0 and self.nlevel[t] != ALLOWED)
            lines.append(line)
        if len(lines) > 1:
            ll = lines[-1]
            cnt = self.sums.chars[ll.end] - self.sums.chars[ll.start]
            ll.widow = cnt < self.st.min_last_line
        return lines

    def _compose(self, s: int, e: int, measure: float, x0: float, last: bool) -> Line:
        """Place boxes [s, e) on a line: compression and spacing in the order of the rules."""
        st = self.st
        boxes, joins = self.items.boxes, self.items.joins
        L = e - s
        W = measure - x0
        wid = [b.width for b in boxes[s:e]]
        cl = [0.0] * L          # left compression beyond the style's fixed one
        cr = [0.0] * L          # right compression
        extra = [0.0] * L       # space added after the box (gaps are booked on their left box)
        marked = self._marked
        for j in marked[bisect_right(marked, s):bisect_left(marked, e)]:   # (the others: 0)
            J = joins[j]
            if J.pair:
                if J.pair_left:
                    cr[j - 1 - s] += J.pair
                else:
                    cl[j - s] += J.pair
            if J.gap:
                extra[j - 1 - s] += J.gap
        end_blank = boxes[e - 1].rblank
        if self.forced_end:                         # 行末半角 (cjk-rules §2)
            cr[-1] += end_blank
            end_blank = 0.0
        natural = sum(wid) - sum(cl) - sum(cr) + sum(extra)
        d = W - natural
        ng = self.sums.spread_gaps[e - 1] - self.sums.spread_gaps[s]
        spaces = self._spaces[bisect_right(self._spaces, s):bisect_left(self._spaces, e)]

        if d < -EPS:                                # squeeze, in order (cjk-rules §2, §3)
            x = -d
            u = min(x, end_blank)
            cr[-1] += u
            x -= u
            if x > EPS:
                u = min(x, boxes[s].lblank)
                cl[0] += u
                x -= u
            if x > EPS:
                cap = self.sums.squeeze[e - 1] - self.sums.squeeze[s]
                u = min(x, cap)
                if u > 0:
                    f = u / cap
                    for j in range(s + 1, e):
                        J = joins[j]
                        cr[j - 1 - s] += f * J.squeeze_left
                        cl[j - s] += f * J.squeeze_right
                    x -= u
            if x > EPS:
                cap = self.sums.gap_shrink[e - 1] - self.sums.gap_shrink[s]
                u = min(x, cap)
                if u > 0:
                    f = u / cap
                    for j in range(s + 1, e):
                        extra[j - 1 - s] -= f * joins[j].gap_shrink
                    for g in spaces:
                        if boxes[g].space == 2:
                            wid[g - s] -= f * boxes[g].shrink
                    x -= u
            if x > EPS:
                cap = self.sums.space_shrink[e - 1] - self.sums.space_shrink[s]
                u = min(x, cap)
                if u > 0:
                    f = u / cap
                    for g in spaces:
                        if boxes[g].space == 1:
                            wid[g - s] -= f * boxes[g].shrink
                    x -= u
        elif d > EPS and st.justify and not last:   # justify (cjk-rules §3)
            rem = d
            cap = self.sums.space_stretch[e - 1] - self.sums.space_stretch[s]
            if cap > 0:
                u = min(rem, cap)
                f = u / cap
                for g in spaces:
                    if boxes[g].space == 1:
                        wid[g - s] += f * boxes[g].stretch
                rem -= u
            cap = self.sums.gap_stretch[e - 1] - self.sums.gap_stretch[s]
            if rem > EPS and cap > 0:
                u = min(rem, cap)
                f = u / cap
                for j in range(s + 1, e):
                    extra[j - 1 - s] += f * joins[j].gap_stretch
                for g in spaces:
                    if boxes[g].space == 2:
                        wid[g - s] += f * boxes[g].stretch
                rem -= u
            if rem > EPS and ng > 0:
                # every gap alike, a pure-Han line on the grid too: a line that lost a
                # character to 避头尾 is spread, never left short (先挤进，后推出, issue 9)
                each = rem / ng
                for j in range(s + 1, e):
                    if joins[j].spread:
                        extra[j - 1 - s] += each
                for g in spaces:
                    wid[g - s] += each
            elif rem > EPS:
                # nothing may spread (a piece of a word or URL broken in an emergency, a number
                # range alone): letter-space it as the last resort, never inside —— or ……
                inner = [j for j in range(s + 1, e) if joins[j].level != IN_UNIT]
                if inner:
                    each = rem / len(inner)
                    for j in inner:
                        extra[j - 1 - s] += each

        glyphs: list[Glyph] = []
        p = x0
        prev_x = float("-inf")
        for i in range(L):
            b = boxes[s + i]
            region = wid[i] - cl[i] - cr[i]
            x = p - b.lfixed - cl[i]
            w = region + extra[i]
            if x < prev_x:              # never draw left of the previous glyph
                w -= prev_x - x
                x = prev_x
            glyphs.append(Glyph(b.ch, b.style, x, w))
            prev_x = x
            p += region + extra[i]
        limit = x0 + W
        if glyphs and glyphs[-1].x + glyphs[-1].width > limit + 1e-6:
            raise RuntimeError(  # a bug, not bad input: the breaker chose a line that overflows
                f"line {self.items.text[s:e]!r} overflows: {glyphs[-1].x + glyphs[-1].width:.4f}"
                f" > {limit:.4f}")
        set_width = p - x0
        adjust = (set_width - natural) / max(ng, 1) / self.em if self.em else 0.0
        return Line(glyphs, measure, natural, adjust, last, start=s, end=e, indent=x0)
