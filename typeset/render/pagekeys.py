"""Page keys (render/writer.py, issue 13 part 4): a page whose key `PageStreams`
(pagestreams.py) holds is not drawn, its finished stream is written as it is. The key is a
hash of the page's items with their codes and resource names, the variant, the geometry and
the code the stream's bytes depend on (`_code_version`); a page with an item the writer
cannot key is always drawn. `_PageKeys` is the writer's part that keys a page."""
from __future__ import annotations

import hashlib
import struct
from array import array
from pathlib import Path
from typing import TYPE_CHECKING

from typeset.layout.page import Box, Image, Page, PlacedPage, Rule, TextRun

if TYPE_CHECKING:
    from typeset.render.pagestreams import PageStreams


class _PageKeys:
    """The keys of pages: a part of writer._Writer."""

    def _key(self, page: Page, used: list) -> str | None:
        """The page's key for `self.streams`: a hash of everything its stream depends on
        (pagestreams.py); None for a page with an item this writer does not know how to key."""
        m = self.marks
        parts = [repr((self._version, self.variant.key, self.off, self.bleed,
                       (m.length, m.gap, m.width) if m else None, page.width,
                       page.height)).encode()]
        add = parts.append
        pack = struct.pack
        fonts = self._font_keys
        for item, u in zip(page.items, used):
            if isinstance(item, TextRun):
                if u is None:
                    continue
                font, res, codes = u
                # the codes and the face say which glyphs are shown; the characters make the
                # key say what the page shows (the stream is the same for other characters
                # with the same codes, but the page is not: Session.pages_changed)
                fk = fonts.get((font, res))
                if fk is None:
                    fk = fonts[(font, res)] = b"T%s\0%s\0" % (res.encode(),
                                                              font.face_data.identity.encode())
                add(fk)
                text = item.text.encode("utf-8")
                add(pack("<4dII", item.x, item.y, item.size, item.hscale, len(codes), len(text)))
                add(codes)
                add(text)
                if item.xs is None:
                    add(b"N")
                else:
                    add(b"X")
                    add(array("d", item.xs).tobytes())
            elif isinstance(item, Rule):
                add(b"R" + pack("<5d", item.width, item.x1, item.y1, item.x2, item.y2))
            elif isinstance(item, Image) and self.pictures is not None:
                key, _ = self.pictures.get(item.source)
                info = self.pictures.info(item.source)
                add(b"I%s\0%s\0" % (str(u).encode(), key.encode()))
                add(pack("<4d2q", item.x, item.y, item.width, item.height, info.width_px,
                         info.height_px))
            elif isinstance(item, Box):
                add(b"B" + pack("<5d", item.x, item.y, item.width, item.height, item.gray))
            elif isinstance(item, PlacedPage):
                # the form's name and the placed file's SHA-256 and page (imp.key): what it
                # shows; the box, scale and clip: where
                imp = self.imported[(item.source, item.index)]
                add(b"P%s\0%s\0" % (str(u).encode(), imp.key.encode()))
                add(repr((item.x, item.y, item.width, item.height, item.bleed, item.scale,
                          item.clip)).encode())
            else:
                return None
        return hashlib.sha256(b"".join(parts)).hexdigest()


def page_streams(name: str) -> PageStreams:
    """The page streams cached on disk for `name` (an issue and variant), for `render_pdf`."""
    from typeset.render.pagestreams import PageStreams
    return PageStreams.on_disk(name, _code_version())


_VERSION: str | None = None


def _code_version() -> str:
    """What the bytes of a page stream depend on besides its items: this writer's code (with
    its glyph check, drawing and keys), the adapter's, the number formatter's, and
    ReportLab's version (its page preamble)."""
    global _VERSION
    if _VERSION is None:
        from typeset.render.rl.fonts import reportlab_version
        h = hashlib.sha256(reportlab_version().encode())
        here = Path(__file__).resolve().parent
        for name in ("writer.py", "glyphcheck.py", "pagedraw.py", "pagekeys.py",
                     "rl/__init__.py", "rl/document.py", "rl/fonts.py",
                     "rl/objects.py", "rl/save.py", "pdfsyntax.py", "pagestreams.py"):
            h.update((here / name).read_bytes())
        _VERSION = h.hexdigest()[:16]
    return _VERSION
