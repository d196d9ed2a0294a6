"""A layout checked when it loads (model/layout.py `load_layout`): cross-references (every
style names a font role, every block a style), the article head's parts, room for what the
text block holds, the line breaker's costs, pictures, the covers; the geometry is
layoutgeometry.py's. Each failure at the line of the key concerned."""
from __future__ import annotations

import dataclasses
import math
import string
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typeset.errors import TypesetError
from typeset.model.layoutfields import _doc_of
from typeset.model.layoutgeometry import _check_geometry, heading_blocks
from typeset.model.yamlsrc import mark_of

if TYPE_CHECKING:
    from typeset.model.layout import Layout
    from typeset.model.layouttext import Block, Paragraph


def _check(layout: Layout, path: Path, data: Any = None) -> Layout:
    """Cross-references (every style names a font role, every block a style) and geometry
    (the text block, running heads and folios lie inside the page): refused when the layout
    loads, at the line of the key concerned."""
    def at(*keys: str) -> dict:
        """file, line and column of the first of `keys` (dotted paths) written in the file."""
        for key in keys:
            node, mark = data, None
            for part in key.split("."):
                if not isinstance(node, dict) or part not in node:
                    mark = None
                    break
                mark, node = mark_of(node, part), node[part]
            if mark is not None:
                return {"file": path, "line": mark.line, "column": mark.column}
        return {"file": path}

    def fail(message: str, hint: str, *keys: str) -> TypesetError:
        return TypesetError(message, hint=hint, **at(*keys))

    marks = getattr(layout, "_marks", None)
    layout = _with_cover_styles(layout, fail)
    if marks is not None:
        object.__setattr__(layout, "_marks", marks)
    for name, style in layout.styles.items():
        if style.font not in layout.fonts:
            raise fail(f"style '{name}' uses font role '{style.font}', which `fonts` does not "
                       "define", f"font roles: {', '.join(layout.fonts)}",
                       f"styles.{name}.font", f"styles.{name}", "styles")
        for kind, variant in (("bold", style.bold), ("italic", style.italic)):
            if variant is not None and variant not in layout.styles:
                raise fail(f"style '{name}' refers to style '{variant}', which is not defined",
                           f"styles: {', '.join(layout.styles)}",
                           f"styles.{name}.{kind}", f"styles.{name}", "styles")
    refs: list[tuple[str, str]] = [
        ("article.body_style", layout.article.body_style),
        ("running_heads.style", layout.running_heads.style),
        ("running_heads.folio_style", layout.running_heads.folio_style),
        ("contents.entry_style", layout.contents.entry_style),
        ("colophon.style", layout.colophon.style),
    ]
    a, c = layout.article, layout.contents
    for part in ("title", "subtitle", "authors", "lead", "subhead2", "subhead3", "note"):
        refs.append((f"article.{part}.style", getattr(a, part).style))
    refs.append(("contents.heading_block.style", c.heading_block.style))
    refs.append(("contents.section_block.style", c.section_block.style))
    if c.issue_block is not None:
        refs.append(("contents.issue_block.style", c.issue_block.style))
    if layout.figure is not None:
        refs.append(("figure.caption_style", layout.figure.caption_style))
    if layout.table is not None:
        t = layout.table
        refs += [("table.cell_style", t.cell_style), ("table.header_style", t.header_style),
                 ("table.caption_style", t.caption_style)]
    if layout.notes is not None:
        n = layout.notes
        refs += [("notes.style", n.style), ("notes.marker_style", n.marker_style)]
        if n.endnote_block is not None:
            refs.append(("notes.endnote_block.style", n.endnote_block.style))
    for where, style in refs:
        if style not in layout.styles:
            raise fail(f"{where} names style '{style}', which `styles` does not define",
                       f"styles: {', '.join(layout.styles)}", where, where.rsplit(".", 1)[0])
    _check_head_order(a.head_order, fail)
    _check_geometry(layout, fail)
    _check_room(layout, fail)
    _check_paragraph(layout.paragraph, fail)
    _check_pictures(layout, fail)
    if layout.cover is not None:
        _check_cover(layout, fail)
    return layout


