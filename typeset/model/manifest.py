"""An issue manifest (issue.yaml) -> Issue, with its articles loaded.

Article paths are relative to the manifest's folder (absolute paths also work). The layout
is kept as the string written (or given on the command line); resolving it is layout.py's job.

Checks beyond the schema (each a TypesetError at the manifest line): a missing layout (unless
given on the command line), a section with no articles, an article file that does not exist
(with the nearest file name in that folder suggested) or is a loop of symbolic links, an
article listed twice (the same file however it is named: `./`, `..`, a symbolic link, or a
hard link — compared by device and inode), a colophon entry with an empty label or text.

Every printed string (journal, section titles and short titles, colophon labels and texts)
gets its characters' fates (chars.normalize). A path written with backslashes (a manifest
written on Windows) is read with them as folder separators when the file does not exist as
written (yamlsrc.written_path).
"""
from __future__ import annotations

import datetime
import os
from typeset.records import dataclass, field
from pathlib import Path

from typeset.errors import TypesetError
from typeset.fileread import what_is
from typeset.model.article import Article, load_article, value_where
from typeset.model.chars import Where, normalize, printed
from typeset.model.numbers import NUMBER_HINT, IssueNumber, check_issn, parse_number
from typeset.model.picture import PictureInfo
from typeset.model.schema import from_data
from typeset.model.yamlsrc import (
    Mark, YamlMap, load_yaml, mark_of, read_source, written_path,
)

__all__ = ["ColophonLine", "Section", "Issue", "Cover", "WholePage", "Insert", "WholePages",
           "load_issue", "ISSUE_DOCS"]


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
class WholePage:
    """A page placed whole (format.md, "The whole issue"): the pages of a PDF, each at trim
    size keeping its bleed, or a picture filling the bleed box."""
    path: str                          # absolute
    written: str                       # as the manifest writes it
    line: int                          # where the manifest names it
    column: int | None = None
    picture: PictureInfo | None = None  # a picture (probed); None: a PDF

    @property
    def is_pdf(self) -> bool:
        return self.picture is None


@dataclass(frozen=True)
class Insert:
    """插页: whole pages after the body page with folio `after`."""
    after: int
    page: WholePage
    folio: bool = False                # its pages are counted in the folios
    line: int = 0                      # the entry's line in the manifest
    after_line: int | None = None      # where `after:` is written


@dataclass(frozen=True)
class WholePages:
    """The manifest's `pages`: 封二, 封三, 封四 and the inserts."""
    inside_front: WholePage | None = None
    inside_back: WholePage | None = None
    back: WholePage | None = None
    inserts: tuple[Insert, ...] = ()

    def pdfs(self) -> list[WholePage]:
        """The PDF files among them, in manifest order, each once."""
        found = [p for p in (self.inside_front, self.inside_back, self.back) if p is not None]
        found += [i.page for i in self.inserts]
        seen: dict[str, WholePage] = {}
        for p in found:
            if p.is_pdf:
                seen.setdefault(p.path, p)
        return list(seen.values())


@dataclass(frozen=True)
class Cover:
    """The manifest's `cover`: what 封一 shows besides the layout's design."""
    image: PictureInfo | None = None   # the cover photo
    caption: str | None = None         # 封面说明, printed in the contents
    lines: tuple[str, ...] = ()        # cover lines (封面导读)
    line: int = 0                      # where `cover:` is written
    caption_line: int | None = None
    line_of_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Issue:
    path: Path
    layout: str
    journal: str | None
    year: int
    number: IssueNumber
    date: datetime.date | None
    sections: tuple[Section, ...]
    colophon: tuple[ColophonLine, ...]
    layout_line: int | None = None     # where `layout:` is written (for "unknown layout")
    journal_line: int | None = None    # where `journal:` is written
    number_line: int | None = None     # where `number:` is written
    issn: str | None = None            # NNNN-NNNC, check digit verified
    issn_line: int | None = None
    issn_variant: str | None = None    # the barcode's price/variant digits (None: the layout's)
    cn: str | None = None              # 国内统一连续出版物号, e.g. 45-1234/D
    cn_line: int | None = None
    cover: Cover | None = None         # None: the issue has no covers
    pages: WholePages = field(default_factory=WholePages)
    back_barcode: bool = True          # the barcode goes over a supplied 封四

    @property
    def has_covers(self) -> bool:
        """The issue has covers (封一…封四) set from the layout's cover design: the manifest
        has `cover:` or names a cover page (pages.inside_front, inside_back, back)."""
        p = self.pages
        return self.cover is not None or any(x is not None for x in
                                             (p.inside_front, p.inside_back, p.back))


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
class _CoverSource:
    image: str | None = field(default=None, metadata={
        "doc": "the cover photo (JPEG, PNG or TIFF), relative to the manifest; the layout's "
               "cover block places it (to the bleed)"})
    caption: str | None = field(default=None, metadata={
        "doc": "封面说明, printed in the contents as written (封面：龙州县春耕)"})
    lines: list[str] | None = field(default=None, metadata={
        "doc": "cover lines (封面导读): short texts the layout sets on 封一, one per item"})


