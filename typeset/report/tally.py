"""The report made a stretch at a time (typeset/report/, for typeset/stream.py)."""
from __future__ import annotations

from typeset.layout.paginate import Frame
from typeset.report.findings import Finding, Report
from typeset.report.makeup import (JUSTIFIED_ROLES, _line_edges, _made_up, _pages,
                                   _set_lines, _split_words)
from typeset.report.typography import check_frames


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
