"""OpenType font files read directly: the table directory and the few tables a face's
measurements need, unpacked with `struct` and `array` from the bytes the OpenType
specification (1.9, "OpenType font file", "cmap", "hmtx", "GSUB") lays down.

Why not fontTools here. fontTools turns a table into Python objects keyed by glyph name: to
read the Unicode cmap of a CJK face it first builds the names of all ~46k glyphs (parsing the
CFF charset or the post table), then a dict from code point to name; the layout wants
code point -> glyph id and glyph id -> advance, and a cold build paid ~0.12 s a face for
the detour. Here the same tables are read in glyph-id space, seeking to them in the file
(a 16 MB font is never read whole).

Only what a well-formed font says is read here. Whatever this module does not handle, or
finds other than the specification says it must be (a table past the end of the file, a
cmap format other than 4 and 12, overlapping cmap groups, a glyph id past the glyph count,
a GSUB lookup type other than single substitution, ...), raises `Unsupported`, and the
caller reads the font with fontTools instead, exactly as before (text/fontread.py): this
module never decides what a damaged font means. tests/test_sfnt.py compares every reading
with fontTools' for every font in fonts/ (the whole cmap, every glyph's advance, the Chinese
forms), so the two cannot drift apart silently.
"""
from __future__ import annotations

import os
import struct
import sys
from array import array
from bisect import bisect_left

from typeset.fileread import open_regular


class Unsupported(Exception):
    """This reader does not handle the font (or the font is not as the specification says):
    read it with fontTools."""


_LITTLE = sys.byteorder == "little"
_SFNT_VERSIONS = (b"\x00\x01\x00\x00", b"OTTO", b"true")


def _be(code: str, data: bytes) -> array:
    """`data` as a big-endian array of `code` items (its length must fit)."""
    a = array(code)
    try:
        a.frombytes(data)
    except ValueError:
        raise Unsupported("table length not a whole number of items") from None
    if _LITTLE:
        a.byteswap()
    return a


class FontFile:
    """One face of a font file: its table directory, and its tables read on demand.

    `path` is a single font (.otf/.ttf) or, with `index`, face `index` of a collection
    (.ttc/.otc; OpenType "Font Collections"). `tables` maps a tag to (offset, length) in the
    file. Use as a context manager (the file stays open between reads)."""

    def __init__(self, path: str, index: int | None = None):
        self.path = path
        fd, st = open_regular(path)
        self._fd = fd
        self.size = st.st_size
        try:
            self.tables = self._directory(index)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "FontFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def read(self, offset: int, length: int) -> bytes:
        """`length` bytes at `offset` of the file (exactly, or Unsupported)."""
        if offset < 0 or length < 0 or offset + length > self.size:
            raise Unsupported("read past the end of the file")
        data = os.pread(self._fd, length, offset)
        if len(data) != length:
            raise Unsupported("the file is shorter than it was")
        return data

    def _directory(self, index: int | None) -> dict[str, tuple[int, int]]:
        base = 0
        head = self.read(0, 12)
        if head[:4] == b"ttcf":
            if index is None:
                raise Unsupported("a collection read without a face index")
            count = struct.unpack(">I", head[8:12])[0]
            if not 0 <= index < count:
                raise Unsupported("no such face in the collection")
            base = struct.unpack(">I", self.read(12 + 4 * index, 4))[0]
            head = self.read(base, 12)
        elif index is not None:
            raise Unsupported("a face index for a single font")
        if head[:4] not in _SFNT_VERSIONS:
            raise Unsupported("not an OpenType/TrueType font (WOFF, Type 1, ...)")
        n = struct.unpack(">H", head[4:6])[0]
        data = self.read(base + 12, 16 * n)
        tables: dict[str, tuple[int, int]] = {}
        for i in range(n):
            tag, _checksum, offset, length = struct.unpack(">4sIII", data[16 * i:16 * i + 16])
            name = tag.decode("latin-1")
            if name in tables or offset + length > self.size:
                raise Unsupported(f"table {name!r} repeated or past the end of the file")
            tables[name] = (offset, length)
        return tables

    def __contains__(self, tag: str) -> bool:
        return tag in self.tables

    def table(self, tag: str) -> bytes:
        """The whole table `tag` (Unsupported if the font has none)."""
        try:
            offset, length = self.tables[tag]
        except KeyError:
            raise Unsupported(f"no {tag!r} table") from None
        return self.read(offset, length)


