"""A CFF table read in place: the charstrings, subroutines and font-dict choice of each glyph
(Adobe Technical Note #5176, "The Compact Font Format Specification", §5 header, §5-6 INDEX
and DICT data, §16 Local/Global Subrs, §19 FDSelect).

fontTools' cffLib reads every INDEX's offsets and the whole charset into Python lists before
it hands out one glyph (~50 ms for a 46k-glyph CJK face, and again for each of its 18 font
dicts' subroutines); the layout wants one glyph's outline (text/fontread.py, the ink of the
dash) and the subsetter a few thousand charstrings (render/cffsubset.py). Here an INDEX is
its header and an item is found from two offsets, read when asked for.

Only CFF version 1 with Type 2 charstrings, one font in the table, and an FDSelect of format
0 or 3 is read; anything else, and anything out of bounds, raises `Unsupported` (the callers
then read the font with fontTools). tests/test_sfnt.py compares every charstring, subroutine
and FDSelect entry with fontTools' reading, for every CFF font in fonts/.
"""
from __future__ import annotations

from bisect import bisect_right
from typing import Callable

from typeset.text.sfnt import Unsupported

Reader = Callable[[int, int], bytes]


def reader_of(data: bytes) -> Reader:
    """A reader over bytes in memory: (offset, length) -> exactly those bytes."""
    size = len(data)

    def read(offset: int, length: int) -> bytes:
        if offset < 0 or length < 0 or offset + length > size:
            raise Unsupported("read past the end of the CFF table")
        return data[offset:offset + length]
    return read


class Index:
    """A CFF INDEX (TN 5176 §5): `len(index)`, `index[i]` (the bytes of item i), `end`."""

    __slots__ = ("_read", "count", "_offsize", "_offsets_at", "_base", "end")

    def __init__(self, read: Reader, at: int):
        self._read = read
        self.count = int.from_bytes(read(at, 2), "big")
        if self.count == 0:
            self._offsize = self._offsets_at = self._base = 0
            self.end = at + 2
            return
        self._offsize = read(at + 2, 1)[0]
        if not 1 <= self._offsize <= 4:
            raise Unsupported("INDEX offset size not 1-4")
        self._offsets_at = at + 3
        self._base = at + 2 + (self.count + 1) * self._offsize      # offsets count from 1
        self.end = self._base + self._offset(self.count)

    def __len__(self) -> int:
        return self.count

    def _offset(self, i: int) -> int:
        size = self._offsize
        return int.from_bytes(self._read(self._offsets_at + i * size, size), "big")

    def __getitem__(self, i: int) -> bytes:
        if not 0 <= i < self.count:
            raise Unsupported("INDEX item out of range")
        size = self._offsize
        pair = self._read(self._offsets_at + i * size, 2 * size)
        start = int.from_bytes(pair[:size], "big")
        end = int.from_bytes(pair[size:], "big")
        if not 1 <= start <= end:
            raise Unsupported("INDEX offsets out of order")
        return self._read(self._base + start, end - start)


def parse_dict(data: bytes) -> dict[int, list]:
    """A CFF DICT (TN 5176 §4): operator -> operands. Two-byte operators (12 x) are keyed
    1200 + x. Real operands are returned as floats."""
    out: dict[int, list] = {}
    stack: list = []
    i, n = 0, len(data)
    while i < n:
        b0 = data[i]
        if b0 <= 21:
            if b0 == 12:
                if i + 1 >= n:
                    raise Unsupported("DICT ends inside an operator")
                op, i = 1200 + data[i + 1], i + 2
            else:
                op, i = b0, i + 1
            out[op] = stack
            stack = []
        elif b0 == 28 or b0 == 29:
            size = 2 if b0 == 28 else 4
            if i + size >= n:
                raise Unsupported("DICT ends inside a number")
            stack.append(int.from_bytes(data[i + 1:i + 1 + size], "big", signed=True))
            i += 1 + size
        elif b0 == 30:
            i, value = _real(data, i + 1)
            stack.append(value)
        elif 32 <= b0 <= 246:
            stack.append(b0 - 139)
            i += 1
        elif 247 <= b0 <= 254:
            if i + 1 >= n:
                raise Unsupported("DICT ends inside a number")
            b1 = data[i + 1]
            stack.append((b0 - 247) * 256 + b1 + 108 if b0 <= 250 else
                         -(b0 - 251) * 256 - b1 - 108)
            i += 2
        else:
            raise Unsupported(f"reserved DICT byte {b0}")
    if stack:
        raise Unsupported("DICT ends with operands and no operator")
    return out


_NIBBLES = "0123456789.EE?-"


