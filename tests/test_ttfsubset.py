"""The direct TrueType subsetter (render/ttfsubset.py, fontprogram._subset_truetype) makes the
subsets fontTools' subsetter makes with `_subset_options`, byte for byte: whole subsets of
LXGW WenKai (the TrueType font in fonts/, alone and as a face of a collection) over many
glyph sets, every glyph's trimmed data, and the options the direct path relies on."""
from __future__ import annotations

import random

import pytest
from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont, newTable
from fontTools.ttLib.tables._g_l_y_f import Glyph
from fontTools.ttLib.tables.DefaultTable import DefaultTable

from typeset.render import fontprogram as P
from typeset.render import ttfsubset
from typeset.text import sfnt
from typeset.text.fonts import FONTS_DIR, FontFace

KAI = FONTS_DIR / "LXGWWenKai-Regular.ttf"

pytestmark = pytest.mark.usefixtures("private_cache")


def through_fonttools(face: FontFace, gids: list[int]) -> P.Subset:
    font = P._open(face)
    order = font.getGlyphOrder()
    return P._subset_fonttools(font, [order[g] for g in gids], False)


def test_the_options_the_direct_path_assumes():
    assert subset.Options().drop_tables == P.FONTTOOLS_DROPS
    opts = P._subset_options()
    assert opts.drop_tables == P.FONTTOOLS_DROPS + P.DROP_TABLES
    assert (opts.name_IDs, opts.name_languages, opts.name_legacy) == ([0, 1, 2, 3, 4, 5, 6],
                                                                      [0x0409], False)
    assert (opts.hinting, opts.glyph_names, opts.notdef_outline, opts.retain_gids,
            opts.passthrough_tables, opts.recalc_bounds) == (True, False, True, False,
                                                             False, False)
    assert {t.strip() for t in P._TT_KEPT} <= set(opts.no_subset_tables)   # kept whole


@pytest.fixture(scope="module")
def kai() -> FontFace:
    return FontFace(KAI, use_cache=False)


def _composites(face: FontFace) -> list[int]:
    with sfnt.FontFile(face.file) as ff:
        m = sfnt.metrics(ff)
        loca = sfnt.loca(ff, m["num_glyphs"], m["index_to_loc_format"])
        at = ff.tables["glyf"][0]
        return [g for g in range(m["num_glyphs"]) if loca[g + 1] > loca[g]
                and ttfsubset.is_composite(ff.read(at + loca[g], 2))]


def test_whole_subsets_are_fonttools_subsets(kai):
    n = kai.num_glyphs
    composites = _composites(kai)
    assert composites                          # (LXGW has a few: the test can fail)
    rnd = random.Random(13)
    text = [kai.glyph_id(c) for c in "政协委员深入基层调研，听取意见。ABC abc 123"]
    for gids in (text, [1], [n - 1], composites, composites + [5, 5, 0],
                 [rnd.randrange(n) for _ in range(1500)],     # a big glyf: long loca
                 list(range(1, 120))):
        direct = P._subset_truetype(P._open(kai), kai, gids)
        assert direct == through_fonttools(kai, gids), gids[:5]


def test_build_subset_takes_the_direct_path(kai, monkeypatch):
    def no(*a, **k):
        raise AssertionError("fontTools' subsetter used")
    monkeypatch.setattr(P, "_subset_fonttools", no)
    assert P.build_subset(kai, [5, 6, 7]).num_glyphs == 4


def test_a_face_of_a_collection(tmp_path):
    path = tmp_path / "Pack.ttc"
    coll = TTCollection()
    coll.fonts = [TTFont(KAI, lazy=True), TTFont(FONTS_DIR / "NotoSansCJKsc-Bold.otf",
                                                 lazy=True)]
    coll.save(path)
    face = FontFace(f"{path}#0", use_cache=False)
    gids = [face.glyph_id(c) for c in "中文排版"]
    assert P._subset_truetype(P._open(face), face, gids) == through_fonttools(face, gids)


def test_a_font_with_a_table_it_does_not_know_goes_to_fonttools(kai, tmp_path):
    small = TTFont(KAI)
    cut = subset.Subsetter()
    cut.populate(text="中文排版")
    cut.subset(small)
    extra = DefaultTable("TEST")
    extra.data = b"made up"
    small["TEST"] = extra
    path = tmp_path / "Extra.ttf"
    small.save(path)
    face = FontFace(path, use_cache=False)
    from typeset.render.cffsubset import Unsupported
    with pytest.raises(Unsupported):
        P._subset_truetype(P._open(face), face, [3, 4])
    assert P.build_subset(face, [3, 4]) == through_fonttools(face, [3, 4])


def test_every_glyph_trims_and_names_its_components_as_fonttools_does(kai):
    tt = TTFont(KAI, lazy=True)
    glyf = tt["glyf"]
    order = tt.getGlyphOrder()
    with sfnt.FontFile(str(KAI)) as ff:
        m = sfnt.metrics(ff)
        loca = sfnt.loca(ff, m["num_glyphs"], m["index_to_loc_format"])
        table = ff.table("glyf")
    assert list(loca) == list(tt["loca"].locations)
    for g, name in enumerate(order):
        data = table[loca[g]:loca[g + 1]]
        glyph = glyf.glyphs[name]
        if ttfsubset.is_composite(data):
            assert [order[c] for _, c in ttfsubset.components(data)] == \
                   glyph.getComponentNames(glyf)
        glyph.trim()
        assert ttfsubset.trimmed(data) == bytes(getattr(glyph, "data", b"")), name


def test_glyf_loca_and_hmtx_as_fonttools_compiles_them():
    for glyphs in ([b"", b"abc", b"de"], [b"x" * 70000, b"y" * 70001], [b""] * 3):
        tt = TTFont(recalcBBoxes=False)
        tt.setGlyphOrder([f"g{i}" for i in range(len(glyphs))])
        head, glyf, loca, maxp = (newTable(t) for t in ("head", "glyf", "loca", "maxp"))
        tt["head"], tt["loca"], tt["maxp"] = head, loca, maxp
        glyf.glyphOrder = tt.getGlyphOrder()
        glyf.glyphs = {}
        for name, data in zip(glyf.glyphOrder, glyphs):
            glyf.glyphs[name] = Glyph(data)
            if data:
                glyf.glyphs[name].data = data
        tt["glyf"] = glyf
        want_glyf = glyf.compile(tt)
        want_loca = loca.compile(tt)
        assert ttfsubset.glyf_and_loca(glyphs) == (want_glyf, want_loca,
                                                   head.indexToLocFormat)
    for metrics in ([(500, 1)], [(500, 1), (500, 2), (500, -3)], [(1, 0), (2, 0), (2, 5)],
                    [(1000, 7), (300, -2), (1000, 4), (1000, 0)]):
        tt = TTFont()
        tt.setGlyphOrder([f"g{i}" for i in range(len(metrics))])
        hhea, hmtx = newTable("hhea"), newTable("hmtx")
        tt["hhea"], tt["hmtx"] = hhea, hmtx
        hmtx.metrics = dict(zip(tt.getGlyphOrder(), metrics))
        assert ttfsubset.hmtx(metrics) == (hmtx.compile(tt), hhea.numberOfHMetrics)