# -- the fixed-layout tables ------------------------------------------------------------------

def metrics(ff: FontFile) -> dict:
    """What head, hhea, maxp, OS/2 and post say of the face (the fields `_read_font` keeps),
    plus `num_h_metrics` and head's `index_to_loc_format`. Table sizes are checked as
    fontTools checks them (hhea and maxp exactly their format's size, head 54 bytes)."""
    head, hhea, maxp = ff.table("head"), ff.table("hhea"), ff.table("maxp")
    if len(head) != 54 or len(hhea) != 36:
        raise Unsupported("head or hhea not of its format's size")
    upem, = struct.unpack(">H", head[18:20])
    x_min, y_min, x_max, y_max = struct.unpack(">4h", head[36:44])
    loc_format, = struct.unpack(">h", head[50:52])
    ascent, descent = struct.unpack(">hh", hhea[4:8])
    num_h_metrics, = struct.unpack(">H", hhea[34:36])
    version, num_glyphs = struct.unpack(">IH", maxp[:6]) if len(maxp) >= 6 else (None, 0)
    if (version, len(maxp)) not in ((0x5000, 6), (0x10000, 32)):
        raise Unsupported("maxp not of a known version and size")
    out = dict(units_per_em=upem, bbox=[x_min, y_min, x_max, y_max], ascent=ascent,
               descent=descent, num_glyphs=num_glyphs, num_h_metrics=num_h_metrics,
               index_to_loc_format=loc_format, weight=None, cap_height=None,
               italic_angle=None, is_fixed_pitch=None)
    if "OS/2" in ff:
        os2 = ff.table("OS/2")
        if len(os2) < 2:
            raise Unsupported("OS/2 too short")
        os2_version, = struct.unpack(">H", os2[:2])
        need = {0: 78, 1: 86, 2: 96, 3: 96, 4: 96, 5: 100}.get(os2_version)
        if need is None or len(os2) < need:
            raise Unsupported("OS/2 of an unknown version or too short")
        out["weight"], = struct.unpack(">H", os2[4:6])
        if os2_version >= 2:
            out["cap_height"], = struct.unpack(">h", os2[88:90])
    if "post" in ff:
        offset, length = ff.tables["post"]
        if length < 32:
            raise Unsupported("post too short")
        post = ff.read(offset, 32)
        fmt, angle, = struct.unpack(">ii", post[:8])
        if fmt not in (0x10000, 0x20000, 0x30000):
            raise Unsupported("post of a format fontTools reads differently")
        out["italic_angle"] = angle / 65536           # 16.16 fixed, as fontTools reads it
        out["is_fixed_pitch"], = struct.unpack(">I", post[12:16])
    return out


def advances(ff: FontFile, num_glyphs: int, num_h_metrics: int) -> tuple[array, array]:
    """Every glyph's advance width and left side bearing, in font units, from hmtx (OpenType
    "hmtx": numberOfHMetrics (advance, lsb) pairs, then one lsb a glyph; the glyphs past the
    pairs take the last pair's advance): (advances array('H'), lsbs array('h'))."""
    if not 1 <= num_h_metrics <= num_glyphs:
        raise Unsupported("hhea.numberOfHMetrics outside 1..numGlyphs")
    data = ff.table("hmtx")
    if len(data) < 4 * num_h_metrics + 2 * (num_glyphs - num_h_metrics):
        raise Unsupported("hmtx too short")
    pairs = _be("H", data[:4 * num_h_metrics])
    adv = pairs[0::2]
    lsb = array("h", pairs[1::2].tobytes())           # (the same bits, signed)
    rest = num_glyphs - num_h_metrics
    if rest:
        adv.extend(array("H", [adv[-1]]) * rest)
        lsb.extend(_be("h", data[4 * num_h_metrics:4 * num_h_metrics + 2 * rest]))
    return adv, lsb


# -- cmap -------------------------------------------------------------------------------------

#: the Unicode subtables in the order fontTools' getBestCmap (and HarfBuzz) prefers them
CMAP_PREFERENCES = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))


