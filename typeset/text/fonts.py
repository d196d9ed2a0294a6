"""Fonts as the layout sees them: which characters a face maps, and how wide they are.

Everything here is measurement:

* `FontFace`  one font file: family, style, units per em, vertical metrics, and per character
  `has`, `glyph_id`, `advance` (in em, i.e. advance width / unitsPerEm).
* `FontLibrary`  resolves a font name ("NotoSerifCJKsc-Regular.otf", looked up in the search
  directories) or a path to a cached `FontFace`; an unusable file is a `TypesetError`.
* `FontChain`  an ordered fallback list of faces: the first face that has a character sets it.

Speed. A 60-page issue asks for ~100k advances, so a face keeps two plain dicts: code point ->
glyph id (the Unicode cmap) and glyph id -> advance, plus a per-character memo. The parsed
tables are also cached on disk under $TYPESET_CACHE (default ~/.cache/typeset). The cache only
ever holds what parsing the font gives, so it cannot change any output; a missing or
unwritable cache directory just means no cache.

Reading a font file into a face record is text/fontread.py; the record's file in the cache,
text/facecache.py; a font file's identity (its SHA-256, the key of every cache that depends
on a font), text/fontid.py. A record read from the cache is checked against the font file
itself (`_font_check` and `_CheckedCmap` here, with text/facecheck.py) before it is used.
"""
from __future__ import annotations

import os
import re
from array import array
from pathlib import Path
from itertools import compress, repeat
from operator import mul, sub
from typing import Iterable, Iterator, Mapping

from typeset.errors import TypesetError
from typeset.fileread import what_is
from typeset.model.chars import is_invisible
from typeset.text import sfnt
from typeset.text.facecache import _load_cached, _store_cached, _with_table
from typeset.text.fontid import file_identity, identity_and_stamp
from typeset.text.fontread import _HINT, INK_CHARS, _read_font, collection_faces
from typeset.resources import FONTS_DIR  # noqa: E402  (re-exported: the shipped fonts)
from typeset.text.fontid import prefetch_identities  # (build.py's name for it: see __all__)

# what other modules import from here; prefetch_identities only for build.py, which is not
# changed in the wave that moved it to text/fontid.py
__all__ = ["FONTS_DIR", "FontChain", "FontFace", "FontLibrary", "is_ignorable",
           "prefetch_identities"]

_FONT_SUFFIXES = (".otf", ".ttf")
_COLLECTION_SUFFIXES = (".ttc", ".otc")
_FACE_INDEX = re.compile(r"^(.*\.(?:ttc|otc))#(\d+)$", re.I)   # NotoSerifCJK.ttc#2


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


class FontFace:
    """One font file, measured.

    A face of a font collection (.ttc/.otc) is named `FILE#INDEX` (the index of the face in
    the collection, from 0): `path` is that name, `file` the collection file, `index` the
    face's index (None for a single font file); `identity` holds the index too.

    Attributes: `path` (str, absolute), `family`, `style`, `postscript_name`, `units_per_em`,
    `ascent` and `descent` (hhea ascender/descender in em; descent is negative), `cap_height`
    (em), `bbox` (font units), `italic_angle`, `weight` (OS/2 usWeightClass), `is_cff` (CFF
    outlines rather than TrueType `glyf`), `num_glyphs`, `stamp` (text.fontid.stamp of the
    file, taken before it was read: a warm process compares it with the file's stamp now).
    """

    __slots__ = ("path", "family", "style", "postscript_name", "units_per_em", "ascent",
                 "descent", "cap_height", "bbox", "italic_angle", "weight", "is_cff",
                 "is_fixed_pitch", "num_glyphs", "identity", "_cmap", "_adv_units", "_adv_memo",
                 "_upem", "_ink", "file", "index", "_fontcheck", "_use_cache", "stamp")

    def __init__(self, path: str | Path, *, use_cache: bool = True):
        m = _FACE_INDEX.match(str(path))
        self.file = os.path.abspath(m.group(1) if m else str(path))
        self.index = int(m.group(2)) if m else None
        self.path = self.file if m is None else f"{self.file}#{self.index}"
        try:
            self.identity, self.stamp = identity_and_stamp(self.file, remembered=use_cache)
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
        from typeset.text.fontid import still_the_same
        still_the_same(self.file, self.stamp, self.path)   # (another font in its place)
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
                               hint="add the character to "
                                    "typeset.text.fontread.INK_CHARS") from None

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
