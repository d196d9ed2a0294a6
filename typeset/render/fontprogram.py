"""Font programs: the subset of a face that a PDF embeds, made once and cached.

`subset_for(face, gids, cache, codes)` returns the font program holding exactly the glyphs
`gids` (code codes[i] draws gids[i], codes ascending; 1, 2, 3 … when not given; GID 0 is
.notdef): for CFF faces a bare CID-keyed CFF table (FontFile3 /CIDFontType0C) whose GID i+1
draws gids[i] and has CID codes[i] in its charset, for TrueType faces a TrueType font plus
the subset glyph id of each code (FontFile2 with a CIDToGIDMap). `cidfont.py` says why codes
are numbered so.

CFF fonts are subset directly from the raw charstrings (`cffsubset.py`, which takes them from
the CFF table's bytes as the file holds them, read by `typeset.text.sfnt`; fontTools' cffLib
only compiles the result; ~0.1 s for 1,350 glyphs of Noto Serif CJK, ~5 s through fontTools'
subsetter). TrueType fonts are subset directly too (`_subset_truetype`: glyf, loca, hmtx and
post made by `ttfsubset.py`, the other tables kept and the file written by fontTools' objects,
~10 ms for the sample's 300 glyphs of LXGW WenKai; fontTools' subsetter took ~0.1 s and its
import another ~0.1 s), making the very bytes fontTools' subsetter makes with
`_subset_options` (tests/test_ttfsubset.py). fontTools' subsetter stays the fallback for any
font a direct path does not take. A face of a collection (.ttc/.otc) is opened by its index
and subset like a single font. Subset programs are cached on disk ($TYPESET_CACHE, default
~/.cache/typeset, `subsets/`), keyed by the face's identity (the file's SHA-256, and the
index for a face of a collection), the codes and glyphs and the fontTools version; the cache stores exactly what the subsetter returns, so a warm build
writes the same bytes as a cold one. fontTools is imported only when a subset is made. What
scanning a CFF face's glyphs found is kept in a warm process (`scans`, `keep_scans`), so
making a face's subset again scans only the glyphs new to it (cffsubset.subset_cff).
"""
from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import re
import sys
from typeset.records import dataclass
from pathlib import Path

from typeset.errors import TypesetError
from typeset.cachefiles import cache_dir, read_cache, write_cache
from typeset.cacheseal import SEAL_SIZE, sealed, unseal
from typeset.text import sfnt
from typeset.text.fonts import FontFace

_SUBSET_FORMAT = 6      # bump when subset programs change, to invalidate the disk cache


@dataclass(frozen=True)
class Subset:
    """An embeddable font program for a glyph sequence.

    `program`: bare CFF table (FontFile3/CIDFontType0C) or a TrueType font (FontFile2).
    `cid_to_gid`: for TrueType, the subset glyph id of .notdef and of each code in code
    order (None for CFF, whose charset gives each glyph its CID). `num_glyphs`: glyphs in
    the program.
    """
    program: bytes
    num_glyphs: int
    cid_to_gid: tuple[int, ...] | None


def _fonttools_version() -> str:
    """fontTools' version, for cache keys. Read from the package's source when fontTools is
    not loaded yet, so a build whose subsets are all cached never imports it (~6 ms)."""
    mod = sys.modules.get("fontTools")
    if mod is None:
        spec = importlib.util.find_spec("fontTools")
        try:
            text = Path(spec.origin).read_text(encoding="utf-8")
        except (OSError, AttributeError, TypeError, ValueError):
            text = ""
        m = re.search(r'^version = __version__ = "([^"]+)"$', text, re.M)
        if m:
            return m.group(1)
        import fontTools as mod
    return mod.version


def subset_key(face: FontFace, gids: list[int], codes: list[int] | None = None) -> str:
    h = hashlib.sha256()
    h.update(f"{_SUBSET_FORMAT}\0{_fonttools_version()}\0{face.identity}\0".encode())
    h.update(",".join(f"{c}:{g}" for c, g in zip(_codes(gids, codes), gids)).encode())
    return h.hexdigest()


def _codes(gids: list[int], codes: list[int] | None) -> list[int]:
    """The codes of `gids`: `codes` (checked: ascending, one per glyph, 1..FFFF), or 1..n."""
    if codes is None:
        return list(range(1, len(gids) + 1))
    codes = list(codes)
    if len(codes) != len(gids) or any(not 0 < c <= 0xFFFF for c in codes) or any(
            a >= b for a, b in zip(codes, codes[1:])):
        raise ValueError("codes must be ascending, one per glyph, in 1..FFFF")
    return codes


