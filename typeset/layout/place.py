"""Frames -> pages: grid slots become coordinates, set lines become text runs, figures
become images, tables their rules and cells, notes the foot of the page.

Slot k of the text block has its top `k x pitch` below the block's top; a line is centred on
its slot's em box (flow.baseline_in_slot), so every body baseline sits on the grid.

- A figure fills whole grid lines: its picture and caption stand at the top of its slots at
  the top of a page, at the bottom of them at the foot of a page, centred among the text;
  the remainder (less than one line) is white space on the side away from the page edge.
- A table part: the caption (first part) or the continuation label, the top rule, the
  header row, the header rule, the rows (each cell's lines centred in its row's slots), the
  bottom rule; rules lie on slot boundaries, so they take no height.
- Footnotes stand at the foot of the text block on their own grid (`notes.line_pitch`): the
  last note line's em box ends on the block's bottom edge, the lines above it every
  `line_pitch`, the rule `rule_gap` above the first; a note continued from the page before
  sits under a rule `continued_rule_length` long (when the layout gives one).
- A reference mark is drawn with the number the page gives it (numbering per page).
"""
from __future__ import annotations

from dataclasses import replace

from typeset.layout import notes as notemarks
from typeset.layout.flow import Band, Figure, Run, SetLine, Table, baseline_in_slot
from typeset.layout.page import Anchor, Image, Link, Page, Rule, TextRun
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
        line = sl.line
        if sl.notes and self._numbers:
            line = self._relabel(sl)
        runs = self.book.runs(line, left + sl.x, baseline, sl.role)
        for text, style, x, width in sl.tail:
            if width:
                runs.append(self.book.spread_run(text, style, left + x, width, baseline, sl.role))
            else:
                runs += self.book.plain_run(text, style, left + x, baseline, sl.role)
        if any(x < sl.x for _, _, x, _ in sl.tail):    # an endnote's number: reading order
            runs.sort(key=lambda r: r.x)
        return runs

    def place(self, frame: Frame, page: Page, left: float) -> None:
        # per-page note numbers: the page's own notes, as the page builder numbered them
        self._numbers = {np.note.key: np.number for np in frame.notes
                         if np.first == 0 and np.number}
        for pl in frame.placements:
            if isinstance(pl.item, Run):
                self._place_run(pl, page, left)
            elif isinstance(pl.item, Figure):
                self._place_figure(pl, page, left)
            elif isinstance(pl.item, Table):
                self._place_table(pl, page, left)
            else:
                self._place_band(pl, page, left)
        if frame.notes:
            self._place_notes(frame, page, left)
        self._numbers = {}

    _numbers: dict[str, int] = {}

    def _relabel(self, sl: SetLine):
        """The line with each reference mark showing the page's number for its note (set
        with the article's number, which is never narrower: notes.py)."""
        ns = self.layout.notes
        glyphs = list(sl.line.glyphs)
        for ref in reversed(sl.notes):
            n = self._numbers.get(ref.note.key)
            if n is None or n == ref.note.number:
                continue
            text = notemarks.mark_text(n, ns, where=_origin(ref.note))
            old = glyphs[ref.start:ref.end]
            x = old[0].x
            new = []
            for ch in text:
                w = self.book.advance(ch, ns.marker_style)
                new.append(old[0]._replace(ch=ch, x=x, width=w))
                x += w
            glyphs[ref.start:ref.end] = new
        return replace(sl.line, glyphs=glyphs)

    # --- figures, tables, notes -------------------------------------------------------------
    def _place_figure(self, pl: Placement, page: Page, left: float) -> None:
        fig: Figure = pl.item
        top = self.slot_top(pl.slot)
        room = pl.slots * self.pitch
        content = fig.content_height()
        if pl.where == "top":
            y = top
        elif pl.where == "bottom":
            y = top - room + content
        else:      # among the text: centred in its lines, its spaces kept
            y = top - fig.before - (room - fig.height_at("here")) / 2
        bottom = y - fig.height
        page.items.append(Image(left + fig.x, bottom, fig.width, fig.height, fig.source,
                                role="figure"))
        y = bottom - fig.gap
        for sl in fig.caption:
            page.items += self.line_runs(sl, left, y - baseline_in_slot(fig.caption_pitch,
                                                                       sl.size))
            y -= fig.caption_pitch

    def _place_table(self, pl: Placement, page: Page, left: float) -> None:
        t: Table = pl.item
        first = pl.first == 0
        x0, x1 = left + t.x, left + t.x + t.width
        top_w, head_w, bottom_w, row_w = t.rules
        y = self.slot_top(pl.slot)
        label = (t.caption if t.caption_above else []) if first else t.continued
        label_h = t.label_slots(self.pitch, first) * self.pitch
        if label:        # the caption (or 续表) sits at the bottom of its lines, by the table
            ly = y - label_h + len(label) * t.caption_pitch
            for sl in label:
                page.items += self.line_runs(sl, left + t.x,
                                             ly - baseline_in_slot(t.caption_pitch, sl.size))
                ly -= t.caption_pitch
        y -= label_h

        def rule(at: float, width: float, role: str) -> None:
            if width > 0:
                page.items.append(Rule(x0, at, x1, at, width, role=role))

        rule(y, top_w, "table-rule")
        y = self._table_row(t, t.header, y, page, left)
        rule(y, head_w, "table-rule")
        for i, row in enumerate(t.rows[pl.first:pl.last]):
            if i:
                rule(y, row_w, "table-rule")
            y = self._table_row(t, row, y, page, left)
        rule(y, bottom_w, "table-rule")
        if first and not t.caption_above and t.caption:
            for sl in t.caption:
                page.items += self.line_runs(sl, left + t.x,
                                             y - baseline_in_slot(t.caption_pitch, sl.size))
                y -= t.caption_pitch

    def _table_row(self, t: Table, row, y: float, page: Page, left: float) -> float:
        """A row's cells, each centred in the row's slots; returns the row's bottom."""
        height = row.slots * self.pitch
        for cell in row.cells:
            cy = y - (height - len(cell) * t.cell_pitch) / 2
            for sl in cell:
                page.items += self.line_runs(sl, left + t.x,
                                             cy - baseline_in_slot(t.cell_pitch, sl.size))
                cy -= t.cell_pitch
        return y - height

    def _place_notes(self, frame: Frame, page: Page, left: float) -> None:
        ns = self.layout.notes
        bottom = self.slot_top(self.layout.textblock.lines)
        count = sum(np.last - np.first for np in frame.notes)
        y = bottom + count * ns.line_pitch                 # top of the first note line
        continued = frame.notes[0].first > 0
        length = ns.continued_rule_length if continued and ns.continued_rule_length \
            else ns.rule_length
        if length > 0 and ns.rule_width > 0:
            ry = y + ns.rule_gap
            page.items.append(Rule(left, ry, left + length, ry, ns.rule_width,
                                   role="footnote-rule"))
        for np in frame.notes:
            for i, sl in enumerate(np.note.lines[np.first:np.last]):
                base = y - baseline_in_slot(ns.line_pitch, sl.size)
                if i == 0 and np.first == 0:
                    page.items += self.book.plain_run(
                        notemarks.number_text(np.number or np.note.number, ns,
                                              where=_origin(np.note)), ns.style,
                        left, base, "footnote")
                page.items += self.line_runs(sl, left, base)
                y -= ns.line_pitch

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


def _origin(note) -> dict | None:
    """Where a note is written (file, line), for a message about its number."""
    return {"file": note.origin[0], "line": note.origin[1]} if note.origin else None


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
