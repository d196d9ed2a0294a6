"""Write the classified document as an article: YAML front matter and a Markdown body in the
contract's syntax (format.md: articles, "Beyond text": figures, tables, notes).

Text goes through the character rules first (`chars.normalize_runs`: one fate per
character; a manual line break joins as a Markdown line break does), so the article holds
exactly what the build will print; a refused character is an error naming the paragraph.

Escaping. Characters that are Markdown syntax are written with a backslash so they print as
written (CommonMark 0.31.2 §2.4: any ASCII punctuation may be backslash-escaped): everywhere
`\\`, `` ` ``, `*`, `_`, `[`, `]`, `<`, `~~`, and `&` before an entity-like name; at the start
of a paragraph `#`, `>`, `-`, `+`, `:`, `|`, and the `.`/`)` of "1. "; in tables `|`; in
headings every `#` (an ATX closing sequence). Every paragraph, heading, cell, caption and note
written is read back with the article reader's own Markdown parser and compared, character by
character and bold by bold, with what it must print; a bold run Markdown cannot delimit there
(CommonMark's flanking rules, even with the CJK extension) is set in regular type and
reported, and if the text itself ever differed, the paragraph is written with every ASCII
punctuation character escaped. Nothing is ever written that reads back differently.
"""
from __future__ import annotations

import re
import unicodedata
from typeset.records import dataclass
from pathlib import Path

import yaml

from typeset.errors import TypesetError
from typeset.importer.classify import Figure, Guess, Heading, Plan, TableBlock, quoted
from typeset.importer.read import Para, Picture, Run
from typeset.model.chars import Where, join_lines, normalize, normalize_runs, printed
from typeset.model.markdown import parse_blocks
from typeset.model.yamlsrc import MAX_SOURCE_BYTES


@dataclass(frozen=True)
class Text:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Ref:
    number: int                     # the [^n] number


@dataclass
class Image:
    """A picture to write beside the article."""
    relpath: str                    # relative to the article, e.g. images/stem-1.jpg
    data: bytes


@dataclass
class Written:
    markdown: str
    images: list[Image]
    guesses: list[Guess]
    counts: dict[str, int]


# --- characters -------------------------------------------------------------------------------

class _Where:
    """Where a text comes from, for messages: the .docx and the paragraph."""

    def __init__(self, path: Path, what: str):
        self.path, self.what = path, what

    def fail(self, err: TypesetError) -> TypesetError:
        return TypesetError(f"{self.what}: {err.message}", file=self.path,
                            hint=(err.hint or "") + "; delete or replace it in Word, then import "
                            "again")


def _join_breaks(pieces: list[tuple[str, tuple]]) -> list[tuple[str, tuple]]:
    """Resolve manual line breaks across styled pieces as Markdown joins lines (chars.py):
    spaces around the break go; nothing between two CJK characters, else one space."""
    if not any("\n" in t or "\r" in t for t, _ in pieces):
        return pieces
    chars: list[str] = []
    tags: list[tuple] = []
    flat = [(ch, tag) for t, tag in pieces for ch in t.replace("\r\n", "\n").replace("\r", "\n")]
    i = 0
    while i < len(flat):
        ch, tag = flat[i]
        if ch != "\n":
            chars.append(ch)
            tags.append(tag)
            i += 1
            continue
        while chars and chars[-1] in " \t":
            chars.pop()
            tags.pop()
        while i < len(flat) and flat[i][0] in " \t\n":
            i += 1
        if chars and i < len(flat) and join_lines(chars[-1], flat[i][0]):
            chars.append(" ")
            tags.append(tags[-1])
    out: list[tuple[str, tuple]] = []
    for ch, tag in zip(chars, tags):
        if out and out[-1][1] == tag:
            out[-1] = (out[-1][0] + ch, tag)
        else:
            out.append((ch, tag))
    return out


