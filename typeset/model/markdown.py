"""Article bodies: Markdown (CommonMark via markdown-it-py, extended for Chinese) -> [Block].

A Block is a paragraph or a subhead holding styled runs (Inline). The parser is real
CommonMark with these changes, each for Chinese text:

1. Emphasis next to CJK text (cjk-friendly rule). CommonMark 0.31.2 §6.2 says a delimiter run
   is left-flanking only if, when followed by punctuation, it is preceded by whitespace or
   punctuation; so `**创建党建品牌。**深入` never closes its bold (`。` before, `深` after).
   We add "or a CJK character" on the far side of both rules (as the markdown-cjk-friendly
   proposal does): a run preceded by a CJK character may open before punctuation, a run
   followed by a CJK character may close after punctuation. Done in the inline delimiter scan
   (`_scan_delims`), not by rewriting the text.
2. No typographer, smartquotes, replacements or linkify: every character stays as written
   (`2024 年`, `1000m²`, `“回头看”“回头看”`, e-mail addresses).
3. Soft line breaks inside a paragraph are joined: with nothing when the characters on both
   sides are CJK (wide characters and the Chinese punctuation “”‘’—…·), otherwise with one
   space. A hard break (two trailing spaces or a trailing backslash) is joined the same way:
   print layout decides line breaks.
4. Indented code blocks are off: a paragraph indented with four spaces is still a paragraph.
   Whitespace at the start and end of a paragraph (spaces, tabs and the ideographic spaces
   U+3000 sometimes typed as a manual indent) is not part of its text: the layout indents.

What happens to the other constructs (nothing is dropped silently):
- `##` -> heading level 2 (first-level subhead), `###` -> level 3. `#`, `####`..`######` and
  setext underlines (`===`/`---` under text) -> TypesetError with the line.
- Lists: each item is a paragraph whose text starts with the marker as written plus a space
  ("1. ", "- ", "2) "). Blockquotes: their paragraphs become ordinary paragraphs (`>` is
  markup and goes).
- Emphasis: `**x**` bold, `*x*` italic (both may nest). Code spans keep their content as plain
  text. Backslash escapes and entities resolve as CommonMark says (`\\*` -> `*`).
- Autolinks `<https://…>` / `<name@host>`: the address exactly as written, without the angle
  brackets. Bare addresses are plain text.
- Links, images inside a paragraph, raw HTML (blocks and inline, including comments), fenced
  code blocks, thematic breaks (`---`, `***`) -> TypesetError with line and column and a hint
  (escape the first character with `\\` to print it literally).
- Reference definitions (`[x]: url`) are off: such a line stays paragraph text.

Beyond text (format.md, "Beyond text"; the plugins are mdit-py-plugins' `attrs_plugin` and
`footnote_plugin`, by the markdown-it-py authors; importing them costs about 1 ms):
- A figure: an image standing as a paragraph of its own, `![caption](path){width=half
  credit="…"}` -> a "figure" block. The caption is the alt text (inline runs, bold allowed),
  the path is kept exactly as written (no percent-encoding; article.py resolves and probes it),
  `width` is `full`, a word the layout defines (`half`) or a length (`60mm`, `20em`), and
  `credit` is printed with the caption. An empty caption, an unknown attribute, a width that
  is neither a word nor a length, or an image with text around it is an error at its place.
- A table: a GitHub pipe table -> a "table" block (header row, alignments from the delimiter
  row, cells as inline runs). A caption is a paragraph `: caption` right after it (or a line
  `: caption` directly under its last row).
- Notes: `[^label]` inside a paragraph or subhead -> an Inline with `note=label` (no text);
  `[^label]: text` -> a note definition (its paragraphs as inline runs). An undefined
  reference, a definition used nowhere or twice, a label defined twice, a reference inside a
  caption or a table cell, and anything but paragraphs inside a note are errors.

Where it is: body.py (the records: Block, Inline, Body, ...), mdparser.py (markdown-it and
its rules for Chinese), mdruns.py (tokens -> runs and blocks), mdfigures.py (figures and
tables); this module walks the tokens (`parse_body`). Their names are importable from here.
"""
from __future__ import annotations

