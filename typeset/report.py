"""The typographic report (`typeset check`): what a proofreader of a Chinese journal looks for.

Counts, over the laid-out issue: lines that start or end with a prohibited mark (cjk-rules §1,
must be 0), the loosest and tightest justified line (spacing per gap in em) with page and text,
孤字 (a last line with fewer than the layout's minimum of characters besides punctuation,
§4), 孤行 (a paragraph leaving a single line at the foot or head of a page, §4), headings
stranded at a page foot, and lines wider than the measure — in body text, captions, table
cells and notes alike. For figures, tables and notes it counts where they went (figures set
where they stand, floated to a page's top or foot, on the next page; tables continued; notes
continued) and reports a figure that had to stand more than one page after its reference (no
page could hold it sooner) as a broken rule. It reads the frames the page
builder produced, so what it reports is what was printed.

Make-up (issue 9, `check_makeup`): short lines (a justified paragraph's line, not its last,
ending `check.short_line` em or more short of the measure), notched line ends (a justified
line ending in a mark whose blank half is still there), short pages (a page the text runs on
from that ends a grid line or more short, with the cause and why the make-up pass could not
fill it), pages holding only an article's end note, and headings or contents entries broken
inside a word (by the segmenter, text/words.py). The layout's `check` block says which of the
first four fail the check. Also listed: the paragraphs the make-up pass (layout/makeup.py)
set a line longer or shorter to fill a page. A body page with nothing on it (not one left
blank before a right-hand page) is always an error: the page builder never makes one.
"""
from __future__ import annotations

from typeset.records import dataclass, field

from typeset.layout.compose import line_extent
from typeset.layout import notes as notemarks
from typeset.layout.flow import Band, Figure, Run, Table
from typeset.layout.makeup import room as page_room
from typeset.layout.paginate import Frame, Placement
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
        loosest = rep.loosest is None or line.adjust > rep.loosest[0]
        tightest = rep.tightest is None or line.adjust < rep.tightest[0]
        if loosest or tightest:                  # (a Finding only for a new extreme)
            f = Finding(label, line.text)
            if loosest:
                rep.loosest = (line.adjust, f)
            if tightest:
                rep.tightest = (line.adjust, f)


def check_composition(comp) -> Report:
    """The report for a composed issue (typeset.build.Composition): the typography of the
    body's frames, and where every item of every page (contents included) was drawn."""
    from typeset.pagecheck import check_composition_pages

    p = comp.layout.paragraph
    body = check_frames(comp.frames, [pg.label for pg in comp.body],
                        min_last_line=p.min_last_line, strict=p.strict)
    outside, overlapping = check_composition_pages(comp)
    body.outside = [Finding(page, "", detail) for page, detail in outside]
    body.overlaps = [Finding(page, "", detail) for page, detail in overlapping]
    check_makeup(body, comp)
    _as_printed(body, comp.frames, [pg.label for pg in comp.body], comp.layout.notes)
    return body


def _as_printed(rep: Report, frames: list[Frame], labels: list[str], ns) -> None:
    """Quote each line as its page prints it: with `numbering: page` a reference mark is set
    with the article's number and drawn with the page's (notes.py, place.py), and a quote
    must be found on the page by its text."""
    if ns is None or ns.numbering != "page":
        return
    printed: dict[tuple[str, str], str] = {}
    for frame, label in zip(frames, labels):
        numbers = {np.note.key: np.number for np in frame.notes if np.first == 0 and np.number}
        if not numbers:
            continue
        lines = [sl for sl, _ in _set_lines(frame)]
        for pl in frame.placements:
            if isinstance(pl.item, Table):
                lines += [sl for row in [pl.item.header] + pl.item.rows
                          for cell in row.cells for sl in cell]
        for sl in lines:
            if sl.notes:
                printed[label, sl.line.text] = notemarks.printed_text(sl, numbers, ns)
    if not printed:
        return

    after = dict(zip(labels, labels[1:]))       # a short page quotes the next page's start

    def fix(f: Finding) -> Finding:
        text = printed.get((f.page, f.text)) or printed.get((after.get(f.page), f.text))
        return f if text is None else Finding(f.page, text, f.detail)
    for name, value in vars(rep).items():
        if isinstance(value, list) and value and isinstance(value[0], Finding):
            setattr(rep, name, [fix(f) for f in value])
        elif isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], Finding):
            setattr(rep, name, (value[0], fix(value[1])))


