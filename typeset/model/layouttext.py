"""The layout blocks of the text pages (model/layout.py): the page and its text block (版心),
text styles, the body paragraph, the article's head blocks, running heads and folios, the
contents, the colophon; what `typeset check` reports, the page make-up pass."""
from __future__ import annotations

from typing import Literal

from typeset.model.layoutfields import (HEAD_FIELDS, ISSUE_FIELDS, _between, checked_doc, doc,
                                        printed_doc)
from typeset.model.schema import Pt
from typeset.records import dataclass


@dataclass(frozen=True, kw_only=True)
class PageGeometry:
    width: Pt = doc("trim width")
    height: Pt = doc("trim height")
    bleed: Pt = doc("bleed around the trim in the print variant", default=8.503937)  # 3 mm
    crop_mark_length: Pt = doc("print variant: length of each crop mark", default=18.0)
    crop_mark_gap: Pt = doc("print variant: distance from the bleed edge to a crop mark",
                            default=3.0)
    crop_mark_width: Pt = doc("print variant: line width of the crop marks", default=0.25)
    saddle_stitch: bool = doc("pad the body to a multiple of 4 pages with blank pages before "
                              "the closing page", default=False)


@dataclass(frozen=True, kw_only=True)
class TextBlock:
    """版心: the grid every body line sits on (cjk-rules.md §4 Grid)."""
    chars: int = doc("characters of body size per line; width = chars x body size")
    lines: int = doc("grid lines per page")
    line_pitch: Pt = doc("distance between body baselines")
    top: Pt = doc("distance from the top trim edge to the top of the text block")
    inner: Pt | None = doc("inner (spine-side) margin; omitted: the block is centred", default=None)


@dataclass(frozen=True, kw_only=True)
class TextStyle:
    font: str = doc("font role, a key of `fonts`")
    size: Pt = doc("type size: points or a 号 name such as 小四")
    bold: str | None = doc("style used for **bold** inside this style", default=None)
    italic: str | None = doc("style used for *italic* inside this style", default=None)


