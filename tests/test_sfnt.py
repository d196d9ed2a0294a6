"""The direct font readers (typeset/text/sfnt.py, text/cff.py) against fontTools' reading of
every font in fonts/: the whole cmap, every glyph's advance and side bearing, the Chinese
forms, every charstring, subroutine and font-dict choice, and the face record made of them;
and the direct CFF subsetter's sources (render/cffsubset.py) against each other. If fontTools
and these readers ever disagree on a shipped font, a test here fails (issue 13: the readers
must not drift silently)."""
from __future__ import annotations

import random
import struct

import pytest
from fontTools.ttLib import TTCollection, TTFont

from typeset.render import cffsubset
from typeset.text import fontread as FR
from typeset.text import fonts as F
from typeset.text import sfnt
from typeset.text.cff import CFF, reader_of

FONTS = sorted(p for p in F.FONTS_DIR.iterdir() if p.suffix in (".otf", ".ttf"))
CFF_FONTS = [p for p in FONTS if p.suffix == ".otf"]
ids = [p.name for p in FONTS]


@pytest.fixture(scope="module", params=FONTS, ids=ids)
def font(request):
    tt = TTFont(str(request.param), lazy=True)
    return request.param, tt, {g: i for i, g in enumerate(tt.getGlyphOrder())}


def test_the_face_record_is_fonttools_record(font):
    path, _, _ = font
    assert FR._read_font_direct(str(path)) == FR._read_font_fonttools(str(path))


def test_best_cmap_is_fonttools_best_cmap(font):
    path, tt, gid = font
    with sfnt.FontFile(str(path)) as ff:
        cps, gids = sfnt.best_cmap(ff, tt["maxp"].numGlyphs)
    assert list(cps) == sorted(cps)
    assert dict(zip(cps, gids)) == {c: gid[name] for c, name in tt.getBestCmap().items()}


@pytest.mark.parametrize("platform,encoding", [(3, 1), (0, 3), (3, 10), (0, 4)])
def test_every_format_4_and_12_subtable_reads_as_fonttools_reads_it(font, platform, encoding):
    path, tt, gid = font
    theirs = tt["cmap"].getcmap(platform, encoding)
    with sfnt.FontFile(str(path)) as ff:
        mine = [(fmt, data) for p, e, fmt, data in sfnt.cmap_subtables(ff)
                if (p, e) == (platform, encoding)]
    assert theirs is not None and len(mine) == 1 and mine[0][0] == theirs.format
    fmt, data = mine[0]
    n = tt["maxp"].numGlyphs
    cps, gids = (sfnt._cmap_format_4(data, n) if fmt == 4 else
                 sfnt._cmap_format_12(data, n, {}))
    assert dict(zip(cps, gids)) == {c: gid[name] for c, name in theirs.cmap.items()}


def test_every_advance_and_side_bearing_is_fonttools(font):
    path, tt, _ = font
    with sfnt.FontFile(str(path)) as ff:
        m = sfnt.metrics(ff)
        adv, lsb = sfnt.advances(ff, m["num_glyphs"], m["num_h_metrics"])
    metrics = tt["hmtx"].metrics
    assert [(a, s) for a, s in zip(adv, lsb)] == [metrics[g] for g in tt.getGlyphOrder()]
    assert m["units_per_em"] == tt["head"].unitsPerEm
    assert (m["ascent"], m["descent"]) == (tt["hhea"].ascent, tt["hhea"].descent)
    assert m["weight"] == tt["OS/2"].usWeightClass
    assert m["cap_height"] == tt["OS/2"].sCapHeight
    assert m["italic_angle"] == tt["post"].italicAngle


def test_chinese_forms_are_fonttools_locl_substitutions(font):
    path, tt, gid = font
    with sfnt.FontFile(str(path)) as ff:
        mine = sfnt.chinese_forms(ff, tt["maxp"].numGlyphs)
    theirs = {gid[a]: gid[b] for a, b in FR._chinese_forms(tt).items()}
    assert mine == theirs
    if "Noto" in path.name:
        assert len(mine) > 10                  # (the test can fail: Noto has Chinese forms)


