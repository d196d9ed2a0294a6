"""The data of the paragraph stage, shared by its steps (nothing here computes a layout).

    spans --items.build_items--> Items --linebreak.break_lines--> [Line]

* input: `Span` (text in a style), the `Metrics` that measure it, the `BreakSettings` that
  say how to break (every field from the layout's `paragraph` block);
* between the steps: `Items` — a `Box` per character, a `Join` between neighbours (glue and
  penalty), the `Break`s where a line may end, and the levels that say why a break is
  forbidden;
* output: `Line`s of positioned `Glyph`s.

`check_settings` is the one place that says whether settings are usable.
"""
from __future__ import annotations

from typeset.records import dataclass
from operator import attrgetter
from typing import NamedTuple, Protocol

from typeset.errors import TypesetError


# -- input -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Span:
    text: str
    style: str = "body"          # opaque key handed to Metrics (e.g. "body", "bold")


class Metrics(Protocol):
    def advance(self, ch: str, style: str) -> float: ...   # natural advance in pt
    def em(self, style: str) -> float: ...                 # font size (1 em) in pt


#: The punctuation width styles of cjk-rules §2: 全角式, 开明式, 行末半角, 全部半角.
PUNCTUATION_STYLES = ("quanjiao", "kaiming", "hangmo", "banjiao")


@dataclass(frozen=True)
class BreakSettings:
    """How a paragraph breaks. Every field comes from the layout file; the defaults are
    cjk-rules.md's. The cost fields tune the total-fit breaker (see linebreak.py)."""
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
    squeeze_growth: float = 1.0      # marks inside the line: cost w * (t + growth * t^2), t in em
    hyphen_penalty: float = 50.0     # breaking a URL at / . @ - or a compound after its hyphen
    ragged_cost: float = 1.0         # justify=False: cost per (em of unused width)^2
    widow_cost: float = 1e9          # a last line shorter than min_last_line (孤字)
    emergency_costs: tuple[float, float, float] = (1e11, 1e12, 1e13)
    # ^ a break no rule allows: IN_WORD, PROHIBITED, IN_UNIT (far above any ordinary cost)
    max_badness: float = 1e6         # the most a loose line can cost
    looseness: float = 2.0           # em of spread beyond which the breaker stops looking
    #                                  (speed only: it looks further when nothing else fits)
    # --- rules added by issue 9 (even right edges, words kept whole) ---
    keep_number_unit: bool = False   # no break between a number and the Han character after
    #                                  it, a typed space or not (12.6 万亩, 2024年); cjk-rules §1
    #                                  keeps only the number itself whole (53.8|亿)
    space_beside_punct: str = "drop"  # a space between a CJK mark's blank half and a Chinese
    #                                  character: "drop" (no width: the blank is the gap) or "keep"
    ragged_squeeze: bool = False     # justify=False: squeeze marks inside a line to make it fit
    #                                  (False: only a line-end mark's blank half may go)
    phrase_cost: float = 100.0       # with word boundaries (headings): a break between two words
    #                                  that is not a phrase boundary (punctuation, space, quote)


#: what `space_beside_punct` may be (README, Typography)
SPACE_BESIDE_PUNCT = ("drop", "keep")


def check_punctuation(style: str) -> None:
    """The punctuation style must be one of cjk-rules §2's four."""
    if style not in PUNCTUATION_STYLES:
        raise TypesetError(f"unknown punctuation style '{style}'",
                           hint="use one of quanjiao, kaiming, hangmo, banjiao (cjk-rules §2)")


def check_settings(st: BreakSettings) -> None:
    """Settings come from a layout file: say clearly what is wrong with them."""
    hint = "see the `paragraph` section of the layout (cjk-rules.md §2-§4)"
    check_punctuation(st.punctuation)
    if len(st.han_latin) != 3 or not (0 <= st.han_latin[1] <= st.han_latin[0] <= st.han_latin[2]):
        raise TypesetError(f"han_latin must be [natural, minimum, maximum] with "
                           f"minimum <= natural <= maximum, not {list(st.han_latin)}", hint=hint)
    if st.space_beside_punct not in SPACE_BESIDE_PUNCT:
        raise TypesetError(f"space_beside_punct must be drop or keep, not "
                           f"'{st.space_beside_punct}'", hint=hint)
    if st.indent < 0 or st.min_last_line < 0:
        raise TypesetError("indent and min_last_line must not be negative", hint=hint)
    if st.space_stretch < 0 or not (0 <= st.space_shrink <= 1):
        raise TypesetError("space_stretch must be >= 0 and space_shrink within 0..1", hint=hint)
    costs = (st.line_penalty, st.loose_cost, st.squeeze_growth, st.hyphen_penalty,
             st.ragged_cost, st.phrase_cost, st.widow_cost, st.max_badness, *st.stretch_costs,
             *st.squeeze_costs, *st.emergency_costs)
    if any(c < 0 for c in costs) or st.spread_unit <= 0 or st.looseness <= 0:
        raise TypesetError("break costs must not be negative, spread_unit and looseness must "
                           "be above 0", hint=hint)
    if not (st.widow_cost < st.emergency_costs[0] <= st.emergency_costs[1]
            <= st.emergency_costs[2]):
        raise TypesetError(f"emergency_costs {list(st.emergency_costs)} must rise (word, "
                           f"prohibition, unit) and stay above widow_cost {st.widow_cost}",
                           hint=hint)


