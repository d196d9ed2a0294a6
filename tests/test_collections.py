"""Font collections (.ttc/.otc): a layout names a face as FILE.ttc#INDEX; measuring
(text/fonts.py) and subsetting (render/fontprogram.py, cffsubset.py) open that face, and the
caches key on the index. The collection is built here from the shipped fonts (fontTools'
TTCollection), one TrueType face and one CFF face."""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from tests import pdfinspect as pi
from typeset.cli import main
from typeset.errors import TypesetError
from typeset.text.fonts import FONTS_DIR, FontLibrary

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "data" / "model" / "issue"
KAI, SERIF = "LXGWWenKai-Regular.ttf", "NotoSerifCJKsc-Regular.otf"

pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    from fontTools.ttLib import TTCollection, TTFont

    path = tmp_path_factory.mktemp("coll") / "Pack.ttc"
    coll = TTCollection()
    coll.fonts = [TTFont(FONTS_DIR / KAI, lazy=True), TTFont(FONTS_DIR / SERIF, lazy=True)]
    coll.save(path)
    return path


def test_faces_of_a_collection_measure_like_their_single_files(pack):
    lib = FontLibrary([pack.parent])
    kai, serif = lib.face("Pack.ttc#0"), lib.face("Pack.ttc#1")
    single = FontLibrary()
    for face, name in ((kai, KAI), (serif, SERIF)):
        alone = single.face(name)
        assert (face.family, face.is_cff, face.num_glyphs) == (alone.family, alone.is_cff,
                                                               alone.num_glyphs)
        assert face.advances("政协，ABC") == alone.advances("政协，ABC")
        assert face.glyph_id("政") == alone.glyph_id("政")
    assert kai.index == 0 and serif.index == 1 and kai.file == serif.file == str(pack)
    # the cache key (identity) holds the index: two faces of one file never share an entry
    assert kai.identity != serif.identity and kai.identity.endswith("#0")
    assert lib.resolve("Pack.ttc#1") == f"{pack}#1"


def test_a_collection_without_an_index_or_with_a_wrong_one_is_refused(pack):
    lib = FontLibrary([pack.parent])
    with pytest.raises(TypesetError) as e:
        lib.face("Pack.ttc")
    assert "collection of 2 faces" in e.value.message and "#0" in e.value.message
    assert "#1 Noto Serif CJK SC Regular" in e.value.hint
    with pytest.raises(TypesetError) as e:
        lib.face("Pack.ttc#2")
    assert "no face 2" in e.value.message and e.value.file.endswith("Pack.ttc#2")


def test_a_collection_with_one_face_needs_no_index(pack, tmp_path):
    from fontTools.ttLib import TTCollection, TTFont

    coll = TTCollection()
    coll.fonts = [TTFont(FONTS_DIR / KAI, lazy=True)]
    coll.save(tmp_path / "One.otc")
    face = FontLibrary([tmp_path]).face("One.otc")
    assert face.index == 0 and face.family == "LXGW WenKai"


def test_an_issue_set_in_collection_faces_embeds_the_same_fonts(pack, tmp_path):
    """The fixture issue with its serif and kai faces taken from the collection: the same
    positions on every page (dump), the same embedded subsets (glyphs, widths, ToUnicode)."""
    issue = tmp_path / "issue"
    shutil.copytree(FIXTURE, issue)
    layout = (ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8")
    layout = layout.replace(f"song: [{SERIF}]", f"song: ['{pack}#1']")
    layout = layout.replace(f"kai: [{KAI},", f"kai: ['{pack}#0',")
    assert layout.count(str(pack)) == 2
    (issue / "house.yaml").write_text(layout, encoding="utf-8")
    m = issue / "issue.yaml"
    m.write_text(m.read_text(encoding="utf-8").replace("layout: guangxi", "layout: house.yaml"),
                 encoding="utf-8")
    a, b = tmp_path / "coll.pdf", tmp_path / "single.pdf"
    assert main(["build", str(m), "-o", str(a)]) == 0
    assert main(["build", str(FIXTURE / "issue.yaml"), "-o", str(b)]) == 0

    def shape(f):
        program = f.program
        if f.descendant_subtype == "/CIDFontType2":      # TrueType: the same outlines (the
            from fontTools.ttLib import TTFont            # file around them may differ)
            font = TTFont(io.BytesIO(program))
            program = [font["glyf"][g].compile(font["glyf"]) for g in font.getGlyphOrder()]
        return (f.descendant_subtype, re.sub(r"^/[A-Z]{6}\+", "", f.descendant_base_font),
                f.widths, f.tounicode, f.cid_to_gid, program)
    got = sorted(map(shape, pi.fonts(a.read_bytes())), key=repr)
    want = sorted(map(shape, pi.fonts(b.read_bytes())), key=repr)
    assert len(got) == 3 and got == want
    assert pi.page_texts(a.read_bytes()) == pi.page_texts(b.read_bytes())