from pathlib import Path

from typeset.model.body import Block, Body, FigureSource, Inline, NoteDef, TableSource
from typeset.model.chars import Where, is_cjk, join_lines
from typeset.model.mdfigures import _CAPTION_RE, _figure, _strip_colon, _table
from typeset.model.mdparser import MAX_NESTING, _TooDeep, make_parser
from typeset.model.mdruns import (_ESCAPE_HINT, _Body, _add, _runs, _visible, _with_marker,
                                  clean_runs)
from typeset.records import replace

__all__ = ["Inline", "Block", "Body", "FigureSource", "TableSource", "NoteDef", "parse_blocks",
           "parse_body", "make_parser", "clean_runs", "is_cjk", "join_lines"]


def parse_blocks(text: str, *, file: str | Path) -> tuple[Block, ...]:
    """Blocks of a Markdown body (see parse_body)."""
    return parse_body(text, file=file).blocks


def parse_body(text: str, *, file: str | Path) -> Body:
    """Blocks and note definitions of a Markdown body. `text` must have the same line
    numbering as the file (article.py blanks out the front matter lines rather than cutting
    them)."""
    body = _Body(text, file)
    try:
        tokens = make_parser().parse(text)
    except _TooDeep as deep:
        raise body.error(
            f"lists or quotes nested too deep: typeset reads Markdown nested at most "
            f"{MAX_NESTING} levels (a list level counts two, the list and its item)",
            deep.line, "un-nest the list or quote that starts here (typeset prints list "
            "items and quotes as plain paragraphs anyway); nothing after it would be read"
        ) from None
    blocks: list[Block] = []
    notes: list[NoteDef] = []
    refs: list[tuple[str, int, int | None]] = []     # (label, line0, column) of references
    note: list | None = None       # [label, line0, last0, paragraphs] while inside a definition
    marker = ""                    # list markers waiting for the item's first paragraph
    marker_line = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.type
        start = tok.map[0] if tok.map else 0
        if note is not None and kind not in ("paragraph_open", "paragraph_close",
                                             "footnote_reference_close"):
            raise body.error(f"a note ([^{note[0]}]) holds only paragraphs of text", start,
                             "write the note as text; headings, lists, tables and figures "
                             "belong in the body")
        if kind == "footnote_reference_open":
            first, end = tok.map or (start, start + 1)
            note = [tok.meta.get("label", ""), first, end, []]
        elif kind == "footnote_reference_close":
            label, first, end, paras = note
            note = None
            if not paras:
                raise body.error(f"the note [^{label}] is empty", first,
                                 f"write its text after '[^{label}]: '")
            notes.append(NoteDef(label, tuple(paras), first + 1, end))
        elif kind == "list_item_open":
            if not marker:
                marker_line = start
            marker += (tok.info + tok.markup if tok.info else tok.markup) + " "
        elif kind == "list_item_close":
            if marker:             # an empty item: keep what was written
                _add(blocks, "paragraph", 0, [Inline(marker.rstrip())], marker_line, None, body)
                marker = ""
        elif kind == "paragraph_open":
            inline = tokens[i + 1]
            children = inline.children or []
            if note is not None:
                where = Where(body.file, start + 1, None, tok.map[1] if tok.map else start + 1)
                para = clean_runs(_runs(children, body, inline.map, notes="a note"), where)
                if _visible(para):
                    note[3].append(para)
            elif not marker and any(c.type == "image" for c in children):
                blocks.append(_figure(inline, body, start, tok.map[1] if tok.map else start + 1))
            else:
                src = body.lines[start] if start < len(body.lines) else ""
                runs = _runs(children, body, inline.map, notes=None, refs=refs)
                if marker:
                    runs = _with_marker(marker, runs)
                    marker = ""
                elif (_CAPTION_RE.match(src) and blocks and blocks[-1].kind == "table"
                      and blocks[-1].table.caption_line is None and not blocks[-1].inlines):
                    # `: caption` after a table
                    t = blocks[-1]
                    last = tok.map[1] if tok.map else start + 1
                    cap = _strip_colon(clean_runs(runs, Where(body.file, start + 1, None, last)))
                    if any(r.note is not None for r in cap):
                        raise body.error("a note reference cannot stand in a caption", start,
                                         "put the reference in the paragraph that introduces "
                                         "the table")
                    blocks[-1] = replace(t, inlines=cap, last_line=last,
                                         table=replace(t.table, caption_line=start + 1))
                    i += 2
                    continue
                _add(blocks, "paragraph", 0, runs, start, tok.map, body)
            i += 2
        elif kind == "heading_open":
            if tok.markup in ("=", "-"):
                end = tok.map[1] - 1 if tok.map else start
                underline = body.lines[end].strip() if end < len(body.lines) else tok.markup
                raise body.error(
                    f"the line '{underline}' under the text makes that text a heading", end,
                    "write headings as '## text' (first level) or '### text' (second level); "
                    f"to print the line itself, write '\\{underline}'")
            level = int(tok.tag[1:])
            if level not in (2, 3):
                raise body.error(
                    f"heading level {level} ('{'#' * level} ') is not used in article bodies",
                    start,
                    "the title goes in the front matter (title:); use '## ' for a first-level "
                    "subhead and '### ' for a second-level one")
            if marker:
                _add(blocks, "paragraph", 0, [Inline(marker.rstrip())], marker_line, None, body)
                marker = ""
            runs = _runs(tokens[i + 1].children or [], body, tokens[i + 1].map, notes=None,
                         refs=refs)
            _add(blocks, "heading", level, runs, start, tok.map, body)
            i += 2
        elif kind == "hr":
            src = body.lines[start].strip() if start < len(body.lines) else tok.markup
            raise body.error(f"a separator line ('{src}') cannot be printed", start,
                             "remove the line; " + _ESCAPE_HINT)
        elif kind == "fence":
            raise body.error("code blocks (``` or ~~~) are not supported in articles", start,
                             "remove the fence lines and write the text as paragraphs")
        elif kind == "html_block":
            raise body.error("HTML is not supported in articles", start,
                             "remove the HTML (comments too); " + _ESCAPE_HINT + " ('\\<')")
        elif kind == "table_open":
            if marker:
                raise body.error("a table inside a list cannot be printed", start,
                                 "put the table after the list, with a blank line before it")
            block, i = _table(tokens, i, body)
            blocks.append(block)
            continue
        elif kind == "code_block":  # disabled in make_parser(); kept for safety
            raise body.error("code blocks are not supported", start,
                             "remove the indentation")
        i += 1
    _check_notes(refs, notes, body)
    return Body(tuple(blocks), tuple(notes))