@dataclass(frozen=True, kw_only=True)
class _InsertSource:
    after: int = field(metadata={
        "doc": "the folio of the body page the insert follows: an even folio (a verso), since "
               "an insert is a leaf between leaves",
        "check": lambda v: None if v >= 1 else "after must be a folio, 1 or more"})
    file: str = field(metadata={"doc": "a PDF (each page at trim size, bleed kept) or a "
                                       "picture filling the bleed box, relative to the manifest"})
    folio: bool = field(default=False, metadata={
        "doc": "count the insert's pages in the folios (no folio is printed on them)"})


@dataclass(frozen=True, kw_only=True)
class _PagesSource:
    inside_front: str | None = field(default=None, metadata={
        "doc": "封二: a PDF of one page, or a picture filling the bleed box"})
    inside_back: str | None = field(default=None, metadata={
        "doc": "封三: a PDF of one page, or a picture filling the bleed box"})
    back: str | None = field(default=None, metadata={
        "doc": "封四: a PDF of one page, or a picture; the ISSN barcode is added in the "
               "layout's place unless back_barcode is false"})
    back_barcode: bool = field(default=True, metadata={
        "doc": "add the ISSN barcode over the back page (false: the page carries its own)"})
    inserts: list[_InsertSource] | None = field(default=None, metadata={
        "doc": "插页 inside the body: a list of `after:` / `file:` (/ `folio:`) entries"})


@dataclass(frozen=True, kw_only=True)
class _IssueSource:
    layout: str | None = field(default=None, metadata={
        "doc": "a layout name in layouts/ (e.g. guangxi) or a path to a layout .yaml"})
    journal: str | None = field(default=None, metadata={
        "doc": "journal name as printed; defaults to the layout's"})
    year: int = field(metadata={
        "doc": "year of the issue, e.g. 2024",
        "check": lambda v: None if 1000 <= v <= 9999 else "expected a four-digit year"})
    number: str = field(metadata={
        "doc": "issue number within the year as printed: 2 (第2期), \"5-6\" for a combined "
               "issue (合刊, 第5-6期), or the layout's supplement word (增刊)"})
    date: datetime.date | None = field(default=None, metadata={
        "doc": "publication date, YYYY-MM-DD (quoted or plain)"})
    sections: list[_SectionSource] = field(metadata={
        "doc": "the sections in print order, each with a title and its articles",
        "check": lambda v: None if v else "the issue has no sections"})
    colophon: list[_ColophonSource] | None = field(default=None, metadata={
        "doc": "optional closing block (报尾): a list of 'label:' / 'text:' pairs"})
    issn: str | None = field(default=None, metadata={
        "doc": "ISSN as printed, NNNN-NNNC (check digit verified); with it 封四 carries the "
               "ISSN barcode (EAN-13 with the issue number as add-on)"})
    issn_variant: str | None = field(default=None, metadata={
        "doc": "the barcode's two price/variant digits (EAN-13 digits 11-12; default the "
               "layout's cover.barcode.variant, 00): a publisher may mark a special price"})
    cn: str | None = field(default=None, metadata={
        "doc": "国内统一连续出版物号 as printed, e.g. 45-1234/D (on the cover and the colophon)"})
    cover: _CoverSource | None = field(default=None, metadata={
        "doc": "封一, set from the layout's cover design: `image` (the cover photo), `caption` "
               "(封面说明, printed in the contents), `lines` (cover lines); `cover: {}` for a "
               "cover without them"})
    pages: _PagesSource | None = field(default=None, metadata={
        "doc": "whole pages: inside_front (封二), inside_back (封三), back (封四), inserts "
               "(插页: after, file, folio); each a PDF or a picture"})


ISSUE_DOCS = _IssueSource   # for generated documentation (schema.describe_fields)


def _line(mark) -> dict:
    return {"line": mark.line if mark else None, "column": mark.column if mark else None}


