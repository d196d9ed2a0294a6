"""House styles: layouts/*.yaml -> Layout, validated and resolved once.

Every layout decision of typeset is a field here; code reads these and never hard-codes a
size, a font or a margin. Each field carries a `doc` used in error hints and in the README.
Lengths accept points or units ("22pt", "3mm") and sizes accept 号 names ("小四"), see
typeset.model.schema.Pt.

The schema is split by block: layoutfields.py (kinds of field, templates), layouttext.py
(the text pages), layoutbeyond.py (pictures, figures, tables, notes), layoutcover.py (the
covers, the issue's name); the checks at load are layoutcheck.py and layoutgeometry.py.
Every name of the schema is importable from here.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from typeset.errors import TypesetError
from typeset.fileread import what_is
from typeset.model.chars import Where, normalize
from typeset.model.layoutbeyond import FigureStyle, Images, NotesStyle, TableStyle
from typeset.model.layoutcheck import _check
from typeset.model.layoutcover import (Artwork, Barcode, CoverBox, CoverDesign, CoverLines,
                                       CoverText, Numbers)
from typeset.model.layoutfields import (COVER_FIELDS, HEAD_FIELDS, ISSUE_FIELDS, check_template,
                                        checked_doc, doc, printed_doc, template_literal)
from typeset.model.layouttext import (ArticleStyle, Authors, Block, Checks, Colophon, Contents,
                                      Makeup, PageGeometry, Paragraph, RunningHeads, TextBlock,
                                      TextStyle)
from typeset.model.schema import Pt, from_data
from typeset.model.yamlsrc import Mark, load_yaml, mark_of, written_path
from typeset.records import dataclass

from typeset.resources import LAYOUTS_DIR  # noqa: E402  (the shipped layouts)

__all__ = [  # the schema's names, importable from here wherever they are defined
    "Artwork", "ArticleStyle", "Authors", "Barcode", "Block", "COVER_FIELDS", "Checks",
    "Colophon", "Contents", "CoverBox", "CoverDesign", "CoverLines", "CoverText",
    "FigureStyle", "HEAD_FIELDS", "ISSUE_FIELDS", "Images", "LAYOUTS_DIR", "Layout", "Makeup",
    "NotesStyle", "Numbers", "PageGeometry", "Paragraph", "Pt", "RunningHeads", "TableStyle",
    "TextBlock", "TextStyle", "available_layouts", "check_template", "checked_doc", "doc",
    "layout_where", "load_layout", "printed_doc", "resolve_layout_path", "template_literal"]


@dataclass(frozen=True, kw_only=True)
class Layout:
    name: str = doc("name of the house style")
    journal: str = printed_doc("journal name as printed (the manifest may override)")
    running_title: str = printed_doc("the running title (e.g. the journal name in pinyin "
                                     "capitals)")
    page: PageGeometry = doc("trim size, bleed")
    textblock: TextBlock = doc("版心")
    fonts: dict[str, tuple[str, ...]] = doc(
        "font roles: role -> font files, first choice first; files are looked up in fonts/ or "
        "given as paths")
    styles: dict[str, TextStyle] = doc("text styles: name -> font role and size")
    paragraph: Paragraph = doc("body paragraph breaking", default_factory=Paragraph)
    article: ArticleStyle = doc("article head, body, note")
    running_heads: RunningHeads = doc("running heads and folios")
    contents: Contents = doc("table of contents")
    colophon: Colophon = doc("closing block")
    figure: FigureStyle | None = doc("figures (omitted: an article with a figure is refused)",
                                     default=None)
    table: TableStyle | None = doc("tables (omitted: an article with a table is refused)",
                                   default=None)
    notes: NotesStyle | None = doc("notes (omitted: an article with notes is refused)",
                                   default=None)
    check: Checks = doc("what `typeset check` reports and fails on", default_factory=Checks)
    makeup: Makeup = doc("the page make-up pass: full pages end on the last grid line",
                         default_factory=Makeup)
    images: Images = doc("pictures: colour conversion for print and archive, ink limit, "
                         "downsampling", default_factory=Images)
    numbers: Numbers = doc("how the issue is named: 第2期, 合刊 第5-6期, supplements",
                           default_factory=Numbers)
    cover: CoverDesign | None = doc("the covers: 封一's design, 封四, the ISSN barcode, stock "
                                    "and binding (omitted: an issue with covers is refused)",
                                    default=None)
    path: str = doc("(set by the loader)", default="")

    @property
    def body_size(self) -> float:
        return self.styles[self.article.body_style].size

    @property
    def measure(self) -> float:
        """Text block width: characters x body size (cjk-rules §4 Grid)."""
        return self.textblock.chars * self.body_size


def resolve_layout_path(ref: str, *, relative_to: Path | None = None) -> Path:
    """A layout name (layouts/<name>.yaml) or a path to a .yaml file (backslashes read as
    folder separators when the file does not exist as written, yamlsrc.written_path)."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref:
        return written_path(ref, relative_to)
    return LAYOUTS_DIR / f"{ref}.yaml"


