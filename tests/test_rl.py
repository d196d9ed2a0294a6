"""The ReportLab adapter (typeset.render.rl): the ReportLab behaviour typeset relies on.

Each test pins one internal of ReportLab the adapter uses, so an upgrade that changes it
fails here, not in a print job."""
from __future__ import annotations

import hashlib
import io
import uuid

import pypdf
import pytest

from typeset.render.rl import document as rl_document
from typeset.render.rl import fonts as rl_fonts
from typeset.render.rl import objects as rl_objects
from typeset.render.rl import save as rl_save
from typeset.text.fonts import FontLibrary

KAI = "LXGWWenKai-Regular.ttf"
SERIF = "NotoSerifCJKsc-Regular.otf"

pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture(scope="module")
def library(private_cache):
    return FontLibrary()


def _doc(**kw) -> rl_document.Document:
    args = dict(version=(1, 6), lang="zh-CN")
    args.update(kw)
    return rl_document.Document((200.0, 200.0), **args)


def _one_page(library, text="政协", font=SERIF) -> bytes:
    doc = _doc()
    f = rl_fonts.register(library.face(font))
    doc.begin_page((200.0, 200.0), None, None)
    doc.content(f"BT {doc.font_resource(f)} 12 Tf 1 0 0 1 20 100 Tm "
                f"<{doc.encode(f, text).hex()}> Tj ET")
    doc.end_page()
    return doc.save()


def test_dynamic_font_protocol_registers_and_adds_objects_at_save(library):
    """getSubsetInternalName puts the font in doc.fontMapping and doc.delayedFonts; at save
    ReportLab calls addObjects, which registers a Type0 font the page's own font resources
    refer to."""
    doc = _doc()
    f = rl_fonts.register(library.face(KAI))
    doc.begin_page((200.0, 200.0), None, None)
    name = doc.font_resource(f)
    assert name == "/F1" and doc.font_resource(f) == "/F1"     # one name on a page
    assert doc._doc.fontMapping[f.fontName] == "/F1" and f in doc._doc.delayedFonts
    doc.content(f"BT {name} 12 Tf <{doc.encode(f, '楷体').hex()}> Tj ET")
    doc.end_page()
    data = doc.save()
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    font = page["/Resources"]["/Font"]["/F1"].get_object()
    assert font["/Subtype"] == "/Type0" and font["/Encoding"] == "/Identity-H"
    assert font["/DescendantFonts"][0].get_object()["/Subtype"] == "/CIDFontType2"
    assert "楷体" in page.extract_text()
    assert f.used_chars(doc._doc) == []            # the per-document state is released at save


def test_codes_are_the_characters_own_and_the_characters_drawn_per_document(library):
    """A BMP character's code is its code point (cidfont.py), in whatever document and order
    it is drawn; what each document drew is its own."""
    f = rl_fonts.register(library.face(SERIF))
    a, b = _doc(), _doc()
    assert a.encode(f, "乙甲") == bytes.fromhex("4E59 7532")
    assert b.encode(f, "甲") == bytes.fromhex("7532")
    assert f.used_chars(a._doc) == ["乙", "甲"] and f.used_chars(b._doc) == ["甲"]


def test_registering_a_font_again_replaces_it_in_reportlabs_registry(library):
    from reportlab.pdfbase import pdfmetrics
    face = library.face(KAI)
    f = rl_fonts.register(face)
    pdfmetrics._fonts[f.fontName] = object()           # something else under our name
    assert rl_fonts.register(face) is f and pdfmetrics.getFont(f.fontName) is f


def test_dynamic_initial_font_writes_no_font_preamble(library):
    """A canvas whose initial font is dynamic writes no `BT /F1 12 Tf 14.4 TL ET` preamble:
    no unembedded standard font is selected on a page."""
    doc = _doc()
    doc.begin_page((200.0, 200.0), None, None)
    doc.end_page()
    data = doc.save()
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    assert b"Tf" not in page.get_contents().get_data()
    assert b"/Helvetica" not in data and b"/Type1" not in data


