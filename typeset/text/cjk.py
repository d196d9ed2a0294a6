"""Character classes for Chinese line layout.

Every character of a paragraph falls into one class; the class decides what the line breaker
may do at its edges (break before/after, compress a blank half, add a Han-Latin gap). The
classes and sets below are the data of cjk-rules.md §1-§3; each cites the clreq section
(W3C *Requirements for Chinese Text Layout*, https://www.w3.org/TR/clreq/, cited by anchor)
it comes from.

Nothing here knows about widths or lines: `items.py` turns classes into boxes, glue and
penalties, `linebreak.py` chooses the breaks.
"""
from __future__ import annotations

import unicodedata

# --- classes ---------------------------------------------------------------------------------
HAN = "han"            # ideographs, kana, hangul, bopomofo, 〇 々: take Han-Latin gaps (§3)
SYMBOL = "cjksym"      # other full-width CJK characters (fullwidth digits/letters, ※, ①, U+3000):
                       # a box on the grid like a Han character, but no Han-Latin gap
OPEN = "open"          # opening brackets and quotes: adjustable LEFT half (clreq
                       # #h-punctuation_adjustment_space), never at line end (§1)
CLOSE = "close"        # closing brackets and quotes: adjustable RIGHT half, never at line start
STOP = "stop"          # 点号 ，。、：；！？．: adjustable RIGHT half (GB style: ink at the start of
                       # the frame), never at line start
DASH = "dash"          # connectors - – — ～ 〜 (and ⸺ ⸻): fixed width, never at line start
ELLIPSIS = "ellipsis"  # … ⋯ ‥: fixed width, never at line start
MIDDOT = "middot"      # 间隔号 · ・ ‧: fixed (clreq: unadjustable), never at line start
SOLIDUS = "solidus"    # 分隔号 / ／: fixed, never at line start (GB-style: nor at line end)
PERCENT = "percent"    # ％: number suffix, never at line start
PREFIX = "prefix"      # ￥＄￡: number prefix, never at line end
LATIN = "latin"        # letters and digits of alphabetic scripts
WESTERN = "western"    # other Western punctuation and symbols (ASCII . , ( ) % ² ℃ ...)
SPACE = "space"        # breakable, discardable white space (U+0020, tab, U+2000-200A, ZWSP)
NBSP = "nbsp"          # no-break spaces (U+00A0, U+202F, U+2007): a space that never breaks
MARK = "mark"          # combining marks, variation selectors, ZWJ/ZWNJ: glued to what precedes

# --- cjk-rules.md §1 table (clreq #prohibition_rules_for_line_start_end, level "basic") ---------
OPENING = "“‘（［｛〔【〖〈《「『｟"
CLOSING = "”’）］｝〕】〗〉》」』｠"
STOPS = "，。、：；！？．"
CONNECTORS = "-–—～〜"
TWO_EM_DASHES = "⸺⸻"             # a whole —— (or ———) in one character
ELLIPSES = "…⋯‥"
MIDDOTS = "·・‧"
SOLIDI = "/／"
PERCENTS = "％"
PREFIXES = "￥＄￡"

# Western punctuation that follows the same logic in mixed text (UAX #14 classes CL/CP/IS/EX
# and OP). clreq notes the rules "can be customized to become more restrictive"
# (#prohibition_rules_for_line_start_end, note tbd1); these only matter where a Western mark
# touches a Chinese character, because Western runs are never split (cjk-rules §1).
WESTERN_NEVER_START = "!),.:;?]}"
WESTERN_NEVER_END = "([{"

#: cjk-rules.md §1 "never at line start"
#: (a single — is the connector 一字线; the 2-em 破折号 —— and 省略号 …… are decided by
#: `never_at_start` from the strictness level)
NEVER_START = frozenset(STOPS + CLOSING + CONNECTORS + MIDDOTS + SOLIDI + PERCENTS + ELLIPSES
                        + WESTERN_NEVER_START)
