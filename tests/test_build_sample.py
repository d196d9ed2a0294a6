"""End to end on the sample issue: what the PDF says against what the sources say."""
from __future__ import annotations

import re

from pathlib import Path

from typeset.layout.flow import Table
from typeset.layout.page import Image, TextRun
from typeset.layout.compose import article_key, format_authors

FURNITURE = {"running-head", "folio"}
#: what is not in the text's own order: figures and tables may float or continue, notes stand
#: at the foot of the page and their marks are numbers the sources do not hold
BEYOND = {"caption", "table-caption", "table-head", "table-cell", "table-continued", "footnote",
          "note-ref"}


def squash(text: str) -> str:
    """Whitespace is layout (line ends, ideographic padding), not content."""
    return re.sub(r"\s+", "", text)


def expected_body_text(comp) -> str:
    """The text of the issue as the sources give it, in reading order, with the layout's
    formats (note in （）, byline decorations) applied."""
    layout, a = comp.layout, comp.layout.article
    out: list[str] = []
    for section in comp.issue.sections:
        for art in section.articles:
            fm = art.front
            for part in a.head_order:
                if part == "title":
                    out += [a.title.format.format(text=t) for t in fm.title]
                elif part == "subtitle" and fm.subtitle:
                    out.append(a.subtitle.format.format(text=fm.subtitle))
                elif part == "authors":
                    texts = ([format_authors(fm.authors, layout)] if fm.authors else []) + \
                        ([a.author_names.format.format(names=fm.byline)] if fm.byline else [])
                    if a.byline_with_authors == "before":
                        texts.reverse()
                    out += [a.authors.format.format(text=t) for t in texts]
                elif part == "lead" and fm.lead:
                    out.append(a.lead.format.format(text=fm.lead))
            for block in art.blocks:
                if block.kind in ("figure", "table"):
                    continue
                out.append("".join(i.text for i in block.inlines))
            if fm.note:
                out.append(a.note.format.format(text=fm.note))
    for entry in comp.issue.colophon:
        out.append(entry.label + layout.colophon.separator + entry.text)
    return squash("".join(out))


def page_text(page, *, furniture: bool) -> str:
    return "".join(it.text for it in page.items if isinstance(it, TextRun)
                   and (furniture or it.role not in FURNITURE | BEYOND))


def test_sample_is_a_real_issue(sample_composition):
    comp = sample_composition
    assert len(comp.issue.sections) >= 3
    assert sum(len(s.articles) for s in comp.issue.sections) >= 8
    assert len(comp.body) >= 24
    assert comp.contents, "contents come first"


def test_laid_out_text_equals_sources(sample_composition):
    """Nothing lost, nothing added but furniture (running heads, folios)."""
    comp = sample_composition
    laid_out = squash("".join(page_text(p, furniture=False) for p in comp.body))
    assert laid_out == expected_body_text(comp)


def test_sample_shows_every_feature(sample_composition):
    """Figures (three pictures), a table wider than the measure (shrunk), a table longer than
    a page (continued), footnotes: the sample issue carries each of them."""
    comp = sample_composition
    images = [it for p in comp.body for it in p.items if isinstance(it, Image)]
    assert sorted(Path(i.source).name for i in images) == ["chaye.jpg", "hongshuihe.png",
                                                           "huiyi.jpg"]
    roles = [it.role for p in comp.body for it in p.items if isinstance(it, TextRun)]
    assert "table-continued" in roles and "footnote" in roles and "note-ref" in roles
    tables = [pl.item for f in comp.frames for pl in f.placements if isinstance(pl.item, Table)]
    assert any(t.size < comp.layout.styles[comp.layout.table.cell_style].size for t in tables)


def test_figures_tables_and_notes_are_all_printed(sample_composition):
    """Every caption, credit, cell and note is on the pages, each where it belongs: a caption
    on the page of its picture, table cells in reading order, a note on its mark's page."""
    comp = sample_composition
    layout = comp.layout
    fs = layout.figure
    cells_laid = squash("".join(it.text for p in comp.body for it in p.items
                                if isinstance(it, TextRun) and it.role in ("table-head",
                                                                           "table-cell")))
    for section in comp.issue.sections:
        for art in section.articles:
            for block in art.blocks:
                if block.kind == "figure":
                    (page,) = [p for p in comp.body for it in p.items if isinstance(it, Image)
                               and it.source == block.figure.picture.path]
                    caption = "".join(i.text for i in block.inlines) + (
                        fs.credit_format.format(credit=block.figure.credit)
                        if block.figure.credit else "")
                    shown = squash("".join(it.text for it in page.items
                                           if isinstance(it, TextRun) and it.role == "caption"))
                    assert squash(caption) in shown
                elif block.kind == "table":
                    t = block.table
                    head = squash("".join(i.text for cell in t.header for i in cell))
                    rows = squash("".join(i.text for row in t.rows for cell in row
                                          for i in cell))
                    assert cells_laid.count(head) >= 1
                    assert rows in cells_laid.replace(head, "")     # in order, each once
            for note in art.notes:
                pages = [p for p in comp.body if squash(note.text)[:10] in squash("".join(
                    it.text for it in p.items if isinstance(it, TextRun)
                    and it.role == "footnote"))]
                assert pages, note.label
                assert any(it.role == "note-ref" for it in pages[0].items
                           if isinstance(it, TextRun))


