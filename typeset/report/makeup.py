"""The make-up measures of the report (typeset/report/, issue 9, `check_makeup`): short
lines, notched line ends, short pages with their cause, note-only and empty pages, the
paragraphs the make-up pass set a line longer or shorter, headings broken inside a word."""
from __future__ import annotations

from typeset.layout.compose import line_extent
from typeset.layout.flow import Band, Figure, Run, Table
from typeset.layout.makeup import room as page_room
from typeset.layout.paginate import Frame, Placement
from typeset.report.findings import Finding, Report
from typeset.text import cjk

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
