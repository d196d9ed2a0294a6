"""目录: the contents (journal-style.md §1).

Section lines carry the layout's decoration; each entry is the article's title (wrapping as
needed), its subtitle on a line of its own, and on the entry's last line a dotted leader
running to the author and the start page, the page numbers flush right. An entry is never
split between pages and a section line stays with its first entry.

Set as a print editor sets it (issue 9): the title lines are ragged, never letter-spaced,
and stop short of the page-number column; a title that wraps breaks between words, at a
phrase boundary where it can (`Composer.words`, `paragraph.phrase_cost`); the leader's dots
stand on one pitch at fixed places measured from the right edge, so they line up from entry
to entry; two-character names are padded (吴　宁) as in bylines, and a byline naming no person
(an organisation) is credited as the layout's `contents.byline` says.
"""
from __future__ import annotations

import math
from dataclasses import replace

from typeset.layout.compose import Composer, article_key, line_extent
from typeset.layout.flow import Band, FlowItem, Part, SetLine
from typeset.layout.marginals import IssueFacts
from typeset.model.article import Article, FrontMatter
from typeset.model.chars import printed
from typeset.model.layout import Layout
from typeset.model.manifest import Issue
from typeset.text.cjk import is_punctuation
from typeset.text.types import Line, Span
from typeset.text.words import phrase_boundary


def contents_items(issue: Issue, comp: Composer, start_pages: dict[str, int],
                   facts: IssueFacts) -> list[FlowItem]:
    c = comp.layout.contents
    items: list[FlowItem] = [Band([comp.part(comp.text_block(c.heading, c.heading_block,
                                                             "contents-head"), c.heading_block)],
                                  keep_with_next=True, role="contents-head")]
    if c.issue_block is not None:
        text = c.issue_line.format(**facts.fields())
        items.append(Band([comp.part(comp.text_block(text, c.issue_block, "contents-issue"),
                                     c.issue_block)], keep_with_next=True, role="contents-issue"))
    # the page-number column: as wide as the widest page reference of the issue
    column = max((comp.book.width(c.page_format.format(page=p), c.entry_style)
                  for p in start_pages.values()), default=0.0)
    for si, section in enumerate(issue.sections):
        comp.source = (issue.path, section.line)
        items.append(Band([comp.part(comp.text_block(section.title, c.section_block,
                                                     "contents-section"), c.section_block)],
                          keep_with_next=True, role="contents-section",
                          origin=(str(issue.path), section.line)))
        for ai, art in enumerate(section.articles):
            key = article_key(si, ai)
            items.append(_entry(art, start_pages[key], key, comp, column))
    cover = issue.cover
    if cover is not None and cover.caption:        # 封面说明 (format.md, "The whole issue")
        from typeset.model.layout import Block
        cv = comp.layout.cover
        block = (cv.caption_block if cv is not None else None) or Block(style=c.entry_style)
        items.append(Band([comp.part(comp.text_block(cover.caption, block, "contents-cover"),
                                     block)], role="contents-cover",
                          origin=(str(issue.path), cover.caption_line)))
    return items


def contents_credit(front: FrontMatter, layout: Layout) -> str:
    """Who an entry credits: the authors, two-character names padded as in bylines (吴　宁);
    else the byline, as `contents.byline` says; else nobody (leader and page only)."""
    return layout.contents.author_separator.join(_credit_names(front, layout))


def _credit_names(front: FrontMatter, layout: Layout) -> list[str]:
    """The names an entry credits (contents_credit), or the credited byline as one."""
    c = layout.contents
    if front.authors:
        pad = layout.article.author_names.pad_two_char_names
        shown = []
        for name in front.authors:
            p = printed(name)
            shown.append(f"{p[0]}\u3000{p[1]}" if pad and len(p) == 2 else name)
        return shown
    if front.byline and c.byline != "omit":
        if c.byline == "text" or not names_people(front.byline, c.byline_roles):
            return [front.byline]
    return []


def _wrapped_credit(names: list[str], comp: Composer, style: str, settings,
                    last_width: float) -> list[Line]:
    """A credit too wide for one line, set on lines of their own (flush right, by `_entry`):
    whole names on each line where a name fits the measure, packed from the end so that the
    last line — beside the leader and the page, `last_width` wide — is full; a name (or a
    byline) wider than a line breaks between its words."""
    sep = comp.layout.contents.author_separator
    book, measure = comp.book, comp.measure
    groups: list[list[str]] = []
    width = last_width
    for name in reversed(names):
        if groups and book.width(sep.join([name] + groups[0]), style) <= width:
            groups[0].insert(0, name)
        else:
            if groups:
                width = measure
            groups.insert(0, [name])
    out: list[Line] = []
    for i, group in enumerate(groups):
        text = sep.join(group)
        lw = last_width if i == len(groups) - 1 else None
        lines = comp.break_lines([Span(text, style)], measure, settings, last_width=lw)
        if len(lines) > 1:
            lines = comp.break_lines([Span(text, style)], measure, settings, last_width=lw,
                                     words=comp.words(text))
        out += lines
    return out


def names_people(byline: str, roles: tuple[str, ...]) -> bool:
    """Does a byline credit people by role (记者 罗晓岚 通讯员 韦嘉树, 文/张三, 本刊记者 李四)
    rather than an organisation (政协某某市委员会)?"""
    for token in byline.replace("\u3000", " ").split():
        for part in token.replace("／", "/").replace("：", "/").replace(":", "/").split("/"):
            if part and any(part.endswith(r) for r in roles):
                return True
    return False