HEAD_PARTS = ("title", "subtitle", "authors", "lead")


def _check_head_order(order: tuple[str, ...], fail) -> None:
    """The article head prints every part once: the title always (an order without it would
    print no title), no part twice. A part left out is never printed, so an article that
    gives it is refused (compose.py), never silently cut."""
    hint = ("list the parts in the order they are printed, each once, the title among them, "
            "e.g. [title, subtitle, authors, lead]")
    seen: set[str] = set()
    for part in order:
        if part not in HEAD_PARTS:
            raise fail(f"article.head_order: unknown part '{part}'",
                       "parts: " + ", ".join(HEAD_PARTS), "article.head_order")
        if part in seen:
            raise fail(f"article.head_order: '{part}' is listed twice (it would be printed "
                       "twice)", hint, "article.head_order")
        seen.add(part)
    if "title" not in seen:
        raise fail("article.head_order has no 'title': no article would print its title",
                   hint, "article.head_order")


def _check_room(layout: Layout, fail) -> None:
    """Room for what the text block holds (cjk-rules §4): a page holds an article head and a
    subhead with the two lines of text each keeps with it (孤行: the page builder never ends
    a page on a heading), and every block's indents leave room for a character on each of its
    lines — else the failure would come later, from the line breaker, with no line to
    point at."""
    tb, a, p = layout.textblock, layout.article, layout.paragraph
    size = {name: float(s.size) for name, s in layout.styles.items()}
    pitch = float(tb.line_pitch)
    measure = layout.measure

    def slots(height: float) -> int:
        return max(1, math.ceil(height / pitch - 1e-6))

    def block_height(b: Block, first: bool) -> float:
        return (0.0 if first else float(b.space_before)) + \
            float(b.line_pitch or pitch) + float(b.space_after)

    head = [getattr(a, part) for part in a.head_order]
    need = slots(sum(block_height(b, i == 0) for i, b in enumerate(head))) + 2
    if need > tb.lines:
        raise fail(f"the text block ({tb.lines} line{'s' * (tb.lines != 1)}) cannot hold an "
                   f"article head of one line per part ({', '.join(a.head_order)}) and the "
                   f"two lines of text kept with it: that takes {need} lines", "more textblock.lines, a smaller "
                   "line_pitch, or less space around the head's blocks", "textblock.lines",
                   "textblock")
    for key in ("subhead2", "subhead3"):
        b = getattr(a, key)
        need = slots(block_height(b, False)) + 2
        if need > tb.lines:
            raise fail(f"the text block ({tb.lines} line{'s' * (tb.lines != 1)}) cannot hold "
                       f"a one-line "
                       f"article.{key} and the two lines of text kept with it ({need} lines)",
                       f"more textblock.lines, or less space around article.{key}",
                       "textblock.lines", "textblock")

    def leaves(key: str, style: str, used: list[tuple[str, float, str]]) -> None:
        """`used`: (what, em of the style, its key) taken from the text block's width on a
        line; a failure points at the key taking most."""
        em = size[style]
        left = measure - sum(v for _, v, _ in used) * em
        if left + 0.01 < em:
            taken = " + ".join(f"{what} {v:g} em" for what, v, _ in used if v)
            worst = max(used, key=lambda u: u[1])[2]
            raise fail(f"{key}: {taken} of {em:g} pt leave {left:.1f} pt of the "
                       f"{measure:.1f} pt text block, no room for a character",
                       f"smaller indents for {key}", worst, key)

    for key, b in heading_blocks(layout, ("title", "subtitle", "authors", "subhead2",
                                          "subhead3")):   # set as headings
        leaves(key, b.style, [("indent", b.indent, f"{key}.indent")])
        leaves(key, b.style, [("continuation_indent", b.continuation_indent,
                               f"{key}.continuation_indent")])
    # set as paragraphs (compose.set_paragraph): the body's first-line indent as well
    body_indent = ("paragraph.indent", p.indent, "paragraph.indent")
    leaves("article.lead", a.lead.style, [
        ("indent", a.lead.indent, "article.lead.indent"),
        ("lead_right_indent", a.lead_right_indent, "article.lead_right_indent"), body_indent])
    leaves("article.note", a.note.style, [("indent", a.note.indent, "article.note.indent"),
                                          body_indent])


