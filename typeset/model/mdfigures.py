"""Figures and tables of an article body (model/markdown.py; format.md, "Beyond text"): an
image standing alone with its caption and attributes, a pipe table with its caption."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from typeset.model.body import Block, FigureSource, Inline, TableSource
from typeset.model.chars import Where, normalize, printed
from typeset.model.mdruns import _IMAGE_HINT, _Body, _runs, _visible, clean_runs
from typeset.records import replace

if TYPE_CHECKING:                 # markdown-it is imported by `make_parser`, when a body is
    from markdown_it.token import Token      # parsed: a warm build takes its articles from the
                                             # cache (artcache.py)


#: a figure width: a word (full, half, …: the layout's figure.widths) or a length
_WIDTH_RE = re.compile(r"^(?:[a-z][a-z_]*|\d+(?:\.\d+)?(?:mm|cm|pt|em))$")


def _figure(tok: Token, body: _Body, start: int, last: int) -> Block:
    """A paragraph holding one image and nothing else -> a figure block."""
    children = tok.children or []
    images = [c for c in children if c.type == "image"]
    image = images[0]
    line0, col = body.locate(tok.map, ["!["])
    src = image.attrGet("src") or ""
    others = [c for c in children if c is not image
              and not (c.type in ("text", "softbreak", "hardbreak") and not c.content.strip())]
    if others or len(images) > 1:
        text = "".join(c.content for c in others if c.type == "text").strip()
        if text.startswith("{"):
            raise body.error(f"cannot read the attributes {text} of the figure ({src})", line0,
                             "write them as {width=half credit=\"本刊记者 摄\"}: no space before "
                             "the brace, values with spaces in quotes", col)
        raise body.error(f"an image ({src}) inside a paragraph of text cannot be placed", line0,
                         _IMAGE_HINT, col)
    unknown = image.meta.get("insecure_attrs") or {}
    if unknown:
        name = next(iter(unknown))
        _, acol = body.locate(tok.map, [name + "="])
        raise body.error(f"unknown figure attribute '{name}'", line0,
                         "a figure takes width=full|half|<length such as 60mm> and "
                         "credit=\"…\"", acol or col)
    if not src.strip():
        raise body.error("the image has no path", line0, _IMAGE_HINT, col)
    width = image.attrGet("width")
    wcol = None
    if width is not None:
        _, wcol = body.locate(tok.map, ["width="])
        wcol = wcol + len("width=") if wcol else col
        if not _WIDTH_RE.match(width):
            raise body.error(f"figure width '{width}' is neither a width name nor a length",
                             line0, "write width=full, width=half or a length such as "
                                    "width=60mm, width=8cm or width=20em", wcol)
    credit = image.attrGet("credit")
    if credit is not None:
        _, ccol = body.locate(tok.map, ["credit="])
        credit = normalize(credit.replace('\\"', '"'),
                           Where(body.file, line0 + 1, ccol, line0 + 1)).strip(" ")
        if not printed(credit).strip():
            credit = None
    caption = clean_runs(_runs(image.children or [], body, tok.map, notes="a caption"),
                         Where(body.file, line0 + 1, col, last))
    if not _visible(caption):
        raise body.error(f"the figure ({src}) has no caption", line0,
                         "write the caption between the brackets: ![孙大伟在龙州慰问农民工代表]"
                         "(images/photo.jpg)", col)
    return Block("figure", 0, caption, line0 + 1, last,
                 figure=FigureSource(src=src, width=width or "full", credit=credit, column=col,
                                     width_column=wcol))


_CAPTION_RE = re.compile(r"^\s*:\s")


def _table(tokens: list[Token], i: int, body: _Body) -> tuple[Block, int]:
    """table_open at tokens[i] -> a table block (without its caption) and the index after
    table_close."""
    start = tokens[i].map[0] if tokens[i].map else 0
    last = tokens[i].map[1] if tokens[i].map else start + 1
    aligns: list[str] = []
    header: list[tuple[Inline, ...]] = []
    rows: list[tuple[tuple[Inline, ...], ...]] = []
    row_lines: list[int] = []
    caption: tuple[Inline, ...] = ()
    caption_line = None
    row: list[tuple[Inline, ...]] = []
    in_head = False
    row_line0 = start
    j = i + 1
    while tokens[j].type != "table_close":
        tok = tokens[j]
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            row = []
            row_line0 = tok.map[0] if tok.map else row_line0
        elif tok.type in ("th_open", "td_open"):
            style = tok.attrGet("style") or ""
            if in_head:
                aligns.append(style.replace("text-align:", ""))
            inline = tokens[j + 1]
            cell = clean_runs(_runs(inline.children or [], body, inline.map,
                                    notes="a table cell"),
                              Where(body.file, row_line0 + 1, None, row_line0 + 1))
            row.append(cell)
        elif tok.type == "tr_close":
            if in_head:
                header = row
            else:
                src = body.lines[row_line0] if row_line0 < len(body.lines) else ""
                if _CAPTION_RE.match(src) and "|" not in src and not any(
                        _visible(c) for c in row[1:]):
                    # `: caption` directly under the last row (markdown-it reads it as a row)
                    caption = _strip_colon(row[0])
                    caption_line = row_line0 + 1
                else:
                    rows.append(tuple(row))
                    row_lines.append(row_line0 + 1)
        j += 1
    if not rows:
        raise body.error("the table has a header row but no rows", start,
                         "add rows under the |---| line, or write the text as paragraphs")
    table = TableSource(aligns=tuple(aligns), header=tuple(header), rows=tuple(rows),
                        row_lines=tuple(row_lines), caption_line=caption_line)
    return Block("table", 0, caption, start + 1, last, table=table), j + 1


def _strip_colon(runs: tuple[Inline, ...]) -> tuple[Inline, ...]:
    """A caption paragraph's runs without its leading ': '."""
    if not runs or runs[0].note is not None:
        return runs
    first = runs[0].text.lstrip()
    first = first[1:].lstrip(" ") if first.startswith(":") else first
    return tuple(r for r in ((replace(runs[0], text=first),) + runs[1:]) if r.text or r.note)
