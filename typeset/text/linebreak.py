"""Items + measures -> lines: the Chinese line breaker (total fit).

`set_paragraph` is the whole stage: spans go to `items.build_items` (boxes, glue and
penalties from cjk-rules.md §1-§3), this module chooses the breaks for the whole paragraph at
once (Knuth-Plass style: the cheapest sequence of lines, not the greediest) and places every
glyph of every line.

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

All lengths are points; settings in em are multiplied by the style's em from the Metrics.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Protocol, Sequence

from typeset.errors import TypesetError
from typeset.text import cjk
from typeset.text.items import ALLOWED, IN_UNIT, IN_WORD, PROHIBITED, Items, build_items


@dataclass(frozen=True)
class Span:
    text: str
    style: str = "body"          # opaque key handed to Metrics (e.g. "body", "bold")


class Metrics(Protocol):
    def advance(self, ch: str, style: str) -> float: ...   # natural advance in pt
    def em(self, style: str) -> float: ...                 # font size (1 em) in pt


@dataclass(frozen=True)
class BreakSettings:
    """How a paragraph breaks. Every field comes from the layout file; the defaults are
    cjk-rules.md's. The cost fields tune the total-fit breaker (see the module docstring)."""
    indent: float = 2.0              # first-line indent in em (cjk-rules §4)
    punctuation: str = "quanjiao"    # quanjiao | kaiming | hangmo | banjiao (cjk-rules §2)
    strict: bool = True              # strict prohibitions (—— and …… never start a line)
    han_latin: tuple[float, float, float] = (0.25, 0.125, 0.5)   # natural, min, max gap in em (§3)
    grid: bool = False               # pure-Han lines get no added spacing (§3)
    min_last_line: int = 2           # 孤字: chars besides punctuation on a paragraph's last line (§4)
    justify: bool = True             # every line but the last justified (§3)
    # --- word spaces (cjk-rules §3 "stretch word spaces first") ---
    space_stretch: float = 0.5       # a word space may grow by this fraction of its width
    space_shrink: float = 1 / 3      # ... and shrink by this fraction
    # --- costs of the total-fit breaker ---
    line_penalty: float = 10.0       # cost of every line (fewer lines are better)
    loose_cost: float = 5.0          # a line whose inter-character gaps must be spread (推出)
    spread_unit: float = 0.1         # em of spread per gap that costs 100 (cost grows as a square)
    stretch_costs: tuple[float, float] = (10.0, 10.0)   # word spaces / Han-Latin gaps at their max
    squeeze_costs: tuple[float, float, float, float, float] = (1.0, 2.0, 6.0, 8.0, 8.0)
    # ^ per em squeezed: line-end mark, line-start bracket, marks inside the line, Han-Latin
    #   gaps, word spaces (the order in which they are used, cjk-rules §2)
    hyphen_penalty: float = 50.0     # breaking a URL at / . @ - or a compound after its hyphen
    ragged_cost: float = 1.0         # justify=False: cost per (em of unused width)^2
    looseness: float = 2.0           # em of spread beyond which the breaker stops looking
    #                                  (speed only: it looks further when nothing else fits)


@dataclass(frozen=True)
class Glyph:
    ch: str
    style: str
    x: float        # where the glyph's origin is drawn, pt from the line's start (for a compressed
                    # opening bracket this is shifted left so its ink sits right)
    width: float    # the advance it occupies after compression/spacing decisions, pt


@dataclass
class Line:
    glyphs: list[Glyph]
    measure: float      # the width the line was set to, pt
    natural: float      # natural width of its content, pt (the first line's indent excluded)
    adjust: float       # spacing added (+) or removed (−) per inter-character gap, in em
    last: bool          # paragraph's last line (not justified)
    emergency: bool = False   # a break at this line's start or end is not a permitted one
    widow: bool = False       # last line shorter than min_last_line (no way around it)
    start: int = 0            # offset of the first glyph in the paragraph's text
    end: int = 0              # offset after the last glyph
    indent: float = 0.0       # first-line indent, pt (glyph x values include it)

    @property
    def text(self) -> str:
        return "".join(g.ch for g in self.glyphs)


