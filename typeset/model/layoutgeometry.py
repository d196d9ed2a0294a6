"""A layout's geometry checked when it loads (layoutcheck.py): everything it places lies
inside the trim box, with room for what it holds; the figure, table and notes blocks'
lengths and pitches."""
from __future__ import annotations

from typing import TYPE_CHECKING

from typeset.model.chars import printed
from typeset.model.layoutfields import _doc_of

if TYPE_CHECKING:
    from typeset.model.layout import Layout


# The ideographic em box: the baseline lies 0.88 em below its top and 0.12 em above its
# bottom (layout/flow.py EM_ASCENT; clreq §3.1). Used to keep running heads and folios on
# the page.
_EM_ASCENT, _EM_DESCENT = 0.88, 0.12
# ISO 32000-1 Annex C.2: a page is at most 14 400 units (200 inches) in each direction.
_MAX_PAGE = 14400.0


def _check_geometry(layout: Layout, fail) -> None:
    """Everything the layout places lies inside the trim box, with room for what it holds."""
    pg, tb, rh = layout.page, layout.textblock, layout.running_heads
    size = {name: float(s.size) for name, s in layout.styles.items()}

    def positive(value: float, key: str, what: str, zero: bool = False) -> None:
        if value < 0 or (value == 0 and not zero):
            raise fail(f"{key} is {value:g}: {what} must be "
                       + ("zero or more" if zero else "more than zero"),
                       f"{key.rsplit('.', 1)[-1]}: {_doc_of(key)}", key)

    for key, value in (("page.width", pg.width), ("page.height", pg.height),
                       ("textblock.line_pitch", tb.line_pitch)):
        positive(float(value), key, "a length")
    for key, value in (("page.bleed", pg.bleed), ("page.crop_mark_length", pg.crop_mark_length),
                       ("page.crop_mark_gap", pg.crop_mark_gap),
                       ("page.crop_mark_width", pg.crop_mark_width),
                       ("textblock.top", tb.top),
                       ("running_heads.rule_gap", rh.rule_gap),
                       ("running_heads.rule_width", rh.rule_width),
                       ("article.separator_space", layout.article.separator_space),
                       ("article.separator_rule_width", layout.article.separator_rule_width),
                       ("article.lead_right_indent", layout.article.lead_right_indent),
                       ("paragraph.indent", layout.paragraph.indent),
                       ("paragraph.min_last_line", layout.paragraph.min_last_line),
                       ("contents.min_leader", layout.contents.min_leader),
                       ("check.short_line", layout.check.short_line),
                       ("contents.entry_space", layout.contents.entry_space),
                       ("colophon.rule_width", layout.colophon.rule_width),
                       ("colophon.rule_gap", layout.colophon.rule_gap),
                       ("colophon.space_before", layout.colophon.space_before)):
        positive(float(value), key, "it", zero=True)
    if tb.inner is not None:
        positive(float(tb.inner), "textblock.inner", "a margin", zero=True)
    for key, value in (("textblock.chars", tb.chars), ("textblock.lines", tb.lines)):
        if value < 1:
            raise fail(f"{key} is {value}: a text block needs at least one", _doc_of(key), key)
    if rh.max_chars is not None and rh.max_chars < 1:
        raise fail(f"running_heads.max_chars is {rh.max_chars}: it must be 1 or more",
                   _doc_of("running_heads.max_chars"), "running_heads.max_chars")
    for name, s in size.items():
        if not 0 < s <= min(pg.width, pg.height):
            raise fail(f"style '{name}': size {s:g} pt is {'not more than zero' if s <= 0 else 'larger than the page'}",
                       "a type size in points or a 号 name such as 小四", f"styles.{name}.size",
                       f"styles.{name}")
    for key, b in heading_blocks(layout, ("title", "subtitle", "authors", "lead", "subhead2",
                                          "subhead3", "note")):
        if b.line_pitch is not None:
            positive(float(b.line_pitch), f"{key}.line_pitch", "a line pitch")
        pitch = float(b.line_pitch if b.line_pitch is not None else tb.line_pitch)
        if size.get(b.style, 0.0) > pitch:
            raise fail(f"{key}: style '{b.style}' ({size[b.style]:g} pt) is larger than its "
                       f"line pitch ({pitch:g} pt): its lines would overlap",
                       f"a larger {key}.line_pitch or a smaller size", f"{key}.line_pitch",
                       f"{key}.style", key)
        for sub in ("space_before", "space_after", "indent", "continuation_indent"):
            positive(float(getattr(b, sub)), f"{key}.{sub}", "it", zero=True)
    _check_beyond_text(layout, size, positive, fail)
    if not printed(layout.contents.leader).strip():
        raise fail("contents.leader prints nothing", "write the leader character, e.g. '…'",
                   "contents.leader")
    p = layout.paragraph
    if len(p.han_latin) != 3 or not (0 <= p.han_latin[1] <= p.han_latin[0] <= p.han_latin[2]):
        raise fail(f"paragraph.han_latin must be three numbers: natural, minimum, maximum with "
                   f"0 <= minimum <= natural <= maximum, not {list(p.han_latin)}",
                   _doc_of("paragraph.han_latin"), "paragraph.han_latin")
    if p.indent >= tb.chars:
        raise fail(f"paragraph.indent ({p.indent:g} em) is not shorter than a line "
                   f"({tb.chars} characters)", _doc_of("paragraph.indent"), "paragraph.indent")

    # the text block on the page (cjk-rules §4 Grid)
    body = size[layout.article.body_style]
    width, height = float(pg.width), float(pg.height)
    measure = tb.chars * body
    if measure > width:
        raise fail(f"text block ({tb.chars} characters of {body:g} pt = {measure:.1f} pt) is "
                   f"wider than the page ({width:.1f} pt)",
                   "fewer textblock.chars, a smaller body size, or a wider page",
                   "textblock.chars", "textblock")
    if tb.inner is not None and tb.inner + measure > width:
        raise fail(f"textblock.inner ({float(tb.inner):.1f} pt) + the text block "
                   f"({measure:.1f} pt) is wider than the page ({width:.1f} pt)",
                   "a smaller inner margin or fewer characters per line", "textblock.inner")
    for key, style in (("colophon.style", layout.colophon.style),
                       ("contents.entry_style", layout.contents.entry_style)):
        if size[style] > tb.line_pitch:
            raise fail(f"{key}: style '{style}' ({size[style]:g} pt) is larger than the line "
                       f"pitch ({float(tb.line_pitch):g} pt): its lines would overlap",
                       "a smaller size or a larger textblock.line_pitch", key)
    if body > tb.line_pitch:
        raise fail(f"textblock.line_pitch ({float(tb.line_pitch):g} pt) is smaller than the body "
                   f"size ({body:g} pt): lines would overlap", _doc_of("textblock.line_pitch"),
                   "textblock.line_pitch")
    block_h = tb.lines * tb.line_pitch
    if tb.top + block_h > height:
        raise fail(f"text block ({tb.lines} lines x {float(tb.line_pitch):g} pt = "
                   f"{block_h:.1f} pt, {float(tb.top):.1f} pt from the top) runs "
                   f"{tb.top + block_h - height:.1f} pt off the foot of the page "
                   f"({height:.1f} pt)", "fewer textblock.lines, a smaller line_pitch or top",
                   "textblock.lines", "textblock")
    media = max(width, height) + 2 * (pg.bleed + pg.crop_mark_gap + pg.crop_mark_length)
    if media > _MAX_PAGE:
        raise fail(f"the page with bleed and crop marks is {media:.0f} pt; PDF pages are at "
                   f"most {_MAX_PAGE:.0f} pt (200 inches, ISO 32000-1 Annex C)",
                   "check the units of page.width, page.height and page.bleed (mm, pt)",
                   "page.width", "page")

    # running heads and folios inside the trim box (journal-style.md §3)
    head = size[rh.style]
    folio = size[rh.folio_style]
    foot_room = height - tb.top - block_h           # from the text block's foot to the trim
    if rh.baseline <= 0:
        raise fail(f"running_heads.baseline is {float(rh.baseline):g}: the running head would "
                   "stand inside the text block", _doc_of("running_heads.baseline"),
                   "running_heads.baseline")
    top_sizes = [head] + ([folio] if rh.folio_position == "top-outside" else [])
    for s in top_sizes:
        if rh.baseline + _EM_ASCENT * s > tb.top:
            raise fail(f"running head: baseline {float(rh.baseline):g} pt above a text block "
                       f"{float(tb.top):g} pt from the top puts {s:g} pt type off the page",
                       "a smaller running_heads.baseline or a larger textblock.top",
                       "running_heads.baseline", "textblock.top")
    if rh.rule and rh.rule_gap >= rh.baseline - _EM_DESCENT * head:
        raise fail(f"running_heads.rule_gap ({float(rh.rule_gap):g} pt) would draw the rule "
                   f"through the running head (baseline {float(rh.baseline):g} pt)",
                   "the rule lies under the running head: rule_gap < baseline",
                   "running_heads.rule_gap")
    if rh.folio_position != "top-outside":
        if rh.folio_baseline < _EM_ASCENT * folio:
            raise fail(f"running_heads.folio_baseline ({float(rh.folio_baseline):g} pt) would "
                       f"set the folio into the text block's last line",
                       _doc_of("running_heads.folio_baseline"), "running_heads.folio_baseline")
        if rh.folio_baseline + _EM_DESCENT * folio > foot_room:
            raise fail(f"folio: baseline {float(rh.folio_baseline):g} pt below a text block that "
                       f"ends {foot_room:.1f} pt above the foot puts it off the page",
                       "a smaller running_heads.folio_baseline, or fewer textblock.lines",
                       "running_heads.folio_baseline", "textblock.lines")