def _real(data: bytes, i: int) -> tuple[int, float]:
    """A real operand (TN 5176 Table 5: nibbles up to the 0xf one): (next position, value)."""
    text = []
    while True:
        if i >= len(data):
            raise Unsupported("DICT ends inside a real number")
        b = data[i]
        i += 1
        for nib in (b >> 4, b & 0xF):
            if nib == 0xF:
                try:
                    return i, float("".join(text) or "0")
                except ValueError:
                    raise Unsupported("a real number that is not one") from None
            if nib == 0xC:
                text.append("E-")
            elif nib == 0xD:
                raise Unsupported("reserved nibble in a real number")
            else:
                text.append(_NIBBLES[nib])


class CFF:
    """One CFF table (version 1, one font): `num_glyphs`, `is_cid`, `charstring(gid)`,
    `fd_of(gid)`, `global_subrs`, `local_subrs(fd)`, `widths(fd)` (defaultWidthX,
    nominalWidthX), `num_fds`.

    `read(offset, length)` gives the table's bytes (`reader_of(data)` for the table in memory,
    or a reader seeking in the file)."""

    def __init__(self, read: Reader):
        self._read = read
        major, _minor, hdr_size = read(0, 3)
        if major != 1:
            raise Unsupported("not CFF version 1")
        names = Index(read, hdr_size)
        if len(names) != 1:
            raise Unsupported("not one font in the CFF table")
        tops = Index(read, names.end)
        if len(tops) != 1:
            raise Unsupported("not one Top DICT")
        strings = Index(read, tops.end)
        self.global_subrs = Index(read, strings.end)
        top = parse_dict(tops[0])
        if top.get(1206, [2]) != [2]:
            raise Unsupported("charstrings not of Type 2")
        if 17 not in top:
            raise Unsupported("no CharStrings")
        self.charstrings = Index(read, _offset(top[17]))
        self.num_glyphs = len(self.charstrings)
        if not self.num_glyphs:
            raise Unsupported("no glyphs")
        self.is_cid = 1230 in top                    # ROS: a CID-keyed font
        self._privates: list[tuple[dict, Index | None]] = []
        if self.is_cid:
            if 1236 not in top or 1237 not in top:
                raise Unsupported("CID font without FDArray or FDSelect")
            fdarray = Index(read, _offset(top[1236]))
            for i in range(len(fdarray)):
                self._privates.append(self._private(parse_dict(fdarray[i]).get(18)))
            self._fdselect(_offset(top[1237]))
        else:
            self._privates.append(self._private(top.get(18)))
        self.num_fds = len(self._privates)

    def _private(self, operands) -> tuple[dict, Index | None]:
        if not operands or len(operands) != 2:
            raise Unsupported("font dict without a Private DICT")
        size, offset = (_int(v) for v in operands)
        private = parse_dict(self._read(offset, size))
        subrs = Index(self._read, offset + _offset(private[19])) if 19 in private else None
        return private, subrs

    def _fdselect(self, at: int) -> None:
        read, n = self._read, self.num_glyphs
        fmt = read(at, 1)[0]
        if fmt == 0:
            self._fd_bytes = read(at + 1, n)
            self._firsts = None
        elif fmt == 3:
            count = int.from_bytes(read(at + 1, 2), "big")
            data = read(at + 3, 3 * count + 2)
            firsts = [int.from_bytes(data[3 * i:3 * i + 2], "big") for i in range(count)]
            fds = [data[3 * i + 2] for i in range(count)]
            sentinel = int.from_bytes(data[3 * count:3 * count + 2], "big")
            if (not count or firsts[0] != 0 or any(b < a for a, b in zip(firsts, firsts[1:]))
                    or sentinel != n or sentinel <= firsts[-1]):
                raise Unsupported("FDSelect ranges out of order")
            self._firsts, self._fds = firsts, fds
        else:
            raise Unsupported(f"FDSelect format {fmt}")
        if max(self._fd_bytes if self._firsts is None else self._fds) >= len(self._privates):
            raise Unsupported("FDSelect names a font dict that is not there")

    def charstring(self, gid: int) -> bytes:
        return self.charstrings[gid]

    def fd_of(self, gid: int) -> int:
        """The font dict (index into FDArray) of glyph `gid`; 0 for a name-keyed font."""
        if not self.is_cid:
            return 0
        if not 0 <= gid < self.num_glyphs:
            raise Unsupported("glyph id out of range")
        if self._firsts is None:
            return self._fd_bytes[gid]
        return self._fds[bisect_right(self._firsts, gid) - 1]

    def local_subrs(self, fd: int) -> Index | None:
        return self._privates[fd][1]

    def widths(self, fd: int) -> tuple[float, float]:
        """(defaultWidthX, nominalWidthX) of font dict `fd` (TN 5176 Table 23: both 0 if
        not given)."""
        p = self._privates[fd][0]
        return p.get(20, [0])[0], p.get(21, [0])[0]


def _offset(operands: list) -> int:
    if len(operands) != 1:
        raise Unsupported("an offset operator without one operand")
    return _int(operands[0])


def _int(v) -> int:
    if not isinstance(v, int) or v < 0:
        raise Unsupported("an offset or size that is not a whole number")
    return v