# -- make-up (issue 9) -------------------------------------------------------------------------

#: roles of justified paragraphs (their lines but the last must reach the measure)
JUSTIFIED_ROLES = frozenset({"body", "lead", "note", "colophon"})
#: roles of headings and contents lines, which break only between words
HEADING_ROLES = frozenset({"title", "subtitle", "byline", "subhead2", "subhead3",
                           "contents-head", "contents-issue", "contents-section",
                           "contents-entry"})
_WHAT = {"head": "the article head (title, subtitle, byline)", "subhead": "a subhead",
         "note": "the end note", "colophon": "the colophon", "separator": "the rule between "
         "articles", "contents-entry": "a contents entry", "contents-section": "a section line"}


def check_makeup(rep: Report, comp) -> None:
    """Add the make-up measures of a composed issue to `rep` (module doc)."""
    layout = comp.layout
    chk = layout.check
    rep.errors = frozenset(name for name in ("short_lines", "notched_ends", "short_pages",
                                             "note_only_pages")
                           if getattr(chk, name) == "error")
    labels = [pg.label for pg in comp.body]
    for frame, label in zip(comp.frames, labels):
        for sl, _ in _set_lines(frame):
            if sl.role in JUSTIFIED_ROLES:
                _line_edges(rep, sl, label, chk.short_line)
    _pages(rep, comp.frames, labels, layout)
    _made_up(rep, comp.frames, labels, comp.book.advance)
    for frames, labels_ in ((comp.frames, labels),
                            (getattr(comp, "contents_frames", []),
                             [pg.label for pg in comp.contents])):
        for frame, label in zip(frames, labels_):
            _split_words(rep, frame, label)


def _set_lines(frame: Frame):
    """(set line, the lines of its part or paragraph) of every line on a page."""
    for pl in frame.placements:
        item = pl.item
        if isinstance(item, Run):
            for sl in item.lines[pl.first:pl.last]:
                yield sl, item.lines
        elif isinstance(item, Band):
            for part in item.parts:
                for sl in part.lines:
                    yield sl, part.lines


def _line_edges(rep: Report, sl, label: str, threshold: float) -> None:
    """A justified line (not a paragraph's last) ends flush: not short, not notched."""
    ln = sl.line
    if ln.last or len(ln.glyphs) < 2:
        return
    em = sl.size
    end = line_extent(ln)
    short = (ln.measure - end) / em
    if short >= threshold - 1e-9:
        rep.short_lines.append(Finding(label, ln.text, f"{short:.2f} em short"))
        return
    g = ln.glyphs[-1]
    # a closing mark or 点号 has its ink in its left half: a blank right half left at the
    # line end shows as a notch in the right edge (cjk-rules §2)
    if cjk.char_class(g.ch) in (cjk.CLOSE, cjk.STOP) and g.width > 0.5 * em + 0.01:
        rep.notched_ends.append(Finding(label, ln.text,
                                        f"{g.ch} leaves {(g.width / em - 0.5):.2f} em blank"))


def _first_text(pl: Placement) -> str:
    item = pl.item
    if isinstance(item, Run):
        return item.lines[pl.first].line.text if item.lines else ""
    if isinstance(item, (Figure, Table)):       # its caption, or what it is
        caption = "".join(sl.line.text for sl in item.caption)
        return caption or ("a figure" if isinstance(item, Figure) else "a table")
    return next((sl.line.text for part in item.parts for sl in part.lines), "")


