"""Blocks -> flow items: what the page builder stacks on the grid.

Two kinds of material stand on the text block's line grid (cjk-rules.md §4 Grid):
- a `Run` is a body paragraph: one grid line per text line, splittable between pages under
  the widow/orphan rules (孤行, cjk-rules §4);
- a `Band` is everything else (titles, subheads, bylines, rules): never split, rounded up to
  a whole number of grid lines so that the body lines after it stay on the grid, and kept
  with what follows when it is a heading (cjk-rules §4 "Headings stay with ...").
- a `Figure` is a picture with its caption: never split, occupying whole grid lines, placed
  where it is (`here`) or floated to the top or foot of a page by the page builder;
- a `Table` is a ruled table whose rows each take whole grid lines: split between pages only
  between rows, its header row repeated under a continuation label;
- a `Note` is a note's text, set on the notes' own grid; the set lines that hold its
  reference point to it (`SetLine.notes`), so the page builder keeps the two on one page.
Page breaks are items too. Nothing here knows about pages.
"""
from __future__ import annotations

import math
from typeset.records import dataclass, field
from operator import add, attrgetter

from typeset.text.types import Line, Span

# Ideographic em box: the baseline sits 0.88 em below the top of the em box and 0.12 em
# above its bottom (the ideographic baseline of Noto CJK and most Chinese faces, clreq §3.1).
EM_ASCENT = 0.88


def line_extent(line: Line) -> float:
    """Width actually covered by a line's glyphs."""
    glyphs = line.glyphs
    return max(map(add, map(_X, glyphs), map(_WIDTH, glyphs)), default=0.0)


_X, _WIDTH = attrgetter("x"), attrgetter("width")


def baseline_in_slot(pitch: float, size: float) -> float:
    """Distance from the top of a line slot of height `pitch` to the baseline of text of `size`
    centred in it: the em box is centred on the slot."""
    return (pitch - size) / 2 + EM_ASCENT * size


@dataclass(slots=True)
class SetLine:
    """A broken line with its place across the measure."""
    line: Line
    x: float                 # offset from the text block's left edge, pt
    size: float              # type size of the line's first style (for vertical centring)
    role: str                # body, title, subhead, ...
    # Extra pieces on the same baseline, at x offsets from the text block's left edge:
    # (text, style, x, width). With width 0 the text is set at its natural advances; otherwise
    # its characters are spread evenly over `width` (a dotted leader filling its space).
    # The contents uses it for leader, author and page number.
    tail: tuple[tuple[str, str, float, float], ...] = ()
    # Note references on the line: the note and the range of glyphs that print its mark
    # (glyphs[start:end], in the layout's marker style), in reading order.
    notes: tuple["NoteRef", ...] = ()


@dataclass(frozen=True)
class NoteRef:
    note: "Note"
    start: int               # first glyph of the mark in SetLine.line.glyphs
    end: int                 # one past its last glyph


@dataclass(eq=False)
class Note:
    """A note's text set for the foot of the page (or the article's end), without its number:
    the number is drawn in a box `number_width` wide before the first line, since it is
    known only once the page is (numbering per page)."""
    key: str                 # unique in the issue: article key + label
    label: str               # as written ([^label])
    number: int              # its number in the article (order of references)
    lines: list[SetLine]     # in the note style; x already leaves room for the number
    pitch: float             # the notes' own line pitch
    number_width: float
    origin: tuple[str, int | None] | None = None


@dataclass
class Marker:
    """Something a page must learn when this item lands on it: an article or section starts."""
    kind: str                # "article" | "section"
    title: str
    key: str
    level: int
    section: str


@dataclass(slots=True)
class Part:
    """One piece of a band: lines at `pitch`, with space above and below."""
    lines: list[SetLine]
    pitch: float
    before: float = 0.0
    after: float = 0.0
    rule: float | None = None        # a rule of this width across the measure, above the lines
    rule_gap: float = 0.0            # distance from the rule to the top of the lines


@dataclass(slots=True)
class Band:
    parts: list[Part]
    keep_with_next: bool = False
    markers: list[Marker] = field(default_factory=list)
    section: str | None = None       # section whose running head applies
    role: str = "head"
    link: str | None = None          # the whole band links to the anchor with this key
    origin: tuple[str, int | None] | None = None   # source file and line, for messages

    def height(self, at_top: bool) -> float:
        h = 0.0
        for i, p in enumerate(self.parts):
            before = 0.0 if (at_top and i == 0) else p.before
            h += before + len(p.lines) * p.pitch + p.after
            if p.rule is not None:
                h += p.rule_gap
        return h

    def slots(self, pitch: float, at_top: bool) -> int:
        return max(1, math.ceil(self.height(at_top) / pitch - 1e-6))


