"""The direct font readers (typeset/text/sfnt.py, text/cff.py) against fontTools' reading of
every font in fonts/: the whole cmap, every glyph's advance and side bearing, the Chinese
forms, every charstring, subroutine and font-dict choice, and the face record made of them. If fontTools
and these readers ever disagree on a shipped font, a test here fails (issue 13: the readers
must not drift silently)."""
from __future__ import annotations

import struct

import pytest
from fontTools.ttLib import TTCollection, TTFont

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
    assert F._read_font_direct(str(path)) == F._read_font_fonttools(str(path))


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
    theirs = {gid[a]: gid[b] for a, b in F._chinese_forms(tt).items()}
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
    direct = F._read_font_direct(str(pack), index)
    assert direct == F._read_font_fonttools(str(pack), index)
    assert direct["is_cff"] is (index == 1)


def test_what_the_direct_reader_refuses_fonttools_reads(monkeypatch):
    path = str(F.FONTS_DIR / "NotoSansCJKsc-Bold.otf")
    want = F._read_font_fonttools(path)

    def refuse(*a, **k):
        raise sfnt.Unsupported("for the test")
    monkeypatch.setattr(sfnt, "best_cmap", refuse)
    with pytest.raises(sfnt.Unsupported):
        F._read_font_direct(path)
    assert F._read_font(path) == want


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
