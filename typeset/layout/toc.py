"""目录: the contents (journal-style.md §1).

Section lines carry the layout's decoration; each entry is the article's title (wrapping as
needed), its subtitle on a line of its own, and on the entry's last line a dotted leader
filling to the author and the start page, the page numbers flush right. An entry is never
split between pages and a section line stays with its first entry.
"""
from __future__ import annotations

from dataclasses import replace

from typeset.layout.compose import Composer, article_key, line_extent
from typeset.layout.flow import Band, FlowItem, Part, SetLine
from typeset.layout.marginals import IssueFacts
from typeset.model.article import Article
from typeset.model.manifest import Issue
from typeset.text.types import Line, Span


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
    for si, section in enumerate(issue.sections):
        items.append(Band([comp.part(comp.text_block(section.title, c.section_block,
                                                     "contents-section"), c.section_block)],
                          keep_with_next=True, role="contents-section",
                          origin=(str(issue.path), section.line)))
        for ai, art in enumerate(section.articles):
            key = article_key(si, ai)
            items.append(_entry(art, start_pages[key], key, comp))
    return items


def _entry(art: Article, page: int, key: str, comp: Composer) -> Band:
    layout, book = comp.layout, comp.book
    c = layout.contents
    style = c.entry_style
    em = book.em(style)
    measure = comp.measure
    author = c.author_separator.join(art.front.authors)
    right_text = author + c.page_format.format(page=page)
    right_w = book.width(right_text, style)
    settings = replace(comp.body_settings, indent=0.0)

    texts = ["".join(art.front.title)]
    if art.front.subtitle:
        if c.subtitle_new_line:
            texts.append(art.front.subtitle)
        else:
            texts[0] += art.front.subtitle
    lines: list[SetLine] = []
    room = measure - right_w - c.min_leader * em
    own_line = room < c.min_title_room * em   # a very long author list: leader and page apart
    for i, text in enumerate(texts):
        last = i == len(texts) - 1 and not own_line
        for ln in comp.break_lines([Span(text, style)], measure, settings,
                                   last_width=room if last else None):
            lines.append(SetLine(ln, 0.0, em, "contents-entry"))
    if own_line:
        lines.append(SetLine(Line([], measure, 0.0, 0.0, True), 0.0, em, "contents-entry"))
    # Leader, author and page on the entry's last line, page numbers flush right; the leader
    # characters share the whole space between the text and the author evenly.
    end = line_extent(lines[-1].line)
    right_x = measure - right_w
    leader_w = book.width(c.leader, style)
    space = right_x - end
    # The nearest whole number of leader characters: each shifts by under half of one
    # character's width over the whole leader, so the dots keep their rhythm.
    count = max(0, round(space / leader_w))
    tail = ((c.leader * count, style, end, space) if count else ("", style, end, 0.0),
            (right_text, style, right_x, 0.0))
    tail = tuple(t for t in tail if t[0])
    lines[-1] = replace(lines[-1], tail=tail)
    return Band([Part(lines, comp.pitch, c.entry_space)], role="contents-entry",
                link=key, origin=(str(art.path), art.lines.get("title")))