@pytest.mark.parametrize("path", CFF_FONTS, ids=[p.name for p in CFF_FONTS])
def test_every_charstring_subroutine_and_font_dict_is_fonttools(path):
    tt = TTFont(str(path), lazy=True)
    top = tt["CFF "].cff.topDictIndex[0]
    with sfnt.FontFile(str(path)) as ff:
        cff = CFF(reader_of(ff.table("CFF ")))
    index = top.CharStrings.charStringsIndex
    assert cff.num_glyphs == len(index) and cff.is_cid == hasattr(top, "ROS")
    assert [cff.charstring(g) for g in range(cff.num_glyphs)] == \
           [index[g].bytecode for g in range(len(index))]
    assert [cff.fd_of(g) for g in range(cff.num_glyphs)] == list(top.FDSelect.gidArray)
    gsubrs = tt["CFF "].cff.GlobalSubrs
    assert [cff.global_subrs[i] for i in range(len(cff.global_subrs))] == \
           [gsubrs[i].bytecode for i in range(len(gsubrs))]
    assert cff.num_fds == len(top.FDArray)
    for fd, fontdict in enumerate(top.FDArray):
        p = fontdict.Private
        theirs = getattr(p, "Subrs", None)
        mine = cff.local_subrs(fd)
        assert (mine is None) == (theirs is None)
        if mine is not None:
            assert [mine[i] for i in range(len(mine))] == \
                   [theirs[i].bytecode for i in range(len(theirs))]
        assert cff.widths(fd) == (p.defaultWidthX, p.nominalWidthX)


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    path = tmp_path_factory.mktemp("coll") / "Pack.ttc"
    coll = TTCollection()
    coll.fonts = [TTFont(F.FONTS_DIR / "LXGWWenKai-Regular.ttf", lazy=True),
                  TTFont(F.FONTS_DIR / "NotoSansCJKsc-Bold.otf", lazy=True)]
    coll.save(path)
    return path


@pytest.mark.parametrize("index", [0, 1])
def test_a_face_of_a_collection_reads_as_fonttools_reads_it(pack, index):
    direct = FR._read_font_direct(str(pack), index)
    assert direct == FR._read_font_fonttools(str(pack), index)
    assert direct["is_cff"] is (index == 1)


def test_what_the_direct_reader_refuses_fonttools_reads(monkeypatch):
    path = str(F.FONTS_DIR / "NotoSansCJKsc-Bold.otf")
    want = FR._read_font_fonttools(path)

    def refuse(*a, **k):
        raise sfnt.Unsupported("for the test")
    monkeypatch.setattr(sfnt, "best_cmap", refuse)
    with pytest.raises(sfnt.Unsupported):
        FR._read_font_direct(path)
    assert FR._read_font(path) == want


def _format_12(groups) -> bytes:
    body = b"".join(struct.pack(">III", *g) for g in groups)
    return struct.pack(">HHIII", 12, 0, 16 + len(body), 0, len(groups)) + body


@pytest.mark.parametrize("groups", [
    [(0x41, 0x43, 5), (0x43, 0x44, 9)],          # overlapping: fontTools repairs these
    [(0x50, 0x51, 3), (0x41, 0x42, 9)],          # out of order
    [(0x41, 0x41, 0)],                           # starts at glyph 0
    [(0x41, 0x42, 99)],                          # past the glyph count
    [(0x10FFFF, 0x110001, 3)],                   # past Unicode
])
def test_irregular_format_12_groups_are_left_to_fonttools(groups):
    with pytest.raises(sfnt.Unsupported):
        sfnt._cmap_format_12(_format_12(groups), 100, {})


