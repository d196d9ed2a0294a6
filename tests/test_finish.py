"""The finished files, written once: print (PDF/X-4, X-1a) and archive (PDF/A-2u), and the
preflight that re-checks written bytes.

No validator can be installed here, so these tests check the rules themselves on the bytes the
page writer produces, reading them back with pypdf, xml.etree, an ICC header parser of their
own and qpdf. The preflight (typeset.render.preflight, what `typeset check --pdf` runs) is
tested both ways: it finds nothing in what the writer makes, and it finds each rule broken on
purpose, in files made with ReportLab directly or edited with pypdf. The writer's own rules
(refusing at the draw call what the variant forbids) are tested at the bottom.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, DictionaryObject, IndirectObject, NameObject,
                           NumberObject, StreamObject, TextStringObject)

from typeset.errors import TypesetError
from typeset.issueinfo import Metadata, document_date, document_info
from typeset.layout.page import Anchor, Link, Page, Rule, TextRun
from typeset.render import variants as V
from typeset.render.preflight import Violation, preflight
from typeset.render.variants import PDF_A2U, PDF_X1A, PDF_X4
from typeset.render.writer import CropMarks, VariantViolation, render_pdf
from typeset.render.xmp import NS
from typeset.text.fonts import FontLibrary

ROOT = Path(__file__).resolve().parents[1]
META = Metadata(title="广西政协工作 2024年第2期", journal="广西政协工作", year=2024, number=2,
                date=dt.date(2024, 3, 15))
TRIM = (524.41, 737.01)       # 185 x 260 mm
BLEED = 8.5                   # 3 mm
SERIF = "NotoSerifCJKsc-Regular.otf"
KAI = "LXGWWenKai-Regular.ttf"

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

pytestmark = pytest.mark.usefixtures("private_cache")


# ---------------------------------------------------------------------------------------------
# PDFs made without typeset (ReportLab directly, edited with pypdf), to break rules on purpose

def _vera():
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    if "Vera" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Vera", str(path)))
    return path


def rl_pdf(pages: int = 2, *, bleed: float = BLEED, boxes: bool = True, rgb: bool = False,
           alpha: bool = False, cmyk: bool = True, init_font: str = "Vera",
           text_font: str = "Vera", links: bool = True, rgb_image: bool = False) -> bytes:
    """A ReportLab document shaped like the renderer's: gray text, CMYK marks, trim/bleed."""
    from reportlab.pdfgen.canvas import Canvas

    _vera()
    buf = io.BytesIO()
    w, h = TRIM[0] + 2 * bleed, TRIM[1] + 2 * bleed
    c = Canvas(buf, pagesize=(w, h), invariant=1, initialFontName=init_font)
    for i in range(pages):
        if boxes:
            c.setTrimBox((bleed, bleed, bleed + TRIM[0], bleed + TRIM[1]))
            c.setBleedBox((0, 0, w, h))
        c.setFillGray(0)
        c.setFont(text_font, 12)
        c.drawString(72, 600, f"Page {i + 1} of the issue")
        if cmyk:
            c.setStrokeColorCMYK(1, 1, 1, 1)
            c.line(0, 0, bleed / 2, bleed / 2)
        if rgb:
            c.setFillColorRGB(1, 0, 0)
            c.rect(72, 72, 20, 20, fill=1, stroke=0)
        if alpha:
            c.setFillGray(0.5)
            c.setFillAlpha(0.5)
            c.rect(100, 72, 20, 20, fill=1, stroke=0)
        if rgb_image:
            from PIL import Image
            from reportlab.lib.utils import ImageReader
            c.drawImage(ImageReader(Image.new("RGB", (4, 4), (200, 10, 10))), 130, 72, 8, 8)
        c.bookmarkPage(f"p{i}")
        c.addOutlineEntry(f"Article {i + 1}", f"p{i}", 0)
        if links:
            c.linkURL("https://example.org/", (72, 600, 200, 614))
        c.showPage()
    c.save()
    return buf.getvalue()


