"""Reading a font file into a face record: names, metrics, the Unicode cmap in glyph ids, the
advances, GSUB's Chinese forms and the ink of INK_CHARS.

Reading a font. The tables are read directly (`typeset.text.sfnt`: table directory, head,
hhea, maxp, OS/2, post, the cmap in glyph ids, hmtx, GSUB's Chinese forms; `text.cff` for the
outline of the dash whose ink the layout needs), ~5 ms a CJK face; fontTools reads only the
name table and draws that one outline. A font that reader does not handle, or finds
irregular, is read through fontTools' objects exactly as before (~0.12 s a face: it names all
~46k glyphs on the way to the cmap); both give the same record (tests/test_sfnt.py).
"""
from __future__ import annotations

from array import array
from bisect import bisect_left

from typeset.errors import TypesetError
from typeset.text import sfnt
from typeset.text.cff import CFF
from typeset.text.fontid import file_identity

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
