"""Markdown tokens -> inline runs and blocks (model/markdown.py): styles, soft breaks joined,
escapes, autolinks and note references; what cannot be printed refused at its line and
column."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from typeset.errors import TypesetError
from typeset.model.body import Block, Inline
from typeset.model.chars import Where, join_lines, normalize_runs, printed
from typeset.records import replace

if TYPE_CHECKING:                 # markdown-it is imported by `make_parser`, when a body is
    from markdown_it.token import Token      # parsed: a warm build takes its articles from the
                                             # cache (artcache.py)


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
