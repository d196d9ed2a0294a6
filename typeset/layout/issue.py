"""Flow items -> the issue's pages: body pages, contents pages, saddle padding, the colophon.

Takes what `compose` made of the articles (flow items, the colophon band) and returns a
`Composition`: every page of the issue as positioned items (`layout.page.Page`), contents
first. The steps, each a plain function:

* `body_frames`      the page builder (`paginate`) stacks the flow on the grid, the make-up
                     pass (`makeup.make_up`) fills the pages it leaves short; the colophon
                     closes the issue (journal-style.md §4);
* `body_pages`       each frame placed on a page with its running head and folio
                     (journal-style.md §3); returns the folio each article starts on;
* `contents_pages`   目录 set with those folios (journal-style.md §1);
* `front_pages`      the contents and, when they fill an odd number of pages, a blank verso
                     after them: body folio 1 stands on a right-hand page (format.md, "The
                     whole issue"), so every odd folio is a recto and every even one a verso;
* `saddle_padding`   blank pages so that the issue folds into sheets of 4 (§5), counting the
                     covers when they are pages of the text (self-cover) and the inserts; the
                     body and contents are then made again, since folios may move;
* covers and inserts (layout/cover.py): 封一 … 封四 from the layout's cover design and the
                     manifest's pages; `place_inserts` puts each insert (whole leaves) after
                     the even folio it names. `Composition.pages` is the reading order:
                     封一, 封二, front, body with inserts, 封三, 封四; with covers on separate
                     stock the printer's text file is `text_pages` and the covers a file of
                     their own (format.md, "The whole issue").

PDF page 1 is a recto (the front of the first leaf). With an even number of front pages,
folio n stands on PDF page (front + n), whose parity is n's: the running heads, folios and
inner margins, which mirror by folio, are on the sides they will be on when the sheets are
folded.

`layout.preflight.check_sources` runs before any of this: a character no font of its style has
is an error in the sources, reported with every place it occurs.
"""
from __future__ import annotations

import datetime as _dt
from typeset.records import dataclass, field

from typeset.errors import TypesetError
from typeset.layout.compose import Composer, no_articles
from typeset.layout.cover import check_whole_pages, cover_pages, insert_leaves
from typeset.layout.flow import Band, FlowItem
from typeset.layout.makeup import Reset, make_up
from typeset.layout.marginals import IssueFacts, Marginals
from typeset.layout.page import Anchor, Page
from typeset.layout.paginate import FootSpec, Frame, closing_start, paginate, place_closing
from typeset.layout.place import Placer, frame_section, frame_starts_article
from typeset.layout.styles import StyleBook
from typeset.layout.toc import contents_items
from typeset.model.layout import Layout
from typeset.model.manifest import Issue


