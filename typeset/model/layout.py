"""House styles: layouts/*.yaml -> Layout, validated and resolved once.

Every layout decision of typeset is a field here; code reads these and never hard-codes a
size, a font or a margin. Each field carries a `doc` used in error hints and in the README.
Lengths accept points or units ("22pt", "3mm") and sizes accept 号 names ("小四"), see
typeset.model.schema.Pt.
"""
from __future__ import annotations

import dataclasses
import math
import string
import typing
from typeset.records import dataclass, field
from pathlib import Path
from typing import Any, Literal

from typeset.errors import TypesetError
from typeset.fileread import what_is
from typeset.model.chars import Where, normalize, printed
from typeset.model.schema import Pt, from_data
from typeset.model.yamlsrc import Mark, load_yaml, mark_of, written_path

from typeset.resources import LAYOUTS_DIR  # noqa: E402  (the shipped layouts)


def doc(text: str, **kw):
    """A dataclass field with documentation (shown in hints and the README)."""
    return field(metadata={"doc": text}, **kw)


def printed_doc(text: str, *, template: tuple[str, ...] | None = None,
                required: tuple[str, ...] = (), **kw):
    """A field whose text is printed: it gets its characters' fates (chars.normalize) when
    the layout loads, and the glyph check looks for it in the fonts. A `template` names the
    {fields} it may use; `required` those it must use (the text an author wrote, which a
    template without it would silently not print). Templates are checked by
    `check_template`."""
    return field(metadata={"doc": text, "printed": True, "template": template,
                           "required": required}, **kw)


#: what the templates of each kind may name ({issue}: the issue as `numbers.label` or
#: `numbers.supplement_label` prints it, 2024年第5-6期)
ISSUE_FIELDS = ("journal", "running_title", "year", "number", "date", "issue")
HEAD_FIELDS = ISSUE_FIELDS + ("section", "folio")
#: cover texts may also name the manifest's ISSN and CN (a text naming one the issue does not
#: have is left out)
COVER_FIELDS = ISSUE_FIELDS + ("issn", "cn")


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


def checked_doc(text: str, check, **kw):
    """A documented field whose value `check` judges when the layout loads (value -> error
    text or None; schema.from_data reports it at the key's line)."""
    return field(metadata={"doc": text, "check": check}, **kw)


def _between(lo: float, hi: float, what: str):
    return lambda v: None if lo <= v <= hi else f"{what} must be between {lo:g} and {hi:g}"


@dataclass(frozen=True, kw_only=True)
class Images:
    """Colour and resolution of pictures for each receiver (issue 10; render/pictures/)."""
    rendering_intent: Literal["perceptual", "relative", "saturation", "absolute"] = doc(
        "ICC rendering intent of every picture conversion (ICC.1 §6.2.5): perceptual, relative "
        "(relative colorimetric), saturation, absolute (absolute colorimetric)",
        default="relative")
    black_point_compensation: bool = doc(
        "map the picture's black to the paper's black in conversions (relative colorimetric "
        "without it clips shadow detail)", default=True)
    total_ink: float = checked_doc(
        "print: total area coverage limit in % (C+M+Y+K of any pixel); converted CMYK pictures "
        "are held to it by taking the excess out of C, M and Y", _between(100, 400, "total_ink"),
        default=300.0)
    max_ppi: float | None = checked_doc(
        "pictures whose effective resolution is above this many ppi are downsampled to it "
        "(omitted: never downsampled)",
        lambda v: None if v is None or v >= 72 else "max_ppi must be 72 or more", default=600.0)
    print_rgb: Literal["cmyk", "icc"] = doc(
        "PDF/X-4: RGB pictures are converted to CMYK through the output intent's profile "
        "(cmyk) or kept as ICC-tagged RGB for the printer's RIP to convert (icc); PDF/X-1a "
        "always converts", default="cmyk")
    jpeg_quality: int = checked_doc(
        "JPEG quality (Pillow/libjpeg scale) of a JPEG picture that must be re-encoded "
        "(converted, rotated, downsampled); PNG and TIFF pictures are never made lossy",
        _between(50, 100, "jpeg_quality"), default=92)


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


@dataclass(frozen=True, kw_only=True)
class FigureStyle:
    """Figures: a picture with its caption (format.md "Figures"; issue 10). A figure occupies
    whole grid lines: its natural height (space before, picture, gap, caption lines, space
    after) is rounded up to whole lines and the remainder padded (below it at the top of a
    page, above it at the foot, shared in the text), so the text after it stays on the grid."""
    caption_style: str = doc("text style of the caption (图注)")
    caption_pitch: Pt | None = doc("baseline distance of caption lines (default: the text "
                                   "block's line pitch)", default=None)
    caption_align: Literal["left", "center", "right"] = doc(
        "alignment of caption lines (a one-line caption; a longer one is justified)",
        default="center")
    caption_format: str = printed_doc("the caption as printed: {caption} is the alt text, "
                                      "{credit} the credit set by credit_format (or nothing)",
                                      template=("caption", "credit"),
                                      required=("caption", "credit"), default="{caption}{credit}")
    credit_format: str = printed_doc("how a credit is added to the caption; {credit} is the "
                                     "figure's credit=\"…\"", template=("credit",),
                                     required=("credit",),
                                     default="　{credit}")
    gap: Pt = doc("space between the picture and its caption", default=6.0)
    space_before: Pt = doc("space above a figure set in the text (not at a page edge)",
                           default=6.0)
    space_after: Pt = doc("space below a figure set in the text (not at a page edge)",
                          default=6.0)
    placement: Literal["here", "top", "bottom"] = doc(
        "where a figure goes: here (right after its paragraph if it fits, else the foot of "
        "that page, else the top of the next), top or bottom (of the page where its paragraph "
        "ends, else of the next page)", default="here")
    widths: dict[str, float] = doc("width names an article may use (width=half), as "
                                   "fractions of the text block; full is always 1",
                                   default_factory=lambda: {"full": 1.0, "half": 0.5})
    lengths: bool = doc("an article may give a width as a length (width=60mm, width=20em)",
                        default=True)
    max_height: float = doc("tallest picture as a fraction of the text block's height; a "
                            "taller one is scaled down (narrower, centred)", default=0.75)
    min_ppi: float = doc("lowest effective resolution (pixels per inch at the placed size) "
                         "before a picture is reported", default=300.0)
    min_ppi_error: bool = doc("a picture under min_ppi is an error for the print variant "
                              "(else reported only)", default=False)


