"""Articles -> flow items: article heads, body paragraphs, subheads, figures (figures.py),
tables (tables.py), notes (notes.py), the closing note, the colophon.

Reads the layout for every decision: which style each part is set in, its alignment, indents
and spacing, how author names are padded, where an article starts.
"""
from __future__ import annotations

from dataclasses import replace

from typeset.errors import TypesetError
from typeset.layout.flow import (Band, FlowItem, Marker, PageBreak, Part, Run, SetLine, Source,
                                 Space, line_extent)
from typeset.layout import notes as notemarks
from typeset.layout.flow import Note
from typeset.layout.styles import StyleBook
from typeset.model.article import Article, Inline
from typeset.model.chars import printed
from typeset.model.layout import Block, Layout
from typeset.model.manifest import Issue
from typeset.text import cjk
from typeset.text.parcache import ParagraphCache
from typeset.text.paragraph import set_paragraph, set_paragraph_lines
from typeset.text.types import BreakSettings, Line, Span
from typeset.text.words import boundaries


def article_key(section_index: int, article_index: int) -> str:
    """The stable name of an article's anchor (bookmark, link target): its place in the issue,
    never its file path, so the PDF does not depend on where the sources lie."""
    return f"article-{section_index + 1}-{article_index + 1}"


def format_authors(names: tuple[str, ...], layout: Layout) -> str:
    """Author line: two-character names padded with an ideographic space (吴　宁) so they line
    up with three-character names (format.md, authors)."""
    style = layout.article.author_names
    seen = [printed(n) for n in names]           # a two-character name as printed
    shown = [f"{p[0]}\u3000{p[1]}" if style.pad_two_char_names and len(p) == 2 else n
             for n, p in zip(names, seen)]
    return style.format.format(names=style.separator.join(shown))