def test_invariant_mode_gives_the_same_bytes(library):
    assert _one_page(library) == _one_page(library)
    assert _one_page(library) != _one_page(library, "政府")


def test_placeholder_font_is_never_drawn_with():
    from reportlab.pdfgen.canvas import Canvas
    rl_fonts.register_placeholder()
    c = Canvas(io.BytesIO(), initialFontName=rl_fonts.PLACEHOLDER_FONT_NAME, invariant=1)
    with pytest.raises(Exception, match="placeholder"):
        c.drawString(10, 10, "x")


def _blank(doc: rl_document.Document) -> rl_document.Document:
    doc.begin_page((200.0, 200.0), None, None)
    doc.end_page()
    return doc


def test_info_holds_exactly_what_is_given():
    """ReportLab's own Info always adds Keywords and Trapped and its own dates; ours replaces
    doc.info and writes only the entries given, names as names."""
    from typeset.render.pdfsyntax import Name
    doc = _blank(_doc())
    doc.set_info([("Title", "标题 /not a name"), ("Trapped", Name("False")),
                  ("CreationDate", "D:20240315000000+00'00'")])
    info = pypdf.PdfReader(io.BytesIO(doc.save())).trailer["/Info"].get_object()
    assert dict(info) == {"/Title": "标题 /not a name", "/Trapped": "/False",
                          "/CreationDate": "D:20240315000000+00'00'"}
    assert isinstance(info["/Trapped"], pypdf.generic.NameObject)


def test_header_version_and_the_guard_against_raising_it():
    assert _blank(_doc(version=(1, 4))).save().startswith(b"%PDF-1.4\n%\x93\x8c\x8b\x9e")
    assert _blank(_doc(version=(1, 7))).save().startswith(b"%PDF-1.7\n")
    doc = _blank(_doc(version=(1, 3)))
    doc._doc.ensureMinPdfVersion("transparency")     # what ReportLab does for alpha (PDF 1.4)
    with pytest.raises(Exception, match="raised the PDF version"):
        doc.save()


def test_catalog_holds_output_intent_and_unfiltered_metadata():
    """ReportLab's catalog writes only keys it knows; OutputIntents is added to that list."""
    doc = _blank(_doc())
    doc.set_output_intent("/GTS_PDFX", "FOGRA39", "cond", "http://www.color.org", "info",
                          b"profile-bytes", 4)
    doc.set_metadata(b"<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x/><?xpacket end='w'?>")
    root = pypdf.PdfReader(io.BytesIO(doc.save())).trailer["/Root"]
    oi = root["/OutputIntents"][0].get_object()
    assert oi["/S"] == "/GTS_PDFX" and oi["/OutputConditionIdentifier"] == "FOGRA39"
    prof = oi["/DestOutputProfile"].get_object()
    assert prof["/N"] == 4 and prof.get_data() == b"profile-bytes"
    meta = root["/Metadata"].get_object()
    assert "/Filter" not in meta and meta["/Subtype"] == "/XML"
    assert meta.get_data().startswith(b"<?xpacket")


def test_file_identifier_is_a_hash_of_the_file():
    """The placeholder is replaced in the XMP object only (ReportLab's doc.idToOffset tells
    where it starts), never in text that happens to hold the same characters."""
    placeholder = b"00000000-0000-0000-0000-000000000000"
    doc = _blank(_doc())
    doc.set_info([("Title", "t"), ("Subject", placeholder.decode())])
    doc.set_metadata(b"<x:xmpmeta><a>uuid:" + placeholder + b"</a><b>uuid:" + placeholder +
                     b"</b></x:xmpmeta>")
    data = doc.save(content_id=True, metadata_id=placeholder)
    ids = pypdf.PdfReader(io.BytesIO(data)).trailer["/ID"]
    digest = bytes(ids[0].original_bytes)
    assert bytes(ids[1].original_bytes) == digest and len(digest) == 16
    uid = str(uuid.UUID(bytes=digest)).encode()
    unpatched = data.replace(digest.hex().encode(), b"0" * 32).replace(uid, placeholder)
    assert hashlib.sha256(unpatched).digest()[:16] == digest
    r = pypdf.PdfReader(io.BytesIO(data))
    assert r.trailer["/Root"]["/Metadata"].get_object().get_data().count(b"uuid:" + uid) == 2
    assert r.trailer["/Info"]["/Subject"] == placeholder.decode()       # text left alone