def _last_phrase(text: str, words: tuple[int, ...], comp: Composer, style: str,
                 title_w: float, room: float) -> list[Line] | None:
    """A wrapping entry breaks before its last phrase (journal-style.md §1: "——以…“乡村振兴
    委员行动” / 实践为例……方向阳 (25)"): of the tails after a phrase boundary
    (text/words.py) that hold at least `min_last_line` characters and fit beside leader,
    credit and page, the shortest that needs no more lines than any other; the rest is set
    before it, between words. None if no tail fits."""
    settings = replace(comp.head_settings, indent=0.0)
    least = comp.layout.paragraph.min_last_line
    best: list[Line] | None = None
    for p in sorted((k for k in words if phrase_boundary(text, k)), reverse=True):
        a = len(text[:p].rstrip(" "))
        b = len(text) - len(text[p:].lstrip(" "))
        tail, head = text[b:], text[:a]
        if not head or sum(1 for ch in tail if not is_punctuation(ch)) < least:
            continue
        tail_lines = comp.break_lines([Span(tail, style)], title_w, settings, last_width=room)
        if len(tail_lines) != 1:
            break                    # longer tails fit even less
        head_lines = comp.break_lines([Span(head, style)], title_w, settings)
        if len(head_lines) > 1:
            head_lines = comp.break_lines([Span(head, style)], title_w, settings,
                                          words=comp.words(head))
        if best is None or len(head_lines) + 1 < len(best):
            t = tail_lines[0]
            best = head_lines + [replace(t, start=t.start + b, end=t.end + b)]
    return best


def _entry(art: Article, page: int, key: str, comp: Composer, column: float) -> Band:
    layout, book = comp.layout, comp.book
    c = layout.contents
    style = c.entry_style
    em = book.em(style)
    measure = comp.measure
    comp.source = (art.path, art.lines.get("title"))
    credit = contents_credit(art.front, layout)
    page_text = c.page_format.format(page=page)
    right_text = credit + page_text
    right_w = book.width(right_text, style)
    leader_w = book.width(c.leader, style)
    # ragged: an entry's lines are never letter-spaced (nor squeezed inside)
    settings = replace(comp.head_settings, indent=0.0)
    # a credit too wide for one line beside the shortest leader and the page wraps onto
    # lines of its own, flush right; its last line keeps the leader and the page
    credit_lines: list[Line] = []
    if credit and right_w + c.min_leader * em + leader_w > measure:
        comp.source = (art.path, art.lines.get("authors" if art.front.authors else "byline"))
        page_w = book.width(page_text, style)
        credit_lines = _wrapped_credit(_credit_names(art.front, layout), comp, style,
                                       settings, measure - page_w - c.min_leader * em
                                       - leader_w)
        right_text, right_w = page_text, page_w + line_extent(credit_lines[-1])
        comp.source = (art.path, art.lines.get("title"))

    # a title given as several lines runs on in the contents, its lines a space apart
    texts = [" ".join(art.front.title)]
    if art.front.subtitle:
        if c.subtitle_new_line:
            texts.append(art.front.subtitle)
        else:
            texts[0] += art.front.subtitle
    lines: list[SetLine] = []
    # the last line keeps room for the leader (min_leader, and one cell lost to its pitch),
    # the credit and the page; the others stop short of the page-number column
    room = measure - right_w - c.min_leader * em - leader_w
    # a very long credit: leader and page apart
    own_line = bool(credit_lines) or room < c.min_title_room * em
    title_w = measure - column
    for i, text in enumerate(texts):
        last = i == len(texts) - 1 and not own_line
        lw = room if last else None
        set_lines = comp.break_lines([Span(text, style)], title_w, settings, last_width=lw)
        if len(set_lines) > 1:
            words = comp.words(text)
            set_lines = (last and _last_phrase(text, words, comp, style, title_w, room)) or \
                comp.break_lines([Span(text, style)], title_w, settings, last_width=lw,
                                 words=words)
        for ln in set_lines:
            lines.append(SetLine(ln, 0.0, em, "contents-entry"))
    for ln in credit_lines[:-1]:
        lines.append(SetLine(ln, measure - line_extent(ln), em, "contents-entry"))
    end = 0.0
    if credit_lines:
        ln = credit_lines[-1]
        lines.append(SetLine(ln, measure - right_w, em, "contents-entry"))
    elif own_line:
        lines.append(SetLine(Line([], measure, 0.0, 0.0, True), 0.0, em, "contents-entry"))
    else:
        end = line_extent(lines[-1].line)
    # The leader's cells: cell k spans [measure - k·w, measure - (k-1)·w], the same places on
    # every entry, so the dots line up down the page; the leader fills the cells between the
    # title's end and the credit.
    first_cell = math.ceil(right_w / leader_w - 1e-6) + 1
    last_cell = math.floor((measure - end) / leader_w + 1e-6)
    count = max(0, last_cell - first_cell + 1)
    tail = ((c.leader * count, style, measure - last_cell * leader_w, 0.0),) if count else ()
    tail += ((right_text, style, measure - book.width(right_text, style), 0.0),)
    lines[-1] = replace(lines[-1], tail=tail)
    return Band([Part(lines, comp.pitch, c.entry_space)], role="contents-entry",
                link=key, origin=(str(art.path), art.lines.get("title")))