@dataclass(frozen=True, kw_only=True)
class TableStyle:
    """Tables: 三线表 (top, header and bottom rules) by default, as Chinese journals set
    them (format.md "Tables"; issue 10). Every row takes whole grid lines."""
    cell_style: str = doc("text style of cells")
    header_style: str = doc("text style of the header row")
    cell_pitch: Pt | None = doc("baseline distance of lines inside a cell (default: the text "
                                "block's line pitch)", default=None)
    caption_style: str = doc("text style of the caption (表题)")
    caption_pitch: Pt | None = doc("baseline distance of caption lines (default: the text "
                                   "block's line pitch)", default=None)
    caption_align: Literal["left", "center", "right"] = doc("alignment of the caption",
                                                            default="center")
    caption_position: Literal["above", "below"] = doc(
        "the caption above the table (Chinese journals: 表题在上) or below it; either way it "
        "stays with the table's first part", default="above")
    caption_format: str = printed_doc("the caption as printed; {caption} is the `: caption` "
                                      "text", template=("caption",), required=("caption",),
                                      default="{caption}")
    top_rule: Pt = doc("line width of the rule above the table (0: none)", default=1.0)
    header_rule: Pt = doc("line width of the rule under the header row (0: none)",
                          default=0.5)
    bottom_rule: Pt = doc("line width of the rule under the table (0: none)", default=1.0)
    row_rule: Pt = doc("line width of rules between body rows (0: none, as in 三线表)",
                       default=0.0)
    header_align: Literal["left", "center", "right", "column"] = doc(
        "alignment of header cells (column: as the column's alignment says)",
        default="center")
    cell_padding: Pt = doc("space left and right inside each cell", default=6.0)
    min_size: Pt = doc("smallest type size a table wider than the text block shrinks to "
                       "before its cells wrap", default=9.0)
    shrink_step: Pt = doc("type size steps when shrinking a wide table", default=0.5)
    numbers: Literal["right", "decimal"] = doc(
        "numbers in a right-aligned column (---:) align on their right edge, or on the "
        "decimal point", default="decimal")
    continued_format: str = printed_doc("label above a table's continuation on the next page "
                                        "({caption}: the caption)", template=("caption",),
                                        default="续表")
    continued_align: Literal["left", "center", "right"] = doc("alignment of that label",
                                                              default="right")
    space_before: Pt = doc("space above a table (not at the top of a page)", default=6.0)
    space_after: Pt = doc("space below a table (not at the foot of a page)", default=6.0)
    min_rows: int = doc("fewest body rows of a table at the foot of a page before it "
                        "continues (rows never split)", default=2)


@dataclass(frozen=True, kw_only=True)
class NotesStyle:
    """Notes (脚注 / 尾注, format.md "Notes"; issue 10)."""
    mode: Literal["footnote", "endnote"] = doc(
        "footnote: at the foot of the page holding the reference; endnote: after the "
        "article, under the endnote heading", default="footnote")
    numbering: Literal["page", "article"] = doc(
        "note numbers restart on every page, or run through the article", default="page")
    numerals: Literal["circled", "decimal"] = doc(
        "circled numbers ①②③ (1 to 50) or digits", default="circled")
    marker_format: str = printed_doc("the reference mark in the text; {n} is the number",
                                     template=("n",), default="{n}")
    marker_style: str = doc("text style of the reference mark (a smaller size)")
    marker_rise: Pt = doc("how far the reference mark is raised above the baseline",
                          default=4.0)
    note_format: str = printed_doc("the number at the start of a note; {n} is the number",
                                   template=("n",), default="{n}")
    style: str = doc("text style of the notes")
    line_pitch: Pt = doc("baseline distance of note lines: notes sit on their own grid at the "
                         "foot of the text block")
    hanging: bool = doc("a note's second and later lines align after its number",
                        default=True)
    rule_length: Pt = doc("length of the short rule above the notes", default=72.0)
    rule_width: Pt = doc("line width of that rule", default=0.5)
    rule_gap: Pt = doc("space between the rule and the first note line", default=3.0)
    space_before: Pt = doc("least space between the last text line and the rule",
                           default=4.0)
    continued_rule_length: Pt = doc("length of the rule above a note continued from the "
                                    "page before (a longer rule tells it apart)",
                                    default=0.0)
    min_lines: int = doc("fewest lines of a note on its reference's page (a longer note "
                         "continues on the next page's foot)", default=2)
    endnote_heading: str = printed_doc("heading of the endnotes", default="注释")
    endnote_block: Block | None = doc("block of the endnote heading (default: the ### subhead "
                                      "block)", default=None)


@dataclass(frozen=True, kw_only=True)
class CoverBox:
    """A rectangle on a cover page, measured from the top-left trim corner. A side lying on a
    trim edge runs on into the bleed (a picture placed to the bleed)."""
    x: Pt = doc("left edge, from the left trim edge", default=0.0)
    top: Pt = doc("top edge, from the top trim edge", default=0.0)
    width: Pt = doc("width")
    height: Pt = doc("height")


@dataclass(frozen=True, kw_only=True)
class CoverText:
    """One line of text on a cover, set in a style at a place (a template naming {journal},
    {running_title}, {year}, {number}, {issue}, {date}, {issn}, {cn})."""
    text: str = printed_doc("the text: a template, e.g. \"{journal}\" or \"ISSN {issn}\"",
                            template=COVER_FIELDS)
    style: str = doc("text style, a key of `styles`")
    x: Pt = doc("where the line stands across: its left edge (align: left), its centre "
                "(center) or its right edge (right), from the left trim edge")
    top: Pt = doc("its baseline, from the top trim edge")
    align: Literal["left", "center", "right"] = doc("how the line stands on x", default="left")
    letter_spacing: float = doc("extra space between characters, in em of its size (a "
                                "masthead is often spaced)", default=0.0)


@dataclass(frozen=True, kw_only=True)
class CoverLines:
    """Where the manifest's cover lines (封面导读) go on 封一: one per line, top down."""
    style: str = doc("text style, a key of `styles`")
    x: Pt = doc("left edge (align: left), centre (center) or right edge (right) of the lines")
    top: Pt = doc("the first line's baseline, from the top trim edge")
    pitch: Pt = doc("baseline distance between cover lines")
    align: Literal["left", "center", "right"] = doc("how each line stands on x",
                                                    default="left")
    max_lines: int = doc("most cover lines the design holds (more is an error at the "
                         "manifest)", default=6)
    width: Pt = doc("widest a cover line may be (a longer one is an error at the manifest)")


@dataclass(frozen=True, kw_only=True)
class Artwork:
    """A masthead drawn as artwork (a picture: PNG, JPEG or TIFF), filling its box."""
    file: str = doc("the picture file, relative to the layout file")
    box: CoverBox = doc("where it stands")


