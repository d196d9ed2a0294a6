"""Spans -> items: a box per character, and glue and a penalty between neighbours.

This stage turns the rules of cjk-rules.md §1-§3 into data; the line breaker
(`linebreak.py`) only adds up widths and minimises cost, so a new typographic rule is a change
here, not in the breaker.

- `Box`: one character. Its `width` is the advance after the punctuation style's fixed
  compression; `lblank`/`rblank` are the adjustable halves still available (clreq
  #h-punctuation_adjustment_space). A space is a box too (so it extracts as text), with
  stretch and shrink, discarded at a line break.
- `Join`: the glue between boxes j-1 and j: the Han-Latin gap (cjk-rules §3), the compression
  of two adjacent marks (cjk-rules §2), what may still be squeezed there, whether
  justification may spread it, and the penalty: whether a line may break here and, if not,
  why (the level decides how bad an emergency break there would be).
- `Break`: a place where a line may end: `end` is where the line ends, `start` where the
  next begins (different when discardable spaces lie between).

Widths are in points. All amounts come from the Metrics (font advances, em) and from
BreakSettings (style, strictness, gap sizes); nothing here is a hard-coded length. The types
(Box, Join, Break, Items and the levels) are in `types.py`.
"""
from __future__ import annotations

import re
from typing import Sequence

from typeset.text import cjk
from typeset.text.words import phrase_boundary
from typeset.text.types import (ALLOWED, IN_UNIT, IN_WORD, PROHIBITED, Box, BreakSettings, Break,
                                Items, Join, Metrics, Span, check_punctuation)

_URL_RE = re.compile(r"://|^www\.|^[\w.+-]+@[\w-]+\.[\w.-]+|^[\w-]+(\.[\w-]+)+/", re.IGNORECASE)
_URL_BREAK_AFTER = frozenset("/.@-")      # cjk-rules §1: e-mail and URL break only at / . @ -