EPS = 1e-6
# Emergency breaks by what they violate (items.py levels); far above any ordinary cost.
_EMERGENCY_COST = {ALLOWED: 0.0, IN_WORD: 1e11, PROHIBITED: 1e12, IN_UNIT: 1e13}
_WIDOW_COST = 1e9
_MAX_BADNESS = 1e6


def set_paragraph(spans: Sequence[Span], widths: float | Sequence[float], metrics: Metrics,
                  settings: BreakSettings = BreakSettings(), *,
                  last_width: float | None = None) -> list[Line]:
    """Break and set one paragraph.

    `widths[i]` is the measure of line i (the last entry repeats). `last_width`, if given, is
    the width the paragraph's last line must fit (the contents page puts leader, author and
    page after it). Returns no lines for empty text. Raises TypesetError when a measure
    cannot hold even one character."""
    spans = [s for s in spans if s.text]
    if not spans:
        return []
    if isinstance(widths, (int, float)):
        ws = [float(widths)]
    else:
        ws = [float(w) for w in widths]
        if not ws:
            raise TypesetError("set_paragraph: no line width given")
    _check_settings(settings)
    items = build_items(spans, metrics, settings)
    return _Breaker(items, ws, settings, last_width).run()


def _check_settings(st: BreakSettings) -> None:
    """Settings come from a layout file: say clearly what is wrong with them."""
    hint = "see the `paragraph` section of the layout (cjk-rules.md §2-§4)"
    if st.punctuation not in ("quanjiao", "kaiming", "hangmo", "banjiao"):
        raise TypesetError(f"unknown punctuation style '{st.punctuation}'",
                           hint="use one of quanjiao, kaiming, hangmo, banjiao (cjk-rules §2)")
    if len(st.han_latin) != 3 or not (0 <= st.han_latin[1] <= st.han_latin[0] <= st.han_latin[2]):
        raise TypesetError(f"han_latin must be [natural, minimum, maximum] with "
                           f"minimum <= natural <= maximum, not {list(st.han_latin)}", hint=hint)
    if st.indent < 0 or st.min_last_line < 0:
        raise TypesetError("indent and min_last_line must not be negative", hint=hint)
    if st.space_stretch < 0 or not (0 <= st.space_shrink <= 1):
        raise TypesetError("space_stretch must be >= 0 and space_shrink within 0..1", hint=hint)


