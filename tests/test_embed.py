"""The font modules (typeset.render.fontprogram, cffsubset, cidfont, rl) and the page writer,
checked on the PDFs they write."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

import pypdf
import pytest

from tests import pdfinspect as pi
from typeset.errors import TypesetError
from typeset.layout.page import Anchor, Link, Page, Rule, TextRun
from typeset.render import cffsubset, fontprogram
from typeset.render.rl import fonts as rl_fonts
from typeset.render.writer import CropMarks, DocumentInfo, render_pdf, write_pdf
from typeset.text.fonts import FontLibrary

SERIF = "NotoSerifCJKsc-Regular.otf"
SANS_BOLD = "NotoSansCJKsc-Bold.otf"
KAI = "LXGWWenKai-Regular.ttf"
W, H = 524.41, 737.01          # 185 x 260 mm

LINES = {
    SERIF: ["政协委员深入基层调研，提出意见建议四十余条。",
            "2024年第3期（总第120期）：Typeset 排版 ABC xyz 0123456789！",
            "“引号”‘单引’《书名》〈篇〉【注】——破折……省略；雲𠮷⼀一。"],
    SANS_BOLD: ["一、加强调查研究", "Bold 黑体 123，雲𠮷！"],
    KAI: ["（作者系某县政协主席。来源：《政协报》）", "楷体 Kai 2024：雲𠮷？"],
}


pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture(scope="module")
def library(private_cache):
    return FontLibrary()


def grid_xs(face, text, size, extra=0.0):
    xs, x = [], 0.0
    for ch in text:
        xs.append(x)
        x += face.advance(ch) * size + extra
    return tuple(xs)


def sample_pages(library) -> list[Page]:
    contents = Page(W, H, kind="contents", label="目录",
                    items=[TextRun(200, 650, SANS_BOLD, 22, "目　录", role="contents-head")],
                    anchors=[Anchor("contents", "目录", 680, key="contents")],
                    links=[Link(70, 600, 450, 615, key="art-1")])
    contents.items.append(TextRun(70, 603, SERIF, 12, "第一篇……………作者 (1)", role="contents-entry"))
    contents2 = Page(W, H, kind="contents", label="目录",
                     items=[TextRun(70, 650, SERIF, 12, "续页", role="contents-entry")])
    body = Page(W, H, label="1", folio="1",
                anchors=[Anchor("section", "政协动态", 700, key="sec-1", level=0),
                         Anchor("article", "第一篇", 690, key="art-1", level=1)])
    y = 650.0
    for key, lines in LINES.items():
        face = library.face(key)
        for text in lines:
            xs = grid_xs(face, text, 12, extra=0.05) if key == SERIF else None
            body.items.append(TextRun(70, y, key, 12, text, xs=xs, role="body"))
            y -= 22
    body.items.append(Rule(70, y, 454, y, 0.5))
    body2 = Page(W, H, label="2", items=[TextRun(70, 650, KAI, 10.5, "第二页", role="note")],
                 anchors=[Anchor("article", "第二篇", 690, key="art-2", level=1)])
    return [contents, contents2, body, body2]


@pytest.fixture(scope="module")
def pdf(library) -> bytes:
    return render_pdf(sample_pages(library), library, DocumentInfo("测试刊物 2024年第3期", author="编辑部"))


def expected_runs(pages, i):
    return [it for it in pages[i].items if isinstance(it, TextRun)]


# -- fonts in the PDF ------------------------------------------------------------------------

def test_every_font_is_an_embedded_cid_subset(pdf, library):
    fonts = {f.base_font.split("+", 1)[1]: f for f in pi.fonts(pdf)}
    assert set(fonts) == {"NotoSerifCJKsc-Regular-Identity-H", "NotoSansCJKsc-Bold-Identity-H",
                          "LXGWWenKai-Regular"}
    for name, f in fonts.items():
        assert f.subtype == "/Type0" and f.encoding == "/Identity-H"
        assert re.fullmatch(r"[A-Z]{6}", f.subset_tag)
        assert f.descendant_base_font.startswith("/" + f.subset_tag + "+")
        assert f.program and f.has_cidset and f.tounicode
        if name.startswith("Noto"):
            assert f.descendant_subtype == "/CIDFontType0"
            assert (f.font_file_key, f.font_file_subtype) == ("/FontFile3", "/CIDFontType0C")
            assert f.cff_is_cid_keyed()
        else:
            assert f.descendant_subtype == "/CIDFontType2"
            assert f.font_file_key == "/FontFile2"
            assert isinstance(f.cid_to_gid, list)


def chars_by_font(pages):
    used: dict[str, list[str]] = {}
    for p in pages:
        for it in p.items:
            if isinstance(it, TextRun):
                seq = used.setdefault(it.font, [])
                seq.extend(c for c in it.text if c not in seq)
    return used


def code_of(ch: str) -> int:
    """The rule of cidfont.py, for the sample's characters: a BMP character's code is its code
    point; a supplementary one's D800 + the low 11 bits of its code point (each face of the
    sample has one, so none meets another)."""
    cp = ord(ch)
    return cp if cp <= 0xFFFF else 0xD800 + (cp & 0x7FF)


def codes_by_font(pages) -> dict[str, dict[int, str]]:
    return {key: {code_of(c): c for c in chars} for key, chars in chars_by_font(pages).items()}


def _font_for(pdf, key):
    ps = key.rsplit(".", 1)[0]
    return next(f for f in pi.fonts(pdf) if ps in f.base_font)


@pytest.mark.parametrize("key", [SERIF, SANS_BOLD, KAI])
def test_subset_holds_exactly_the_glyphs_used(pdf, library, key):
    f = _font_for(pdf, key)
    used = chars_by_font(sample_pages(library))[key]
    face = library.face(key)
    codes = codes_by_font(sample_pages(library))[key]
    assert len(codes) == len(used) and "𠮷" in used and 0xDBB7 in codes
    if face.is_cff:
        # .notdef, then one glyph per character drawn, in code order, each with its code as
        # CID in the charset (a character's code is its code point)
        order = f.program_glyph_order()
        assert order == [".notdef"] + [f"cid{c:05d}" for c in sorted(codes)]
    else:
        distinct = {face.glyph_id(c) for c in used}
        assert f.program_glyph_count() == len(distinct) + 1
        # CIDToGIDMap: a glyph for each code drawn, .notdef (0) for every other CID
        assert len(f.cid_to_gid) == max(codes) + 1
        assert {c for c, g in enumerate(f.cid_to_gid) if g} == set(codes)
    full = face.num_glyphs
    assert len(f.program) < 200_000 and f.program_glyph_count() < full / 100


@pytest.mark.parametrize("key", [SERIF, SANS_BOLD, KAI])
def test_widths_equal_the_font_advances(pdf, library, key):
    f = _font_for(pdf, key)
    face = library.face(key)
    assert f.tounicode
    for code, ch in f.tounicode.items():
        assert f.width(code) == pytest.approx(face.advance(ch) * 1000, abs=1e-6), ch
    assert any(f.width(c) != 1000 for c in f.tounicode)       # Latin/digits are in W


@pytest.mark.parametrize("key", [SERIF, SANS_BOLD, KAI])
def test_tounicode_round_trips_every_character(pdf, library, key):
    f = _font_for(pdf, key)
    assert f.tounicode == codes_by_font(sample_pages(library))[key]


def test_shared_glyph_characters_keep_their_own_codes(pdf, library):
    face = library.face(SERIF)
    assert face.glyph_id("⼀") == face.glyph_id("一")      # Kangxi radical one = 一 in Noto
    f = _font_for(pdf, SERIF)
    assert "⼀" in f.tounicode.values() and "一" in f.tounicode.values()


def _same_programs(f, face):
    """Every glyph of the embedded CFF equals the face's glyph for its character, compared as
    fully desubroutinized Type 2 programs (outline, hints, hint masks, width)."""
    from fontTools.cffLib import CFFFontSet
    from fontTools.cffLib.transforms import desubroutinizeCharString
    from fontTools.ttLib import TTFont
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(f.program), otFont=None)
    sub = cff[cff.fontNames[0]]
    full = TTFont(face.path, lazy=True)
    full_cs = full["CFF "].cff.topDictIndex[0].CharStrings
    order = full.getGlyphOrder()
    programs = []
    for code, ch in sorted(f.tounicode.items()):
        a = sub.CharStrings[f"cid{code:05d}"]
        b = full_cs[order[face.glyph_id(ch)]]
        desubroutinizeCharString(a)
        desubroutinizeCharString(b)
        assert a.program == b.program, ch
        programs.append(a.program)
    assert len({tuple(map(str, p)) for p in programs}) > len(programs) // 2


@pytest.mark.parametrize("key", [SERIF, SANS_BOLD])
def test_cff_subset_keeps_each_glyph_program(pdf, library, key):
    _same_programs(_font_for(pdf, key), library.face(key))


def test_cff_fallback_through_fonttools(library, monkeypatch, tmp_path):
    def unsupported(*a, **k):
        raise cffsubset.Unsupported("forced")
    monkeypatch.setattr(cffsubset, "subset_cff", unsupported)   # (looked up at each subset)
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path))
    pages = sample_pages(library)
    data = render_pdf(pages, library, DocumentInfo("t"))
    f = _font_for(data, SERIF)
    codes = codes_by_font(pages)[SERIF]
    assert f.program_glyph_order() == [".notdef"] + [f"cid{c:05d}" for c in sorted(codes)]
    _same_programs(f, library.face(SERIF))
    assert _lines(pi.page_texts_pdfium(data)[2])[:3] == LINES[SERIF]


def _cidset(f) -> set[int]:
    data = f.descriptor["/CIDSet"].get_object().get_data()
    return {i for i in range(len(data) * 8) if data[i >> 3] & (0x80 >> (i & 7))}


@pytest.mark.parametrize("key", [SERIF, SANS_BOLD, KAI])
def test_cidset_and_widths_agree_with_the_font_program(pdf, library, key):
    """ISO 19005-2 §6.2.11.4.2: CIDSet lists every CID the program holds (here .notdef and
    the codes drawn, as sparse as they are); §6.2.11.5: the widths in /W and /DW are the
    program's own advances for each code's glyph."""
    f = _font_for(pdf, key)
    codes = set(f.tounicode)
    assert _cidset(f) == codes | {0}
    data = f.descriptor["/CIDSet"].get_object().get_data()
    assert len(data) == max(codes) // 8 + 1                  # a bit per CID up to the highest
    if f.font_file_key == "/FontFile3":
        from fontTools.cffLib import CFFFontSet
        from fontTools.pens.basePen import NullPen
        cff = CFFFontSet()
        cff.decompile(io.BytesIO(f.program), otFont=None)
        top = cff[cff.fontNames[0]]
        assert {int(n[3:]) for n in top.charset[1:]} == codes and top.CIDCount == max(codes) + 1
        scale = top.FontMatrix[0] * 1000
        for code in codes:
            cs = top.CharStrings[f"cid{code:05d}"]
            cs.draw(NullPen())
            assert f.width(code) == pytest.approx(cs.width * scale, abs=1e-6), code
    else:
        from fontTools.ttLib import TTFont
        font = TTFont(io.BytesIO(f.program))
        order, hmtx = font.getGlyphOrder(), font["hmtx"]
        scale = 1000 / font["head"].unitsPerEm
        assert {c for c, g in enumerate(f.cid_to_gid) if g} == codes
        for code in codes:
            advance = hmtx[order[f.cid_to_gid[code]]][0]
            assert f.width(code) == pytest.approx(advance * scale, abs=1e-6), code


def test_w_lists_only_the_codes_drawn_whose_width_is_not_dw(pdf):
    for f in pi.fonts(pdf):
        assert f.widths and set(f.widths) <= set(f.tounicode)
        assert all(w != f.dw for w in f.widths.values())


def test_widths_array_runs():
    """/W with sparse codes (ISO 32000-1 §9.7.4.3): consecutive codes share an entry, a run
    of one width of 4 codes or more is `c1 c2 w`, codes not drawn have no entry."""
    from typeset.render.cidfont import widths_array
    codes = [0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x30, 0x31, 0x4E00, 0x4E01, 0xFF0C]
    widths = [250, 250, 250, 250, 300, 1000, 500, 1000, 1000, 1000, 1000]
    assert widths_array(codes, widths) == (1000, "[32 35 250 36 [300] 48 [500]]")
    assert widths_array([], []) == (1000.0, "[]")


def _name_keyed_cff(path):
    """A small name-keyed CFF face (OpenType with a CFF table, no ROS): 甲 乙 A and 𠮷."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen
    names = [".notdef", "jia", "yi", "A", "ji"]
    boxes = {".notdef": (100, 900), "jia": (50, 950), "yi": (200, 600), "A": (0, 600),
             "ji": (300, 700)}
    widths = {".notdef": 1000, "jia": 1000, "yi": 1000, "A": 600, "ji": 1000}
    charstrings = {}
    for n in names:
        pen = T2CharStringPen(widths[n], None)
        x0, x1 = boxes[n]
        pen.moveTo((x0, 0))
        pen.lineTo((x1, 0))
        pen.lineTo((x1, 700 if n != "A" else 650))
        pen.lineTo((x0, 400))
        pen.closePath()
        charstrings[n] = pen.getCharString()
    fb = FontBuilder(1000, isTTF=False)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({0x7532: "jia", 0x4E59: "yi", 0x41: "A", 0x20BB7: "ji"})
    fb.setupCFF("TestNameKeyed-Regular", {"FullName": "Test Name Keyed"}, charstrings, {})
    fb.setupHorizontalMetrics({n: (widths[n], boxes[n][0]) for n in names})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "Test Name Keyed", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    fb.setupPost()
    fb.save(str(path))
    return path