def test_image_xobjects_land_in_each_page_resources_once():
    """An image registered under a name of its own appears in each page's /Resources
    /XObject under the page's name for it; a stream whose dictionary has /Filter is written as
    given (not compressed again); the same key on two pages is one object; one ICCBased
    stream per profile."""
    import zlib

    from typeset.render.variants import load_profile
    srgb = load_profile("sRGB-v2-typeset.icc")
    doc = _doc()
    raw = zlib.compress(b"\x00\x80\x80\x80")                       # one predicted RGB row
    names = []
    for _ in range(2):
        doc.begin_page((200.0, 200.0), None, None)
        a = doc.image("k1", width=1, height=1, space="ICCBased", components=3,
                      filter="FlateDecode", data=raw, predictor=True, icc=srgb)
        b = doc.image("k2", width=1, height=1, space="ICCBased", components=3,
                      filter="FlateDecode", data=raw, predictor=True, icc=srgb)
        names.append((a, b))
        doc.content(f"q 10 0 0 10 20 20 cm {a} Do Q q 10 0 0 10 50 20 cm {b} Do Q")
        doc.end_page()
    reader = pypdf.PdfReader(io.BytesIO(doc.save()))
    assert names[0] == names[1] == ("/Im1", "/Im2")
    refs = [p["/Resources"]["/XObject"] for p in reader.pages]
    assert [r.raw_get("/Im1").idnum for r in refs] == [refs[0].raw_get("/Im1").idnum] * 2
    im1, im2 = refs[0]["/Im1"], refs[0]["/Im2"]
    assert im1._data == raw and im1["/Filter"] == "/FlateDecode"
    assert im1["/DecodeParms"]["/Predictor"] == 15 and im1["/BitsPerComponent"] == 8
    assert im1["/ColorSpace"][1].idnum == im2["/ColorSpace"][1].idnum      # one profile stream
    assert im1["/ColorSpace"][1].get_object().get_data() == srgb


def test_resource_names_are_each_pages_own(library):
    """A page names its fonts and pictures by first use within the page (rl.py, "Resource
    names"): the same stream for the same page whatever the pages before it used, each
    page's /Resources mapping its names to the document's objects. ReportLab's internals
    this relies on: a new document registers only its shared font dictionary (`BasicFonts`,
    taken out: objects are numbered from 1 and no page refers to it), and PDFPage.check_format
    keeps a page's /Resources when it has one."""
    import zlib

    from reportlab.pdfbase import pdfdoc
    from reportlab.pdfgen.canvas import Canvas
    rl_fonts.register_placeholder()
    bare = Canvas(io.BytesIO(), invariant=1, initialFontName=rl_fonts.PLACEHOLDER_FONT_NAME)._doc
    assert bare.numberToId == {1: pdfdoc.BasicFonts} and bare.objectcounter == 1
    page = pdfdoc.PDFPage()
    page.Resources = mine = pdfdoc.PDFResourceDictionary()
    page.check_format(bare)
    assert page.Resources is mine

    kai, serif = rl_fonts.register(library.face(KAI)), rl_fonts.register(library.face(SERIF))
    raw = zlib.compress(b"\x00\x80")

    def page_ops(doc, fonts, pictures):
        doc.begin_page((200.0, 200.0), None, None)
        ops = [f"BT {doc.font_resource(f)} 12 Tf <{doc.encode(f, '政').hex()}> Tj ET"
               for f in fonts]
        ops += [f"q 9 0 0 9 20 20 cm {doc.image(k, width=1, height=1, space='DeviceGray', components=1, filter='FlateDecode', data=raw, predictor=True)} Do Q"
                for k in pictures]
        doc.content("\n".join(ops))
        return zlib.decompress(doc.end_page()), ops

    alone = _doc()
    lone, lone_ops = page_ops(alone, [kai], ["b"])
    assert lone_ops[0].startswith("BT /F1 ") and " /Im1 Do" in lone_ops[1]
    doc = _doc()
    first, _ = page_ops(doc, [serif], ["a"])        # another font and picture first ...
    second, ops = page_ops(doc, [kai], ["b"])       # ... names nothing on the next page
    assert second == lone and ops == lone_ops and b"/F1 12 Tf" in lone
    both, _ = page_ops(doc, [serif, kai], ["b", "a"])
    assert b"/F1 12 Tf" in both and b"/F2 12 Tf" in both and b"/Im2 Do" in both
    data = doc.save()
    assert b"/BasicFonts" not in data and b"FormXob" not in data
    reader = pypdf.PdfReader(io.BytesIO(data))
    res = [p["/Resources"] for p in reader.pages]
    font = {i: {n: r["/Font"].raw_get(n).idnum for n in r["/Font"]} for i, r in enumerate(res)}
    pic = {i: {n: r["/XObject"].raw_get(n).idnum for n in r["/XObject"]} for i, r in enumerate(res)}
    assert font[0]["/F1"] == font[2]["/F1"] != font[1]["/F1"] == font[2]["/F2"]
    assert pic[0]["/Im1"] == pic[2]["/Im2"] != pic[1]["/Im1"] == pic[2]["/Im1"]
    assert res[1]["/Font"]["/F1"]["/BaseFont"].endswith("LXGWWenKai-Regular")
    assert qpdf_objects(data)[0] == 1


