"""The typographic report's records (typeset/report/): a `Finding` (a page, a line, what is
wrong), the `Report` of a composed issue with its summary line and its table."""
from __future__ import annotations

from typeset.records import dataclass, field


@dataclass(frozen=True)
class Finding:
    page: str        # folio (or page label) where it is
    text: str        # the line (or heading) concerned
    detail: str = ""

    def __str__(self) -> str:
        if not self.text:
            return f"p.{self.page}: {self.detail}"
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
    outside: list[Finding] = field(default_factory=list)    # drawn beyond the trim box
    overlaps: list[Finding] = field(default_factory=list)   # drawn over another item
    # make-up (issue 9)
    short_lines: list[Finding] = field(default_factory=list)
    notched_ends: list[Finding] = field(default_factory=list)
    short_pages: list[Finding] = field(default_factory=list)
    note_only_pages: list[Finding] = field(default_factory=list)
    empty_pages: list[Finding] = field(default_factory=list)   # nothing but head and folio
    made_up: list[Finding] = field(default_factory=list)    # paragraphs the make-up pass set
    split_words: list[Finding] = field(default_factory=list)
    #: which make-up measures fail the check (the layout's `check` block)
    errors: frozenset[str] = frozenset()
    figures: dict[str, int] = field(default_factory=dict)     # where -> count
    late_figures: list[Finding] = field(default_factory=list)
    tables: int = 0
    tables_continued: int = 0
    notes: int = 0
    notes_continued: int = 0

    @property
    def clean(self) -> bool:
        """No rule of cjk-rules.md is broken, nothing is drawn off the page or over something
        else (spacing extremes are information only), and no make-up measure the layout calls
        an error is found."""
        return not (self.prohibited or self.orphans_chars or self.orphans_lines
                    or self.stranded_headings or self.overflows or self.outside
                    or self.overlaps or self.late_figures or self.empty_pages
                    or any(getattr(self, name) for name in self.errors))

    def summary(self) -> str:
        """One line for the end of a build."""
        def v(entry):
            return f"{entry[0]:+.3f}" if entry else "n/a"
        return (f"{len(self.prohibited)} prohibited line edges, {len(self.orphans_chars)} 孤字, "
                f"{len(self.orphans_lines)} 孤行, {len(self.stranded_headings)} stranded headings, "
                f"{len(self.overflows)} overflows, {len(self.outside)} outside the page, "
                f"{len(self.overlaps)} overlaps; {len(self.short_lines)} short lines, "
                f"{len(self.notched_ends)} notched ends, {len(self.short_pages)} short pages, "
                f"{len(self.note_only_pages)} note-only pages, {len(self.split_words)} words "
                f"split in headings; {len(self.made_up)} paragraphs set a line longer or "
                f"shorter to fill pages; spacing per gap {v(self.tightest)} to "
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
            f"outside the trim box:     {len(self.outside)}",
            f"drawn over each other:    {len(self.overlaps)}",
            f"figures:                  {sum(self.figures.values())}"
            + (" (" + ", ".join(_placed_words(w, n) for w, n in self.figures.items() if n)
               + ")" if self.figures else ""),
            f"figures far from the text: {len(self.late_figures)}",
            f"tables:                   {self.tables} ({self.tables_continued} continued on "
            "the next page)",
            f"notes:                    {self.notes} ({self.notes_continued} continued on the "
            "next page)",
            "page make-up:",
            f"short lines:              {len(self.short_lines)}{self._kind('short_lines')}",
            f"notched line ends:        {len(self.notched_ends)}{self._kind('notched_ends')}",
            f"short pages:              {len(self.short_pages)}{self._kind('short_pages')}",
            f"note-only pages:          {len(self.note_only_pages)}"
            f"{self._kind('note_only_pages')}",
            f"headings split in a word: {len(self.split_words)}",
            f"make-up pass:             {len(self.made_up)} paragraph(s) set a line longer or "
            "shorter to fill pages",
        ]
        if self.empty_pages:              # never made by the page builder: a guard
            rows.append(f"empty pages:              {len(self.empty_pages)}  (an error)")
        for title, items in (("prohibited", self.prohibited), ("孤字", self.orphans_chars),
                             ("孤行", self.orphans_lines), ("stranded", self.stranded_headings),
                             ("overflow", self.overflows), ("outside", self.outside),
                             ("overlap", self.overlaps), ("figure", self.late_figures),
                             ("short line", self.short_lines),
                             ("notched", self.notched_ends), ("short page", self.short_pages),
                             ("note-only page", self.note_only_pages),
                             ("empty page", self.empty_pages),
                             ("split word", self.split_words), ("made up", self.made_up)):
            rows += [f"  {title}: {f}" for f in items]
        return "\n".join(rows)

    def _kind(self, name: str) -> str:
        return "  (an error)" if name in self.errors else "  (reported only)"


def _placed_words(where: str, n: int) -> str:
    """How many figures stood where (`Report.figures`), in words."""
    return {"set where it stands": f"{n} set where it stands",
            "at a page top": f"{n} at a page top",
            "at a page foot": f"{n} at a page foot"}.get(where, f"{n} {where}")
