"""Table blocks -> `Table` flow items: column widths, cell text, rows on the grid.

Sizing (format.md "Tables"; issue 10 part 4):
1. Each cell's natural width is its text set on one line by the line breaker (so Han–Latin
   spacing counts); a column's natural width is its widest cell, plus `table.cell_padding`
   on each side. Its narrowest width is its longest unbreakable piece (a Latin word, a
   number with its unit — a number never wraps, nor does a cell of four characters or fewer,
   such as a place name) or two characters of CJK text (a character and the mark 避头尾
   keeps with it).
2. A table whose natural width fits the text block is set at full measure, the spare width
   shared equally between columns.
3. A wider table shrinks its type in `table.shrink_step` steps (cells and header together)
   until it fits, but never below `table.min_size`.
4. Still too wide at that size: every column gets its narrowest width and the rest of the
   measure is shared in proportion to what each column would need more; cells wrap there,
   by the same line breaker and prohibition rules as the text (cjk-rules §1-§3). A table
   whose narrowest widths alone exceed the measure is an error at its line.

Cells: one line aligned as its column says (`:--` left, `:-:` centre, `--:` right; unset:
left); numbers in a right or centred column align on the decimal point when
`table.numbers: decimal` (else on their right edge); a wrapped cell is justified, its last
line flush left. Header cells are aligned as `table.header_align` says. Each row takes whole
grid lines: as many as its tallest cell needs at `table.cell_pitch`, the cells centred in it.
"""
from __future__ import annotations

import math
import re
import string
from dataclasses import replace

from typeset.errors import TypesetError
from typeset.layout.figures import set_caption
from typeset.layout.flow import SetLine, Table, TableRow, line_extent
from typeset.model.article import Article, Block
from typeset.text import cjk
from typeset.text.types import Span

#: a number as a table cell holds it: sign, digits with thousands separators, decimals, unit %
#: a cell of this many characters or fewer (a place name, 高峰乡) is never wrapped
SHORT = 4
NUMBER = re.compile(r"^[+\-−±]?\d[\d,]*(?:\.\d+)?\s?[%‰]?$")
#: marks that end a word: a line may not start with them (cjk-rules §1)
_AFTER = frozenset(cjk.CLOSING + cjk.STOPS)
_WESTERN = re.compile(r"[A-Za-z0-9.,:;%‰+\-−/@_'’()\[\]]+")


def _text(cell) -> str:
    return "".join(r.text for r in cell)


