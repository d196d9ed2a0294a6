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
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typeset.records import dataclass, replace
from pathlib import Path

from typing import TYPE_CHECKING

from typeset.errors import TypesetError
from typeset.model.chars import Where, is_cjk, join_lines, normalize, normalize_runs, printed

if TYPE_CHECKING:                 # markdown-it is imported by `make_parser`, when a body is
    from markdown_it import MarkdownIt       # parsed: a warm build takes its articles from
    from markdown_it.rules_inline.state_inline import StateInline    # the cache (artcache.py)
    from markdown_it.token import Token

__all__ = ["Inline", "Block", "Body", "FigureSource", "TableSource", "NoteDef", "parse_blocks",
           "parse_body", "make_parser", "clean_runs", "is_cjk", "join_lines"]


@dataclass(frozen=True, slots=True)
class Inline:
    """A run of text with one style, or a note reference (`note` = the label of its
    definition; such a run has no text: the layout decides the marker it prints)."""
    text: str
    bold: bool = False
    italic: bool = False
    note: str | None = None


@dataclass(frozen=True)
class FigureSource:
    """A figure as the article writes it: `![caption](src){width=… credit="…"}`."""
    src: str                           # the path exactly as written, relative to the article
    width: str = "full"                # "full", a word the layout defines ("half"), or a length
    credit: str | None = None          # printed with the caption (characters normalised)
    column: int = 1                    # column of "![" on the block's line
    width_column: int | None = None    # column of the width attribute (for messages)
    picture: object = None             # typeset.model.picture.PictureInfo, set by article.py


@dataclass(frozen=True)
class TableSource:
    """A pipe table: alignments, header cells, body rows (cells are inline runs)."""
    aligns: tuple[str, ...]                           # per column: left|center|right|"" (unset)
    header: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]
    row_lines: tuple[int, ...]                        # 1-based line of each body row
    caption_line: int | None = None                   # line of the `: caption`, if any


@dataclass(frozen=True)
class NoteDef:
    """A note definition `[^label]: text` (its paragraphs; continuation lines indented)."""
    label: str
    paragraphs: tuple[tuple[Inline, ...], ...]
    line: int
    last_line: int

    @property
    def text(self) -> str:
        return "".join(r.text for p in self.paragraphs for r in p)


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph, a subhead, a figure or a table of an article body."""
    kind: str                      # "paragraph" | "heading" | "figure" | "table"
    level: int                     # heading level (2 for ##, 3 for ###); 0 otherwise
    inlines: tuple[Inline, ...]    # the text; a figure's or table's caption
    line: int                      # 1-based line in the .md file
    last_line: int = 0             # its last line (0: unknown, the first line only)
    figure: FigureSource | None = None
    table: TableSource | None = None

    @property
    def text(self) -> str:
        """The plain text of the block (all runs concatenated; a table: its caption)."""
        return "".join(run.text for run in self.inlines)

    @property
    def notes(self) -> tuple[str, ...]:
        """Labels of the notes referenced in the block, in order."""
        return tuple(r.note for r in self.inlines if r.note is not None)


@dataclass(frozen=True)
class Body:
    """An article body: its blocks and its note definitions (in the order written)."""
    blocks: tuple[Block, ...]
    notes: tuple[NoteDef, ...] = ()


# ---------------------------------------------------------------------------------------------
# Character classes (is_cjk and join_lines live with the other character rules, in chars.py)

def _is_ws(ch: str) -> bool:
    # CommonMark §2.1 "Unicode whitespace character": Zs, tab, LF, FF, CR
    return ch in "\t\n\f\r" or unicodedata.category(ch) == "Zs"


def _is_punct(ch: str) -> bool:
    # CommonMark 0.31.2 §2.1 "Unicode punctuation character": general category P or S
    return unicodedata.category(ch)[0] in "PS"


def _scan_delims(src: str, start: int, end: int, can_split_word: bool) -> tuple[bool, bool, int]:
    """(can_open, can_close, length) of the delimiter run at `start`.

    CommonMark 0.31.2 §6.2 flanking rules, with (2b) extended for CJK (module docstring, 1):
    left-flanking:  not followed by whitespace, and either not followed by punctuation, or
                    preceded by whitespace, punctuation or a CJK character;
    right-flanking: not preceded by whitespace, and either not preceded by punctuation, or
                    followed by whitespace, punctuation or a CJK character.
    The start and end of the inline content count as whitespace."""
    marker = src[start]
    pos = start
    while pos < end and src[pos] == marker:
        pos += 1
    before = src[start - 1] if start > 0 else " "
    after = src[pos] if pos < end else " "
    before_ws, after_ws = _is_ws(before), _is_ws(after)
    before_p, after_p = _is_punct(before), _is_punct(after)
    left = not after_ws and (not after_p or before_ws or before_p or is_cjk(before))
    right = not before_ws and (not before_p or after_ws or after_p or is_cjk(after))
    if can_split_word:                           # '*': §6.2 rules 1 and 5
        return left, right, pos - start
    # '_': §6.2 rules 2 and 6 (not inside words)
    return (left and (not right or before_p), right and (not left or after_p), pos - start)


def _emphasis_cjk(state: StateInline, silent: bool) -> bool:
    """Inline rule replacing markdown-it's 'emphasis' tokenizer; only the scan differs."""
    marker = state.src[state.pos]
    if silent or marker not in ("*", "_"):
        return False
    can_open, can_close, length = _scan_delims(state.src, state.pos, state.posMax, marker == "*")
    for _ in range(length):
        token = state.push("text", "", 0)
        token.content = marker
        state.delimiters.append(_Delimiter(marker=ord(marker), length=length,
                                           token=len(state.tokens) - 1, end=-1,
                                           open=can_open, close=can_close))
    state.pos += length
    return True


