"""The face cache: a face record (what reading a font gives: names, metrics, the cmap, the
advances, the dash's ink) in a file of its own under $TYPESET_CACHE, `faces/<key>.face`, keyed
by the font's identity (text/fontid.py). The file is a plain binary layout, parsed
defensively:

    b"typeset-face\n"  u32 LE header length  header (ASCII JSON: format, font hash, names,
    metrics, ink, counts)  body: the cmap's Basic Multilingual Plane as a table of 65,536
    entries (u16 LE: glyph id + 1, 0 for a code point not mapped), the code points above it
    (u32 LE) and their glyph ids (u32 LE), advances (u16 LE)
    the seal of everything before it (32 bytes: HMAC-SHA256 with the user's cache key and
    the font's identity, cacheseal.sealed; format 6 had a SHA-256 here)

The table is what the face looks characters up in (`_Cmap`), taken as it is read: a warm
build makes no dict of the ~45k code points of a CJK face (~6 ms a face, format 5 did).

Anything that does not check out (the seal, magic, lengths, types, ranges — numbers finite,
ink edges within 16 em —, the font hash) makes the entry ignored and rebuilt. The seal is
what stands for the dash's ink edges (only its outline gives them, and drawing it needs
fontTools): a record planted without the user's key is never read; without a key of ours
none is read or written. Nothing in it is executed (no pickle or
marshal). A record that reads as whole is still only what the cache says: it is checked
against the font file itself (`text/facecheck.py`; names, metrics and glyph count when the
face is made, each character's glyph and advance when the face is first asked about it,
`_CheckedCmap`), and one that disagrees is thrown away and the font read afresh.
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
from array import array
from bisect import bisect_left
from pathlib import Path

from typeset.cacheseal import SEAL_SIZE, sealed, unseal
from typeset.cachefiles import cache_dir, read_cache, write_cache

_CACHE_FORMAT = 7            # bump when the cached record changes
_CACHE_MAGIC = b"typeset-face\n"
_CACHE_LIMIT = 64 << 20      # no face record comes near this; a larger file is not read


def _with_table(rec: dict) -> dict:
    """A face record as the readers make it (the cmap as sorted code points and their glyph
    ids, u32) with the cmap also in the face cache's form: "cmap_bmp" the table of the Basic
    Multilingual Plane (u16: glyph id + 1, 0 none), "cmap_high_cps" and "cmap_high_gids" the
    code points above it and their glyph ids (u32); all native order. A record that has them
    is returned as it is."""
    if "cmap_bmp" in rec:
        return rec
    cps = array("I")
    cps.frombytes(rec["cmap_cps"])
    gids = array("I")
    gids.frombytes(rec["cmap_gids"])
    at = bisect_left(cps, 0x10000)
    bmp = array("H", bytes(2 * 0x10000))
    for cp, g in zip(cps[:at], gids[:at]):
        if g >= 0xFFFF:             # (a glyph id is below the glyph count, at most 65,535)
            raise ValueError("glyph id out of range")
        bmp[cp] = g + 1
    return {**rec, "cmap_bmp": bmp.tobytes(), "cmap_high_cps": cps[at:].tobytes(),
            "cmap_high_gids": gids[at:].tobytes()}

def _cache_path(identity: str) -> Path:
    key = hashlib.sha256(f"{_CACHE_FORMAT}\0{identity}".encode()).hexdigest()[:32]
    return cache_dir() / "faces" / f"{key}.face"


def _le(data: bytes, code: str) -> bytes:
    """Native-order array bytes as little-endian (the cache file's order), or back."""
    if sys.byteorder == "little":
        return data
    a = array(code)
    a.frombytes(data)
    a.byteswap()
    return a.tobytes()


def _u16le_at_most(table: bytes, limit: int) -> bool:
    """Whether every entry of `table` (u16, little-endian) is at most `limit`: what
    `max(array("H", table)) <= limit` says, without an int made for each of the BMP cmap's
    65,536 entries (~1.3 ms a face): the high bytes, one slice, looked at by `translate`,
    and only the entries whose high byte is the limit's compared one by one."""
    if limit >= 0xFFFF:
        return True
    high = table[1::2]
    top = limit >> 8
    if high.translate(None, bytes(range(top + 1))):   # a high byte above the limit's
        return False
    edge, low = bytes((top,)), limit & 0xFF
    i = high.find(edge)
    while i >= 0:
        if table[2 * i] > low:
            return False
        i = high.find(edge, i + 1)
    return True


_INK_EMS = 16                # an ink edge further than this many em from the origin: refused
_BMP_BYTES = 2 * 0x10000     # the cmap table of the Basic Multilingual Plane (u16 each)
_HEADER_TYPES = {"family": str, "style": str, "postscript_name": str, "units_per_em": int,
                 "ascent": (int, float), "descent": (int, float), "cap_height": (int, float),
                 "italic_angle": (int, float), "weight": int, "is_cff": bool,
                 "is_fixed_pitch": bool, "num_glyphs": int}


def _encode_record(identity: str, rec: dict) -> bytes | None:
    """A face cache file's bytes, sealed (cacheseal.sealed); None without a key of ours."""
    rec = _with_table(rec)
    bmp, high_cps, high_gids, adv = (_le(rec["cmap_bmp"], "H"), _le(rec["cmap_high_cps"], "I"),
                                     _le(rec["cmap_high_gids"], "I"), _le(rec["advances"], "H"))
    body = bmp + high_cps + high_gids + adv
    header = {k: rec[k] for k in _HEADER_TYPES}
    header.update(format=_CACHE_FORMAT, font=identity, bbox=list(rec["bbox"]),
                  ink={ch: list(v) for ch, v in rec["ink"].items()},
                  n_high=len(high_cps) // 4, n_advances=len(adv) // 2)
    h = json.dumps(header, ensure_ascii=True, sort_keys=True).encode("ascii")
    return sealed("faces", identity, _CACHE_MAGIC + len(h).to_bytes(4, "little") + h + body)


def _decode_record(identity: str, data: bytes) -> dict | None:
    """The record in a face cache file, or None if anything about it is not as written (its
    seal under this user's cache key first)."""
    def num(v) -> bool:                 # (NaN and Infinity are floats to JSON: refused)
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    try:
        if not data.startswith(_CACHE_MAGIC) or not unseal("faces", identity, data):
            return None
        data = data[:-SEAL_SIZE]
        at = len(_CACHE_MAGIC)
        hlen = int.from_bytes(data[at:at + 4], "little")
        if hlen > 1 << 20 or at + 4 + hlen > len(data):
            return None
        header = json.loads(data[at + 4:at + 4 + hlen].decode("ascii"))
        body = data[at + 4 + hlen:]
        if (not isinstance(header, dict) or header.get("format") != _CACHE_FORMAT
                or header.get("font") != identity):
            return None
        for k, t in _HEADER_TYPES.items():
            v = header.get(k)
            if not isinstance(v, t) or (t is int and isinstance(v, bool)):
                return None
        n, g = header.get("n_high"), header.get("n_advances")
        bbox, ink = header.get("bbox"), header.get("ink")
        if (not isinstance(n, int) or not isinstance(g, int) or n < 0 or g < 1
                or not 16 <= header["units_per_em"] <= 16384 or header["num_glyphs"] != g
                or not (isinstance(bbox, list) and len(bbox) == 4 and all(map(num, bbox)))
                or not isinstance(ink, dict)
                or not all(isinstance(c, str) and len(c) == 1 and isinstance(v, list)
                           and len(v) == 2 and all(map(num, v))
                           and -_INK_EMS * header["units_per_em"] <= v[0] <= v[1]
                           <= _INK_EMS * header["units_per_em"] for c, v in ink.items())
                or len(body) != _BMP_BYTES + 8 * n + 2 * g):
            return None
        if not _u16le_at_most(body[:_BMP_BYTES], g):      # (glyph id + 1, 0 for none)
            return None
        bmp = _le(body[:_BMP_BYTES], "H")
        at = _BMP_BYTES
        cps, gids = _le(body[at:at + 4 * n], "I"), _le(body[at + 4 * n:at + 8 * n], "I")
        check = array("I")
        check.frombytes(gids)
        if n and max(check) >= g:
            return None
        check = array("I")
        check.frombytes(cps)
        if n and not (min(check) >= 0x10000 and max(check) <= 0x10FFFF):
            return None
        rec = {k: header[k] for k in _HEADER_TYPES}
        rec.update(bbox=bbox, ink={c: tuple(v) for c, v in ink.items()}, cmap_bmp=bmp,
                   cmap_high_cps=cps, cmap_high_gids=gids, advances=_le(body[at + 8 * n:], "H"))
        return rec
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _load_cached(identity: str) -> dict | None:
    data = read_cache(_cache_path(identity), _CACHE_LIMIT)
    return None if data is None else _decode_record(identity, data)


def _store_cached(identity: str, rec: dict) -> None:
    data = _encode_record(identity, rec)
    if data is not None:
        write_cache(_cache_path(identity), data)