@dataclass(frozen=True, kw_only=True)
class Paragraph:
    """How body paragraphs break (cjk-rules.md §1-§4)."""
    indent: float = doc("first-line indent in em (cjk-rules §4)", default=2.0)
    punctuation: Literal["quanjiao", "kaiming", "hangmo", "banjiao"] = doc(
        "punctuation width style (cjk-rules §2): 全角式 quanjiao, 开明式 kaiming, "
        "行末半角 hangmo, 全部半角 banjiao", default="quanjiao")
    strict: bool = doc("strict prohibitions: —— and …… never start a line", default=True)
    han_latin: tuple[float, ...] = doc("Han-Latin gap in em: natural, minimum, maximum",
                                       default=(0.25, 0.125, 0.5))
    grid: bool = doc("pure-Han lines fill the measure by themselves: the breaker avoids a "
                     "pure-Han line that lost a character to 避头尾 (such a line is still spread, "
                     "never left short)", default=True)
    min_last_line: int = doc("孤字: fewest characters (besides punctuation) on a last line",
                             default=2)
    connect_dashes: bool = doc("draw the two dashes of —— as one unbroken line", default=True)
    # -- tuning of the total-fit line breaker (typeset/text/linebreak.py): costs, not rules.
    #    The defaults are the values the shipped layouts are set with.
    space_stretch: float = doc("a word space may grow by this fraction of its width (word "
                               "spaces stretch first, cjk-rules §3)", default=0.5)
    space_shrink: float = doc("a word space may shrink by this fraction of its width",
                              default=1 / 3)
    line_penalty: float = doc("cost of every line: higher prefers fewer lines", default=10.0)
    loose_cost: float = doc("cost of a line whose inter-character gaps must be spread (推出, the "
                            "second resort after squeezing)", default=5.0)
    spread_unit: float = doc("em of spread per gap that costs 100; the cost grows with its "
                             "square, so spacing stays even across a paragraph", default=0.1)
    stretch_costs: tuple[float, float] = doc(
        "cost of stretching word spaces, and Han-Latin gaps, to their maximum",
        default=(10.0, 10.0))
    squeeze_costs: tuple[float, float, float, float, float] = doc(
        "cost per em squeezed, in the order squeezing is used (cjk-rules §2): line-end mark, "
        "line-start bracket, marks inside the line, Han-Latin gaps, word spaces",
        default=(1.0, 2.0, 6.0, 8.0, 8.0))
    squeeze_growth: float = doc("how fast squeezing marks inside a line grows costlier: cost = "
                                "squeeze cost x (t + growth x t²) for t em (one squeezed half "
                                "em is nothing, a line of them reads as Western punctuation)",
                                default=1.0)
    hyphen_penalty: float = doc("cost of breaking a URL or e-mail at / . @ - or a compound word "
                                "after its hyphen", default=50.0)
    ragged_cost: float = doc("unjustified lines (headings): cost per (em of unused width)²",
                             default=1.0)
    widow_cost: float = doc("cost of a last line shorter than min_last_line (孤字): far above "
                            "any ordinary cost, below any emergency", default=1e9)
    emergency_costs: tuple[float, float, float] = doc(
        "cost of a break that no rule allows, used only when one unbreakable stretch is wider "
        "than the measure: inside a word or number, against 避头尾, inside —— or …… (so a "
        "word is split before a prohibition is broken, and that before a dash)",
        default=(1e11, 1e12, 1e13))
    max_badness: float = doc("the most a loose line can cost (a line spread further is no "
                             "worse)", default=1e6)
    looseness: float = doc("em of spread per line beyond which the breaker stops looking for "
                           "breaks (speed; it looks further when nothing else fits)", default=2.0)
    balance_ratio: float = doc("a two-line heading breaks at a phrase boundary unless one line "
                               "would be shorter than this fraction of the other", default=1 / 3)
    # -- even right edges, words kept whole (issue 9)
    keep_number_unit: bool = doc(
        "no line break between a number and the Chinese character after it, with or without a "
        "typed space (12.6 万亩, 2024年); false: only the number itself is kept whole (53.8|亿, "
        "cjk-rules §1)", default=True)
    space_beside_punct: Literal["drop", "keep"] = doc(
        "a half-width space typed between a closing mark (” ） 》 ， 。) and a Chinese "
        "character, or between a Chinese character and an opening mark: drop = it takes no "
        "width (the mark's blank half is the gap; the space stays in the text), keep = a word "
        "space", default="drop")
    ragged_squeeze: bool = doc(
        "unjustified lines (headings, contents entries) may squeeze punctuation inside the "
        "line to fit; false: only a line-end mark's blank half may go, the line breaks earlier "
        "instead", default=False)
    phrase_cost: float = doc(
        "headings and contents entries break only between words (a segmenter's); a break "
        "between two words that is not a phrase boundary (after a closing mark or 点号, "
        "before an opening one, after 的, at a space or dash) costs this", default=100.0)


@dataclass(frozen=True, kw_only=True)
class Block:
    """A heading-like block: set in `style`, occupying whole grid lines."""
    style: str = doc("text style, a key of `styles`")
    align: Literal["left", "center", "right"] = doc("alignment of each line", default="left")
    indent: float = doc("left indent in em of the block's style", default=0.0)
    line_pitch: Pt | None = doc("baseline distance inside the block (default: text block pitch)",
                                default=None)
    space_before: Pt = doc("space above (the block is then rounded up to whole grid lines)",
                           default=0.0)
    space_after: Pt = doc("space below", default=0.0)
    format: str = printed_doc("text template; {text} is the content", template=("text",),
                              required=("text",),
                              default="{text}")
    balance: bool = doc("a block that wraps breaks at the spaces its author typed if the "
                        "phrases fit, else into lines of even length", default=True)
    continuation_indent: float = doc("indent in em of a wrapped block's lines after the first "
                                     "(with indent: 2, 2 sets a subhead flush at 2 em; 0: "
                                     "wrapped lines start at the left edge)", default=0.0)