def items_of(runs: list[Run], where: _Where, note_numbers: dict[int, int], *,
             styles: bool = True) -> list:
    """A paragraph's runs as normalised Text and Ref items (edges stripped: the layout
    indents)."""
    items: list = []
    segment: list[tuple[str, tuple]] = []

    def flush() -> None:
        if not segment:
            return
        pieces = _join_breaks(segment)
        try:
            normal = normalize_runs(pieces, Where(None))
        except TypesetError as err:
            raise where.fail(err) from None
        items.extend(Text(t, *tag) for t, tag in normal if t)
        segment.clear()

    for run in runs:
        if run.note is not None:
            flush()
            if run.note in note_numbers:
                items.append(Ref(note_numbers[run.note]))
        elif run.text:
            segment.append((run.text, (run.bold and styles, run.italic and styles)))
    flush()
    # edges: spaces (and ideographic spaces typed as an indent) are not part of the text
    return _merge(_strip_edges(items))


def _strip_edges(items: list) -> list:
    """Without the spaces at the start and end (the reader drops them: the layout indents)."""
    while items and isinstance(items[0], Text) and not items[0].text.lstrip(" \u3000"):
        items.pop(0)
    while items and isinstance(items[-1], Text) and not items[-1].text.rstrip(" \u3000"):
        items.pop()
    if items and isinstance(items[0], Text):
        items[0] = Text(items[0].text.lstrip(" \u3000"), items[0].bold, items[0].italic)
    if items and isinstance(items[-1], Text):
        items[-1] = Text(items[-1].text.rstrip(" \u3000"), items[-1].bold, items[-1].italic)
    return items


def _merge(items: list) -> list:
    out: list = []
    for item in items:
        if isinstance(item, Text) and out and isinstance(out[-1], Text) and \
                (out[-1].bold, out[-1].italic) == (item.bold, item.italic):
            out[-1] = Text(out[-1].text + item.text, item.bold, item.italic)
        elif not (isinstance(item, Text) and not item.text):
            out.append(item)
    return out


def plain_text(items: list) -> str:
    return "".join(i.text for i in items if isinstance(i, Text))


def norm_value(text: str, where: _Where) -> str:
    """A front-matter value: the character rules, line breaks joined, edges stripped."""
    try:
        return normalize(text, Where(None)).strip(" \u3000")
    except TypesetError as err:
        raise where.fail(err) from None


# --- Markdown ---------------------------------------------------------------------------------

_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_ASCII_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=[ \t]|$)")


def escape(text: str, *, table: bool = False, heading: bool = False) -> str:
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([`*_\[\]<#])" if heading else r"([`*_\[\]<])", r"\\\1", text)
    text = text.replace("~~", "\\~\\~")
    text = _ENTITY.sub(r"\\&", text)
    if table:
        text = text.replace("|", "\\|")
    return text


def escape_all(text: str) -> str:
    return _ASCII_PUNCT.sub(r"\\\1", text)


def escape_start(md: str) -> str:
    """Escape what would make the start of a paragraph block syntax."""
    if md[:1] in ("#", ">", "-", "+", ":", "|"):
        return "\\" + md
    m = _ORDERED.match(md)
    if m:
        return m.group(1) + "\\" + md[m.end(1):]
    return md


def render(items: list, *, table: bool = False, full: bool = False, ref: str = "[^{}]",
           heading: bool = False) -> str:
    """Markdown for inline items: escaped text, **bold**, *italic*, [^n]. `full`: every ASCII
    punctuation character escaped (the fallback that always reads back)."""
    def esc(text: str) -> str:
        return escape_all(text) if full else escape(text, table=table, heading=heading)

    out: list[str] = []
    for k, item in enumerate(items):
        if isinstance(item, Ref):
            out.append(ref.format(item.number))
            continue
        text = item.text
        lead = trail = ""
        mark = "***" if item.bold and item.italic else "**" if item.bold else \
            "*" if item.italic else ""
        if mark:                   # spaces stay outside the delimiters (CommonMark §6.2)
            core = text.strip(" ")
            lead = text[:len(text) - len(text.lstrip(" "))]
            trail = text[len(text.rstrip(" ")):] if core else ""
            text = core
        before_ref = k + 1 < len(items) and isinstance(items[k + 1], Ref)
        if before_ref and not mark and text.endswith("!"):
            md = esc(text[:-1]) + "\\!"           # not "![^1]": an image
        else:
            md = esc(text)
        if mark and text:
            md = mark + md + mark
        md = lead + md + trail
        if k > 0 and isinstance(items[k - 1], Ref) and md[:1] in "(:":
            md = "\\" + md                         # not "[^1](…)" or "[^1]:"
        out.append(md)
    md = "".join(out)
    first = items[0] if items else None
    if isinstance(first, Text) and not (first.bold or first.italic):
        md = escape_start(md)
    return md