def build_items(spans: Sequence[Span], metrics: Metrics, settings: BreakSettings,
                words: Sequence[int] | None = None) -> Items:
    """Boxes, joins and break opportunities of one paragraph.

    `words`, if given, are the offsets where a word ends inside the text (a segmenter's word
    boundaries, text/words.py): a line may then break only there (or at a space), and a
    break that is not also a phrase boundary costs `settings.phrase_cost` (headings and
    contents entries keep words whole, issue 9)."""
    text = "".join(s.text for s in spans)
    n = len(text)
    styles: list[str] = []
    for s in spans:
        styles.extend([s.style] * len(s.text))
    em0 = metrics.em(spans[0].style) if spans else 0.0
    if n == 0:
        return Items(text, [], [Join()], [], em0)

    cls = list(map(cjk.char_class, text))
    _contextual_classes(text, cls)
    run_id, url_runs = _western_runs(text, cls)
    pair_units = cjk.paired_units(text)
    pair_inner = {i + 1 for i, _ in pair_units}

    boxes = _boxes(text, styles, cls, run_id, metrics, settings)
    joins = [Join() for _ in range(n + 1)]
    unit = [False] * (n + 1)      # join j lies inside a unit that never splits or spreads
    ranges = _number_ranges(text, cls, run_id)
    units = _number_units(text, cls, run_id) if settings.keep_number_unit else set()
    bounds = None if words is None else frozenset(words)

    strict = settings.strict
    never_end = cjk.NEVER_END
    # (the classes as local names: the loop runs once per character)
    HAN, LATIN, MARK, NBSP = cjk.HAN, cjk.LATIN, cjk.MARK, cjk.NBSP
    PERCENT, PREFIX, SOLIDUS, SPACE = cjk.PERCENT, cjk.PREFIX, cjk.SOLIDUS, cjk.SPACE
    for j in range(1, n):
        a, b = boxes[j - 1], boxes[j]
        ca, cb = a.cls, b.cls
        jn = joins[j]
        level, reason, penalty = ALLOWED, "", 0.0

        # --- units that never split (cjk-rules §1) -------------------------------------------
        if cb == MARK or text[j - 1] == "\u200d":
            level, reason = IN_UNIT, "character and its mark"
            unit[j] = True
        elif j in pair_inner:
            level, reason = IN_UNIT, "inside ——/……"
            unit[j] = True
        elif run_id[j - 1] >= 0 and run_id[j - 1] == run_id[j]:
            unit[j] = True
            if _run_break_after(text, j - 1, run_id, url_runs):
                penalty = settings.hyphen_penalty
                reason = "inside a word or URL (allowed point)"
            else:
                level, reason = IN_WORD, "inside a word or number"
        elif (ca == PREFIX and cb == LATIN) or (ca == LATIN and cb == PERCENT):
            level, reason = IN_WORD, "number and its sign or unit"
            unit[j] = True
        elif j in ranges:
            # a number range (2023—2027, 3～5) is one number: never split, never spread
            level, reason = IN_WORD, "inside a number range"
            unit[j] = True
        elif ca == NBSP or cb == NBSP:
            level, reason = IN_WORD, "no-break space"
        elif j in units:
            level, reason = IN_WORD, "number and its unit"
        elif bounds is not None and j not in bounds and ca != SPACE and cb != SPACE:
            level, reason = IN_WORD, "inside a word (segmenter)"
        elif bounds is not None and not phrase_boundary(text, j):
            penalty = settings.phrase_cost
            reason = "between two words of a phrase"

        # --- prohibitions (cjk-rules §1, clreq #prohibition_rules_for_line_start_end) --------
        if level < PROHIBITED:
            if text[j - 1] in never_end:                    # (cjk.never_at_end)
                level, reason = PROHIBITED, f"{text[j - 1]} never ends a line"
            elif text[j] in _MAY_NOT_START and cjk.never_at_start(text, j, strict):
                level, reason = PROHIBITED, f"{text[j]} never starts a line"
            elif strict and ca == SOLIDUS:
                # clreq #prohibition-rules-guobiao (part of the strict level): the solidus does
                # not end a line either
                level, reason = PROHIBITED, "/ never ends a line (GB level)"
        if reason:              # (else all three are a new Join's: ALLOWED, "", 0.0)
            jn.level, jn.reason, jn.penalty = level, reason, penalty

        # --- Han-Latin gap (cjk-rules §3, clreq #mixed_text_composition_in_horizontal_writing_mode)
        # (_latin_edge is False outside a Western run)
        if ca == HAN and run_id[j] >= 0 and _latin_edge(text, j, run_id, leading=True):
            _han_latin(jn, a.em, settings)
        elif cb == HAN and run_id[j - 1] >= 0 and \
                _latin_edge(text, j - 1, run_id, leading=False):
            _han_latin(jn, b.em, settings)

        # --- adjacent marks: 2 em -> 1.5 em (cjk-rules §2, clreq
        # #h-adjustment_of_adjacent_punctuation_marks); the blank between them goes
        if (a.rblank > 0 or b.lblank > 0) and ca in _MARKS and cb in _MARKS:
            excess = a.width + b.width - 1.5 * max(a.em, b.em)
            if excess > 1e-9:
                if a.rblank > 0:
                    jn.pair, jn.pair_left = min(excess, a.rblank), True
                else:
                    jn.pair, jn.pair_left = min(excess, b.lblank), False

        # --- what may still be squeezed here (先挤进, cjk-rules §1/§2) ------------------------
        if a.rblank:            # (else 0.0, a new Join's: a pair is taken from it only)
            jn.squeeze_left = a.rblank - (jn.pair if jn.pair_left else 0.0)
        if text[j] == _WJ and styles[j] != styles[j - 1]:
            # a note's reference mark follows (a word joiner in another style, layout/notes.py
            # `mark_text`): it is drawn raised, at the pen position after this box, so the
            # blank of a 。 or ） before it is not squeezed — squeezed, the raised mark would
            # be drawn inside the mark's em box (pagecheck: text on another baseline may
            # reach into its neighbour by ⅓ em only)
            jn.squeeze_left = 0.0
        if b.lblank > 0 and a.cjkish:
            jn.squeeze_right = b.lblank - (0.0 if jn.pair_left else jn.pair)

        # --- justification may spread this gap (cjk-rules §3: never inside ——, ……, a word or
        # a number; a space is its own gap)
        jn.spread = not unit[j] and a.space == 0 and b.space == 0 and cb != NBSP \
            and ca != NBSP

    breaks = _breaks(text, boxes, joins, strict, units)
    return Items(text, boxes, joins, breaks, em0)