@dataclass(frozen=True, kw_only=True)
class Authors:
    separator: str = printed_doc("between names", default="　")
    pad_two_char_names: bool = doc("print 吴宁 as 吴　宁 so it lines up with three-character names",
                                   default=True)
    format: str = printed_doc("template for the author line; {names} is the joined names",
                              template=("names",), required=("names",), default="{names}")


@dataclass(frozen=True, kw_only=True)
class ArticleStyle:
    start: Literal["new_page", "new_recto", "continue"] = doc(
        "where an article starts: a new page, a new right-hand page, or on the same page")
    separator_rule: bool = doc("with start: continue, a rule between articles", default=True)
    separator_space: Pt = doc("space above and below that rule", default=11.0)
    separator_rule_width: Pt = doc("line width of that rule", default=0.5)
    suppress_running_head: bool = doc("no running head on a page where an article starts",
                                      default=False)
    title: Block = doc("title block")
    subtitle: Block = doc("subtitle block")
    authors: Block = doc("authors/byline block")
    author_names: Authors = doc("how author names are joined", default_factory=Authors)
    lead: Block = doc("standfirst (导语) block")
    lead_right_indent: float = doc("right indent of the standfirst in em", default=2.0)
    subhead2: Block = doc("## subhead")
    subhead3: Block = doc("### subhead")
    note: Block = doc("closing note; format should put the text in （）")
    body_style: str = doc("text style of body paragraphs", default="body")
    head_order: tuple[str, ...] = doc(
        "order of the head parts (title, subtitle, authors, lead), each at most once, the "
        "title always; an article giving a part left out is refused",
        default=("title", "subtitle", "authors", "lead"))
    byline_with_authors: Literal["after", "before", "refuse"] = doc(
        "an article giving both `authors` and `byline`: the byline on a line of its own after "
        "the authors' line (after) or before it (before), in the authors block; or the "
        "article is refused at its byline (refuse)", default="after")


@dataclass(frozen=True, kw_only=True)
class RunningHeads:
    """Running heads and folios (journal-style.md §3); templates use {section}, {running_title},
    {journal}, {year}, {number}, {folio}."""
    style: str = doc("text style of the running head")
    section_format: str = printed_doc("how {section} is decorated", template=("title",),
                                      default="※ {title} ※")
    max_chars: int | None = doc(
        "longest section title (in characters) the running head shows; a longer one needs a "
        "short_title in the manifest (omitted: no limit, the two sides only must not meet)",
        default=None)
    verso_left: str = printed_doc("left-hand (even) page, left side", template=HEAD_FIELDS,
                                  default="{section}")
    verso_right: str = printed_doc("left-hand (even) page, right side", template=HEAD_FIELDS,
                                   default="{running_title}")
    recto_left: str = printed_doc("right-hand (odd) page, left side", template=HEAD_FIELDS,
                                  default="{running_title}")
    recto_right: str = printed_doc("right-hand (odd) page, right side", template=HEAD_FIELDS,
                                   default="{section}")
    baseline: Pt = doc("baseline distance above the text block top", default=14.0)
    rule: bool = doc("a rule under the running head", default=True)
    rule_gap: Pt = doc("distance of that rule above the text block top", default=8.0)
    rule_width: Pt = doc("line width of that rule", default=0.5)
    folio_style: str = doc("text style of the folio")
    folio_format: str = printed_doc("folio template", template=HEAD_FIELDS, default="{folio}")
    folio_position: Literal["bottom-outside", "bottom-center", "top-outside"] = doc(
        "where the folio stands", default="bottom-outside")
    folio_baseline: Pt = doc("folio baseline distance below the text block bottom", default=20.0)


