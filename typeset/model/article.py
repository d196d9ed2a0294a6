"""An article file: YAML front matter between '---' lines, then a Markdown body.

`load_article(path)` -> Article (front matter fields, body blocks, line of each front-matter
key). Line numbers in every message are those of the .md file.

Decisions (documented for the README):
- The opening '---' must be the first non-blank line; the closing line is '---' (or '...').
- title: text, or a list of lines; a text with line breaks (YAML `|`) is split into lines.
  Spaces inside a line are kept. An empty title or title line is an error.
- authors: a list of names; a single name may be given as text (`authors: 张彬`), but text
  holding several names (separated by 、，, ; or spaces) is an error asking for a list.
- subtitle, byline, lead, note: kept exactly as given; an empty value counts as absent.
- authors and byline may both be given (the layout decides how to print them).
- An article with front matter but no body text is an error.
"""
from __future__ import annotations

import re
from typeset.records import dataclass, field, replace
from pathlib import Path

from typeset.errors import TypesetError
from typeset.model import artcache
from typeset.model.chars import Where, normalize, printed
from typeset.model.body import Block, Inline, NoteDef
from typeset.model.schema import from_data
from typeset.model.yamlsrc import Mark, YamlMap, load_yaml, mark_of, read_source, written_path

__all__ = ["Inline", "Block", "NoteDef", "FrontMatter", "Article", "load_article",
           "FRONT_MATTER_DOCS"]


@dataclass(frozen=True)
class FrontMatter:
    title: tuple[str, ...]            # one entry per printed title line
    subtitle: str | None
    authors: tuple[str, ...]
    byline: str | None
    lead: str | None
    note: str | None


@dataclass(frozen=True)
class Article:
    path: Path
    front: FrontMatter
    blocks: tuple[Block, ...]
    lines: dict[str, int]             # front-matter key -> line number in the .md file
    last_lines: dict[str, int] = field(default_factory=dict)   # key -> last line of its value
    notes: tuple[NoteDef, ...] = ()   # note definitions ([^label]: …), in the order written

    @property
    def pictures(self) -> tuple[str, ...]:
        """Absolute paths of every picture file the article places, in order, each once (for
        whoever must collect an issue's files, e.g. a batch or an archive of the sources)."""
        seen = dict.fromkeys(b.figure.picture.path for b in self.blocks
                             if b.figure is not None and b.figure.picture is not None)
        return tuple(seen)

    def note(self, label: str) -> NoteDef:
        return next(n for n in self.notes if n.label == label)


@dataclass(frozen=True, kw_only=True)
class _FrontMatterSource:
    """The front matter as written (schema for from_data)."""
    title: str | list[str] = field(metadata={
        "doc": "the headline: text, or a list of lines for a title set on several lines"})
    subtitle: str | None = field(default=None, metadata={
        "doc": "printed under the title exactly as given (e.g. ——以…为例)"})
    authors: str | list[str] = field(default_factory=list, metadata={
        "doc": "personal names as a list, e.g. authors: [吴宁, 艾粤敏]"})
    byline: str | None = field(default=None, metadata={
        "doc": "free text instead of authors (roles, organisations), e.g. 记者 张文敬"})
    lead: str | None = field(default=None, metadata={
        "doc": "standfirst (导语) printed before the body"})
    note: str | None = field(default=None, metadata={
        "doc": "printed at the end of the article in parentheses, e.g. 作者系…"})


FRONT_MATTER_DOCS = _FrontMatterSource   # for generated documentation (schema.describe_fields)

_FENCE_OPEN = "---"
_FENCE_CLOSE = ("---", "...")
_NAME_SEPARATORS = re.compile(r"[、，,;；\s]")


def _split_front(path: Path, text: str) -> tuple[int, int]:
    """0-based indices of the opening and closing fence lines."""
    lines = text.split("\n")
    first = 0
    while first < len(lines) and not lines[first].strip():
        first += 1
    example = "start the file with a line '---', then 'title: …', then a line '---'"
    if first == len(lines):
        raise TypesetError("article file is empty", file=path, line=1, hint=example)
    if lines[first].rstrip() != _FENCE_OPEN:
        hint = example
        if re.match(r"^\s*(title|subtitle|authors|byline|lead|note)\s*[:：]", lines[first]):
            hint = "add a line '---' before the front matter and another after it"
        raise TypesetError("article has no front matter (the first line must be '---')",
                           file=path, line=first + 1, column=1, hint=hint)
    for n in range(first + 1, len(lines)):
        if lines[n].rstrip() in _FENCE_CLOSE:
            return first, n
    raise TypesetError("front matter is not closed", file=path, line=first + 1, column=1,
                       hint="add a line '---' after the last front-matter line, before the body")


def _text_or_none(value: str | None) -> str | None:
    return value if value and printed(value).strip() else None