class Composer:
    def __init__(self, layout: Layout, book: StyleBook, cache: ParagraphCache | None = None):
        self.layout = layout
        self.book = book
        self.cache = cache
        self.pitch = layout.textblock.line_pitch
        self.measure = layout.measure
        p = layout.paragraph
        self.body_settings = BreakSettings(
            indent=p.indent, punctuation=p.punctuation, strict=p.strict,
            han_latin=tuple(p.han_latin), grid=p.grid, min_last_line=p.min_last_line,
            justify=True, space_stretch=p.space_stretch, space_shrink=p.space_shrink,
            line_penalty=p.line_penalty, loose_cost=p.loose_cost, spread_unit=p.spread_unit,
            stretch_costs=tuple(p.stretch_costs), squeeze_costs=tuple(p.squeeze_costs),
            squeeze_growth=p.squeeze_growth, hyphen_penalty=p.hyphen_penalty,
            ragged_cost=p.ragged_cost, widow_cost=p.widow_cost,
            emergency_costs=tuple(p.emergency_costs), max_badness=p.max_badness,
            looseness=p.looseness, keep_number_unit=p.keep_number_unit,
            space_beside_punct=p.space_beside_punct, ragged_squeeze=p.ragged_squeeze,
            phrase_cost=p.phrase_cost)
        # Headings, titles and bylines: no first-line indent of their own, not justified.
        self.head_settings = replace(self.body_settings, indent=0.0, justify=False)
        self._notes: dict[str, Note] = {}      # the current article's notes, by label
        # the source (file, line) of what is being set: a line-breaking error raised without
        # a place (a measure narrower than a character) is reported there
        self.source: tuple[object, int | None] | None = None
        # paragraphs set a line longer and shorter by one search (reset), by what they are
        self._counts: dict[tuple, dict[int, list[Line] | None]] = {}

    def let_go(self) -> None:
        """Forget what was set so far (a build that sets the issue a stretch at a time,
        typeset/stream.py, is done with a stretch): the paragraphs set a line longer and
        shorter, and the paragraph cache's lines of the stretch (ParagraphCache.let_go)."""
        self._counts.clear()
        self._notes = {}
        if self.cache is not None:
            self.cache.let_go()

    # --- setting text -------------------------------------------------------------------
    def break_lines(self, spans: list[Span], widths, settings: BreakSettings,
                    last_width: float | None = None, words=None) -> list[Line]:
        """set_paragraph, through the paragraph cache when there is one."""
        def run() -> list[Line]:
            return set_paragraph(spans, widths, self.book, settings, last_width=last_width,
                                 words=words)
        try:
            if self.cache is None:
                return run()
            return self.cache.lines(spans, widths, settings, last_width, run, words)
        except TypesetError as err:
            if err.file is None and self.source is not None:
                err.file, err.line = str(self.source[0]), self.source[1]
            raise

    def words(self, text: str) -> tuple[int, ...]:
        """Word boundaries of a heading that wraps (text/words.py), through the paragraph
        cache: the segmenter loads only for a heading no earlier build has seen."""
        if self.cache is None:
            return boundaries(text)
        return self.cache.words(text)

    def spans(self, inlines: tuple[Inline, ...] | list[Inline], style: str) -> list[Span]:
        st = self.book.style(style)
        out = []
        for inl in inlines:
            if inl.note is not None:         # a note's reference mark (notes.py)
                note = self._notes[inl.note]
                ns = self.layout.notes
                out.append(Span(notemarks.mark_text(notemarks.set_number(note.number, ns), ns),
                                self.layout.notes.marker_style))
                continue
            name = style
            if inl.bold and st.bold:
                name = st.bold
            elif inl.italic and st.italic:
                name = st.italic
            if out and out[-1].style == name:
                out[-1] = Span(out[-1].text + inl.text, name)
            else:
                out.append(Span(inl.text, name))
        return out

    def set_heading(self, spans: list[Span], block: Block, role: str,
                    measure: float | None = None) -> list[SetLine]:
        """Each line aligned per the block; a first-line indent of block.indent em, later lines
        block.continuation_indent em in. A heading that wraps breaks between words (a
        segmenter's, issue 9), then is balanced (`_balanced`)."""
        measure = self.measure if measure is None else measure
        size = self.book.em(block.style)
        settings = replace(self.head_settings, indent=block.indent)
        cont = block.continuation_indent * size
        widths = [measure, measure - cont]
        lines = self.break_lines(spans, widths, settings)
        if len(lines) > 1:
            words = self.words("".join(s.text for s in spans))
            lines = self.break_lines(spans, widths, settings, words=words)
            if block.balance:
                lines = self._balanced(spans, widths, settings, lines, words)
        out = []
        for i, ln in enumerate(lines):
            left = cont if i else 0.0
            if block.align == "center":
                x = left + (measure - left - line_extent(ln)) / 2
            elif block.align == "right":
                x = measure - line_extent(ln)
            else:
                x = left
            out.append(SetLine(ln, x, size, role))
        return out

    def _balanced(self, spans: list[Span], widths: list[float], settings, lines: list[Line],
                  words) -> list[Line]:
        """A heading that wraps breaks where its author put a space (事争一流 奋发有为) if
        every phrase then fits (a space inside quotes or brackets belongs to what they
        quote); a two-line heading otherwise breaks at the phrase boundary (before an opening
        or after a closing quote or bracket) that makes its lines most even; failing both,
        its lines are made as even as the breaker allows, still between words: the narrowest
        measure that gives the same number of lines."""
        if len(spans) == 1:
            text, style = spans[0].text, spans[0].style
            cuts = _author_spaces(text)
            if cuts:
                packed: list[tuple[int, int]] = []         # (start, end) of each line's text
                start = 0
                for cut in cuts + [len(text)]:
                    if packed:
                        a = packed[-1][0]
                        W = widths[min(len(packed) - 1, len(widths) - 1)]
                        if self._one_line(text[a:cut], style, W, settings, first=len(packed) == 1):
                            packed[-1] = (a, cut)
                            start = cut + 1
                            continue
                    packed.append((start, cut))
                    start = cut + 1
                if len(packed) == len(lines):
                    out = self._set_pieces(text, packed, style, widths, settings)
                    if out:
                        return out
            if len(lines) == 2:
                # a phrase boundary wins unless one line would be too short beside the other;
                # after a 点号 (，、；：) before one at a quote or bracket, then the most even
                best, ratio = None, self.layout.paragraph.balance_ratio
                for i in range(2, len(text) - 1):
                    if text[i - 1] in _BALANCE_STOPS:
                        strength = 2
                    elif text[i] in cjk.OPENING or text[i - 1] in cjk.CLOSING:
                        strength = 1
                    else:
                        continue
                    wa, wb = self.book.width(text[:i], style), self.book.width(text[i:], style)
                    even = min(wa, wb) / max(wa, wb)
                    if even >= ratio and (best is None or (strength, even) > best[0]):
                        best = ((strength, even), [(0, i), (i, len(text))])
                if best:
                    out = self._set_pieces(text, best[1], style, widths, settings)
                    if out:
                        return out
        n = len(lines)
        top = min(widths)
        lo, hi = 0.0, top - top / n         # how much narrower every line may be set
        best = lines
        for _ in range(12):
            mid = (lo + hi) / 2
            try:
                trial = self.break_lines(spans, [w - mid for w in widths], settings, words=words)
            except TypesetError:
                trial = []
            if trial and len(trial) == n:
                best, lo = trial, mid
            else:
                hi = mid
        return best

    def _one_line(self, text: str, style: str, measure: float, settings, first: bool) -> bool:
        st = settings if first else replace(settings, indent=0.0)
        return len(self.break_lines([Span(text, style)], measure, st)) == 1

    def _set_pieces(self, text: str, pieces: list[tuple[int, int]], style: str,
                    widths: list[float], settings) -> list[Line] | None:
        """Each piece text[a:b] on a line of its own (its offsets those of the whole text),
        or None if one does not fit."""
        out: list[Line] = []
        for i, (a, b) in enumerate(pieces):
            W = widths[min(i, len(widths) - 1)]
            lines = self.break_lines([Span(text[a:b], style)], W,
                                     replace(settings, indent=settings.indent if not out else 0.0))
            if len(lines) != 1:
                return None
            out.append(replace(lines[0], start=lines[0].start + a, end=lines[0].end + a))
        return out

    def set_paragraph(self, spans: list[Span], style: str, role: str, *, left: float = 0.0,
                      right: float = 0.0) -> list[SetLine]:
        """A justified paragraph with the layout's first-line indent (cjk-rules §3, §4)."""
        size = self.book.em(style)
        lines = self.break_lines(spans, self.measure - left - right, self.body_settings)
        return [SetLine(ln, left, size, role) for ln in lines]

    def reset(self, run: Run, delta: int) -> Run | None:
        """The paragraph of `run` set `delta` lines longer (+1) or shorter (-1), within the
        layout's make-up limits (`makeup.max_spread`, `makeup.max_squeeze`: no line looser or
        tighter), with its note marks; None when it cannot be (page make-up, makeup.py).
        Both settings come from one search and go through the paragraph cache."""
        src = run.source
        n = len(run.lines)
        if src is None or n + delta < 1:
            return None
        mk = self.layout.makeup
        measure = self.measure - src.left - src.right
        limits = (mk.max_spread, mk.max_squeeze)
        counts = (n - 1, n + 1) if n > 1 else (n + 1,)
        found = self._counts.setdefault((src, measure, limits, counts), {})

        def work(count: int):
            def run_it() -> list[Line]:
                if not found:
                    found.update(set_paragraph_lines(src.spans, measure, self.book,
                                                     self.body_settings, counts, limits))
                return found.get(count) or []
            return run_it
        if self.cache is None:
            lines = work(n + delta)()
        else:
            lines = self.cache.lines(list(src.spans), measure, self.body_settings, None,
                                     work(n + delta), target=(n + delta, limits))
            if found:          # the other count was set by the same search: keep it too
                for c in counts:
                    if c != n + delta:
                        self.cache.lines(list(src.spans), measure, self.body_settings, None,
                                         work(c), target=(c, limits))
        if not lines:
            return None
        size = self.book.em(src.style)
        out = [SetLine(ln, src.left, size, run.role) for ln in lines]
        notes = notemarks.line_notes(run.lines)
        if notes:
            notemarks.attach(out, notes, self.layout.notes.marker_style)
        return replace(run, lines=out, makeup=run.makeup + delta)

    def text_block(self, text: str, block: Block, role: str) -> list[SetLine]:
        return self.set_heading([Span(block.format.format(text=text), block.style)], block, role)

    def part(self, lines: list[SetLine], block: Block) -> Part:
        return Part(lines, block.line_pitch or self.pitch, block.space_before, block.space_after)

    # --- articles -----------------------------------------------------------------------
    def article(self, article: Article, section: str, section_index: int,
                article_index: int, first_overall: bool) -> list[FlowItem]:
        a = self.layout.article
        items: list[FlowItem] = []
        if a.start in ("new_page", "new_recto"):
            items.append(PageBreak(recto=a.start == "new_recto"))
        elif not first_overall and a.separator_rule:
            items.append(Band([Part([], self.pitch, a.separator_space,
                                    rule=a.separator_rule_width, rule_gap=a.separator_space)],
                              role="separator"))
        fm = article.front
        self._check_head(article)
        parts: list[Part] = []
        for name in a.head_order:
            key = "byline" if name == "authors" and not fm.authors else name
            self.source = (article.path, article.lines.get(key))
            if name == "title":
                lines: list[SetLine] = []
                for t in fm.title:
                    lines += self.text_block(t, a.title, "title")
                parts.append(self.part(lines, a.title))
            elif name == "subtitle" and fm.subtitle:
                parts.append(self.part(self.text_block(fm.subtitle, a.subtitle, "subtitle"),
                                       a.subtitle))
            elif name == "authors" and (fm.authors or fm.byline):
                # authors and byline both given: both print, as article.byline_with_authors says
                texts = ([format_authors(fm.authors, self.layout)] if fm.authors else []) + \
                    ([a.author_names.format.format(names=fm.byline)] if fm.byline else [])
                if a.byline_with_authors == "before":
                    texts.reverse()
                lines = []
                for text in texts:
                    lines += self.text_block(text, a.authors, "byline")
                parts.append(self.part(lines, a.authors))
            elif name == "lead" and fm.lead:
                em = self.book.em(a.lead.style)
                spans = [Span(a.lead.format.format(text=fm.lead), a.lead.style)]
                lines = self.set_paragraph(spans, a.lead.style, "lead", left=a.lead.indent * em,
                                           right=a.lead_right_indent * em)
                parts.append(self.part(lines, a.lead))
        markers = []
        if article_index == 0:
            markers.append(Marker("section", printed(section), f"section-{section_index}", 0,
                                  section))
        title = printed("".join(fm.title))          # bookmarks: what the page shows
        markers.append(Marker("article", title, article_key(section_index, article_index), 1,
                              section))
        items.append(Band(parts, keep_with_next=True, markers=markers, section=section,
                          role="head", origin=(str(article.path), article.lines.get("title"))))

        self._notes = self.article_notes(article, article_key(section_index, article_index))
        for block in article.blocks:
            self.source = (article.path, block.line)
            if block.kind == "heading":
                hb = a.subhead2 if block.level <= 2 else a.subhead3
                lines = self.set_heading(self.spans(block.inlines, hb.style), hb,
                                         f"subhead{min(max(block.level, 2), 3)}")
                self._attach(lines, block)
                items.append(Band([self.part(lines, hb)], keep_with_next=True, section=section,
                                  role="subhead", origin=(str(article.path), block.line)))
            elif block.kind == "figure":
                from typeset.layout.figures import build_figure
                items.append(build_figure(self, block, article, section))
            elif block.kind == "table":
                from typeset.layout.tables import build_table
                items.append(build_table(self, block, article, section))
            else:
                spans = self.spans(block.inlines, a.body_style)
                lines = self.set_paragraph(spans, a.body_style, "body")
                self._attach(lines, block)
                items.append(Run(lines, section=section,
                                 origin=(str(article.path), block.line),
                                 source=Source(tuple(spans), a.body_style)))
        if fm.note:
            self.source = (article.path, article.lines.get("note"))
            note = a.note
            em = self.book.em(note.style)
            lines = self.set_paragraph([Span(note.format.format(text=fm.note), note.style)],
                                       note.style, "note", left=note.indent * em)
            _keep_with_note(items, self.layout.makeup.note_lines)
            if (note.line_pitch or self.pitch) == self.pitch:
                if note.space_before:
                    items.append(Space(max(1, round(note.space_before / self.pitch))))
                items.append(Run(lines, section=section, role="note",
                                 origin=(str(article.path), article.lines.get("note"))))
            else:
                items.append(Band([self.part(lines, note)], section=section, role="note",
                                  origin=(str(article.path), article.lines.get("note"))))
        if self._notes and self.layout.notes.mode == "endnote":
            items += self.endnotes(article, section)
        self._notes = {}
        return items

    def _check_head(self, article: Article) -> None:
        """Every head part the article gives is printed: a part the layout's head_order leaves
        out, or a byline beside authors where the layout refuses both, is an error at the
        article's line (never text silently not printed)."""
        a, fm = self.layout.article, article.front
        for part, key, given in (("subtitle", "subtitle", fm.subtitle),
                                 ("authors", "authors", fm.authors),
                                 ("authors", "byline", fm.byline), ("lead", "lead", fm.lead)):
            if given and part not in a.head_order:
                raise TypesetError(
                    f"the layout {self.layout.name} prints no {key}: its article.head_order "
                    f"({', '.join(a.head_order)}) leaves out '{part}'",
                    file=article.path, line=article.lines.get(key),
                    hint=f"remove '{key}' from the front matter, or add '{part}' to the "
                         "layout's article.head_order")
        if fm.authors and fm.byline and a.byline_with_authors == "refuse":
            raise TypesetError(
                f"both authors and byline are given; the layout {self.layout.name} prints one "
                "or the other (article.byline_with_authors: refuse)", file=article.path,
                line=article.lines.get("byline"),
                hint="keep one: put the names into the byline (byline: 记者 李四 张三), or "
                     "remove the byline")

    # --- notes (notes.py) ----------------------------------------------------------------
    def article_notes(self, article: Article, key: str) -> dict[str, Note]:
        """The article's notes, numbered in the order of their references, each set for the
        foot of the page (or the article's end) in the notes' style."""
        order = [(label, b) for b in article.blocks for label in b.notes]
        if not order:
            return {}
        ns = self.layout.notes
        if ns is None:
            label, block = order[0]
            raise TypesetError(f"the layout {self.layout.name} sets no notes (it has no `notes` "
                               f"block), but the article refers to [^{label}]",
                               file=article.path, line=block.line,
                               hint="add a notes block to the layout (see the README's layout "
                                    "table), or write the note into the text")
        for number, (label, block) in enumerate(order, start=1):   # refused at its line
            notemarks.numeral(notemarks.set_number(number, ns), ns,
                              where={"file": article.path, "line": block.line})
        width = max(self.book.width(notemarks.number_text(notemarks.set_number(n, ns), ns),
                                    ns.style) for n in {1, len(order)})
        out: dict[str, Note] = {}
        for number, (label, block) in enumerate(order, start=1):
            d = article.note(label)
            out[label] = Note(key=f"{key}:{label}", label=label, number=number,
                              lines=self.set_note(d.paragraphs, width), pitch=float(ns.line_pitch),
                              number_width=width, origin=(str(article.path), d.line))
        return out

    def set_note(self, paragraphs, number_width: float) -> list[SetLine]:
        """A note's lines, leaving room for its number before the first; with `hanging` the
        later lines (and later paragraphs) align after the number."""
        ns = self.layout.notes
        size = self.book.em(ns.style)
        rest = number_width if ns.hanging else 0.0
        settings = replace(self.body_settings, indent=0.0)
        out: list[SetLine] = []
        for k, para in enumerate(paragraphs):
            first = number_width if k == 0 else rest
            lines = self.break_lines(self.spans(para, ns.style),
                                     [self.measure - first, self.measure - rest], settings)
            out += [SetLine(ln, first if i == 0 else rest, size, "footnote")
                    for i, ln in enumerate(lines)]
        return out

    def _attach(self, lines: list[SetLine], block) -> None:
        labels = block.notes
        if labels:
            found = notemarks.attach(lines, [self._notes[lb] for lb in labels],
                                     self.layout.notes.marker_style)
            assert found == len(labels), "a note's mark was lost in line breaking"

    def endnotes(self, article: Article, section: str) -> list[FlowItem]:
        """注释 at the article's end: the heading, then each note with its number."""
        ns = self.layout.notes
        block = ns.endnote_block or self.layout.article.subhead3
        items: list[FlowItem] = []
        heading = self.text_block(ns.endnote_heading, block, "endnote-heading")
        items.append(Band([self.part(heading, block)], keep_with_next=True, section=section,
                          role="subhead", origin=(str(article.path), None)))
        for note in sorted(self._notes.values(), key=lambda n: n.number):
            lines = [replace(sl, role="endnote") for sl in note.lines]
            lines[0] = replace(lines[0], tail=((notemarks.number_text(note.number, ns),
                                                ns.style, 0.0, 0.0),))
            items.append(Band([Part(lines, note.pitch)], section=section, role="endnote",
                              origin=note.origin))
        return items

    # --- colophon -----------------------------------------------------------------------
    def colophon(self, issue: Issue) -> Band | None:
        if not issue.colophon:
            return None
        c = self.layout.colophon
        size = self.book.em(c.style)
        lines: list[SetLine] = []
        for entry in issue.colophon:
            self.source = (issue.path, entry.line)
            label = f"{entry.label}{c.separator}"
            label_w = self.book.width(label, c.style)
            if self.measure - label_w < size:
                # the text's later lines hang after the label: it must leave them room
                raise TypesetError(
                    f"colophon label '{entry.label}' is {label_w:.1f} pt wide with its "
                    f"separator: it leaves {self.measure - label_w:.1f} pt of the "
                    f"{self.measure:.1f} pt text block for the text after it",
                    file=issue.path, line=entry.line,
                    hint="shorten the label (the text's later lines start after it)")
            # Hanging indent: continuation lines align after the label.
            settings = replace(self.head_settings, indent=0.0, justify=True)
            widths = [self.measure, self.measure - label_w]
            set_lines = self.break_lines([Span(label + entry.text, c.style)], widths, settings)
            for i, ln in enumerate(set_lines):
                lines.append(SetLine(ln, 0.0 if i == 0 else label_w, size, "colophon"))
        return Band([Part(lines, self.pitch, c.space_before, 0.0, rule=c.rule_width,
                          rule_gap=c.rule_gap)], role="colophon")