@dataclass(frozen=True, kw_only=True)
class Barcode:
    """The ISSN barcode (GB/T 16827, EAN-13 with prefix 977 and a two-digit add-on): drawn
    as vectors in pure K, on a white ground with its quiet zones."""
    page: Literal["back", "front", "none"] = doc("the cover that carries it: 封四 (back), 封一 "
                                                 "(front), or none", default="back")
    x: Pt = doc("left edge of the symbol (its left quiet zone), from the left trim edge")
    bottom: Pt = doc("bottom edge of the symbol (under its digits), from the bottom trim edge")
    magnification: float = doc("size against the nominal 37.29 × 25.93 mm (EAN-13 allows "
                               "0.8 to 2.0)", default=1.0)
    variant: str = doc("the two price/variant digits (EAN-13 digits 11-12; 00: a regular "
                       "issue; the manifest's issn_variant wins)", default="00")
    addon: bool = doc("add the two-digit add-on with the issue number (the first of a "
                      "combined issue)", default=True)
    style: str = doc("text style of the human-readable digits (about 9 pt at 100 %)")
    issn_style: str | None = doc("text style of the line 'ISSN NNNN-NNNC' above the symbol "
                                 "(omitted: none)", default=None)


@dataclass(frozen=True, kw_only=True)
class CoverDesign:
    """The covers (封一 to 封四) as data (issue 11; format.md, "The whole issue"). The
    journal's name, year and number are always text on 封一 (searchable, extractable): its
    texts must name {journal} and {issue} (or {year} and {number}), also when the masthead
    is artwork."""
    stock: Literal["self", "separate"] = doc(
        "self: the covers are pages of the text file (self-cover, counted in the sheets); "
        "separate: cover stock, printed as a file of its own (OUT-cover.pdf beside "
        "OUT-text.pdf)", default="self")
    binding: Literal["saddle", "perfect"] = doc(
        "saddle (骑马订): covers as single pages; perfect (胶订, with separate stock): the cover "
        "file is one spread 封四 | spine | 封一 and its back 封二 | spine | 封三", default="saddle")
    spine: Pt = doc("perfect binding: the spine's width (from the page count and paper)",
                    default=0.0)
    styles: dict[str, TextStyle] = doc("text styles the covers use, added to the layout's "
                                       "`styles` (a name in both is an error)",
                                       default_factory=dict)
    caption_block: Block | None = doc(
        "block of the manifest's cover caption (封面说明), set after the last entry of the "
        "contents (omitted: in the contents' entry style)", default=None)
    photo: CoverBox | None = doc("the box the manifest's cover photo fills on 封一 (a side on a "
                                 "trim edge bleeds); omitted: no photo", default=None)
    artwork: Artwork | None = doc("the masthead as artwork instead of (or besides) text",
                                  default=None)
    front: tuple[CoverText, ...] = doc("the texts of 封一: masthead, year and number, ISSN, "
                                       "CN, publisher …", default=())
    lines: CoverLines | None = doc("where the manifest's cover lines go (omitted: a manifest "
                                   "with cover lines is refused)", default=None)
    back: tuple[CoverText, ...] = doc("the texts of 封四 when the manifest gives no back page",
                                      default=())
    barcode: Barcode | None = doc("the ISSN barcode (printed when the manifest has an issn)",
                                  default=None)
    labels: tuple[str, str, str, str] = doc("page labels of 封一, 封二, 封三, 封四",
                                            default=("封一", "封二", "封三", "封四"))
    insert_label: str = doc("page label of inserted pages not counted in the folios (numbered: "
                            "插页1, 插页2 …)", default="插页")


@dataclass(frozen=True, kw_only=True)
class Numbers:
    """How the issue is named (format.md, "The whole issue"): {issue} in every template, the
    cover's year/number line, the file's title and subject."""
    label: str = printed_doc("the issue as printed ({year}, {number}: 2, or 5-6 for a "
                             "combined issue)", template=("year", "number"),
                             default="{year}年第{number}期")
    supplement: str | None = printed_doc(
        "the word a manifest may write as `number` for a supplement, alone or followed by its "
        "number (增刊, 增刊2); omitted: no supplements", default=None)
    supplement_label: str = printed_doc("a supplement as printed ({number} is the word as the "
                                        "manifest writes it)", template=("year", "number"),
                                        default="{year}年{number}")


@dataclass(frozen=True, kw_only=True)
class Layout:
    name: str = doc("name of the house style")
    journal: str = printed_doc("journal name as printed (the manifest may override)")
    running_title: str = printed_doc("the running title (e.g. the journal name in pinyin "
                                     "capitals)")
    page: PageGeometry = doc("trim size, bleed")
    textblock: TextBlock = doc("版心")
    fonts: dict[str, tuple[str, ...]] = doc(
        "font roles: role -> font files, first choice first; files are looked up in fonts/ or "
        "given as paths")
    styles: dict[str, TextStyle] = doc("text styles: name -> font role and size")
    paragraph: Paragraph = doc("body paragraph breaking", default_factory=Paragraph)
    article: ArticleStyle = doc("article head, body, note")
    running_heads: RunningHeads = doc("running heads and folios")
    contents: Contents = doc("table of contents")
    colophon: Colophon = doc("closing block")
    figure: FigureStyle | None = doc("figures (omitted: an article with a figure is refused)",
                                     default=None)
    table: TableStyle | None = doc("tables (omitted: an article with a table is refused)",
                                   default=None)
    notes: NotesStyle | None = doc("notes (omitted: an article with notes is refused)",
                                   default=None)
    check: Checks = doc("what `typeset check` reports and fails on", default_factory=Checks)
    makeup: Makeup = doc("the page make-up pass: full pages end on the last grid line",
                         default_factory=Makeup)
    images: Images = doc("pictures: colour conversion for print and archive, ink limit, "
                         "downsampling", default_factory=Images)
    numbers: Numbers = doc("how the issue is named: 第2期, 合刊 第5-6期, supplements",
                           default_factory=Numbers)
    cover: CoverDesign | None = doc("the covers: 封一's design, 封四, the ISSN barcode, stock "
                                    "and binding (omitted: an issue with covers is refused)",
                                    default=None)
    path: str = doc("(set by the loader)", default="")

    @property
    def body_size(self) -> float:
        return self.styles[self.article.body_style].size

    @property
    def measure(self) -> float:
        """Text block width: characters x body size (cjk-rules §4 Grid)."""
        return self.textblock.chars * self.body_size


