"""A one-shot build a stretch at a time (issue 13 part 5: memory stays bounded).

A build of a large issue whose layout starts every article on a new page
(`article.start: new_page` or `new_recto`, as guangxi does) holds one stretch of the issue
at a time — the articles between two of those page starts (layout/issue.py `Stretches`) —
instead of the whole composition, and writes the same bytes as the whole-issue build
(build.py `_build`). The contents come first in the file but need every article's folio,
and the writer needs, before it draws the first page, every font's characters in code
order, every page's anchors, links and label, and every picture; so every stretch is set
in a first pass, and the file written in a second:

* pass 1 sets each stretch (its articles composed, paginated, made up, its pages with
  running heads and folios), takes from it what the rest needs — each article's start
  folio, the report's counts and findings (report.ReportTally), the page check's
  findings, the characters each font shows in order of first use
  (render.writer.GlyphCheck) — packs each page's text runs and rules into an unnamed
  temporary file (typeset/keptpages.py) and keeps of the page a stand-in: the same `Page`
  with its anchors, links, label and size and only its pictures, placed PDF pages and
  boxes among its items. Then the stretch goes (its flow, frames and items; its
  paragraphs' lines: text/parcache.py `let_go`). The last stretch is held until the
  contents are set, which decide its saddle padding. Then the paragraph cache is saved
  (as `build.compose` does), the picture report and the report are made and the page
  check's error raised, as before, all before anything is drawn.
* pass 2 writes the file (output.write_streamed: a temporary file renamed over the output
  only when complete): the writer, given the stand-ins, prepares the pictures and placed
  pages, and each body page is drawn from its items unpacked from the temporary file
  (on a copy of its stand-in), drawn straight into the document and let go. A stretch
  of which a page could not be packed (the temporary file's disk full) is set again
  instead, as every stretch was before wave 9: the same flow and paragraph cache give
  the same pages; each page's label and anchors are compared with pass 1's, and a
  difference is a typeset bug (exit 3), never another file.

It applies (`applies`) to a one-shot `build` (build.py `_build`) of one file — not the
printer's two files when the covers are on separate stock — of an issue of
STREAM_STRETCHES articles or more, in a layout that forces a page start at each article,
whose paragraph cache file holds STREAM_CACHE_BYTES or more (what the whole composition
would hold: an issue of repeated paragraphs, or a first build, is built whole, faster).
A layout whose articles run on (chongqing) would be one stretch: nothing bounded, so the
whole-issue build is kept there. A warm process (typeset/session.py) keeps everything, as
before. What still grows with the pages: README, "Scale and memory".
"""
from __future__ import annotations

from pathlib import Path

#: an issue of this many articles or more, in a layout that starts each on a new page, is
#: built a stretch at a time (`applies`); below it nothing changes. ~1,000 pages at the
#: guangxi sample's 3.7 pages an article, where the whole composition held ~120 MB more
#: (README, "Scale and memory")
STREAM_STRETCHES = 250
#: ... and only when its paragraph cache file holds at least this many bytes: what the
#: whole composition would hold grows with the lines that file decodes to (61 MB of
#: distinct text, 3,668 pages: 382 MB built whole, 188 a stretch at a time), and setting
#: each stretch costs CPU where paragraphs repeat (the benchmark's hundred-times issue of
#: repeated paragraphs, whose file is 2.3 MB and whose whole build peaks at 152 MB: 1.4x,
#: 2.5x when each stretch was set twice; the distinct-text issue costs what its whole
#: build does since wave 9, README "Scale and memory"). A
#: build without the file (the first, cold) is made whole: the stretch build bounds no
#: cold build (the paragraphs are all broken and kept for the cache either way).
STREAM_CACHE_BYTES = 16 << 20


def applies(issue, layout, variant: str) -> bool:
    """Whether a one-shot build of `issue` is made a stretch at a time (module doc)."""
    if layout.article.start not in ("new_page", "new_recto"):
        return False
    if sum(len(s.articles) for s in issue.sections) < STREAM_STRETCHES:
        return False
    if STREAM_CACHE_BYTES > 0:
        from typeset.text.parcache import file_size
        if file_size(str(issue.path.resolve())) < STREAM_CACHE_BYTES:
            return False
    cover = layout.cover
    if variant == "print" and issue.has_covers and cover is not None \
            and cover.stock == "separate":
        return False                      # two files (output.finished_files)
    return True


