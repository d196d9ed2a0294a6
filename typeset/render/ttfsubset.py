"""The direct TrueType subsetter's byte work: the `glyf`, `loca`, `hmtx` and `post` tables of
a subset, byte for byte as fontTools' subsetter and compiler make them with the options
`fontprogram._subset_options` gives (OpenType "glyf", "loca", "hmtx", "post").

Why. fontTools' subsetter reads a TrueType face whole before it keeps a glyph: the post
table's ~29k glyph names, every glyph's slice of `glyf`, every advance by name (~0.1 s for
LXGW WenKai), and importing it costs another ~0.1 s (it loads lxml for SVG fonts). What it
writes for our options is simple: the glyphs kept are those asked for, .notdef and the
components of composite glyphs, in their old order; each glyph's bytes are copied with the
padding after its data cut off (`Glyph.trim`), a composite's component glyph ids renumbered
(`remapComponentsFast`); `loca` takes short offsets when it can (odd glyphs then get a pad
byte); `hmtx` keeps long metrics up to the last change of advance; `post` becomes format 3.
Every other table is left to fontTools' own objects (render/fontprogram.py
`_subset_truetype`), which also writes the file.

Only what these functions check is handled; anything else raises `Unsupported` and the caller
subsets with fontTools. tests/test_ttfsubset.py compares whole subsets with fontTools' for
LXGW WenKai (single file and as a face of a collection) over many glyph sets.
"""
from __future__ import annotations

import re
import struct
import sys
from array import array

from typeset.render.cffsubset import Unsupported

# composite glyph flags (OpenType "glyf": Composite Glyph Description)
ARG_1_AND_2_ARE_WORDS = 0x0001
WE_HAVE_A_SCALE = 0x0008
MORE_COMPONENTS = 0x0020
WE_HAVE_AN_X_AND_Y_SCALE = 0x0040
WE_HAVE_A_TWO_BY_TWO = 0x0080
WE_HAVE_INSTRUCTIONS = 0x0100
GID_IS_24_BIT = 0x2000

# simple glyph flags: the bytes of x and y a point with the flag takes (x/y short: 1, else
# x/y same: 0, else 2), and the flags without the repeat bit (0x08)
_COORD_BYTES = bytes((1 if f & 0x02 else 0 if f & 0x10 else 2) +
                     (1 if f & 0x04 else 0 if f & 0x20 else 2) for f in range(256))
_NO_REPEAT = re.compile(b"[" + b"".join(re.escape(bytes([f])) for f in range(256) if not f & 8)
                        + b"]*").match


def components(data: bytes) -> list[tuple[int, int]]:
    """The components of a composite glyph's data: (position of the glyph id, glyph id)."""
    out = []
    i = 10
    more = True
    while more:
        if i + 4 > len(data):
            raise Unsupported("composite glyph cut short")
        flags = (data[i] << 8) | data[i + 1]
        if flags & GID_IS_24_BIT:
            raise Unsupported("24-bit component glyph ids")
        out.append((i + 2, (data[i + 2] << 8) | data[i + 3]))
        i += 4 + (4 if flags & ARG_1_AND_2_ARE_WORDS else 2)
        if flags & WE_HAVE_A_SCALE:
            i += 2
        elif flags & WE_HAVE_AN_X_AND_Y_SCALE:
            i += 4
        elif flags & WE_HAVE_A_TWO_BY_TWO:
            i += 8
        more = flags & MORE_COMPONENTS
    return out