@pytest.mark.parametrize("direct", [True, False])
def test_a_name_keyed_cff_face_is_embedded_cid_keyed(tmp_path, monkeypatch, direct):
    """Under a CIDFontType0 a name-keyed CFF program is indexed by CID as GID (ISO 32000-1
    §9.7.4.2): its subset is made CID-keyed, the charset giving each glyph its code, by the
    direct subsetter and by the fontTools path alike."""
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    if not direct:
        def unsupported(*a, **k):
            raise cffsubset.Unsupported("forced")
        monkeypatch.setattr(cffsubset, "subset_cff", unsupported)
    path = _name_keyed_cff(tmp_path / "namekeyed.otf")
    library = FontLibrary()
    text = "乙A甲𠮷甲"
    page = Page(W, H, items=[TextRun(70, 600, str(path), 24, text, role="body")])
    data = render_pdf([page], library, DocumentInfo("t"))
    (f,) = pi.fonts(data)
    assert f.descendant_subtype == "/CIDFontType0" and f.font_file_subtype == "/CIDFontType0C"
    assert f.cff_is_cid_keyed()
    # A 乙 甲 by their code points, 𠮷 (U+20BB7) D800 + 0x3B7: in code order
    assert f.program_glyph_order() == [".notdef"] + [f"cid{c:05d}" for c in
                                                     (0x41, 0x4E59, 0x7532, 0xDBB7)]
    assert f.tounicode == {0x41: "A", 0x4E59: "乙", 0x7532: "甲", 0xDBB7: "𠮷"}
    assert _cidset(f) == {0, 0x41, 0x4E59, 0x7532, 0xDBB7}
    assert f.width(0x41) == 600 and f.width(0x7532) == 1000
    assert _lines(pi.page_texts_pdfium(data)[0]) == [text]
    assert [r.text for r in pi.drawn_text(data, 0)] == [text]
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(f.program), otFont=None)
    sub = cff[cff.fontNames[0]]
    full = TTFont(path)["CFF "].cff.topDictIndex[0].CharStrings
    for cid, name in ((0x41, "A"), (0x4E59, "yi"), (0x7532, "jia"), (0xDBB7, "ji")):
        a, b = sub.CharStrings[f"cid{cid:05d}"], full[name]
        a.decompile()
        b.decompile()
        assert a.program == b.program, name
    assert pi.render(data)                          # PDFium draws it