def _check_notes(refs: list[tuple[str, int, int | None]], notes: list[NoteDef],
                 body: _Body) -> None:
    """Every reference has one definition and every definition one reference (a page note
    stands at one place: a second reference to it would need the note printed twice)."""
    defined: dict[str, NoteDef] = {}
    for n in notes:
        if n.label in defined:
            raise body.error(f"the note [^{n.label}] is defined twice (first at line "
                             f"{defined[n.label].line})", n.line - 1,
                             "give each note its own label, e.g. [^2]", 1)
        defined[n.label] = n
    seen: dict[str, int] = {}
    for label, line0, col in refs:
        if label not in defined:
            raise body.error(f"the note [^{label}] is referenced but never defined", line0,
                             f"add a line '[^{label}]: the note's text' after the paragraph "
                             "(or correct the label)", col)
        if label in seen:
            raise body.error(f"the note [^{label}] is referenced twice (first at line "
                             f"{seen[label] + 1})", line0,
                             "a note stands once, at the foot of the page of its reference: "
                             "write a second note for the second place", col)
        seen[label] = line0
    for n in notes:
        if n.label not in seen:
            raise body.error(f"the note [^{n.label}] is defined but never referenced", n.line - 1,
                             f"put [^{n.label}] after the words it annotates, or remove the "
                             "note", 1)
