"""An issue manifest (issue.yaml) -> Issue, with its articles loaded.

Article paths are relative to the manifest's folder (absolute paths also work). The layout
is kept as the string written (or given on the command line); resolving it is layout.py's job.

Checks beyond the schema (each a TypesetError at the manifest line): a missing layout (unless
given on the command line), a section with no articles, an article file that does not exist
(with the nearest file name in that folder suggested), an article listed twice.

Every printed string (journal, section titles and short titles, colophon labels and texts)
gets its characters' fates (chars.normalize). A path written with backslashes (a manifest
written on Windows) is read with them as folder separators when the file does not exist as
written (yamlsrc.written_path).
"""
from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from typeset.errors import TypesetError
from typeset.model.article import Article, load_article, value_where
from typeset.model.chars import normalize, printed
from typeset.model.schema import from_data
from typeset.model.yamlsrc import Mark, YamlMap, load_yaml, mark_of, read_source, written_path

__all__ = ["ColophonLine", "Section", "Issue", "load_issue", "ISSUE_DOCS"]


@dataclass(frozen=True)
class ColophonLine:
    label: str
    text: str
    line: int                          # line in the manifest


@dataclass(frozen=True)
class Section:
    title: str
    articles: tuple[Article, ...]
    line: int                          # line of the section entry in the manifest
    short_title: str | None = None     # for the running head (running_heads.max_chars)
    title_line: int | None = None      # where `title:` is written
    short_title_line: int | None = None

    @property
    def running_title(self) -> str:
        """What the running head shows: the short title if there is one."""
        return self.short_title or self.title


@dataclass(frozen=True)
class Issue:
    path: Path
    layout: str
    journal: str | None
    year: int
    number: int
    date: datetime.date | None
    sections: tuple[Section, ...]
    colophon: tuple[ColophonLine, ...]
    layout_line: int | None = None     # where `layout:` is written (for "unknown layout")
    journal_line: int | None = None    # where `journal:` is written


def _non_empty(what: str):
    def check(value) -> str | None:
        return None if value else f"{what} is empty"
    return check


@dataclass(frozen=True, kw_only=True)
class _SectionSource:
    title: str = field(metadata={
        "doc": "the section heading as printed, e.g. 政协动态", "check": _non_empty("title")})
    short_title: str | None = field(default=None, metadata={
        "doc": "a shorter title for the running head, for a title longer than the layout's "
               "running_heads.max_chars"})
    articles: list[str] = field(metadata={
        "doc": "article files (.md), relative to the manifest, one '- path' per line",
        "check": lambda v: None if v else "a section must list at least one article"})


@dataclass(frozen=True, kw_only=True)
class _ColophonSource:
    label: str = field(metadata={"doc": "the label before the colon, e.g. 编辑"})
    text: str = field(metadata={"doc": "the text after the colon"})


@dataclass(frozen=True, kw_only=True)
class _IssueSource:
    layout: str | None = field(default=None, metadata={
        "doc": "a layout name in layouts/ (e.g. guangxi) or a path to a layout .yaml"})
    journal: str | None = field(default=None, metadata={
        "doc": "journal name as printed; defaults to the layout's"})
    year: int = field(metadata={
        "doc": "year of the issue, e.g. 2024",
        "check": lambda v: None if 1000 <= v <= 9999 else "expected a four-digit year"})
    number: int = field(metadata={
        "doc": "issue number within the year (第2期 -> 2)",
        "check": lambda v: None if v >= 1 else "the issue number must be 1 or more"})
    date: datetime.date | None = field(default=None, metadata={
        "doc": "publication date, YYYY-MM-DD (quoted or plain)"})
    sections: list[_SectionSource] = field(metadata={
        "doc": "the sections in print order, each with a title and its articles",
        "check": lambda v: None if v else "the issue has no sections"})
    colophon: list[_ColophonSource] | None = field(default=None, metadata={
        "doc": "optional closing block (报尾): a list of 'label:' / 'text:' pairs"})


ISSUE_DOCS = _IssueSource   # for generated documentation (schema.describe_fields)


def _line(mark) -> dict:
    return {"line": mark.line if mark else None, "column": mark.column if mark else None}


def _at(container, key) -> int | None:
    mark = mark_of(container, key) if key in container else None
    return mark.line if mark else None