_PLACEHOLDER = "\u2020"       # †: punctuation like the ']' of a note reference, for reading back


def _expected(items: list) -> list[tuple[str, bool, bool]]:
    out = []
    for item in items:
        if isinstance(item, Ref):
            out.append((_PLACEHOLDER, None, None))
        else:
            out.extend((ch, item.bold, item.italic) for ch in item.text)
    return out


def _read_back(md: str, heading: int = 0) -> list[tuple[str, bool, bool]] | None:
    """What the article reader makes of one written block (None: not one block of its kind)."""
    try:
        blocks = parse_blocks(md, file="<import>")
    except TypesetError:
        return None
    if len(blocks) != 1 or (blocks[0].kind == "heading") != bool(heading):
        return None
    return [(ch, r.bold, r.italic) for r in blocks[0].inlines for ch in r.text]


def _first_difference(got, want) -> int | None:
    """The index of the first character read back differently (text, or style of a character
    that is not a space: a space's style prints nothing), else None."""
    if got is None:
        return 0
    for n, (g, e) in enumerate(zip(got, want)):
        if g[0] != e[0] or (e[1] is not None and not e[0].isspace()
                            and (g[1], g[2]) != (e[1], e[2])):
            return n
    return None if len(got) == len(want) else min(len(got), len(want))


def _culprit(items: list, diff: int) -> int | None:
    """The styled item to blame for a difference at character `diff`: the one holding it,
    else the last one before it, else the first one after."""
    pos, before, after = 0, None, None
    for k, item in enumerate(items):
        length = 1 if isinstance(item, Ref) else len(item.text)
        styled = isinstance(item, Text) and (item.bold or item.italic)
        if styled and pos <= diff < pos + length:
            return k
        if styled and pos + length <= diff:
            before = k
        if styled and pos > diff and after is None:
            after = k
        pos += length
    return before if before is not None else after


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "P"


def _shrink(item: Text) -> list[Text] | None:
    """The styled run without the punctuation at its end (a closing 。 before a digit), else
    without the punctuation at its start (an opening “ after a letter): CommonMark cannot put
    a delimiter there. None when there is nothing to take off."""
    text = item.text
    b = len(text)
    while b > 0 and _is_punct(text[b - 1]):
        b -= 1
    if 0 < b < len(text):
        return [Text(text[:b], item.bold, item.italic), Text(text[b:])]
    a = 0
    while a < len(text) and _is_punct(text[a]):
        a += 1
    if 0 < a < len(text):
        return [Text(text[:a]), Text(text[a:], item.bold, item.italic)]
    return None


def inline_md(items: list, *, table: bool = False, heading: int = 0, what: str = "",
              dropped: list[str] | None = None, shrunk: list[str] | None = None) -> str:
    """Markdown for the items that reads back exactly (see the module docstring)."""
    if not items:
        return ""
    prefix = "#" * heading + " " if heading else ""
    items = _strip_edges(list(items))
    if not items:
        return ""
    for _ in range(3 * len(items) + 2):
        md = render(items, table=table, heading=bool(heading))
        check = render(items, table=table, heading=bool(heading), ref=_PLACEHOLDER)
        diff = _first_difference(_read_back(prefix + check, heading), _expected(items))
        if diff is None:
            return prefix + md
        k = _culprit(items, diff)
        if k is None:
            break                   # the text itself differs: escape everything below
        item = items[k]
        parts = _shrink(item)
        if parts is not None:
            items[k:k + 1] = parts
            if shrunk is not None:
                shrunk.append(f"{what}: {quoted(item.text, 20)}")
            continue
        items[k] = Text(item.text)
        if dropped is not None:
            dropped.append(f"{what}: {quoted(item.text, 20)}")
    plain = _merge([Text(i.text) if isinstance(i, Text) else i for i in items])
    md = render(plain, table=table, full=True)
    check = render(plain, table=table, full=True, ref=_PLACEHOLDER)
    if _first_difference(_read_back(prefix + check, heading), _expected(plain)) is not None:
        raise RuntimeError(f"import: {what} does not read back as written: {md[:80]!r}")
    if dropped is not None and any(isinstance(i, Text) and (i.bold or i.italic) for i in items):
        dropped.append(f"{what}: all of its bold")
    return prefix + md