@dataclass(frozen=True, kw_only=True)
class Contents:
    """目录 (journal-style.md §1)."""
    heading: str = printed_doc("the contents heading", default="目　录")
    heading_block: Block = doc("block of the contents heading")
    issue_line: str = printed_doc("line under the heading; {journal} {year} {number} {date}",
                                  template=ISSUE_FIELDS, default="{year}年第{number}期")
    issue_block: Block | None = doc("block of the issue line (omit: no issue line)", default=None)
    section_block: Block = doc("block of a section line")
    entry_style: str = doc("text style of entries")
    leader: str = printed_doc("leader character", default="…")
    author_separator: str = printed_doc("between author names in an entry", default=" ")
    page_format: str = printed_doc("page reference template", template=("page",),
                                   default="({page})")
    min_leader: float = doc("fewest leader characters in em", default=2.0)
    min_title_room: float = doc("narrowest room in em left for an entry's title beside the "
                                "leader, author and page; with less, those go on a line of "
                                "their own", default=2.0)
    byline: Literal["omit", "organisation", "text"] = doc(
        "how an entry credits an article with a `byline` instead of `authors`: organisation = "
        "a byline naming no person (no word of byline_roles: 政协某某市委员会, an office or a "
        "research group) is printed as the credit, a reporter's byline (记者 … 通讯员 …) is "
        "not; text = every byline as written; omit = none", default="organisation")
    byline_roles: tuple[str, ...] = doc(
        "words that mark a byline as naming people (a byline word ending in one of them, or "
        "one of them before / or ：)", default=("记者", "通讯员", "摄影", "摄", "文", "图"))
    subtitle_new_line: bool = doc("a subtitle starts its own line", default=True)
    entry_space: Pt = doc("extra space between entries", default=0.0)
    label: str = printed_doc("page label viewers show for contents pages", default="目录")


@dataclass(frozen=True, kw_only=True)
class Colophon:
    """报尾 (journal-style.md §4)."""
    style: str = doc("text style")
    separator: str = printed_doc("between label and text", default="：")
    rule_width: Pt = doc("width of the rule above", default=0.75)
    rule_gap: Pt = doc("distance from the rule down to the first line's slot", default=5.25)
    space_before: Pt = doc("space above the rule", default=11.0)
    position: Literal["bottom", "follow"] = doc("at the bottom of the last page, or right after "
                                                 "the last article", default="bottom")


@dataclass(frozen=True, kw_only=True)
class Checks:
    """What `typeset check` reports as make-up defects, and which of them fail it (issue 9)."""
    short_line: float = doc("em: a line of a justified paragraph, not its last, ending at least "
                            "this far short of the measure is a short line", default=0.45)
    short_lines: Literal["error", "report"] = doc("short lines fail `check` (error) or are "
                                                  "only listed (report)", default="error")
    notched_ends: Literal["error", "report"] = doc(
        "justified lines ending in a mark (，。、”）) whose blank half leaves a notch at the "
        "right edge (全角式 and 开明式 keep it; 行末半角 does not): error or report",
        default="error")
    short_pages: Literal["error", "report"] = doc(
        "pages the text runs on from that end one or more grid lines short (孤行, headings "
        "kept with their text, blocks too tall for the room left): error or report",
        default="report")
    note_only_pages: Literal["error", "report"] = doc(
        "pages holding nothing but an article's end note: error or report", default="report")


@dataclass(frozen=True, kw_only=True)
class Makeup:
    """The page make-up pass (issue 9, layout/makeup.py): a page the keep rules would leave
    short is filled by setting a paragraph on it, or on the page before, a line longer or
    shorter (伸行/缩行), within these limits."""
    fill_pages: bool = doc("run the make-up pass (false: pages stay as the keep rules leave "
                           "them)", default=True)
    max_spread: float = checked_doc(
        "em: the most spacing a line of a paragraph the pass sets a line longer may get "
        "between its characters (字距), once its word spaces and Han-Latin gaps are at the "
        "maximum the paragraph block allows them (0.08: two and a half characters' worth "
        "over a line of 32)", _between(0, 1, "max_spread"), default=0.08)
    max_squeeze: float = checked_doc(
        "em per gap: no line of a paragraph the pass sets a line shorter is squeezed more "
        "(punctuation compressed, 先挤进; as `check`'s tightest line measures it)",
        _between(0, 1, "max_squeeze"), default=0.08)
    tries: int = checked_doc(
        "settings tried per short page, the least visible change first (each re-runs the page "
        "builder from the page; bounds the work)", _between(1, 50, "tries"), default=6)
    note_lines: int = checked_doc(
        "body lines an article's end note (（作者系……）) keeps on its page: it never stands "
        "alone", _between(0, 10, "note_lines"), default=2)