def _check_paragraph(p: Paragraph, fail) -> None:
    """The line breaker's costs (text/types.check_settings says the same, without a place):
    refused at their line when the layout loads."""
    def refuse(key: str, message: str) -> TypesetError:
        return fail(f"paragraph.{key}: {message}", f"{key}: {_doc_of('paragraph.' + key)}",
                    f"paragraph.{key}")

    if p.space_stretch < 0:
        raise refuse("space_stretch", f"{p.space_stretch:g} must not be negative")
    if not 0 <= p.space_shrink <= 1:
        raise refuse("space_shrink", f"{p.space_shrink:g} must be between 0 and 1")
    for key in ("line_penalty", "loose_cost", "squeeze_growth", "hyphen_penalty",
                "ragged_cost", "phrase_cost", "widow_cost", "max_badness", "stretch_costs",
                "squeeze_costs", "emergency_costs"):
        value = getattr(p, key)
        values = value if isinstance(value, tuple) else (value,)
        if any(v < 0 for v in values):
            shown = list(value) if isinstance(value, tuple) else f"{value:g}"
            raise refuse(key, f"{shown}: a cost must not be negative")
    for key in ("spread_unit", "looseness"):
        if getattr(p, key) <= 0:
            raise refuse(key, f"{getattr(p, key):g} must be more than 0")
    e = p.emergency_costs
    if not (p.widow_cost < e[0] <= e[1] <= e[2]):
        raise refuse("emergency_costs", f"{list(e)} must rise (word, prohibition, unit) and "
                     f"stay above widow_cost ({p.widow_cost:g})")


def _with_cover_styles(layout: Layout, fail) -> Layout:
    """The cover block's own styles join the layout's `styles` (checked like them)."""
    cv = layout.cover
    if cv is None or not cv.styles:
        return layout
    clash = sorted(set(cv.styles) & set(layout.styles))
    if clash:
        raise fail(f"cover.styles defines '{clash[0]}', which `styles` defines already",
                   "give the cover's style another name", f"cover.styles.{clash[0]}",
                   "cover.styles")
    return dataclasses.replace(layout, styles={**layout.styles, **cv.styles})