def value_where(path: Path, container, key) -> Where:
    """Where a YAML value is, for chars.normalize: its line and column and, for a mapping
    value (a `|` block), its last line."""
    mark = mark_of(container, key)
    if mark is None:
        return Where(path)
    last = None
    if isinstance(container, YamlMap) and key in container.value_ends:
        last = container.value_ends[key].line
    return Where(path, mark.line, mark.column, last)


def load_article(path: Path) -> Article:
    """Read an article (.md with YAML front matter); TypesetError on any problem."""
    path = Path(path)
    text = read_source(path, what="article file")
    key = artcache.entry_key(text) if artcache.use_article_cache else None
    got = artcache.read(key) if key is not None else None
    if got is None:
        got = _parse(path, text)
        if key is not None:
            artcache.write(key, *got)
    front, blocks, key_lines, last_lines, notes = got
    blocks = tuple(_with_picture(b, path) for b in blocks)
    return Article(path=path, front=front, blocks=blocks, lines=key_lines, last_lines=last_lines,
                   notes=notes)


def _parse(path: Path, text: str) -> tuple:
    """What the article's text says, pictures not yet probed: (front matter, blocks, the
    lines of the front-matter keys, the last lines of their values, note definitions)."""
    open_line, close_line = _split_front(path, text)
    lines = text.split("\n")
    front_text = "\n".join(lines[open_line + 1:close_line])
    try:
        data = load_yaml(path, front_text, line_offset=open_line + 1, keep=False)
    except TypesetError as err:
        if err.hint and "front matter" not in err.hint:
            note = "front matter: the lines between the two '---'"
            err.hint += f" ({note})"
        raise
    first = Mark(open_line + 2, 1) if close_line > open_line + 1 else Mark(open_line + 1, 1)
    if data is None:
        data = YamlMap()
        data.mark = first
    source = from_data(_FrontMatterSource, data, file=path, what="front matter", at=first)

    def where(key: str) -> dict:
        mark = mark_of(data, key)
        return {"file": path, "line": mark.line if mark else None,
                "column": mark.column if mark else None}

    # every printed value gets its characters' fates (chars.py) before anything measures it
    def norm(key: str) -> str | None:
        value = getattr(source, key)
        return None if value is None else normalize(value, value_where(path, data, key))

    # title
    if isinstance(source.title, str):
        at = value_where(path, data, "title")
        title = tuple(normalize(t, at) for t in source.title.rstrip("\n").split("\n"))
    else:
        title = tuple(normalize(t, value_where(path, data["title"], i))
                      for i, t in enumerate(source.title))
    if not title or any(not printed(line).strip() for line in title):
        raise TypesetError("title is empty" if len(title) <= 1 else "a title line is empty",
                           **where("title"),
                           hint="write the headline after 'title:', or a list of its lines")
    # authors
    if isinstance(source.authors, str):
        name = normalize(source.authors, value_where(path, data, "authors")).strip(" ")
        if _NAME_SEPARATORS.search(name):
            raise TypesetError(f"authors: '{source.authors}' looks like several names",
                               **where("authors"),
                               hint="write the names as a list, e.g. authors: [吴宁, 艾粤敏]")
        authors = (name,) if name else ()
    else:
        authors = tuple(normalize(name, value_where(path, data["authors"], n)).strip(" ")
                        for n, name in enumerate(source.authors))
        for n, name in enumerate(authors):
            if not printed(name).strip():
                mark = mark_of(data["authors"], n)
                raise TypesetError(f"authors: name {n + 1} is empty", file=path,
                                   line=mark.line if mark else None,
                                   column=mark.column if mark else None,
                                   hint="remove the empty entry or write the name")
    front = FrontMatter(title=title, subtitle=_text_or_none(norm("subtitle")), authors=authors,
                        byline=_text_or_none(norm("byline")), lead=_text_or_none(norm("lead")),
                        note=_text_or_none(norm("note")))
    key_lines = {k: m.line for k, m in data.key_marks.items()} if isinstance(data, YamlMap) \
        else {}

    # body: blank out the front matter so Markdown line numbers are the file's
    masked = "\n" * (close_line + 1) + "\n".join(lines[close_line + 1:])
    from typeset.model.markdown import parse_body     # (the parser: on a miss only)
    body = parse_body(masked, file=path)
    blocks = body.blocks
    if not blocks:
        raise TypesetError("article has no body text", file=path, line=close_line + 1,
                           hint="write the article's paragraphs below the closing '---' "
                                "(an article with only front matter is probably a mistake)")
    last_lines = {k: m.line for k, m in data.value_ends.items()} if isinstance(data, YamlMap) \
        else {}
    return front, tuple(blocks), key_lines, last_lines, tuple(body.notes)


def _with_picture(block: Block, path: Path) -> Block:
    """A figure block with its picture probed (model/picture.py): a missing, unreadable or
    unprintable picture is an error at the figure's line and column, naming the file."""
    if block.figure is None:
        return block
    from typeset.model.picture import probe

    fig = block.figure
    target = written_path(fig.src, path.parent)
    info = probe(target, file=path, line=block.line, column=fig.column)
    return replace(block, figure=replace(fig, picture=info))