def resolve_layout_path(ref: str, *, relative_to: Path | None = None) -> Path:
    """A layout name (layouts/<name>.yaml) or a path to a .yaml file (backslashes read as
    folder separators when the file does not exist as written, yamlsrc.written_path)."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref:
        return written_path(ref, relative_to)
    return LAYOUTS_DIR / f"{ref}.yaml"


def available_layouts() -> list[str]:
    return sorted(p.stem for p in LAYOUTS_DIR.glob("*.yaml"))


def load_layout(ref: str, *, relative_to: Path | None = None,
                referenced_from: str | None = None, line: int | None = None) -> Layout:
    path = resolve_layout_path(ref, relative_to=relative_to)
    kind = None if path.is_file() else what_is(path)
    if kind is not None:                      # there, but a folder, a pipe, a device …
        raise TypesetError(f"layout '{ref}' is {kind}, not a regular file ({path})",
                           file=referenced_from, line=line,
                           hint="a layout is a .yaml file; give the path of the file itself")
    if not path.is_file():
        import difflib
        names = available_layouts()
        near = difflib.get_close_matches(ref, names, n=1)
        hint = (f"did you mean '{near[0]}'? " if near else "") + \
            f"available layouts: {', '.join(names)}; or give a path to a .yaml file"
        raise TypesetError(f"unknown layout '{ref}' (no file {path})",
                           file=referenced_from, line=line, hint=hint)
    data = load_yaml(path)
    layout = from_data(Layout, data, file=path, what="layout")
    marks: dict[str, Mark] = {}
    layout = _printed(layout, data, "", path, marks)
    object.__setattr__(layout, "_marks", marks)
    layout = _check(layout, path, data)
    object.__setattr__(layout, "path", str(path))
    return layout


def layout_where(layout: Layout, key: str) -> Where:
    """Where a printed layout string (`running_heads.section_format`) is written."""
    mark = getattr(layout, "_marks", {}).get(key)
    return Where(layout.path or None, mark.line if mark else None,
                 mark.column if mark else None)


def template_literal(template: str) -> str:
    """The text a template prints besides its {fields}."""
    return "".join(lit for lit, _, _, _ in string.Formatter().parse(template))


def check_template(value: str, allowed: tuple[str, ...], where: Where, key: str,
                   required: tuple[str, ...] = ()) -> None:
    """The one check of every layout template: only plain `{field}` names from `allowed`
    (and `{{` `}}` for a brace) may stand in it — no format spec (`{year:x}` prints hex,
    `{text:>200000000}` pads with 200 million spaces) and no conversion (`{text!r}` adds
    quotes) — and every field of `required` must be there (a block format without {text}
    would print the block without its text)."""
    names = ", ".join("{" + a + "}" for a in allowed)
    hint = (f"{key} may name {names} and nothing else: a field is written {{name}} alone, "
            "without ':' or '!'; {{ and }} print a brace" if allowed
            else f"{key} is printed as written: write {{{{ and }}}} for a brace")
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(value)
                  if name is not None]
    except ValueError as err:
        raise where.error(f"{key}: {err} in {value!r}", hint) from None
    for name, spec, conv in fields:
        if name not in allowed:
            shown = "{}" if name == "" else "{" + name + "}"
            raise where.error(f"{key}: unknown field {shown} in {value!r}", hint)
        if spec or conv:
            written = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") \
                + "}"
            raise where.error(f"{key}: {written} in {value!r}: a template field takes no "
                              f"{'format spec' if spec else 'conversion'}", hint)
    used = {name for name, _, _ in fields}
    for name in required:
        if name not in used:
            raise where.error(f"{key}: {value!r} has no {{{name}}}: the {name} would not be "
                              "printed", f"put {{{name}}} where the {name} goes, e.g. "
                              f"\"{{{name}}}\"")


def _printed(obj: Any, data: Any, prefix: str, path: Path, marks: dict[str, Mark]) -> Any:
    """The layout with every printed string normalised (chars.normalize) and every template
    checked; records where each printed string is written."""
    changes = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        sub = data.get(f.name) if isinstance(data, dict) else None
        if f.metadata.get("printed") and isinstance(value, str):
            mark = mark_of(data, f.name) if isinstance(data, dict) and f.name in data else None
            if mark is not None:
                marks[key] = mark
            where = Where(path, mark.line if mark else None, mark.column if mark else None)
            new = normalize(value, where)
            check_template(new, f.metadata.get("template") or (), where, key,
                           f.metadata.get("required") or ())
            if new != value:
                changes[f.name] = new
        elif dataclasses.is_dataclass(value):
            new = _printed(value, sub, key + ".", path, marks)
            if new is not value:
                changes[f.name] = new
        elif isinstance(value, tuple) and value and all(dataclasses.is_dataclass(v)
                                                         for v in value):
            items = tuple(_printed(v, sub[i] if isinstance(sub, list) and i < len(sub)
                                   else None, f"{key}.{i}.", path, marks)
                          for i, v in enumerate(value))
            if any(a is not b for a, b in zip(items, value)):
                changes[f.name] = items
    return dataclasses.replace(obj, **changes) if changes else obj


# The ideographic em box: the baseline lies 0.88 em below its top and 0.12 em above its
# bottom (layout/flow.py EM_ASCENT; clreq §3.1). Used to keep running heads and folios on
# the page.
_EM_ASCENT, _EM_DESCENT = 0.88, 0.12
# ISO 32000-1 Annex C.2: a page is at most 14 400 units (200 inches) in each direction.
_MAX_PAGE = 14400.0


def _check(layout: Layout, path: Path, data: Any = None) -> Layout:
    """Cross-references (every style names a font role, every block a style) and geometry
    (the text block, running heads and folios lie inside the page): refused when the layout
    loads, at the line of the key concerned."""
    def at(*keys: str) -> dict:
        """file, line and column of the first of `keys` (dotted paths) written in the file."""
        for key in keys:
            node, mark = data, None
            for part in key.split("."):
                if not isinstance(node, dict) or part not in node:
                    mark = None
                    break
                mark, node = mark_of(node, part), node[part]
            if mark is not None:
                return {"file": path, "line": mark.line, "column": mark.column}
        return {"file": path}

    def fail(message: str, hint: str, *keys: str) -> TypesetError:
        return TypesetError(message, hint=hint, **at(*keys))

    marks = getattr(layout, "_marks", None)
    layout = _with_cover_styles(layout, fail)
    if marks is not None:
        object.__setattr__(layout, "_marks", marks)
    for name, style in layout.styles.items():
        if style.font not in layout.fonts:
            raise fail(f"style '{name}' uses font role '{style.font}', which `fonts` does not "
                       "define", f"font roles: {', '.join(layout.fonts)}",
                       f"styles.{name}.font", f"styles.{name}", "styles")
        for kind, variant in (("bold", style.bold), ("italic", style.italic)):
            if variant is not None and variant not in layout.styles:
                raise fail(f"style '{name}' refers to style '{variant}', which is not defined",
                           f"styles: {', '.join(layout.styles)}",
                           f"styles.{name}.{kind}", f"styles.{name}", "styles")
    refs: list[tuple[str, str]] = [
        ("article.body_style", layout.article.body_style),
        ("running_heads.style", layout.running_heads.style),
        ("running_heads.folio_style", layout.running_heads.folio_style),
        ("contents.entry_style", layout.contents.entry_style),
        ("colophon.style", layout.colophon.style),
    ]
    a, c = layout.article, layout.contents
    for part in ("title", "subtitle", "authors", "lead", "subhead2", "subhead3", "note"):
        refs.append((f"article.{part}.style", getattr(a, part).style))
    refs.append(("contents.heading_block.style", c.heading_block.style))
    refs.append(("contents.section_block.style", c.section_block.style))
    if c.issue_block is not None:
        refs.append(("contents.issue_block.style", c.issue_block.style))
    if layout.figure is not None:
        refs.append(("figure.caption_style", layout.figure.caption_style))
    if layout.table is not None:
        t = layout.table
        refs += [("table.cell_style", t.cell_style), ("table.header_style", t.header_style),
                 ("table.caption_style", t.caption_style)]
    if layout.notes is not None:
        n = layout.notes
        refs += [("notes.style", n.style), ("notes.marker_style", n.marker_style)]
        if n.endnote_block is not None:
            refs.append(("notes.endnote_block.style", n.endnote_block.style))
    for where, style in refs:
        if style not in layout.styles:
            raise fail(f"{where} names style '{style}', which `styles` does not define",
                       f"styles: {', '.join(layout.styles)}", where, where.rsplit(".", 1)[0])
    _check_head_order(a.head_order, fail)
    _check_geometry(layout, fail)
    _check_room(layout, fail)
    _check_paragraph(layout.paragraph, fail)
    _check_pictures(layout, fail)
    if layout.cover is not None:
        _check_cover(layout, fail)
    return layout


HEAD_PARTS = ("title", "subtitle", "authors", "lead")


def _check_head_order(order: tuple[str, ...], fail) -> None:
    """The article head prints every part once: the title always (an order without it would
    print no title), no part twice. A part left out is never printed, so an article that
    gives it is refused (compose.py), never silently cut."""
    hint = ("list the parts in the order they are printed, each once, the title among them, "
            "e.g. [title, subtitle, authors, lead]")
    seen: set[str] = set()
    for part in order:
        if part not in HEAD_PARTS:
            raise fail(f"article.head_order: unknown part '{part}'",
                       "parts: " + ", ".join(HEAD_PARTS), "article.head_order")
        if part in seen:
            raise fail(f"article.head_order: '{part}' is listed twice (it would be printed "
                       "twice)", hint, "article.head_order")
        seen.add(part)
    if "title" not in seen:
        raise fail("article.head_order has no 'title': no article would print its title",
                   hint, "article.head_order")


def _check_room(layout: Layout, fail) -> None:
    """Room for what the text block holds (cjk-rules §4): a page holds an article head and a
    subhead with the two lines of text each keeps with it (孤行: the page builder never ends
    a page on a heading), and every block's indents leave room for a character on each of its
    lines — else the failure would come later, from the line breaker, with no line to
    point at."""
    tb, a, p = layout.textblock, layout.article, layout.paragraph
    size = {name: float(s.size) for name, s in layout.styles.items()}
    pitch = float(tb.line_pitch)
    measure = layout.measure

    def slots(height: float) -> int:
        return max(1, math.ceil(height / pitch - 1e-6))

    def block_height(b: Block, first: bool) -> float:
        return (0.0 if first else float(b.space_before)) + \
            float(b.line_pitch or pitch) + float(b.space_after)

    head = [getattr(a, part) for part in a.head_order]
    need = slots(sum(block_height(b, i == 0) for i, b in enumerate(head))) + 2
    if need > tb.lines:
        raise fail(f"the text block ({tb.lines} line{'s' * (tb.lines != 1)}) cannot hold an "
                   f"article head of one line per part ({', '.join(a.head_order)}) and the "
                   f"two lines of text kept with it: that takes {need} lines", "more textblock.lines, a smaller "
                   "line_pitch, or less space around the head's blocks", "textblock.lines",
                   "textblock")
    for key in ("subhead2", "subhead3"):
        b = getattr(a, key)
        need = slots(block_height(b, False)) + 2
        if need > tb.lines:
            raise fail(f"the text block ({tb.lines} line{'s' * (tb.lines != 1)}) cannot hold "
                       f"a one-line "
                       f"article.{key} and the two lines of text kept with it ({need} lines)",
                       f"more textblock.lines, or less space around article.{key}",
                       "textblock.lines", "textblock")

    def leaves(key: str, style: str, used: list[tuple[str, float, str]]) -> None:
        """`used`: (what, em of the style, its key) taken from the text block's width on a
        line; a failure points at the key taking most."""
        em = size[style]
        left = measure - sum(v for _, v, _ in used) * em
        if left + 0.01 < em:
            taken = " + ".join(f"{what} {v:g} em" for what, v, _ in used if v)
            worst = max(used, key=lambda u: u[1])[2]
            raise fail(f"{key}: {taken} of {em:g} pt leave {left:.1f} pt of the "
                       f"{measure:.1f} pt text block, no room for a character",
                       f"smaller indents for {key}", worst, key)

    blocks = [(f"article.{n}", getattr(a, n)) for n in
              ("title", "subtitle", "authors", "subhead2", "subhead3")]
    blocks += [("contents.heading_block", layout.contents.heading_block),
               ("contents.section_block", layout.contents.section_block)]
    if layout.contents.issue_block is not None:
        blocks.append(("contents.issue_block", layout.contents.issue_block))
    if layout.notes is not None and layout.notes.endnote_block is not None:
        blocks.append(("notes.endnote_block", layout.notes.endnote_block))
    for key, b in blocks:                      # set as headings (compose.set_heading)
        leaves(key, b.style, [("indent", b.indent, f"{key}.indent")])
        leaves(key, b.style, [("continuation_indent", b.continuation_indent,
                               f"{key}.continuation_indent")])
    # set as paragraphs (compose.set_paragraph): the body's first-line indent as well
    body_indent = ("paragraph.indent", p.indent, "paragraph.indent")
    leaves("article.lead", a.lead.style, [
        ("indent", a.lead.indent, "article.lead.indent"),
        ("lead_right_indent", a.lead_right_indent, "article.lead_right_indent"), body_indent])
    leaves("article.note", a.note.style, [("indent", a.note.indent, "article.note.indent"),
                                          body_indent])


def _check_paragraph(p: Paragraph, fail) -> None:
    """The line breaker's costs (text/types.check_settings says the same, without a place):
    refused at their line when the layout loads."""
    def refuse(key: str, message: str) -> TypesetError:
        return fail(f"paragraph.{key}: {message}", f"{key}: {_doc_of('paragraph.' + key)}",
                    f"paragraph.{key}")

    if p.space_stretch < 0:
        raise refuse("space_stretch", f"{p.space_stretch:g} must not be negative")
    if not 0 <= p.space_shrink <= 1:
        raise refuse("space_shrink", f"{p.space_shrink:g} must be between 0 and 1")
    for key in ("line_penalty", "loose_cost", "squeeze_growth", "hyphen_penalty",
                "ragged_cost", "phrase_cost", "widow_cost", "max_badness", "stretch_costs",
                "squeeze_costs", "emergency_costs"):
        value = getattr(p, key)
        values = value if isinstance(value, tuple) else (value,)
        if any(v < 0 for v in values):
            shown = list(value) if isinstance(value, tuple) else f"{value:g}"
            raise refuse(key, f"{shown}: a cost must not be negative")
    for key in ("spread_unit", "looseness"):
        if getattr(p, key) <= 0:
            raise refuse(key, f"{getattr(p, key):g} must be more than 0")
    e = p.emergency_costs
    if not (p.widow_cost < e[0] <= e[1] <= e[2]):
        raise refuse("emergency_costs", f"{list(e)} must rise (word, prohibition, unit) and "
                     f"stay above widow_cost ({p.widow_cost:g})")


def _with_cover_styles(layout: Layout, fail) -> Layout:
    """The cover block's own styles join the layout's `styles` (checked like them)."""
    cv = layout.cover
    if cv is None or not cv.styles:
        return layout
    clash = sorted(set(cv.styles) & set(layout.styles))
    if clash:
        raise fail(f"cover.styles defines '{clash[0]}', which `styles` defines already",
                   "give the cover's style another name", f"cover.styles.{clash[0]}",
                   "cover.styles")
    return dataclasses.replace(layout, styles={**layout.styles, **cv.styles})


def _template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _check_cover(layout: Layout, fail) -> None:
    """The cover design: styles that exist, boxes and texts on the page, the journal's name,
    year and number as text on 封一, a barcode that fits, a spine for perfect binding."""
    cv, pg = layout.cover, layout.page
    w, h = float(pg.width), float(pg.height)
    styles = []
    for i, t in enumerate(cv.front):
        styles.append((f"cover.front[{i}].style", t.style))
    for i, t in enumerate(cv.back):
        styles.append((f"cover.back[{i}].style", t.style))
    if cv.lines is not None:
        styles.append(("cover.lines.style", cv.lines.style))
    if cv.caption_block is not None:
        styles.append(("cover.caption_block.style", cv.caption_block.style))
    if cv.barcode is not None:
        styles.append(("cover.barcode.style", cv.barcode.style))
        if cv.barcode.issn_style is not None:
            styles.append(("cover.barcode.issn_style", cv.barcode.issn_style))
    for key, style in styles:
        if style not in layout.styles:
            raise fail(f"{key} names style '{style}', which `styles` does not define",
                       f"styles: {', '.join(layout.styles)}", "cover")
    shown = set()
    for t in cv.front:
        shown |= _template_fields(t.text)
    if "journal" not in shown or not ("issue" in shown or {"year", "number"} <= shown):
        raise fail("cover.front must print the journal's name ({journal}) and the issue "
                   "({issue}, or {year} and {number}) as text on 封一",
                   "the name, year and number must be searchable and extractable from the "
                   "cover, also when the masthead is artwork: add e.g. "
                   "{text: \"{issue}\", style: …, x: …, top: …}", "cover.front", "cover")
    boxes = [("cover.photo", cv.photo)] + ([("cover.artwork.box", cv.artwork.box)]
                                           if cv.artwork is not None else [])
    for key, box in boxes:
        if box is None:
            continue
        if box.width <= 0 or box.height <= 0:
            raise fail(f"{key}: width and height must be more than zero", _doc_of(key), key)
        if box.x < -0.01 or box.top < -0.01 or box.x + box.width > w + 0.01 \
                or box.top + box.height > h + 0.01:
            raise fail(f"{key} ({float(box.x):.1f}, {float(box.top):.1f}) + "
                       f"{float(box.width):.1f} × {float(box.height):.1f} pt lies outside the "
                       f"{w:.1f} × {h:.1f} pt page", "a box lies inside the trim box (a side "
                       "on a trim edge runs into the bleed by itself)", key)
    if cv.artwork is not None:
        f = cv.artwork.file.replace("\\", "/")
        if not f.strip() or f.startswith("/") or ".." in f.split("/") or ":" in f:
            raise fail(f"cover.artwork.file '{cv.artwork.file}' must be a path inside the "
                       "layout's folder", "put the masthead beside the layout file (it is "
                       "stored with the layout in a sources bag)", "cover.artwork.file")
    if cv.binding == "perfect":
        if cv.stock != "separate":
            raise fail("cover.binding: perfect needs cover.stock: separate (the cover is "
                       "printed as one spread of its own)", _doc_of("cover.binding"),
                       "cover.binding", "cover")
        if cv.spine <= 0:
            raise fail("cover.binding: perfect needs cover.spine, the spine's width",
                       _doc_of("cover.spine"), "cover.spine", "cover.binding", "cover")
    elif cv.spine < 0:
        raise fail("cover.spine must not be negative", _doc_of("cover.spine"), "cover.spine")
    if len(set(cv.labels)) != 4 or not all(lab.strip() for lab in cv.labels):
        raise fail("cover.labels must be four different labels (封一, 封二, 封三, 封四)",
                   _doc_of("cover.labels"), "cover.labels", "cover")
    if cv.lines is not None and (cv.lines.pitch <= 0 or cv.lines.width <= 0
                                 or cv.lines.max_lines < 1):
        raise fail("cover.lines: pitch, width and max_lines must be more than zero",
                   _doc_of("cover.lines"), "cover.lines", "cover")
    b = cv.barcode
    if b is not None:
        if not 0.8 <= b.magnification <= 2.0:
            raise fail(f"cover.barcode.magnification is {b.magnification:g}: EAN-13 symbols "
                       "are printed at 0.8 to 2.0 of their nominal size",
                       _doc_of("cover.barcode.magnification"), "cover.barcode.magnification")
        if not (len(b.variant) == 2 and b.variant.isascii() and b.variant.isdigit()):
            raise fail(f"cover.barcode.variant '{b.variant}' is not two digits",
                       "write two digits in quotes, e.g. \"00\"", "cover.barcode.variant")
        from typeset.model.barcode import symbol_size
        bw, bh = symbol_size(b.magnification, b.addon)
        if b.x < -0.01 or b.bottom < -0.01 or b.x + bw > w + 0.01 or b.bottom + bh > h + 0.01:
            raise fail(f"cover.barcode: the symbol ({bw:.1f} × {bh:.1f} pt with its quiet "
                       f"zones) at ({float(b.x):.1f}, {float(b.bottom):.1f}) pt runs off the "
                       f"{w:.1f} × {h:.1f} pt page", "move it (x, bottom) or make it smaller "
                       "(magnification)", "cover.barcode.x", "cover.barcode")


def _check_pictures(layout: Layout, fail) -> None:
    """Downsampling never goes below the resolution the layout asks for."""
    im, fig = layout.images, layout.figure
    min_ppi = fig.min_ppi if fig is not None else 300.0
    if im.max_ppi is not None and im.max_ppi < min_ppi:
        raise fail(f"images.max_ppi ({im.max_ppi:g}) is below figure.min_ppi ({min_ppi:g}): "
                   "pictures would be downsampled under the resolution the layout asks for",
                   "max_ppi must be at least min_ppi (e.g. 600 and 300)", "images.max_ppi",
                   "figure.min_ppi")


def _check_geometry(layout: Layout, fail) -> None:
    """Everything the layout places lies inside the trim box, with room for what it holds."""
    pg, tb, rh = layout.page, layout.textblock, layout.running_heads
    size = {name: float(s.size) for name, s in layout.styles.items()}

    def positive(value: float, key: str, what: str, zero: bool = False) -> None:
        if value < 0 or (value == 0 and not zero):
            raise fail(f"{key} is {value:g}: {what} must be "
                       + ("zero or more" if zero else "more than zero"),
                       f"{key.rsplit('.', 1)[-1]}: {_doc_of(key)}", key)

    for key, value in (("page.width", pg.width), ("page.height", pg.height),
                       ("textblock.line_pitch", tb.line_pitch)):
        positive(float(value), key, "a length")
    for key, value in (("page.bleed", pg.bleed), ("page.crop_mark_length", pg.crop_mark_length),
                       ("page.crop_mark_gap", pg.crop_mark_gap),
                       ("page.crop_mark_width", pg.crop_mark_width),
                       ("textblock.top", tb.top),
                       ("running_heads.rule_gap", rh.rule_gap),
                       ("running_heads.rule_width", rh.rule_width),
                       ("article.separator_space", layout.article.separator_space),
                       ("article.separator_rule_width", layout.article.separator_rule_width),
                       ("article.lead_right_indent", layout.article.lead_right_indent),
                       ("paragraph.indent", layout.paragraph.indent),
                       ("paragraph.min_last_line", layout.paragraph.min_last_line),
                       ("contents.min_leader", layout.contents.min_leader),
                       ("check.short_line", layout.check.short_line),
                       ("contents.entry_space", layout.contents.entry_space),
                       ("colophon.rule_width", layout.colophon.rule_width),
                       ("colophon.rule_gap", layout.colophon.rule_gap),
                       ("colophon.space_before", layout.colophon.space_before)):
        positive(float(value), key, "it", zero=True)
    if tb.inner is not None:
        positive(float(tb.inner), "textblock.inner", "a margin", zero=True)
    for key, value in (("textblock.chars", tb.chars), ("textblock.lines", tb.lines)):
        if value < 1:
            raise fail(f"{key} is {value}: a text block needs at least one", _doc_of(key), key)
    if rh.max_chars is not None and rh.max_chars < 1:
        raise fail(f"running_heads.max_chars is {rh.max_chars}: it must be 1 or more",
                   _doc_of("running_heads.max_chars"), "running_heads.max_chars")
    for name, s in size.items():
        if not 0 < s <= min(pg.width, pg.height):
            raise fail(f"style '{name}': size {s:g} pt is {'not more than zero' if s <= 0 else 'larger than the page'}",
                       "a type size in points or a 号 name such as 小四", f"styles.{name}.size",
                       f"styles.{name}")
    blocks = [(f"article.{n}", getattr(layout.article, n)) for n in
              ("title", "subtitle", "authors", "lead", "subhead2", "subhead3", "note")]
    blocks += [("contents.heading_block", layout.contents.heading_block),
               ("contents.section_block", layout.contents.section_block)]
    if layout.contents.issue_block is not None:
        blocks.append(("contents.issue_block", layout.contents.issue_block))
    if layout.notes is not None and layout.notes.endnote_block is not None:
        blocks.append(("notes.endnote_block", layout.notes.endnote_block))
    for key, b in blocks:
        if b.line_pitch is not None:
            positive(float(b.line_pitch), f"{key}.line_pitch", "a line pitch")
        pitch = float(b.line_pitch if b.line_pitch is not None else tb.line_pitch)
        if size.get(b.style, 0.0) > pitch:
            raise fail(f"{key}: style '{b.style}' ({size[b.style]:g} pt) is larger than its "
                       f"line pitch ({pitch:g} pt): its lines would overlap",
                       f"a larger {key}.line_pitch or a smaller size", f"{key}.line_pitch",
                       f"{key}.style", key)
        for sub in ("space_before", "space_after", "indent", "continuation_indent"):
            positive(float(getattr(b, sub)), f"{key}.{sub}", "it", zero=True)
    _check_beyond_text(layout, size, positive, fail)
    if not printed(layout.contents.leader).strip():
        raise fail("contents.leader prints nothing", "write the leader character, e.g. '…'",
                   "contents.leader")
    p = layout.paragraph
    if len(p.han_latin) != 3 or not (0 <= p.han_latin[1] <= p.han_latin[0] <= p.han_latin[2]):
        raise fail(f"paragraph.han_latin must be three numbers: natural, minimum, maximum with "
                   f"0 <= minimum <= natural <= maximum, not {list(p.han_latin)}",
                   _doc_of("paragraph.han_latin"), "paragraph.han_latin")
    if p.indent >= tb.chars:
        raise fail(f"paragraph.indent ({p.indent:g} em) is not shorter than a line "
                   f"({tb.chars} characters)", _doc_of("paragraph.indent"), "paragraph.indent")

    # the text block on the page (cjk-rules §4 Grid)
    body = size[layout.article.body_style]
    width, height = float(pg.width), float(pg.height)
    measure = tb.chars * body
    if measure > width:
        raise fail(f"text block ({tb.chars} characters of {body:g} pt = {measure:.1f} pt) is "
                   f"wider than the page ({width:.1f} pt)",
                   "fewer textblock.chars, a smaller body size, or a wider page",
                   "textblock.chars", "textblock")
    if tb.inner is not None and tb.inner + measure > width:
        raise fail(f"textblock.inner ({float(tb.inner):.1f} pt) + the text block "
                   f"({measure:.1f} pt) is wider than the page ({width:.1f} pt)",
                   "a smaller inner margin or fewer characters per line", "textblock.inner")
    for key, style in (("colophon.style", layout.colophon.style),
                       ("contents.entry_style", layout.contents.entry_style)):
        if size[style] > tb.line_pitch:
            raise fail(f"{key}: style '{style}' ({size[style]:g} pt) is larger than the line "
                       f"pitch ({float(tb.line_pitch):g} pt): its lines would overlap",
                       "a smaller size or a larger textblock.line_pitch", key)
    if body > tb.line_pitch:
        raise fail(f"textblock.line_pitch ({float(tb.line_pitch):g} pt) is smaller than the body "
                   f"size ({body:g} pt): lines would overlap", _doc_of("textblock.line_pitch"),
                   "textblock.line_pitch")
    block_h = tb.lines * tb.line_pitch
    if tb.top + block_h > height:
        raise fail(f"text block ({tb.lines} lines x {float(tb.line_pitch):g} pt = "
                   f"{block_h:.1f} pt, {float(tb.top):.1f} pt from the top) runs "
                   f"{tb.top + block_h - height:.1f} pt off the foot of the page "
                   f"({height:.1f} pt)", "fewer textblock.lines, a smaller line_pitch or top",
                   "textblock.lines", "textblock")
    media = max(width, height) + 2 * (pg.bleed + pg.crop_mark_gap + pg.crop_mark_length)
    if media > _MAX_PAGE:
        raise fail(f"the page with bleed and crop marks is {media:.0f} pt; PDF pages are at "
                   f"most {_MAX_PAGE:.0f} pt (200 inches, ISO 32000-1 Annex C)",
                   "check the units of page.width, page.height and page.bleed (mm, pt)",
                   "page.width", "page")

    # running heads and folios inside the trim box (journal-style.md §3)
    head = size[rh.style]
    folio = size[rh.folio_style]
    foot_room = height - tb.top - block_h           # from the text block's foot to the trim
    if rh.baseline <= 0:
        raise fail(f"running_heads.baseline is {float(rh.baseline):g}: the running head would "
                   "stand inside the text block", _doc_of("running_heads.baseline"),
                   "running_heads.baseline")
    top_sizes = [head] + ([folio] if rh.folio_position == "top-outside" else [])
    for s in top_sizes:
        if rh.baseline + _EM_ASCENT * s > tb.top:
            raise fail(f"running head: baseline {float(rh.baseline):g} pt above a text block "
                       f"{float(tb.top):g} pt from the top puts {s:g} pt type off the page",
                       "a smaller running_heads.baseline or a larger textblock.top",
                       "running_heads.baseline", "textblock.top")
    if rh.rule and rh.rule_gap >= rh.baseline - _EM_DESCENT * head:
        raise fail(f"running_heads.rule_gap ({float(rh.rule_gap):g} pt) would draw the rule "
                   f"through the running head (baseline {float(rh.baseline):g} pt)",
                   "the rule lies under the running head: rule_gap < baseline",
                   "running_heads.rule_gap")
    if rh.folio_position != "top-outside":
        if rh.folio_baseline < _EM_ASCENT * folio:
            raise fail(f"running_heads.folio_baseline ({float(rh.folio_baseline):g} pt) would "
                       f"set the folio into the text block's last line",
                       _doc_of("running_heads.folio_baseline"), "running_heads.folio_baseline")
        if rh.folio_baseline + _EM_DESCENT * folio > foot_room:
            raise fail(f"folio: baseline {float(rh.folio_baseline):g} pt below a text block that "
                       f"ends {foot_room:.1f} pt above the foot puts it off the page",
                       "a smaller running_heads.folio_baseline, or fewer textblock.lines",
                       "running_heads.folio_baseline", "textblock.lines")


def _check_beyond_text(layout: Layout, size: dict[str, float], positive, fail) -> None:
    """The figure, table and notes blocks: lengths that cannot be negative, pitches that hold
    their type, rules no longer than the text block."""
    pitch = float(layout.textblock.line_pitch)
    measure = layout.measure

    def holds(key: str, style: str, value: float | None) -> None:
        if value is not None:
            positive(float(value), key, "a line pitch")
        p = float(value) if value is not None else pitch
        if size.get(style, 0.0) > p:
            raise fail(f"{key}: style '{style}' ({size[style]:g} pt) is larger than its line "
                       f"pitch ({p:g} pt): its lines would overlap",
                       f"a larger {key} or a smaller size", key)

    f = layout.figure
    if f is not None:
        holds("figure.caption_pitch", f.caption_style, f.caption_pitch)
        for key in ("gap", "space_before", "space_after"):
            positive(float(getattr(f, key)), f"figure.{key}", "it", zero=True)
        for name, frac in f.widths.items():
            if not 0 < frac <= 1:
                raise fail(f"figure.widths: {name} is {frac:g}; a width is a fraction of the "
                           "text block, more than 0 and at most 1", _doc_of("figure.widths"),
                           "figure.widths")
        if not 0 < f.max_height <= 1:
            raise fail(f"figure.max_height is {f.max_height:g}: a fraction of the text block's "
                       "height, more than 0 and at most 1", _doc_of("figure.max_height"),
                       "figure.max_height")
        positive(f.min_ppi, "figure.min_ppi", "a resolution")
    t = layout.table
    if t is not None:
        holds("table.cell_pitch", t.cell_style, t.cell_pitch)
        holds("table.cell_pitch", t.header_style, t.cell_pitch)
        holds("table.caption_pitch", t.caption_style, t.caption_pitch)
        for key in ("top_rule", "header_rule", "bottom_rule", "row_rule", "cell_padding",
                    "space_before", "space_after"):
            positive(float(getattr(t, key)), f"table.{key}", "it", zero=True)
        positive(float(t.min_size), "table.min_size", "a type size")
        positive(float(t.shrink_step), "table.shrink_step", "a step")
        if t.min_size > min(size[t.cell_style], size[t.header_style]):
            raise fail(f"table.min_size ({float(t.min_size):g} pt) is larger than the cell "
                       "type: a wide table would grow, not shrink",
                       _doc_of("table.min_size"), "table.min_size")
        if t.min_rows < 1:
            raise fail(f"table.min_rows is {t.min_rows}: at least one row", _doc_of(
                "table.min_rows"), "table.min_rows")
        if 2 * t.cell_padding >= measure:
            raise fail("table.cell_padding leaves no room in a cell", _doc_of(
                "table.cell_padding"), "table.cell_padding")
    n = layout.notes
    if n is not None:
        holds("notes.line_pitch", n.style, n.line_pitch)
        for key in ("rule_length", "rule_width", "rule_gap", "space_before",
                    "continued_rule_length", "marker_rise"):
            positive(float(getattr(n, key)), f"notes.{key}", "it", zero=True)
        for key in ("rule_length", "continued_rule_length"):
            if getattr(n, key) > measure + 0.01:
                raise fail(f"notes.{key} ({float(getattr(n, key)):g} pt) is longer than the "
                           f"text block is wide ({measure:g} pt)", _doc_of(f"notes.{key}"),
                           f"notes.{key}")
        if n.min_lines < 1:
            raise fail(f"notes.min_lines is {n.min_lines}: at least one line",
                       _doc_of("notes.min_lines"), "notes.min_lines")
        if not printed(n.marker_format.replace("{n}", "")).strip() and "{n}" not in \
                n.marker_format:
            raise fail("notes.marker_format prints nothing", "write e.g. \"{n}\"",
                       "notes.marker_format")


def _doc_of(key: str) -> str:
    """The documentation of a dotted layout key (for hints)."""
    cls: Any = Layout
    text = ""
    for part in key.split("."):
        if cls is None or not dataclasses.is_dataclass(cls):
            return text
        found = next((f for f in dataclasses.fields(cls) if f.name == part), None)
        if found is None:
            return text
        text = found.metadata.get("doc", "")
        tp = typing.get_type_hints(cls)[part]
        inner = [t for t in typing.get_args(tp) if dataclasses.is_dataclass(t)]
        cls = tp if dataclasses.is_dataclass(tp) else (inner[0] if inner else None)
    return text