def _at(container, key) -> int | None:
    mark = mark_of(container, key) if key in container else None
    return mark.line if mark else None


def _file_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of an existing file, or None (missing, unreadable, or a system that
    gives no inode numbers)."""
    try:
        st = path.stat()
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino) if st.st_ino else None


def _missing_article_hint(manifest: Path, rel: str, target: Path) -> str:
    hint = f"paths are relative to the manifest's folder ({manifest.parent or '.'})"
    folder = target.parent
    if folder.is_dir():
        import difflib

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
    seen_ids: dict[tuple[int, int], Path] = {}
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
            try:
                key = target.resolve()
            except (OSError, RuntimeError):      # a symbolic link that leads to itself
                raise TypesetError(f"article path is a loop of symbolic links: {rel}",
                                   file=path, **_line(mark),
                                   hint="the link points (through other links) back at "
                                        "itself; point it at the article file") from None
            # the same file under another name (a hard link) is the same article too: the
            # file's identity is its device and inode, as the output writer compares them
            ident = _file_id(key)
            if key not in seen and ident in seen_ids:
                key = seen_ids[ident]
            if key in seen:
                raise TypesetError(f"article '{rel}' is listed twice", file=path, **_line(mark),
                                   hint=f"it is already listed at line {seen[key]}; "
                                        "remove one of the entries")
            seen[key] = mark.line if mark else 0
            if ident is not None:
                seen_ids[ident] = key
            if not target.is_file():
                kind = what_is(target)
                if kind is not None and kind != "a folder":      # a pipe, a device, …
                    raise TypesetError(f"article file is {kind}, not a regular file: {rel}",
                                       file=path, **_line(mark),
                                       hint="an article is a Markdown file (.md); give the "
                                            "path of the file itself")
                what = "is a folder, not an article file" if kind else "not found"
                err = TypesetError(f"article file {what}: {rel}", file=path, **_line(mark),
                                   hint=_missing_article_hint(path, rel, target))
                if kind is None:
                    err.missing = os.path.abspath(target)
                raise err
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
        entry = ColophonLine(
            label=normalize(item.label, value_where(path, raw_item, "label")),
            text=normalize(item.text, value_where(path, raw_item, "text")),
            line=mark.line if mark else 0)
        for key in ("label", "text"):
            # an empty side would print a dangling "编辑：" or "：张三"
            if not printed(getattr(entry, key)).strip():
                raise TypesetError(f"colophon entry {c_index + 1}: {key} is empty", file=path,
                                   **_line(mark_of(raw_item, key)),
                                   hint=f"write the {key} (the colophon prints "
                                        "'label：text'), or remove the entry")
        colophon.append(entry)
    journal = source.journal
    if journal is not None:
        journal = normalize(journal, value_where(path, data, "journal"))

    number = parse_number(source.number)
    if isinstance(number, str):
        raise TypesetError(f"number: {number}", file=path, **_line(mark_of(data, "number")),
                           hint=NUMBER_HINT)
    issn = issn_variant = cn = None
    if source.issn is not None:
        problem = check_issn(source.issn)
        if problem:
            raise TypesetError(problem, file=path, **_line(mark_of(data, "issn")),
                               hint="copy the ISSN from the journal's registration (the last "
                                    "character is a check digit, 0-9 or X)")
        issn = source.issn.strip().upper()
    if source.issn_variant is not None:
        if not (len(source.issn_variant) == 2 and source.issn_variant.isascii()
                and source.issn_variant.isdigit()):
            raise TypesetError(f"issn_variant '{source.issn_variant[:12]}' is not two digits",
                               file=path, **_line(mark_of(data, "issn_variant")),
                               hint="write two digits in quotes, e.g. \"00\" (a regular "
                                    "issue) or \"01\"")
        issn_variant = source.issn_variant
    if source.cn is not None:
        cn = normalize(source.cn, value_where(path, data, "cn"))
        if not printed(cn).strip():
            raise TypesetError("cn is empty", file=path, **_line(mark_of(data, "cn")),
                               hint="write the 国内统一连续出版物号, e.g. 45-1234/D, or remove "
                                    "the line")
    cover = _cover(path, data, source.cover)
    pages = _pages(path, data, source.pages)

    return Issue(path=path, layout=chosen, journal=journal, year=source.year,
                 number=number, date=source.date, sections=tuple(sections),
                 colophon=tuple(colophon),
                 layout_line=(m.line if (m := mark_of(data, "layout")) and source.layout
                              is not None else None),
                 journal_line=_at(data, "journal"), number_line=_at(data, "number"),
                 issn=issn, issn_line=_at(data, "issn"), issn_variant=issn_variant, cn=cn,
                 cn_line=_at(data, "cn"), cover=cover, pages=pages,
                 back_barcode=source.pages.back_barcode if source.pages else True)


def _cover(path: Path, data, source: _CoverSource | None) -> Cover | None:
    if source is None:
        return None
    raw = data["cover"] if isinstance(data.get("cover"), dict) else YamlMap()
    image = None
    if source.image is not None:
        image = _picture(path, raw, "image", source.image, "the cover photo")
    caption = None
    if source.caption is not None:
        caption = normalize(source.caption, value_where(path, raw, "caption"))
        if not printed(caption).strip():
            caption = None
    lines, at = [], []
    raw_lines = raw.get("lines") or []
    for i, text in enumerate(source.lines or []):
        mark = mark_of(raw_lines, i)
        t = normalize(text, Where(path, mark.line if mark else None,
                                  mark.column if mark else None))
        if not printed(t).strip():
            raise TypesetError("an empty cover line", file=path, **_line(mark),
                               hint="write the line's text, or remove the item")
        lines.append(t)
        at.append(mark.line if mark else 0)
    m = mark_of(data, "cover")
    return Cover(image=image, caption=caption, lines=tuple(lines),
                 line=m.line if m else 0, caption_line=_at(raw, "caption"),
                 line_of_lines=tuple(at))


def _picture(path: Path, container, key, written: str, what: str) -> PictureInfo:
    from typeset.model.picture import probe
    mark = mark_of(container, key)
    if not written.strip():
        raise TypesetError(f"{what}: the path is empty", file=path, **_line(mark),
                           hint="write the path of the file, relative to the manifest")
    return probe(written_path(written, path.parent), file=path,
                 line=mark.line if mark else None, column=mark.column if mark else None)


_PDF_MAGIC = b"%PDF-"
_PICTURE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*")


def _whole_page(path: Path, container, key, written: str, what: str) -> WholePage:
    """A whole page named by the manifest: a PDF (recognised by its header; its pages are
    read when the issue is laid out) or a picture (probed now)."""
    mark = mark_of(container, key)
    where = {"file": path, **_line(mark)}
    if not written.strip():
        raise TypesetError(f"{what}: the path is empty", **where,
                           hint="write the path of a PDF or a picture, relative to the "
                                "manifest")
    target = written_path(written, path.parent)
    try:
        with open(target, "rb") as f:
            head = f.read(1024)
    except FileNotFoundError:
        err = TypesetError(f"{what} not found: {written}", **where,
                           hint=_missing_article_hint(path, written, target))
        err.missing = os.path.abspath(target)
        raise err from None
    except IsADirectoryError:
        raise TypesetError(f"{what} is a folder, not a file: {written}", **where,
                           hint="give the path of the PDF or picture itself") from None
    except OSError as err:
        raise TypesetError(f"cannot read {what} {written}: {err.strerror}", **where,
                           hint="check that the file exists and is readable") from None
    line, column = (mark.line, mark.column) if mark else (0, None)
    if _PDF_MAGIC in head:
        return WholePage(os.path.abspath(target), written, line, column)
    if not head.startswith(_PICTURE_MAGIC):
        raise TypesetError(f"{what} {written} is not a PDF, JPEG, PNG or TIFF file", **where,
                           hint="export the page as PDF (at trim size, with bleed) or as a "
                                "picture")
    pic = _picture(path, container, key, written, what)
    return WholePage(pic.path, written, line, column, pic)


def _pages(path: Path, data, source: _PagesSource | None) -> WholePages:
    if source is None:
        return WholePages()
    raw = data["pages"] if isinstance(data.get("pages"), dict) else YamlMap()
    found = {}
    for key, what in (("inside_front", "封二 (pages.inside_front)"),
                      ("inside_back", "封三 (pages.inside_back)"),
                      ("back", "封四 (pages.back)")):
        written = getattr(source, key)
        if written is not None:
            found[key] = _whole_page(path, raw, key, written, what)
    inserts = []
    raw_inserts = raw.get("inserts") or []
    for i, item in enumerate(source.inserts or []):
        raw_item = raw_inserts[i]
        mark = mark_of(raw_inserts, i)
        page = _whole_page(path, raw_item, "file", item.file, "insert")
        inserts.append(Insert(after=item.after, page=page, folio=item.folio,
                              line=mark.line if mark else 0,
                              after_line=_at(raw_item, "after")))
    return WholePages(inserts=tuple(inserts), **found)
