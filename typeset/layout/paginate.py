"""Flow items -> frames: which item (or which lines of a paragraph) stands on which grid slot
of which page.

The page builder counts grid lines (cjk-rules.md §4 Grid), so every body baseline lands on the
grid and facing pages line up. Rules it enforces:
- 孤行 (cjk-rules §4): a paragraph never leaves only its first line at the foot of a page nor
  only its last line at the head of the next;
- headings keep with at least two lines of what follows; an article head (title block) is
  never the last thing on a page;
- discardable space vanishes at the head and foot of a page;
- page breaks (new page, new right-hand page) as the layout's article start rule asks.
Items are never mutated: a split paragraph is recorded as line ranges.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from typeset.errors import TypesetError
from typeset.layout.flow import Band, FlowItem, PageBreak, Part, Run, Space


@dataclass
class Placement:
    item: Band | Run
    slot: int                 # first grid slot (0 = top line of the text block)
    first: int = 0            # Run: first line placed here
    last: int = 0             # Run: one past the last line placed here
    at_top: bool = False      # Band: placed at the head of the page (space above dropped)


@dataclass
class Frame:
    placements: list[Placement] = field(default_factory=list)
    blank: bool = False       # intentionally empty (before a new right-hand page)

    @property
    def used(self) -> bool:
        return bool(self.placements)


_ROLE_NAMES = {"head": "article head (title, subtitle, authors, lead)", "subhead": "subhead",
               "note": "note", "contents-entry": "contents entry",
               "contents-section": "contents section line", "contents-head": "contents heading",
               "contents-issue": "contents issue line"}


def _need_after(items: list[FlowItem], j: int, pitch: float) -> int:
    """Slots that must follow a keep-with-next item on the same page."""
    if j >= len(items):
        return 0
    item = items[j]
    if isinstance(item, Run):
        return item.first_chunk()
    if isinstance(item, Band):
        s = item.slots(pitch, at_top=False)
        return s + (_need_after(items, j + 1, pitch) if item.keep_with_next else 0)
    return 0


def paginate(items: list[FlowItem], lines_per_page: int, pitch: float,
             *, first_folio: int = 1) -> list[Frame]:
    frames: list[Frame] = [Frame()]
    used = 0

    def new_page() -> None:
        nonlocal used
        frames.append(Frame())
        used = 0

    for idx, item in enumerate(items):
        if isinstance(item, PageBreak):
            if used or frames[-1].used:
                new_page()
            if item.recto and (first_folio + len(frames) - 1) % 2 == 0:
                frames[-1].blank = True
                new_page()
        elif isinstance(item, Space):
            if used == 0:
                continue
            if used + item.slots >= lines_per_page:
                new_page()
            else:
                used += item.slots
        elif isinstance(item, Band):
            if item.role == "separator" and used == 0:
                continue
            slots = item.slots(pitch, at_top=used == 0)
            need = slots + (_need_after(items, idx + 1, pitch) if item.keep_with_next else 0)
            if used and used + min(need, lines_per_page) > lines_per_page:
                new_page()
                slots = item.slots(pitch, at_top=True)
            if item.role == "separator" and used == 0:
                continue
            if slots > lines_per_page:
                file, line = item.origin or (None, None)
                raise TypesetError(
                    f"the {_ROLE_NAMES.get(item.role, item.role + ' block')} needs {slots} "
                    f"lines, more than a page has ({lines_per_page})", file=file, line=line,
                    hint="shorten it, or change the layout's sizes and spacing")
            frames[-1].placements.append(Placement(item, used, at_top=used == 0))
            used += slots
        elif isinstance(item, Run):
            n = len(item.lines)
            pos = 0
            while pos < n:
                room = lines_per_page - used
                left = n - pos
                if left <= room:
                    frames[-1].placements.append(Placement(item, used, pos, n))
                    used += left
                    pos = n
                    break
                k = room
                if left - k < 2:          # 孤行: never one last line alone atop the next page
                    k = left - 2
                if pos == 0 and k < 2:    # 孤行: never one first line alone at a page foot
                    k = 0
                if k <= 0:
                    new_page()
                    continue
                frames[-1].placements.append(Placement(item, used, pos, pos + k))
                pos += k
                new_page()
        if used >= lines_per_page:
            new_page()
    while frames and not frames[-1].used and not frames[-1].blank:
        frames.pop()
    return frames


def place_closing(frames: list[Frame], band: Band, lines_per_page: int, pitch: float, *,
                  at_foot: bool) -> None:
    """Put a closing block (the colophon) after everything else: at the foot of the last page
    (at_foot) or right after its last line, on a page of its own if it does not fit.

    A closing block taller than a whole page starts on a page of its own and continues on the
    next pages, as many lines on each as the text block holds (the rule above it only on the
    first): nothing of it may stand outside the text block."""
    used = 0
    for pl in frames[-1].placements:
        n = pl.last - pl.first if isinstance(pl.item, Run) else pl.item.slots(pitch, pl.at_top)
        used = max(used, pl.slot + n)
    if band.slots(pitch, at_top=True) > lines_per_page:
        if frames[-1].used:
            frames.append(Frame())
        for piece in _split_band(band, lines_per_page, pitch):
            if frames[-1].used:
                frames.append(Frame())
            frames[-1].placements.append(Placement(piece, 0, at_top=True))
        return
    slots = band.slots(pitch, at_top=False)
    if used + slots > lines_per_page:
        frames.append(Frame())
        used = 0
        slots = band.slots(pitch, at_top=True)
    slot = lines_per_page - slots if at_foot else used
    frames[-1].placements.append(Placement(band, slot, at_top=slot == 0))


def _split_band(band: Band, lines_per_page: int, pitch: float) -> list[Band]:
    """A one-part band (the colophon: a rule, then lines) cut into page-high bands."""
    (part,) = band.parts
    pieces: list[Band] = []
    lines = list(part.lines)
    first = True
    while lines:
        k = len(lines)
        while k > 1:
            trial = Part(lines[:k], part.pitch, 0.0, 0.0,
                         rule=part.rule if first else None, rule_gap=part.rule_gap if first else 0.0)
            if Band([trial]).slots(pitch, at_top=True) <= lines_per_page:
                break
            k -= 1
        piece = Part(lines[:k], part.pitch, part.before, 0.0,
                     rule=part.rule if first else None, rule_gap=part.rule_gap if first else 0.0)
        pieces.append(Band([piece], role=band.role, section=band.section))
        lines = lines[k:]
        first = False
    return pieces


def closing_start(frames: list[Frame]) -> int | None:
    """The index of the first page of the closing block (the colophon) when it has its page
    or pages to itself, else None."""
    start = None
    for i in range(len(frames) - 1, -1, -1):
        pls = frames[i].placements
        if pls and all(getattr(p.item, "role", "") == "colophon" for p in pls):
            start = i
        else:
            break
    return start