# --- the article ------------------------------------------------------------------------------

def _dump(value, *, flow: bool) -> str:
    text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=flow,
                          width=1_000_000)
    return text.strip("\n") if flow else text


def _front_matter(plan: Plan, path: Path) -> tuple[str, dict]:
    values: dict = {}
    title = [norm_value(t, _Where(path, f"the title {quoted(t)}")) for t in plan.title]
    title = [t for t in title if printed(t).strip()]
    if not title:
        raise TypesetError("the title is empty once invisible characters are left out",
                           file=path, hint="type the title in the document and import again")
    values["title"] = title[0] if len(title) == 1 else title
    for key in ("subtitle", "byline", "lead", "note"):
        value = getattr(plan, key)
        if value:
            text = norm_value(value, _Where(path, f"the {key} {quoted(value)}"))
            if printed(text).strip():
                values[key] = text
    if plan.authors:
        values["authors"] = [norm_value(a, _Where(path, "the authors")) for a in plan.authors]
    order = ["title", "subtitle", "authors", "byline", "lead", "note"]
    values = {k: values[k] for k in order if k in values}
    lines = []
    for key, value in values.items():
        if key == "authors":          # a flow list, as format.md writes it: [吴宁, 艾粤敏]
            lines.append(f"authors: {_dump(value, flow=True)}\n")
        else:
            lines.append(_dump({key: value}, flow=False))
    text = "".join(lines)
    if yaml.safe_load(text) != values:        # cannot happen with safe_dump; checked anyway
        raise RuntimeError("import: front matter does not read back")
    return text, values


def _cell_runs(cell_paras: list[Para]) -> list[Run]:
    runs: list[Run] = []
    for n, p in enumerate(cell_paras):
        if n:
            runs.append(Run("\n"))       # paragraphs of a cell join like lines
        runs.extend(p.runs)
    return runs


