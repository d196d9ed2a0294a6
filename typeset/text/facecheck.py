"""A face record read from the face cache, checked against the font file it names.

The face cache (text/facecache.py) holds what reading a font gives: names, metrics, the cmap and
the advances. Its key and checksum say which font a record claims to be and that the file is
whole; neither proves the record is what the font says (a cache folder can be shared,
planted or edited). So a record read from the cache is checked against the font itself
before anything in it is used, with the same readers and the same checks a cold read makes
(`typeset.text.sfnt`; no fontTools):

* at once (`FontCheck.header_matches`): everything read from head, hhea, maxp, OS/2 and post,
  whether the outlines are CFF, the glyph count, the names (name IDs 1, 2, 6, 16, 17: the
  Windows English record fontTools' `getDebugName` takes; a name table where that is not
  plain is not checked here, and the font is read afresh), and which characters have an
  ink record;
* per character, when the face is first asked about it (`FontCheck.glyphs`): the glyph id
  the font's best Unicode cmap gives it (format 12 looked up by binary search over its
  groups, every group checked as the cold reader checks them; format 4 read whole), after
  the Chinese forms of GSUB `locl` the face applies, and that glyph's advance in hmtx. The
  characters of a text are checked together (`FontChain.missing` asks about every printed
  text before it is set), a few microseconds for a thousand.

Anything the check cannot read as the cold reader would (`sfnt.Unsupported`) means the font
is read afresh. What is not checked: the ink edges of the dash (INK_CHARS), which only its
outline gives (see the README, "A cache never changes what is printed").
"""
from __future__ import annotations

from bisect import bisect_right
from itertools import repeat
from operator import add, le, lt, sub

from typeset.text import sfnt

class _Unchecked(sfnt.Unsupported):
    """The font is not one this module checks a record against (never shown: the face is
    then read from the font, text/fonts.py `_font_check`)."""


_NAME_IDS = (1, 2, 6, 16, 17)
_UTF16_BE_WINDOWS = (0, 1, 10)     # Windows encodings fontTools decodes as UTF-16BE


class FontCheck:
    """The tables of one face a record is checked against (read once, kept in memory: a
    few hundred kilobytes; the file is closed after reading)."""

    def __init__(self, path: str, index: int | None):
        with sfnt.FontFile(path, index) as ff:
            if "CFF2" in ff or "fvar" in ff or ("CFF " not in ff and "glyf" not in ff):
                raise _Unchecked("read by fontTools: not checked here")
            m = sfnt.metrics(ff)
            n = m["num_glyphs"]
            self.num_glyphs = n
            self.header = dict(
                units_per_em=m["units_per_em"], ascent=m["ascent"], descent=m["descent"],
                cap_height=m["cap_height"] or m["ascent"], bbox=m["bbox"],
                italic_angle=float(m["italic_angle"] or 0.0),
                weight=m["weight"] if m["weight"] is not None else 400,
                is_fixed_pitch=bool(m["is_fixed_pitch"]), is_cff="CFF " in ff, num_glyphs=n)
            self.names = _names(ff.table("name"))
            self.forms = sfnt.chinese_forms(ff, n)
            self._lookup = _cmap_lookup(ff, n, self.forms)
            nhm = m["num_h_metrics"]
            if not 1 <= nhm <= n:
                raise _Unchecked("hhea.numberOfHMetrics outside 1..numGlyphs")
            hmtx = ff.table("hmtx")
            if len(hmtx) < 4 * nhm + 2 * (n - nhm):
                raise _Unchecked("hmtx too short")
            self._pairs = sfnt._be("H", hmtx[:4 * nhm])       # (advance, lsb) pairs
            self._nhm = nhm

    def header_matches(self, rec: dict, unnamed: str) -> bool:
        """Do the record's names, metrics and glyph count say what the font says? `unnamed`:
        the name a face without one gets (made from its content hash)."""
        want = dict(self.header)
        fam = self.names.get(16) or self.names.get(1) or unnamed
        style = self.names.get(17) or self.names.get(2) or "Regular"
        want.update(family=fam, style=style, postscript_name=self.names.get(6) or unnamed)
        if any(repr(rec.get(k)) != repr(v) for k, v in want.items()):
            return False
        return len(rec["advances"]) == 2 * self.num_glyphs

    def glyphs(self, cps: list[int]) -> list[int]:
        """The glyph id the face gives each code point (-1: not mapped)."""
        return self._lookup(cps)

    def advance(self, gid: int) -> int:
        """Glyph `gid`'s advance width in font units (hmtx)."""
        return self._pairs[2 * min(gid, self._nhm - 1)]