_MARKS = frozenset({cjk.OPEN, cjk.CLOSE, cjk.STOP})
#: the characters cjk.never_at_start can be true of (every other one may start a line): the
#: marks that never do, and the first characters of the 2-em marks (cjk.starts_paired_unit)
_MAY_NOT_START = frozenset(cjk.NEVER_START) | frozenset(cjk.TWO_EM_DASHES) | frozenset(
    cjk.PAIRED_DASH) | frozenset(cjk.PAIRED_ELLIPSES)
_WJ = "\u2060"             # the word joiner before a note's reference mark
#: connectors of a number range (GB/T 15834-2011 §4.13: 2023—2027, 3～5; ASCII - is already
#: part of the number's Western run)
_RANGE_DASHES = frozenset("—–～〜")
def _ends_number(text: str, cls: list[str], run_id: list[int], k: int) -> bool:
    """Is text[k] the last character of a number (a Western run ending in a digit)?"""
    return 0 <= k < len(text) and run_id[k] >= 0 and text[k].isdigit() and (
        k + 1 >= len(text) or run_id[k + 1] != run_id[k])


def _number_ranges(text: str, cls: list[str], run_id: list[int]) -> set[int]:
    """Joins on both sides of a single range dash between two numbers (2023—2027, 3～5):
    cjk-rules §1 keeps a number whole, and a range is one."""
    out: set[int] = set()
    n = len(text)
    for i in range(1, n - 1):
        if text[i] in _RANGE_DASHES and text[i - 1].isdigit() and text[i + 1].isdigit() \
                and _ends_number(text, cls, run_id, i - 1) and run_id[i + 1] >= 0:
            out.update((i, i + 1))
    return out


def _number_units(text: str, cls: list[str], run_id: list[int]) -> set[int]:
    """Joins between a number and the Han character after it, with or without one typed
    space (12.6 万亩, 2024年): with `keep_number_unit` no line breaks there."""
    out: set[int] = set()
    n = len(text)
    for k in range(n - 1):
        if run_id[k] < 0 or not _ends_number(text, cls, run_id, k):     # (not in a run: no)
            continue
        if cls[k + 1] == cjk.HAN:
            out.add(k + 1)
        elif cls[k + 1] in (cjk.SPACE, cjk.NBSP) and k + 2 < n and cls[k + 2] == cjk.HAN \
                and text[k + 1] != "\u200b":
            out.update((k + 1, k + 2))
    return out
# "A line of pure Han text in a grid layout gets no added spacing" (cjk-rules §3): Han
# characters only. A line with punctuation is not pure: its marks may be half width
# (开明式, 行末半角) or compressed, and such a line is justified like any other.
_PURE = frozenset({cjk.HAN, cjk.SYMBOL, cjk.MARK})


def _contextual_classes(text: str, cls: list[str]) -> None:
    """Classes that depend on neighbours.

    ASCII - and / are Western characters inside words, numbers and URLs (e-mail, 2020-2021,
    -5, and/or, http://) and the Chinese connector and solidus between Chinese characters;
    ’ between two letters is an apostrophe (don’t), not a closing quote."""
    n = len(text)
    i = 0
    while i < n:
        if text[i] in "-/" and cls[i] in (cjk.DASH, cjk.SOLIDUS):
            j = i
            while j < n and text[j] in "-/":
                j += 1
            before = cls[i - 1] if i > 0 else None
            after = cls[j] if j < n else None
            if before in cjk.WESTERN_RUN_CLASSES or after in cjk.WESTERN_RUN_CLASSES:
                for k in range(i, j):
                    cls[k] = cjk.WESTERN
            i = j
            continue
        if text[i] == "’" and 0 < i < n - 1 and cls[i - 1] == cjk.LATIN and cls[i + 1] == cjk.LATIN:
            cls[i] = cjk.WESTERN
        i += 1


def _western_runs(text: str, cls: list[str]) -> tuple[list[int], set[int]]:
    """Maximal runs of Western characters (a word, number, e-mail or URL; combining marks
    go with what they follow). Returns the run id of each character (-1 outside runs) and
    the ids of runs that are URLs or e-mail addresses."""
    n = len(text)
    run_id = [-1] * n
    urls: set[int] = set()
    rid = -1
    i = 0
    while i < n:
        if cls[i] in cjk.WESTERN_RUN_CLASSES:
            rid += 1
            j = i
            while j < n and (cls[j] in cjk.WESTERN_RUN_CLASSES or
                             (cls[j] == cjk.MARK and text[j] not in "\u200b\u200c")):
                run_id[j] = rid
                j += 1
            if _URL_RE.search(text[i:j]):
                urls.add(rid)
            i = j
        else:
            i += 1
    return run_id, urls