class _Pass1:
    """What pass 1 keeps of the stretches (module doc)."""

    def __init__(self, stretches, layout, book, library):
        from typeset.keptpages import Packer, Spill
        from typeset.render.writer import GlyphCheck
        from typeset.report import ReportTally

        self.st = stretches
        self.library = library
        self.tally = ReportTally(layout, book.advance)
        self.glyphs = GlyphCheck(library)           # the body's, in order
        self.body: list = []                        # the body pages' stand-ins
        self.ranges: list[tuple[int, int]] = []     # stretch -> its stand-ins body[a:b]
        self.rows: dict[int, tuple[list, list]] = {}  # id(stand-in) -> page check rows
        self.starts: dict[str, int] = {}
        # the page check's advances, font -> character -> em, kept from stretch to stretch
        # (asked of the faces once per character, not once per character and stretch)
        self.advances: dict = {}
        # each body page's drawn items, packed into a temporary file (keptpages.py): pass 2
        # draws them from there instead of setting the stretch again (half the CPU)
        self.packer = Packer()
        self.spill = Spill()
        self.kept: list[tuple[int, int] | None] = []   # body[j] -> its place in `spill`

    def advance(self, font, ch):
        return self.library.face(font).advance(ch)

    def take(self, frames, pages) -> None:
        """The report, page check and glyph check of one stretch's pages; the pages become
        stand-ins (`stand_in`)."""
        from typeset.pagecheck import check_pages

        self.tally.add(frames, [p.label for p in pages])
        outs, overs = check_pages(pages, self.advance, advances=self.advances)
        if outs or overs:                  # (a body page's label is its own: its folio)
            by_label = {p.label: p for p in pages}
            for rows, n in ((outs, 0), (overs, 1)):
                for row in rows:
                    got = self.rows.setdefault(id(by_label[row[0]]), ([], []))
                    got[n].append(row)
        self.glyphs.add(pages)
        a = len(self.body)
        for page in pages:
            self.kept.append(self.spill.put(self.packer.pack(page.items)))
            stand_in(page)
        self.body += pages
        self.ranges.append((a, len(self.body)))


def stand_in(page) -> None:
    """Keep of a set page what the writer needs before it draws it (render.writer.render_pdf):
    its anchors, links, label and size, and its pictures, placed PDF pages and boxes among
    its items; its text runs and rules go (packed: keptpages.py; or set again)."""
    from typeset.layout.page import Rule, TextRun

    page.items = [it for it in page.items if type(it) is not TextRun and type(it) is not Rule]
    page.checked = None


def build_streamed(manifest: Path, out: Path, output, loaded, library, variant: str,
                   pdfx: str, standard):
    """`build._build` for an issue `applies` says yes to: the same file and report, a
    stretch at a time (module doc)."""
    from typeset import output as writeout
    from typeset.errors import TypesetError
    from typeset.layout.compose import Composer, prebreak
    from typeset.layout.issue import Stretches, front_pages
    from typeset.layout.preflight import check_sources
    from typeset.layout.styles import StyleBook
    from typeset.pagecheck import check_pages, placement_error
    from typeset.render.writer import GlyphCheck
    from typeset.report import picture_report
    from typeset.text.parcache import ParagraphCache

    issue, layout = loaded
    with writeout.collector_paused():
        book = StyleBook(layout, library)
        check_sources(issue, layout, book)
        cache = ParagraphCache(str(issue.path.resolve()), book.fingerprint, lazy=True)
        composer = Composer(layout, book, cache)
        prebreak(issue, composer)              # a cold build: on two cores
        st = Stretches(issue, composer, writeout.placed_pdfs(issue))
    one = _Pass1(st, layout, book, library)
    try:          # (the temporary file of the kept pages closed, whatever happens)
        last = None
        for k in range(len(st)):
            with writeout.collector_paused():
                try:
                    frames, pages, starts = st.set(k)
                except TypesetError as err:
                    raise _first_error(st, composer, err) from None
            one.starts.update(starts)
            if k == len(st) - 1:
                last = (frames, pages)            # (its padding waits for the contents)
                break
            one.take(frames, pages)
            del frames, pages
            composer.let_go()
        with writeout.collector_paused():
            toc: list = []
            contents = st.contents(one.starts, toc)
            frames, pages = last
            padded = st.pad(frames, len(front_pages(contents, layout)))
            if padded is not None:
                pages, starts = padded
                one.starts.update(starts)
                contents = st.contents(one.starts, toc)
            one.take(frames, pages)
            del frames, pages, last
            composer.let_go()
            cache.save()
            comp = st.composition(one.body, one.starts, contents, toc)

        pictures = picture_report(comp.pages, layout, str(issue.path.parent),
                                  print_variant=variant == "print")
        failure = pictures.failure()
        if failure is not None:
            raise failure
        body_ids = {id(p) for p in one.body}
        outside: list = []
        overlapping: list = []
        for page in comp.pages:                   # the page check, in reading order
            if id(page) in body_ids:
                outs, overs = one.rows.get(id(page), ((), ()))
            else:
                outs, overs = check_pages([page], one.advance, advances=one.advances)
            outside += outs
            overlapping += overs
        typography = one.tally.finish(toc, [pg.label for pg in contents], outside, overlapping)
        failure = placement_error(comp.pages, None, found=(outside, overlapping))
        if failure is not None:
            raise failure

        # the glyph check in the file's reading order: the pages before the body, the body's
        # (made in pass 1), the pages after it
        pages = writeout.file_pages(comp, variant)
        parts: list = []
        head: list = []
        for page in pages:
            if id(page) in body_ids:
                if head:
                    parts.append(head)
                    head = []
                if one.glyphs not in parts:
                    parts.append(one.glyphs)
            else:
                head.append(page)
        if head:
            parts.append(head)
        checks = []
        for part in parts:
            if isinstance(part, list):
                part_check = GlyphCheck(library)
                part_check.add(part)
                checks.append(part_check)
            else:
                checks.append(part)
        glyphs = GlyphCheck.joined(checks)

        digest = writeout.write_streamed(comp, out, variant, pdfx, create_parent=output is None,
                                  check_placement=False, glyphs=glyphs,
                                  draw=_pass2(st, one, pages, composer))
        files = writeout.outputs(comp, out, variant)
        return writeout.BuildReport(files[0], len(comp.contents), len(comp.body), comp.padding,
                             standard, digest, typography, pictures,
                             front_blanks=len(comp.front) - len(comp.contents),
                             covers=len(comp.covers),
                             inserts=sum(len(p) for _, p in comp.inserts),
                             cover_output=files[1] if len(files) > 1 else None,
                             file_pages=len(pages))
    finally:
        one.spill.close()