def _names(data: bytes) -> dict[int, str | None]:
    """Name ID -> the name fontTools' `getDebugName` gives, for the IDs a face keeps: the
    first Windows English (langID 0x409) record of the ID, decoded as UTF-16BE; None where
    the ID has no record at all. Anything else (no such English record, an empty one, one of
    odd length that fontTools would repair, another encoding) is Unsupported."""
    import struct
    if len(data) < 6:
        raise _Unchecked("name too short")
    _fmt, n, string_offset = struct.unpack(">HHH", data[:6])
    strings = data[string_offset:]
    found: dict[int, str | None] = {}
    seen: set[int] = set()
    for i in range(n):
        at = 6 + 12 * i
        if at + 12 > len(data):
            break                                   # (fontTools skips such records)
        platform, encoding, lang, name_id, length, offset = struct.unpack(
            ">6H", data[at:at + 12])
        if name_id not in _NAME_IDS or offset + length > len(strings):
            continue
        seen.add(name_id)
        if name_id in found:
            continue
        if platform == 3 and lang == 0x409:
            raw = strings[offset:offset + length]
            if encoding not in _UTF16_BE_WINDOWS or len(raw) % 2:
                raise _Unchecked("a name fontTools decodes otherwise")
            try:
                text = raw.decode("utf_16_be")
            except UnicodeDecodeError:
                raise _Unchecked("a name fontTools skips") from None
            if not text:
                raise _Unchecked("an empty English name")
            found[name_id] = text
    for name_id in seen - set(found):
        raise _Unchecked("a name without a Windows English record")
    return found


def _cmap_lookup(ff: "sfnt.FontFile", n: int, forms: dict[int, int]):
    """A function: code points -> the glyph ids the face gives them (-1 none), from the cmap
    subtable `sfnt.best_cmap` reads, with every check it makes."""
    for want in sfnt.CMAP_PREFERENCES:
        for platform, encoding, fmt, data in sfnt.cmap_subtables(ff):
            if (platform, encoding) == want:
                if fmt == 12:
                    return _format_12(data, n, forms)
                cps, gids = sfnt.best_cmap(ff, n, forms)     # (format 4: read whole)
                if not cps:
                    raise _Unchecked("an empty cmap")
                table = dict(zip(cps, gids))
                return lambda wanted: [table.get(cp, -1) for cp in wanted]
    raise _Unchecked("no Unicode cmap")


def _format_12(data: bytes, n: int, forms: dict[int, int]):
    """Format 12 looked up by binary search over its groups, which are checked first as
    `sfnt._cmap_format_12` checks them (increasing, not overlapping, inside Unicode, none
    starting at glyph 0, none past the glyph count), all at once."""
    import struct
    n_groups, = struct.unpack(">I", data[12:16])
    if len(data) != 16 + 12 * n_groups or not n_groups:
        raise _Unchecked("cmap format 12 length and group count disagree, or empty")
    groups = sfnt._be("I", data[16:]).tolist()          # (lists: no int made per use)
    starts, ends, firsts = groups[0::3], groups[1::3], groups[2::3]
    if (not all(map(le, starts, ends)) or not all(map(lt, ends, starts[1:]))
            or ends[-1] > 0x10FFFF or 0 in firsts):
        raise _Unchecked("cmap format 12 group out of order or out of range")
    delta = [0]                                   # delta[j]: group j-1's glyph - code point
    delta += map(sub, firsts, starts)
    last = [-1]                                   # last[j]: group j-1's last code point
    last += ends
    if max(map(add, delta[1:], ends)) >= n:
        raise _Unchecked("cmap maps to a glyph past the glyph count")

    def lookup(cps: list[int]) -> list[int]:
        js = list(map(bisect_right, repeat(starts, len(cps)), cps))
        gids = list(map(add, cps, map(delta.__getitem__, js)))
        if forms:
            gids = list(map(forms.get, gids, gids))
        inside = map(le, cps, map(last.__getitem__, js))
        return [g if ok else -1 for g, ok in zip(gids, inside)]
    return lookup