def cmap_subtables(ff: FontFile) -> list[tuple[int, int, int, bytes]]:
    """The cmap's subtables in directory order: (platform, encoding, format, bytes), checked
    as fontTools checks them when it reads the table (each in the table, of a length that
    holds its header). A subtable of length 0 is left out (fontTools skips it too)."""
    data = ff.table("cmap")
    if len(data) < 4:
        raise Unsupported("cmap too short")
    _version, n = struct.unpack(">HH", data[:4])
    if len(data) < 4 + 8 * n:
        raise Unsupported("cmap directory truncated")
    out = []
    for i in range(n):
        platform, encoding, offset = struct.unpack(">HHI", data[4 + 8 * i:12 + 8 * i])
        if offset + 8 > len(data):
            raise Unsupported("cmap subtable out of the table")
        fmt, = struct.unpack(">H", data[offset:offset + 2])
        if fmt in (8, 10, 12, 13):
            length, = struct.unpack(">I", data[offset + 4:offset + 8])
            header = 16 if fmt in (12, 13) else 12 if fmt == 8 else 20
        elif fmt in (14, 15):
            length, = struct.unpack(">I", data[offset + 2:offset + 6])
            header = 10
        else:
            length, = struct.unpack(">H", data[offset + 2:offset + 4])
            header = 6
        if not length:
            continue
        if length < header or offset + length > len(data):
            raise Unsupported("cmap subtable truncated")
        if fmt in (12, 13) and length != 16 + 12 * struct.unpack(
                ">I", data[offset + 12:offset + 16])[0]:
            raise Unsupported("cmap format 12/13 length and group count disagree")
        out.append((platform, encoding, fmt, data[offset:offset + length]))
    return out


def best_cmap(ff: FontFile, num_glyphs: int,
              forms: dict[int, int] | None = None) -> tuple[array, array]:
    """The Unicode cmap fontTools' getBestCmap picks, in glyph ids: (code points, glyph ids),
    two array('I') sorted by code point. Only formats 4 and 12 are read here. `forms`: glyph
    substitutions to apply to the glyph ids (`chinese_forms`)."""
    subtables = cmap_subtables(ff)
    for want in CMAP_PREFERENCES:
        for platform, encoding, fmt, data in subtables:
            if (platform, encoding) == want:
                if fmt == 4:
                    cps, gids = _cmap_format_4(data, num_glyphs)
                    if forms:
                        gids = array("I", [forms.get(g, g) for g in gids])
                    return cps, gids
                if fmt == 12:
                    return _cmap_format_12(data, num_glyphs, forms or {})
                raise Unsupported(f"cmap format {fmt}")
    raise Unsupported("no Unicode cmap")


def _cmap_format_4(data: bytes, num_glyphs: int) -> tuple[array, array]:
    """Format 4 (segment mapping to delta values, BMP only), as fontTools reads it: every
    segment but the last (the spec's closing 0xFFFF one), glyph 0 left out."""
    if len(data) < 14:
        raise Unsupported("cmap format 4 too short")
    seg_x2, = struct.unpack(">H", data[6:8])
    n = seg_x2 // 2
    words = _be("H", data[14:])
    if len(words) < 4 * n + 1:
        raise Unsupported("cmap format 4 arrays truncated")
    ends, starts = words[:n], words[n + 1:2 * n + 1]
    deltas, range_offsets = words[2 * n + 1:3 * n + 1], words[3 * n + 1:4 * n + 1]
    glyph_array = words[4 * n + 1:]
    found: dict[int, int] = {}
    for i in range(n - 1):
        start, end, delta, ro = starts[i], ends[i], deltas[i], range_offsets[i]
        if start > end:
            continue
        if ro == 0:
            for c in range(start, end + 1):
                g = (c + delta) & 0xFFFF
                if g:
                    found[c] = g
        else:
            partial = ro // 2 - start + i - n
            lo, hi = start + partial, end + partial
            if lo < 0 or hi >= len(glyph_array):
                raise Unsupported("cmap format 4 glyph index array out of range")
            for c in range(start, end + 1):
                g = glyph_array[c + partial]
                if g:
                    g = (g + delta) & 0xFFFF
                    if g:
                        found[c] = g
    cps = array("I", sorted(found))
    gids = array("I", [found[c] for c in cps])
    if gids and max(gids) >= num_glyphs:
        raise Unsupported("cmap maps to a glyph past the glyph count")
    return cps, gids


