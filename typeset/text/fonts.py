"""Fonts as the layout sees them: which characters a face maps, and how wide they are.

Everything here is measurement:

* `FontFace`  one font file: family, style, units per em, vertical metrics, and per character
  `has`, `glyph_id`, `advance` (in em, i.e. advance width / unitsPerEm).
* `FontLibrary`  resolves a font name ("NotoSerifCJKsc-Regular.otf", looked up in the search
  directories) or a path to a cached `FontFace`; an unusable file is a `TypesetError`.
* `FontChain`  an ordered fallback list of faces: the first face that has a character sets it.

Reading a font. The tables are read directly (`typeset.text.sfnt`: table directory, head,
hhea, maxp, OS/2, post, the cmap in glyph ids, hmtx, GSUB's Chinese forms; `text.cff` for the
outline of the dash whose ink the layout needs), ~5 ms a CJK face; fontTools reads only the
name table and draws that one outline. A font that reader does not handle, or finds
irregular, is read through fontTools' objects exactly as before (~0.12 s a face: it names all
~46k glyphs on the way to the cmap); both give the same record (tests/test_sfnt.py).

Speed. A 60-page issue asks for ~100k advances, so a face keeps two plain dicts: code point ->
glyph id (the Unicode cmap) and glyph id -> advance, plus a per-character memo. The parsed
tables are also cached on disk under $TYPESET_CACHE (default ~/.cache/typeset). The cache only
ever holds what parsing the font gives, so it cannot change any output; a missing or
unwritable cache directory just means no cache.

The face cache (`faces/<key>.face`) is keyed by the font file's content (its SHA-256, the
face's `identity`, which the subset and paragraph caches use too), so two machines sharing a
cache agree whatever the fonts' paths and dates. Hashing the ~43 MB of the sample's three
fonts costs ~30 ms of CPU (on a thread, beside the parsing of the articles), once per
process: the hash is memoised in memory by path, size, modification time and inode, never
on disk. A memo on disk keyed by what `stat` says would save those 30 ms of a warm build but
is not as safe as the content: a font rewritten in place with its size and date kept (cp -p,
rsync --inplace -t, packages with normalised dates) keeps its key unless the change time is
in it too, and even then a network file system's cached attributes or a synthesised inode or
change time would give the old digest for new bytes; the digest is also what the archive
records as the font's SHA-256 (provenance.py), which must never be a remembered one. The
file is a plain binary layout, parsed defensively:

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

import errno
import hashlib
import json
import math
import os
import re
import stat
import sys
import threading
from array import array
from bisect import bisect_left
from pathlib import Path
from itertools import compress, repeat
from operator import mul, sub
from typing import Iterable, Iterator, Mapping

from typeset.errors import TypesetError
from typeset.fsutil import cache_dir, read_cache, write_cache  # noqa: F401  (cache_dir re-exported
from typeset.fsutil import what_is
from typeset.cacheseal import SEAL_SIZE, sealed, unseal
from typeset.model.chars import is_invisible
from typeset.text import sfnt
from typeset.text.cff import CFF
from typeset.resources import FONTS_DIR  # noqa: E402  (re-exported: the shipped fonts)

_CACHE_FORMAT = 7            # bump when the cached record changes
_CACHE_MAGIC = b"typeset-face\n"
_CACHE_LIMIT = 64 << 20      # no face record comes near this; a larger file is not read
_FONT_SUFFIXES = (".otf", ".ttf")
_COLLECTION_SUFFIXES = (".ttc", ".otc")
_FACE_INDEX = re.compile(r"^(.*\.(?:ttc|otc))#(\d+)$", re.I)   # NotoSerifCJK.ttc#2

_hash_memo: dict[tuple, str] = {}     # (real path, size, mtime_ns, inode, device) -> SHA-256


def file_identity(path: str) -> str:
    """The identity of a font file for cache keys: the SHA-256 of its bytes (memoised in this
    process by path, size, modification time and inode)."""
    real = os.path.realpath(path)
    st = os.stat(real)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", path)
    memo = (real, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)
    digest = _hash_memo.get(memo)
    if digest is None:
        with _hash_lock:
            busy = _hashing.get(memo)
            mine = busy is None
            if mine:
                busy = _hashing[memo] = threading.Event()
        if not mine:                  # `prefetch_identities` is hashing it: wait for that
            busy.wait()
            digest = _hash_memo.get(memo)
            if digest is not None:
                return digest
        try:
            with open(real, "rb", buffering=0) as f:   # (read into one reused buffer: a
                h = hashlib.file_digest(f, "sha256")     # third less CPU than read() chunks;
            digest = _hash_memo[memo] = h.hexdigest()    # other threads run meanwhile)
        finally:
            if mine:
                with _hash_lock:
                    del _hashing[memo]
                busy.set()
    return digest


_hash_lock = threading.Lock()
_hashing: dict[tuple, threading.Event] = {}     # files being hashed by some thread


def prefetch_identities(paths: Iterable[str]) -> None:
    """Hash these font files on another thread (SHA-256 runs outside the interpreter lock,
    so on a second core): a build names its fonts before it parses its articles, and the
    faces it makes afterwards find their identities memoised. Only ever a head start: an
    error here is ignored (the real read reports it)."""
    paths = list(paths)

    def work() -> None:
        for p in paths:
            try:
                file_identity(p)
            except (OSError, ValueError):
                pass
    if paths:
        threading.Thread(target=work, name="typeset-font-hash", daemon=True).start()


def is_ignorable(ch: str) -> bool:
    """Characters that are never drawn, so never 'missing': exactly the invisible characters
    of typeset.model.chars (ZWSP, ZWNJ, ZWJ, WJ). Every other character — a space, a tab, a
    control character that reached this far — needs a glyph, so the glyph check and the
    renderer can never disagree."""
    return is_invisible(ch)


class _Cmap(Mapping):
    """A face's Unicode cmap, code point -> glyph id: the Basic Multilingual Plane a table of
    65,536 entries (array "H": glyph id + 1, 0 for a code point not mapped), the planes above
    it a dict. Made from a face record as it is (`of`), with no step per code point when the
    record comes from the face cache. Iterates in code point order, as the cmap's arrays."""

    __slots__ = ("_bmp", "_high")

    def __init__(self, bmp: array, high: dict[int, int]):
        self._bmp = bmp
        self._high = high

    @classmethod
    def of(cls, rec: dict) -> "_Cmap":
        """The cmap of a face record in the face cache's form (`_with_table`)."""
        bmp = array("H")
        bmp.frombytes(rec["cmap_bmp"])
        cps = array("I")
        cps.frombytes(rec["cmap_high_cps"])
        gids = array("I")
        gids.frombytes(rec["cmap_high_gids"])
        return cls(bmp, dict(zip(cps, gids)))

    def __getitem__(self, cp: int) -> int:
        if type(cp) is int and 0 <= cp < 0x10000:
            g = self._bmp[cp]
            if g:
                return g - 1
            raise KeyError(cp)
        return self._high[cp]

    def __contains__(self, cp) -> bool:
        if type(cp) is int and 0 <= cp < 0x10000:
            return self._bmp[cp] != 0
        return cp in self._high

    def get(self, cp, default=None):
        try:
            return _Cmap.__getitem__(self, cp)
        except KeyError:
            return default

    def __iter__(self) -> Iterator[int]:
        yield from compress(range(0x10000), self._bmp)
        yield from self._high

    def __len__(self) -> int:
        return len(self._bmp) - self._bmp.count(0) + len(self._high)

    def check(self, cps: Iterable[int]) -> None:
        """Check these code points against the font before they are looked up (a cmap read
        from the font itself needs none: `_CheckedCmap`)."""

    def gids(self, cps: list[int]) -> list[int]:
        """The glyph id of each code point as this table says (-1: not mapped)."""
        if cps and max(cps) < 0x10000:
            return list(map(sub, map(self._bmp.__getitem__, cps), repeat(1)))
        get = _Cmap.get
        return [get(self, cp, -1) for cp in cps]