def _keep_with_note(items: list[FlowItem], lines: int) -> None:
    """An article's end note (（作者系……）) never stands alone on a page: the last `lines`
    body lines before it stay on its page (paginate: `Run.keep_last`), taken from the last
    paragraphs (a one-line last paragraph keeps a line of the one before with it)."""
    need = lines
    for i in range(len(items) - 1, -1, -1):
        item = items[i]
        if need <= 0 or not isinstance(item, Run) or item.role != "body":
            return
        items[i] = replace(item, keep_last=min(need, len(item.lines)))
        need -= len(item.lines)


#: 点号 a two-line heading prefers to break after (cjk-rules §1: they end a line)
_BALANCE_STOPS = frozenset("，、；：")


def _author_spaces(text: str) -> list[int]:
    """Offsets of the spaces an author typed between phrases of a heading (事争一流 奋发有为);
    a space inside quotes or brackets is part of what they quote (“茶香富民 委员行动”)."""
    out: list[int] = []
    depth = 0
    for i, ch in enumerate(text):
        if ch in cjk.OPENING:
            depth += 1
        elif ch in cjk.CLOSING:
            depth = max(0, depth - 1)
        elif ch == " " and depth == 0 and 0 < i < len(text) - 1:
            out.append(i)
    return out


#: a cold build of an issue with at least this many blocks breaks its paragraphs on two cores
PREBREAK_MISSING = 100
#: whether `prebreak` forks at all. Off since wave 7: measured, it makes a cold build slower
#: on two cores, not faster (README, "Two cores": each child composes its articles whole,
#: ~2x the CPU of this process, which composes them again from the cache, and every line
#: comes back pickled; a cold ten-times issue 4.9 -> 3.2 s of wall time and 7.1 -> 4.5 s of
#: CPU without it, the sample 2.2 -> 2.0 s, the other core idle). Kept, and tested, for a
#: cheaper way back (the lines in the paragraph cache's binary form, say).
PREBREAK_FORKS = False