def qpdf_objects(data: bytes) -> list[int]:
    """The object numbers of a file, in the order written."""
    import re
    return [int(m) for m in re.findall(rb"(?m)^(\d+) 0 obj", data)]


def test_a_finished_page_stream_is_written_as_given(library):
    """end_page returns the page's stream as written (FlateDecode of what was drawn, the
    canvas's own operators included: ReportLab's last page in doc.Pages.pages, its Contents
    set before save); a page ended with that stream instead of drawing writes the same file
    (the page-stream cache relies on both)."""
    import zlib

    def make(reuse: bytes | None):
        doc = _doc()
        f = rl_fonts.register(library.face(SERIF))
        doc.begin_page((200.0, 200.0), (10, 10, 190, 190), (7, 7, 193, 193))
        doc.registration_lines([(0, 10, 5, 10)], 0.25)
        name = doc.font_resource(f)
        codes = doc.encode(f, "政协")
        if reuse is None:
            doc.content(f"BT {name} 12 Tf 1 0 0 1 20 100 Tm <{codes.hex()}> Tj ET")
        encoded = doc.end_page(reuse)
        return encoded, doc.save()
    encoded, drawn = make(None)
    text = zlib.decompress(encoded).decode("ascii")
    assert text.startswith("1 0 0 1 0 0 cm") and "/All CS 1 SCN" in text and " Tj ET" in text
    again, reused = make(encoded)
    assert again == encoded and reused == drawn
    page = pypdf.PdfReader(io.BytesIO(drawn)).pages[0]
    assert page["/Contents"].get_object()["/Filter"] == ["/FlateDecode"]
    assert "/All" in page["/Resources"]["/ColorSpace"]
    assert page.get_contents().get_data().decode("ascii") == text


def test_crop_marks_drawn_again_are_the_same_operators(library):
    """The registration colour's operators, made once per document and repeated on later
    pages (Canvas._code, Canvas._checkSeparation put /All in each page's resources)."""
    doc = _doc()
    pages = []
    for _ in range(2):
        doc.begin_page((200.0, 200.0), None, None)
        doc.registration_lines([(0, 10, 5, 10), (195, 10, 200, 10)], 0.25)
        pages.append(doc.end_page())
    pdf = pypdf.PdfReader(io.BytesIO(doc.save()))
    assert pages[0] == pages[1]
    for page in pdf.pages:
        assert "/All" in page["/Resources"]["/ColorSpace"]
        assert "/All CS 1 SCN" in page.get_contents().get_data().decode("ascii")