# CommonMark 0.31.2 §6.5 autolinks: absolute URI and e-mail address between < and >.
_AUTOLINK_RE = re.compile(
    r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\x00-\x20]*"
    r"|[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~\-]+@[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?)*)>")


def _autolink_text(state: StateInline, silent: bool) -> bool:
    """An autolink becomes its address exactly as written (markdown-it would percent-decode
    and punycode-convert it)."""
    if state.src[state.pos] != "<":
        return False
    m = _AUTOLINK_RE.match(state.src, state.pos, state.posMax)
    if not m:
        return False
    if not silent:
        token = state.push("text", "", 0)
        token.content = m.group(1)
    state.pos = m.end()
    return True


#: the attributes a figure may carry (format.md, "Figures")
FIGURE_ATTRIBUTES = ("width", "credit")
#: a figure width: a word (full, half, …: the layout's figure.widths) or a length
_WIDTH_RE = re.compile(r"^(?:[a-z][a-z_]*|\d+(?:\.\d+)?(?:mm|cm|pt|em))$")


#: How deep lists and block quotes may nest (markdown-it's `maxNesting`, its guard against
#: runaway recursion). A list level counts two (the list and its item), a quote one.
MAX_NESTING = 20


class _TooDeep(Exception):
    """The block parser reached MAX_NESTING with text still to read at 0-based `line`."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def _guard_nesting(md: MarkdownIt) -> None:
    """markdown-it silently skips everything below its nesting limit ("skip tail to the end",
    parser_block.tokenize). Nested lists and quotes call `md.block.tokenize` again for their
    content; the guard notices a call at the limit that still has text to read and raises
    instead, so no text is ever dropped: it is read, or it is an error with its line."""
    tokenize = md.block.tokenize

    def guarded(state, start_line: int, end_line: int) -> None:
        if state.level >= md.options.maxNesting:
            line = state.skipEmptyLines(start_line)
            if line < end_line and state.sCount[line] >= state.blkIndent:
                raise _TooDeep(line)
        tokenize(state, start_line, end_line)

    md.block.tokenize = guarded


_Delimiter = None          # markdown-it's Delimiter, once `make_parser` has imported it


@functools.cache
def make_parser() -> MarkdownIt:
    """The markdown-it parser used for article bodies (see the module docstring)."""
    global _Delimiter
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline.state_inline import Delimiter
    _Delimiter = Delimiter
    md = MarkdownIt("commonmark", {"typographer": False, "linkify": False, "html": True,
                                   "maxNesting": MAX_NESTING})
    md.enable("table")
    md.disable(["code", "reference", "autolink"])
    from mdit_py_plugins.attrs import attrs_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    # {width=… credit="…"} after an image; anything else lands in meta["insecure_attrs"] and
    # is reported as an unknown attribute
    md.use(attrs_plugin, after=("image",), allowed=FIGURE_ATTRIBUTES)
    # [^label] always becomes a reference (an undefined one is reported, not left as text);
    # definitions stay where they are written (we collect them)
    md.use(footnote_plugin, inline=False, move_to_end=False, always_match_refs=True)
    md.normalizeLink = lambda url: url        # paths exactly as written (no %-encoding)
    md.validateLink = lambda url: True        # article.py decides what a path may be
    md.inline.ruler.at("emphasis", _emphasis_cjk)
    md.inline.ruler.before("html_inline", "autolink_text", _autolink_text)
    _guard_nesting(md)
    return md


# ---------------------------------------------------------------------------------------------
# Tokens -> blocks

class _Body:
    def __init__(self, text: str, file: str | Path):
        self.lines = text.split("\n")
        self.file = file

    def error(self, message: str, line0: int, hint: str, column: int | None = None
              ) -> TypesetError:
        """An error at 0-based line `line0` (column: first non-blank character by default)."""
        if column is None:
            src = self.lines[line0] if 0 <= line0 < len(self.lines) else ""
            column = len(src) - len(src.lstrip()) + 1
        return TypesetError(message, file=self.file, line=line0 + 1, column=column, hint=hint)

    def locate(self, token_map: list[int] | None, needles: list[str]) -> tuple[int, int | None]:
        """0-based line and 1-based column of the first needle found in the block's lines."""
        if not token_map:
            return 0, None
        first, last = token_map
        for needle in needles:
            if not needle:
                continue
            for n in range(first, min(last, len(self.lines))):
                col = self.lines[n].find(needle)
                if col >= 0:
                    return n, col + 1
        return first, None