# -- text ------------------------------------------------------------------------------------

def test_drawn_text_is_the_runs_in_order(pdf, library):
    pages = sample_pages(library)
    for i in range(len(pages)):
        drawn = [r.text for r in pi.drawn_text(pdf, i)]
        assert drawn == [r.text for r in expected_runs(pages, i)]


def _lines(s):
    return [l.strip() for l in s.replace("\r\n", "\n").split("\n") if l.strip()]


def test_extracted_text_equals_drawn_text(pdf, library):
    pages = sample_pages(library)
    by_pypdf = pi.page_texts(pdf)
    by_pdfium = pi.page_texts_pdfium(pdf)
    for i in range(len(pages)):
        want = [r.text for r in expected_runs(pages, i)]
        assert _lines(by_pypdf[i]) == want
        assert _lines(by_pdfium[i]) == want
    assert "雲𠮷⼀一" in by_pdfium[2] and "雲𠮷⼀一" in by_pypdf[2]


def test_glyphs_stand_where_the_runs_say(library):
    face = library.face(SERIF)
    text = "排版，测试ABC一二"
    xs = (0.0, 12.5, 24.0, 30.0, 43.25, 55.0, 61.0, 69.5, 81.0, 100.0)
    uniform = grid_xs(face, "均匀间距", 12, extra=1.5)
    page = Page(W, H, items=[TextRun(100.25, 500.5, SERIF, 12, text, xs=xs),
                             TextRun(100.0, 450.0, SERIF, 12, "均匀间距", xs=uniform)])
    data = render_pdf([page], library, DocumentInfo("t"), bleed=8.5)
    origins = pi.char_origins(data, 0)
    assert "".join(c for c, _, _ in origins) == text + "均匀间距"
    for (_, ox, oy), x in zip(origins, xs):
        assert ox == pytest.approx(100.25 + x + 8.5, abs=0.01)
        assert oy == pytest.approx(500.5 + 8.5, abs=0.01)
    for (_, ox, _), x in zip(origins[len(text):], uniform):
        assert ox == pytest.approx(100.0 + x + 8.5, abs=0.01)
    ops = pi.content(data, 0)
    assert " Tc" in ops and " TJ" in ops
    assert ops.count("BT") == 1                          # one text block for the page