# -- page dictionaries and page streams, formatted by the adapter -----------------------------

def _every_kind_of_page(library) -> bytes:
    """Pages with text, pictures (XObject resources), crop marks (a colour space), trim and
    bleed boxes, links (annotations), destinations, an outline and page labels; the last page
    of another size."""
    import zlib

    from typeset.render.variants import load_profile
    doc = _doc()
    f = rl_fonts.register(library.face(SERIF))
    k = rl_fonts.register(library.face(KAI))
    raw = zlib.compress(b"\x00\x80\x80\x80")
    srgb = load_profile("sRGB-v2-typeset.icc")
    for i in range(9):
        size = (200.0, 200.0) if i < 8 else (300.5, 421.25)
        boxes = ((10, 10, 190, 190), (7, 7, 193, 193)) if i % 2 else (None, None)
        doc.begin_page(size, *boxes)
        if i % 3 == 0:
            doc.registration_lines([(0, 10, 5, 10), (195, 10, 200, 10)], 0.25)
        font = f if i % 2 else k
        ops = [f"BT {doc.font_resource(font)} 12 Tf 1 0 0 1 20 100 Tm "
               f"<{doc.encode(font, '政协' * (i + 1)).hex()}> Tj ET"]
        if i in (2, 5):
            im = doc.image(f"k{i % 2}", width=1, height=1, space="ICCBased", components=3,
                           filter="FlateDecode", data=raw, predictor=True, icc=srgb)
            ops.append(f"q 10 0 0 10 20 20 cm {im} Do Q")
        doc.content("\n".join(ops))
        doc.destination(f"d{i}", 150.0 - i, named=i % 2 == 0)
        doc.outline_entry(f"第{i}页", f"d{i}", min(i, 1))
        if i > 0:
            doc.link(f"d{i - 1}", (10, 10, 60.5, 30))
            doc.link("d0", (10, 40, 60, 60))
        doc.end_page()
        doc.page_label(i, "D" if i else None, i or None, None if i else "封")
    doc.show_outline()
    return doc.save(content_id=True)


def test_pages_formatted_by_the_adapter_are_reportlabs_bytes(library, monkeypatch):
    """`_Page` and `_PageStream` write what ReportLab's PDFPage and PDFStream write, for every
    kind of page the writer makes, with ReportLab's multi-line setting either way."""
    from reportlab import rl_config

    fast = _every_kind_of_page(library)
    monkeypatch.setattr(rl_objects, "FAST_PAGES", False)
    assert _every_kind_of_page(library) == fast
    monkeypatch.setattr(rl_config, "pdfMultiLine", 1)
    slow = _every_kind_of_page(library)
    monkeypatch.setattr(rl_objects, "FAST_PAGES", True)
    assert _every_kind_of_page(library) == slow != fast
    reader = pypdf.PdfReader(io.BytesIO(fast))
    assert len(reader.pages) == 9 and reader.pages[1]["/TrimBox"] == [10, 10, 190, 190]
    assert len(reader.pages[1]["/Annots"]) == 2 and "/All" in reader.pages[3]["/Resources"][
        "/ColorSpace"]


def test_numbers_format_by_value():
    """The adapter remembers numbers by value (1 and 1.0 share an entry): ReportLab's fp_str
    gives an int and the equal float the same text, and -0.0 the text of 0."""
    from reportlab.lib.rl_accel import fp_str

    for v in [0, 1, -1, 7, 100, 595, 842, 10 ** 9, -(10 ** 6)]:
        assert fp_str(v) == fp_str(float(v))
    assert fp_str(-0.0) == fp_str(0.0) == "0"
    assert rl_objects._fmt(21, None) == rl_objects._fmt(21.0, None) == b"21"
    assert rl_objects._fmt(562.4173228, None) == b"562.4173"


def test_the_metadata_uuid_is_uuids_text():
    import os

    for digest in [bytes(16), b"\xff" * 16] + [os.urandom(16) for _ in range(50)]:
        assert rl_save._uuid_text(digest) == str(uuid.UUID(bytes=digest)).encode("ascii")


