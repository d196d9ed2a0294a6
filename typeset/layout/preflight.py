"""Before anything is set: every printed character has a glyph, every running head fits.

`check_sources(issue, layout, book)` runs once, after the sources and the layout are loaded
and before any paragraph is broken:

- Glyphs. Every character that will be printed — front matter, body text, section titles,
  the colophon, the journal name, and the text of every layout template (`※ {title} ※`,
  `— {folio} —`, leaders, separators) — is looked up in the fonts of the style it will be
  set in. Only the invisible characters of `typeset.model.chars` are skipped, the same ones
  the run builder never draws, so the check and the renderer cannot disagree. All gaps are
  reported at once; the error stands at the first one's file:line:column.
- Running heads (journal-style.md §3). A section title longer than the layout's
  `running_heads.max_chars` needs a `short_title` in the manifest (the running head shows
  it); a too-long title without one, or a too-long short title, is an error at its manifest
  line. (That the two sides of a running head never meet is checked when each page's head
  is set, `marginals.Marginals.apply`.)
"""
from __future__ import annotations

import string
from typeset.records import dataclass
from pathlib import Path

from typeset.errors import TypesetError
from typeset.layout.compose import format_authors
from typeset.layout.toc import contents_credit
from typeset.layout.styles import StyleBook
from typeset.model.chars import Where, describe, visible_len
from typeset.model.layout import Layout, layout_where, template_literal
from typeset.model.manifest import Issue
from typeset.model.numbers import issue_label

__all__ = ["check_sources", "check_glyphs", "check_running_heads"]


@dataclass(frozen=True)
class _Piece:
    text: str
    style: str
    where: Where


