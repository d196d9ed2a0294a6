"""The build pipeline: manifest -> issue -> flow -> frames -> pages -> PDF.

Each stage lives in its own module; this one only wires them together and reports what it
did. Nothing is written until every page is laid out and every character has a glyph.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

from typeset.errors import TypesetError
from typeset.layout.compose import Composer, compose_issue, format_authors
from typeset.layout.marginals import IssueFacts, Marginals
from typeset.layout.page import Anchor, Page
from typeset.layout.paginate import Frame, paginate, place_closing
from typeset.layout.place import Placer, frame_section, frame_starts_article
from typeset.layout.styles import StyleBook
from typeset.layout.toc import contents_items
from typeset.model.layout import Layout, load_layout
from typeset.model.manifest import Issue, load_issue
from typeset.text.fonts import FontLibrary
from typeset.text.parcache import ParagraphCache


def default_output(manifest: Path) -> Path:
    """out/<issue directory name>.pdf, relative to the working directory."""
    return Path("out") / f"{manifest.resolve().parent.name}.pdf"


@dataclass
class Composition:
    """A laid-out issue, before it is written."""
    issue: Issue
    layout: Layout
    book: StyleBook
    contents: list[Page]
    body: list[Page]
    start_pages: dict[str, int] = field(default_factory=dict)   # article key -> folio
    padding: int = 0          # blank pages added for saddle stitching
    frames: list[Frame] = field(default_factory=list)   # the body's frames (for reports)

    @property
    def pages(self) -> list[Page]:
        return self.contents + self.body


def issue_facts(issue: Issue, layout: Layout) -> IssueFacts:
    date = issue.date.isoformat() if isinstance(issue.date, _dt.date) else ""
    return IssueFacts(journal=issue.journal or layout.journal,
                      running_title=layout.running_title,
                      year=issue.year, number=issue.number, date=date)


def check_glyphs(issue: Issue, layout: Layout, book: StyleBook) -> None:
    """Missing glyphs are never silent: every character of the sources is checked against the
    fonts of the style it will be set in, and all gaps are reported with their places."""
    a = layout.article
    found: dict[str, list[str]] = {}

    def check(text: str, style: str, where: str) -> None:
        for ch in book.missing(text, style):
            found.setdefault(ch, []).append(where)

    for section in issue.sections:
        check(section.title, layout.running_heads.style, f"{issue.path}: section '{section.title}'")
        check(section.title, layout.contents.section_block.style, f"{issue.path}")
        for art in section.articles:
            fm, lines = art.front, art.lines

            def at(key: str) -> str:
                return f"{art.path}:{lines[key]}" if key in lines else str(art.path)
            for t in fm.title:
                check(t, a.title.style, at("title"))
                check(t, layout.contents.entry_style, at("title"))
            if fm.subtitle:
                check(fm.subtitle, a.subtitle.style, at("subtitle"))
            if fm.authors:
                check(format_authors(fm.authors, layout), a.authors.style, at("authors"))
            if fm.byline:
                check(fm.byline, a.authors.style, at("byline"))
            if fm.lead:
                check(fm.lead, a.lead.style, at("lead"))
            if fm.note:
                check(fm.note, a.note.style, at("note"))
            for block in art.blocks:
                if block.kind == "heading":
                    style = (a.subhead2 if block.level <= 2 else a.subhead3).style
                else:
                    style = a.body_style
                st = book.style(style)
                for inl in block.inlines:
                    s = (st.bold if inl.bold and st.bold else
                         st.italic if inl.italic and st.italic else style)
                    check(inl.text, s, f"{art.path}:{block.line}")
    for entry in issue.colophon:
        check(entry.label + entry.text, layout.colophon.style, f"{issue.path}:{entry.line}")
    if found:
        rows = [f"  {ch!r} U+{ord(ch):04X} at {', '.join(dict.fromkeys(places))}"
                for ch, places in found.items()]
        raise TypesetError(
            f"{len(found)} character(s) have no glyph in the fonts of their style:\n"
            + "\n".join(rows),
            hint="add a font that has them to the style's font role in the layout "
                 "(fonts: role: [first.otf, fallback.otf]), or correct the text")


def compose(manifest: Path, *, layout_override: str | None = None,
            library: FontLibrary | None = None, use_cache: bool = True) -> Composition:
    issue = load_issue(manifest, layout=layout_override)
    if layout_override:
        layout = load_layout(layout_override)
    else:
        layout = load_layout(issue.layout, relative_to=issue.path.parent,
                             referenced_from=str(issue.path), line=issue.layout_line)
    library = library or FontLibrary()
    book = StyleBook(layout, library)
    check_glyphs(issue, layout, book)
    facts = issue_facts(issue, layout)
    cache = ParagraphCache(str(issue.path.resolve()), book.fingerprint) if use_cache else None
    comp = Composer(layout, book, cache)
    placer = Placer(layout, book)
    marg = Marginals(layout, book, facts)
    tb = layout.textblock

    frames = paginate(compose_issue(issue, comp), tb.lines, tb.line_pitch)
    colophon = comp.colophon(issue)
    if colophon is not None:
        # 报尾 closes the issue (journal-style.md §4)
        place_closing(frames, colophon, tb.lines, tb.line_pitch,
                      at_foot=layout.colophon.position == "bottom")

    def body_pages() -> tuple[list[Page], dict[str, int]]:
        pages: list[Page] = []
        starts: dict[str, int] = {}
        for i, frame in enumerate(frames):
            folio = i + 1
            page = Page(layout.page.width, layout.page.height,
                        kind="blank" if frame.blank else "body", label=str(folio))
            left = placer.block_left(folio)
            placer.place(frame, page, left)
            if not frame.blank:
                # No running head over a page that holds the colophon alone: no section runs there.
                suppress = (layout.article.suppress_running_head and frame_starts_article(frame)
                            or all(p.item is colophon for p in frame.placements))
                marg.apply(page, left, folio, frame_section(frame) or _last_section(frames, i),
                           running_head=not suppress)
            for anchor in page.anchors:
                if anchor.kind == "article":
                    starts[anchor.key] = folio
            pages.append(page)
        return pages, starts

    def contents_pages(starts: dict[str, int]) -> list[Page]:
        toc_frames = paginate(contents_items(issue, comp, starts, facts), tb.lines,
                              tb.line_pitch)
        pages = []
        for i, frame in enumerate(toc_frames):
            label = layout.contents.label + ("" if len(toc_frames) == 1 else str(i + 1))
            page = Page(layout.page.width, layout.page.height, kind="contents", label=label)
            placer.place(frame, page, placer.block_left(None))
            pages.append(page)
        if pages:
            title = layout.contents.heading.replace("\u3000", "").replace(" ", "")
            pages[0].anchors.insert(0, Anchor("contents", title, layout.page.height - tb.top,
                                              "contents", 0))
        return pages

    body, start_pages = body_pages()
    contents = contents_pages(start_pages)
    padding = 0
    if layout.page.saddle_stitch and (len(contents) + len(body)) % 4:
        # Saddle stitching folds sheets of 4 pages: blank pages make the whole issue
        # (contents + body) a multiple of 4 (journal-style.md §5). They stand before the
        # closing page, the colophon's. If the colophon shares the last article's page, it
        # gets a page of its own when that costs no extra sheet; otherwise (and with no
        # colophon) the blanks come last.
        n = len(contents) + len(frames)
        closing = None
        if colophon is not None:
            last = frames[-1]
            if len(last.placements) == 1:
                closing = last
            elif -(n + 1) % 4 < -n % 4:
                last.placements = [p for p in last.placements if p.item is not colophon]
                frames.append(Frame())
                place_closing(frames, colophon, tb.lines, tb.line_pitch,
                              at_foot=layout.colophon.position == "bottom")
                closing = frames[-1]
        padding = -(len(contents) + len(frames)) % 4
        at = frames.index(closing) if closing is not None else len(frames)
        frames[at:at] = [Frame(blank=True) for _ in range(padding)]
        body, start_pages = body_pages()
        contents = contents_pages(start_pages)
    if cache is not None:
        cache.save()
    return Composition(issue, layout, book, contents, body, start_pages, padding, frames)


def _last_section(frames: list[Frame], i: int) -> str | None:
    for j in range(i, -1, -1):
        s = frame_section(frames[j])
        if s:
            return s
    return None


VARIANT_NAMES = {("print", "x4"): "PDF/X-4", ("print", "x1a"): "PDF/X-1a:2003",
                 ("archive", "x4"): "PDF/A-2u", ("archive", "x1a"): "PDF/A-2u"}


@dataclass
class BuildReport:
    output: Path | None
    contents_pages: int
    body_pages: int
    padding: int
    variant: str
    sha256: str = ""
    typography: object = None      # typeset.report.Report

    @property
    def pages(self) -> int:
        return self.contents_pages + self.body_pages


def metadata(comp: Composition):
    from typeset import __version__
    from typeset.issueinfo import Metadata

    facts = issue_facts(comp.issue, comp.layout)
    return Metadata(title=f"{facts.journal} {facts.year}年第{facts.number}期",
                    journal=facts.journal, year=facts.year, number=facts.number,
                    date=comp.issue.date if isinstance(comp.issue.date, _dt.date) else None,
                    producer=f"typeset {__version__}")


def render(comp: Composition, variant: str = "print", pdfx: str = "x4") -> bytes:
    """The finished PDF of a composed issue: print (PDF/X, with bleed and crop marks) or
    archive (PDF/A-2u)."""
    from typeset.render.finish import finish
    from typeset.render.pdf import CropMarks, DocumentInfo, render_pdf

    meta = metadata(comp)
    info = DocumentInfo(title=meta.title, author=meta.journal, subject=meta.title)
    printing = variant == "print"
    pg = comp.layout.page
    marks = CropMarks(pg.crop_mark_length, pg.crop_mark_gap, pg.crop_mark_width)
    raw = render_pdf(comp.pages, comp.book.library, info,
                     bleed=pg.bleed if printing else 0.0, crop_marks=marks if printing else False)
    return finish(raw, variant, meta, pdfx=pdfx)


def write(comp: Composition, out: Path, variant: str = "print", pdfx: str = "x4") -> str:
    """Write the finished PDF atomically (a failure leaves `out` as it was); returns its
    SHA-256."""
    import hashlib

    from typeset.render.pdf import write_atomic

    data = render(comp, variant, pdfx)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, data)
    return hashlib.sha256(data).hexdigest()


def build(manifest: Path, output: Path | None = None, *, layout_override: str | None = None,
          variant: str = "print", pdfx: str = "x4") -> BuildReport:
    from typeset.report import check_composition

    comp = compose(manifest, layout_override=layout_override)
    out = output or default_output(manifest)
    digest = write(comp, out, variant, pdfx)
    return BuildReport(out, len(comp.contents), len(comp.body), comp.padding,
                       VARIANT_NAMES[(variant, pdfx)], digest, check_composition(comp))


def archive(manifest: Path, to: Path, *, layout_override: str | None = None,
            revise: bool = False):
    from typeset.archive import archive_issue

    comp = compose(manifest, layout_override=layout_override)
    return archive_issue(render(comp, "archive"), metadata(comp), to, revise=revise)
