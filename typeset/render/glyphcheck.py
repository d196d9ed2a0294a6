"""The glyph check (render/writer.py): every character of every run is in its face, before
anything is drawn; missing glyphs raise `TypesetError` listing each character, its code
point and where it is. `GlyphCheck` makes it a group of pages at a time: a build that sets
the issue a stretch at a time (typeset/stream.py) checks each stretch's pages while it holds
them; the characters of each font in order of first use are what drawing gives codes to
(cidfont.FontUse.plan; aside.py)."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from typeset.errors import TypesetError
from typeset.layout.page import Page, TextRun
from typeset.text.fonts import FontLibrary

if TYPE_CHECKING:
    from typeset.render.rl.fonts import EmbeddedFont


_MISSING_LIST_MAX = 8        # locations listed per missing character


def _where(i: int, page: Page) -> str:
    return f"page {i + 1}" + (f" ({page.label})" if page.label else "")


def check_glyphs(pages: list[Page], library: FontLibrary,
                 order: dict | None = None) -> dict[str, EmbeddedFont]:
    """Every character of every run must be in its face. Returns font key -> EmbeddedFont.
    Raises TypesetError listing each missing character, U+ code point and where it occurs.
    `order`, if given, is filled with EmbeddedFont -> {character: None} (in order of first
    use): the characters drawing will give codes (cidfont.FontUse.plan; aside.py)."""
    return _check_glyphs(pages, library, order)[0]


def _check_glyphs(pages: list[Page], library: FontLibrary, order: dict | None = None
                  ) -> tuple[dict[str, EmbeddedFont], dict[str, set[str]]]:
    """check_glyphs, and font key -> the characters shown with it."""
    check = GlyphCheck(library, order)
    check.add(pages)
    return check.result(pages)


class GlyphCheck:
    """`check_glyphs` made a group of pages at a time (`add`), the groups joined in reading
    order after (`joined`): a build that sets the issue a stretch at a time
    (typeset/stream.py) checks each stretch's pages while it holds them, and the contents,
    set last, are checked and joined before them. `result()` is what `_check_glyphs` gives
    for all the pages, in the same order, or its error."""

    def __init__(self, library: FontLibrary, order: dict | None = None):
        self.library = library
        self.fonts: dict[str, EmbeddedFont] = {}
        # (char, font key) -> places: (page, role, index of the page in its group)
        self.missing: dict[tuple[str, str], list[tuple]] = {}
        self.known: dict[str, set[str]] = {}                   # font key -> characters it has
        self.order: dict = {} if order is None else order      # font -> {char: None}

    def add(self, pages: list[Page], first: int = 0) -> None:
        """Check `pages`, the first of them page `first` (0-based) of the document."""
        from typeset.render.rl.fonts import register
        fonts, missing, known, order, library = (self.fonts, self.missing, self.known,
                                                 self.order, self.library)
        for i, page in enumerate(pages, start=first):
            for item in page.items:
                if not isinstance(item, TextRun):
                    continue
                if item.xs is not None and len(item.xs) != len(item.text):
                    raise ValueError(f"{_where(i, page)}: TextRun {item.text!r} has "
                                     f"{len(item.xs)} positions for {len(item.text)} "
                                     f"characters")
                font = fonts.get(item.font)
                if font is None:
                    font = fonts[item.font] = register(library.face(item.font))
                    known[item.font] = set()
                ok = known[item.font]
                if ok.issuperset(item.text):      # (then `order` has them too: it holds `ok`)
                    continue
                cmap = font.face_data.cmap
                first_use = order.get(font)
                if first_use is None:
                    first_use = order[font] = {}
                for ch in item.text:
                    if ord(ch) in cmap:
                        ok.add(ch)
                        if ch not in first_use:
                            first_use[ch] = None
                    else:
                        places = missing.setdefault((ch, item.font), [])
                        if not any(p is page and r == item.role for p, r, _ in places):
                            places.append((page, item.role, i))

    @classmethod
    def joined(cls, parts: list["GlyphCheck"], order: dict | None = None) -> "GlyphCheck":
        """One check of the pages of `parts`, in that order: what checking them all at once
        gives (the characters of each font in order of first use, the missing ones with
        their places in page order)."""
        out = cls(parts[0].library if parts else None, order)
        for part in parts:
            for key, font in part.fonts.items():
                out.fonts.setdefault(key, font)
            for key, chars in part.known.items():
                out.known.setdefault(key, set()).update(chars)
            for font, chars in part.order.items():
                out.order.setdefault(font, {}).update(chars)
            for what, places in part.missing.items():
                out.missing.setdefault(what, []).extend(places)
        return out

    def result(self, pages: list[Page] = ()) -> tuple[dict[str, EmbeddedFont],
                                                      dict[str, set[str]]]:
        """(font key -> EmbeddedFont, font key -> its characters shown), or the error naming
        every missing character and where it is (`pages`: the document's, which number the
        pages named)."""
        missing = self.missing
        if missing:
            index = {id(p): i for i, p in enumerate(pages)}
            lines = []
            for (ch, key), found in missing.items():
                places: list[str] = []
                for page, role, i in found:
                    place = f"{_where(index.get(id(page), i), page)} {role}"
                    if place not in places:
                        places.append(place)
                shown = ", ".join(places[:_MISSING_LIST_MAX])
                if len(places) > _MISSING_LIST_MAX:
                    shown += f", and {len(places) - _MISSING_LIST_MAX} more"
                lines.append(f"  {ch!r} U+{ord(ch):04X} not in {os.path.basename(key)}: "
                             f"{shown}")
            n = len({ch for ch, _ in missing})
            raise TypesetError(
                f"{n} character{'s' if n != 1 else ''} missing from the fonts; nothing was "
                f"written:\n" + "\n".join(lines),
                hint="add a face that has them to the style's font list in the layout, "
                     "or replace the characters in the article")
        return self.fonts, self.known