def test_reportlab_canvas_uses_the_font_transparently(library, tmp_path):
    from reportlab.pdfgen.canvas import Canvas
    font = rl_fonts.register(library.face(KAI))
    rl_fonts.register_placeholder()
    out = tmp_path / "canvas.pdf"
    c = Canvas(str(out), invariant=1, initialFontName=rl_fonts.PLACEHOLDER_FONT_NAME)
    c.setFont(font.fontName, 14)
    c.drawString(72, 700, "画布直接使用：楷体 Kai 123。")
    t = c.beginText(72, 650)
    t.setFont(font.fontName, 12)
    t.textLine("文本对象第一行")
    t.textLine("第二行 OK")
    c.drawText(t)
    assert c.stringWidth("楷体", font.fontName, 10) == pytest.approx(20.0)
    c.save()
    assert _lines(pi.page_texts(out)[0]) == ["画布直接使用：楷体 Kai 123。", "文本对象第一行", "第二行 OK"]
    [f] = pi.fonts(out)
    assert f.descendant_subtype == "/CIDFontType2" and f.program


def test_pure_black_devicegray_and_rules(pdf):
    ops = pi.content(pdf, 2)
    assert "0 g 0 G" in ops
    assert re.search(r"\b(rg|RG|k|K|sc|SC|scn|SCN|cs|CS)\b", ops) is None
    assert re.search(r"0\.5 w 70 \d+(\.\d+)? m 454 \d+(\.\d+)? l S", ops)


