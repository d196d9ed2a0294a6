"""The closing block (the colophon) after everything else of the body (layout/paginate.py):
at the foot of the last page or right after its last line; a block taller than a page in
page-high pieces."""
from __future__ import annotations

import math

from typeset.layout.flow import Band, Part
from typeset.layout.frames import Frame, Placement


def place_closing(frames: list[Frame], band: Band, lines_per_page: int, pitch: float, *,
                  at_foot: bool) -> None:
    """Put a closing block (the colophon) after everything else: at the foot of the last page
    (at_foot, above its footnotes and foot figures) or right after its last line, on a page of
    its own if it does not fit.

    A closing block taller than a whole page starts on a page of its own and continues on the
    next pages, as many lines on each as the text block holds (the rule above it only on the
    first): nothing of it may stand outside the text block."""
    last = frames[-1]
    used = max((pl.slot + pl.slots for pl in last.placements if pl.region != "bottom"),
               default=0)
    limit = lines_per_page - last.foot - sum(pl.slots for pl in last.placements
                                             if pl.region == "bottom")
    if band.slots(pitch, at_top=True) > lines_per_page:
        if frames[-1].used:
            frames.append(Frame())
        for piece in _split_band(band, lines_per_page, pitch):
            if frames[-1].used:
                frames.append(Frame())
            frames[-1].placements.append(Placement(piece, 0, at_top=True,
                                                   slots=piece.slots(pitch, True)))
        return
    slots = band.slots(pitch, at_top=False)
    if used + slots > limit:
        frames.append(Frame())
        used, limit = 0, lines_per_page
        slots = band.slots(pitch, at_top=True)
    slot = limit - slots if at_foot else used
    frames[-1].placements.append(Placement(band, slot, at_top=slot == 0, slots=slots))


def _split_band(band: Band, lines_per_page: int, pitch: float) -> list[Band]:
    """A one-part band (the colophon: a rule, then lines) cut into page-high bands.

    Linear in the lines: each piece's line count comes from its height (the rule gap, then
    one part pitch per line, cjk-rules §4 Grid), checked once against `Band.slots`; every
    piece holds at least one line."""
    (part,) = band.parts
    pieces: list[Band] = []
    lines = part.lines
    n, i = len(lines), 0
    while i < n:
        first = i == 0
        rule = part.rule if first else None
        gap = part.rule_gap if first and part.rule is not None else 0.0

        def trial(k: int) -> Band:
            return Band([Part(lines[i:i + k], part.pitch, 0.0, 0.0, rule=rule,
                              rule_gap=part.rule_gap if first else 0.0)])
        room = lines_per_page * pitch - gap + 1e-6 * pitch
        k = min(n - i, max(1, math.floor(room / part.pitch))) if part.pitch > 0 else n - i
        while k > 1 and trial(k).slots(pitch, at_top=True) > lines_per_page:
            k -= 1                       # rounding: at most a step or two
        piece = Part(lines[i:i + k], part.pitch, part.before, 0.0, rule=rule,
                     rule_gap=part.rule_gap if first else 0.0)
        pieces.append(Band([piece], role=band.role, section=band.section))
        i += k
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