#: cjk-rules.md §1 "never at line end"
NEVER_END = frozenset(OPENING + PREFIXES + WESTERN_NEVER_END)

#: characters that pair into one unsplittable 2-em mark (cjk-rules §1 "never split";
#: clreq #h-unbreakable_marks_punctuation): two U+2014 make ——, two U+2026 or U+22EF make ……
PAIRED_DASH = "—"
PAIRED_ELLIPSES = "…⋯"

#: 开明式 keeps these at full width; every other mark is set half width (cjk-rules §2)
KAIMING_FULL = frozenset("。？！．")
#: ？！ chained: two take 1 em together, three take 2 em (GB/T 15834-2011, clreq
#: #exclamatory_question_marks)
QUESTION_EXCLAMATION = frozenset("？！")

#: number affixes kept with their digits (cjk-rules §1 "a number with its sign or unit")
NUMBER_SIGNS = frozenset("+-−±")
UNIT_SUFFIX_SYMBOLS = frozenset("%‰‱℃℉°′″²³¹µ")

#: Western characters that take a Han-Latin gap next to a Han character (cjk-rules §3,
#: clreq #mixed_text_composition_in_horizontal_writing_mode: "between Han characters and
#: Western letters or numerals")
HAN_LATIN_SYMBOLS = frozenset("%‰℃℉°²³$€£¥#&+−±@")

_EXPLICIT: dict[str, str] = {}
for _chars, _cls in ((OPENING, OPEN), (CLOSING, CLOSE), (STOPS, STOP),
                     ("–—～〜" + TWO_EM_DASHES, DASH), (ELLIPSES, ELLIPSIS), (MIDDOTS, MIDDOT),
                     ("／", SOLIDUS), (PERCENTS, PERCENT), (PREFIXES, PREFIX)):
    for _c in _chars:
        _EXPLICIT[_c] = _cls
# ASCII "-" and "/" are Western characters inside words, numbers and URLs; alone between
# Chinese characters they are the connector and the solidus of §1.
_EXPLICIT["-"] = DASH
_EXPLICIT["/"] = SOLIDUS
for _c in "\u00a0\u202f\u2007\u2060\ufeff":
    _EXPLICIT[_c] = NBSP
for _c in "\u200b":
    _EXPLICIT[_c] = SPACE
for _c in "\u200c\u200d":
    _EXPLICIT[_c] = MARK
_EXPLICIT["\u3000"] = SYMBOL          # ideographic space: a 1-em box (吴　宁), kept at breaks
_EXPLICIT["〇"] = HAN
_EXPLICIT["々"] = HAN
_EXPLICIT["※"] = SYMBOL

_HAN_RANGES = (
    (0x2E80, 0x2FDF),    # CJK radicals, Kangxi radicals
    (0x3040, 0x30FF),    # hiragana, katakana
    (0x3100, 0x312F),    # bopomofo
    (0x31A0, 0x31FF),    # bopomofo ext, CJK strokes, katakana ext
    (0x3400, 0x4DBF),    # CJK ext A
    (0x4E00, 0x9FFF),    # CJK unified ideographs
    (0xAC00, 0xD7AF),    # hangul syllables
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK ext B onwards
)
_SYMBOL_RANGES = (
    (0x2460, 0x24FF),    # enclosed alphanumerics ①
    (0x2500, 0x27BF),    # box drawing, shapes, dingbats as used in CJK text
    (0x3000, 0x303F),    # CJK symbols and punctuation not classified above
    (0x3200, 0x33FF),    # enclosed CJK, CJK compatibility (㎡)
    (0xFE30, 0xFE4F),    # CJK compatibility forms
    (0xFF01, 0xFF60),    # fullwidth forms not classified above
    (0xFFE0, 0xFFE6),    # fullwidth signs
)

_cache: dict[str, str] = {}