class _CheckedCmap(_Cmap):
    """The cmap of a face record read from the face cache: each code point is checked against
    the font file (its glyph id, and that glyph's advance: `FontFace._verify`) the first time
    the face is asked about it, so no answer the face gives comes unchecked from the cache.
    A text's characters are checked together (`check`, from `FontChain.missing`); iterating
    or counting checks the whole table. After a disagreement the face holds the font's own
    record and `_ok` is None (nothing left to check)."""

    __slots__ = ("_face", "_ok")

    def __init__(self, bmp: array, high: dict[int, int], face: "FontFace"):
        super().__init__(bmp, high)
        self._face = face
        self._ok: set[int] | None = set()

    def check(self, cps: Iterable[int]) -> None:
        ok = self._ok
        if ok is not None:
            todo = [cp for cp in set(cps).difference(ok) if type(cp) is int and 0 <= cp]
            if todo:
                self._face._verify(todo)

    def __getitem__(self, cp: int) -> int:
        ok = self._ok
        if ok is not None and cp not in ok:
            self.check((cp,))
        return _Cmap.__getitem__(self, cp)

    def __contains__(self, cp) -> bool:
        ok = self._ok
        if ok is not None and cp not in ok:
            self.check((cp,))
        return _Cmap.__contains__(self, cp)

    def get(self, cp, default=None):
        ok = self._ok
        if ok is not None and cp not in ok:
            self.check((cp,))
        return _Cmap.get(self, cp, default)

    def __iter__(self) -> Iterator[int]:
        self._face._verify_all()
        return _Cmap.__iter__(self)

    def __len__(self) -> int:
        self._face._verify_all()
        return _Cmap.__len__(self)


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