def prebreak(issue: Issue, comp: Composer) -> bool:
    """Break the issue's paragraphs on forked children, an article at a time (the next
    article to whichever child is free), when most of them are not in the paragraph cache (a
    cold build: ~0.4 s of breaking for the sample issue). The children's lines go into the
    paragraph cache, where `compose_issue` finds them: they are the lines breaking them here
    gives (typeset.parallel). Returns whether it did."""
    cache = comp.cache
    if cache is None or not PREBREAK_FORKS:
        return False
    blocks = sum(len(a.blocks) for s in issue.sections for a in s.articles)
    # surely warm: the cache holds an entry for a quarter of the blocks or more (a warm cache
    # holds about one per block and more: headings, cells, notes, the make-up pass's)
    if blocks < PREBREAK_MISSING or len(cache.old) * 4 >= blocks:
        return False
    from typeset import parallel
    if parallel.workers() < 2:
        return False
    arts = [(si, ai, art, section.title) for si, section in enumerate(issue.sections)
            for ai, art in enumerate(section.articles)]
    # Fewer entries than that: cold, or an issue whose articles repeat paragraphs (they share
    # an entry). The first and the last article, set here, tell (their lines stay in the
    # cache, where compose_issue finds them).
    hits, misses = cache.hits, cache.misses
    probe = [arts[0]] + arts[-1:] if len(arts) > 1 else arts
    for si, ai, art, title in probe:
        try:
            comp.article(art, title, si, ai, si == 0 and ai == 0)
        except TypesetError:
            pass                         # compose_issue meets it again, in order
    if cache.misses - misses <= cache.hits - hits:
        return False
    arts = arts[1:-1]
    if not arts:
        return False

    def work(one):
        si, ai, art, title = one
        cache.new, cache.new_words = {}, {}        # (this child's own)
        try:
            comp.article(art, title, si, ai, si == 0 and ai == 0)
        except TypesetError:
            pass                         # compose_issue meets it again, in order
        old, old_words = cache.old, cache.old_words          # (only what it broke goes back)
        return ({k: v for k, v in cache.new.items() if k not in old},
                {k: v for k, v in cache.new_words.items() if k not in old_words})
    got = parallel.map_forked(work, arts)
    if got is None:
        return False
    for lines, words in got:
        cache.old.update(lines)
        cache.old_words.update(words)
    return True