def test_objects_see_the_file_being_collected():
    """While formatting, ReportLab's document exposes the file it collects the objects' bytes
    in as `document.__accum__` (its `strings`, joined by its `format` at the end): Document
    .save takes that list of parts, so the file is joined once and never copied to be
    patched."""
    from reportlab.pdfbase import pdfdoc

    seen = []

    class Probe(rl_save._Info):
        def format(self, document):
            accum = getattr(document, "__accum__", None)
            seen.append((isinstance(accum, pdfdoc.PDFFile),
                         isinstance(getattr(accum, "strings", None), list)))
            return super().format(document)

    doc = _blank(_doc())
    doc._doc.info = Probe([("Title", "t")])
    data = doc.save(content_id=True)
    assert seen == [(True, True)]
    assert data.startswith(b"%PDF-1.6\n") and data.endswith(b"%%EOF\n")
    assert pypdf.PdfReader(io.BytesIO(data)).trailer["/Info"]["/Title"] == "t"
    with pytest.raises(RuntimeError):
        doc.save()                                       # a document is saved once


_PLACEHOLDER = b"00000000-0000-0000-0000-000000000000"


def _pictures_doc(pages: int, size: int, seed: int | None = None) -> rl_document.Document:
    """A document of `pages` pages, each a grey picture of `size` random (incompressible)
    bytes, with Info and an XMP packet holding the identifier's placeholder; with a `seed`,
    the same bytes every time."""
    import os
    import random

    randbytes = os.urandom if seed is None else random.Random(seed).randbytes
    doc = _doc()
    doc.set_info([("Title", "t")])
    doc.set_metadata(b"<x:xmpmeta>uuid:" + _PLACEHOLDER + b"</x:xmpmeta>")
    for i in range(pages):
        doc.begin_page((200.0, 200.0), None, None)
        name = doc.image(f"k{i}", width=1024, height=1024, space="DeviceGray",
                         components=1, filter="FlateDecode", data=randbytes(size))
        doc.content(f"q 100 0 0 100 0 0 cm {name} Do Q")
        doc.end_page()
    return doc


@pytest.mark.parametrize("content_id", [False, True])
def test_save_holds_the_file_about_twice_at_most(content_id):
    """Saving makes the file's bytes once and joins them once: while it runs, memory grows by
    less than twice the file (the objects are let go once formatted; was: the joined file
    written to a buffer, copied out, copied to patch the identifier and copied again, four to
    five times the file)."""
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()          # before the document is made: its objects count
    try:
        doc = _pictures_doc(4, 1 << 20)
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        data = doc.save(content_id=content_id,
                        metadata_id=_PLACEHOLDER if content_id else None)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert len(data) > 4 << 20
    assert peak < 1.6 * len(data), (peak, len(data))


def _rich(library, content_id: bool, metadata: bool, pictures: int = 2) -> rl_document.Document:
    """A document with fonts, pictures, outline, destinations, page labels, links, Info and
    (with `metadata`) an XMP packet holding the identifier's placeholder twice."""
    import random

    placeholder = b"00000000-0000-0000-0000-000000000000"
    doc = _doc()
    doc.set_info([("Title", "t"), ("Subject", placeholder.decode())])
    if metadata:
        doc.set_metadata(b"<x:xmpmeta><a>uuid:" + placeholder + b"</a><b>uuid:" +
                         placeholder + b"</b></x:xmpmeta>")
    rng = random.Random(7)
    f = rl_fonts.register(library.face(SERIF))
    k = rl_fonts.register(library.face(KAI))
    for i in range(5):
        doc.begin_page((200.0, 200.0), None, None)
        ops = [f"BT {doc.font_resource(f)} 12 Tf 1 0 0 1 20 100 Tm "
               f"<{doc.encode(f, '政协第' + str(i)).hex()}> Tj ET",
               f"BT {doc.font_resource(k)} 9 Tf 1 0 0 1 20 60 Tm "
               f"<{doc.encode(k, '委员' * (i + 1)).hex()}> Tj ET"]
        if i < pictures:
            name = doc.image(f"k{i}", width=64, height=64, space="DeviceGray", components=1,
                             filter="FlateDecode",
                             data=bytes(rng.randrange(256) for _ in range(4096)))
            ops.append(f"q 100 0 0 100 0 0 cm {name} Do Q")
        doc.content("\n".join(ops))
        doc.destination(f"d{i}", 150.0, named=i % 2 == 0)
        doc.outline_entry(f"第{i}篇", f"d{i}", 0)
        if i:
            doc.link(f"d{i - 1}", (10.0, 10.0, 50.0, 30.0))
        doc.end_page()
    doc.page_label(0, None, None, "封")
    doc.page_label(2, "D", 1, None)
    doc.show_outline()
    return doc