class _Breaker:
    def __init__(self, items: Items, widths: list[float], settings: BreakSettings,
                 last_width: float | None):
        self.items = items
        self.widths = widths
        self.st = settings
        self.last_width = last_width
        boxes, joins = items.boxes, items.joins
        self.n = n = len(boxes)
        self.em = items.em
        self.indent = settings.indent * boxes[0].em if n else 0.0
        self.forced_end = settings.punctuation == "hangmo"     # 行末半角: flush line ends

        # prefix sums over boxes (index k: boxes before k)
        pw, np_, ch = [0.0], [0], [0]
        for b in boxes:
            pw.append(pw[-1] + b.width)
            np_.append(np_[-1] + (0 if b.pure else 1))
            ch.append(ch[-1] + (1 if b.counts else 0))
        # prefix sums over joins (index j: joins 0..j); a space box's stretch and shrink are
        # booked on the join before it, so the interior of line [s, e) is (s, e-1]
        jg, jq, jhs, jht, jss, jst, jn, jx = ([0.0] for _ in range(8))
        for j in range(n + 1):
            J = joins[j]
            b = boxes[j] if j < n else None
            g = J.gap - J.pair
            q = J.squeeze_left + J.squeeze_right
            hs, ht, ss, sst = J.gap_shrink, J.gap_stretch, 0.0, 0.0
            cnt = 1 if J.spread else 0
            if b is not None and b.space:
                cnt += 1
                if b.space == 2:
                    hs += b.shrink
                    ht += b.stretch
                else:
                    ss += b.shrink
                    sst += b.stretch
            jg.append(jg[-1] + g)
            jq.append(jq[-1] + q)
            jhs.append(jhs[-1] + hs)
            jht.append(jht[-1] + ht)
            jss.append(jss[-1] + ss)
            jst.append(jst[-1] + sst)
            jn.append(jn[-1] + cnt)
            jx.append(jx[-1] + max(0.0, J.gap) + ht + sst)
        # drop the leading 0 so that index j means "joins 0..j"
        self.JG, self.JQ, self.JHS, self.JHT = jg[1:], jq[1:], jhs[1:], jht[1:]
        self.JSS, self.JST, self.JN, self.JX = jss[1:], jst[1:], jn[1:], jx[1:]
        self.PW, self.NP, self.CH = pw, np_, ch
        self.RB = [b.rblank for b in boxes]
        self.LB = [b.lblank for b in boxes]

        # break nodes: 0 = paragraph start, last = paragraph end
        self.na = [0] + [b.end for b in items.breaks] + [n]
        self.nb = [0] + [b.start for b in items.breaks] + [n]
        self.nlevel = [ALLOWED] + [b.level for b in items.breaks] + [ALLOWED]
        self.ncost = [0.0] + [_EMERGENCY_COST[b.level] + b.penalty for b in items.breaks] + [0.0]
        # window key: widest a line ending at node q could be stretched (without spreading)
        self.nkey = [pw[a] + self.JX[a] for a in self.na]

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
        if path is None:      # cannot happen once _check_measures passed; be loud if it does
            raise TypesetError("no way to break this paragraph into lines",
                               hint="the measure is narrower than some character")
        return self._lines(path[1])

    def _check_measures(self) -> None:
        """A measure narrower than a character cannot be honoured: say so (never overflow)."""
        boxes = self.items.boxes
        widest = max(range(self.n), key=self._min_box)
        narrowest = min(self.widths)
        if self._min_box(widest) > narrowest + EPS:
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

    @staticmethod
    def _troubled(path) -> bool:
        """Did the windowed search end in an emergency break or a 孤字? Then search again
        without the window (slower, but such paragraphs are rare)."""
        return path[0] >= _WIDOW_COST

    # ------------------------------------------------------------------------------------
    def _solve(self, cap: float):
        """Cheapest path of lines through the break nodes. States are (node, line class):
        lines beyond len(widths)-1 share a width, so there are at most len(widths) classes.
        Returns (cost, [(node, class), ...]) or None."""
        st = self.st
        PW, JG, JQ, JHS, JHT, JSS, JST, JN = (self.PW, self.JG, self.JQ, self.JHS, self.JHT,
                                               self.JSS, self.JST, self.JN)
        JX = self.JX
        NP, CH, RB, LB = self.NP, self.CH, self.RB, self.LB
        na, nb, ncost, nlevel, nkey = self.na, self.nb, self.ncost, self.nlevel, self.nkey
        n, em = self.n, self.em
        forced_end = self.forced_end
        justify, grid = st.justify, st.grid
        sc1, sc2 = st.stretch_costs
        w1, w2, w3, w4, w5 = st.squeeze_costs
        loose, unit = st.loose_cost, st.spread_unit * em
        ragged = st.ragged_cost
        lp = st.line_penalty
        min_last = st.min_last_line
        widths, m = self.widths, len(self.widths)
        last_width = self.last_width
        final = len(na) - 1

        def cost(s: int, e: int, W: float, last: bool):
            """Badness of boxes [s, e) set on a line of W pt, or None if they cannot fit."""
            e1 = e - 1
            nat = PW[e] - PW[s] + JG[e1] - JG[s]
            et = RB[e1]
            if forced_end:
                nat -= et
                et = 0.0
            d = W - nat
            if d >= -EPS:
                if last:
                    return 0.0
                if not justify:
                    return ragged * (d / em) ** 2
                c1 = JST[e1] - JST[s]
                if d <= c1 + EPS:
                    return sc1 * (d / c1) ** 2 if c1 > 0 else 0.0
                b = sc1 if c1 > 0 else 0.0
                rem = d - c1
                c2 = JHT[e1] - JHT[s]
                if rem <= c2 + EPS:
                    return b + (sc2 * (rem / c2) ** 2 if c2 > 0 else 0.0)
                if c2 > 0:
                    b += sc2
                rem -= c2
                ng = JN[e1] - JN[s]
                if ng == 0 or (grid and NP[e] == NP[s]):
                    x = rem / unit                  # nothing may spread: a ragged line
                else:
                    x = rem / (ng * unit)
                b += loose + 100.0 * x * x
                return b if b < _MAX_BADNESS else _MAX_BADNESS
            x = -d
            b = 0.0
            for c, w, quad in ((et, w1, False), (LB[s], w2, False), (JQ[e1] - JQ[s], w3, True),
                               (JHS[e1] - JHS[s], w4, False), (JSS[e1] - JSS[s], w5, False)):
                if c > 0:
                    u = x if x < c else c
                    t = u / em
                    # Marks inside the line: one squeezed half em is nothing, a line of them
                    # reads as Western punctuation, so the cost grows with the square.
                    b += w * (t + t * t) if quad else w * t
                    x -= u
                    if x <= EPS:
                        return b
            return None

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

        for t in range(final):
            states = best[t]
            if not states:
                continue
            s = nb[t]
            for k, (c0, _, _) in list(states.items()):
                W = widths[k if k < m else m - 1]
                if t == 0:
                    W -= self.indent
                kn = k + 1 if k + 1 < m else m - 1
                # the paragraph's last line from here
                WL = W
                if last_width is not None:
                    WL = min(W, last_width - (self.indent if t == 0 else 0.0))
                b = cost(s, n, WL, True)
                if b is not None:
                    c = c0 + lp + b
                    if t != 0 and CH[n] - CH[s] < min_last:
                        c += _WIDOW_COST
                    relax(final, 0, c, t, k)
                # ordinary lines: start where a line could just be stretched to fit
                q0 = t + 1
                if cap != float("inf"):
                    q0 = bisect_left(nkey, PW[s] + JX[s] + W - cap - em, t + 1, final)
                found_ok = False
                q = q0
                while q < final:
                    e = na[q]
                    b = cost(s, e, W, False)
                    if b is None:
                        break
                    relax(q, kn, c0 + lp + b + ncost[q], t, k)
                    if nlevel[q] == ALLOWED:
                        found_ok = True
                    q += 1
                if not found_ok:
                    # nothing good in the window (a long word ahead, or the window started
                    # too late): look back for the fullest line that ends at an allowed break
                    q = min(q0, final) - 1
                    while q > t:
                        e = na[q]
                        b = cost(s, e, W, False)
                        if b is not None:
                            relax(q, kn, c0 + lp + b + ncost[q], t, k)
                            if nlevel[q] == ALLOWED:
                                break
                        q -= 1

        end = best[final]
        if not end:
            return None
        c, t, k = end[0]
        path = [(final, 0)]
        while t >= 0:
            path.append((t, k))
            _, t, k = best[t][k]
        path.reverse()
        return c, path

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
            cnt = self.CH[ll.end] - self.CH[ll.start]
            ll.widow = cnt < self.st.min_last_line
        return lines

    def _compose(self, s: int, e: int, measure: float, x0: float, last: bool) -> Line:
        """Place boxes [s, e) on a line: compression and spacing in the order of the rules."""
        st = self.st
        boxes, joins = self.items.boxes, self.items.joins
        L = e - s
        W = measure - x0
        wid = [boxes[g].width for g in range(s, e)]
        cl = [0.0] * L          # left compression beyond the style's fixed one
        cr = [0.0] * L          # right compression
        extra = [0.0] * L       # space added after the box (gaps are booked on their left box)
        for j in range(s + 1, e):
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
        ng = self.JN[e - 1] - self.JN[s]
        spaces = [g for g in range(s + 1, e) if boxes[g].space]

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
                cap = self.JQ[e - 1] - self.JQ[s]
                u = min(x, cap)
                if u > 0:
                    f = u / cap
                    for j in range(s + 1, e):
                        J = joins[j]
                        cr[j - 1 - s] += f * J.squeeze_left
                        cl[j - s] += f * J.squeeze_right
                    x -= u
            if x > EPS:
                cap = self.JHS[e - 1] - self.JHS[s]
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
                cap = self.JSS[e - 1] - self.JSS[s]
                u = min(x, cap)
                if u > 0:
                    f = u / cap
                    for g in spaces:
                        if boxes[g].space == 1:
                            wid[g - s] -= f * boxes[g].shrink
                    x -= u
        elif d > EPS and st.justify and not last:   # justify (cjk-rules §3)
            rem = d
            cap = self.JST[e - 1] - self.JST[s]
            if cap > 0:
                u = min(rem, cap)
                f = u / cap
                for g in spaces:
                    if boxes[g].space == 1:
                        wid[g - s] += f * boxes[g].stretch
                rem -= u
            cap = self.JHT[e - 1] - self.JHT[s]
            if rem > EPS and cap > 0:
                u = min(rem, cap)
                f = u / cap
                for j in range(s + 1, e):
                    extra[j - 1 - s] += f * joins[j].gap_stretch
                for g in spaces:
                    if boxes[g].space == 2:
                        wid[g - s] += f * boxes[g].stretch
                rem -= u
            pure = self.NP[e] == self.NP[s]
            if rem > EPS and ng > 0 and not (st.grid and pure):
                each = rem / ng
                for j in range(s + 1, e):
                    if joins[j].spread:
                        extra[j - 1 - s] += each
                for g in spaces:
                    wid[g - s] += each

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


