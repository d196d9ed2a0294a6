"""The typography of the laid-out issue (typeset/report/, `check_composition`): prohibited
line edges, spacing extremes, 孤字, 孤行, stranded headings, lines over the measure, where
figures, tables and notes went; each line quoted as its page prints it."""
from __future__ import annotations

from typeset.layout.compose import line_extent
from typeset.layout import notes as notemarks
from typeset.layout.flow import Band, Figure, Run, Table
from typeset.layout.paginate import Frame
from typeset.report.findings import Finding, Report
from typeset.report.makeup import _set_lines, check_makeup
from typeset.text import cjk
from typeset.text.paragraph import line_violations
from typeset.text.types import Line

PUNCTUATION = frozenset(cjk.OPENING + cjk.CLOSING + cjk.STOPS + cjk.CONNECTORS + cjk.ELLIPSES
                        + cjk.MIDDOTS + "，。、：；！？,.;:!?\"'()[] \u3000")


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