def test_pages_render_with_ink(pdf):
    images = pi.render(pdf, scale=0.4)
    assert len(images) == 4
    assert all(pi.ink(im) > 20 for im in images)
    blank = render_pdf([Page(W, H)], FontLibrary(), DocumentInfo("t"))
    assert pi.ink(pi.render(blank, scale=0.4)[0]) == 0


# -- page geometry -----------------------------------------------------------------------------

def test_bleed_boxes_and_shift(library):
    page = Page(W, H, items=[TextRun(50, 50, SERIF, 12, "角")])
    data = render_pdf([page], library, DocumentInfo("t"), bleed=8.5)
    b = pi.boxes(data, 0)
    assert b["MediaBox"] == pytest.approx((0, 0, W + 17, H + 17))
    assert b["TrimBox"] == pytest.approx((8.5, 8.5, W + 8.5, H + 8.5))
    assert b["BleedBox"] == pytest.approx((0, 0, W + 17, H + 17))
    assert "1 0 0 1 8.5 8.5 cm" in pi.content(data, 0)
    plain = render_pdf([page], library, DocumentInfo("t"))
    assert pi.boxes(plain, 0) == {"MediaBox": pytest.approx((0, 0, W, H))}


def test_crop_marks_stand_outside_the_bleed(library):
    """Eight trim marks outside the bleed, in the registration colour."""
    page = Page(W, H, items=[TextRun(50, 50, SERIF, 12, "角")])
    marks = CropMarks()
    data = render_pdf([page], library, DocumentInfo("t"), bleed=8.5, crop_marks=True)
    b = pi.boxes(data, 0)
    off = 8.5 + marks.gap + marks.length
    assert b["MediaBox"] == pytest.approx((0, 0, W + 2 * off, H + 2 * off))
    assert b["TrimBox"] == pytest.approx((off, off, off + W, off + H))
    bx0, by0, bx1, by1 = b["BleedBox"]
    content = pi.content(data, 0)
    # Registration colour: a Separation /All over CMYK, so marks print on every plate.
    assert re.search(r"/All CS\s+1 SCN", content)
    segs = re.search(r"/All CS\s+1 SCN\s+\.25 w\s+0 J\s+n\s+(.*?)\s+S\s+Q", content, re.S).group(1)
    nums = [float(v) for v in re.findall(r"-?[\d.]+(?= )", segs.replace("\n", " ") + " ")]
    lines = [nums[i:i + 4] for i in range(0, len(nums), 4)]
    assert len(lines) == 8
    for x1, y1, x2, y2 in lines:
        inside = (bx0 < max(x1, x2) and min(x1, x2) < bx1 and by0 < max(y1, y2) and min(y1, y2) < by1)
        assert not inside
        assert (x1 == x2 and x1 in (pytest.approx(off), pytest.approx(off + W))) or \
               (y1 == y2 and y1 in (pytest.approx(off), pytest.approx(off + H)))