def _check_beyond_text(layout: Layout, size: dict[str, float], positive, fail) -> None:
    """The figure, table and notes blocks: lengths that cannot be negative, pitches that hold
    their type, rules no longer than the text block."""
    pitch = float(layout.textblock.line_pitch)
    measure = layout.measure

    def holds(key: str, style: str, value: float | None) -> None:
        if value is not None:
            positive(float(value), key, "a line pitch")
        p = float(value) if value is not None else pitch
        if size.get(style, 0.0) > p:
            raise fail(f"{key}: style '{style}' ({size[style]:g} pt) is larger than its line "
                       f"pitch ({p:g} pt): its lines would overlap",
                       f"a larger {key} or a smaller size", key)

    f = layout.figure
    if f is not None:
        holds("figure.caption_pitch", f.caption_style, f.caption_pitch)
        for key in ("gap", "space_before", "space_after"):
            positive(float(getattr(f, key)), f"figure.{key}", "it", zero=True)
        for name, frac in f.widths.items():
            if not 0 < frac <= 1:
                raise fail(f"figure.widths: {name} is {frac:g}; a width is a fraction of the "
                           "text block, more than 0 and at most 1", _doc_of("figure.widths"),
                           "figure.widths")
        if not 0 < f.max_height <= 1:
            raise fail(f"figure.max_height is {f.max_height:g}: a fraction of the text block's "
                       "height, more than 0 and at most 1", _doc_of("figure.max_height"),
                       "figure.max_height")
        positive(f.min_ppi, "figure.min_ppi", "a resolution")
    t = layout.table
    if t is not None:
        holds("table.cell_pitch", t.cell_style, t.cell_pitch)
        holds("table.cell_pitch", t.header_style, t.cell_pitch)
        holds("table.caption_pitch", t.caption_style, t.caption_pitch)
        for key in ("top_rule", "header_rule", "bottom_rule", "row_rule", "cell_padding",
                    "space_before", "space_after"):
            positive(float(getattr(t, key)), f"table.{key}", "it", zero=True)
        positive(float(t.min_size), "table.min_size", "a type size")
        positive(float(t.shrink_step), "table.shrink_step", "a step")
        if t.min_size > min(size[t.cell_style], size[t.header_style]):
            raise fail(f"table.min_size ({float(t.min_size):g} pt) is larger than the cell "
                       "type: a wide table would grow, not shrink",
                       _doc_of("table.min_size"), "table.min_size")
        if t.min_rows < 1:
            raise fail(f"table.min_rows is {t.min_rows}: at least one row", _doc_of(
                "table.min_rows"), "table.min_rows")
        if 2 * t.cell_padding >= measure:
            raise fail("table.cell_padding leaves no room in a cell", _doc_of(
                "table.cell_padding"), "table.cell_padding")
    n = layout.notes
    if n is not None:
        holds("notes.line_pitch", n.style, n.line_pitch)
        for key in ("rule_length", "rule_width", "rule_gap", "space_before",
                    "continued_rule_length", "marker_rise"):
            positive(float(getattr(n, key)), f"notes.{key}", "it", zero=True)
        for key in ("rule_length", "continued_rule_length"):
            if getattr(n, key) > measure + 0.01:
                raise fail(f"notes.{key} ({float(getattr(n, key)):g} pt) is longer than the "
                           f"text block is wide ({measure:g} pt)", _doc_of(f"notes.{key}"),
                           f"notes.{key}")
        if n.min_lines < 1:
            raise fail(f"notes.min_lines is {n.min_lines}: at least one line",
                       _doc_of("notes.min_lines"), "notes.min_lines")
        if not printed(n.marker_format.replace("{n}", "")).strip() and "{n}" not in \
                n.marker_format:
            raise fail("notes.marker_format prints nothing", "write e.g. \"{n}\"",
                       "notes.marker_format")


def heading_blocks(layout: "Layout", article: tuple[str, ...]) -> list[tuple[str, object]]:
    """(key, block) of the layout's blocks set as headings (compose.set_heading): the article
    blocks named in `article`, the contents' blocks and the end-note block where there is one."""
    blocks = [(f"article.{n}", getattr(layout.article, n)) for n in article]
    blocks += [("contents.heading_block", layout.contents.heading_block),
               ("contents.section_block", layout.contents.section_block)]
    if layout.contents.issue_block is not None:
        blocks.append(("contents.issue_block", layout.contents.issue_block))
    if layout.notes is not None and layout.notes.endnote_block is not None:
        blocks.append(("notes.endnote_block", layout.notes.endnote_block))
    return blocks