_ESCAPE_HINT = "to print it as text, put a backslash before its first character"
_IMAGE_HINT = ("put the image on a line of its own with blank lines around it: "
               "![caption](images/photo.jpg){width=full credit=\"…\"}")


def _runs(children: list[Token], body: _Body, token_map: list[int] | None, *,
          notes: str | None = "this place", refs: list | None = None) -> list[Inline]:
    """Inline runs of an inline token's children. `notes`: None allows note references
    (recorded in `refs` with their place); a text says where references are not allowed."""
    runs: list[list] = []          # [text, bold, italic, note]
    bold = italic = 0
    pending_break = False

    def add(text: str) -> None:
        nonlocal pending_break
        if not text:
            return
        if pending_break:
            prev = next((r[0][-1] for r in reversed(runs) if r[0]), " ")
            text = join_lines(prev, text) + text
            pending_break = False
        style = (bold > 0, italic > 0)
        if runs and runs[-1][3] is None and (runs[-1][1], runs[-1][2]) == style:
            runs[-1][0] += text
        else:
            runs.append([text, *style, None])

    for i, tok in enumerate(children):
        kind = tok.type
        if kind in ("text", "code_inline"):
            add(tok.content)
        elif kind in ("softbreak", "hardbreak"):
            pending_break = bool(runs)
        elif kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind == "footnote_ref":
            label = tok.meta.get("label", "")
            line0, col = body.locate(token_map, [f"[^{label}]"])
            if notes is not None:
                raise body.error(f"a note reference [^{label}] cannot stand in {notes}", line0,
                                 "put the reference in the paragraph that introduces it", col)
            runs.append(["", bold > 0, italic > 0, label])
            if refs is not None:
                refs.append((label, line0, col))
        elif kind == "link_open":
            label = children[i + 1].content if i + 1 < len(children) else ""
            line0, col = body.locate(token_map, ["[" + label, "]("])
            raise body.error(f"link [{label}]({tok.attrGet('href')}) cannot be printed", line0,
                             "write the address as plain text, e.g. 文字（https://…）; "
                             + _ESCAPE_HINT + " ('\\[')", col)
        elif kind == "image":
            line0, col = body.locate(token_map, ["![" + tok.content, "!["])
            raise body.error(f"an image ({tok.attrGet('src')}) inside a paragraph cannot be "
                             "placed", line0, _IMAGE_HINT + "; " + _ESCAPE_HINT + " ('\\!')", col)
        elif kind == "html_inline":
            line0, col = body.locate(token_map, [tok.content])
            raise body.error(f"HTML is not supported: {tok.content}", line0,
                             "remove the tag; " + _ESCAPE_HINT + " ('\\<')", col)
        else:
            line0, col = body.locate(token_map, [])
            raise body.error(f"unsupported Markdown element ({kind})", line0,
                             "write it as plain text", col)
    return [Inline(t, b, it, n) for t, b, it, n in runs]


def _with_marker(marker: str, runs: list[Inline]) -> list[Inline]:
    if runs and not runs[0].bold and not runs[0].italic and runs[0].note is None:
        return [Inline(marker + runs[0].text)] + runs[1:]
    return [Inline(marker)] + runs


def clean_runs(runs: list[Inline], where: Where) -> tuple[Inline, ...]:
    """Normalise a text's runs (chars.normalize_runs: one fate per character; note references
    pass through) and drop the spaces at its edges (the layout indents)."""
    out: list[Inline] = []
    group: list[Inline] = []

    def flush() -> None:
        pieces = normalize_runs([(r.text, (r.bold, r.italic)) for r in group], where)
        out.extend(Inline(t, b, i) for t, (b, i) in pieces if t)
        group.clear()

    for r in runs:
        if r.note is not None:
            flush()
            out.append(r)
        else:
            group.append(r)
    flush()
    texts = [k for k, r in enumerate(out) if r.note is None]
    if texts:
        first, last = texts[0], texts[-1]
        if out[first].text.startswith(" "):
            out[first] = replace(out[first], text=out[first].text.lstrip(" "))
        if out[last].text.endswith(" "):
            out[last] = replace(out[last], text=out[last].text.rstrip(" "))
    return tuple(r for r in out if r.text or r.note is not None)


def _visible(inlines: tuple[Inline, ...]) -> bool:
    return bool(printed("".join(r.text for r in inlines)).strip())


def _add(blocks: list[Block], kind: str, level: int, runs: list[Inline], line0: int,
         token_map: list[int] | None, body: _Body) -> None:
    """Normalise a block's text (clean_runs) and keep it. A paragraph with nothing left to
    print (only white space or characters that are never drawn) is dropped, an empty heading
    is an error."""
    last = token_map[1] if token_map else line0 + 1
    inlines = clean_runs(runs, Where(body.file, line0 + 1, None, last))
    if not _visible(inlines):
        if kind == "heading":
            raise body.error("empty heading", line0, "write the heading text after '## '")
        if any(r.note is not None for r in inlines):
            raise body.error("a note reference stands alone in a paragraph", line0,
                             "put the reference after the words it annotates")
        return
    blocks.append(Block(kind, level, inlines, line0 + 1, last))


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
