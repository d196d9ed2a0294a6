"""typeset.text.fonts and the shipped fonts/ directory."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import yaml
from fontTools.ttLib import TTFont

from typeset.errors import TypesetError
from typeset.text.fontread import _chinese_forms
from typeset.text.fonts import FONTS_DIR, FontChain, FontFace, FontLibrary

SERIF = "NotoSerifCJKsc-Regular.otf"
SANS_BOLD = "NotoSansCJKsc-Bold.otf"
KAI = "LXGWWenKai-Regular.ttf"
MANIFEST = yaml.safe_load((FONTS_DIR / "manifest.yaml").read_text(encoding="utf-8"))


pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture(scope="module")
def library(private_cache):
    return FontLibrary()


# -- fonts/ -----------------------------------------------------------------------------------

def test_manifest_lists_required_faces_with_roles():
    by_file = {f["file"]: f for f in MANIFEST["fonts"]}
    assert by_file[SERIF]["role"] == "song" and by_file[SERIF]["family"] == "Noto Serif CJK SC"
    assert by_file[SANS_BOLD]["role"] == "hei" and by_file[SANS_BOLD]["style"] == "Bold"
    assert by_file[KAI]["role"] == "kai" and by_file[KAI]["family"] == "LXGW WenKai"
    for f in MANIFEST["fonts"]:
        assert (FONTS_DIR / f["file"]).is_file()
        assert (FONTS_DIR / f["license"]).is_file()
        assert f["source"]["package"] in ("fonts-noto-cjk", "fonts-lxgw-wenkai")
        assert f["source"]["version"] and f["font_version"] and len(f["sha256"]) == 64


def test_fonts_dir_under_budget():
    total = sum(p.stat().st_size for p in FONTS_DIR.iterdir() if p.is_file()
                and p.suffix in (".otf", ".ttf", ".txt"))
    assert total == MANIFEST["total_bytes"]
    assert total < 60_000_000


def test_build_fonts_verify_passes():
    r = subprocess.run([sys.executable, str(FONTS_DIR / "build_fonts.py"), "--verify"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "verify: ok" in r.stdout


def test_licence_files_are_the_ofl():
    for lic in MANIFEST["licenses"]:
        text = (FONTS_DIR / lic["file"]).read_text(encoding="utf-8")
        assert "SIL OPEN FONT LICENSE Version 1.1 - 26 February 2007" in text
        assert text.rstrip().endswith("OTHER DEALINGS IN THE FONT SOFTWARE.")


def test_shipped_faces_keep_the_sc_cmap_and_cid_keyed_cff():
    f = TTFont(str(FONTS_DIR / SERIF), lazy=True)
    assert f["name"].getDebugName(6) == "NotoSerifCJKsc-Regular"
    cmap = f.getBestCmap()
    assert len(cmap) > 44000                           # the SC face maps ~44.7k code points
    for ch in "中国雲𠮷，。《》ABCabc012":
        assert ord(ch) in cmap
    assert f["CFF "].cff.topDictIndex[0].ROS == ("Adobe", "Identity", 0)
    assert "GSUB" in f and "GPOS" in f and "vmtx" in f


# -- FontFace ---------------------------------------------------------------------------------

@pytest.mark.parametrize("key,cff,family", [(SERIF, True, "Noto Serif CJK SC"),
                                            (SANS_BOLD, True, "Noto Sans CJK SC"),
                                            (KAI, False, "LXGW WenKai")])
def test_face_metadata(library, key, cff, family):
    face = library.face(key)
    assert face.path == str(FONTS_DIR / key)
    assert face.family == family
    assert face.is_cff is cff
    assert face.units_per_em == 1000
    assert 0.8 < face.ascent < 1.3 and -0.4 < face.descent < 0


@pytest.mark.parametrize("key", [SERIF, KAI])
def test_advances_and_glyph_ids_match_fonttools(library, key):
    face = library.face(key)
    tt = TTFont(face.path, lazy=True)
    cmap, order, hmtx = tt.getBestCmap(), tt.getGlyphOrder(), tt["hmtx"].metrics
    upem = tt["head"].unitsPerEm
    local = _chinese_forms(tt)
    for ch in "中文，。A1i W—…（雲𠮷":
        name = local.get(cmap[ord(ch)], cmap[ord(ch)])
        assert face.glyph_id(ch) == order.index(name)
        assert face.advance(ch) == hmtx[name][0] / upem
    assert face.advance("中") == 1.0
    assert face.advance("i") < face.advance("W")


@pytest.mark.parametrize("key", [SERIF, "NotoSansCJKsc-Bold.otf"])
def test_em_dash_takes_its_full_width_chinese_form(library, key):
    """Pan-CJK Noto maps U+2014 to a proportional glyph; Chinese text uses the locl (ZHS)
    full-width one, so —— is a 2 em line with no gap (clreq §3.1.4)."""
    face = library.face(key)
    tt = TTFont(face.path, lazy=True)
    assert tt["hmtx"].metrics[tt.getBestCmap()[0x2014]][0] < tt["head"].unitsPerEm
    assert face.advance("—") == 1.0
    assert face.glyph_id("—") != tt.getGlyphOrder().index(tt.getBestCmap()[0x2014])


def test_has_and_missing_glyph(library):
    face = library.face(SERIF)
    assert face.has("雲") and face.has("𠮷")
    assert not face.has("\U000F0001")
    with pytest.raises(TypesetError) as e:
        face.glyph_id("\U000F0001")
    assert "U+F0001" in str(e.value) and SERIF in str(e.value)
    with pytest.raises(TypesetError):
        face.advance("\U000F0001")


def test_disk_cache_gives_the_same_face(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path))
    cold = FontFace(FONTS_DIR / KAI)
    files = list((tmp_path / "faces").iterdir())
    assert len(files) == 1
    warm = FontFace(FONTS_DIR / KAI)
    parsed = FontFace(FONTS_DIR / KAI, use_cache=False)
    for f in (warm, parsed):
        assert dict(f.cmap) == dict(cold.cmap)
        assert [f.glyph_advance_units(g) for g in range(f.num_glyphs)] == \
               [cold.glyph_advance_units(g) for g in range(cold.num_glyphs)]
        assert (f.family, f.style, f.ascent, f.descent) == (cold.family, cold.style, cold.ascent, cold.descent)
    files[0].write_bytes(b"garbage")                  # a corrupt cache entry is ignored
    again = FontFace(FONTS_DIR / KAI)
    assert again.advance("中") == parsed.advance("中")


def test_advance_lookups_are_fast(library):
    face = library.face(SERIF)
    text = "中华人民共和国，政协委员深入基层调研。ABC 123" * 10
    t = time.perf_counter()
    for _ in range(100_000 // len(text) + 1):
        for ch in text:
            face.advance(ch)
    assert time.perf_counter() - t < 1.0


def test_cached_face_load_is_fast(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path))
    FontFace(FONTS_DIR / SERIF)                        # fill the cache
    t = time.perf_counter()
    FontFace(FONTS_DIR / SERIF)
    assert time.perf_counter() - t < 0.2


# -- FontLibrary ------------------------------------------------------------------------------

def test_library_caches_and_accepts_paths(library):
    a = library.face(SERIF)
    assert library.face(SERIF) is a
    assert library.face(FONTS_DIR / SERIF) is a
    assert library.face(str(FONTS_DIR / SERIF)) is a


def test_library_missing_font_names_it(tmp_path):
    lib = FontLibrary([tmp_path])
    with pytest.raises(TypesetError) as e:
        lib.face("NoSuchFont.otf")
    assert e.value.file == "NoSuchFont.otf"
    assert "not found" in e.value.message and str(tmp_path) in e.value.hint


def test_library_rejects_non_font(tmp_path):
    bad = tmp_path / "Broken.otf"
    bad.write_text("this is not a font")
    with pytest.raises(TypesetError) as e:
        FontLibrary([tmp_path]).face("Broken.otf")
    assert e.value.file == str(bad) and "not a usable font" in e.value.message
    assert e.value.hint


def test_library_rejects_other_files_and_collections(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(TypesetError) as e:
        FontLibrary([tmp_path]).face("notes.txt")
    assert e.value.file == str(tmp_path / "notes.txt")
    (tmp_path / "Pack.ttc").write_bytes(b"ttcf")
    with pytest.raises(TypesetError) as e:
        FontLibrary([tmp_path]).face("Pack.ttc")
    assert "not a usable font collection" in e.value.message and ".ttc#INDEX" in e.value.hint


def test_unreadable_font(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can read anything")
    p = tmp_path / "Locked.ttf"
    p.write_bytes((FONTS_DIR / KAI).read_bytes()[:1000])
    p.chmod(0)
    with pytest.raises(TypesetError):
        FontLibrary([tmp_path]).face("Locked.ttf")


# -- FontChain --------------------------------------------------------------------------------

def test_chain_picks_first_face_that_has_the_char(library, tmp_path):
    serif, kai = library.face(SERIF), library.face(KAI)
    chain = FontChain([kai, serif])
    assert chain.face_for("中") is kai
    only_serif = next(c for c in "㐀䶵𠀀𠮷鿕ㄅ" if serif.has(c) and not kai.has(c))
    assert chain.face_for(only_serif) is serif
    assert chain.face_for("\U000F0001") is None


def test_chain_missing_in_first_occurrence_order(library):
    chain = FontChain([library.face(KAI)])
    text = "甲\U000F0002乙\U000F0001 \U000F0002\u200b丙\u2060\U000F0003"
    assert chain.missing(text) == ["\U000F0002", "\U000F0001", "\U000F0003"]
    assert chain.missing("正常文字，换行 Latin 123") == []


def test_chain_missing_is_the_same_whatever_it_was_asked_before(library):
    """Property: `missing` (distinct characters looked up once, the ones found remembered)
    answers what a step through every character of the text would, in first-occurrence
    order, whatever texts the chain was asked about before."""
    from hypothesis import given, settings, strategies as st

    from typeset.text.fonts import is_ignorable

    kai, serif = library.face(KAI), library.face(SERIF)
    alphabet = st.sampled_from(list("甲乙丙，。 aZ\t\x07\u200b\u2060\u200e") +
                               ["\U000F0001", "\U000F0002", "\U00020000"])

    def plain(chain, text):
        out = []
        for ch in text:
            if ch not in out and chain.face_for(ch) is None and not is_ignorable(ch):
                out.append(ch)
        return out

    @settings(max_examples=80, deadline=None)
    @given(st.lists(st.text(alphabet, max_size=12), min_size=1, max_size=6))
    def check(texts):
        chain = FontChain([kai, serif])
        for text in texts:
            assert chain.missing(text) == plain(chain, text)
    check()


def test_only_invisible_characters_are_never_missing(library):
    """The glyph check skips exactly what the renderer never draws (chars.is_invisible):
    a tab or a control character that reached the fonts is missing like any other."""
    chain = FontChain([library.face(KAI)])
    assert chain.missing("\u200b\u200c\u200d\u2060") == []
    assert chain.missing("甲\t乙\x07丙\u200e") == ["\t", "\x07", "\u200e"]


def test_a_font_replaced_while_a_build_runs_is_neither_printed_nor_cached(tmp_path,
                                                                          monkeypatch):
    """The font file renamed over (a font package upgraded, a synced fonts folder) after
    its face was read but before its subset was made: the subset was cut from the other
    font with the first font's glyph ids and widths — the body printed in wrong glyphs,
    exit 0 — and stored under the first font's SHA-256, so every later build with the
    first font put back (or another machine sharing the cache) printed the wrong glyphs
    too."""
    import random
    import shutil

    from tests.conftest import ROOT
    from tests.issuekit import one_article_issue, sentence
    from typeset.cli import main
    from typeset.render import finished
    from typeset.render import fontprogram as FP
    # (the subsets are made: the finished-file cache would give the first build's file)
    monkeypatch.setattr(finished, "use_finished_cache", False)
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    for f in ("NotoSerifCJKsc-Regular.otf", "NotoSansCJKsc-Bold.otf",
              "LXGWWenKai-Regular.ttf"):
        # (a byte more than the shipped files: faces of their own, not this process's
        # earlier builds' registered under the same SHA-256)
        (fonts / f).write_bytes((ROOT / "fonts" / f).read_bytes() + b"\0")
    layout = yaml.safe_load((ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8"))
    layout["fonts"] = {"song": [str(fonts / "NotoSerifCJKsc-Regular.otf")],
                       "hei": [str(fonts / "NotoSansCJKsc-Bold.otf")],
                       "kai": [str(fonts / "LXGWWenKai-Regular.ttf")]}
    (tmp_path / "fs.yaml").write_text(yaml.safe_dump(layout, allow_unicode=True),
                                      encoding="utf-8")
    r = random.Random(5)
    man = one_article_issue(tmp_path / "i", "".join(sentence(r) for _ in range(60)))
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    argv = ["build", str(man), "--layout", str(tmp_path / "fs.yaml"), "-o"]
    assert main(argv + [str(tmp_path / "ref.pdf")]) == 0
    shutil.rmtree(tmp_path / "cache" / "subsets")
    song = fonts / "NotoSerifCJKsc-Regular.otf"
    real, done = FP._open, []

    def open_(face):
        if not done and face.file == str(song):
            done.append(1)
            shutil.copy(fonts / "NotoSansCJKsc-Bold.otf", fonts / "new.otf")
            os.replace(fonts / "new.otf", song)
        return real(face)
    monkeypatch.setattr(FP, "_open", open_)
    out = tmp_path / "swapped.pdf"
    code = main(argv + [str(out)])
    # (swapped here or by a forked child making the subset: render/aside.py)
    assert song.stat().st_size == (fonts / "NotoSansCJKsc-Bold.otf").stat().st_size
    assert code == 1 and not out.exists()          # (or the file of the font now there)
    monkeypatch.setattr(FP, "_open", real)
    (fonts / "old.otf").write_bytes((ROOT / "fonts" / "NotoSerifCJKsc-Regular.otf")
                                    .read_bytes() + b"\0")
    os.replace(fonts / "old.otf", song)             # the first font back
    assert main(argv + [str(tmp_path / "again.pdf")]) == 0
    assert (tmp_path / "again.pdf").read_bytes() == (tmp_path / "ref.pdf").read_bytes()
