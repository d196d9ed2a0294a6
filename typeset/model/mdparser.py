"""The markdown-it parser of article bodies, extended for Chinese (model/markdown.py, its
docstring says what and why): emphasis next to CJK text, autolinks as written, the attribute
and footnote plugins, the nesting guard. markdown-it is imported when the parser is made."""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

from typeset.model.chars import is_cjk

if TYPE_CHECKING:                 # markdown-it is imported by `make_parser`, when a body is
    from markdown_it import MarkdownIt       # parsed: a warm build takes its articles from
    from markdown_it.rules_inline.state_inline import StateInline    # the cache (artcache.py)


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
