"""Frames -> pages: grid slots become coordinates, set lines become text runs.

Slot k of the text block has its top `k x pitch` below the block's top; a line is centred on
its slot's em box (flow.baseline_in_slot), so every body baseline sits on the grid.
"""
from __future__ import annotations

from typeset.layout.flow import Band, Run, SetLine, baseline_in_slot
from typeset.layout.page import Anchor, Link, Page, Rule, TextRun
from typeset.layout.paginate import Frame, Placement
from typeset.layout.styles import StyleBook
from typeset.model.layout import Layout


class Placer:
    def __init__(self, layout: Layout, book: StyleBook):
        self.layout = layout
        self.book = book
        self.pitch = layout.textblock.line_pitch
        self.width = layout.page.width
        self.height = layout.page.height
        self.top = self.height - layout.textblock.top

    def block_left(self, folio: int | None) -> float:
        """Left edge of the text block; an inner margin mirrors on facing pages."""
        inner = self.layout.textblock.inner
        if inner is None or folio is None:
            return (self.width - self.layout.measure) / 2
        if folio % 2:   # right-hand page: the spine is on the left
            return inner
        return self.width - inner - self.layout.measure

    def slot_top(self, slot: int) -> float:
        return self.top - slot * self.pitch

    def line_runs(self, sl: SetLine, left: float, baseline: float) -> list[TextRun]:
        runs = self.book.runs(sl.line, left + sl.x, baseline, sl.role)
        for text, style, x, width in sl.tail:
            if width:
                runs.append(self.book.spread_run(text, style, left + x, width, baseline, sl.role))
            else:
                runs += self.book.plain_run(text, style, left + x, baseline, sl.role)
        return runs

    def place(self, frame: Frame, page: Page, left: float) -> None:
        for pl in frame.placements:
            if isinstance(pl.item, Run):
                self._place_run(pl, page, left)
            else:
                self._place_band(pl, page, left)

    def _place_run(self, pl: Placement, page: Page, left: float) -> None:
        run: Run = pl.item
        for i, sl in enumerate(run.lines[pl.first:pl.last]):
            top = self.slot_top(pl.slot + i)
            page.items += self.line_runs(sl, left, top - baseline_in_slot(self.pitch, sl.size))
        if pl.first == 0:
            self._markers(run.markers, page, self.slot_top(pl.slot))

    def _place_band(self, pl: Placement, page: Page, left: float) -> None:
        band: Band = pl.item
        slots = band.slots(self.pitch, pl.at_top)
        height = band.height(pl.at_top)
        band_top = self.slot_top(pl.slot)
        y = band_top - (slots * self.pitch - height) / 2     # centre the content in its slots
        content_top = y
        for i, part in enumerate(band.parts):
            if not (pl.at_top and i == 0):
                y -= part.before
            if part.rule is not None:
                page.items.append(Rule(left, y, left + self.layout.measure, y, part.rule,
                                       role=band.role + "-rule"))
                y -= part.rule_gap
            for sl in part.lines:
                page.items += self.line_runs(sl, left, y - baseline_in_slot(part.pitch, sl.size))
                y -= part.pitch
            y -= part.after
        self._markers(band.markers, page, band_top)
        if band.link:
            page.links.append(Link(left, y, left + self.layout.measure, content_top, band.link))

    @staticmethod
    def _markers(markers, page: Page, y: float) -> None:
        for m in markers:
            page.anchors.append(Anchor(m.kind, m.title, y, m.key, m.level))


def frame_section(frame: Frame) -> str | None:
    """The section whose running head the page shows: that of the first article starting on
    the page, else that of the article continuing onto it."""
    for pl in frame.placements:
        for m in getattr(pl.item, "markers", ()):
            if m.kind == "article":
                return m.section
    for pl in frame.placements:
        if pl.item.section:
            return pl.item.section
    return None


def frame_starts_article(frame: Frame) -> bool:
    return any(m.kind == "article" for pl in frame.placements if isinstance(pl.item, Band)
               for m in pl.item.markers)