class SubsetCache:
    """Subset programs on disk, one file per key. Failures to read or write are ignored.

    File `subsets/<xx>/<key>.bin`, binary, read as data (never executed):

        b"typeset-subset/2\\n"   magic
        u32 LE                   length of the header
        header                   ASCII JSON: glyph count, the CID->GID map (null for CFF)
                                 and the program's length
        program                  the font program as embedded
        seal                     HMAC-SHA256 of everything above and the key, with the
                                 user's cache key (cacheseal.sealed; 32 bytes)

    Read through cachefiles.read_cache (a regular file, never through a link, at most `LIMIT`
    bytes). A program cannot be checked against the face without subsetting it again (the
    work the cache saves), so the file is sealed with the user's cache key, bound to its key:
    only a subset this user's own build made for this very key is used; a planted, damaged
    or moved file is ignored and rebuilt, and nothing is read or written without a key of
    ours. It is also checked against what it stands for (`get(key, gids)`): the glyph count
    and map a subset of exactly `gids` has (CFF: one glyph per code plus .notdef; TrueType:
    a GID for every code, inside the program)."""

    MAGIC = b"typeset-subset/2\n"
    LIMIT = 256 << 20         # a subset of a whole CJK face is ~20 MB; a larger file is unread

    def __init__(self, directory: str | os.PathLike | None = None):
        self.dir = (cache_dir() if directory is None else os.fspath(directory))
        self.dir = os.path.join(os.fspath(self.dir), "subsets")

    def _path(self, key: str) -> str:
        return os.path.join(self.dir, key[:2], key + ".bin")

    def get(self, key: str, gids: list[int] | None = None) -> Subset | None:
        data = read_cache(self._path(key), self.LIMIT)
        if data is None:
            return None
        sub = self.decode(data, key)
        if sub is None or (gids is not None and not subset_matches(sub, gids)):
            return None
        return sub

    @classmethod
    def decode(cls, data: bytes, key: str) -> Subset | None:
        """The subset in a cache file's bytes, or None if anything is not as written (its
        seal under `key` first)."""
        n = len(cls.MAGIC)
        if (len(data) < n + 4 + SEAL_SIZE or not data.startswith(cls.MAGIC)
                or not unseal("subsets", key, data)):
            return None
        body = data[:-SEAL_SIZE]
        hlen = int.from_bytes(body[n:n + 4], "little")
        if hlen > 1 << 24 or n + 4 + hlen > len(body):
            return None
        try:
            header = json.loads(body[n + 4:n + 4 + hlen].decode("ascii"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
        program = body[n + 4 + hlen:]
        if not isinstance(header, dict) or set(header) != {"glyphs", "cid_to_gid", "program"}:
            return None
        count, c2g, size = header["glyphs"], header["cid_to_gid"], header["program"]
        ints = (isinstance(count, int) and not isinstance(count, bool)
                and isinstance(size, int) and not isinstance(size, bool))
        if not ints or size != len(program) or count < 1 or not (
                c2g is None or (isinstance(c2g, list) and all(
                    isinstance(g, int) and not isinstance(g, bool) for g in c2g))):
            return None
        return Subset(program, count, tuple(c2g) if c2g is not None else None)

    @classmethod
    def encode(cls, sub: Subset, key: str) -> bytes | None:
        """A cache file's bytes for `sub` under `key`, sealed; None without a key of ours."""
        header = json.dumps({"glyphs": sub.num_glyphs, "program": len(sub.program),
                             "cid_to_gid": list(sub.cid_to_gid) if sub.cid_to_gid else None},
                            sort_keys=True, separators=(",", ":")).encode("ascii")
        return sealed("subsets", key,
                      cls.MAGIC + len(header).to_bytes(4, "little") + header + sub.program)

    def put(self, key: str, sub: Subset) -> None:
        data = self.encode(sub, key)
        if data is not None:
            write_cache(self._path(key), data)


def subset_matches(sub: Subset, gids: list[int]) -> bool:
    """Is `sub` shaped like a subset of exactly the glyph sequence `gids` (one code each, in
    code order)? CFF: GID i+1 draws gids[i], so len(gids) + 1 glyphs and no map; TrueType: a
    map with a GID for .notdef (0) and each code, every one inside the program."""
    if not sub.program:
        return False
    if sub.cid_to_gid is None:
        return sub.num_glyphs == len(gids) + 1
    c2g = sub.cid_to_gid
    return (len(c2g) == len(gids) + 1 and c2g[0] == 0 and sub.num_glyphs <= 0xFFFF
            and all(0 <= g < sub.num_glyphs for g in c2g))      # (a TrueType font: u16 GIDs)


#: what scanning each CFF face's glyphs found, by face, kept for its next subset in this
#: process (cffsubset.subset_cff `scans`) once `keep_scans` is set (by typeset.session: a
#: correction in a warm process that brings in a character then scans that glyph only, ~1 ms
#: instead of ~80 for the sample's body face). The subroutines' and glyphs' bytes scanned and
#: what was found (~6 MB for the sample's body face), not the table; a one-shot build keeps
#: none.
scans: dict = {}
keep_scans = False


#: tables a subset leaves out (besides fontTools' own default list, FONTTOOLS_DROPS)
DROP_TABLES = ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "kern", "vhea", "vmtx", "VORG",
               "cmap", "DSIG", "meta", "STAT", "COLR", "CPAL", "SVG ", "sbix", "CBDT", "CBLC",
               "EBDT", "EBLC", "morx", "feat"]
#: fontTools' subset.Options default drop_tables (tests/test_ttfsubset.py pins it)
FONTTOOLS_DROPS = ["JSTF", "DSIG", "EBDT", "EBLC", "EBSC", "PCLT", "LTSH", "Feat", "Glat",
                   "Gloc", "Silf", "Sill"]


def _subset_options():
    from fontTools import subset
    opts = subset.Options()
    opts.layout_features = []          # the PDF needs outlines and metrics only
    opts.layout_closure = False
    opts.drop_tables += DROP_TABLES
    opts.notdef_outline = True         # keep GID 0 a real .notdef (never drawn: see module doc)
    opts.glyph_names = False
    opts.hinting = True
    opts.desubroutinize = False
    opts.recalc_bounds = False
    opts.recalc_timestamp = False
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    opts.ignore_missing_glyphs = False
    opts.prune_unicode_ranges = False  # needs the cmap, which a CIDFont does not use
    opts.prune_codepage_ranges = False
    return opts


def _open(face: FontFace):
    """The face's font with fontTools: a single font file, or face `index` of a collection."""
    from fontTools.ttLib import TTFont
    extra = {} if face.index is None else {"fontNumber": face.index}
    return TTFont(face.file, lazy=True, recalcTimestamp=False, recalcBBoxes=False, **extra)


def build_subset(face: FontFace, gids: list[int], codes: list[int] | None = None) -> Subset:
    """Subset `face` to the glyphs `gids` (code codes[i] draws gids[i], codes ascending; 1..n
    when not given; repeats of a glyph allowed)."""
    from typeset.render.cffsubset import Damaged, Unsupported, subset_cff  # (cold builds only)
    codes = _codes(gids, codes)
    font = _open(face)
    if face.is_cff:
        try:
            program, count = subset_cff(font, gids, _cff_table(face), codes,
                                        (scans, face.identity) if keep_scans else None)
            return Subset(program, count, None)
        except Damaged as err:
            raise TypesetError(f"the font is damaged: glyph {err.gid}'s outline holds the "
                               f"reserved operator {err.op}, which no Type 2 charstring may "
                               "(TN 5177)", file=face.path,
                               hint="replace the font file with a good copy") from None
        except Unsupported:
            font = _open(face)
    else:
        try:
            return _subset_truetype(font, face, gids)
        except Unsupported:
            font = _open(face)
    order = font.getGlyphOrder()
    names = [order[g] for g in gids]
    return _subset_fonttools(font, names, face.is_cff, codes)


#: the tables a TrueType subset keeps (besides glyf, loca, hmtx and post, made by
#: render/ttfsubset.py), decompiled and compiled again by fontTools as its subsetter does
_TT_KEPT = frozenset(("head", "hhea", "maxp", "OS/2", "name", "gasp", "cvt ", "fpgm", "prep",
                      "VDMX"))
_TT_MADE = frozenset(("glyf", "loca", "hmtx", "post"))


def _subset_truetype(font, face: FontFace, gids: list[int]) -> Subset:
    """The TrueType subset fontTools' subsetter makes with `_subset_options`, without it:
    the glyphs and metrics by render/ttfsubset.py from the tables' bytes, the other tables
    kept as fontTools' objects (loaded, the name table pruned to IDs 0-6 in Unicode English
    records, as the subsetter does), the file written by fontTools. Raises Unsupported for a
    font with any table this path does not know (fontTools then subsets it)."""
    from fontTools.ttLib.tables.DefaultTable import DefaultTable

    from typeset.render import ttfsubset
    from typeset.render.cffsubset import Unsupported
    tags = set(font.keys()) - {"GlyphOrder"}
    drops = set(DROP_TABLES) | set(FONTTOOLS_DROPS)
    dropped = {t for t in tags if t.strip() in drops}      # (as the subsetter compares them)
    if (tags - dropped - _TT_KEPT - _TT_MADE
            or not {"head", "hhea", "maxp", "name", "glyf", "loca", "hmtx"} <= tags):
        raise Unsupported("a table the direct TrueType subsetter does not know")
    try:
        with sfnt.FontFile(face.file, face.index) as ff:
            m = sfnt.metrics(ff)
            n = m["num_glyphs"]
            advances, lsbs = sfnt.advances(ff, n, m["num_h_metrics"])
            loca = sfnt.loca(ff, n, m["index_to_loc_format"])
            glyf_at = ff.tables["glyf"][0]
            keep = {0, *gids}
            data: dict[int, bytes] = {}
            todo = list(keep)
            while todo:                    # the glyphs asked for, .notdef, and components
                g = todo.pop()
                if not 0 <= g < n:
                    raise Unsupported("glyph id past the glyph count")
                d = data[g] = ff.read(glyf_at + loca[g], loca[g + 1] - loca[g])
                if ttfsubset.is_composite(d):
                    for _, c in ttfsubset.components(d):
                        if c not in keep:
                            keep.add(c)
                            todo.append(c)
            post = ff.read(ff.tables["post"][0], min(32, ff.tables["post"][1])) \
                if "post" in ff else None
    except sfnt.Unsupported as err:
        raise Unsupported(str(err)) from None
    looped = _composite_loop(data)
    if looped is not None:
        raise TypesetError(f"glyph {looped} of the font is a composite whose components lead "
                           "back to itself: the file is damaged", file=face.path,
                           hint="replace the font file with a good copy")
    order = sorted(keep)
    new_id = {old: i for i, old in enumerate(order)}
    glyphs = [ttfsubset.trimmed(ttfsubset.renumbered(data[g], new_id)
                                if ttfsubset.is_composite(data[g]) else data[g])
              for g in order]
    glyf, loca_data, loc_format = ttfsubset.glyf_and_loca(glyphs)
    hmtx, long_metrics = ttfsubset.hmtx([(advances[g], lsbs[g]) for g in order])
    made = {"glyf": glyf, "loca": loca_data, "hmtx": hmtx}
    if post is not None:
        made["post"] = ttfsubset.post_format_3(post)
    for tag in dropped:
        del font[tag]
    for tag in sorted(tags - dropped - _TT_MADE):
        font[tag]                          # decompiled, to be compiled again on saving
    name = font["name"]
    name.names = [r for r in name.names if r.nameID in (0, 1, 2, 3, 4, 5, 6)
                  and r.isUnicode() and r.langID == 0x0409]
    font["head"].indexToLocFormat = loc_format
    font["hhea"].numberOfHMetrics = long_metrics
    font.setGlyphOrder([f"glyph{i:05d}" for i in range(len(order))])
    for tag, table_data in made.items():
        table = font[tag] = DefaultTable(tag)
        table.data = table_data
    buf = io.BytesIO()
    font.save(buf)
    return Subset(buf.getvalue(), len(order), tuple([0] + [new_id[g] for g in gids]))


def _composite_loop(data: dict[int, bytes]) -> int | None:
    """A glyph of `data` (glyph id -> glyf bytes, composites' components included) that is
    its own component, directly or through others (ISO 14496-22 §5.3.4: a composite is
    made of other glyphs; a loop draws nothing a viewer can agree on), or None."""
    from typeset.render import ttfsubset
    parts = {g: [c for _, c in ttfsubset.components(d)]
             for g, d in data.items() if ttfsubset.is_composite(d)}
    state: dict[int, int] = {}           # 1: on the path being walked, 2: done
    for root in parts:
        if root in state:
            continue
        stack = [(root, iter(parts[root]))]
        state[root] = 1
        while stack:
            g, rest = stack[-1]
            c = next(rest, None)
            if c is None:
                state[g] = 2
                stack.pop()
            elif state.get(c) == 1:
                return c
            elif c not in state and c in parts:
                state[c] = 1
                stack.append((c, iter(parts[c])))
    return None


def _cff_table(face: FontFace) -> bytes | None:
    """The face's CFF table as it is in the file (typeset.text.sfnt), or None if that
    reader does not read the file (fontTools then does)."""
    try:
        with sfnt.FontFile(face.file, face.index) as ff:
            return ff.table("CFF ")
    except (sfnt.Unsupported, OSError):
        return None


def _subset_fonttools(font, names: list[str], is_cff: bool,
                      codes: list[int] | None = None) -> Subset:
    """The general path: fontTools' subsetter (TrueType; CFF the direct path cannot take).
    `codes`: the CID of each of `names` (CFF; 1..n when not given)."""
    from fontTools import subset
    sub = subset.Subsetter(_subset_options())
    sub.populate(glyphs=set(names))
    sub.subset(font)
    if is_cff:
        return _renumber_cff(font, names, _codes(names, codes))
    new_order = font.getGlyphOrder()
    index = {n: i for i, n in enumerate(new_order)}
    buf = io.BytesIO()
    font.save(buf)
    return Subset(buf.getvalue(), len(new_order), tuple([0] + [index[n] for n in names]))


def _renumber_cff(font, names: list[str], codes: list[int]) -> Subset:
    """Reorder the subset's CharStrings so that GID i draws names[i-1] (GID 0 = .notdef) and
    has CID codes[i-1]: a CID-keyed CFF whatever the font's was (cffsubset.make_cid_keyed)."""
    from typeset.render.cffsubset import cid_names, make_cid_keyed
    cff = font["CFF "].cff
    top = cff.topDictIndex[0]
    cs = top.CharStrings
    old_charset = list(top.charset)
    cid_keyed = hasattr(top, "ROS")
    new_charset = cid_names(codes)
    sources = [old_charset[0]] + names
    # Indexed: values are positions in the CharStrings INDEX; otherwise charstring objects.
    # Either way a repeated source simply appears twice.
    cs.charStrings = {new: cs.charStrings[src] for new, src in zip(new_charset, sources)}
    if cid_keyed:
        pos = {n: i for i, n in enumerate(old_charset)}
        old_sel = list(top.FDSelect.gidArray)
        gid_array = [old_sel[pos[src]] for src in sources]
    else:
        make_cid_keyed(cff, top)
        gid_array = [0] * len(sources)
    from fontTools.cffLib import FDSelect
    sel = FDSelect()
    sel.format = 3
    sel.gidArray = gid_array
    top.FDSelect = cs.fdSelect = sel
    cs.fdArray = top.FDArray
    top.CIDCount = codes[-1] + 1 if codes else 1         # CIDs 0 .. the highest code
    top.charset = new_charset
    program = font["CFF "].compile(font)
    return Subset(program, len(new_charset), None)


#: subsets made for the document being written by forked children (render/aside.py), by
#: key: `subset_for` takes one instead of making it (and caches it as if it had made it)
made: dict[str, Subset] = {}


def subset_for(face: FontFace, gids: list[int], cache: SubsetCache | None,
               codes: list[int] | None = None) -> Subset:
    """`build_subset`, through the disk cache. A font program that fontTools cannot subset
    (a damaged file whose tables parsed) is a TypesetError naming the font."""
    key = subset_key(face, gids, codes) if cache is not None or made else None
    sub = cache.get(key, gids) if cache is not None else None
    if sub is None:
        try:
            sub = made.pop(key, None) or build_subset(face, gids, codes)
        except (TypesetError, MemoryError):
            raise
        except Exception as err:    # fontTools raises assorted errors on a damaged font program
            raise TypesetError(f"cannot subset the font {face.family} {face.style}: the file is "
                               f"probably damaged ({type(err).__name__}: {err})", file=face.path,
                               hint="replace the font file with a good copy") from None
        _unchanged(face)
        if cache is not None:
            cache.put(key, sub)
    return sub


def _unchanged(face: FontFace) -> None:
    """The font file is still the one the face was read from (its stamp, text/fontid.py,
    taken before the face read it): a subset is cut from the file as it is now, so one cut
    from a font put in its place meanwhile (a package upgrade, a synced fonts folder) would
    print that font's outlines at this one's glyph ids and widths, and be cached under this
    one's SHA-256 for every later build (adversarial round 9). Else a TypesetError: nothing
    is written or cached."""
    from typeset.text.fontid import still_the_same
    still_the_same(face.file, face.stamp, face.path)