def _fields(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError:
        return set()


def check_sources(issue: Issue, layout: Layout, book: StyleBook) -> None:
    """Running-head lengths, then glyphs (module docstring)."""
    check_running_heads(issue, layout)
    check_glyphs(issue, layout, book)


def check_running_heads(issue: Issue, layout: Layout) -> None:
    rh = layout.running_heads
    if rh.max_chars is None:
        return
    templates = (rh.verso_left, rh.verso_right, rh.recto_left, rh.recto_right)
    if not any("section" in _fields(t) for t in templates):
        return
    for section in issue.sections:
        if section.short_title is not None:
            n = visible_len(section.short_title)
            if n > rh.max_chars:
                raise TypesetError(
                    f"short_title '{section.short_title}' is {n} characters; the running head "
                    f"holds {rh.max_chars} (running_heads.max_chars in {layout.path})",
                    file=issue.path, line=section.short_title_line or section.line,
                    hint=f"shorten it to at most {rh.max_chars} characters")
            continue
        n = visible_len(section.title)
        if n > rh.max_chars:
            raise TypesetError(
                f"section title '{section.title}' is {n} characters, too long for the running "
                f"head ({rh.max_chars}, running_heads.max_chars in {layout.path})",
                file=issue.path, line=section.title_line or section.line,
                hint=f"add a line 'short_title: …' of at most {rh.max_chars} characters to this "
                     "section: the running head shows it, the contents the full title")


def _pieces(issue: Issue, layout: Layout) -> list[_Piece]:
    """Every printed text with its style and where it is written."""
    out: list[_Piece] = []
    a, c, rh, col = layout.article, layout.contents, layout.running_heads, layout.colophon
    manifest = issue.path

    def add(text: str | None, style: str, where: Where) -> None:
        if text:
            out.append(_Piece(text, style, where))

    def lay(text: str, style: str, key: str) -> None:
        """A layout string: the text it prints itself (a template's literal part)."""
        add(template_literal(text), style, layout_where(layout, key))

    journal = issue.journal or layout.journal
    journal_at = (Where(manifest, issue.journal_line) if issue.journal
                  else layout_where(layout, "journal"))
    values = {"journal": (journal, journal_at),
              "running_title": (layout.running_title, layout_where(layout, "running_title")),
              "year": (str(issue.year), Where(manifest)),
              "number": (str(issue.number), Where(manifest, issue.number_line)),
              "date": (issue.date.isoformat() if issue.date else "", Where(manifest)),
              "issue": (issue_label(issue.number, issue.year, layout.numbers),
                        Where(manifest, issue.number_line))}

    def template(text: str, style: str, key: str, extra: dict) -> None:
        lay(text, style, key)
        for name in _fields(text):
            for value, where in ([values[name]] if name in values else extra.get(name, [])):
                add(value, style, where)

    # running heads and folios (journal-style.md §3)
    digits = "0123456789"
    sections = []
    for s in issue.sections:
        sections.append((s.running_title, Where(manifest, s.short_title_line or s.title_line
                                                or s.line)))
    for key in ("verso_left", "verso_right", "recto_left", "recto_right"):
        t = getattr(rh, key)
        if "section" in _fields(t):
            lay(rh.section_format, rh.style, "running_heads.section_format")
            for title, where in sections:
                add(title, rh.style, where)
        template(t, rh.style, f"running_heads.{key}",
                 {"folio": [(digits, layout_where(layout, f"running_heads.{key}"))]})
    template(rh.folio_format, rh.folio_style, "running_heads.folio_format",
             {"folio": [(digits, layout_where(layout, "running_heads.folio_format"))]})

    # contents (journal-style.md §1)
    lay(c.heading, c.heading_block.style, "contents.heading")
    lay(c.heading_block.format, c.heading_block.style, "contents.heading_block.format")
    if c.issue_block is not None:
        template(c.issue_line, c.issue_block.style, "contents.issue_line", {})
        lay(c.issue_block.format, c.issue_block.style, "contents.issue_block.format")
    lay(c.section_block.format, c.section_block.style, "contents.section_block.format")
    for s in issue.sections:
        add(s.title, c.section_block.style, Where(manifest, s.title_line or s.line))
    lay(c.leader, c.entry_style, "contents.leader")
    lay(c.page_format, c.entry_style, "contents.page_format")
    add(digits, c.entry_style, layout_where(layout, "contents.page_format"))
    if any(len(art.front.authors) > 1 for s in issue.sections for art in s.articles):
        lay(c.author_separator, c.entry_style, "contents.author_separator")

    # articles
    for section in issue.sections:
        for art in section.articles:
            fm = art.front

            def at(key: str) -> Where:
                return Where(art.path, art.lines.get(key), None, art.last_lines.get(key))
            lay(a.title.format, a.title.style, "article.title.format")
            for t in fm.title:
                add(t, a.title.style, at("title"))
                add(t, c.entry_style, at("title"))
            if fm.subtitle:
                lay(a.subtitle.format, a.subtitle.style, "article.subtitle.format")
                add(fm.subtitle, a.subtitle.style, at("subtitle"))
                add(fm.subtitle, c.entry_style, at("subtitle"))
            if fm.authors or fm.byline:
                lay(a.authors.format, a.authors.style, "article.authors.format")
                lay(a.author_names.format, a.authors.style, "article.author_names.format")
            if fm.authors:
                if len(fm.authors) > 1:
                    lay(a.author_names.separator, a.authors.style,
                        "article.author_names.separator")
                padded = format_authors(fm.authors, layout)   # 吴　宁: the U+3000 pad too
                add(padded.replace(layout.article.author_names.separator, ""), a.authors.style,
                    at("authors"))
                for name in fm.authors:
                    add(name, c.entry_style, at("authors"))
            if fm.byline:
                add(fm.byline, a.authors.style, at("byline"))
            credit = contents_credit(fm, layout)     # 吴　宁's U+3000, a credited byline
            if credit:
                add(credit.replace(c.author_separator, ""), c.entry_style,
                    at("authors" if fm.authors else "byline"))
            if fm.lead:
                lay(a.lead.format, a.lead.style, "article.lead.format")
                add(fm.lead, a.lead.style, at("lead"))
            if fm.note:
                lay(a.note.format, a.note.style, "article.note.format")
                add(fm.note, a.note.style, at("note"))
            def runs(inlines, style: str, where: Where) -> None:
                st = layout.styles[style]
                for inl in inlines:
                    s = (st.bold if inl.bold and st.bold else
                         st.italic if inl.italic and st.italic else style)
                    add(inl.text, s, where)

            for block in art.blocks:
                where = Where(art.path, block.line, None, block.last_line or block.line)
                if block.kind == "figure" and layout.figure is not None:
                    fs = layout.figure
                    lay(fs.caption_format, fs.caption_style, "figure.caption_format")
                    runs(block.inlines, fs.caption_style, where)
                    if block.figure.credit:
                        lay(fs.credit_format, fs.caption_style, "figure.credit_format")
                        add(block.figure.credit, fs.caption_style,
                            Where(art.path, block.line, None, block.line))
                    continue
                if block.kind == "table" and layout.table is not None:
                    ts = layout.table
                    if block.inlines:
                        lay(ts.caption_format, ts.caption_style, "table.caption_format")
                        runs(block.inlines, ts.caption_style, where)
                    lay(ts.continued_format, ts.caption_style, "table.continued_format")
                    if "caption" in _fields(ts.continued_format):
                        runs(block.inlines, ts.caption_style, where)
                    t = block.table
                    for cell in t.header:
                        runs(cell, ts.header_style, Where(art.path, block.line))
                    for row, line in zip(t.rows, t.row_lines):
                        for cell in row:
                            runs(cell, ts.cell_style, Where(art.path, line))
                    continue
                if block.kind == "heading":
                    style = (a.subhead2 if block.level <= 2 else a.subhead3).style
                else:
                    style = a.body_style
                runs(block.inlines, style, where)
            ns = layout.notes
            if art.notes and ns is not None:
                # marks and numbers: every numeral the article can show, in its style
                from typeset.layout.notes import numeral
                count = len(art.notes)
                shown = "".join(numeral(n, ns) for n in range(1, count + 1)) \
                    if ns.numerals == "circled" and count <= 50 else "0123456789"
                at_marks = layout_where(layout, "notes.marker_format")
                lay(ns.marker_format, ns.marker_style, "notes.marker_format")
                add(shown, ns.marker_style, at_marks)
                lay(ns.note_format, ns.style, "notes.note_format")
                add(shown, ns.style, layout_where(layout, "notes.note_format"))
                if ns.mode == "endnote":
                    block = ns.endnote_block or a.subhead3
                    lay(block.format, block.style, "notes.endnote_block.format")
                    lay(ns.endnote_heading, block.style, "notes.endnote_heading")
                for note in art.notes:
                    for para in note.paragraphs:
                        runs(para, ns.style, Where(art.path, note.line, None, note.last_line))

    # covers, their texts and the barcode's digits; the cover caption in the contents
    cv = layout.cover
    if issue.has_covers and cv is not None:
        extra = {"issn": [(issue.issn, Where(manifest, issue.issn_line))] if issue.issn else [],
                 "cn": [(issue.cn, Where(manifest, issue.cn_line))] if issue.cn else []}
        texts = [(t, f"cover.front.{i}") for i, t in enumerate(cv.front)]
        if issue.pages.back is None:
            texts += [(t, f"cover.back.{i}") for i, t in enumerate(cv.back)]
        for t, key in texts:
            names = _fields(t.text)
            if ("issn" in names and not issue.issn) or ("cn" in names and not issue.cn):
                continue                        # left out: the issue has none
            template(t.text, t.style, f"{key}.text", extra)
        if issue.cover is not None and cv.lines is not None:
            for text, line in zip(issue.cover.lines, issue.cover.line_of_lines):
                add(text, cv.lines.style, Where(manifest, line))
        if issue.issn and cv.barcode is not None and cv.barcode.page != "none":
            add("0123456789", cv.barcode.style, layout_where(layout, "cover.barcode"))
            if cv.barcode.issn_style is not None:
                add(f"ISSN {issue.issn}", cv.barcode.issn_style, Where(manifest, issue.issn_line))
    if issue.cover is not None and issue.cover.caption:
        block = cv.caption_block if cv is not None else None
        style = block.style if block is not None else c.entry_style
        if block is not None:
            lay(block.format, style, "cover.caption_block.format")
        add(issue.cover.caption, style, Where(manifest, issue.cover.caption_line))

    # colophon (journal-style.md §4)
    if issue.colophon:
        lay(col.separator, col.style, "colophon.separator")
    for entry in issue.colophon:
        add(entry.label, col.style, Where(manifest, entry.line))
        add(entry.text, col.style, Where(manifest, entry.line, None, entry.line + 2))
    return out


def check_glyphs(issue: Issue, layout: Layout, book: StyleBook) -> None:
    """Missing glyphs are never silent: every printed character (module docstring) is looked
    up in the fonts of its style, and all gaps are reported with their places."""
    found: dict[tuple[str, str], list[tuple[str, int | None, int | None]]] = {}
    pieces = _pieces(issue, layout)
    # each style's characters asked for at once first: a face read from the face cache checks
    # them against its font in one go (text/fonts.py `_CheckedCmap`), not text by text
    texts: dict[str, list[str]] = {}
    for piece in pieces:
        texts.setdefault(piece.style, []).append(piece.text)
    for style, parts in texts.items():
        if style in book.styles:
            book.missing("".join(parts), style)
    for piece in pieces:
        for ch in book.missing(piece.text, piece.style):
            line, column = piece.where.of(ch)
            file = str(piece.where.file) if piece.where.file is not None else None
            found.setdefault((ch, piece.style), []).append((file, line, column))
    if not found:
        return
    rows = []
    first = None
    for (ch, style), places in found.items():
        places = list(dict.fromkeys(places))
        fonts = ", ".join(Path(f.path).name for f in book.style(style).chain.faces)
        also = first is None
        if also:
            first, shown = places[0], places[1:]
        else:
            shown = places
        row = f"{describe(ch)} in style '{style}' ({fonts})"
        if shown:
            where = ", ".join(_loc(*p) for p in shown[:3])
            if len(shown) > 3:
                where = f"{where} and {len(shown) - 3} more"
            row = f"{row} also at {where}" if also else f"{row} at {where}"
        rows.append(row)
    message = f"no glyph for {rows[0]}"
    if len(rows) > 1:
        # each line a message of its own (typeset.i18n translates printed lines)
        tail = f"{len(rows) - 1} more character(s) have none:"
        message = f"{message}; {tail}\n" + "\n".join(f"  {r}" for r in rows[1:12]) + (
            "\n  …" if len(rows) > 12 else "")
    raise TypesetError(message, file=first[0], line=first[1], column=first[2],
                       hint="add a font that has it to the style's font role in the layout "
                            "(fonts: role: [first.otf, fallback.otf]), or correct the text")


def _loc(file: str | None, line: int | None, column: int | None) -> str:
    loc = file or "?"
    if line is not None:
        loc += f":{line}"
        if column is not None:
            loc += f":{column}"
    return loc
