"""The drawn items of a stretch's pages kept packed between the two passes of a stretch
build (typeset/stream.py), so that pass 2 draws them without setting the stretch again.

Pass 1 of a stretch build sets each stretch of the issue to take its folios, report and
fonts' characters; pass 2 drew it by setting the stretch once more (composing, paginating,
making up and placing its pages again: ~half the build's CPU at 3,668 pages). What pass 2
needs of a page is its positioned items only (the stand-in keeps its anchors, links, label
and size, and its pictures, placed pages and boxes: stream.stand_in). So pass 1 packs each
page's text runs and rules (`pack`) into bytes — numbers as IEEE doubles, texts as UTF-8,
fonts and roles as indices into tables held here — and pass 2 makes the same items from
them (`unpack`): every number the same double (its sign of zero too), every string the same
characters, the items in the same order, so the writer draws the same bytes (tested against
setting the stretch again). The packed pages go to an unnamed temporary file (`Spill`): the
build holds one page's bytes at a time, not the issue's; a page that could not be written
there (a full disk) is set again instead, as before.

Nothing here is read from anything but this process's own file, made in this build (the
file has no name: no other process can open it by one, and it is gone with the process).
"""
from __future__ import annotations

import os
import sys
import tempfile
from array import array

from typeset.layout.page import Rule, TextRun

# item kinds as packed
_RUN, _RUN_PLAIN, _RULE, _KEPT = 0, 1, 2, 3
_SWAP = sys.byteorder != "little"


class Packer:
    """Packs and unpacks pages' text runs and rules; holds the fonts' and roles' names."""

    def __init__(self):
        self.names: list[str] = []
        self._index: dict[str, int] = {}

    def _name(self, s: str) -> int:
        got = self._index.get(s)
        if got is None:
            got = self._index[s] = len(self.names)
            self.names.append(s)
        return got

    def pack(self, items: list) -> bytes:
        """`items` as bytes: each text run's and rule's fields; any other item (a picture,
        a placed page, a box: the stand-in keeps it) as its place only."""
        ints = array("q")
        nums = array("d")
        texts: list[str] = []
        name = self._name
        for it in items:
            t = type(it)
            if t is TextRun:
                xs = it.xs
                if xs is None:
                    ints.extend((_RUN_PLAIN, name(it.font), name(it.role), len(it.text)))
                else:
                    ints.extend((_RUN, name(it.font), name(it.role), len(it.text), len(xs)))
                    nums.extend(xs)
                nums.extend((it.x, it.y, it.size, it.hscale))
                texts.append(it.text)
            elif t is Rule:
                ints.extend((_RULE, name(it.role)))
                nums.extend((it.x1, it.y1, it.x2, it.y2, it.width))
            else:
                ints.append(_KEPT)
        text = "".join(texts).encode("utf-8", "surrogatepass")
        if _SWAP:
            ints.byteswap()
            nums.byteswap()
        head = array("q", (len(ints), len(nums), len(text)))
        if _SWAP:
            head.byteswap()
        return b"".join((head.tobytes(), ints.tobytes(), nums.tobytes(), text))

    def unpack(self, data: bytes, kept: list) -> list:
        """The items `pack` was given, from its bytes; `kept`: the items it left out (the
        stand-in's), in their order."""
        head = array("q")
        head.frombytes(data[:24])
        if _SWAP:
            head.byteswap()
        n_ints, n_nums, n_text = head
        at = 24
        ints = array("q")
        ints.frombytes(data[at:at + 8 * n_ints])
        at += 8 * n_ints
        nums = array("d")
        nums.frombytes(data[at:at + 8 * n_nums])
        at += 8 * n_nums
        if _SWAP:
            ints.byteswap()
            nums.byteswap()
        text = str(data[at:at + n_text], "utf-8", "surrogatepass")
        names = self.names
        out: list = []
        kept_at = iter(kept)
        i = j = c = 0
        n = len(ints)
        while i < n:
            kind = ints[i]
            if kind == _RUN or kind == _RUN_PLAIN:
                font, role, length = names[ints[i + 1]], names[ints[i + 2]], ints[i + 3]
                if kind == _RUN:
                    m = ints[i + 4]
                    xs = tuple(nums[j:j + m])
                    j += m
                    i += 5
                else:
                    xs = None
                    i += 4
                x, y, size, hscale = nums[j:j + 4]
                j += 4
                out.append(TextRun(x, y, font, size, text[c:c + length], xs, role, hscale))
                c += length
            elif kind == _RULE:
                x1, y1, x2, y2, width = nums[j:j + 5]
                out.append(Rule(x1, y1, x2, y2, width, names[ints[i + 1]]))
                j += 5
                i += 2
            else:
                out.append(next(kept_at))
                i += 1
        return out


class Spill:
    """Packed pages in an unnamed temporary file: `put` one, `take` it back by the place
    `put` returned (None: it could not be written, the caller sets its page again)."""

    def __init__(self):
        self._file = None
        self._failed = False
        self._end = 0

    def put(self, data: bytes) -> tuple[int, int] | None:
        if self._failed:
            return None
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="typeset-pages-")
            done = 0
            while done < len(data):               # (a write may take part of it)
                done += os.pwrite(self._file.fileno(), data[done:], self._end + done)
        except OSError:
            self._failed = True           # (a full disk: the stretch is set again)
            return None
        where = (self._end, len(data))
        self._end += len(data)
        return where

    def take(self, where: tuple[int, int]) -> bytes:
        at, n = where
        got = os.pread(self._file.fileno(), n, at)
        if len(got) != n:
            raise RuntimeError("the kept pages' file gave fewer bytes than were written "
                               "(typeset/keptpages.py)")
        return got

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