@dataclass(frozen=True, slots=True)
class Source:
    """What a paragraph was set from, so that the page make-up pass (makeup.py) can set it
    again a line longer or shorter: its spans (note marks included), the style whose em
    it is set in, and its indents from the text block's edges, pt."""
    spans: tuple[Span, ...]
    style: str
    left: float = 0.0
    right: float = 0.0


@dataclass(slots=True)
class Run:
    """A paragraph on the grid, one slot per line."""
    lines: list[SetLine]
    keep_with_next: bool = False
    markers: list[Marker] = field(default_factory=list)
    section: str | None = None
    role: str = "body"
    origin: tuple[str, int | None] | None = None   # source file and line, for messages
    source: Source | None = None     # how to set it again (the make-up pass); None: never
    keep_last: int = 0               # its last lines that stay on the page with what follows
    #                                  (the article's end note keeps body lines with it)
    makeup: int = 0                  # set a line longer (+1) or shorter (-1) to fill a page

    def first_chunk(self) -> int:
        """Fewest lines that may stand at the foot of a page: the whole paragraph if it cannot
        be split without leaving a single line (孤行, cjk-rules §4), else two."""
        n = len(self.lines)
        return n if n <= 3 else 2


@dataclass
class Space:
    """Discardable vertical space in whole slots (vanishes at the top or foot of a page)."""
    slots: int


@dataclass
class PageBreak:
    recto: bool = False              # start on a right-hand (odd) page


@dataclass(eq=False)
class Figure:
    """A picture scaled to its width, with its caption under it: never split, occupying
    whole grid lines. `placement` is the layout's wish (here, top, bottom); the page builder
    decides where it goes."""
    source: str              # absolute path of the picture file
    width: float             # the picture's size on the page, pt
    height: float
    x: float                 # the picture's left edge from the text block's left edge
    caption: list[SetLine]
    caption_pitch: float
    gap: float               # picture -> first caption line
    before: float            # space above when set among the text
    after: float             # space below when set among the text
    placement: str = "here"
    section: str | None = None
    role: str = "figure"
    origin: tuple[str, int | None] | None = None
    keep_with_next: bool = False
    markers: list[Marker] = field(default_factory=list)

    def content_height(self) -> float:
        return self.height + (self.gap + len(self.caption) * self.caption_pitch
                              if self.caption else 0.0)

    def height_at(self, where: str) -> float:
        """Height with its spaces: `top` of a page (space below only), `bottom` (space above
        only), `here` (both), `alone` (neither)."""
        h = self.content_height()
        if where in ("here", "bottom"):
            h += self.before
        if where in ("here", "top"):
            h += self.after
        return h

    def slots(self, pitch: float, where: str = "here") -> int:
        return max(1, math.ceil(self.height_at(where) / pitch - 1e-6))


@dataclass(slots=True)
class TableRow:
    """One row: the set lines of each cell (x from the cell's left edge), on `slots` grid
    lines; a cell's lines are centred vertically in the row."""
    cells: list[list[SetLine]]
    slots: int
    line: int | None = None          # source line (for messages)


@dataclass(eq=False)
class Table:
    """A ruled table (三线表 by default): caption, header row, body rows. Every row takes
    whole grid lines; a table longer than the page continues with its header repeated under
    `continued` (续表)."""
    x: float                         # left edge from the text block's left edge
    width: float
    columns: list[tuple[float, float]]   # (x from the table's left edge, width) per column
    header: TableRow
    rows: list[TableRow]
    caption: list[SetLine]
    caption_pitch: float
    caption_above: bool
    continued: list[SetLine]
    cell_pitch: float
    rules: tuple[float, float, float, float]   # widths: top, under the header, bottom, rows
    before: int                      # slots of space above (dropped at the top of a page)
    after: int                       # slots of space below (dropped at the foot)
    size: float = 0.0                # the type size the cells are set in (shrunk if wide)
    min_rows: int = 2                # rows on each side of a page break
    section: str | None = None
    role: str = "table"
    origin: tuple[str, int | None] | None = None
    keep_with_next: bool = False
    markers: list[Marker] = field(default_factory=list)

    def label_slots(self, pitch: float, first: bool) -> int:
        """Slots of the caption (first part, caption above) or the continuation label."""
        lines = (self.caption if self.caption_above else []) if first else self.continued
        pitch_l = self.caption_pitch
        return math.ceil(len(lines) * pitch_l / pitch - 1e-6) if lines else 0

    def below_slots(self, pitch: float, first: bool) -> int:
        """Slots of a caption set below the table's first part."""
        if not first or self.caption_above or not self.caption:
            return 0
        return math.ceil(len(self.caption) * self.caption_pitch / pitch - 1e-6)

    def part_slots(self, pitch: float, first: int, last: int) -> int:
        """Slots of the part holding body rows first..last-1 (without the space around)."""
        head = first == 0
        return (self.label_slots(pitch, head) + self.header.slots
                + sum(r.slots for r in self.rows[first:last]) + self.below_slots(pitch, head))


FlowItem = Band | Run | Space | PageBreak | Figure | Table