def _missing_article_hint(manifest: Path, rel: str, target: Path) -> str:
    hint = f"paths are relative to the manifest's folder ({manifest.parent or '.'})"
    folder = target.parent
    if folder.is_dir():
        names = sorted(p.name for p in folder.iterdir() if p.is_file())
        close = difflib.get_close_matches(target.name, names, n=1, cutoff=0.5)
        if close:
            suggestion = str(Path(rel).parent / close[0]) if Path(rel).parent != Path(".") \
                else close[0]
            hint = f"did you mean '{suggestion}'? " + hint
    else:
        hint = f"the folder {folder} does not exist; " + hint
    return hint


def load_issue(path: Path, *, layout: str | None = None, read_article=None) -> Issue:
    """Read an issue manifest and every article it lists. `layout` overrides the manifest's
    (command line). `read_article(path)`: how an article file is read (default
    `load_article`; a warm process, typeset.session, keeps those that did not change).
    TypesetError on any problem, naming the file and line."""
    path = Path(path)
    read_article = read_article or load_article
    text = read_source(path, what="issue manifest")
    data = load_yaml(path, text)
    if data is None:
        data = YamlMap()
        data.mark = Mark(1, 1)
    source = from_data(_IssueSource, data, file=path, what="issue manifest", at=Mark(1, 1))

    chosen = layout if layout is not None else source.layout
    if chosen is None or not chosen.strip():
        raise TypesetError("missing required key 'layout' in issue manifest"
                           if source.layout is None else "layout is empty",
                           file=path, **_line(mark_of(data, "layout") if source.layout
                                              is not None else mark_of(data)),
                           hint="add a line 'layout: <name>' (a layout in layouts/, e.g. "
                                "guangxi) or give --layout on the command line")

    sections: list[Section] = []
    seen: dict[Path, int] = {}
    raw_sections = data["sections"]
    for s_index, sec in enumerate(source.sections):
        raw_sec = raw_sections[s_index]
        raw_articles = raw_sec["articles"]
        articles: list[Article] = []
        for a_index, rel in enumerate(sec.articles):
            mark = mark_of(raw_articles, a_index)
            if not rel.strip():
                raise TypesetError("empty article path", file=path, **_line(mark),
                                   hint="write the path of the article's .md file")
            target = written_path(rel, path.parent)
            key = target.resolve()
            if key in seen:
                raise TypesetError(f"article '{rel}' is listed twice", file=path, **_line(mark),
                                   hint=f"it is already listed at line {seen[key]}; "
                                        "remove one of the entries")
            seen[key] = mark.line if mark else 0
            if not target.is_file():
                what = "is a folder, not an article file" if target.is_dir() else "not found"
                raise TypesetError(f"article file {what}: {rel}", file=path, **_line(mark),
                                   hint=_missing_article_hint(path, rel, target))
            articles.append(read_article(target))
        sec_mark = mark_of(raw_sections, s_index)
        title = normalize(sec.title, value_where(path, raw_sec, "title"))
        if not printed(title).strip():
            raise TypesetError("title is empty (nothing printable)", file=path,
                               **_line(mark_of(raw_sec, "title")),
                               hint="write the section heading after 'title:'")
        short = None
        if sec.short_title is not None:
            short = normalize(sec.short_title, value_where(path, raw_sec, "short_title"))
            if not printed(short).strip():
                raise TypesetError("short_title is empty", file=path,
                                   **_line(mark_of(raw_sec, "short_title")),
                                   hint="write the running head's shorter title, or remove "
                                        "the line")
        sections.append(Section(title=title, articles=tuple(articles),
                                line=sec_mark.line if sec_mark else 0, short_title=short,
                                title_line=_at(raw_sec, "title"),
                                short_title_line=_at(raw_sec, "short_title")))

    colophon = []
    raw_colophon = data.get("colophon") or []
    for c_index, item in enumerate(source.colophon or []):
        mark = mark_of(raw_colophon, c_index)
        raw_item = raw_colophon[c_index]
        colophon.append(ColophonLine(
            label=normalize(item.label, value_where(path, raw_item, "label")),
            text=normalize(item.text, value_where(path, raw_item, "text")),
            line=mark.line if mark else 0))
    journal = source.journal
    if journal is not None:
        journal = normalize(journal, value_where(path, data, "journal"))

    return Issue(path=path, layout=chosen, journal=journal, year=source.year,
                 number=source.number, date=source.date, sections=tuple(sections),
                 colophon=tuple(colophon),
                 layout_line=(m.line if (m := mark_of(data, "layout")) and source.layout
                              is not None else None),
                 journal_line=_at(data, "journal"))