class FontFace:
    """One font file, measured.

    A face of a font collection (.ttc/.otc) is named `FILE#INDEX` (the index of the face in
    the collection, from 0): `path` is that name, `file` the collection file, `index` the
    face's index (None for a single font file); `identity` holds the index too.

    Attributes: `path` (str, absolute), `family`, `style`, `postscript_name`, `units_per_em`,
    `ascent` and `descent` (hhea ascender/descender in em; descent is negative), `cap_height`
    (em), `bbox` (font units), `italic_angle`, `weight` (OS/2 usWeightClass), `is_cff` (CFF
    outlines rather than TrueType `glyf`), `num_glyphs`.
    """

    __slots__ = ("path", "family", "style", "postscript_name", "units_per_em", "ascent",
                 "descent", "cap_height", "bbox", "italic_angle", "weight", "is_cff",
                 "is_fixed_pitch", "num_glyphs", "identity", "_cmap", "_adv_units", "_adv_memo",
                 "_upem", "_ink", "file", "index", "_fontcheck", "_use_cache")

    def __init__(self, path: str | Path, *, use_cache: bool = True):
        m = _FACE_INDEX.match(str(path))
        self.file = os.path.abspath(m.group(1) if m else str(path))
        self.index = int(m.group(2)) if m else None
        self.path = self.file if m is None else f"{self.file}#{self.index}"
        try:
            self.identity = file_identity(self.file)
        except OSError as err:
            raise TypesetError(f"cannot read font file: {err.strerror}", file=self.path,
                               hint=_HINT) from None
        if self.index is not None:      # a face of a collection: the cache keys say which
            self.identity += f"#{self.index}"
        self._use_cache = use_cache
        rec = _load_cached(self.identity) if use_cache else None
        check = None
        if rec is not None:
            # a record from the cache is checked against the font before it is used: names,
            # metrics and glyph count now, each character's glyph and advance when the face
            # is first asked about it (`_CheckedCmap`); one that disagrees is read afresh
            check = _font_check(self.file, self.index, rec)
            if check is None:
                rec = None
        if rec is None:
            rec = _with_table(_read_font(self.file, self.index))
            if use_cache:
                _store_cached(self.identity, rec)
        self._apply(rec)
        self._fontcheck = check
        if check is not None:
            self._cmap = _CheckedCmap(self._cmap._bmp, self._cmap._high, self)
        if not self._adv_units.tobytes().strip(b"\0"):
            # every advance zero: text set in it would stand on one spot (a damaged hmtx)
            raise TypesetError("the font gives every glyph an advance width of zero (its "
                               "hmtx table is damaged)", file=self.path,
                               hint="replace the file with a good copy of the font")
        self._adv_memo: dict[str, float] = {}
        self._ink = {ch: (a / self._upem, b / self._upem) for ch, (a, b) in rec["ink"].items()}

    def _apply(self, rec: dict) -> None:
        self.family = rec["family"]
        self.style = rec["style"]
        self.postscript_name = rec["postscript_name"]
        self.units_per_em = rec["units_per_em"]
        upem = float(self.units_per_em)
        self._upem = upem
        self.ascent = rec["ascent"] / upem
        self.descent = rec["descent"] / upem
        self.cap_height = rec["cap_height"] / upem
        self.bbox = tuple(rec["bbox"])
        self.italic_angle = rec["italic_angle"]
        self.weight = rec["weight"]
        self.is_cff = rec["is_cff"]
        self.is_fixed_pitch = rec["is_fixed_pitch"]
        self._cmap = _Cmap.of(rec)
        adv = array("H")
        adv.frombytes(rec["advances"])
        self._adv_units = adv
        self.num_glyphs = len(adv)

    def _verify(self, cps: list[int]) -> None:
        """Check code points of a record read from the face cache against the font: the glyph
        id the face's table gives each (or none), and that glyph's advance. If all agree
        they are marked checked; if any does not, the record is thrown away and the font
        read afresh (`_reread`), as a cold build reads it."""
        check, cmap = self._fontcheck, self._cmap
        want = check.glyphs(cps)
        if cmap.gids(cps) == want:
            gids = [g for g in want if g >= 0]
            if not gids:
                cmap._ok.update(cps)
                return
            at = list(map(mul, map(min, gids, repeat(check._nhm - 1)), repeat(2)))
            if list(map(self._adv_units.__getitem__, gids)) == \
                    list(map(check._pairs.__getitem__, at)):
                cmap._ok.update(cps)
                return
        self._reread()

    def _verify_all(self) -> None:
        """Check every code point the record or the font maps (iterating the cmap)."""
        cmap = self._cmap
        if cmap._ok is None:
            return
        mine = list(_Cmap.__iter__(cmap))
        self._verify(mine)
        if cmap._ok is not None:
            with sfnt.FontFile(self.file, self.index) as ff:
                cps, _ = sfnt.best_cmap(ff, self.num_glyphs, self._fontcheck.forms)
            if list(cps) != mine:
                self._reread()
        cmap._ok = None

    def _reread(self) -> None:
        """The face's record read from the font itself (the cached one disagreed with it),
        put in place of the cached one and written to the cache. Everything the face has
        answered so far was checked, so it is what the font says too."""
        rec = _with_table(_read_font(self.file, self.index))
        if self._use_cache:
            _store_cached(self.identity, rec)
        cmap = self._cmap
        self._apply(rec)
        fresh, self._cmap = self._cmap, cmap
        cmap._bmp, cmap._high, cmap._ok = fresh._bmp, fresh._high, None
        self._adv_memo.clear()
        self._ink = {ch: (a / self._upem, b / self._upem) for ch, (a, b) in rec["ink"].items()}
        self._fontcheck = None

    # -- per character -------------------------------------------------------------------
    def has(self, ch: str) -> bool:
        """True if the face maps the character to a glyph."""
        return ord(ch) in self._cmap

    def glyph_id(self, ch: str) -> int:
        """The glyph id of `ch`; a TypesetError if the face does not map it."""
        try:
            return self._cmap[ord(ch)]
        except KeyError:
            raise self._missing(ch) from None

    def advance(self, ch: str) -> float:
        """Advance width of `ch` in em (advance / unitsPerEm)."""
        try:
            return self._adv_memo[ch]
        except KeyError:
            pass
        try:
            gid = self._cmap[ord(ch)]
        except KeyError:
            raise self._missing(ch) from None
        a = self._adv_memo[ch] = self._adv_units[gid] / self._upem
        return a

    def advances(self, text: str) -> list[float]:
        """Advance of each character of `text`, in em."""
        adv = self.advance
        return [adv(c) for c in text]

    def ink(self, ch: str) -> tuple[float, float]:
        """Left and right edge of the glyph's ink, in em from its origin, for the characters
        in INK_CHARS (read with the font and cached with it)."""
        try:
            return self._ink[ch]
        except KeyError:
            raise TypesetError(f"ink extent of {ch!r} not recorded", file=self.path,
                               hint="add the character to typeset.text.fonts.INK_CHARS") from None

    # -- per glyph (for the PDF backend) -------------------------------------------------
    def glyph_advance_units(self, gid: int) -> int:
        """Advance width of glyph `gid` in font units."""
        return self._adv_units[gid]

    @property
    def cmap(self) -> Mapping[int, int]:
        """The Unicode cmap: code point -> glyph id (do not modify)."""
        return self._cmap

    def code_points(self) -> Iterator[int]:
        return iter(self._cmap)

    def _missing(self, ch: str) -> TypesetError:
        return TypesetError(f"font {self.family} {self.style} has no glyph for {ch!r} "
                            f"(U+{ord(ch):04X})", file=self.path,
                            hint="use a face that covers it (a fallback in the layout's font list)")

    def __repr__(self) -> str:
        return f"FontFace({self.family!r} {self.style!r}, {os.path.basename(self.path)!r})"