def _pages(rep: Report, frames: list[Frame], labels: list[str], layout) -> None:
    """Short pages (with their cause) and pages holding only an end note."""
    lpp, pitch = layout.textblock.lines, layout.textblock.line_pitch
    new_page = layout.article.start != "continue"
    for i, frame in enumerate(frames):
        if not (frame.blank or frame.used):   # the page builder never leaves one (a guard)
            rep.empty_pages.append(Finding(labels[i], "", "nothing stands on this page but "
                                           "its running head and folio"))
        if frame.blank or not frame.used:
            continue
        roles = {getattr(pl.item, "role", "") for pl in frame.placements}
        if roles == {"note"}:
            rep.note_only_pages.append(Finding(labels[i], _first_text(frame.placements[0]),
                                               "the end note stands alone"))
        if i + 1 >= len(frames):
            continue
        nxt = frames[i + 1]
        if nxt.blank or not nxt.used:
            continue                     # a page break to a right-hand page, saddle blanks
        if not nxt.placements:
            continue                     # a footnote's continuation alone: the text has ended
        first = nxt.placements[0]
        item = first.item
        if item.role == "colophon" or (new_page and isinstance(item, Band)
                                       and item.role == "head"):
            continue                     # an article's (or the body's) last page
        room = page_room(frame, lpp, pitch)
        if room <= 0:
            continue
        last = frame.placements[-1].item if frame.placements else None
        if isinstance(item, Run) and item.keep_last and \
                any(getattr(pl.item, "role", "") == "note" for pl in nxt.placements):
            cause = ("the end note keeps the last lines of the text before it on its page "
                     "(makeup.note_lines)")
        elif isinstance(item, Run) and first.first > 0 and item is last:
            cause = ("孤行: the paragraph's last line may not stand alone at the head of the "
                     "next page")
        elif isinstance(item, Run) and first.first == 0:
            n = len(item.lines)
            if n <= 3 and room < n:
                cause = f"孤行: a paragraph of {n} lines is not split"
            elif room == 1:
                cause = "孤行: a paragraph's first line may not stand alone at the foot"
            else:
                cause = f"space before {_WHAT.get(item.role, 'the next paragraph')}"
        elif isinstance(item, Band) and item.keep_with_next:
            cause = f"{_WHAT.get(item.role, item.role)} kept with the lines after it"
        elif isinstance(item, Band):
            cause = (f"{_WHAT.get(item.role, item.role)} ({item.slots(pitch, False)} lines) "
                     f"does not fit in the {room} left")
        elif isinstance(item, Figure):
            cause = "a figure too tall for the room left"
        elif isinstance(item, Table):
            cause = "a table whose first rows do not fit in the room left"
        else:
            cause = "the next item does not fit"
        if frame.unfilled:
            cause += f" (make-up: {frame.unfilled})"
        rep.short_pages.append(Finding(labels[i], _first_text(first),
                                       f"{room} line{'s' if room > 1 else ''} short: {cause}; "
                                       f"next page starts"))


def character_spacing(sl, advance) -> float:
    """The spacing justification added between two Han characters of a set line, em (字距;
    the same between every pair of a line): what `makeup.max_spread` limits. `advance(ch,
    style)` is the font's advance."""
    gl = sl.line.glyphs
    return max(((g.width - advance(g.ch, g.style)) / sl.size for g, h in zip(gl, gl[1:])
                if cjk.char_class(g.ch) == cjk.HAN and cjk.char_class(h.ch) == cjk.HAN),
               default=0.0)


def _made_up(rep: Report, frames: list[Frame], labels: list[str], advance) -> None:
    """The paragraphs the make-up pass (layout/makeup.py) set a line longer or shorter, on
    the page where each starts, with its first line: how loose (spacing between
    characters) or tight (squeeze per gap) its loosest or tightest line is."""
    for frame, label in zip(frames, labels):
        for pl in frame.placements:
            item = pl.item
            if isinstance(item, Run) and item.makeup and pl.first == 0:
                body = [sl for sl in item.lines if not sl.line.last]
                if item.makeup > 0:
                    most = max((character_spacing(sl, advance) for sl in body), default=0.0)
                    how = f"set a line longer, up to {most:.3f} em between characters"
                else:
                    most = max((-sl.line.adjust for sl in body), default=0.0)
                    how = f"set a line shorter, squeezed up to {most:.3f} em per gap"
                rep.made_up.append(Finding(label, item.lines[0].line.text, how))