def _tounicode(pairs: dict[int, str], width: int = 2) -> bytes:
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CMapName /Test-UCS def", "/CMapType 2 def", "1 begincodespacerange",
             f"<{'00' * width}> <{'FF' * width}>", "endcodespacerange",
             f"{len(pairs)} beginbfchar"]
    for code, text in sorted(pairs.items()):
        lines.append(f"<{code:0{2 * width}X}> <{text.encode('utf-16-be').hex().upper()}>")
    lines += ["endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def cid_pdf(text: str = "Hello", *, tounicode: str = "full") -> bytes:
    """A page with a Type0/CIDFontType2 font (Identity-H), as the renderer writes CJK text.
    tounicode: 'full', 'none', 'partial' (first glyph unmapped) or 'nul' (maps to U+0000)."""
    from fontTools.ttLib import TTFont as FTFont

    path = _vera()
    ft = FTFont(str(path))
    cmap = ft.getBestCmap()
    gids = [ft.getGlyphID(cmap[ord(ch)]) for ch in text]
    base = rl_pdf(1, links=False, cmyk=False)
    reader = PdfReader(io.BytesIO(base))
    writer = PdfWriter(clone_from=reader)
    page = writer.pages[0]
    prog = StreamObject()
    prog.set_data(path.read_bytes())
    prog[NameObject("/Length1")] = NumberObject(len(path.read_bytes()))
    desc = DictionaryObject({
        NameObject("/Type"): NameObject("/FontDescriptor"),
        NameObject("/FontName"): NameObject("/AAAAAA+Vera"),
        NameObject("/Flags"): NumberObject(4),
        NameObject("/FontBBox"): ArrayObject([NumberObject(v) for v in (-183, -236, 1287, 928)]),
        NameObject("/ItalicAngle"): NumberObject(0), NameObject("/Ascent"): NumberObject(928),
        NameObject("/Descent"): NumberObject(-236), NameObject("/CapHeight"): NumberObject(729),
        NameObject("/StemV"): NumberObject(80),
        NameObject("/FontFile2"): writer._add_object(prog.flate_encode()),
    })
    cid = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/CIDFontType2"),
        NameObject("/BaseFont"): NameObject("/AAAAAA+Vera"),
        NameObject("/CIDSystemInfo"): DictionaryObject({
            NameObject("/Registry"): TextStringObject("Adobe"),
            NameObject("/Ordering"): TextStringObject("Identity"),
            NameObject("/Supplement"): NumberObject(0)}),
        NameObject("/FontDescriptor"): writer._add_object(desc),
        NameObject("/CIDToGIDMap"): NameObject("/Identity"),
        NameObject("/DW"): NumberObject(600),
    })
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type0"),
        NameObject("/BaseFont"): NameObject("/AAAAAA+Vera"),
        NameObject("/Encoding"): NameObject("/Identity-H"),
        NameObject("/DescendantFonts"): ArrayObject([writer._add_object(cid)]),
    })
    pairs = {g: ch for g, ch in zip(gids, text)}
    if tounicode == "partial":
        pairs.pop(gids[0])
    if tounicode == "nul":
        pairs[gids[0]] = "\0"
    if tounicode != "none":
        tu = StreamObject()
        tu.set_data(_tounicode(pairs))
        font[NameObject("/ToUnicode")] = writer._add_object(tu)
    res = page["/Resources"].get_object()
    fonts = res["/Font"].get_object()
    fonts[NameObject("/T0")] = writer._add_object(font)
    content = StreamObject()
    hexcodes = "".join(f"{g:04X}" for g in gids)
    content.set_data(f"BT 0 g /T0 14 Tf 72 500 Td <{hexcodes}> Tj ET".encode("ascii"))
    old = page["/Contents"]
    page[NameObject("/Contents")] = ArrayObject([old if isinstance(old, IndirectObject)
                                                 else writer._add_object(old),
                                                 writer._add_object(content)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# independent readers of what we wrote

def icc_header(data: bytes) -> dict:
    # our own reader, not typeset.render.variants.icc_header
    """ICC.1 §7.2: size (0), version (8), class (12), colour space (16), PCS (20), 'acsp' (36)."""
    assert len(data) >= 128 + 4, "shorter than an ICC header and tag count"
    size = struct.unpack(">I", data[:4])[0]
    return {"size": size, "actual": len(data), "major": data[8], "class": data[12:16],
            "space": data[16:20], "pcs": data[20:24], "magic": data[36:40],
            "tags": struct.unpack(">I", data[128:132])[0]}


def xmp(reader: PdfReader) -> ET.Element:
    meta = reader.trailer["/Root"]["/Metadata"].get_object()
    assert "/Filter" not in meta, "the metadata stream must be readable as plain XML"
    data = meta.get_data()
    assert data.startswith(b"<?xpacket begin=") and data.rstrip().endswith(b'<?xpacket end="w"?>')
    return ET.fromstring(data[data.index(b"<x:xmpmeta"):data.index(b"</x:xmpmeta>") + 12])


def xmp_value(root: ET.Element, prefix: str, name: str) -> str | None:
    el = root.find(f".//{{{NS[prefix]}}}{name}")
    if el is None:
        return None
    li = el.find(f".//{RDF}li")
    return (li.text if li is not None else el.text) or ""


def pdf_date_to_xmp(d: str) -> str:
    # D:YYYYMMDDHHmmSS+HH'mm' -> YYYY-MM-DDTHH:mm:SS+HH:mm
    return f"{d[2:6]}-{d[6:8]}-{d[8:10]}T{d[10:12]}:{d[12:14]}:{d[14:16]}{d[16:19]}:{d[20:22]}"


def all_fonts(reader: PdfReader):
    """Every font dictionary in every page's (and form's) resources."""
    seen = set()

    def visit(res):
        res = res.get_object() if res is not None else None
        if not isinstance(res, DictionaryObject):
            return
        for ref in (res.get("/Font") or DictionaryObject()).get_object().values():
            if ref.idnum not in seen:
                seen.add(ref.idnum)
                yield ref.get_object()
        for ref in (res.get("/XObject") or DictionaryObject()).get_object().values():
            xo = ref.get_object()
            if xo.get("/Subtype") == "/Form":
                yield from visit(xo.get("/Resources"))

    for page in reader.pages:
        yield from visit(page.get("/Resources"))


def font_embedded(font) -> bool:
    if font["/Subtype"] == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    fd = font.get("/FontDescriptor")
    return fd is not None and any(k in fd.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def box(page, name):
    return [float(v) for v in page[name]]


def inside(a, b):
    return a[0] >= b[0] and a[1] >= b[1] and a[2] <= b[2] and a[3] <= b[3]


# ---------------------------------------------------------------------------------------------
# what typeset writes

def issue_pages() -> list[Page]:
    """Three pages shaped like an issue's: contents with a link, two body pages with text in
    two faces, a rule, anchors, labels."""
    w, h = TRIM
    contents = Page(w, h, kind="contents", label="目录",
                    items=[TextRun(200, 650, SERIF, 22, "目　录", role="contents-head"),
                           TextRun(70, 603, SERIF, 12, "政协委员深入基层……………1", role="contents-entry")],
                    anchors=[Anchor("contents", "目录", 680, key="contents")],
                    links=[Link(70, 600, 450, 615, key="article-1-1")])
    body = Page(w, h, label="1", folio="1",
                items=[TextRun(70, 650, SERIF, 22, "政协委员深入基层", role="title"),
                       TextRun(70, 600, SERIF, 12, "政协委员深入基层调研，提出意见建议四十余条。",
                               role="body"),
                       TextRun(70, 578, KAI, 12, "（作者系某县政协主席。Hello 2024）", role="note"),
                       Rule(70, 560, 454, 560, 0.5, role="rule")],
                anchors=[Anchor("section", "政协动态", 700, key="section-0", level=0),
                         Anchor("article", "政协委员深入基层", 690, key="article-1-1", level=1)])
    body2 = Page(w, h, label="2", folio="2",
                 items=[TextRun(70, 650, KAI, 10.5, "第二页", role="body")],
                 anchors=[Anchor("article", "第二篇", 690, key="article-1-2", level=1)])
    return [contents, body, body2]


def written(variant, meta=META, pages=None, **kw) -> bytes:
    args = dict(bleed=BLEED, crop_marks=CropMarks())
    args.update(kw)
    return render_pdf(pages or issue_pages(), FontLibrary(), document_info(meta),
                      variant=variant, issue=meta, **args)


@pytest.fixture(scope="module")
def x4(private_cache) -> bytes:
    return written(PDF_X4)


@pytest.fixture(scope="module")
def x1a(private_cache) -> bytes:
    return written(PDF_X1A)


@pytest.fixture(scope="module")
def pdfa(private_cache) -> bytes:
    return written(PDF_A2U)


def edited(data: bytes, change) -> bytes:
    """`data` rewritten by pypdf after `change(writer)`, keeping header and ID."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.pdf_header = data[:8].decode("latin-1")
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# print: PDF/X

@pytest.mark.parametrize("level", ["x4", "x1a"])
def test_print_info_and_version_keys(level, x4, x1a):
    data = x4 if level == "x4" else x1a
    assert data.startswith(b"%PDF-1.6\n" if level == "x4" else b"%PDF-1.4\n")
    r = PdfReader(io.BytesIO(data))
    info = r.trailer["/Info"].get_object()
    if level == "x4":
        assert info["/GTS_PDFXVersion"] == "PDF/X-4"
        assert "/GTS_PDFXConformance" not in info
    else:
        assert info["/GTS_PDFXVersion"] == "PDF/X-1a:2003"
        assert info["/GTS_PDFXConformance"] == "PDF/X-1a:2003"
    assert info["/Trapped"] == "/False"
    assert info["/Title"] == META.title
    assert info["/CreationDate"] == info["/ModDate"] == "D:20240315000000+00'00'"
    assert "/Encrypt" not in r.trailer


@pytest.mark.parametrize("level", ["x4", "x1a"])
def test_print_xmp_matches_info(level, x4, x1a):
    r = PdfReader(io.BytesIO(x4 if level == "x4" else x1a))
    info = r.trailer["/Info"].get_object()
    root = xmp(r)
    assert xmp_value(root, "dc", "title") == info["/Title"]
    assert xmp_value(root, "pdf", "Producer") == info["/Producer"] == META.producer
    assert xmp_value(root, "xmp", "CreatorTool") == info["/Creator"] == META.creator
    assert xmp_value(root, "xmp", "CreateDate") == pdf_date_to_xmp(info["/CreationDate"])
    assert xmp_value(root, "xmp", "ModifyDate") == pdf_date_to_xmp(info["/ModDate"])
    assert xmp_value(root, "pdf", "Trapped") == "False"
    assert xmp_value(root, "xmpMM", "DocumentID").startswith("uuid:")
    assert xmp_value(root, "xmpMM", "VersionID") and xmp_value(root, "xmpMM", "RenditionClass")
    if level == "x4":
        assert xmp_value(root, "pdfxid", "GTS_PDFXVersion") == "PDF/X-4"
    else:
        assert xmp_value(root, "pdfx", "GTS_PDFXVersion") == info["/GTS_PDFXVersion"]
        assert xmp_value(root, "pdfx", "GTS_PDFXConformance") == info["/GTS_PDFXConformance"]
    assert xmp_value(root, "pdfaid", "part") is None      # the print file claims no PDF/A


@pytest.mark.parametrize("level", ["x4", "x1a"])
def test_print_output_intent_is_a_cmyk_printer_profile(level, x4, x1a):
    r = PdfReader(io.BytesIO(x4 if level == "x4" else x1a))
    intents = r.trailer["/Root"]["/OutputIntents"]
    assert len(intents) == 1
    oi = intents[0].get_object()
    assert oi["/Type"] == "/OutputIntent" and oi["/S"] == "/GTS_PDFX"
    assert oi["/OutputConditionIdentifier"] == "FOGRA39"
    assert oi["/RegistryName"] == "http://www.color.org" and oi["/Info"]
    prof = oi["/DestOutputProfile"].get_object()
    assert prof["/N"] == 4
    h = icc_header(prof.get_data())
    assert h["magic"] == b"acsp" and h["size"] == h["actual"] and h["tags"] > 0
    assert h["space"] == b"CMYK" and h["class"] == b"prtr" and h["pcs"] in (b"Lab ", b"XYZ ")
    assert h["major"] == 2          # v2: admitted by PDF/X-1a (PDF 1.4) as well as X-4


def test_print_boxes_nest_on_every_page(x4):
    r = PdfReader(io.BytesIO(x4))
    assert len(r.pages) == 3
    for page in r.pages:
        trim, bleed, media = box(page, "/TrimBox"), box(page, "/BleedBox"), box(page, "/MediaBox")
        assert inside(trim, bleed) and inside(bleed, media)
        assert trim[2] - trim[0] == pytest.approx(TRIM[0], abs=0.01)
        assert trim[0] - bleed[0] == pytest.approx(BLEED, abs=0.01)


def test_print_without_bleed_has_trim_equal_to_media():
    r = PdfReader(io.BytesIO(written(PDF_X4, bleed=0.0, crop_marks=False)))
    for page in r.pages:
        assert box(page, "/TrimBox") == box(page, "/BleedBox") == box(page, "/MediaBox")


def test_print_has_no_link_annotations_keeps_outlines(x4):
    r = PdfReader(io.BytesIO(x4))
    assert all("/Annots" not in p for p in r.pages)
    titles = [o.title if not isinstance(o, list) else [c.title for c in o] for o in r.outline]
    assert titles == ["目录", "政协动态", ["政协委员深入基层", "第二篇"]]
    assert r.page_labels == ["目录", "1", "2"]


def test_print_has_no_rgb_anywhere(x4):
    """Scan every content stream for RGB operators and every object for RGB colour spaces."""
    r = PdfReader(io.BytesIO(x4))
    for page in r.pages:
        for operands, op in page.get_contents().operations:
            assert op not in (b"rg", b"RG"), "DeviceRGB colour operator in the print file"
            if op in (b"cs", b"CS"):
                assert operands[0] not in ("/DeviceRGB", "/CalRGB")
    assert b"/DeviceRGB" not in x4 and b"/CalRGB" not in x4


# ---------------------------------------------------------------------------------------------
# archive: PDF/A-2u

def test_archive_header_and_binary_comment(pdfa):
    assert pdfa.startswith(b"%PDF-1.7\n")
    second = pdfa.split(b"\n")[1]
    assert second.startswith(b"%") and sum(b > 127 for b in second[1:5]) == 4   # ISO 19005-2 §6.1.2
    assert pdfa.rstrip().endswith(b"%%EOF")


def test_archive_xmp_declares_pdfa2u_and_matches_info(pdfa):
    r = PdfReader(io.BytesIO(pdfa))
    info = r.trailer["/Info"].get_object()
    root = xmp(r)
    assert xmp_value(root, "pdfaid", "part") == "2"
    assert xmp_value(root, "pdfaid", "conformance") == "U"
    title = root.find(f".//{{{NS['dc']}}}title//{RDF}li")
    assert title.get(XML_LANG) == "x-default" and title.text == info["/Title"] == META.title
    assert xmp_value(root, "dc", "creator") == info["/Author"] == META.journal
    assert xmp_value(root, "dc", "description") == info["/Subject"]
    assert xmp_value(root, "pdf", "Producer") == info["/Producer"] == "typeset 0.1.0"
    assert xmp_value(root, "xmp", "CreatorTool") == info["/Creator"]
    assert xmp_value(root, "xmp", "CreateDate") == pdf_date_to_xmp(info["/CreationDate"])
    assert xmp_value(root, "xmp", "ModifyDate") == pdf_date_to_xmp(info["/ModDate"])
    assert xmp_value(root, "dc", "language") == "zh-CN"
    assert r.trailer["/Root"]["/Lang"] == "zh-CN"
    # the issue itself
    assert xmp_value(root, "prism", "publicationName") == "广西政协工作"
    assert xmp_value(root, "prism", "number") == "2"
    assert xmp_value(root, "prism", "coverDate") == "2024"
    assert xmp_value(root, "prism", "publicationDate") == "2024-03-15"
    assert "/Trapped" not in info and "/Keywords" not in info


def test_archive_xmp_extension_schema_describes_every_prism_property(pdfa):
    """ISO 19005-2 §6.6.2.3.1: properties outside the predefined schemas need a description."""
    root = xmp(PdfReader(io.BytesIO(pdfa)))
    used = {el.tag.split("}")[1] for el in root.iter() if el.tag.startswith(f"{{{NS['prism']}}}")}
    described = {el.text for el in root.iter(f"{{{NS['pdfaProperty']}}}name")}
    uri = root.find(f".//{{{NS['pdfaSchema']}}}namespaceURI").text
    assert uri == NS["prism"] and used and used <= described


def test_archive_output_intent_is_srgb(pdfa):
    r = PdfReader(io.BytesIO(pdfa))
    (oi,) = [o.get_object() for o in r.trailer["/Root"]["/OutputIntents"]]
    assert oi["/S"] == "/GTS_PDFA1" and oi["/OutputConditionIdentifier"] == "sRGB IEC61966-2.1"
    prof = oi["/DestOutputProfile"].get_object()
    h = icc_header(prof.get_data())
    assert prof["/N"] == 3 and h["magic"] == b"acsp" and h["size"] == h["actual"]
    assert h["space"] == b"RGB " and h["class"] == b"mntr" and h["major"] <= 4


def test_archive_fonts_embedded_with_tounicode_and_text_extracts(pdfa):
    r = PdfReader(io.BytesIO(pdfa))
    fonts = list(all_fonts(r))
    assert len(fonts) == 2 and all(f["/Subtype"] == "/Type0" for f in fonts)
    for f in fonts:
        assert font_embedded(f), f.get("/BaseFont")
        assert "/ToUnicode" in f, f.get("/BaseFont")
    assert "政协委员深入基层调研" in r.pages[1].extract_text()
    assert "Hello 2024" in r.pages[1].extract_text()


def test_archive_has_printable_links_and_no_bleed(pdfa):
    r = PdfReader(io.BytesIO(pdfa))
    annots = [a.get_object() for p in r.pages for a in p.get("/Annots", [])]
    assert len(annots) == 1 and annots[0]["/Subtype"] == "/Link"
    assert int(annots[0]["/F"]) & 4 and not int(annots[0]["/F"]) & 2
    assert all(box(p, "/MediaBox") == [0, 0, pytest.approx(TRIM[0], abs=0.01),
                                       pytest.approx(TRIM[1], abs=0.01)] for p in r.pages)
    assert b"/All" not in pdfa and b"/Separation" not in pdfa       # no crop marks, no CMYK


# ---------------------------------------------------------------------------------------------
# identical bytes, identifier from the content

def test_same_inputs_same_bytes_and_content_derived_id(x4):
    assert written(PDF_X4) == x4
    r = PdfReader(io.BytesIO(x4))
    ids = r.trailer["/ID"]
    raw_id = [bytes(getattr(i, "original_bytes", i)) for i in ids]
    assert len(ids) == 2 and raw_id[0] == raw_id[1] and len(raw_id[0]) == 16
    assert xmp_value(xmp(r), "xmpMM", "DocumentID") == f"uuid:{__import__('uuid').UUID(bytes=raw_id[0])}"
    other_pages = issue_pages()
    other_pages[2].items[0] = TextRun(70, 650, KAI, 10.5, "第三页", role="body")
    other = written(PDF_X4, pages=other_pages)
    assert PdfReader(io.BytesIO(other)).trailer["/ID"][0] != ids[0]
    renumbered = written(PDF_X4, meta=dataclasses.replace(META, number=3))
    assert PdfReader(io.BytesIO(renumbered)).trailer["/ID"][0] != ids[0]


def test_two_processes_in_different_directories_write_identical_bytes(tmp_path):
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from tests.test_finish import META, PDF_A2U, PDF_X4, written\n"
        "import dataclasses\n"
        "meta = dataclasses.replace(META, date=None)\n"
        "Path('print.pdf').write_bytes(written(PDF_X4, meta=meta))\n"
        "Path('archive.pdf').write_bytes(written(PDF_A2U, meta=meta))\n")
    outs = []
    for i, seed in enumerate(("1", "2")):
        d = tmp_path / f"run{i}"
        d.mkdir()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed,
               "SOURCE_DATE_EPOCH": "1710460800", "TYPESET_CACHE": str(tmp_path / f"cache{i}")}
        subprocess.run([sys.executable, "-c", script, str(ROOT)], cwd=d, env=env, check=True)
        outs.append(((d / "print.pdf").read_bytes(), (d / "archive.pdf").read_bytes()))
    assert outs[0] == outs[1]
    r = PdfReader(io.BytesIO(outs[0][1]))
    assert r.trailer["/Info"]["/CreationDate"] == "D:20240315000000+00'00'"   # SOURCE_DATE_EPOCH


def test_document_date_sources(monkeypatch):
    assert document_date(META) == dt.datetime(2024, 3, 15, tzinfo=dt.timezone.utc)
    undated = Metadata(**{**META.__dict__, "date": None})
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert document_date(undated) == dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert document_date(undated) == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.timezone.utc)
    assert document_date(META).date() == META.date          # the manifest wins
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(TypesetError, match="SOURCE_DATE_EPOCH"):
        document_date(undated)


def test_metadata_is_validated():
    with pytest.raises(TypesetError, match="year"):
        Metadata(title="t", journal="j", year=24, number=1, date=None)
    with pytest.raises(TypesetError, match="number"):
        Metadata(title="t", journal="j", year=2024, number=0, date=None)


# ---------------------------------------------------------------------------------------------
# qpdf and the shipped profiles

@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf not installed")
@pytest.mark.parametrize("which", ["x4", "x1a", "pdfa"])
def test_qpdf_check_finds_no_errors(which, tmp_path, request):
    path = tmp_path / f"{which}.pdf"
    path.write_bytes(request.getfixturevalue(which))
    res = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "No syntax or stream encoding errors" in res.stdout
    assert "WARNING" not in res.stdout + res.stderr


def test_shipped_srgb_profile_is_what_the_script_makes():
    from typeset.render.icc.make_srgb import build
    assert (V.ICC_DIR / V.RGB_PROFILE).read_bytes() == build()


def test_shipped_profiles_work_in_littlecms():
    from PIL import Image, ImageCms
    srgb = ImageCms.ImageCmsProfile(io.BytesIO((V.ICC_DIR / V.RGB_PROFILE).read_bytes()))
    cmyk = ImageCms.ImageCmsProfile(io.BytesIO((V.ICC_DIR / V.CMYK_PROFILE).read_bytes()))
    im = Image.new("RGB", (3, 1))
    im.putdata([(255, 255, 255), (0, 0, 0), (128, 64, 32)])
    same = ImageCms.applyTransform(im, ImageCms.buildTransform(
        srgb, ImageCms.createProfile("sRGB"), "RGB", "RGB", renderingIntent=1))
    assert same.tobytes() == im.tobytes()           # our sRGB is littleCMS's sRGB
    ink = ImageCms.applyTransform(im, ImageCms.buildTransform(
        srgb, cmyk, "RGB", "CMYK", renderingIntent=1)).tobytes()
    assert ink[0:4] == bytes(4)                     # paper white: no ink
    assert sum(ink[4:8]) / 255 * 100 <= 331          # black within the 330 % ink limit


def test_icc_licence_notes_are_shipped():
    text = (V.ICC_DIR / "README.md").read_text(encoding="utf-8")
    for name in (V.RGB_PROFILE, V.CMYK_PROFILE, "Zlib"):
        assert name in text


# ---------------------------------------------------------------------------------------------
# preflight: nothing in what the writer makes, and each rule broken on purpose

@pytest.mark.parametrize("which,variant", [("x4", PDF_X4), ("x1a", PDF_X1A), ("pdfa", PDF_A2U)])
def test_preflight_finds_nothing_in_what_the_writer_makes(which, variant, request):
    assert preflight(request.getfixturevalue(which), variant) == []


def test_preflight_of_another_variant_lists_what_is_missing(pdfa):
    found = {str(v) for v in preflight(pdfa, PDF_X4)}
    assert "header: PDF 1.7 is newer than PDF/X-4 allows (1.6)" in found
    assert "Info: no /GTS_PDFXVersion (it must be PDF/X-4)" in found
    assert "XMP: pdfxid:GTS_PDFXVersion is None, not 'PDF/X-4' (the PDF/X-4 identification, " \
           "ISO 19005-2 §6.6.4, ISO 15930-7 §6.7.2)" in found
    assert "page 1: no TrimBox (ISO 15930-7 §6.2.2)" in found
    assert any(v.startswith("page 1: Link annotation: inside the bleed box") for v in found)
    assert any(v.startswith("output intent: 0 output intents of subtype /GTS_PDFX") for v in found)


def _append_content(writer, page: int, ops: bytes) -> None:
    p = writer.pages[page]
    extra = StreamObject()
    extra.set_data(ops)
    old = p["/Contents"]
    p[NameObject("/Contents")] = ArrayObject([old if isinstance(old, IndirectObject)
                                              else writer._add_object(old),
                                              writer._add_object(extra)])


def test_preflight_finds_rgb_drawn_on_a_page(x4):
    bad = edited(x4, lambda w: _append_content(w, 1, b"1 0 0 rg 0 0 5 5 re f"))
    assert preflight(bad, PDF_X4) == [Violation("page 2", "RGB colour (rg)")]
    assert preflight(bad, PDF_A2U) != [] and not any(
        "RGB colour" in v.message for v in preflight(bad, PDF_A2U))  # RGB is fine in the archive


def test_preflight_finds_a_missing_trim_box(x4):
    bad = edited(x4, lambda w: w.pages[0].pop("/TrimBox"))
    assert preflight(bad, PDF_X4) == [Violation("page 1", "no TrimBox (ISO 15930-7 §6.2.2)")]


def test_preflight_finds_an_xmp_that_disagrees_with_info(pdfa):
    def change(w):
        w._info[NameObject("/Title")] = TextStringObject("另一个标题")
    found = preflight(edited(pdfa, change), PDF_A2U)
    assert len(found) == 1 and found[0].where == "XMP" and "differs from Info /Title" in found[0].message


def test_preflight_finds_incomplete_tounicode(pdfa):
    def change(w):
        for f in all_fonts(w):
            f.pop("/ToUnicode", None)
    found = preflight(edited(pdfa, change), PDF_A2U)
    assert len(found) == 2 and all("no ToUnicode CMap (ISO 19005-2 §6.2.11.7.2" in v.message
                                   for v in found)
    assert found[0].page == 1                          # where the font is first used
    assert not any("ToUnicode" in v.message for v in preflight(edited(pdfa, change), PDF_X4))


@pytest.mark.parametrize("mode,msg", [("none", "no ToUnicode"), ("partial", "no entry for code"),
                                      ("nul", "U\\+0000")])
def test_preflight_finds_fonts_without_complete_tounicode(mode, msg):
    found = [str(v) for v in preflight(cid_pdf("Hello", tounicode=mode), PDF_A2U)]
    assert any(__import__("re").search(msg, v) for v in found), found
    assert not any("ToUnicode" in v for v in
                   map(str, preflight(cid_pdf("Hello", tounicode=mode), PDF_X4)))


@pytest.mark.parametrize("kw,what", [({"rgb": True}, "RGB colour (rg)"),
                                     ({"rgb_image": True}, "RGB colour (image"),
                                     ({"rgb_image": True}, "RGB colour: colour space /DeviceRGB")])
def test_preflight_finds_rgb_in_foreign_files(kw, what):
    found = [str(v) for v in preflight(rl_pdf(1, **kw), PDF_X4)]
    assert any(what in v for v in found), found


def test_preflight_finds_rgb_colour_space_even_unused():
    reader = PdfReader(io.BytesIO(rl_pdf(1)))
    writer = PdfWriter(clone_from=reader)
    res = writer.pages[0]["/Resources"]
    res[NameObject("/ColorSpace")] = DictionaryObject(
        {NameObject("/CS0"): ArrayObject([NameObject("/Separation"), NameObject("/Spot"),
                                          NameObject("/DeviceRGB"), NameObject("/Identity")])})
    out = io.BytesIO()
    writer.write(out)
    assert any("RGB colour" in str(v) for v in preflight(out.getvalue(), PDF_X4))
    assert not any("RGB colour" in str(v) for v in preflight(out.getvalue(), PDF_A2U))


def test_preflight_finds_device_independent_colour_in_x1a_not_x4(x1a):
    def change(w):
        profile = StreamObject()
        profile.set_data(V.load_profile(V.CMYK_PROFILE))
        profile[NameObject("/N")] = NumberObject(4)
        spaces = w.pages[0]["/Resources"]["/ColorSpace"].get_object()      # has /All already
        spaces[NameObject("/CS9")] = ArrayObject([NameObject("/ICCBased"), w._add_object(profile)])
    bad = edited(x1a, change)
    found = preflight(bad, PDF_X1A)
    assert len(found) == 1 and found[0].message.startswith(
        "device-independent colour (ISO 15930-4 §6.2.3: PDF/X-1a allows CMYK, gray and spot "
        "colour only): colour space /ICCBased") and found[0].where.startswith("object ")
    assert preflight(bad, dataclasses.replace(PDF_X4, version=(1, 4), info=PDF_X1A.info,
                                              xmp=PDF_X1A.xmp)) == []


def test_preflight_finds_transparency_in_x1a_not_x4():
    raw = rl_pdf(1, alpha=True)
    assert any("transparency" in str(v) for v in preflight(raw, PDF_X1A))
    assert not any("transparency" in str(v) for v in preflight(raw, PDF_X4))


@pytest.mark.parametrize("variant", [PDF_X4, PDF_A2U])
def test_preflight_finds_unembedded_fonts(variant):
    found = [str(v) for v in preflight(rl_pdf(1, init_font="Helvetica", text_font="Helvetica"),
                                       variant)]
    assert any("not embedded" in v for v in found)


def test_preflight_finds_a_font_selected_but_not_embedded():
    """ReportLab's page preamble `BT /F1 12 Tf 14.4 TL ET` selects Helvetica without showing a
    glyph (typeset's writer never writes it)."""
    raw = rl_pdf(2, init_font="Helvetica")
    assert b"/Helvetica" in raw
    assert any("selected but not embedded" in str(v) for v in preflight(raw, PDF_X4))


def test_preflight_finds_inconsistent_boxes():
    from reportlab.pdfgen.canvas import Canvas
    _vera()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(200, 200), invariant=1, initialFontName="Vera")
    c.setTrimBox((10, 10, 190, 190))
    c.setBleedBox((20, 20, 180, 180))            # bleed inside trim: wrong way round
    c.setFont("Vera", 10)
    c.drawString(30, 100, "x")
    c.showPage()
    c.save()
    assert any("TrimBox [10.0, 10.0, 190.0, 190.0] is not inside BleedBox" in str(v)
               for v in preflight(buf.getvalue(), PDF_X4))


def test_preflight_finds_encryption():
    w = PdfWriter(clone_from=PdfReader(io.BytesIO(rl_pdf(1))))
    w.encrypt("", "owner")
    out = io.BytesIO()
    w.write(out)
    assert [str(v) for v in preflight(out.getvalue(), PDF_A2U)] == [
        "trailer: the file is encrypted (PDF/X and PDF/A forbid encryption)"]


def test_preflight_finds_javascript(x4):
    def change(w):
        w.root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)")})
    bad = edited(x4, change)
    for variant in (PDF_X4, PDF_A2U):
        found = [str(v) for v in preflight(bad, variant)]
        assert any("JavaScript" in v and "/OpenAction" in v for v in found), found


def test_preflight_reads_any_bytes():
    assert [str(v) for v in preflight(b"not a pdf", PDF_X4)][0].startswith("file: cannot be read")


# ---------------------------------------------------------------------------------------------
# the writer's rules, at the draw call

def test_a_colour_the_variant_forbids_is_refused_naming_page_and_item():
    no_gray = dataclasses.replace(PDF_X1A, colours=frozenset({V.CMYK, V.SPOT}))
    with pytest.raises(VariantViolation) as e:
        written(no_gray)
    assert "page 1 (目录): contents-head text “目　录”: drawn in DeviceGray, which a " \
           "PDF/X-1a:2003 file may not use" in str(e.value)


def test_crop_marks_are_refused_where_spot_colour_is_not_allowed():
    archive_with_marks = dataclasses.replace(PDF_A2U, bleed=True)
    with pytest.raises(VariantViolation, match=r"page 1 \(目录\): crop marks: drawn in Separation"):
        written(archive_with_marks)
    assert written(archive_with_marks, crop_marks=False)      # bleed alone draws nothing


def test_characters_that_cannot_map_to_text_are_refused_in_the_archive(tmp_path):
    """ISO 19005-2 §6.2.11.7.2: a font that has a glyph for U+FEFF would put it in ToUnicode."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    pen = TTGlyphPen(None)
    for x, y in ((0, 0), (500, 0), (500, 500)):
        (pen.moveTo if (x, y) == (0, 0) else pen.lineTo)((x, y))
    pen.closePath()
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "a"])
    fb.setupCharacterMap({0x61: "a", 0xFEFF: "a"})
    fb.setupGlyf({".notdef": pen.glyph(), "a": pen.glyph()})
    fb.setupHorizontalMetrics({".notdef": (500, 0), "a": (500, 0)})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Test", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    path = tmp_path / "bom.ttf"
    fb.save(str(path))
    page = Page(*TRIM, items=[TextRun(70, 600, str(path), 12, "a\ufeffa", role="body")])
    with pytest.raises(VariantViolation, match=r"page 1: body text .*shows U\+FEFF"):
        written(PDF_A2U, pages=[page])
    assert written(PDF_X4, pages=[page])              # PDF/X does not ask text to map
    # on a later page, after pages without it, with page streams kept: refused all the same
    from typeset.render.pagestreams import PageStreams
    plain = Page(*TRIM, items=[TextRun(70, 600, str(path), 12, "aa", role="body")])
    with pytest.raises(VariantViolation, match=r"page 3: body text .*shows U\+FEFF"):
        written(PDF_A2U, pages=[plain, plain, page], streams=PageStreams())
    assert written(PDF_A2U, pages=[plain, plain], streams=PageStreams())


# ---------------------------------------------------------------------------------------------
# the real issue

@pytest.fixture(scope="module")
def issue_files(private_cache):
    from typeset.build import compose, render
    comp = compose(ROOT / "issues" / "sample" / "issue.yaml")
    return {name: render(comp, *args) for name, args in
            (("x4", ("print", "x4")), ("x1a", ("print", "x1a")), ("pdfa", ("archive",)))}


@pytest.mark.parametrize("which,variant", [("x4", PDF_X4), ("x1a", PDF_X1A), ("pdfa", PDF_A2U)])
def test_real_issue_is_written_to_the_standard(issue_files, which, variant, tmp_path):
    data = issue_files[which]
    assert preflight(data, variant) == []
    r = PdfReader(io.BytesIO(data))
    fonts = list(all_fonts(r))
    assert fonts and all(font_embedded(f) for f in fonts)
    if variant is PDF_A2U:
        assert all("/ToUnicode" in f for f in fonts)
        assert any("\u653f" in (p.extract_text() or "") for p in r.pages)    # 政 extracts
    else:
        for page in r.pages:
            assert inside(box(page, "/TrimBox"), box(page, "/BleedBox"))
            assert inside(box(page, "/BleedBox"), box(page, "/MediaBox"))
    if shutil.which("qpdf"):
        path = tmp_path / "x.pdf"
        path.write_bytes(data)
        res = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert res.returncode == 0 and "WARNING" not in res.stdout + res.stderr, res.stdout


# ---------------------------------------------------------------------------------------------
# typeset check --pdf: the preflight for the printer

def test_check_pdf_passes_a_good_file_and_says_as_what(x1a, tmp_path, capsys):
    from typeset.cli import main
    path = tmp_path / "issue.pdf"
    path.write_bytes(x1a)
    assert main(["check", "--pdf", str(path)]) == 0          # checked as what it claims
    assert capsys.readouterr().out.strip() == f"typeset: {path}: no violations of PDF/X-1a:2003 found"


def test_check_pdf_lists_each_violation_and_exits_1(x4, tmp_path, capsys):
    from typeset.cli import main
    path = tmp_path / "issue.pdf"
    path.write_bytes(edited(x4, lambda w: _append_content(w, 2, b"0 0 1 RG")))
    assert main(["check", "--pdf", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"typeset: {path}: page 3: RGB colour (RG)"]
    assert "1 violation(s) of PDF/X-4" in err
    assert main(["check", "--pdf", str(path), "--variant", "archive"]) == 1
    out, _ = capsys.readouterr()
    assert "page 1: DeviceCMYK under an RGB output intent without a DefaultCMYK" in out
    assert "XMP: pdfaid:part is None, not '2'" in out
    assert "XMP: property publicationName of http://prismstandard.org/namespaces/basic/2.0/ " \
           "is not described by a pdfaExtension schema" in out


def test_check_pdf_of_something_else_is_an_error(tmp_path, capsys):
    from typeset.cli import main
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    assert main(["check", "--pdf", str(path)]) == 1
    assert "not a PDF file" in capsys.readouterr().err
    assert main(["check", "--pdf", str(tmp_path / "missing.pdf")]) == 1
    assert "cannot read the PDF" in capsys.readouterr().err