def test_regular_format_12_groups_and_substitutions():
    cps, gids = sfnt._cmap_format_12(_format_12([(0x41, 0x43, 5), (0x4E00, 0x4E01, 20)]), 30,
                                     {6: 29, 21: 28, 25: 27})
    assert list(cps) == [0x41, 0x42, 0x43, 0x4E00, 0x4E01]
    assert list(gids) == [5, 29, 7, 20, 28]


# -- the direct CFF subsetter's two sources ---------------------------------------------------

@pytest.mark.parametrize("path", CFF_FONTS, ids=[p.name for p in CFF_FONTS])
def test_the_subset_from_the_table_bytes_is_the_subset_through_fonttools(path):
    """subset_cff reading charstrings from the table's bytes (text/cff.py) makes the same
    program as reading them through fontTools' cffLib objects, for glyph sets that reach
    every font dict, repeat glyphs and include .notdef and the last glyph."""
    tt = TTFont(str(path), lazy=True)
    n = tt["maxp"].numGlyphs
    gsel = list(tt["CFF "].cff.topDictIndex[0].FDSelect.gidArray)
    per_fd = {fd: g for g, fd in enumerate(gsel)}                # one glyph of each font dict
    rnd = random.Random(path.name)
    with sfnt.FontFile(str(path)) as ff:
        data = ff.table("CFF ")
    for gids in ([rnd.randrange(n) for _ in range(400)] + list(per_fd.values()),
                 [0, 1, 1, n - 1, 2, 0], list(range(1, 60))):
        fresh = TTFont(str(path), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
        theirs = cffsubset.subset_cff(fresh, gids)
        fresh = TTFont(str(path), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
        assert cffsubset.subset_cff(fresh, gids, data) == theirs


@pytest.mark.parametrize("path", CFF_FONTS, ids=[p.name for p in CFF_FONTS])
def test_a_subset_made_from_earlier_scans_is_the_subset_made_afresh(path):
    """subset_cff keeping its scans (`scans`, as a warm process does: fontprogram.scans)
    scans only the glyphs new to it and makes, for glyph sets that grow, shrink and change,
    the very bytes it makes from a scan of its own glyphs alone."""
    tt = TTFont(str(path), lazy=True)
    n = tt["maxp"].numGlyphs
    rnd = random.Random(path.name + "scans")
    with sfnt.FontFile(str(path)) as ff:
        data = ff.table("CFF ")
    base = sorted(rnd.sample(range(1, n), 300))
    sets = [base, base + [n - 1], base[:150] + [7, 8], sorted(rnd.sample(range(1, n), 200)),
            base + [n - 1]]
    store: dict = {}
    scanned = []
    real = cffsubset._CFFScanner.glyph

    def counted(self, code, fd):
        scanned.append(fd)
        return real(self, code, fd)
    for k, gids in enumerate(sets):
        codes = [100 + 3 * i for i in range(len(gids))]
        fresh = TTFont(str(path), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
        alone = cffsubset.subset_cff(fresh, gids, data, codes)
        fresh = TTFont(str(path), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
        scanned.clear()
        cffsubset._CFFScanner.glyph = counted
        try:
            kept = cffsubset.subset_cff(fresh, gids, data, codes, (store, "face"))
        finally:
            cffsubset._CFFScanner.glyph = real
        assert kept == alone, k
        if k == 1:
            assert len(scanned) == 1                   # only the glyph new to the scans
        if k == 4:
            assert scanned == []
    assert store["face"].scanner.gsubrs is None        # (the table's bytes are not kept)
    # scans whose calls do not reach what they marked used are not trusted: dropped, and the
    # subset made afresh
    memo = store["face"]
    memo.scanner.used_g.add(max(memo.scanner.used_g) + 1)
    fresh = TTFont(str(path), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    again = cffsubset.subset_cff(fresh, base + [n - 2], data, None, (store, "face"))
    fresh = TTFont(str(path), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    assert again == cffsubset.subset_cff(fresh, base + [n - 2], data)
    assert store["face"] is not memo


class _ReferenceScanner:
    """The charstring scanner as main had it before issue 13's rewrite (one byte at a time,
    every subroutine run again at every call): the new one must find exactly the same."""

    def __init__(self, gsubrs, lsubrs_by_fd):
        self.gsubrs, self.lsubrs = gsubrs, lsubrs_by_fd
        self.gbias = cffsubset._bias(len(gsubrs))
        self.lbias = {fd: cffsubset._bias(len(x)) for fd, x in lsubrs_by_fd.items()
                      if x is not None}
        self.used_g, self.used_l, self.subr_calls = set(), {}, {}

    def glyph(self, code, fd):
        self.depth = self.n = self.stems = 0
        calls = []
        self._run(code, fd, calls)
        return calls

    def _run(self, code, fd, calls):
        i, end, n = 0, len(code), self.n
        last_start = last_end = -1
        last_val = None
        while i < end:
            b0 = code[i]
            if b0 >= 32:
                start = i
                if b0 <= 246:
                    v, i = b0 - 139, i + 1
                elif b0 <= 250:
                    v, i = (b0 - 247) * 256 + code[i + 1] + 108, i + 2
                elif b0 <= 254:
                    v, i = -(b0 - 251) * 256 - code[i + 1] - 108, i + 2
                else:
                    v, i = None, i + 5
                n += 1
                last_start, last_end, last_val = start, i, v
                continue
            if b0 == 28:
                v = int.from_bytes(code[i + 1:i + 3], "big", signed=True)
                last_start, last_end, last_val = i, i + 3, v
                i += 3
                n += 1
                continue
            i += 1
            if b0 in (10, 29):
                if last_end != i - 1 or last_val is None:
                    raise cffsubset.Unsupported("computed")
                if b0 == 10:
                    subrs = self.lsubrs.get(fd)
                    idx = last_val + self.lbias[fd]
                    key = ("l", fd, idx)
                    self.used_l.setdefault(fd, set()).add(idx)
                else:
                    subrs = self.gsubrs
                    idx = last_val + self.gbias
                    key = ("g", 0, idx)
                    self.used_g.add(idx)
                calls.append((last_start, last_end, key))
                n -= 1
                self.n = n
                self.depth += 1
                sub_calls = self.subr_calls.get(key)
                first = sub_calls is None
                if first:
                    sub_calls = self.subr_calls[key] = []
                done = self._run(subrs[idx], fd, sub_calls if first else [])
                self.depth -= 1
                n = self.n
                last_end = -1
                if done:
                    return True
                continue
            if b0 == 11:
                self.n = n
                return False
            if b0 == 14:
                self.n = 0
                return True
            if b0 in (1, 3, 18, 23):
                self.stems += n // 2
            elif b0 in (19, 20):
                self.stems += n // 2
                i += (self.stems + 7) // 8
            elif b0 == 12:
                i += 1
            n = 0
            last_end = -1
        self.n = n
        return False


@pytest.mark.parametrize("path", CFF_FONTS, ids=[p.name for p in CFF_FONTS])
def test_the_scanner_finds_what_a_byte_by_byte_scan_finds(path):
    with sfnt.FontFile(str(path)) as ff:
        cff = CFF(reader_of(ff.table("CFF ")))
    lsubrs = {fd: cff.local_subrs(fd) for fd in range(cff.num_fds)}
    new = cffsubset._CFFScanner(cff.global_subrs, lsubrs)
    ref = _ReferenceScanner(cff.global_subrs, lsubrs)
    for g in range(0, cff.num_glyphs, 7):              # every 7th glyph: ~6,600 a font
        code, fd = cff.charstring(g), cff.fd_of(g)
        assert new.glyph(code, fd) == ref.glyph(code, fd), g
        assert new.stems == ref.stems, g
    assert (new.used_g, new.used_l, new.subr_calls) == (ref.used_g, ref.used_l,
                                                        ref.subr_calls)