# -- navigation --------------------------------------------------------------------------------

def test_outline_destinations_links_and_labels(pdf):
    r = pypdf.PdfReader(io.BytesIO(pdf))
    assert r.page_labels == ["目录", "目录", "1", "2"]
    out = r.outline
    titles = [o.title if not isinstance(o, list) else [c.title for c in o] for o in out]
    assert titles == ["目录", "政协动态", ["第一篇", "第二篇"]]
    dests = r.named_destinations
    assert set(dests) == {"contents", "sec-1", "art-1", "art-2"}
    assert r.get_destination_page_number(dests["art-1"]) == 2
    assert float(dests["art-1"].top) == pytest.approx(690)
    annots = [a.get_object() for a in r.pages[0]["/Annots"]]
    [link] = [a for a in annots if a["/Subtype"] == "/Link"]
    assert [float(v) for v in link["/Rect"]] == pytest.approx([70, 600, 450, 615])
    assert r.get_page_number(link["/Dest"][0].get_object()) == 2
    assert link["/F"] == 4                                  # printable (PDF/A)
    assert r.trailer["/Root"]["/Lang"] == "zh-CN"
    assert r.metadata.title == "测试刊物 2024年第3期" and r.metadata.author == "编辑部"
    assert r.metadata.producer == "typeset" and r.metadata.creator == "typeset"


def test_link_to_unknown_key_is_an_error(library):
    page = Page(W, H, links=[Link(0, 0, 10, 10, key="nowhere")])
    with pytest.raises(TypesetError, match="nowhere"):
        render_pdf([page], library, DocumentInfo("t"))


