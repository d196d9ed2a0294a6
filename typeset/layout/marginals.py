"""Running heads and folios (journal-style.md §3).

Every body page carries a folio; its running head shows the current section with the layout's
decoration on one side and the running title on the other, mirrored on facing pages (verso =
even folio = left-hand page).
"""
from __future__ import annotations

from dataclasses import dataclass

from typeset.layout.page import Page, Rule
from typeset.layout.styles import StyleBook
from typeset.model.layout import Layout


@dataclass(frozen=True)
class IssueFacts:
    """What templates may name: {journal} {running_title} {year} {number} {date}."""
    journal: str
    running_title: str
    year: int
    number: int
    date: str

    def fields(self) -> dict[str, object]:
        return {"journal": self.journal, "running_title": self.running_title,
                "year": self.year, "number": self.number, "date": self.date}


class Marginals:
    def __init__(self, layout: Layout, book: StyleBook, facts: IssueFacts):
        self.layout = layout
        self.book = book
        self.facts = facts
        tb = layout.textblock
        self.top = layout.page.height - tb.top
        self.bottom = self.top - tb.lines * tb.line_pitch

    def apply(self, page: Page, left: float, folio: int, section: str | None,
              running_head: bool = True) -> None:
        rh = self.layout.running_heads
        right = left + self.layout.measure
        values = dict(self.facts.fields(), folio=folio,
                      section=rh.section_format.format(title=section) if section else "")
        if running_head:
            recto = folio % 2 == 1
            left_t = (rh.recto_left if recto else rh.verso_left).format(**values)
            right_t = (rh.recto_right if recto else rh.verso_right).format(**values)
            y = self.top + rh.baseline
            if left_t:
                page.items += self.book.plain_run(left_t, rh.style, left, y, "running-head")
            if right_t:
                w = self.book.width(right_t, rh.style)
                page.items += self.book.plain_run(right_t, rh.style, right - w, y, "running-head")
            if rh.rule:
                ry = self.top + rh.rule_gap
                page.items.append(Rule(left, ry, right, ry, rh.rule_width,
                                       role="running-head-rule"))
        text = rh.folio_format.format(**values)
        w = self.book.width(text, rh.folio_style)
        if rh.folio_position == "bottom-center":
            x, y = (left + right - w) / 2, self.bottom - rh.folio_baseline
        elif rh.folio_position == "top-outside":
            x, y = (right - w if folio % 2 else left), self.top + rh.baseline
        else:  # bottom-outside
            x, y = (right - w if folio % 2 else left), self.bottom - rh.folio_baseline
        page.items += self.book.plain_run(text, rh.folio_style, x, y, "folio")
        page.folio = text