class SpecMetrics:
    """The metrics of cjk-rules.md §5's test cases: every Han character and full-width mark
    1 em, every Latin letter, digit or Western mark ½ em, a space ¼ em. `size` is the em of
    every style unless `sizes` names another. For tests and reports of any stage."""

    def __init__(self, size: float = 10.0, sizes: dict[str, float] | None = None):
        self.size = float(size)
        self.sizes = dict(sizes or {})

    def em(self, style: str) -> float:
        return self.sizes.get(style, self.size)

    def advance(self, ch: str, style: str) -> float:
        em = self.em(style)
        c = cjk.char_class(ch)
        if c in (cjk.SPACE, cjk.NBSP):
            return 0.0 if ch in "\u200b\u2060\ufeff" else 0.25 * em
        if c == cjk.MARK:
            return 0.0
        if c in cjk.CJK_CLASSES and ch not in "-/":
            return em
        return 0.5 * em


# --- reports ---------------------------------------------------------------------------------
def line_violations(line: Line, *, strict: bool = True, next_line: Line | None = None) -> list[str]:
    """What is wrong with a set line by cjk-rules §1 and §4: a mark that may not start or end
    a line, —— or …… split with `next_line`, 孤字 on a last line, an emergency break."""
    out: list[str] = []
    text = line.text
    if not text:
        return out
    if line.start > 0 and cjk.never_at_start(text, 0, strict):
        out.append(f"starts with {text[0]!r} (never at line start)")
    if not line.last and cjk.never_at_end(text[-1]):
        out.append(f"ends with {text[-1]!r} (never at line end)")
    if next_line is not None and next_line.text:
        nt = next_line.text
        joined = text[-2:] + nt[:2]
        k = len(text[-2:])
        for i, j in cjk.paired_units(joined):
            if i < k < j:
                out.append(f"splits {joined[i:j]!r} across lines")
    if line.widow:
        out.append(f"孤字: last line holds fewer characters than the minimum ({text!r})")
    if line.emergency:
        out.append("emergency break (an unbreakable stretch wider than the measure)")
    return out


def paragraph_violations(lines: Sequence[Line], *, strict: bool = True) -> list[tuple[int, str]]:
    """line_violations for every line of a paragraph, as (line index, message)."""
    out: list[tuple[int, str]] = []
    for i, ln in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        out.extend((i, msg) for msg in line_violations(ln, strict=strict, next_line=nxt))
    return out


def format_lines(lines: Sequence[Line], em: float | None = None) -> str:
    """A readable dump for tests and debugging: per line its text, flags, adjust and every
    glyph's x (in pt, or in em if `em` is given)."""
    unit = em or 1.0
    suffix = "em" if em else "pt"
    out: list[str] = []
    for i, ln in enumerate(lines):
        flags = "".join([" last" if ln.last else "", " EMERGENCY" if ln.emergency else "",
                         " widow" if ln.widow else ""])
        out.append(f"{i:02d} |{ln.text}| measure={ln.measure / unit:.3f}{suffix} "
                   f"natural={ln.natural / unit:.3f}{suffix} adjust={ln.adjust:+.3f}em{flags}")
        out.append("   " + " ".join(f"{g.ch}@{g.x / unit:.3f}+{g.width / unit:.3f}"
                                    for g in ln.glyphs))
    return "\n".join(out)
