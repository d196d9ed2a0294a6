"""Blocks -> flow items: what the page builder stacks on the grid.

Two kinds of material stand on the text block's line grid (cjk-rules.md §4 Grid):
- a `Run` is a body paragraph: one grid line per text line, splittable between pages under
  the widow/orphan rules (孤行, cjk-rules §4);
- a `Band` is everything else (titles, subheads, bylines, rules): never split, rounded up to
  a whole number of grid lines so that the body lines after it stay on the grid, and kept
  with what follows when it is a heading (cjk-rules §4 "Headings stay with ...").
Page breaks are items too. Nothing here knows about pages.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from typeset.text.types import Line

# Ideographic em box: the baseline sits 0.88 em below the top of the em box and 0.12 em
# above its bottom (the ideographic baseline of Noto CJK and most Chinese faces, clreq §3.1).
EM_ASCENT = 0.88


def baseline_in_slot(pitch: float, size: float) -> float:
    """Distance from the top of a line slot of height `pitch` to the baseline of text of `size`
    centred in it: the em box is centred on the slot."""
    return (pitch - size) / 2 + EM_ASCENT * size


@dataclass
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


@dataclass
class Marker:
    """Something a page must learn when this item lands on it: an article or section starts."""
    kind: str                # "article" | "section"
    title: str
    key: str
    level: int
    section: str


@dataclass
class Part:
    """One piece of a band: lines at `pitch`, with space above and below."""
    lines: list[SetLine]
    pitch: float
    before: float = 0.0
    after: float = 0.0
    rule: float | None = None        # a rule of this width across the measure, above the lines
    rule_gap: float = 0.0            # distance from the rule to the top of the lines


@dataclass
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


@dataclass
class Run:
    """A paragraph on the grid, one slot per line."""
    lines: list[SetLine]
    keep_with_next: bool = False
    markers: list[Marker] = field(default_factory=list)
    section: str | None = None
    role: str = "body"

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


FlowItem = Band | Run | Space | PageBreak
