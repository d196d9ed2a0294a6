"""A page and what stands on it (layout/paginate.py): the page builder's records (`Frame`:
a page's placements and notes; `Placement`, `NotePlacement`), what the foot's notes take
(`FootSpec`), and `_Page`, one page being filled: floats at the top and foot, the body, the
footnotes, and the body room they leave."""
from __future__ import annotations

import math
from typeset.records import dataclass, field

from typeset.layout.flow import Band, Figure, Note, Run, Table


@dataclass(slots=True)
class Placement:
    item: Band | Run | Figure | Table
    slot: int                 # first grid slot (0 = top line of the text block)
    first: int = 0            # Run: first line placed here; Table: first body row
    last: int = 0             # Run: one past the last line placed here; Table: row
    at_top: bool = False      # Band: placed at the head of the page (space above dropped)
    slots: int = 0            # grid lines it occupies
    region: str = "body"      # top | body | bottom
    where: str = "here"       # Figure: top | here | bottom (how its space is padded)
    late: bool = False        # Figure: more than one page after its reference (no room)


@dataclass(slots=True)
class NotePlacement:
    note: Note
    first: int                # first line of the note on this page
    last: int                 # one past the last
    number: int               # the number printed on this page


@dataclass(slots=True)
class Frame:
    placements: list[Placement] = field(default_factory=list)
    blank: bool = False       # intentionally empty (before a new right-hand page)
    notes: list[NotePlacement] = field(default_factory=list)
    foot: int = 0             # grid lines the footnotes take at the foot of the text block
    unfilled: str = ""        # why the make-up pass (makeup.py) left this page short

    @property
    def used(self) -> bool:
        return bool(self.placements) or bool(self.notes)

    @property
    def body(self) -> list[Placement]:
        return [p for p in self.placements if p.region == "body"]


@dataclass(frozen=True)
class FootSpec:
    """The footnotes' geometry, for the page builder (from the layout's notes block)."""
    pitch: float              # note line pitch (their own grid)
    overhead: float           # space above the rule + rule gap
    min_lines: int = 2
    per_page: bool = True     # numbers restart on every page

    def slots(self, lines: int, grid: float) -> int:
        if lines <= 0:
            return 0
        return math.ceil((self.overhead + lines * self.pitch) / grid - 1e-6)


def _notes_of(lines) -> list[Note]:
    return [ref.note for sl in lines for ref in getattr(sl, "notes", ())]


class _Page:
    """One page being filled: floats at the top and foot, the body, the footnotes."""

    def __init__(self, lines: int, pitch: float, foot: FootSpec | None):
        self.lines, self.pitch, self.foot_spec = lines, pitch, foot
        self.top: list[Placement] = []
        self.bottom: list[Placement] = []
        self.body: list[Placement] = []
        self.used = 0                       # body slots used
        self.cont: list[list] = []          # [note, first, last] continued from before
        self.notes: list[Note] = []         # notes whose references stand here, in order
        self.blank = False

    # -- room ---------------------------------------------------------------------------
    def _note_lines(self, extra: list[Note] = (), split: bool = False) -> int:
        """Note lines the page must hold: every note whole, or (`split`) the last one only
        its first `min_lines`, the rest continuing on the next page."""
        own = self.notes + list(extra)
        n = sum(last - first for _, first, last in self.cont)
        if own:
            n += sum(len(x.lines) for x in own[:-1])
            last = len(own[-1].lines)
            n += min(last, self.foot_spec.min_lines) if split else last
        return n

    def foot(self, extra: list[Note] = (), split: bool = False) -> int:
        if self.foot_spec is None:
            return 0
        return self.foot_spec.slots(self._note_lines(extra, split), self.pitch)

    def capacity(self, extra: list[Note] = (), split: bool = False) -> int:
        """Body slots this page holds, given its floats and its notes (whole, or with the
        last one split: then nothing more goes on the page)."""
        return (self.lines - sum(p.slots for p in self.top) - sum(p.slots for p in self.bottom)
                - self.foot(extra, split))

    @property
    def empty(self) -> bool:
        return not (self.body or self.top or self.bottom or self.cont)

    @property
    def starts_article(self) -> bool:
        """An article's head stands on this page (a figure floated to the top would stand
        above its title)."""
        return any(isinstance(p.item, Band) and any(m.kind == "article" for m in p.item.markers)
                   for p in self.body)

    @property
    def has_figure_below(self) -> bool:
        """A figure already stands in the body or at the foot (a later one may not go on top)."""
        return bool(self.bottom) or any(isinstance(p.item, Figure) for p in self.body)

    # -- the finished frame -----------------------------------------------------------------
    def frame(self) -> tuple[Frame, list]:
        """The frame, and the note lines that continue on the next page."""
        fr = Frame(blank=self.blank)
        slot = 0
        for p in self.top:
            p.slot = slot
            slot += p.slots
        top = slot
        for p in self.body:
            p.slot += top
        carry: list = []
        notes: list[NotePlacement] = []
        if self.foot_spec is not None and (self.cont or self.notes):
            free = self.lines - top - self.used - sum(p.slots for p in self.bottom)
            placed = sum(last - first for _, first, last in self.cont)
            for note, first, last in self.cont:
                notes.append(NotePlacement(note, first, last, 0))
            for k, note in enumerate(self.notes):
                n = len(note.lines)
                if k == len(self.notes) - 1:
                    while n > self.foot_spec.min_lines and \
                            self.foot_spec.slots(placed + n, self.pitch) > free:
                        n -= 1
                notes.append(NotePlacement(note, 0, n, k + 1 if self.foot_spec.per_page
                                           else note.number))
                placed += n
                if n < len(note.lines):
                    carry.append([note, n, len(note.lines)])
            fr.foot = self.foot_spec.slots(placed, self.pitch)
        fr.notes = notes
        slot = self.lines - fr.foot - sum(p.slots for p in self.bottom)
        for p in self.bottom:
            p.slot = slot
            slot += p.slots
        fr.placements = sorted(self.top + self.body + self.bottom, key=lambda p: p.slot)
        return fr, carry