def test_document_date(library):
    when = datetime(2024, 3, 15, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    data = render_pdf([Page(W, H)], library, DocumentInfo("t", date=when))
    assert b"D:20240315093000+08'00'" in data


# -- failure and determinism -------------------------------------------------------------------

def test_missing_glyph_is_reported_and_nothing_written(library, tmp_path):
    pages = sample_pages(library)
    pages[2].items.append(TextRun(70, 100, SERIF, 12, "缺字\U000F0001和\U000F0002", role="body"))
    pages[3].items.append(TextRun(70, 100, KAI, 12, "再\U000F0001", role="note"))
    out = tmp_path / "issue.pdf"
    with pytest.raises(TypesetError) as e:
        write_pdf(pages, out, library, DocumentInfo("t"))
    msg = str(e.value)
    assert "U+F0001" in msg and "U+F0002" in msg
    assert "page 3 (1) body" in msg and "page 4 (2) note" in msg
    assert SERIF in msg and KAI in msg
    assert "nothing was written" in msg
    assert list(tmp_path.iterdir()) == []


def test_encoding_a_missing_char_never_falls_back_to_notdef(library):
    font = rl_fonts.register(library.face(SERIF))
    with pytest.raises(TypesetError):
        font.encode("\U000F0001", object.__new__(type("Doc", (), {})))


def test_failed_write_keeps_the_earlier_file(library, tmp_path, monkeypatch):
    out = tmp_path / "issue.pdf"
    write_pdf([Page(W, H, items=[TextRun(70, 70, SERIF, 12, "旧版")])], out, library, DocumentInfo("t"))
    before = out.read_bytes()
    mode = out.stat().st_mode

    def boom(*a, **k):
        raise RuntimeError("subsetter exploded")
    monkeypatch.setattr(fontprogram, "build_subset", boom)
    with pytest.raises(TypesetError, match="subsetter exploded"):     # named, with the font
        write_pdf([Page(W, H, items=[TextRun(70, 70, SERIF, 12, "新版本从未写完")])], out, library,
                  DocumentInfo("t"))
    assert out.read_bytes() == before
    assert out.stat().st_mode == mode
    assert [p.name for p in tmp_path.iterdir()] == ["issue.pdf"]


def test_write_to_stream_and_path_agree(library, tmp_path):
    pages = sample_pages(library)
    buf = io.BytesIO()
    write_pdf(pages, buf, library, DocumentInfo("t"))
    write_pdf(pages, tmp_path / "a.pdf", library, DocumentInfo("t"))
    assert buf.getvalue() == (tmp_path / "a.pdf").read_bytes()


def test_output_is_deterministic_cold_and_warm(library, tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "fresh"))
    a = render_pdf(sample_pages(library), library, DocumentInfo("t"))      # cold subsets
    assert list((tmp_path / "fresh" / "subsets").rglob("*.bin"))
    b = render_pdf(sample_pages(library), library, DocumentInfo("t"))      # warm
    cache_on = rl_fonts.SubsetCache
    monkeypatch.setattr(rl_fonts, "SubsetCache", lambda *a, **k: None)  # no cache at all
    c = render_pdf(sample_pages(library), library, DocumentInfo("t"))
    monkeypatch.setattr(rl_fonts, "SubsetCache", cache_on)
    assert a == b == c
    other = render_pdf(sample_pages(library)[2:], library, DocumentInfo("t"))
    assert other != a


def test_subset_tags_follow_the_glyph_set(library):
    p1 = [Page(W, H, items=[TextRun(70, 70, SERIF, 12, "甲乙")])]
    p2 = [Page(W, H, items=[TextRun(70, 70, SERIF, 12, "甲丙")])]
    t1 = [f.subset_tag for f in pi.fonts(render_pdf(p1, library, DocumentInfo("t")))]
    t1b = [f.subset_tag for f in pi.fonts(render_pdf(p1, library, DocumentInfo("t")))]
    t2 = [f.subset_tag for f in pi.fonts(render_pdf(p2, library, DocumentInfo("t")))]
    assert t1 == t1b and t1 != t2


def test_only_typeset_fonts_in_the_pdf(pdf):
    # No ReportLab standard (unembedded) font sneaks in via the canvas preamble.
    assert b"/Helvetica" not in pdf and b"/Type1" not in pdf
    assert all(f.program for f in pi.fonts(pdf))
