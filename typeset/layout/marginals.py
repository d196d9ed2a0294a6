"""Running heads and folios (journal-style.md §3).

Every body page carries a folio; its running head shows the current section with the layout's
decoration on one side and the running title on the other, mirrored on facing pages (verso =
even folio = left-hand page). A section with a `short_title` shows it instead of its title
(running_heads.max_chars, checked in preflight.py). The two sides of a running head never
meet: when they would come closer than one em of the running head's size, or one side alone
is wider than the text block, setting the page is an error at the section's manifest line.
"""
from __future__ import annotations

from typeset.records import dataclass

from typeset.errors import TypesetError
from typeset.layout.page import Page, Rule
from typeset.layout.styles import StyleBook
from typeset.model.layout import Layout
from typeset.model.manifest import Issue, Section


@dataclass(frozen=True)
class IssueFacts:
    """What templates may name: {journal} {running_title} {year} {number} {date} {issue}
    ({number} as printed: 2, 5-6, 增刊; {issue} the whole label, 2024年第5-6期)."""
    journal: str
    running_title: str
    year: int
    number: object          # model.numbers.IssueNumber (str() is the number as printed)
    date: str
    issue: str = ""

    def fields(self) -> dict[str, object]:
        return {"journal": self.journal, "running_title": self.running_title,
                "year": self.year, "number": str(self.number), "date": self.date,
                "issue": self.issue}


class Marginals:
    def __init__(self, layout: Layout, book: StyleBook, facts: IssueFacts,
                 issue: Issue | None = None):
        self.layout = layout
        self.book = book
        self.facts = facts
        self.issue = issue
        self.sections: dict[str, Section] = {}
        for s in (issue.sections if issue is not None else ()):
            self.sections.setdefault(s.title, s)
        tb = layout.textblock
        self.top = layout.page.height - tb.top
        self.bottom = self.top - tb.lines * tb.line_pitch

    def apply(self, page: Page, left: float, folio: int, section: str | None,
              running_head: bool = True) -> None:
        rh = self.layout.running_heads
        right = left + self.layout.measure
        src = self.sections.get(section) if section else None
        shown = src.running_title if src is not None else section
        values = dict(self.facts.fields(), folio=folio,
                      section=rh.section_format.format(title=shown) if shown else "")
        if running_head:
            recto = folio % 2 == 1
            left_t = (rh.recto_left if recto else rh.verso_left).format(**values)
            right_t = (rh.recto_right if recto else rh.verso_right).format(**values)
            self._check_fit(left_t, right_t, folio, src)
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

    def _check_fit(self, left: str, right: str, folio: int, section: Section | None) -> None:
        """The two sides of a running head keep at least one em apart, and each fits the
        text block (everything drawn stays inside the trim box, nothing overlaps)."""
        rh = self.layout.running_heads
        measure = self.layout.measure
        wl = self.book.width(left, rh.style) if left else 0.0
        wr = self.book.width(right, rh.style) if right else 0.0
        em = self.book.em(rh.style)
        gap = measure - wl - wr
        if max(wl, wr) <= measure and (not left or not right or gap >= em):
            return
        if left and right:
            problem = (f"the running head of page {folio} does not fit: '{left}' and "
                       f"'{right}' need {wl + wr + em - measure:.1f} pt more than the text "
                       f"block's {measure:.1f} pt (with one em between them)")
        else:
            problem = (f"the running head of page {folio} ('{left or right}') is wider than "
                       f"the text block ({max(wl, wr):.1f} pt > {measure:.1f} pt)")
        if section is not None and self.issue is not None:
            raise TypesetError(problem, file=self.issue.path,
                               line=section.short_title_line or section.title_line
                               or section.line,
                               hint="give this section a shorter 'short_title:' (the running "
                                    "head shows it), or set running_heads.max_chars in the "
                                    "layout so such titles are caught when the issue loads")
        raise TypesetError(problem, file=self.layout.path or None,
                           hint="shorten the running head templates (running_heads.verso_left "
                                "… recto_right) or the running title")
