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
- Links, images, raw HTML (blocks and inline, including comments), fenced code blocks,
  tables, thematic breaks (`---`, `***`) -> TypesetError with line and column and a hint
  (escape the first character with `\\` to print it literally).
- Reference definitions (`[x]: url`) are off: such a line stays paragraph text.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.rules_inline.state_inline import Delimiter, StateInline
from markdown_it.token import Token

from typeset.errors import TypesetError
from typeset.model.chars import Where, is_cjk, join_lines, normalize_runs, printed

__all__ = ["Inline", "Block", "parse_blocks", "make_parser", "is_cjk", "join_lines"]


@dataclass(frozen=True)
class Inline:
    """A run of text with one style."""
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Block:
    """A paragraph or a subhead of an article body."""
    kind: str                      # "paragraph" | "heading"
    level: int                     # heading level (2 for ##, 3 for ###); 0 for paragraphs
    inlines: tuple[Inline, ...]
    line: int                      # 1-based line in the .md file
    last_line: int = 0             # its last line (0: unknown, the first line only)

    @property
    def text(self) -> str:
        """The plain text of the block (all runs concatenated)."""
        return "".join(run.text for run in self.inlines)


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
        state.delimiters.append(Delimiter(marker=ord(marker), length=length,
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


@functools.cache
def make_parser() -> MarkdownIt:
    """The markdown-it parser used for article bodies (see the module docstring)."""
    md = MarkdownIt("commonmark", {"typographer": False, "linkify": False, "html": True,
                                   "maxNesting": MAX_NESTING})
    md.enable("table")
    md.disable(["code", "reference", "autolink"])
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


def _runs(children: list[Token], body: _Body, token_map: list[int] | None) -> list[Inline]:
    runs: list[list] = []          # [text, bold, italic]
    bold = italic = 0
    pending_break = False

    def add(text: str) -> None:
        nonlocal pending_break
        if not text:
            return
        if pending_break:
            prev = runs[-1][0][-1] if runs else " "
            text = join_lines(prev, text) + text
            pending_break = False
        style = (bold > 0, italic > 0)
        if runs and (runs[-1][1], runs[-1][2]) == style:
            runs[-1][0] += text
        else:
            runs.append([text, *style])

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
        elif kind == "link_open":
            label = children[i + 1].content if i + 1 < len(children) else ""
            line0, col = body.locate(token_map, ["[" + label, "]("])
            raise body.error(f"link [{label}]({tok.attrGet('href')}) cannot be printed", line0,
                             "write the address as plain text, e.g. 文字（https://…）; "
                             + _ESCAPE_HINT + " ('\\[')", col)
        elif kind == "image":
            line0, col = body.locate(token_map, ["!["])
            raise body.error(f"image ({tok.attrGet('src')}) is not supported in articles",
                             line0, "remove the image line; " + _ESCAPE_HINT + " ('\\!')", col)
        elif kind == "html_inline":
            line0, col = body.locate(token_map, [tok.content])
            raise body.error(f"HTML is not supported: {tok.content}", line0,
                             "remove the tag; " + _ESCAPE_HINT + " ('\\<')", col)
        else:
            line0, col = body.locate(token_map, [])
            raise body.error(f"unsupported Markdown element ({kind})", line0,
                             "write it as plain text", col)
    return [Inline(t, b, it) for t, b, it in runs]


def _with_marker(marker: str, runs: list[Inline]) -> list[Inline]:
    if runs and not runs[0].bold and not runs[0].italic:
        return [Inline(marker + runs[0].text)] + runs[1:]
    return [Inline(marker)] + runs


def _add(blocks: list[Block], kind: str, level: int, runs: list[Inline], line0: int,
         token_map: list[int] | None, body: _Body) -> None:
    """Normalise a block's text (chars.normalize_runs: one fate per character) and keep it.
    Spaces at its edges go (the layout indents); a paragraph with nothing left to print
    (only white space or characters that are never drawn) is dropped, an empty heading is an
    error."""
    last = token_map[1] if token_map else line0 + 1
    where = Where(body.file, line0 + 1, None, last)
    pieces = normalize_runs([(r.text, (r.bold, r.italic)) for r in runs], where)
    if pieces:
        pieces[0] = (pieces[0][0].lstrip(" "), pieces[0][1])
        pieces[-1] = (pieces[-1][0].rstrip(" "), pieces[-1][1])
    inlines = tuple(Inline(t, b, i) for t, (b, i) in pieces if t)
    if not printed("".join(r.text for r in inlines)).strip():
        if kind == "heading":
            raise body.error("empty heading", line0, "write the heading text after '## '")
        return
    blocks.append(Block(kind, level, inlines, line0 + 1, last))


def parse_blocks(text: str, *, file: str | Path) -> tuple[Block, ...]:
    """Blocks of a Markdown body. `text` must have the same line numbering as the file
    (article.py blanks out the front matter lines rather than cutting them)."""
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
    marker = ""                    # list markers waiting for the item's first paragraph
    marker_line = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.type
        start = tok.map[0] if tok.map else 0
        if kind == "list_item_open":
            if not marker:
                marker_line = start
            marker += (tok.info + tok.markup if tok.info else tok.markup) + " "
        elif kind == "list_item_close":
            if marker:             # an empty item: keep what was written
                _add(blocks, "paragraph", 0, [Inline(marker.rstrip())], marker_line, None, body)
                marker = ""
        elif kind == "paragraph_open":
            runs = _runs(tokens[i + 1].children or [], body, tokens[i + 1].map)
            if marker:
                runs = _with_marker(marker, runs)
                marker = ""
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
            runs = _runs(tokens[i + 1].children or [], body, tokens[i + 1].map)
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
            raise body.error("tables are not supported in articles", start,
                             "write the table's content as paragraphs; " + _ESCAPE_HINT
                             + " ('\\|')")
        elif kind == "code_block":  # disabled in make_parser(); kept for safety
            raise body.error("code blocks are not supported", start,
                             "remove the indentation")
        i += 1
    return tuple(blocks)