def _split_words(rep: Report, frame: Frame, label: str) -> None:
    """Headings and contents lines broken inside a word (text/words.py): a break between two
    lines of one heading that is not at a space and not at a word boundary."""
    from typeset.text.words import boundaries

    for pl in frame.placements:
        if not isinstance(pl.item, Band):
            continue
        for part in pl.item.parts:
            group: list = []
            for sl in part.lines + [None]:
                if sl is not None and sl.role in HEADING_ROLES and sl.line.glyphs and group \
                        and sl.line.start > 0 and sl.line.start >= group[-1].line.end:
                    group.append(sl)
                    continue
                if len(group) > 1:
                    _check_group(rep, group, label, boundaries)
                group = [sl] if sl is not None and sl.role in HEADING_ROLES \
                    and sl.line.glyphs else []


def _check_group(rep: Report, group: list, label: str, boundaries) -> None:
    text = ""
    cuts: list[int] = []
    for i, sl in enumerate(group):
        if i:
            gap = sl.line.start - group[i - 1].line.end
            if gap:
                text += " " * gap        # a space dropped at the break: always a boundary
                cuts.append(-1)
            else:
                cuts.append(len(text))
        text += sl.line.text
    bounds = set(boundaries(text))
    for i, cut in enumerate(cuts):
        if cut >= 0 and cut not in bounds:
            a, b = group[i].line.text, group[i + 1].line.text
            rep.split_words.append(Finding(label, f"{a} / {b}", "broken inside a word"))


# ---------------------------------------------------------------------------------------------
# Pictures: effective resolution at the printed size (issue 10 part 3)

@dataclass(frozen=True)
class PlacedPicture:
    """A picture as placed on a page, with its effective resolution."""
    source: str      # the picture's path as shown (relative to the folder when inside)
    page: str        # folio as printed (else the page label, else the page's number)
    ppi: float       # pixels over the placed size, per axis, the lower
    role: str = "figure"

    def __str__(self) -> str:
        return f"{self.source} on page {self.page}: {self.ppi:.0f} ppi"


@dataclass
class PictureReport:
    placed: list[PlacedPicture] = field(default_factory=list)
    min_ppi: float = 300.0
    error: bool = False        # under-resolution is an error (figure.min_ppi_error)

    @property
    def low(self) -> list[PlacedPicture]:
        return [p for p in self.placed if p.ppi < self.min_ppi - 0.05]

    @property
    def clean(self) -> bool:
        return not (self.error and self.low)

    def lines(self) -> list[str]:
        """One line per picture under the minimum (empty: nothing to say)."""
        kind = "error" if self.error else "warning"
        return [f"{kind}: picture {p}, under the {self.min_ppi:g} ppi the layout asks for "
                f"(figure.min_ppi)" for p in self.low]

    def format(self) -> str:
        rows = [f"pictures placed:          {len(self.placed)}",
                f"under {self.min_ppi:g} ppi:            {len(self.low)}"]
        rows += [f"  {p}" for p in self.low]
        return "\n".join(rows)

    def failure(self):
        """The TypesetError a build raises when under-resolution is an error, else None."""
        if self.clean:
            return None
        from typeset.errors import TypesetError
        n = len(self.low)
        return TypesetError(
            f"{n} picture{'s are' if n != 1 else ' is'} under the layout's minimum of "
            f"{self.min_ppi:g} ppi at the printed size (figure.min_ppi); nothing was written:\n"
            + "\n".join(f"  {p}" for p in self.low),
            hint="use a picture with more pixels or print it smaller; or set "
                 "figure.min_ppi_error: false in the layout to be warned only")


def picture_report(pages, layout, base: str | None = None, *, print_variant: bool = True
                   ) -> PictureReport:
    """The effective resolution of every picture placed on `pages` (layout.page.Image), at
    its placed size, against the layout's figure.min_ppi (an error only for print, when
    figure.min_ppi_error says so). `base`: the issue's folder (paths are shown relative to
    it). Reads each picture's header once (model/picture.py)."""
    import os

    from typeset.layout.page import Image
    from typeset.model.picture import probe

    fig = layout.figure          # None: the layout places no figures (covers, inserts may)
    rep = PictureReport(min_ppi=float(fig.min_ppi) if fig is not None else 300.0,
                        error=bool(fig is not None and fig.min_ppi_error) and print_variant)
    infos: dict[str, object] = {}
    for i, page in enumerate(pages):
        for item in page.items:
            if not isinstance(item, Image):
                continue
            info = infos.get(item.source)
            if info is None:
                info = infos[item.source] = probe(item.source)
            try:
                rel = os.path.relpath(item.source, base)
                shown = item.source if rel.startswith("..") else rel
            except ValueError:
                shown = item.source
            rep.placed.append(PlacedPicture(shown, page.folio or page.label or str(i + 1),
                                            info.effective_ppi(item.width, item.height),
                                            item.role))
    return rep