def _cmap_format_12(data: bytes, num_glyphs: int, forms: dict[int, int]) -> tuple[array, array]:
    """Format 12 (segmented coverage): groups of consecutive code points to consecutive
    glyphs. Only groups in increasing, non-overlapping order, inside Unicode, never starting
    at glyph 0 (fontTools and HarfBuzz repair anything else in ways of their own). The few
    glyphs `forms` replaces are looked for group by group, not code point by code point."""
    n_groups, = struct.unpack(">I", data[12:16])
    if len(data) != 16 + 12 * n_groups:
        raise Unsupported("cmap format 12 length and group count disagree")
    groups = _be("I", data[16:])
    cps, gids = array("I"), array("I")
    replaced = sorted(forms)
    last = -1
    top = 0
    for k in range(0, len(groups), 3):
        start, end, gid = groups[k], groups[k + 1], groups[k + 2]
        if start <= last or end < start or end > 0x10FFFF or gid == 0:
            raise Unsupported("cmap format 12 group out of order or out of range")
        last = end
        at = len(gids)
        cps.extend(range(start, end + 1))
        gids.extend(range(gid, gid + end - start + 1))
        top = max(top, gid + end - start)
        i = bisect_left(replaced, gid)
        while i < len(replaced) and replaced[i] <= gid + end - start:
            g = replaced[i]
            gids[at + g - gid] = forms[g]
            i += 1
    if top >= num_glyphs:
        raise Unsupported("cmap maps to a glyph past the glyph count")
    return cps, gids


# -- GSUB: the Chinese forms ------------------------------------------------------------------

def chinese_forms(ff: FontFile, num_glyphs: int) -> dict[int, int]:
    """Glyph id -> glyph id: the single substitutions of the GSUB `locl` feature for the Han
    script (`hani`), language system Chinese Simplified (`ZHS `), in the order
    text.fontread._chinese_forms applies them (a later one overrides an earlier one). Lookups of
    types other than single substitution (1, or 7 wrapping 1) are Unsupported."""
    if "GSUB" not in ff:
        return {}
    data = ff.table("GSUB")
    u16 = _u16_reader(data)
    script_list, feature_list, lookup_list = u16(4), u16(6), u16(8)
    if not script_list or not feature_list:
        return {}
    features: list[int] = []
    for i in range(u16(script_list)):
        rec = script_list + 2 + 6 * i
        if data[rec:rec + 4] != b"hani":
            continue
        script = script_list + u16(rec + 4)
        for j in range(u16(script + 2)):
            lrec = script + 4 + 6 * j
            if data[lrec:lrec + 4] == b"ZHS ":
                lang = script + u16(lrec + 4)
                features = [u16(lang + 6 + 2 * k) for k in range(u16(lang + 4))]
    out: dict[int, int] = {}
    n_features = u16(feature_list)
    for fi in features:
        if fi >= n_features:
            raise Unsupported("feature index out of range")
        rec = feature_list + 2 + 6 * fi
        if data[rec:rec + 4] != b"locl":
            continue
        feature = feature_list + u16(rec + 4)
        if not lookup_list:
            raise Unsupported("GSUB has features but no lookups")
        n_lookups = u16(lookup_list)
        for k in range(u16(feature + 2)):
            li = u16(feature + 4 + 2 * k)
            if li >= n_lookups:
                raise Unsupported("lookup index out of range")
            lookup = lookup_list + u16(lookup_list + 2 + 2 * li)
            kind = u16(lookup)
            for s in range(u16(lookup + 4)):
                sub = lookup + u16(lookup + 6 + 2 * s)
                sub_kind = kind
                if kind == 7:                       # extension: the real subtable, further on
                    if u16(sub) != 1:
                        raise Unsupported("extension subtable format")
                    sub_kind = u16(sub + 2)
                    sub += _u32(data, sub + 4)
                if sub_kind == 1:
                    out.update(_single_substitution(data, sub, num_glyphs))
                elif sub_kind in (2, 7):        # (2 carries a mapping fontTools would apply)
                    raise Unsupported(f"locl lookup of type {sub_kind}")
                # types 3-6 and 8: no single mapping (text.fontread._chinese_forms skips them)
    return out