def _run_break_after(text: str, k: int, run_id: list[int], urls: set[int]) -> bool:
    """May a line break after text[k], inside its Western run?

    URLs and e-mail addresses break after / . @ - (cjk-rules §1), never between the two
    slashes of // and never before the run's last character; other words only after a hyphen
    between letters (a compound such as state-of-the-art)."""
    ch = text[k]
    rid = run_id[k]
    n = len(text)
    if k + 1 >= n or run_id[k + 1] != rid:
        return False
    if k + 2 >= n or run_id[k + 2] != rid:   # keep at least two characters after a break
        return False
    if rid in urls:
        return ch in _URL_BREAK_AFTER and text[k + 1] != "/"
    return ch == "-" and k > 0 and text[k - 1].isalpha() and text[k + 1].isalpha()


def _latin_edge(text: str, k: int, run_id: list[int], leading: bool) -> bool:
    """Does the Western character text[k] (at the start of a run if `leading`, else at its end)
    take a Han-Latin gap? Letters, digits, signs of a number, units (cjk-rules §3)."""
    if k < 0 or k >= len(text) or run_id[k] < 0:
        return False
    ch = text[k]
    if cjk.char_class(ch) == cjk.LATIN:
        return True
    if ch in cjk.HAN_LATIN_SYMBOLS:
        return True
    if leading and ch in cjk.NUMBER_SIGNS and k + 1 < len(text) and text[k + 1].isdigit():
        return True
    if not leading and ch in cjk.UNIT_SUFFIX_SYMBOLS:
        return True
    return False


def _han_latin(jn: Join, em: float, settings: BreakSettings) -> None:
    nat, lo, hi = settings.han_latin
    jn.gap = nat * em
    jn.gap_shrink = max(0.0, nat - lo) * em
    jn.gap_stretch = max(0.0, hi - nat) * em


_FLAGS: dict[str, tuple[bool, bool, bool]] = {}        # class -> Box.pure, .counts, .cjkish


def _boxes(text: str, styles: list[str], cls: list[str], run_id: list[int], metrics: Metrics,
           settings: BreakSettings) -> list[Box]:
    n = len(text)
    style_mode = settings.punctuation
    check_punctuation(style_mode)
    ems: dict[str, float] = {}
    boxes: list[Box] = []
    for i, ch in enumerate(text):
        st = styles[i]
        em = ems.get(st)
        if em is None:
            em = ems[st] = float(metrics.em(st))
        c = cls[i]
        # control white space (a stray tab or newline) is as wide as a space, not a missing glyph
        adv = float(metrics.advance(" " if ch in "\t\n\r\x0b\x0c" else ch, st))
        flags = _FLAGS.get(c)
        if flags is None:
            flags = _FLAGS[c] = (c in _PURE, c not in cjk.PUNCT_CLASSES, c in cjk.CJK_CLASSES)
        # (pure, counts, cjkish: a Han character, a character for 孤字, Chinese material)
        b = Box(ch, st, c, em, adv, adv, 0.0, 0.0, 0.0, 0, 0.0, 0.0, False, *flags)
        if c == cjk.OPEN:        # ink on the right, blank on the left (clreq adjustment space)
            b.lblank = max(0.0, adv - 0.5 * em)
        elif c in (cjk.CLOSE, cjk.STOP):
            b.rblank = max(0.0, adv - 0.5 * em)
        elif c == cjk.SPACE or c == cjk.NBSP:
            _space(b, text, i, cls, run_id, settings)
        boxes.append(b)

    # fixed compression by the punctuation style (cjk-rules §2)
    if style_mode in ("kaiming", "banjiao"):
        for i, b in enumerate(boxes):
            if b.cls not in _MARKS:
                continue
            if style_mode == "kaiming" and b.ch in cjk.KAIMING_FULL:
                continue
            if b.rblank:
                b.width -= b.rblank
                b.rblank = 0.0
            # an opening bracket after a Latin letter or a space keeps its blank: it is the
            # separation (and the glyph may not be drawn left of its neighbour)
            if b.lblank and (i == 0 or boxes[i - 1].cjkish):
                b.width -= b.lblank
                b.lfixed = b.lblank
                b.lblank = 0.0

    # ？！ chained: two take 1 em together, three take 2 em (GB/T 15834-2011,
    # clreq #exclamatory_question_marks)
    i = 0
    while i < n:
        if text[i] in cjk.QUESTION_EXCLAMATION:
            j = i
            while j < n and text[j] in cjk.QUESTION_EXCLAMATION:
                j += 1
            k = j - i
            if k >= 2:
                last = j if k == 2 else j - 1
                for t in range(i, last):
                    b = boxes[t]
                    b.width -= b.rblank
                    b.rblank = 0.0
            i = j
        else:
            i += 1
    return boxes