_HINT = ("give a font file name from fonts/ (see fonts/manifest.yaml) or a path to an "
         "OpenType (.otf) or TrueType (.ttf) font, or a face of a collection as FILE.ttc#INDEX")


INK_CHARS = "\u2014"     # glyphs whose ink edges the layout needs (the 破折号's dash)


def _ink_extents(font, names: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Left and right ink edge (font units) of the named glyphs."""
    from fontTools.pens.boundsPen import BoundsPen
    glyphs = font.getGlyphSet()
    out = {}
    for ch, name in names.items():
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
        x0, _, x1, _ = pen.bounds or (0, 0, 0, 0)
        out[ch] = (x0, x1)
    return out


def _chinese_forms(font) -> dict[str, str]:
    """The glyphs Simplified Chinese text uses: the single substitutions of the font's `locl`
    feature for the Han script, Chinese (Simplified) language system. Pan-CJK fonts map
    U+2014 EM DASH to a proportional glyph and give Chinese its full-width form only there
    (two of them make the 2 em 破折号 of clreq §3.1.4 / GB/T 15834 §4.9, unbroken)."""
    if "GSUB" not in font:
        return {}
    gsub = font["GSUB"].table
    if gsub.ScriptList is None or gsub.FeatureList is None:
        return {}
    features: list[int] = []
    for rec in gsub.ScriptList.ScriptRecord:
        if rec.ScriptTag != "hani":
            continue
        for lang in rec.Script.LangSysRecord:
            if lang.LangSysTag == "ZHS ":
                features = list(lang.LangSys.FeatureIndex)
    out: dict[str, str] = {}
    for i in features:
        fr = gsub.FeatureList.FeatureRecord[i]
        if fr.FeatureTag != "locl":
            continue
        for li in fr.Feature.LookupListIndex:
            lookup = gsub.LookupList.Lookup[li]
            for table in lookup.SubTable:
                table = getattr(table, "ExtSubTable", table)
                mapping = getattr(table, "mapping", None)   # single substitution (type 1)
                if mapping:
                    out.update(mapping)
    return out


def collection_faces(path: str) -> list[str]:
    """The faces of a font collection, in order ("family style" each); TypesetError if the
    file is not a readable collection."""
    from fontTools.ttLib import TTCollection
    try:
        coll = TTCollection(path, lazy=True)
        out = []
        for font in coll.fonts:
            name = font["name"]
            out.append(f"{name.getDebugName(16) or name.getDebugName(1) or '?'} "
                       f"{name.getDebugName(17) or name.getDebugName(2) or ''}".strip())
        return out
    except Exception as err:     # fontTools raises assorted errors on junk
        raise TypesetError(f"not a usable font collection ({type(err).__name__}: {err})",
                           file=path, hint=_HINT) from None


def _read_font(path: str, index: int | None = None) -> dict:
    """Parse the tables the layout needs (name, head, hhea, OS/2, post, maxp, cmap, hmtx,
    GSUB's Chinese forms, the ink of INK_CHARS); `index`: the face of a collection.

    Read directly (`_read_font_direct`, typeset.text.sfnt) when the font is one that module
    reads; anything else through fontTools (`_read_font_fonttools`). Both give the same
    record for the same font (tests/test_sfnt.py)."""
    try:
        return _read_font_direct(path, index)
    except Exception:        # noqa: BLE001 (Unsupported, or anything odd: fontTools decides)
        return _read_font_fonttools(path, index)


def _read_font_direct(path: str, index: int | None = None) -> dict:
    """`_read_font` from the tables themselves (typeset.text.sfnt, text.cff): no glyph names,
    no fontTools objects but the name table's and, for the dash's ink, its outline pen.
    Raises sfnt.Unsupported for any font it does not read exactly as fontTools would."""
    with sfnt.FontFile(path, index) as ff:
        if "CFF2" in ff or "fvar" in ff or ("CFF " not in ff and "glyf" not in ff):
            raise sfnt.Unsupported("variable font or no outlines: fontTools says why")
        m = sfnt.metrics(ff)
        n = m["num_glyphs"]
        cff = None
        if "CFF " in ff:
            offset, length = ff.tables["CFF "]
            cff = CFF(lambda at, size: ff.read(offset + at, size) if 0 <= at and
                      at + size <= length else _past_the_table())
            if cff.num_glyphs != n:
                raise sfnt.Unsupported("CFF and maxp disagree on the glyph count")
        cps, gids = sfnt.best_cmap(ff, n, sfnt.chinese_forms(ff, n))
        if not cps:
            raise sfnt.Unsupported("an empty cmap: fontTools says why")
        advances, lsbs = sfnt.advances(ff, n, m["num_h_metrics"])
        from fontTools.ttLib.tables._n_a_m_e import table__n_a_m_e
        name = table__n_a_m_e()
        name.decompile(ff.table("name"), None)
        ink = {}
        for ch in INK_CHARS:
            at = _find(cps, ord(ch))
            if at is not None:
                gid = gids[at]
                ink[ch] = (_cff_ink(cff, gid) if cff is not None else
                           _glyf_ink(ff, gid, n, m["index_to_loc_format"], lsbs[gid]))
    unnamed = f"Font-{file_identity(path)[:8]}"
    return dict(
        family=name.getDebugName(16) or name.getDebugName(1) or unnamed,
        style=name.getDebugName(17) or name.getDebugName(2) or "Regular",
        postscript_name=name.getDebugName(6) or unnamed,
        units_per_em=m["units_per_em"], ascent=m["ascent"], descent=m["descent"],
        cap_height=m["cap_height"] or m["ascent"], bbox=m["bbox"],
        italic_angle=float(m["italic_angle"] or 0.0),
        weight=m["weight"] if m["weight"] is not None else 400,
        is_fixed_pitch=bool(m["is_fixed_pitch"]), is_cff=cff is not None, num_glyphs=n,
        cmap_cps=cps.tobytes(), cmap_gids=gids.tobytes(), advances=advances.tobytes(),
        ink=ink)


def _past_the_table() -> bytes:
    raise sfnt.Unsupported("read past the end of the CFF table")


def _find(cps: array, cp: int) -> int | None:
    """Position of code point `cp` in the sorted array `cps`, or None."""
    i = bisect_left(cps, cp)
    return i if i < len(cps) and cps[i] == cp else None


class _Subrs:
    """A CFF subroutine INDEX as fontTools' charstring interpreter wants it (a sequence of
    T2CharString), each made when first called."""

    def __init__(self, index):
        self.index = index
        self.made: dict[int, object] = {}

    def __len__(self) -> int:
        return len(self.index) if self.index is not None else 0

    def __getitem__(self, i: int):
        from fontTools.misc.psCharStrings import T2CharString
        if not 0 <= i < len(self):
            raise sfnt.Unsupported("subroutine out of range")
        cs = self.made.get(i)
        if cs is None:
            cs = self.made[i] = T2CharString(bytecode=self.index[i])
        return cs


def _cff_ink(cff: CFF, gid: int) -> tuple:
    """Left and right ink edge of CFF glyph `gid`: its charstring run through fontTools'
    Type 2 interpreter into a BoundsPen, as fontTools' glyph set draws it."""
    from fontTools.misc.psCharStrings import T2CharString, T2OutlineExtractor
    from fontTools.pens.boundsPen import BoundsPen
    fd = cff.fd_of(gid)
    default, nominal = cff.widths(fd)
    pen = BoundsPen(None)
    T2OutlineExtractor(pen, _Subrs(cff.local_subrs(fd)), _Subrs(cff.global_subrs), nominal,
                       default).execute(T2CharString(bytecode=cff.charstring(gid)))
    x0, _, x1, _ = pen.bounds or (0, 0, 0, 0)
    return (x0, x1)


def _glyf_ink(ff: "sfnt.FontFile", gid: int, num_glyphs: int, loc_format: int,
              lsb: int) -> tuple:
    """Left and right ink edge of TrueType glyph `gid` (a simple glyph; a composite one is
    Unsupported), drawn by fontTools' Glyph as its glyph set draws it: shifted by the hmtx
    left side bearing less the glyph's xMin."""
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib.tables._g_l_y_f import Glyph
    data = sfnt.glyf_data(ff, gid, num_glyphs, loc_format)
    if len(data) >= 2 and int.from_bytes(data[:2], "big", signed=True) < 0:
        raise sfnt.Unsupported("a composite glyph")
    glyph = Glyph(data)
    glyph.expand(None)
    pen = BoundsPen(None)
    glyph.draw(pen, None, lsb - glyph.xMin if hasattr(glyph, "xMin") else 0)
    x0, _, x1, _ = pen.bounds or (0, 0, 0, 0)
    return (x0, x1)


def _read_font_fonttools(path: str, index: int | None = None) -> dict:
    """`_read_font` through fontTools' objects (any font fontTools reads)."""
    from fontTools.ttLib import TTFont, TTLibError
    shown = path if index is None else f"{path}#{index}"
    if index is not None:
        faces = collection_faces(path)
        if index >= len(faces):
            raise TypesetError(f"the collection has {len(faces)} face(s), numbered from 0; "
                               f"there is no face {index}", file=shown,
                               hint="faces: " + "; ".join(f"#{i} {n}"
                                                         for i, n in enumerate(faces)))
    try:
        f = (TTFont(path, lazy=True) if index is None else
             TTFont(path, lazy=True, fontNumber=index))
        if "CFF2" in f or "fvar" in f:
            raise TypesetError("variable fonts are not supported", file=shown,
                               hint="use a static instance of the font")
        if "CFF " not in f and "glyf" not in f:
            raise TypesetError("font has neither CFF nor TrueType outlines", file=shown, hint=_HINT)
        cmap = f.getBestCmap()
        if not cmap:
            raise TypesetError("font has no Unicode cmap", file=shown, hint=_HINT)
        name = f["name"]
        head, hhea, maxp = f["head"], f["hhea"], f["maxp"]
        os2 = f["OS/2"] if "OS/2" in f else None
        post = f["post"] if "post" in f else None
        order = f.getGlyphOrder()
        metrics = f["hmtx"].metrics
        advances = array("H", (metrics[g][0] for g in order))
        rev = {g: i for i, g in enumerate(order)}
        local = _chinese_forms(f)
        cps = array("I", sorted(cmap))
        gids = array("I", (rev[local.get(cmap[c], cmap[c])] for c in cps))
        # (fallbacks from the content, never the path: the record is cached by content)
        unnamed = f"Font-{file_identity(path)[:8]}"
        family = name.getDebugName(16) or name.getDebugName(1) or unnamed
        style = name.getDebugName(17) or name.getDebugName(2) or "Regular"
        cap = getattr(os2, "sCapHeight", 0) if os2 is not None and os2.version >= 2 else 0
        return dict(
            family=family, style=style,
            postscript_name=name.getDebugName(6) or unnamed,
            units_per_em=head.unitsPerEm,
            ascent=hhea.ascent, descent=hhea.descent,
            cap_height=cap or hhea.ascent,
            bbox=[head.xMin, head.yMin, head.xMax, head.yMax],
            italic_angle=float(post.italicAngle) if post is not None else 0.0,
            weight=os2.usWeightClass if os2 is not None else 400,
            is_fixed_pitch=bool(post.isFixedPitch) if post is not None else False,
            is_cff="CFF " in f,
            num_glyphs=maxp.numGlyphs,
            cmap_cps=cps.tobytes(), cmap_gids=gids.tobytes(), advances=advances.tobytes(),
            ink=_ink_extents(f, {ch: order[rev[local.get(cmap[ord(ch)], cmap[ord(ch)])]]
                                 for ch in INK_CHARS if ord(ch) in cmap}),
        )
    except TypesetError:
        raise
    except (TTLibError, KeyError, ValueError, OSError, AssertionError, IndexError) as err:
        raise TypesetError(f"not a usable font file ({type(err).__name__}: {err})",
                           file=shown, hint=_HINT) from None
    except Exception as err:   # fontTools raises assorted errors (struct.error, ...) on junk
        raise TypesetError(f"not a usable font file ({type(err).__name__}: {err})",
                           file=shown, hint=_HINT) from None


def _font_check(path: str, index: int | None, rec: dict):
    """A `facecheck.FontCheck` of the font if a record read from the face cache says what the
    font says of its names, metrics, glyph count and ink records (its characters are checked
    as they are asked for), else None (the record is not used)."""
    from typeset.text.facecheck import FontCheck
    try:
        check = FontCheck(path, index)
        if not check.header_matches(rec, f"Font-{file_identity(path)[:8]}"):
            return None
        if not rec["advances"].strip(b"\0"):
            return None            # every advance zero: the font itself says whether it is
        inked = {ch for ch, g in zip(INK_CHARS, check.glyphs([ord(c) for c in INK_CHARS]))
                 if g >= 0}
        if set(rec["ink"]) != inked:
            return None
    except Exception:      # noqa: BLE001 (Unsupported, or anything odd: the font decides)
        return None
    return check


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
        bmp = _le(body[:_BMP_BYTES], "H")
        at = _BMP_BYTES
        cps, gids = _le(body[at:at + 4 * n], "I"), _le(body[at + 4 * n:at + 8 * n], "I")
        check = array("H")
        check.frombytes(bmp)
        if max(check) > g:                     # (glyph id + 1, 0 for none)
            return None
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


class FontLibrary:
    """Finds and caches faces by file name (in the search directories) or by path."""

    def __init__(self, search_dirs: Iterable[str | Path] = (FONTS_DIR,), *, use_cache: bool = True):
        self.search_dirs = tuple(Path(d) for d in search_dirs)
        self.use_cache = use_cache
        self._faces: dict[str, FontFace] = {}      # resolved absolute path -> face
        self._names: dict[str, str] = {}           # name as asked -> resolved path

    def resolve(self, name_or_path: str | Path) -> str:
        """The absolute path a font name or path stands for; TypesetError if none. A face of
        a collection is `FILE.ttc#INDEX` (also `.otc`), resolved to `/abs/FILE.ttc#INDEX`; a
        collection named without an index is accepted only if it holds one face."""
        key = str(name_or_path)
        try:
            return self._names[key]
        except KeyError:
            pass
        m = _FACE_INDEX.match(key)
        index = int(m.group(2)) if m else None
        p = Path(m.group(1) if m else key).expanduser()
        found: Path | None = None
        if p.is_absolute() or len(p.parts) > 1:
            if p.is_file():
                found = p
        else:
            for d in self.search_dirs:
                if (d / p).is_file():
                    found = d / p
                    break
            if found is None and p.is_file():
                found = p
        if found is None:
            for there in ([p] if p.is_absolute() or len(p.parts) > 1
                          else [d / p for d in self.search_dirs] + [p]):
                kind = what_is(there)
                if kind is not None:            # a folder, a pipe, a device: not "missing"
                    raise TypesetError(f"font file is {kind}, not a regular file: {key}",
                                       file=str(there), hint=_HINT)
            where = ", ".join(str(d) for d in self.search_dirs) or "(no search directories)"
            raise TypesetError(f"font not found: {key}", file=key,
                               hint=f"looked in {where}; " + _HINT)
        suffix = found.suffix.lower()
        if suffix not in _FONT_SUFFIXES + _COLLECTION_SUFFIXES:
            raise TypesetError(f"not a font file name (expected .otf or .ttf): {key}",
                               file=str(found), hint=_HINT)
        resolved = os.path.abspath(str(found))
        if suffix in _COLLECTION_SUFFIXES:
            if index is None:
                faces = collection_faces(resolved)
                if len(faces) != 1:
                    raise TypesetError(
                        f"{found.name} is a font collection of {len(faces)} faces; say which "
                        f"one with #INDEX, e.g. {found.name}#0", file=resolved,
                        hint="faces: " + "; ".join(f"#{i} {n}" for i, n in enumerate(faces)))
                index = 0
            resolved = f"{resolved}#{index}"
        self._names[key] = resolved
        return resolved

    def face(self, name_or_path: str | Path) -> FontFace:
        """The face for a font file name or path (cached)."""
        path = self.resolve(name_or_path)
        face = self._faces.get(path)
        if face is None:
            face = self._faces[path] = FontFace(path, use_cache=self.use_cache)
        return face

    def chain(self, names: Iterable[str | Path]) -> "FontChain":
        return FontChain([self.face(n) for n in names])


class FontChain:
    """An ordered list of faces; each character is set in the first face that has it."""

    __slots__ = ("faces", "_memo", "_covered")

    def __init__(self, faces: Iterable[FontFace]):
        self.faces = tuple(faces)
        if not self.faces:
            raise ValueError("FontChain needs at least one face")
        self._memo: dict[str, FontFace | None] = {}
        self._covered: set[str] = set()      # characters found not missing

    def face_for(self, ch: str) -> FontFace | None:
        try:
            return self._memo[ch]
        except KeyError:
            pass
        cp = ord(ch)
        found = next((f for f in self.faces if cp in f._cmap), None)
        self._memo[ch] = found
        return found

    def missing(self, text: str) -> list[str]:
        """Distinct characters of `text` no face covers, in order of first occurrence
        (the invisible characters of typeset.model.chars are never missing)."""
        covered = self._covered
        if covered.issuperset(text):
            return []
        # only the distinct characters not yet found are looked up (set operations, not a
        # step per character of the text: the glyph check asks about every printed text)
        new = set(text).difference(covered)
        # a face read from the cache checks these characters against its font together, in
        # the order the chain asks its faces (`_CheckedCmap`)
        cps = [ord(ch) for ch in new]
        for face in self.faces:
            if not cps:
                break
            cmap = face._cmap
            cmap.check(cps)
            cps = [cp for cp in cps if cp not in cmap]
        gaps = {ch for ch in new if self.face_for(ch) is None and not is_ignorable(ch)}
        covered.update(new.difference(gaps))
        return sorted(gaps, key=text.index)

    def __repr__(self) -> str:
        return f"FontChain({list(self.faces)!r})"