def compose_issue(issue: Issue, comp: Composer, memo: dict | None = None) -> list[FlowItem]:
    """The issue's flow: every article's items, in order. `memo`: the items of articles
    composed before (a warm process, typeset.session, keeps it): an article that is the same
    object, at the same place, under the same section title, with the same composer, gives
    the same items (they are never changed after this). It holds only this issue's articles
    afterwards."""
    from typeset.progress import step

    items: list[FlowItem] = []
    first = True
    kept: dict = {}
    total, done = sum(len(s.articles) for s in issue.sections), 0
    for si, section in enumerate(issue.sections):
        if not section.articles:
            raise no_articles(issue, si)
        for ai, art in enumerate(section.articles):
            key = (id(art), section.title, si, ai, first)
            got = memo.get(key) if memo is not None else None
            if got is None or got[0] is not art:
                got = (art, comp.article(art, section.title, si, ai, first))
            kept[key] = got
            items += got[1]
            first = False
            done += 1
            step("setting article", done, total)
    if memo is not None:
        memo.clear()
        memo.update(kept)
    return items


def no_articles(issue: Issue, si: int) -> TypesetError:
    """The error for the issue's section `si`, which has no articles."""
    section = issue.sections[si]
    return TypesetError(f"section '{section.title}' has no articles", file=issue.path,
                        line=section.line)