def is_composite(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x80 != 0


def trimmed(data: bytes) -> bytes:
    """A glyph's data without the padding after it (fontTools `Glyph.trim`, hinting kept):
    its header, contour ends, instructions, flags and coordinates, or a composite's
    component records and instructions."""
    if not data:
        return data
    if len(data) < 10:
        raise Unsupported("glyph shorter than its header")
    contours = struct.unpack(">h", data[:2])[0]
    i = 10
    if contours == 0:
        if len(data) >= i + 2:
            i += 2 + ((data[i] << 8) | data[i + 1])
        return data[:i]
    if contours > 0:
        i += 2 * contours
        if i + 2 > len(data):
            raise Unsupported("glyph cut short")
        points = ((data[i - 2] << 8) | data[i - 1]) + 1
        i += 2 + ((data[i] << 8) | data[i + 1])
        coord_bytes = 0
        j = 0
        end = len(data)
        while j < points:                # flags (OpenType "glyf": Simple Glyph Description)
            plain = _NO_REPEAT(data, i, min(end, i + points - j)).end() - i
            if plain:                    # flags without the repeat bit: one point each
                coord_bytes += sum(data[i:i + plain].translate(_COORD_BYTES))
                j += plain
                i += plain
                continue
            if i + 1 >= end:
                raise Unsupported("glyph flags cut short")
            repeat = data[i + 1] + 1     # a flag with the repeat bit, and its count
            coord_bytes += _COORD_BYTES[data[i]] * repeat
            j += repeat
            i += 2
        if j != points:
            raise Unsupported("glyph flags run past the last point")
        i += coord_bytes
        if i > len(data):
            raise Unsupported("glyph coordinates cut short")
        return data[:i]
    comps = components(data)
    last = comps[-1][0] - 2                         # the last component's flags
    flags = (data[last] << 8) | data[last + 1]
    i = last + 4 + (4 if flags & ARG_1_AND_2_ARE_WORDS else 2)
    i += (2 if flags & WE_HAVE_A_SCALE else 4 if flags & WE_HAVE_AN_X_AND_Y_SCALE else
          8 if flags & WE_HAVE_A_TWO_BY_TWO else 0)
    if any((data[p - 2] << 8 | data[p - 1]) & WE_HAVE_INSTRUCTIONS for p, _ in comps):
        if i + 2 > len(data):
            raise Unsupported("composite instructions cut short")
        i += 2 + ((data[i] << 8) | data[i + 1])
    if i > len(data):
        raise Unsupported("composite glyph cut short")
    return data[:i]


def renumbered(data: bytes, new_id: dict[int, int]) -> bytes:
    """A composite glyph's data with its component glyph ids renumbered."""
    out = bytearray(data)
    for at, gid in components(data):
        out[at:at + 2] = new_id[gid].to_bytes(2, "big")
    return bytes(out)


def glyf_and_loca(glyphs: list[bytes]) -> tuple[bytes, bytes, int]:
    """The `glyf` and `loca` tables of these glyph data, as fontTools' glyf compiler (padding
    1) and loca compiler write them: (glyf, loca, indexToLocFormat)."""
    glyphs = list(glyphs)
    total = sum(map(len, glyphs))
    odd = [k for k, g in enumerate(glyphs) if len(g) % 2]
    if total < 0x20000 and odd and total + len(odd) < 0x20000:
        for k in odd:                     # a pad byte each, so short offsets can hold them
            glyphs[k] = glyphs[k] + b"\0"
    locations = [0]
    for g in glyphs:
        locations.append(locations[-1] + len(g))
    data = b"".join(glyphs) or b"\0"
    if locations[-1] < 0x20000 and all(x % 2 == 0 for x in locations):
        loca, fmt = array("H", [x // 2 for x in locations]), 0
    else:
        loca, fmt = array("I", locations), 1
    if sys.byteorder == "little":
        loca.byteswap()
    return data, loca.tobytes(), fmt


def hmtx(metrics: list[tuple[int, int]]) -> tuple[bytes, int]:
    """The `hmtx` table of (advance, left side bearing) per glyph, as fontTools' compiler
    writes it: long metrics up to the last change of advance, then side bearings alone.
    Returns (table, numberOfHMetrics)."""
    last_advance = metrics[-1][0]
    last = len(metrics)
    while metrics[last - 2][0] == last_advance:
        last -= 1
        if last <= 1:
            last = 1
            break
    data = struct.pack(">" + "Hh" * last, *[v for m in metrics[:last] for v in m])
    return data + struct.pack(">%dh" % (len(metrics) - last),
                              *[sb for _, sb in metrics[last:]]), last


def post_format_3(header: bytes) -> bytes:
    """A post table as format 3 (no glyph names): its header, format 3.0."""
    if len(header) < 32 or header[:4] not in (b"\x00\x01\x00\x00", b"\x00\x02\x00\x00",
                                              b"\x00\x03\x00\x00"):
        raise Unsupported("post of a format fontTools reads differently")
    return b"\x00\x03\x00\x00" + header[4:32]