@dataclass
class Composition:
    """A laid-out issue, before it is written."""
    issue: Issue
    layout: Layout
    book: StyleBook
    contents: list[Page]      # the 目录 pages
    body: list[Page]          # one page per frame (frames[i] is on body[i])
    start_pages: dict[str, int] = field(default_factory=dict)   # article key -> folio
    padding: int = 0          # blank pages added for saddle stitching
    frames: list[Frame] = field(default_factory=list)   # the body's frames (for reports)
    contents_frames: list[Frame] = field(default_factory=list)   # the contents' (reports)
    front: list[Page] = field(default_factory=list)     # contents + blank verso: before folio 1
    covers: list[Page] = field(default_factory=list)    # 封一, 封二, 封三, 封四 (or none)
    # inserts: (index of the body page they follow, their pages), in reading order
    inserts: list[tuple[int, list[Page]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.front:
            self.front = list(self.contents)

    @property
    def separate_cover(self) -> bool:
        """The covers are printed on cover stock, as a file of their own."""
        cv = self.layout.cover
        return bool(self.covers) and cv is not None and cv.stock == "separate"

    @property
    def text_pages(self) -> list[Page]:
        """The pages between the covers, in reading order: contents, body with its inserts."""
        out = list(self.front)
        at: dict[int, list[Page]] = {}
        for after, pages in self.inserts:
            at.setdefault(after, []).extend(pages)
        for i, page in enumerate(self.body):
            out.append(page)
            out += at.get(i, [])
        return out

    @property
    def pages(self) -> list[Page]:
        """Every page in reading order: 封一, 封二, the text pages, 封三, 封四."""
        if not self.covers:
            return self.text_pages
        return self.covers[:2] + self.text_pages + self.covers[2:]

    @property
    def print_text_pages(self) -> list[Page]:
        """The pages of the text file the printer gets: with self-covers, all of them."""
        return self.text_pages if self.separate_cover else self.pages


def issue_facts(issue: Issue, layout: Layout) -> IssueFacts:
    """What running heads and the contents may name: journal, running title, year, number, date."""
    from typeset.model.numbers import issue_label
    date = issue.date.isoformat() if isinstance(issue.date, _dt.date) else ""
    return IssueFacts(journal=issue.journal or layout.journal,
                      running_title=layout.running_title,
                      year=issue.year, number=issue.number, date=date,
                      issue=issue_label(issue.number, issue.year, layout.numbers))


# -- pages -------------------------------------------------------------------------------------

def body_frames(flow: list[FlowItem], colophon: Band | None, layout: Layout,
                reset: Reset | None = None, first_folio: int = 1) -> list[Frame]:
    """The body's frames: the flow on the grid, short pages filled by the make-up pass
    (`reset` sets a paragraph a line longer or shorter: Composer.reset), the colophon
    closing the issue. `first_folio`: the folio of the first frame (a stretch of the
    issue, `Stretches`)."""
    tb = layout.textblock
    frames = make_up(flow, tb.lines, tb.line_pitch, notes=foot_spec(layout), reset=reset,
                     settings=layout.makeup, short_line=layout.check.short_line,
                     first_folio=first_folio)
    if colophon is not None:
        # 报尾 closes the issue (journal-style.md §4)
        place_closing(frames, colophon, tb.lines, tb.line_pitch,
                      at_foot=layout.colophon.position == "bottom")
    return frames


def foot_spec(layout: Layout) -> FootSpec | None:
    """The footnotes' geometry for the page builder (none in endnote mode)."""
    ns = layout.notes
    if ns is None or ns.mode != "footnote":
        return None
    return FootSpec(pitch=float(ns.line_pitch), overhead=float(ns.space_before + ns.rule_gap),
                    min_lines=ns.min_lines, per_page=ns.numbering == "page")


def body_pages(frames: list[Frame], colophon: Band | None, layout: Layout, placer: Placer,
               marginals: Marginals, counted: dict[int, int] | None = None,
               done: list[Page] = (), memo: dict | None = None
               ) -> tuple[list[Page], dict[str, int]]:
    """Each frame on a page with running head and folio; returns the pages and the folio each
    article starts on (article key -> folio). `counted`: inserts counted in the folios, as
    folio they follow -> their pages; the folios after them move on by that many. `done`:
    pages already made for the first frames (a page depends on its frame, its folio and the
    frames before it only). `memo`: pages made by an earlier pagination of the same issue
    (see `paginate_issue`)."""
    pages, starts, _, _ = _body_pages(frames, layout, placer, marginals, counted, done, memo)
    return pages, starts


def _body_pages(frames: list[Frame], layout: Layout, placer: Placer, marginals: Marginals,
                counted: dict[int, int] | None = None, done: list[Page] = (),
                memo: dict | None = None, folio: int = 0, last_section=None
                ) -> tuple[list[Page], dict[str, int], int, object]:
    """`body_pages`, from the folio and the section of the pages before `frames` (0 and
    None: the first); returns the same and the folio and section after them."""
    pages: list[Page] = []
    starts: dict[str, int] = {}
    for i, frame in enumerate(frames):
        folio += 1
        last_section = frame_section(frame) or last_section
        if i < len(done):
            page = done[i]
        else:
            suppress = False
            if not frame.blank:
                # No running head over a page that holds the colophon alone: no section runs
                # there. (A page of a footnote's continuation alone has no placement: the
                # article's section runs there.)
                suppress = (layout.article.suppress_running_head and frame_starts_article(frame)
                            or bool(frame.placements)
                            and all(p.item.role == "colophon" for p in frame.placements))
            key = page = None
            if memo is not None:
                key = (_frame_key(frame), folio, last_section, suppress)
                page = memo.get(key, (None, None))[1]
            if page is None:
                page = Page(layout.page.width, layout.page.height,
                            kind="blank" if frame.blank else "body", label=str(folio))
                left = placer.block_left(folio)
                placer.place(frame, page, left)
                if not frame.blank:
                    marginals.apply(page, left, folio, last_section, running_head=not suppress)
            if memo is not None:
                memo.setdefault("new", {})[key] = (frame, page)
        for anchor in page.anchors:
            if anchor.kind == "article":
                starts[anchor.key] = folio
        pages.append(page)
        folio += (counted or {}).get(folio, 0)
    return pages, starts, folio, last_section


def contents_pages(issue: Issue, composer: Composer, placer: Placer, starts: dict[str, int],
                   facts: IssueFacts, frames_out: list[Frame] | None = None) -> list[Page]:
    """目录 with the start folio of every article; the first page carries the contents anchor.
    The contents' frames are put in `frames_out`, if given (for the report)."""
    layout = composer.layout
    tb = layout.textblock
    toc_frames = paginate(contents_items(issue, composer, starts, facts), tb.lines,
                          tb.line_pitch)
    if frames_out is not None:
        frames_out[:] = toc_frames
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


def front_pages(contents: list[Page], layout: Layout) -> list[Page]:
    """The pages before body folio 1: the contents, then a blank verso if the contents end on a
    recto, so that folio 1 is a right-hand page (format.md, "The whole issue")."""
    front = list(contents)
    if len(front) % 2:
        label = layout.contents.label + ("" if len(front) == 1 else str(len(front) + 1))
        front.append(Page(layout.page.width, layout.page.height, kind="blank", label=label))
    return front


def saddle_padding(frames: list[Frame], front: int, colophon: Band | None,
                   layout: Layout) -> int:
    """Blank frames that make the issue (front pages + body) a multiple of 4 pages; returns
    how many were inserted into `frames`.

    Saddle stitching folds sheets of 4 pages (journal-style.md §5). The blanks stand before the
    closing page, the colophon's. If the colophon shares the last article's page, it gets a
    page of its own when that costs no extra sheet; otherwise (and with no colophon) the
    blanks come last."""
    if not layout.page.saddle_stitch or (front + len(frames)) % 4 == 0:
        return 0
    tb = layout.textblock
    n = front + len(frames)
    closing = None
    if colophon is not None:
        last, start = frames[-1], closing_start(frames)
        if start is not None:      # the colophon has a page (or pages) of its own
            closing = frames[start]
        elif -(n + 1) % 4 < -n % 4:
            last.placements = [p for p in last.placements if p.item is not colophon]
            frames.append(Frame())
            place_closing(frames, colophon, tb.lines, tb.line_pitch,
                          at_foot=layout.colophon.position == "bottom")
            closing = frames[-1]
    padding = -(front + len(frames)) % 4
    at = frames.index(closing) if closing is not None else len(frames)
    frames[at:at] = [Frame(blank=True) for _ in range(padding)]
    return padding


def paginate_issue(issue: Issue, composer: Composer, flow: list[FlowItem],
                   colophon: Band | None, pdfs: dict | None = None,
                   memo: dict | None = None) -> Composition:
    """The issue's pages from its flow: body, contents, covers, inserts, saddle padding (see
    the module doc). `pdfs`: what render/pdfimport.py read of the PDFs the manifest places
    whole (path -> model.pdfpage.PdfInfo).

    `memo` (a warm process, typeset.session, keeps it between builds): the body pages made
    last time, by what made them — the frame's placements (which flow items, which slots and
    lines: flow items are never changed once composed, so the same object is the same
    content), its notes, its folio, the section its running head names, and everything the
    running heads and folios are made of (layout, style book, the issue's facts and section
    titles); a page made from the same is the same page. It holds only this issue's pages
    afterwards."""
    layout, book = composer.layout, composer.book
    pdfs = pdfs or {}
    check_whole_pages(issue, layout, pdfs)
    facts = issue_facts(issue, layout)
    placer = Placer(layout, book)
    marginals = Marginals(layout, book, facts, issue)
    covers = cover_pages(issue, layout, book, facts, pdfs) if issue.has_covers else []
    leaves = [(ins, insert_leaves(ins.page, layout, pdfs, issue.path))
              for ins in issue.pages.inserts]
    counted: dict[int, int] = {}
    for ins, pages in leaves:
        if ins.folio:
            counted[ins.after] = counted.get(ins.after, 0) + len(pages)
    # pages the printer folds besides the contents and the body: the inserts, and the
    # covers when they are pages of the text (self-cover)
    extra = sum(len(p) for _, p in leaves)
    if covers and layout.cover.stock == "self":
        extra += len(covers)
    frames = body_frames(flow, colophon, layout, composer.reset)
    pages_memo = None
    if memo is not None:
        context = (id(layout), id(book), repr(facts),
                   tuple((s.title, s.short_title) for s in issue.sections), repr(counted))
        if memo.get("context") != (layout, book, context):
            memo.clear()
            memo["context"] = (layout, book, context)     # (holds what the ids name)
        pages_memo = memo.setdefault("pages", {})
        pages_memo.pop("new", None)
    body, starts = body_pages(frames, colophon, layout, placer, marginals, counted,
                              memo=pages_memo)
    toc: list[Frame] = []
    contents = contents_pages(issue, composer, placer, starts, facts, toc)
    before = list(frames)
    padding = saddle_padding(frames, len(front_pages(contents, layout)) + extra, colophon,
                             layout)
    if len(frames) != len(before):     # blanks, or the colophon moved to a page of its own
        # the pages before the first frame that changed stay as they are (the last frame of
        # before may have lost the colophon: it is made again)
        same = 0
        while same < len(before) - 1 and frames[same] is before[same]:
            same += 1
        body, starts = body_pages(frames, colophon, layout, placer, marginals, counted,
                                  body[:same], memo=pages_memo)
        contents = contents_pages(issue, composer, placer, starts, facts, toc)
    if pages_memo is not None:       # keep what this build made (and what it names) only
        made = pages_memo.pop("new", {})
        pages_memo.clear()
        pages_memo.update(made)
    inserts = place_inserts(issue, layout, body, leaves)
    return Composition(issue, layout, book, contents, body, starts, padding, frames, toc,
                       front=front_pages(contents, layout), covers=covers, inserts=inserts)


def place_inserts(issue: Issue, layout: Layout, body: list[Page], leaves) -> list:
    """Each insert after the body page with its `after` folio, labelled: counted inserts by
    their folios, the others 插页1, 插页2 … (layout cover.insert_label). An insert is a leaf
    between leaves, so it follows a verso: an even folio."""
    index = {int(p.label): i for i, p in enumerate(body) if p.label.isdigit()}
    label = layout.cover.insert_label if layout.cover is not None else "插页"
    placed, n = [], 0
    for ins, pages in leaves:
        where = {"file": issue.path, "line": ins.after_line or ins.line}
        if ins.after not in index:
            last = max(index) if index else 0
            raise TypesetError(f"insert after folio {ins.after}, but the body's folios run "
                               f"from 1 to {last}", **where,
                               hint="write the folio of the body page the insert follows")
        if ins.after % 2:
            raise TypesetError(f"insert after folio {ins.after}: folio {ins.after} is a "
                               f"right-hand page, and {ins.after + 1} is printed on its back",
                               **where,
                               hint=f"an insert is a leaf between leaves: put it after an "
                                    f"even folio ({ins.after - 1} or {ins.after + 1})")
        for k, page in enumerate(pages):
            if ins.folio:
                page.label = str(ins.after + 1 + k)
            else:
                n += 1
                page.label = f"{label}{n}"
        placed.append((index[ins.after], pages))
    return placed


def _frame_key(frame: Frame) -> tuple:
    """What a frame holds, by the identity of its flow items (see `paginate_issue`)."""
    return (frame.blank, frame.foot,
            tuple((id(p.item), p.slot, p.first, p.last, p.at_top, p.slots, p.region, p.where,
                   p.late) for p in frame.placements),
            tuple((id(n.note), n.first, n.last, n.number) for n in frame.notes))


# -- a stretch at a time -------------------------------------------------------------------------

@dataclass
class Stretch:
    """Articles set together: those between two page starts the layout forces (an
    article's `start: new_page` or `new_recto`), or, when articles run on, all of them. A
    stretch's pages depend on its articles and on what the stretches before it leave: how
    many frames (the parity of a `new_recto` start), the folio and the section its first
    running head follows (`frames`, `folio`, `section`: known once those are set)."""
    articles: list[tuple]                 # (section index, article index, article, title, first)
    last: bool = False
    frames: int | None = None             # frames of the stretches before it
    folio: int = 0                        # the folio before its first page
    section: object = None                # the section the page before it runs under


class Stretches:
    """The issue's body set a stretch at a time (typeset/stream.py): the same frames and
    pages `paginate_issue` makes, for one stretch of articles at a time, so that a build
    need hold only one stretch's composition.

    Why the pieces are the same: after an article's page break the page builder
    (paginate.py) starts on an empty page with no figure waiting and no note continued, so
    the pages of the articles after it depend on its flow only, and on the number of frames
    before it (a `new_recto` start); the make-up pass (makeup.py) never looks across an
    article's page break and accepts a change by differences of counts, which are the same
    in a stretch as in the issue; the colophon closes the last stretch, and the saddle
    padding goes before it (`saddle_padding` with the front, the extra pages and the frames
    before it counted); a page's running head, folio and inner margin depend on its frame,
    its folio and the section before it (`_body_pages`). The tests compare the two.

    `set(k)` gives stretch k's frames, pages and the folio each article on it starts on;
    the stretches before it must have been set once (their `frames`, `folio`, `section`).
    `front` (the pages before folio 1, known once the contents are made: `finish`) puts
    the saddle padding in the last stretch."""

    def __init__(self, issue: Issue, composer: Composer, pdfs: dict | None = None):
        layout = composer.layout
        self.issue, self.composer, self.layout = issue, composer, layout
        self.pdfs = pdfs or {}
        self.facts = issue_facts(issue, layout)
        self.placer = Placer(layout, composer.book)
        self.marginals = Marginals(layout, composer.book, self.facts, issue)
        self.leaves: list | None = None
        self.counted: dict[int, int] = {}
        self.extra = 0
        self.colophon: Band | None = None
        self.front: int | None = None
        self.padding = 0
        forced = layout.article.start in ("new_page", "new_recto")
        self.stretches: list[Stretch] = []
        first = True
        for si, section in enumerate(issue.sections):
            if not section.articles:     # (compose_issue's error, met in the same place)
                self.stretches.append(Stretch([(si, None, None, section.title, first)]))
                continue
            for ai, art in enumerate(section.articles):
                one = (si, ai, art, section.title, first)
                if forced or not self.stretches:
                    self.stretches.append(Stretch([one]))
                else:
                    self.stretches[-1].articles.append(one)
                first = False
        if self.stretches:
            self.stretches[-1].last = True
        self.stretches[0].frames = 0
        self.total = sum(len(s.articles) for s in self.stretches)
        self.done = 0

    def __len__(self) -> int:
        return len(self.stretches)

    def flow(self, k: int) -> list[FlowItem]:
        """The flow items of stretch k's articles (compose_issue for those), and after the
        last article the colophon (composed once: `paginate_issue`'s order)."""
        from typeset.progress import step

        items: list[FlowItem] = []
        st = self.stretches[k]
        for si, ai, art, title, first in st.articles:
            if art is None:
                raise no_articles(self.issue, si)
            items += self.composer.article(art, title, si, ai, first)
            if self.done < self.total:
                self.done += 1
                step("setting article", self.done, self.total)
        if st.last and self.colophon is None:
            self.colophon = self.composer.colophon(self.issue)
        return items

    def set(self, k: int) -> tuple[list[Frame], list[Page], dict[str, int]]:
        """Stretch k's frames and pages (see the class doc), and the folio each article on
        them starts on; records what the next stretch starts from."""
        layout, st = self.layout, self.stretches[k]
        if st.frames is None:
            raise RuntimeError(f"stretch {k} set before the stretches before it")
        if self.leaves is None:
            self._whole_pages()
        items = self.flow(k)
        frames = body_frames(items, self.colophon if st.last else None, layout,
                             self.composer.reset, first_folio=1 + st.frames)
        if st.last and self.front is not None:
            self.padding = saddle_padding(frames, self.front + self.extra + st.frames,
                                          self.colophon, layout)
        pages, starts, folio, section = _body_pages(
            frames, layout, self.placer, self.marginals, self.counted, folio=st.folio,
            last_section=st.section)
        if not st.last:
            nxt = self.stretches[k + 1]
            nxt.frames, nxt.folio, nxt.section = st.frames + len(frames), folio, section
        return frames, pages, starts

    def pad(self, frames: list[Frame], front: int) -> tuple[list[Page], dict[str, int]] | None:
        """The saddle padding of the last stretch, its `frames` in hand, with `front` pages
        before folio 1 (the contents, known once every other stretch is set): None if none
        is needed, else its pages and starts made again (`paginate_issue`)."""
        st = self.stretches[-1]
        self.front = front
        before = len(frames)
        self.padding = saddle_padding(frames, front + self.extra + st.frames, self.colophon,
                                      self.layout)
        if len(frames) == before:
            return None
        pages, starts, _, _ = _body_pages(frames, self.layout, self.placer, self.marginals,
                                          self.counted, folio=st.folio,
                                          last_section=st.section)
        return pages, starts

    def contents(self, starts: dict[str, int], frames_out: list[Frame]) -> list[Page]:
        """The contents pages, with every article's start folio (`contents_pages`)."""
        return contents_pages(self.issue, self.composer, self.placer, starts, self.facts,
                              frames_out)

    def covers(self) -> list[Page]:
        issue, layout = self.issue, self.layout
        return cover_pages(issue, layout, self.composer.book, self.facts, self.pdfs) \
            if issue.has_covers else []

    def _whole_pages(self) -> None:
        """The inserts' leaves and what they and the covers add to the pages the printer
        folds (`paginate_issue`)."""
        issue, layout, pdfs = self.issue, self.layout, self.pdfs
        check_whole_pages(issue, layout, pdfs)
        self.leaves = [(ins, insert_leaves(ins.page, layout, pdfs, issue.path))
                       for ins in issue.pages.inserts]
        for ins, pages in self.leaves:
            if ins.folio:
                self.counted[ins.after] = self.counted.get(ins.after, 0) + len(pages)
        self.extra = sum(len(p) for _, p in self.leaves)
        if issue.has_covers and layout.cover.stock == "self":
            self.extra += len(self.covers_made)

    @property
    def covers_made(self) -> list[Page]:
        got = getattr(self, "_covers", None)
        if got is None:
            got = self._covers = self.covers()
        return got

    def composition(self, body: list[Page], starts: dict[str, int], contents: list[Page],
                    toc: list[Frame]) -> Composition:
        """The issue's Composition with `body` as its body pages (stand-ins, for a build
        that drew them a stretch at a time: typeset/stream.py)."""
        issue, layout = self.issue, self.layout
        inserts = place_inserts(issue, layout, body, self.leaves)
        return Composition(issue, layout, self.composer.book, contents, body, starts,
                           self.padding, [], toc, front=front_pages(contents, layout),
                           covers=self.covers_made if issue.has_covers else [],
                           inserts=inserts)
