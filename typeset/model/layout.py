"""House styles: layouts/*.yaml -> Layout, validated and resolved once.

Every layout decision of typeset is a field here; code reads these and never hard-codes a
size, a font or a margin. Each field carries a `doc` used in error hints and in the README.
Lengths accept points or units ("22pt", "3mm") and sizes accept 号 names ("小四"), see
typeset.model.schema.Pt.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from typeset.errors import TypesetError
from typeset.model.schema import Pt, from_data
from typeset.model.yamlsrc import load_yaml

LAYOUTS_DIR = Path(__file__).resolve().parents[2] / "layouts"


def doc(text: str, **kw):
    """A dataclass field with documentation (shown in hints and the README)."""
    return field(metadata={"doc": text}, **kw)


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
    grid: bool = doc("pure-Han lines get no added spacing", default=True)
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
    format: str = doc("text template; {text} is the content", default="{text}")
    balance: bool = doc("a block that wraps breaks at the spaces its author typed if the "
                        "phrases fit, else into lines of even length", default=True)


@dataclass(frozen=True, kw_only=True)
class Authors:
    separator: str = doc("between names", default="　")
    pad_two_char_names: bool = doc("print 吴宁 as 吴　宁 so it lines up with three-character names",
                                   default=True)
    format: str = doc("template for the author line; {names} is the joined names",
                      default="{names}")


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
    head_order: tuple[str, ...] = doc("order of the head parts",
                                      default=("title", "subtitle", "authors", "lead"))


@dataclass(frozen=True, kw_only=True)
class RunningHeads:
    """Running heads and folios (journal-style.md §3); templates use {section}, {running_title},
    {journal}, {year}, {number}, {folio}."""
    style: str = doc("text style of the running head")
    section_format: str = doc("how {section} is decorated", default="※ {title} ※")
    verso_left: str = doc("left-hand (even) page, left side", default="{section}")
    verso_right: str = doc("left-hand (even) page, right side", default="{running_title}")
    recto_left: str = doc("right-hand (odd) page, left side", default="{running_title}")
    recto_right: str = doc("right-hand (odd) page, right side", default="{section}")
    baseline: Pt = doc("baseline distance above the text block top", default=14.0)
    rule: bool = doc("a rule under the running head", default=True)
    rule_gap: Pt = doc("distance of that rule above the text block top", default=8.0)
    rule_width: Pt = doc("line width of that rule", default=0.5)
    folio_style: str = doc("text style of the folio")
    folio_format: str = doc("folio template", default="{folio}")
    folio_position: Literal["bottom-outside", "bottom-center", "top-outside"] = doc(
        "where the folio stands", default="bottom-outside")
    folio_baseline: Pt = doc("folio baseline distance below the text block bottom", default=20.0)


@dataclass(frozen=True, kw_only=True)
class Contents:
    """目录 (journal-style.md §1)."""
    heading: str = doc("the contents heading", default="目　录")
    heading_block: Block = doc("block of the contents heading")
    issue_line: str = doc("line under the heading; {journal} {year} {number} {date}",
                          default="{year}年第{number}期")
    issue_block: Block | None = doc("block of the issue line (omit: no issue line)", default=None)
    section_block: Block = doc("block of a section line")
    entry_style: str = doc("text style of entries")
    leader: str = doc("leader character", default="…")
    author_separator: str = doc("between author names in an entry", default=" ")
    page_format: str = doc("page reference template", default="({page})")
    min_leader: float = doc("fewest leader characters in em", default=2.0)
    min_title_room: float = doc("narrowest room in em left for an entry's title beside the "
                                "leader, author and page; with less, those go on a line of "
                                "their own", default=2.0)
    subtitle_new_line: bool = doc("a subtitle starts its own line", default=True)
    entry_space: Pt = doc("extra space between entries", default=0.0)
    label: str = doc("page label viewers show for contents pages", default="目录")


@dataclass(frozen=True, kw_only=True)
class Colophon:
    """报尾 (journal-style.md §4)."""
    style: str = doc("text style")
    separator: str = doc("between label and text", default="：")
    rule_width: Pt = doc("width of the rule above", default=0.75)
    rule_gap: Pt = doc("distance from the rule down to the first line's slot", default=5.25)
    space_before: Pt = doc("space above the rule", default=11.0)
    position: Literal["bottom", "follow"] = doc("at the bottom of the last page, or right after "
                                                 "the last article", default="bottom")


@dataclass(frozen=True, kw_only=True)
class Layout:
    name: str = doc("name of the house style")
    journal: str = doc("journal name as printed (the manifest may override)")
    running_title: str = doc("the running title (e.g. the journal name in pinyin capitals)")
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
    path: str = doc("(set by the loader)", default="")

    @property
    def body_size(self) -> float:
        return self.styles[self.article.body_style].size

    @property
    def measure(self) -> float:
        """Text block width: characters x body size (cjk-rules §4 Grid)."""
        return self.textblock.chars * self.body_size


def resolve_layout_path(ref: str, *, relative_to: Path | None = None) -> Path:
    """A layout name (layouts/<name>.yaml) or a path to a .yaml file."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        p = Path(ref)
        if not p.is_absolute() and relative_to is not None:
            p = relative_to / p
        return p
    return LAYOUTS_DIR / f"{ref}.yaml"


def available_layouts() -> list[str]:
    return sorted(p.stem for p in LAYOUTS_DIR.glob("*.yaml"))


def load_layout(ref: str, *, relative_to: Path | None = None,
                referenced_from: str | None = None, line: int | None = None) -> Layout:
    path = resolve_layout_path(ref, relative_to=relative_to)
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
    layout = _check(layout, path)
    object.__setattr__(layout, "path", str(path))
    return layout


def _check(layout: Layout, path: Path) -> Layout:
    """Cross-references: every style names a font role, every block a style."""
    for name, style in layout.styles.items():
        if style.font not in layout.fonts:
            raise TypesetError(f"style '{name}' uses font role '{style.font}', which `fonts` "
                               f"does not define", file=path,
                               hint=f"font roles: {', '.join(layout.fonts)}")
        for variant in (style.bold, style.italic):
            if variant is not None and variant not in layout.styles:
                raise TypesetError(f"style '{name}' refers to style '{variant}', which is not "
                                   f"defined", file=path)
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
    for where, style in refs:
        if style not in layout.styles:
            raise TypesetError(f"{where} names style '{style}', which `styles` does not define",
                               file=path, hint=f"styles: {', '.join(layout.styles)}")
    for part in a.head_order:
        if part not in ("title", "subtitle", "authors", "lead"):
            raise TypesetError(f"article.head_order: unknown part '{part}'", file=path,
                               hint="parts: title, subtitle, authors, lead")
    if len(layout.paragraph.han_latin) != 3:
        raise TypesetError("paragraph.han_latin needs three numbers: natural, minimum, maximum",
                           file=path)
    if layout.measure > layout.page.width:
        raise TypesetError(f"text block ({layout.textblock.chars} characters = "
                           f"{layout.measure:.1f} pt) is wider than the page", file=path)
    return layout
