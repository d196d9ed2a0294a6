"""The typographic report (`typeset check`): what a proofreader of a Chinese journal looks for.

Counts, over the laid-out issue: lines that start or end with a prohibited mark (cjk-rules §1,
must be 0), the loosest and tightest justified line (spacing per gap in em) with page and text,
孤字 (a last line with fewer than the layout's minimum of characters besides punctuation,
§4), 孤行 (a paragraph leaving a single line at the foot or head of a page, §4), headings
stranded at a page foot, and lines wider than the measure — in body text, captions, table
cells and notes alike. For figures, tables and notes it counts where they went (figures set
where they stand, floated to a page's top or foot, on the next page; tables continued; notes
continued) and reports a figure that had to stand more than one page after its reference (no
page could hold it sooner) as a broken rule. It reads the frames the page builder produced,
so what it reports is what was printed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from typeset.layout.compose import line_extent
from typeset.layout.flow import Band, Figure, Run, Table
from typeset.layout.paginate import Frame
from typeset.text import cjk
from typeset.text.paragraph import line_violations
from typeset.text.types import Line

PUNCTUATION = frozenset(cjk.OPENING + cjk.CLOSING + cjk.STOPS + cjk.CONNECTORS + cjk.ELLIPSES
                        + cjk.MIDDOTS + "，。、：；！？,.;:!?\"'()[] \u3000")


@dataclass(frozen=True)
class Finding:
    page: str        # folio (or page label) where it is
    text: str        # the line (or heading) concerned
    detail: str = ""

    def __str__(self) -> str:
        return f"p.{self.page}: {self.detail + ': ' if self.detail else ''}{self.text}"


@dataclass
class Report:
    lines: int = 0
    prohibited: list[Finding] = field(default_factory=list)
    loosest: tuple[float, Finding] | None = None
    tightest: tuple[float, Finding] | None = None
    orphans_chars: list[Finding] = field(default_factory=list)    # 孤字
    orphans_lines: list[Finding] = field(default_factory=list)    # 孤行
    stranded_headings: list[Finding] = field(default_factory=list)
    overflows: list[Finding] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)     # where -> count
    late_figures: list[Finding] = field(default_factory=list)
    tables: int = 0
    tables_continued: int = 0
    notes: int = 0
    notes_continued: int = 0

    @property
    def clean(self) -> bool:
        """No rule of cjk-rules.md is broken (spacing extremes are information only)."""
        return not (self.prohibited or self.orphans_chars or self.orphans_lines
                    or self.stranded_headings or self.overflows or self.late_figures)

    def summary(self) -> str:
        """One line for the end of a build."""
        def v(entry):
            return f"{entry[0]:+.3f}" if entry else "n/a"
        return (f"{len(self.prohibited)} prohibited line edges, {len(self.orphans_chars)} 孤字, "
                f"{len(self.orphans_lines)} 孤行, {len(self.stranded_headings)} stranded headings, "
                f"{len(self.overflows)} overflows; spacing per gap {v(self.tightest)} to "
                f"{v(self.loosest)} em (run `typeset check` for details)")

    def format(self) -> str:
        def spacing(entry):
            if entry is None:
                return "none"
            value, where = entry
            return f"{value:+.3f} em per gap ({where})"
        rows = [
            f"lines checked:            {self.lines}",
            f"prohibited starts/ends:   {len(self.prohibited)}",
            f"loosest line:             {spacing(self.loosest)}",
            f"tightest line:            {spacing(self.tightest)}",
            "  (spacing: width added to (+) or taken from (−) the line's natural width — by "
            "justification, or by compressing punctuation — averaged over its gaps)",
            f"孤字 (lone last chars):   {len(self.orphans_chars)}",
            f"孤行 (lone lines):        {len(self.orphans_lines)}",
            f"stranded headings:        {len(self.stranded_headings)}",
            f"lines over the measure:   {len(self.overflows)}",
            f"figures:                  {sum(self.figures.values())}"
            + (" (" + ", ".join(f"{n} {w}" for w, n in self.figures.items() if n) + ")"
               if self.figures else ""),
            f"figures far from the text: {len(self.late_figures)}",
            f"tables:                   {self.tables} ({self.tables_continued} continued on "
            "the next page)",
            f"notes:                    {self.notes} ({self.notes_continued} continued on the "
            "next page)",
        ]
        for title, items in (("prohibited", self.prohibited), ("孤字", self.orphans_chars),
                             ("孤行", self.orphans_lines), ("stranded", self.stranded_headings),
                             ("overflow", self.overflows), ("figure", self.late_figures)):
            rows += [f"  {title}: {f}" for f in items]
        return "\n".join(rows)


def _chars(line: Line) -> int:
    return sum(1 for g in line.glyphs if g.ch not in PUNCTUATION)


def check_frames(frames: list[Frame], labels: list[str], *, min_last_line: int = 2,
                 strict: bool = True) -> Report:
    rep = Report()
    placed = {"set where it stands": 0, "at a page top": 0, "at a page foot": 0}
    for frame, label in zip(frames, labels):
        body = [p for p in frame.placements if p.region == "body"]
        for np in frame.notes:
            if np.first == 0:
                rep.notes += 1
            if np.last < len(np.note.lines):
                rep.notes_continued += 1
            for j, sl in enumerate(np.note.lines[np.first:np.last]):
                i = np.first + j
                nxt = np.note.lines[i + 1].line if i + 1 < len(np.note.lines) else None
                _check_line(rep, sl.line, sl.x, label, nxt, strict)
        for pl in frame.placements:
            item = pl.item
            if isinstance(item, Figure):
                placed[{"top": "at a page top", "bottom": "at a page foot"}.get(
                    pl.region, "set where it stands")] += 1
                for sl in item.caption:
                    _check_line(rep, sl.line, sl.x, label, None, strict)
                if pl.late:
                    rep.late_figures.append(Finding(
                        label, "".join(sl.line.text for sl in item.caption[:1]),
                        "figure stands more than one page after its reference"))
            elif isinstance(item, Table):
                if pl.first == 0:
                    rep.tables += 1
                    for sl in item.caption:
                        _check_line(rep, sl.line, sl.x, label, None, strict)
                    rows = [item.header] + item.rows
                else:
                    rep.tables_continued += 1
                    rows = item.rows
                for row in (rows[:1] + rows[1 + pl.first:1 + pl.last] if pl.first == 0
                            else rows[pl.first:pl.last]):
                    for cell in row.cells:
                        for j, sl in enumerate(cell):
                            nxt = cell[j + 1].line if j + 1 < len(cell) else None
                            _check_line(rep, sl.line, sl.x, label, nxt, strict)
        for k, pl in enumerate(body):
            item = pl.item
            if isinstance(item, Run):
                n = len(item.lines)
                shown = item.lines[pl.first:pl.last]
                # 孤行 (cjk-rules §4): a single line of a longer paragraph alone on the page.
                if n > 1 and len(shown) == 1 and (pl.first == 0 or pl.last == n):
                    where = "foot" if pl.first == 0 else "head"
                    rep.orphans_lines.append(Finding(label, shown[0].line.text,
                                                     f"single line at the page {where}"))
                for j, sl in enumerate(shown):
                    i = pl.first + j
                    nxt = item.lines[i + 1].line if i + 1 < n else None
                    _check_line(rep, sl.line, sl.x, label, nxt, strict)
                    ln = sl.line
                    if ln.last and n > 1 and _chars(ln) < min_last_line:
                        rep.orphans_chars.append(Finding(label, ln.text, "孤字"))
            elif isinstance(item, Band):
                for part in item.parts:
                    for j, sl in enumerate(part.lines):
                        nxt = part.lines[j + 1].line if j + 1 < len(part.lines) else None
                        _check_line(rep, sl.line, sl.x, label, nxt, strict)
                if item.keep_with_next and k == len(body) - 1 \
                        and item.role != "colophon":
                    text = "".join(sl.line.text for p in item.parts for sl in p.lines[:1])
                    rep.stranded_headings.append(Finding(label, text, f"{item.role} ends the page"))
    rep.figures = placed if any(placed.values()) else {}
    return rep


def _check_line(rep: Report, line: Line, x: float, label: str, nxt: Line | None,
                strict: bool) -> None:
    rep.lines += 1
    problems = [p for p in line_violations(line, strict=strict, next_line=nxt)
                if not p.startswith("孤字")]
    if problems:
        rep.prohibited.append(Finding(label, line.text, "; ".join(problems)))
    if line_extent(line) > line.measure + 0.01:
        rep.overflows.append(Finding(label, line.text,
                                     f"{line_extent(line) - line.measure:.2f} pt over"))
    if not line.last and line.glyphs:
        f = Finding(label, line.text)
        if rep.loosest is None or line.adjust > rep.loosest[0]:
            rep.loosest = (line.adjust, f)
        if rep.tightest is None or line.adjust < rep.tightest[0]:
            rep.tightest = (line.adjust, f)


def check_composition(comp) -> Report:
    """The report for a composed issue (typeset.build.Composition): body and contents."""
    p = comp.layout.paragraph
    body = check_frames(comp.frames, [pg.label for pg in comp.body],
                        min_last_line=p.min_last_line, strict=p.strict)
    return body