def _space(b: Box, text: str, i: int, cls: list[str], run_id: list[int],
           settings: BreakSettings) -> None:
    """A source space. Alone between a Han character and a Latin letter or digit it IS the
    Han-Latin gap (cjk-rules §3: "2024 年" gets one ¼-em gap, not two); otherwise a word
    space that stretches and shrinks."""
    n = len(text)
    b.discardable = cls[i] == cjk.SPACE
    b.pure = False
    b.counts = False
    b.cjkish = False
    single = (i > 0 and cls[i - 1] != cjk.SPACE) and (i + 1 < n and cls[i + 1] != cjk.SPACE)
    if single and cls[i] == cjk.SPACE and b.advance > 0 and settings.space_beside_punct == "drop":
        # A space typed between a mark's blank half and a Chinese character ("回头看” 专题",
        # "会议 （修订稿）"): the blank half is already the gap (cjk-rules §2), so the space
        # takes no width. It stays in the text (format.md: nothing is dropped) and is still a
        # break and a justification gap, like the join it stands in.
        left, right = cls[i - 1], cls[i + 1]
        if (left in (cjk.CLOSE, cjk.STOP) and right in cjk.CJK_CLASSES) or \
                (right == cjk.OPEN and left in cjk.CJK_CLASSES):
            b.space = 1
            b.width = 0.0
            return
    if single and cls[i] == cjk.SPACE and b.advance > 0:   # a ZWSP is no gap (chars.py)
        left_han = cls[i - 1] == cjk.HAN
        right_han = cls[i + 1] == cjk.HAN
        if (left_han and _latin_edge(text, i + 1, run_id, leading=True)) or \
                (right_han and _latin_edge(text, i - 1, run_id, leading=False)):
            han_em = b.em
            nat, lo, hi = settings.han_latin
            b.space = 2
            b.width = nat * han_em
            b.shrink = max(0.0, nat - lo) * han_em
            b.stretch = max(0.0, hi - nat) * han_em
            return
    b.space = 1
    b.stretch = b.advance * settings.space_stretch
    b.shrink = b.advance * settings.space_shrink


def _breaks(text: str, boxes: list[Box], joins: list[Join], strict: bool,
            units: set[int]) -> list[Break]:
    """Every place a line could end, allowed or (for emergencies) not.

    A run of discardable spaces is one break: the line ends before it and the next starts
    after it (the spaces are dropped, as the input contract allows). Spaces at the very start
    or end of a paragraph are kept."""
    n = len(boxes)
    out: list[Break] = []
    j = 1
    while j < n and boxes[j - 1].discardable:    # leading spaces stay on the first line
        j += 1
    while j < n:
        if boxes[j].discardable:
            a = j
            while j < n and boxes[j].discardable:
                j += 1
            b = j
            if b >= n:
                break
            level, reason = ALLOWED, ""
            if cjk.never_at_end(text[a - 1]):
                level, reason = PROHIBITED, f"{text[a - 1]} never ends a line"
            elif cjk.never_at_start(text, b, strict):
                level, reason = PROHIBITED, f"{text[b]} never starts a line"
            if boxes[b].cls == cjk.MARK:
                level, reason = IN_UNIT, "character and its mark"
            elif level == ALLOWED and a in units:
                level, reason = IN_WORD, "number and its unit"
            out.append(Break(a, b, level, 0.0, reason))
            j = b + 1
            continue
        jn = joins[j]
        out.append(Break(j, j, jn.level, jn.penalty, jn.reason))
        j += 1
    return out