def _first_error(st, composer, err):
    """The error the whole-issue build would stop at, where pass 1 stopped at `err`: it
    composes every article, then the colophon, before it paginates any (build.compose), so
    a later article's composing error comes before an earlier stretch's page error
    (adversarial round 9). Only on the way out: every article composed again."""
    from typeset.errors import TypesetError
    from typeset.layout.compose import no_articles
    try:
        for stretch in st.stretches:
            for si, ai, art, title, first in stretch.articles:
                if art is None:
                    raise no_articles(st.issue, si)
                composer.article(art, title, si, ai, first)
        composer.colophon(st.issue)
    except TypesetError as found:
        return found
    return err


def _pass2(st, one: _Pass1, pages: list, composer):
    """The file's pages, whole, in order (module doc): each body page's items unpacked from
    what pass 1 kept (`_Pass1.kept`), or, for a stretch of which a page could not be kept,
    the stretch set again when its first page is asked for, the one before it dropped."""
    try:
        yield from _pages_again(st, one, pages, composer)
    finally:
        one.spill.close()


def _unpacked(one: _Pass1, page, where):
    """The stand-in `page` with the items pass 1 packed (a new Page: the stand-in stays)."""
    from typeset.records import replace
    return replace(page, items=one.packer.unpack(one.spill.take(where), page.items))


def _pages_again(st, one: _Pass1, pages: list, composer):
    from typeset import output as writeout

    at: dict[int, tuple[int, int, int]] = {}    # id(stand-in) -> (stretch, place in it, body)
    for k, (a, b) in enumerate(one.ranges):
        for j in range(a, b):
            at[id(one.body[j])] = (k, j - a, j)
    whole_kept = [all(one.kept[j] is not None for j in range(a, b)) for a, b in one.ranges]
    held: list = []
    held_k = -1
    for page in pages:
        where = at.get(id(page))
        if where is None:
            yield page
            continue
        k, j, body_j = where
        if whole_kept[k]:
            yield _unpacked(one, page, one.kept[body_j])
            continue
        if k != held_k:
            held = []
            composer.let_go()
            with writeout.collector_paused():
                _, held, _ = st.set(k)
            held_k = k
            a, b = one.ranges[k]
            _same_stretch(k, one.body[a:b], held)
        whole = held[j]
        held[j] = None
        yield whole
    held = []
    composer.let_go()


def _same_stretch(k: int, stand_ins: list, pages: list) -> None:
    """Setting a stretch again gave the pages pass 1 set (labels, anchors): else a bug."""
    if len(stand_ins) != len(pages) or any(
            a.label != b.label or a.anchors != b.anchors
            or (a.width, a.height, a.kind) != (b.width, b.height, b.kind)
            for a, b in zip(stand_ins, pages)):
        raise RuntimeError(f"stretch {k + 1} set again gave other pages than the first "
                           f"time (typeset/stream.py)")