def test_pdf_text_equals_laid_out_text(sample_composition, sample_pdf_text):
    """What a reader extracts from the PDF is exactly what was laid out, page by page."""
    comp = sample_composition
    assert len(sample_pdf_text) == len(comp.pages)
    for i, (page, text) in enumerate(zip(comp.pages, sample_pdf_text)):
        assert squash(text) == squash(page_text(page, furniture=True)), f"page {i + 1}"


def test_contents_page_numbers_find_titles(sample_composition, sample_pdf_text):
    """Every contents entry names the page its article's title really is on."""
    comp = sample_composition
    page_of = {p.label: i for i, p in enumerate(comp.pages)}  # PDF page of each label
    contents_text = squash("".join(t for p, t in zip(comp.pages, sample_pdf_text)
                                   if p.kind == "contents"))
    fmt = comp.layout.contents.page_format
    for section in comp.issue.sections:
        for art in section.articles:
            title = squash("".join(art.front.title))
            at = contents_text.index(title)
            pattern = re.escape(squash(fmt)).replace(re.escape("{page}"), r"(\d+)")
            m = re.compile(pattern).search(contents_text, at + len(title))
            assert m, f"no page number after {title}"
            folio = int(m.group(1))
            body_page = squash(sample_pdf_text[page_of[str(folio)]])
            first_line = squash(art.front.title[0])
            assert first_line[:12] in body_page, f"{title} not on page {folio}"
            # ... and not on the page before (it is where it *starts*).
            if folio > 1:
                assert first_line not in squash(sample_pdf_text[page_of[str(folio - 1)]])


def test_running_heads_show_the_section_on_the_page(sample_composition):
    comp = sample_composition
    rh = comp.layout.running_heads
    titles_to_section = {}
    for si, section in enumerate(comp.issue.sections):
        for ai, _ in enumerate(section.articles):
            titles_to_section[article_key(si, ai)] = section.title
    current = None
    for folio, page in enumerate(comp.body, start=1):
        starts = [a for a in page.anchors if a.kind == "article"]
        if starts:
            current = titles_to_section[starts[0].key]
        heads = [it for it in page.items if isinstance(it, TextRun) and it.role == "running-head"]
        if page.kind == "blank":
            continue
        if not any(isinstance(it, TextRun) and it.role not in FURNITURE | {"colophon", "colophon-rule"}
                   for it in page.items):
            assert heads == [], "the colophon's own page carries no running head"
            continue
        section_text = rh.section_format.format(title=current)
        journal_side = comp.layout.running_title
        left = "".join(r.text for r in heads if r.x < page.width / 2)
        right = "".join(r.text for r in heads if r.x >= page.width / 2)
        if folio % 2:   # recto: running title left, section right (mirrored)
            assert (left, right) == (journal_side, section_text), f"page {folio}"
        else:
            assert (left, right) == (section_text, journal_side), f"page {folio}"
        folios = [it.text for it in page.items if isinstance(it, TextRun) and it.role == "folio"]
        assert folios == [str(folio)]


def test_no_heading_ends_a_page(sample_composition):
    for folio, page in enumerate(sample_composition.body, start=1):
        runs = [it for it in page.items if isinstance(it, TextRun) and it.role not in FURNITURE]
        if not runs:
            continue
        lowest = min(runs, key=lambda r: r.y)
        assert lowest.role not in {"title", "subtitle", "byline", "subhead2", "subhead3", "lead"}, \
            f"page {folio} ends with a {lowest.role}"


def test_every_article_starts_a_new_page(sample_composition):
    """guangxi: 每篇另起一页 — an article's title is the first thing on its page."""
    for page in sample_composition.body:
        for anchor in page.anchors:
            if anchor.kind == "article":
                top = max(it.y for it in page.items
                          if isinstance(it, TextRun) and it.role not in FURNITURE)
                titles = [it for it in page.items if isinstance(it, TextRun) and it.role == "title"]
                assert max(t.y for t in titles) == top