@pytest.mark.parametrize("content_id,metadata", [(False, False), (True, False), (True, True)])
def test_a_file_written_as_it_is_formatted_is_the_same_file(library, tmp_path, content_id,
                                                            metadata):
    """`save(sink=)` writes the file object by object (ReportLab's document collects its
    bytes in the `pdfdoc.PDFFile` it makes when it starts formatting: looked up by name, so
    the adapter's collector takes its place for the call) and patches the identifier in the
    trailer and the XMP packet in place: the same bytes as `save()` returns, and ReportLab's
    own collector is back afterwards."""
    from reportlab.pdfbase import pdfdoc

    placeholder = b"00000000-0000-0000-0000-000000000000" if metadata else None
    whole = _rich(library, content_id, metadata).save(content_id=content_id,
                                                      metadata_id=placeholder)
    path = tmp_path / "out.pdf"
    with open(path, "w+b") as f:
        assert _rich(library, content_id, metadata).save(
            content_id=content_id, metadata_id=placeholder, sink=f) is None
    assert pdfdoc.PDFFile.__name__ == "PDFFile" and pdfdoc.PDFFile.__module__ == pdfdoc.__name__
    assert path.read_bytes() == whole
    r = pypdf.PdfReader(io.BytesIO(whole))
    assert len(r.pages) == 5
    if content_id:
        digest = bytes(r.trailer["/ID"][0].original_bytes)
        unpatched = whole.replace(digest.hex().encode(), b"0" * 32)
        if metadata:
            uid = str(uuid.UUID(bytes=digest)).encode()
            assert whole.count(b"uuid:" + uid) == 2
            unpatched = unpatched.replace(uid, placeholder)
        assert hashlib.sha256(unpatched).digest()[:16] == digest


def test_a_failed_save_into_a_file_leaves_reportlabs_collector(library, tmp_path,
                                                               monkeypatch):
    """An error while the objects are formatted into the file gives ReportLab its own
    collector back (the next document is formatted as ever)."""
    from reportlab.pdfbase import pdfdoc

    original = pdfdoc.PDFFile
    doc = _rich(library, True, True)

    def broken(self, document):
        raise OSError("disk full")
    monkeypatch.setattr(rl_save._Info, "format", broken)
    with open(tmp_path / "out.pdf", "w+b") as f, pytest.raises(OSError):
        doc.save(content_id=True, sink=f)
    assert pdfdoc.PDFFile is original


def test_a_file_written_as_it_is_formatted_is_never_held_whole(tmp_path):
    """Saving into a file holds no copy of it: memory grows by a few times the largest
    object (ReportLab formats an object's bytes and joins them into its indirect object),
    not by the file (`save()` holds it about twice, above)."""
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        doc = _pictures_doc(8, 1 << 19)
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        with open(tmp_path / "out.pdf", "w+b", buffering=0) as f:
            doc.save(content_id=True, metadata_id=_PLACEHOLDER, sink=f)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    size = (tmp_path / "out.pdf").stat().st_size
    assert size > 4 << 20
    assert peak < 4 * (1 << 19), (peak, size)
    r = pypdf.PdfReader(tmp_path / "out.pdf")
    assert len(r.pages) == 8