def char_class(ch: str) -> str:
    """The class of one character (see the constants above)."""
    cls = _cache.get(ch)
    if cls is None:
        cls = _classify(ch)
        _cache[ch] = cls
    return cls


def _classify(ch: str) -> str:
    cls = _EXPLICIT.get(ch)
    if cls is not None:
        return cls
    cp = ord(ch)
    for lo, hi in _HAN_RANGES:
        if lo <= cp <= hi:
            return HAN
    for lo, hi in _SYMBOL_RANGES:
        if lo <= cp <= hi:
            return SYMBOL
    if ch.isspace():
        return SPACE
    cat = unicodedata.category(ch)
    if cat[0] == "M" or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return MARK
    if cat[0] in "LN":
        return LATIN
    if cat == "Cc" or cat == "Cf":
        return MARK
    return WESTERN


#: Chinese characters and marks: full-width material of the character grid (a following
#: opening bracket may compress towards them; no Han-Latin gap next to the marks)
CJK_CLASSES = frozenset({HAN, SYMBOL, OPEN, CLOSE, STOP, DASH, ELLIPSIS, MIDDOT, SOLIDUS,
                         PERCENT, PREFIX})
#: punctuation classes (not counted as characters for 孤字, cjk-rules §4)
PUNCT_CLASSES = frozenset({OPEN, CLOSE, STOP, DASH, ELLIPSIS, MIDDOT, SOLIDUS, PERCENT,
                           PREFIX, WESTERN, SPACE, NBSP, MARK})
#: classes that belong to a Western run (a word, number, e-mail or URL; never split, §1)
WESTERN_RUN_CLASSES = frozenset({LATIN, WESTERN})


def is_punctuation(ch: str) -> bool:
    """Punctuation, spaces and marks: what 孤字 (cjk-rules §4) does not count as a character."""
    return char_class(ch) in PUNCT_CLASSES


def is_alnum(ch: str) -> bool:
    return char_class(ch) == LATIN


def starts_paired_unit(text: str, i: int) -> bool:
    """Does a 2-em mark (—— …… ⸺ ⸻) begin at text[i]?"""
    ch = text[i]
    if ch in TWO_EM_DASHES:
        return True
    if i + 1 < len(text):
        nxt = text[i + 1]
        return (ch == PAIRED_DASH and nxt == PAIRED_DASH) or \
            (ch in PAIRED_ELLIPSES and nxt in PAIRED_ELLIPSES)
    return False


def never_at_start(text: str, i: int, strict: bool = True) -> bool:
    """May a line not begin with text[i]? (cjk-rules §1)

    The 2-em marks —— and …… may start a line only at the basic level; the strict level
    forbids it (clreq #prohibition-rules-strict). A single — or … never starts a line. A sign
    directly before a digit (-5, +3) belongs to its number and may start a line."""
    if starts_paired_unit(text, i):
        return strict
    ch = text[i]
    if ch not in NEVER_START:
        return False
    if ch in NUMBER_SIGNS and i + 1 < len(text) and text[i + 1].isdigit():
        return False
    return True


def never_at_end(ch: str) -> bool:
    """May a line not end with ch? (cjk-rules §1)"""
    return ch in NEVER_END


def paired_units(text: str) -> list[tuple[int, int]]:
    """Spans [i, j) of the unsplittable 2-em marks —— and …… in text (cjk-rules §1,
    clreq #h-unbreakable_marks_punctuation). Longer runs pair up from the left (clreq allows
    a break between the pairs of ———— ); ⸺ and ⸻ are single characters and need no pairing."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n - 1:
        ch = text[i]
        if (ch == PAIRED_DASH and text[i + 1] == PAIRED_DASH) or \
                (ch in PAIRED_ELLIPSES and text[i + 1] in PAIRED_ELLIPSES):
            out.append((i, i + 2))
            i += 2
        else:
            i += 1
    return out