# -- items: boxes, glue, penalties -------------------------------------------------------------

# Why a break is forbidden. The level orders emergency breaks (linebreak.py): when a single
# unbreakable stretch is wider than the measure, the breaker prefers splitting a word to
# violating a prohibition, and that to splitting —— or …… or a character from its mark.
ALLOWED = 0
IN_WORD = 1        # inside a Latin word, a number with its sign or unit, an e-mail or URL (§1)
PROHIBITED = 2     # 避头尾: a mark that may not start / end a line (§1)
IN_UNIT = 3        # inside —— or …… (§1), or between a character and its combining mark


@dataclass(slots=True)
class Box:
    ch: str
    style: str
    cls: str                 # cjk class
    em: float                # the style's em, pt
    advance: float           # the font's advance, pt
    width: float             # advance less the style's fixed compression (spaces: natural)
    lfixed: float = 0.0      # left blank removed by the punctuation style (draw shifted left)
    lblank: float = 0.0      # left blank still compressible (opening brackets), pt
    rblank: float = 0.0      # right blank still compressible (closing brackets, 点号), pt
    space: int = 0           # 0: not a space; 1: word space; 2: a space that is the Han-Latin gap
    stretch: float = 0.0     # spaces: how much wider they may get (before inter-character spread)
    shrink: float = 0.0      # spaces: how much narrower they may get
    discardable: bool = False  # dropped when a line breaks at it
    pure: bool = True        # a Han character (a line of these only is "pure Han", §3 grid)
    counts: bool = True      # a character for 孤字 (cjk-rules §4): not punctuation or space
    cjkish: bool = True      # a following opening bracket may compress towards this box


@dataclass(slots=True)
class Join:
    gap: float = 0.0          # Han-Latin gap, natural (cjk-rules §3)
    gap_shrink: float = 0.0   # how much of it may go (down to the minimum)
    gap_stretch: float = 0.0  # how much it may grow (up to the maximum)
    pair: float = 0.0         # compression of two adjacent marks (cjk-rules §2: 2 em -> 1.5 em)
    pair_left: bool = True    # taken from the left box's right blank, else the right box's left
    squeeze_left: float = 0.0   # left box's right blank still compressible here, pt
    squeeze_right: float = 0.0  # right box's left blank still compressible here, pt
    spread: bool = False      # justification may add inter-character space here (§3)
    level: int = ALLOWED      # may a line break here (ALLOWED) or why not
    penalty: float = 0.0      # cost of breaking here when allowed
    reason: str = ""          # why a break here is forbidden or discouraged (reports)

    @property
    def squeeze(self) -> float:
        return self.squeeze_left + self.squeeze_right


@dataclass(frozen=True, slots=True)
class Break:
    end: int          # the line ends before boxes[end]
    start: int        # the next line starts at boxes[start] (start > end: spaces dropped)
    level: int        # ALLOWED, or the reason it is an emergency break
    penalty: float    # cost when allowed
    reason: str = ""


@dataclass
class Items:
    text: str
    boxes: list[Box]
    joins: list[Join]     # len(boxes) + 1; joins[j] lies between boxes[j-1] and boxes[j]
    breaks: list[Break]   # interior break opportunities (allowed or emergency), by position
    em: float             # the paragraph's em (its first span's style), pt


# -- output ------------------------------------------------------------------------------------

_CH = attrgetter("ch")


class Glyph(NamedTuple):
    """One character as set on a line. A named tuple, not a dataclass: an issue has a few
    hundred thousand of them and a tuple is made five times faster than a frozen dataclass
    (a change is `glyph._replace(x=…)`, not `dataclasses.replace`)."""
    ch: str
    style: str
    x: float        # where the glyph's origin is drawn, pt from the line's start (for a compressed
                    # opening bracket this is shifted left so its ink sits right)
    width: float    # the advance it occupies after compression/spacing decisions, pt


@dataclass(slots=True)
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
        return "".join(map(_CH, self.glyphs))