def _u16_reader(data: bytes):
    size = len(data)
    unpack = struct.unpack_from

    def u16(at: int) -> int:
        if not 0 <= at <= size - 2:
            raise Unsupported("GSUB offset out of the table")
        return unpack(">H", data, at)[0]
    return u16


def _u32(data: bytes, at: int) -> int:
    if not 0 <= at <= len(data) - 4:
        raise Unsupported("offset out of the table")
    return struct.unpack_from(">I", data, at)[0]


def _single_substitution(data: bytes, sub: int, num_glyphs: int) -> dict[int, int]:
    """One single-substitution subtable (GSUB lookup type 1, format 1 or 2) in glyph ids."""
    u16 = _u16_reader(data)
    fmt = u16(sub)
    covered = _coverage(data, sub + u16(sub + 2), num_glyphs)
    if fmt == 1:
        delta = u16(sub + 4)
        targets = [(g + delta) % 0x10000 for g in covered]
    elif fmt == 2:
        if u16(sub + 4) != len(covered):
            raise Unsupported("single substitution count differs from its coverage")
        targets = [u16(sub + 6 + 2 * i) for i in range(len(covered))]
    else:
        raise Unsupported(f"single substitution format {fmt}")
    if any(t >= num_glyphs for t in targets):
        raise Unsupported("substitute past the glyph count")
    return dict(zip(covered, targets))


def _coverage(data: bytes, at: int, num_glyphs: int) -> list[int]:
    """A Coverage table's glyphs in coverage-index order (format 1: a list; format 2: ranges,
    which must be in coverage-index order as the specification says)."""
    u16 = _u16_reader(data)
    fmt, n = u16(at), u16(at + 2)
    if fmt == 1:
        glyphs = [u16(at + 4 + 2 * i) for i in range(n)]
    elif fmt == 2:
        glyphs = []
        for i in range(n):
            start, end, index = (u16(at + 4 + 6 * i), u16(at + 6 + 6 * i),
                                 u16(at + 8 + 6 * i))
            if end < start or index != len(glyphs):
                raise Unsupported("coverage ranges out of order")
            glyphs.extend(range(start, end + 1))
    else:
        raise Unsupported(f"coverage format {fmt}")
    if any(g >= num_glyphs for g in glyphs):
        raise Unsupported("coverage past the glyph count")
    return glyphs


# -- TrueType outlines ------------------------------------------------------------------------

def loca(ff: FontFile, num_glyphs: int, loc_format: int) -> array:
    """Every glyph's offset in `glyf` (OpenType "loca": numGlyphs + 1 offsets, short ones
    stored halved), as array('I'); checked to run forwards and stay inside `glyf`."""
    if loc_format not in (0, 1):
        raise Unsupported("loca format")
    data = ff.table("loca")
    if len(data) != (4 if loc_format else 2) * (num_glyphs + 1):
        raise Unsupported("loca not of the glyph count's size")
    offsets = _be("I" if loc_format else "H", data)
    if not loc_format:
        offsets = array("I", [2 * x for x in offsets])
    if any(b < a for a, b in zip(offsets, offsets[1:])) or \
            offsets[-1] > ff.tables.get("glyf", (0, -1))[1]:
        raise Unsupported("loca runs backwards or past glyf")
    return offsets


def glyf_data(ff: FontFile, gid: int, num_glyphs: int, loc_format: int) -> bytes:
    """The `glyf` bytes of glyph `gid`, found through `loca` (short offsets /2 or long)."""
    if loc_format not in (0, 1) or not 0 <= gid < num_glyphs:
        raise Unsupported("loca format or glyph id")
    size = 4 if loc_format else 2
    offset, length = ff.tables.get("loca", (0, -1))
    if length != size * (num_glyphs + 1):
        raise Unsupported("loca not of the glyph count's size")
    pair = _be("I" if loc_format else "H", ff.read(offset + size * gid, 2 * size))
    start, end = (pair[0], pair[1]) if loc_format else (2 * pair[0], 2 * pair[1])
    glyf_offset, glyf_length = ff.tables.get("glyf", (0, -1))
    if not 0 <= start <= end <= glyf_length:
        raise Unsupported("loca points outside glyf")
    return ff.read(glyf_offset + start, end - start)