def test_saves_in_two_threads_each_write_their_own_file(library, tmp_path):
    """The collector replaced for a save into a file is never another thread's: documents
    saved at once, into files and as bytes, are each the file saving alone gives."""
    import threading

    want = _rich(library, True, True).save(
        content_id=True, metadata_id=b"00000000-0000-0000-0000-000000000000")
    docs = [_rich(library, True, True) for _ in range(6)]
    got: dict = {}

    def save(i):
        placeholder = b"00000000-0000-0000-0000-000000000000"
        if i % 2:
            got[i] = docs[i].save(content_id=True, metadata_id=placeholder)
            return
        path = tmp_path / f"{i}.pdf"
        with open(path, "w+b") as f:
            docs[i].save(content_id=True, metadata_id=placeholder, sink=f)
        got[i] = path.read_bytes()
    threads = [threading.Thread(target=save, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [got[i] == want for i in range(6)] == [True] * 6


def test_a_large_stream_goes_into_the_file_in_pieces_never_copied(tmp_path, monkeypatch):
    """A save into a file gives each stream of BIG_STREAM bytes or more that is already
    filtered (pictures, font programs, profiles) to the file as pieces — its head, its
    content as the document holds it, its tail (`_IndirectObject`, `_Pieces`) — instead of
    ReportLab's joins, which held the content four times at once: the same bytes as
    ReportLab's own formatting (the threshold out of reach) and as `save()`, memory grows by
    far less than one picture, and ReportLab's own indirect object is back afterwards."""
    import gc
    import tracemalloc

    from reportlab.pdfbase import pdfdoc

    size = 1 << 19
    files = []
    for big in (rl_save.BIG_STREAM, 1 << 40):
        monkeypatch.setattr(rl_save, "BIG_STREAM", big)
        path = tmp_path / f"{big}.pdf"
        doc = _pictures_doc(8, size, seed=13)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            with open(path, "w+b", buffering=0) as f:
                doc.save(content_id=True, metadata_id=_PLACEHOLDER, sink=f)
            peak = tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()
        files.append((path.read_bytes(), peak))
    (pieces, peak), (joined, peak_joined) = files
    assert pieces == joined
    assert peak < size // 4 < 3 * size < peak_joined, (peak, peak_joined)
    assert pdfdoc.PDFIndirectObject.__module__ == pdfdoc.__name__
    assert pdfdoc.PDFIndirectObject.__name__ == "PDFIndirectObject"
    assert _pictures_doc(8, size, seed=13).save(content_id=True,
                                              metadata_id=_PLACEHOLDER) == pieces
    assert len(pypdf.PdfReader(io.BytesIO(pieces)).pages) == 8


def test_pieces_are_the_bytes_reportlab_formats_for_a_stream(library):
    """Pins what `_IndirectObject` writes for a large filtered stream to ReportLab's own
    `PDFIndirectObject.format`: the same bytes, for a picture and a font-program-like stream
    with an extra key (the dictionary's keys sorted, /Length added)."""
    from reportlab.pdfbase import pdfdoc

    doc = _doc()
    rldoc = doc._doc
    for extra in ({}, {"Length1": 1234, "N": 4}):
        d = {"Filter": pdfdoc.PDFName("FlateDecode"), **extra}
        stream = pdfdoc.PDFStream(pdfdoc.PDFDictionary(d), content=bytes(range(256)) * 300,
                                  filters=None)
        ref = rldoc.Reference(stream)
        own = pdfdoc.PDFIndirectObject(ref.name, stream).format(rldoc)
        ours = rl_save._IndirectObject(ref.name, stream).format(rldoc)
        assert isinstance(ours, rl_save._Pieces) and len(ours) == len(own)
        assert b"".join(ours.parts) == own
        assert ours.parts[1] is stream.content              # (the content, not a copy)
    small = pdfdoc.PDFStream(pdfdoc.PDFDictionary({"Filter": pdfdoc.PDFName("FlateDecode")}),
                             content=b"x" * 100, filters=None)
    ref = rldoc.Reference(small)
    assert rl_save._IndirectObject(ref.name, small).format(rldoc) == \
        pdfdoc.PDFIndirectObject(ref.name, small).format(rldoc)