# ---------------------------------------------------------------------------------------------
# The report made a stretch at a time (typeset/stream.py)

class ReportTally:
    """`check_composition` made a stretch of body pages at a time (`add`, in order) and
    finished with the contents and the page check (`finish`): the same report, counts and
    findings in the same order, for a build that holds one stretch of the issue at a time.
    Each of the report's lists is filled page by page, so a stretch's findings follow those
    of the stretches before it; what one page's finding looks at beyond it — whether the
    page after a page ends short is its article's next (`_pages`) — is kept for the last
    page of each stretch until the next stretch is set (`_tail`: that page's frame)."""

    def __init__(self, comp_layout, advance):
        self.layout = comp_layout
        self.advance = advance
        self.rep = Report()
        self.placed = {"set where it stands": 0, "at a page top": 0, "at a page foot": 0}
        self._tail: tuple[Frame, str] | None = None

    def add(self, frames: list[Frame], labels: list[str]) -> None:
        """The report of these body pages (the next of the issue), added."""
        if not frames:
            return
        p, chk, layout = self.layout.paragraph, self.layout.check, self.layout
        part = check_frames(frames, labels, min_last_line=p.min_last_line, strict=p.strict)
        for frame, label in zip(frames, labels):
            for sl, _ in _set_lines(frame):
                if sl.role in JUSTIFIED_ROLES:
                    _line_edges(part, sl, label, chk.short_line)
        rep = self.rep
        if self._tail is not None:          # the last page of the stretch before
            edge = Report()
            _pages(edge, [self._tail[0], frames[0]], [self._tail[1], labels[0]], layout)
            rep.short_pages += edge.short_pages
        _pages(part, frames, labels, layout)
        _made_up(part, frames, labels, self.advance)
        for frame, label in zip(frames, labels):
            _split_words(part, frame, label)
        self._tail = (frames[-1], labels[-1])
        self._join(part)

    def _join(self, part: Report) -> None:
        rep = self.rep
        rep.lines += part.lines
        for name in ("prohibited", "orphans_chars", "orphans_lines", "stranded_headings",
                     "overflows", "short_lines", "notched_ends", "short_pages",
                     "note_only_pages", "made_up", "split_words", "late_figures"):
            getattr(rep, name).extend(getattr(part, name))
        if part.loosest is not None and (rep.loosest is None
                                         or part.loosest[0] > rep.loosest[0]):
            rep.loosest = part.loosest
        if part.tightest is not None and (rep.tightest is None
                                          or part.tightest[0] < rep.tightest[0]):
            rep.tightest = part.tightest
        for where, n in part.figures.items():
            self.placed[where] += n
        rep.tables += part.tables
        rep.tables_continued += part.tables_continued
        rep.notes += part.notes
        rep.notes_continued += part.notes_continued

    def finish(self, contents_frames: list[Frame], contents_labels: list[str],
               outside: list[tuple[str, str]], overlapping: list[tuple[str, str]]) -> Report:
        """The report: the body's, with the contents' split words, the page check's findings
        (`check_composition_pages` of every page, in reading order) and the layout's errors."""
        rep = self.rep
        self._tail = None
        rep.figures = self.placed if any(self.placed.values()) else {}
        rep.outside = [Finding(page, "", detail) for page, detail in outside]
        rep.overlaps = [Finding(page, "", detail) for page, detail in overlapping]
        chk = self.layout.check
        rep.errors = frozenset(name for name in ("short_lines", "notched_ends", "short_pages",
                                                 "note_only_pages")
                               if getattr(chk, name) == "error")
        for frame, label in zip(contents_frames, contents_labels):
            _split_words(rep, frame, label)
        return rep