def write_article(plan: Plan, path: Path, stem: str) -> Written:
    """The article's Markdown, the pictures to write beside it, and what was guessed."""
    guesses = list(plan.guesses)
    dropped: list[str] = []
    shrunk: list[str] = []
    # notes: numbered in order of first reference from the body
    note_numbers: dict[int, int] = {}
    front = set(plan.front_notes)

    def number_notes(runs: list[Run]) -> None:
        for r in runs:
            if r.note is not None and r.note not in front and r.note not in note_numbers:
                note_numbers[r.note] = len(note_numbers) + 1

    for block in plan.body:
        if isinstance(block, Para):
            number_notes(block.runs)
        elif isinstance(block, Heading):
            number_notes(block.para.runs)
        elif isinstance(block, TableBlock):
            for row in block.table.rows:
                for cell in row:
                    for p in cell.paras:
                        number_notes(p.runs)
    k = 0
    while k < len(plan.notes):                     # notes referenced only from notes
        if k in note_numbers:
            for p in plan.notes[k]:
                number_notes(p.runs)
        k += 1

    front_text, _ = _front_matter(plan, path)
    out: list[str] = []
    images: list[Image] = []
    by_key: dict[str, str] = {}
    counts = {"paragraphs": 0, "headings": 0, "figures": 0, "tables": 0, "notes": 0}
    for block in plan.body:
        if isinstance(block, Para):
            where = _Where(path, f"paragraph {block.number} {quoted(block.text, 20)}")
            items = items_of(block.runs, where, note_numbers)
            if not items:
                continue
            out.append(inline_md(items, what=f"paragraph {block.number}", dropped=dropped,
                                 shrunk=shrunk))
            counts["paragraphs"] += 1
        elif isinstance(block, Heading):
            where = _Where(path, f"paragraph {block.para.number} {quoted(block.para.text, 20)}")
            items = items_of(block.para.runs, where, note_numbers, styles=False)
            if not items:
                continue
            out.append(inline_md(items, heading=block.level, what=f"paragraph "
                                 f"{block.para.number}"))
            counts["headings"] += 1
        elif isinstance(block, Figure):
            out.append(_figure(block, path, stem, images, by_key, note_numbers))
            counts["figures"] += 1
        elif isinstance(block, TableBlock):
            table = _table(block, path, note_numbers, dropped)
            if table:
                out.append(table)
                counts["tables"] += 1
    if not counts["paragraphs"] and not counts["headings"]:
        raise TypesetError("the document has a title but no body text", file=path,
                           hint="check that this is the whole article")
    for k, number in sorted(note_numbers.items(), key=lambda kv: kv[1]):
        paras = plan.notes[k] if k < len(plan.notes) else []
        where = _Where(path, f"footnote {number}")
        items = items_of(_cell_runs(paras), where, note_numbers)
        text = inline_md(items, what=f"footnote {number}", dropped=dropped)
        out.append(f"[^{number}]: {text}".rstrip())
        counts["notes"] += 1
        if not items:
            guesses.append(Guess(f"footnote {number}", "", "it is empty in the document"))
    for d in shrunk:
        guesses.append(Guess("bold", d, "the punctuation at its edge is set in regular type: "
                             "Markdown cannot close bold between that mark and a letter or "
                             "digit"))
    for d in dropped:
        guesses.append(Guess("regular", d, "Markdown cannot mark bold there (CommonMark's "
                             "flanking rules), so it is set in regular type"))
    markdown = "---\n" + front_text + "---\n\n" + "\n\n".join(out) + "\n"
    if len(markdown.encode("utf-8")) > MAX_SOURCE_BYTES:
        raise TypesetError(f"the article would be longer than {MAX_SOURCE_BYTES // 1048576} MB, "
                           "the most typeset reads", file=path,
                           hint="split the document into several articles")
    return Written(markdown, images, guesses, counts)


def _figure(block: Figure, path: Path, stem: str, images: list[Image], by_key: dict[str, str],
            note_numbers: dict[int, int]) -> str:
    pic: Picture = block.picture
    if pic.key in by_key:
        rel = by_key[pic.key]
    else:
        rel = f"images/{stem}-{len(by_key) + 1}{pic.ext or '.bin'}"
        by_key[pic.key] = rel
        if pic.data is not None:
            images.append(Image(rel, pic.data))
    caption = ""
    if block.caption is not None:
        where = _Where(path, f"the caption of picture {pic.number}")
        items = items_of(block.caption.runs, where, note_numbers, styles=False)
        caption = inline_md(items, what=f"caption of picture {pic.number}") if items else ""
    return f"![{caption}]({rel}){{width=full}}"


def _table(block: TableBlock, path: Path, note_numbers: dict[int, int],
           dropped: list[str]) -> str:
    table = block.table
    if not table.rows or not table.rows[0]:
        return ""
    lines = []
    for r, row in enumerate(table.rows):
        cells = []
        for c, cell in enumerate(row):
            where = _Where(path, f"table {table.number}, row {r + 1}, column {c + 1}")
            items = items_of(_cell_runs(cell.paras), where, note_numbers)
            md = inline_md(items, table=True, what=f"table {table.number} row {r + 1} column "
                           f"{c + 1}", dropped=dropped) if items else ""
            cells.append(md)
        lines.append("| " + " | ".join(cells) + " |")
        if r == 0:
            marks = {"right": "---:", "end": "---:", "center": ":---:"}
            lines.append("|" + "|".join(marks.get(a or "", "---") for a in
                                        (table.align + [None] * len(row))[:len(row)]) + "|")
    text = "\n".join(lines)
    if block.caption is not None:
        where = _Where(path, f"the caption of table {table.number}")
        items = items_of(block.caption.runs, where, note_numbers, styles=False)
        if items:
            text += "\n\n: " + inline_md(items, what=f"caption of table {table.number}")
    return text


__all__ = ["Written", "Image", "write_article", "escape", "inline_md", "items_of", "Text",
           "Ref", "plain_text"]