def _template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _check_cover(layout: Layout, fail) -> None:
    """The cover design: styles that exist, boxes and texts on the page, the journal's name,
    year and number as text on 封一, a barcode that fits, a spine for perfect binding."""
    cv, pg = layout.cover, layout.page
    w, h = float(pg.width), float(pg.height)
    styles = []
    for i, t in enumerate(cv.front):
        styles.append((f"cover.front[{i}].style", t.style))
    for i, t in enumerate(cv.back):
        styles.append((f"cover.back[{i}].style", t.style))
    if cv.lines is not None:
        styles.append(("cover.lines.style", cv.lines.style))
    if cv.caption_block is not None:
        styles.append(("cover.caption_block.style", cv.caption_block.style))
    if cv.barcode is not None:
        styles.append(("cover.barcode.style", cv.barcode.style))
        if cv.barcode.issn_style is not None:
            styles.append(("cover.barcode.issn_style", cv.barcode.issn_style))
    for key, style in styles:
        if style not in layout.styles:
            raise fail(f"{key} names style '{style}', which `styles` does not define",
                       f"styles: {', '.join(layout.styles)}", "cover")
    shown = set()
    for t in cv.front:
        shown |= _template_fields(t.text)
    if "journal" not in shown or not ("issue" in shown or {"year", "number"} <= shown):
        raise fail("cover.front must print the journal's name ({journal}) and the issue "
                   "({issue}, or {year} and {number}) as text on 封一",
                   "the name, year and number must be searchable and extractable from the "
                   "cover, also when the masthead is artwork: add e.g. "
                   "{text: \"{issue}\", style: …, x: …, top: …}", "cover.front", "cover")
    boxes = [("cover.photo", cv.photo)] + ([("cover.artwork.box", cv.artwork.box)]
                                           if cv.artwork is not None else [])
    for key, box in boxes:
        if box is None:
            continue
        if box.width <= 0 or box.height <= 0:
            raise fail(f"{key}: width and height must be more than zero", _doc_of(key), key)
        if box.x < -0.01 or box.top < -0.01 or box.x + box.width > w + 0.01 \
                or box.top + box.height > h + 0.01:
            raise fail(f"{key} ({float(box.x):.1f}, {float(box.top):.1f}) + "
                       f"{float(box.width):.1f} × {float(box.height):.1f} pt lies outside the "
                       f"{w:.1f} × {h:.1f} pt page", "a box lies inside the trim box (a side "
                       "on a trim edge runs into the bleed by itself)", key)
    if cv.artwork is not None:
        f = cv.artwork.file.replace("\\", "/")
        if not f.strip() or f.startswith("/") or ".." in f.split("/") or ":" in f:
            raise fail(f"cover.artwork.file '{cv.artwork.file}' must be a path inside the "
                       "layout's folder", "put the masthead beside the layout file (it is "
                       "stored with the layout in a sources bag)", "cover.artwork.file")
    if cv.binding == "perfect":
        if cv.stock != "separate":
            raise fail("cover.binding: perfect needs cover.stock: separate (the cover is "
                       "printed as one spread of its own)", _doc_of("cover.binding"),
                       "cover.binding", "cover")
        if cv.spine <= 0:
            raise fail("cover.binding: perfect needs cover.spine, the spine's width",
                       _doc_of("cover.spine"), "cover.spine", "cover.binding", "cover")
    elif cv.spine < 0:
        raise fail("cover.spine must not be negative", _doc_of("cover.spine"), "cover.spine")
    if len(set(cv.labels)) != 4 or not all(lab.strip() for lab in cv.labels):
        raise fail("cover.labels must be four different labels (封一, 封二, 封三, 封四)",
                   _doc_of("cover.labels"), "cover.labels", "cover")
    if cv.lines is not None and (cv.lines.pitch <= 0 or cv.lines.width <= 0
                                 or cv.lines.max_lines < 1):
        raise fail("cover.lines: pitch, width and max_lines must be more than zero",
                   _doc_of("cover.lines"), "cover.lines", "cover")
    b = cv.barcode
    if b is not None:
        if not 0.8 <= b.magnification <= 2.0:
            raise fail(f"cover.barcode.magnification is {b.magnification:g}: EAN-13 symbols "
                       "are printed at 0.8 to 2.0 of their nominal size",
                       _doc_of("cover.barcode.magnification"), "cover.barcode.magnification")
        if not (len(b.variant) == 2 and b.variant.isascii() and b.variant.isdigit()):
            raise fail(f"cover.barcode.variant '{b.variant}' is not two digits",
                       "write two digits in quotes, e.g. \"00\"", "cover.barcode.variant")
        from typeset.model.barcode import symbol_size
        bw, bh = symbol_size(b.magnification, b.addon)
        if b.x < -0.01 or b.bottom < -0.01 or b.x + bw > w + 0.01 or b.bottom + bh > h + 0.01:
            raise fail(f"cover.barcode: the symbol ({bw:.1f} × {bh:.1f} pt with its quiet "
                       f"zones) at ({float(b.x):.1f}, {float(b.bottom):.1f}) pt runs off the "
                       f"{w:.1f} × {h:.1f} pt page", "move it (x, bottom) or make it smaller "
                       "(magnification)", "cover.barcode.x", "cover.barcode")


def _check_pictures(layout: Layout, fail) -> None:
    """Downsampling never goes below the resolution the layout asks for."""
    im, fig = layout.images, layout.figure
    min_ppi = fig.min_ppi if fig is not None else 300.0
    if im.max_ppi is not None and im.max_ppi < min_ppi:
        raise fail(f"images.max_ppi ({im.max_ppi:g}) is below figure.min_ppi ({min_ppi:g}): "
                   "pictures would be downsampled under the resolution the layout asks for",
                   "max_ppi must be at least min_ppi (e.g. 600 and 300)", "images.max_ppi",
                   "figure.min_ppi")