def available_layouts() -> list[str]:
    return sorted(p.stem for p in LAYOUTS_DIR.glob("*.yaml"))


def load_layout(ref: str, *, relative_to: Path | None = None,
                referenced_from: str | None = None, line: int | None = None) -> Layout:
    path = resolve_layout_path(ref, relative_to=relative_to)
    kind = None if path.is_file() else what_is(path)
    if kind is not None:                      # there, but a folder, a pipe, a device …
        raise TypesetError(f"layout '{ref}' is {kind}, not a regular file ({path})",
                           file=referenced_from, line=line,
                           hint="a layout is a .yaml file; give the path of the file itself")
    if not path.is_file():
        import difflib
        names = available_layouts()
        near = difflib.get_close_matches(ref, names, n=1)
        hint = (f"did you mean '{near[0]}'? " if near else "") + \
            f"available layouts: {', '.join(names)}; or give a path to a .yaml file"
        raise TypesetError(f"unknown layout '{ref}' (no file {path})",
                           file=referenced_from, line=line, hint=hint)
    data = load_yaml(path)
    layout = from_data(Layout, data, file=path, what="layout")
    marks: dict[str, Mark] = {}
    layout = _printed(layout, data, "", path, marks)
    object.__setattr__(layout, "_marks", marks)
    layout = _check(layout, path, data)
    object.__setattr__(layout, "path", str(path))
    return layout


def layout_where(layout: Layout, key: str) -> Where:
    """Where a printed layout string (`running_heads.section_format`) is written."""
    mark = getattr(layout, "_marks", {}).get(key)
    return Where(layout.path or None, mark.line if mark else None,
                 mark.column if mark else None)


def _printed(obj: Any, data: Any, prefix: str, path: Path, marks: dict[str, Mark]) -> Any:
    """The layout with every printed string normalised (chars.normalize) and every template
    checked; records where each printed string is written."""
    changes = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        sub = data.get(f.name) if isinstance(data, dict) else None
        if f.metadata.get("printed") and isinstance(value, str):
            mark = mark_of(data, f.name) if isinstance(data, dict) and f.name in data else None
            if mark is not None:
                marks[key] = mark
            where = Where(path, mark.line if mark else None, mark.column if mark else None)
            new = normalize(value, where)
            check_template(new, f.metadata.get("template") or (), where, key,
                           f.metadata.get("required") or ())
            if new != value:
                changes[f.name] = new
        elif dataclasses.is_dataclass(value):
            new = _printed(value, sub, key + ".", path, marks)
            if new is not value:
                changes[f.name] = new
        elif isinstance(value, tuple) and value and all(dataclasses.is_dataclass(v)
                                                         for v in value):
            items = tuple(_printed(v, sub[i] if isinstance(sub, list) and i < len(sub)
                                   else None, f"{key}.{i}.", path, marks)
                          for i, v in enumerate(value))
            if any(a is not b for a, b in zip(items, value)):
                changes[f.name] = items
    return dataclasses.replace(obj, **changes) if changes else obj