def build_table(composer, block: Block, article: Article, section: str) -> Table:
    layout = composer.layout
    ts = layout.table
    src = block.table
    where = {"file": article.path, "line": block.line}
    if ts is None:
        raise TypesetError(f"the layout {layout.name} sets no tables (it has no `table` "
                           "block)", **where, hint="add a table block to the layout (see the "
                                                   "README's layout table), or write the "
                                                   "table as text")
    book = composer.book
    ncol = len(src.aligns)
    rows_src = [src.header] + list(src.rows)
    cells = [[row[j] if j < len(row) else () for j in range(ncol)] for row in rows_src]
    numeric = [[j > -1 and r > 0 and bool(NUMBER.match(_text(c).strip()))
                for j, c in enumerate(row)] for r, row in enumerate(cells)]
    pad = float(ts.cell_padding)
    avail = layout.measure - 2 * pad * ncol
    if avail <= 0:
        raise TypesetError(f"the table has {ncol} columns: their padding alone is wider than "
                           "the text block", **where, hint="fewer columns, or a smaller "
                                                       "table.cell_padding")
    unwrapped = replace(composer.head_settings, indent=0.0)
    cell0, head0 = book.em(ts.cell_style), book.em(ts.header_style)

    def _widest_word(text: str, st: str) -> float:
        """The widest piece of a cell that a line may not break inside: a word (the
        segmenter's, as for headings, issue 9), with the opening marks before it and the
        closing marks and 点号 after it (避头尾), or a Western run."""
        text = text.strip()
        cuts = sorted(set(composer.words(text)) | {0, len(text)})
        pieces = [text[a:b] for a, b in zip(cuts, cuts[1:]) if text[a:b].strip()]
        merged: list[str] = []
        for piece in pieces:
            if merged and (all(c in _AFTER for c in piece) or merged[-1][-1] in cjk.OPENING):
                merged[-1] += piece
            else:
                merged.append(piece)
        widest = max((book.width(p.strip(), st) for p in merged), default=0.0)
        western = [book.width(m.group(0), st) for m in _WESTERN.finditer(text)]
        return max([widest] + western)

    def styles_at(size: float) -> tuple[str, str]:
        return (book.scaled(ts.cell_style, size),
                book.scaled(ts.header_style, head0 * size / cell0))

    def widths_at(size: float) -> tuple[list[float], list[float]]:
        cell_st, head_st = styles_at(size)
        nat, low = [0.0] * ncol, [0.0] * ncol
        for r, row in enumerate(cells):
            st = head_st if r == 0 else cell_st
            for j, cell in enumerate(row):
                spans = composer.spans(cell, st)
                if not spans:
                    continue
                lines = composer.break_lines(spans, 1e5, unwrapped)
                w = max(line_extent(ln) for ln in lines)
                nat[j] = max(nat[j], w)
                if numeric[r][j] or len(_text(cell).strip()) <= SHORT:
                    low[j] = max(low[j], w)
                else:
                    low[j] = max(low[j], min(w, _widest_word(_text(cell), st)))
        return nat, low

    size = cell0
    nat, low = widths_at(size)
    while sum(nat) > avail and size - ts.shrink_step >= ts.min_size - 1e-9:
        size = round(size - ts.shrink_step, 4)
        nat, low = widths_at(size)
    if sum(nat) <= avail:
        widths = [w + (avail - sum(nat)) / ncol for w in nat]
    else:
        if sum(low) > avail + 1e-6:
            raise TypesetError(
                f"the table is too wide: even in {size:g} pt type with its cells wrapped it "
                f"needs {(sum(low) + 2 * pad * ncol) / 72 * 25.4:.0f} mm, the text block is "
                f"{layout.measure / 72 * 25.4:.0f} mm", **where,
                hint="fewer columns, shorter numbers or words, or a smaller table.min_size")
        extra = [n - m for n, m in zip(nat, low)]
        spare = avail - sum(low)
        total = sum(extra) or 1.0
        widths = [m + spare * e / total for m, e in zip(low, extra)]
    cell_st, head_st = styles_at(size)

    pitch = float(layout.textblock.line_pitch)
    cell_pitch = float(ts.cell_pitch or pitch)
    columns: list[tuple[float, float]] = []
    x = 0.0
    for w in widths:
        columns.append((x, w + 2 * pad))
        x += w + 2 * pad
    # wrapped cells are set ragged, as headings are: a narrow column justified would spread
    # its few characters far apart
    wrapped = replace(composer.head_settings, indent=0.0)

    # decimal alignment: the widest integer part and fraction part of each column's numbers
    dec: dict[int, tuple[float, float]] = {}
    for j in range(ncol):
        if ts.numbers != "decimal" or src.aligns[j] not in ("right", "center"):
            continue
        ints = fracs = 0.0
        for r in range(1, len(cells)):
            if numeric[r][j]:
                a, b = _split_number(_text(cells[r][j]).strip())
                ints = max(ints, book.width(a, cell_st))
                fracs = max(fracs, book.width(b, cell_st))
        dec[j] = (ints, fracs)

    def set_row(r: int, row) -> TableRow:
        st = head_st if r == 0 else cell_st
        role = "table-head" if r == 0 else "table-cell"
        out_cells = []
        for j, cell in enumerate(row):
            spans = composer.spans(cell, st)
            cx, w = columns[j][0] + pad, widths[j]
            if not spans:
                out_cells.append([])
                continue
            lines = composer.break_lines(spans, w, wrapped if not numeric[r][j] else unwrapped)
            if len(lines) > 1 and not numeric[r][j]:     # a cell that wraps breaks between words
                lines = composer.break_lines(spans, w, wrapped,
                                             words=composer.words("".join(sp.text for sp in spans)))
            em = book.em(st)
            align = (ts.header_align if ts.header_align != "column" else src.aligns[j]) \
                if r == 0 else (src.aligns[j] or "left")
            set_lines = []
            for ln in lines:
                off = 0.0
                if len(lines) == 1:
                    free = w - line_extent(ln)
                    if r > 0 and numeric[r][j] and j in dec:
                        ints, fracs = dec[j]
                        a, _ = _split_number(_text(cell).strip())
                        block_w = ints + fracs
                        start = (w - block_w) if align == "right" else (w - block_w) / 2
                        off = max(0.0, min(free, start + ints - book.width(a, st)))
                    elif align == "center":
                        off = free / 2
                    elif align == "right":
                        off = free
                set_lines.append(SetLine(ln, cx + off, em, role))
            out_cells.append(set_lines)
        tallest = max((len(c) for c in out_cells), default=1)
        slots = max(1, math.ceil(tallest * cell_pitch / pitch - 1e-6))
        line = block.line if r == 0 else src.row_lines[r - 1]
        if slots > layout.textblock.lines - 2:
            raise TypesetError("a table row is taller than a page", file=article.path,
                               line=line, hint="shorten the cells of this row")
        return TableRow(out_cells, slots, line)

    header = set_row(0, cells[0])
    rows = [set_row(r, row) for r, row in enumerate(cells) if r > 0]
    cap_pitch = float(ts.caption_pitch or pitch)
    caption: list[SetLine] = []
    continued: list[SetLine] = []
    if block.inlines:
        spans: list[Span] = []
        for literal, name, _, _ in string.Formatter().parse(ts.caption_format):
            if literal:
                spans.append(Span(literal, ts.caption_style))
            if name == "caption":
                spans += composer.spans(block.inlines, ts.caption_style)
        caption = set_caption(composer, spans, ts.caption_style, layout.measure,
                              ts.caption_align, "table-caption")
    label = ts.continued_format.format(caption=block.text)
    if label.strip():
        continued = set_caption(composer, [Span(label, ts.caption_style)], ts.caption_style,
                                layout.measure, ts.continued_align, "table-continued")
    table = Table(x=0.0, width=layout.measure, columns=columns, header=header, rows=rows,
                  caption=caption, caption_pitch=cap_pitch,
                  caption_above=ts.caption_position == "above", continued=continued,
                  cell_pitch=cell_pitch,
                  rules=(float(ts.top_rule), float(ts.header_rule), float(ts.bottom_rule),
                         float(ts.row_rule)),
                  before=math.ceil(ts.space_before / pitch - 1e-6),
                  after=math.ceil(ts.space_after / pitch - 1e-6),
                  size=size, min_rows=ts.min_rows, section=section,
                  origin=(str(article.path), block.line))
    lines = layout.textblock.lines
    if table.part_slots(pitch, 0, 1) > lines or table.part_slots(pitch, 1, 2) > lines:
        raise TypesetError("the table's caption, header and first row are taller than a page",
                           **where, hint="shorten the caption or the header cells")
    return table


def _split_number(text: str) -> tuple[str, str]:
    """'1,234.56%' -> ('1,234', '.56%'); '812' -> ('812', '')."""
    m = re.match(r"^([^.]*?)(\.\d+\s?[%‰]?|\s?[%‰])?$", text)
    return (m.group(1), m.group(2) or "") if m else (text, "")
