"""Pictures in the written files: each variant's PDF read back (pypdf, qpdf, PDFium), the
writer's rule at the draw call, the preflight of images, the resolution report."""
from __future__ import annotations

import re
import dataclasses
import datetime as dt
import io
import shutil
import subprocess

import pytest
from PIL import Image as PILImage

from tests.picturekit import fogra, jpeg_bytes, other_cmyk_profile, pdf_images, photo, srgb
from tests.picturekit import wide_rgb_profile
from typeset.errors import TypesetError
from typeset.issueinfo import Metadata, document_info
from typeset.layout.page import Image, Page, TextRun
from typeset.model.layout import Images, load_layout
from typeset.render.preflight import preflight
from typeset.render.variants import PDF_A2U, PDF_X1A, PDF_X4
from typeset.render.writer import PicturePolicy, VariantViolation, render_pdf
from typeset.resources import FONTS_DIR
from typeset.text.fonts import FontLibrary

META = Metadata(title="图片 2024年第2期", journal="图片", year=2024, number=2,
                date=dt.date(2024, 3, 15))
W, H = 524.41, 737.01
SERIF = str(FONTS_DIR / "NotoSerifCJKsc-Regular.otf")
RED = (220, 30, 40)

pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture(scope="module")
def lib():
    return FontLibrary()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("pics")
    light = photo(300, 200).point(lambda v: 128 + v // 2)
    from PIL import ImageCms

    from typeset.render.pictures import colour
    cmyk = ImageCms.applyTransform(light, colour.transform(srgb(), fogra(), "RGB", "CMYK",
                                                           "relative", True))
    made = {
        "rgb.jpg": jpeg_bytes(photo(), quality=90),
        "wide.jpg": jpeg_bytes(photo(), quality=90, icc_profile=wide_rgb_profile()),
        "grey.jpg": jpeg_bytes(photo().convert("L"), quality=90),
        "red.png": None,
        "rgba.png": None,
        "cmyk.jpg": jpeg_bytes(cmyk, quality=92, icc_profile=fogra()),
        "cmyk-other.jpg": jpeg_bytes(cmyk, quality=92, icc_profile=other_cmyk_profile()),
    }
    out = {}
    for name, data in made.items():
        path = d / name
        if name == "red.png":
            PILImage.new("RGB", (300, 200), RED).save(path)
        elif name == "rgba.png":
            im = photo(300, 200).convert("RGBA")
            im.putalpha(128)
            im.save(path)
        else:
            path.write_bytes(data)
        out[name] = str(path)
    return out


def pages_with(files) -> list[Page]:
    """Two pages: every kind of picture, rgb.jpg on both."""
    f = files
    return [
        Page(W, H, folio="5", label="5", items=[
            TextRun(72, 700, SERIF, 12, "图片", role="body"),
            Image(72, 420, 240, 160, f["rgb.jpg"]),
            Image(320, 420, 150, 100, f["red.png"]),
            Image(72, 240, 240, 160, f["grey.jpg"]),
            Image(320, 240, 150, 150, f["wide.jpg"]),         # another shape: clipped
            Image(72, 60, 150, 100, f["cmyk.jpg"])]),
        Page(W, H, folio="6", label="6", items=[
            Image(72, 420, 240, 160, f["rgb.jpg"]),
            Image(72, 240, 150, 100, f["rgba.png"]),
            Image(320, 240, 150, 100, f["cmyk-other.jpg"])]),
    ]


VARIANTS = {"x4": (PDF_X4, Images()), "x4-icc": (PDF_X4, Images(print_rgb="icc")),
            "x1a": (PDF_X1A, Images()), "archive": (PDF_A2U, Images())}


def write(pages, lib, which, **kw) -> bytes:
    variant, images = VARIANTS[which]
    return render_pdf(pages, lib, document_info(META), variant=variant, issue=META, bleed=8.5,
                      crop_marks=True, pictures=PicturePolicy(images, 300.0, **kw))


@pytest.fixture(scope="module")
def written(files, lib):
    pages = pages_with(files)
    return {k: write(pages, lib, k) for k in VARIANTS}


# -- colour per variant, read back ------------------------------------------------------------

ALLOWED = {"x4": {"/DeviceCMYK", "/DeviceGray"},
           "x4-icc": {"/DeviceCMYK", "/DeviceGray", "/ICCBased 3"},
           "x1a": {"/DeviceCMYK", "/DeviceGray"},
           "archive": {"/DeviceRGB", "/DeviceGray"}}


@pytest.mark.parametrize("which", list(VARIANTS))
def test_each_variant_holds_only_its_colour_spaces(written, which):
    images = [im for page in pdf_images(written[which]) for im in page]
    assert len(images) == 8
    assert {im["space"] for im in images} == ALLOWED[which]
    assert all(im["bits"] == 8 and not im["smask"] for im in images)
    variant = VARIANTS[which][0]
    assert preflight(written[which], variant) == []


def test_pdfx4_keeps_rgb_only_with_its_profile(written):
    icc = [im for page in pdf_images(written["x4-icc"]) for im in page
           if im["space"] == "/ICCBased 3"]
    by_file = {bytes(im["profile"]) for im in icc}
    assert by_file == {srgb(), wide_rgb_profile()}       # untagged: sRGB; tagged: its own
    # every image in sRGB shares one ICCBased stream
    srgb_ids = {im["profile_id"] for im in icc if bytes(im["profile"]) == srgb()}
    assert len(srgb_ids) == 1 and len([im for im in icc if bytes(im["profile"]) == srgb()]) >= 3


@pytest.mark.parametrize("which", list(VARIANTS))
def test_grey_stays_one_channel_and_passes_through(written, files, which):
    page = pdf_images(written[which])[0]
    grey = [im for im in page if im["space"] == "/DeviceGray"]
    assert len(grey) == 1 and grey[0]["filter"] == "/DCTDecode"
    assert bytes(grey[0]["raw"]) == open(files["grey.jpg"], "rb").read()


def test_jpeg_pass_through_in_the_file_is_the_source(written, files):
    page = pdf_images(written["archive"])[0]
    src = open(files["rgb.jpg"], "rb").read()
    assert sum(bytes(im["raw"]) == src for im in page) == 1
    # CMYK JPEGs (ours and Photoshop's) store inverted values: /Decode says so
    cmyk = [im for im in pdf_images(written["x4"])[0] if im["filter"] == "/DCTDecode"
            and im["space"] == "/DeviceCMYK"]
    assert len(cmyk) == 3                   # rgb.jpg, wide.jpg converted; cmyk.jpg as is
    assert all(list(map(float, im["decode"])) == [1, 0] * 4 for im in cmyk)
    from typeset.render.pictures.jpeg import strip_metadata
    passed = strip_metadata(open(files["cmyk.jpg"], "rb").read())     # its profile left out
    assert sum(bytes(im["raw"]) == passed for im in cmyk) == 1


@pytest.mark.parametrize("which", list(VARIANTS))
def test_a_picture_used_twice_is_one_image(written, which):
    first, second = pdf_images(written[which])
    ids1 = {im["id"] for im in first}
    ids2 = {im["id"] for im in second}
    assert len(ids1 & ids2) == 1
    data = written[which]
    assert data.count(b"/Subtype /Image") == 7          # 8 placements, 7 pictures


@pytest.mark.parametrize("which", list(VARIANTS))
def test_qpdf_finds_nothing(written, which, tmp_path):
    if shutil.which("qpdf") is None:
        pytest.skip("qpdf is not installed")
    path = tmp_path / "p.pdf"
    path.write_bytes(written[which])
    r = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert r.returncode == 0 and "No syntax or stream encoding errors" in r.stdout, r.stdout


def test_a_picture_of_another_shape_is_clipped_to_its_box(written):
    from tests.pdfinspect import content
    ops = content(written["x4"], 0)
    assert ops.count(" re W n") == 1                     # only wide.jpg (3:2 in a square)


# -- what it looks like ------------------------------------------------------------------------

def _render(data: bytes, page: int = 0, scale: float = 1.0) -> PILImage.Image:
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(data)
    return doc[page].render(scale=scale).to_pil().convert("RGB")


def _at(im, data, x, y):
    """Pixel of the rendered page at trim coordinates (x, y) pt (the print file's media box
    is larger by bleed and crop marks)."""
    from pypdf import PdfReader
    box = PdfReader(io.BytesIO(data)).pages[0].trimbox
    left, bottom = float(box.left), float(box.bottom)
    height = float(PdfReader(io.BytesIO(data)).pages[0].mediabox.height)
    return im.getpixel((round(x + left), round(height - (y + bottom))))


@pytest.mark.parametrize("which", list(VARIANTS))
def test_colours_look_right_in_every_variant(written, which, tmp_path):
    data = written[which]
    im = _render(data)
    im.save(tmp_path / f"{which}.png")                  # (kept for a look when it fails)
    r, g, b = _at(im, data, 395, 470)                    # red.png
    assert r > 170 and g < 100 and b < 100
    r, g, b = _at(im, data, 90, 75)                      # cmyk.jpg: a light picture, not
    assert r + g + b > 3 * 140                           # its negative
    r, g, b = _at(im, data, 192, 320)                    # grey.jpg, its middle
    assert max(r, g, b) - min(r, g, b) < 12


# -- rules at the draw call ---------------------------------------------------------------------

def test_an_rgb_picture_in_x1a_is_refused_naming_page_and_picture(files, lib, monkeypatch):
    from typeset.render.pictures import spec
    monkeypatch.setattr(spec, "target_for", lambda key, policy: spec.Target("srgb"))
    with pytest.raises(VariantViolation) as e:
        write(pages_with(files), lib, "x1a", use_cache=False)
    assert "page 1 (5): figure picture" in e.value.message and "rgb.jpg" in e.value.message
    assert "DeviceRGB" in e.value.message and "PDF/X-1a" in e.value.message


def test_a_damaged_picture_stops_the_build_with_its_name_and_page(files, lib, tmp_path):
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(open(files["rgb.jpg"], "rb").read()[:2500])
    pages = [Page(W, H, label="12", items=[Image(72, 72, 200, 133, str(cut))])]
    with pytest.raises(TypesetError) as e:
        write(pages, lib, "x4")
    assert "cut.jpg" in e.value.message and "page 1 (12)" in e.value.message
    assert "damaged" in e.value.message


# -- cache: cold, warm, deleted -------------------------------------------------------------------

def test_cold_warm_and_deleted_cache_give_the_same_bytes(files, lib, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("TYPESET_CACHE", str(cache))
    pages = pages_with(files)
    cold = write(pages, lib, "x4")
    from typeset.render.pictures import convert

    calls = []
    real = convert.prepare
    monkeypatch.setattr(convert, "prepare", lambda *a, **k: calls.append(a) or real(*a, **k))
    warm = write(pages, lib, "x4")
    assert calls == [] and warm == cold                  # nothing converted again
    shutil.rmtree(cache / "pictures")
    again = write(pages, lib, "x4")
    assert len(calls) == 7 and again == cold
    assert write(pages, lib, "x4", use_cache=False) == cold


# -- preflight of images in written files ------------------------------------------------------

def _edit_first_image(data: bytes, change) -> bytes:
    from pypdf import PdfReader, PdfWriter
    w = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    w.pdf_header = data[:8].decode("latin-1")
    xobjects = w.pages[0]["/Resources"]["/XObject"]
    first = next(v.get_object() for v in xobjects.values()
                 if v.get_object().get("/Subtype") == "/Image")
    change(w, first)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _found(data, variant) -> list[str]:
    return [str(v) for v in preflight(data, variant)]


def test_preflight_finds_16_bit_images_and_jpeg2000_in_x1a(written):
    from pypdf.generic import NameObject, NumberObject

    def sixteen(w, im):
        im[NameObject("/BitsPerComponent")] = NumberObject(16)
    found = _found(_edit_first_image(written["x1a"], sixteen), PDF_X1A)
    assert any("16 bits per component need PDF 1.5" in f and f.startswith("page 1: image")
               for f in found)

    def jpx(w, im):
        im[NameObject("/Filter")] = NameObject("/JPXDecode")
    assert any("JPEG 2000 (JPXDecode) needs PDF 1.5" in f
               for f in _found(_edit_first_image(written["x1a"], jpx), PDF_X1A))


def test_preflight_finds_cmyk_and_foreign_rgb_pictures_in_the_archive(written):
    from pypdf.generic import ArrayObject, NameObject, NumberObject, StreamObject

    def cmyk(w, im):
        im[NameObject("/ColorSpace")] = NameObject("/DeviceCMYK")
    found = _found(_edit_first_image(written["archive"], cmyk), PDF_A2U)
    assert any("in CMYK: typeset's archive holds pictures in sRGB or grey" in f for f in found)

    def wide(w, im):
        prof = StreamObject()
        prof.set_data(wide_rgb_profile())
        prof[NameObject("/N")] = NumberObject(3)
        im[NameObject("/ColorSpace")] = ArrayObject([NameObject("/ICCBased"), w._add_object(prof)])
    found = _found(_edit_first_image(written["archive"], wide), PDF_A2U)
    assert any("not sRGB (Wide RGB (typeset test))" in f for f in found)


def test_preflight_checks_icc_profiles_of_images(written):
    from pypdf.generic import ArrayObject, NameObject, NumberObject, StreamObject

    def newer(w, im):
        prof = StreamObject()
        prof.set_data(wide_rgb_profile(version=0x04300000))
        prof[NameObject("/N")] = NumberObject(4)             # and a wrong /N
        im[NameObject("/ColorSpace")] = ArrayObject([NameObject("/ICCBased"), w._add_object(prof)])
    found = _found(_edit_first_image(written["x4-icc"], newer), PDF_X4)
    assert any("ICC profile version 4.3 is newer than ICC.1:2004-10" in f for f in found)
    assert any("ICCBased /N 4 does not match its RGB profile (3 components)" in f for f in found)


def test_preflight_checks_jpeg2000_in_the_archive():
    from typeset.render.pictures.jpx import read_jpx
    # a JP2 header: signature, ftyp, jp2h(ihdr: 2 channels of 8 bits, colr METH 4), jp2c SIZ
    import struct

    def box(kind, body):
        return struct.pack(">I", 8 + len(body)) + kind + body
    ihdr = box(b"ihdr", struct.pack(">IIHBBBB", 10, 10, 2, 7, 7, 0, 0))
    colr = box(b"colr", bytes([4, 0, 1]))
    jp2 = (box(b"jP  ", b"\r\n\x87\n") + box(b"ftyp", b"jp2 " + bytes(4) + b"jp2 ")
           + box(b"jp2h", ihdr + colr))
    facts = read_jpx(jp2)
    assert (facts.channels, facts.depths, facts.colr) == (2, [8, 8], [(4, 1)])
    from pypdf.generic import NameObject, StreamObject

    from typeset.render.pdfscan import Findings, Scan
    from typeset.render.preflight.content import _check_images
    xo = StreamObject()
    xo._data = jp2
    xo[NameObject("/Filter")] = NameObject("/JPXDecode")
    xo[NameObject("/Subtype")] = NameObject("/Image")
    scan = Scan()
    scan.images.append(("page 1", "/Im1", xo))
    findings = Findings()
    _check_images(scan, PDF_A2U, findings)
    messages = [str(v) for v in findings.items]
    assert any("JPEG 2000 with 2 channels" in m for m in messages)
    assert any("colour specification METH 4" in m for m in messages)


# -- resolution -------------------------------------------------------------------------------

def test_the_resolution_report_names_file_page_and_ppi(files, tmp_path):
    from typeset.report import picture_report
    layout = load_layout("guangxi")
    big = tmp_path / "wide.png"
    photo(1600, 1000).save(big)
    pages = [Page(W, H, folio="3", label="3", items=[Image(72, 72, 384, 240, str(big))]),
             Page(W, H, folio="4", label="4", items=[Image(72, 72, 384, 256, files["rgb.jpg"])])]
    rep = picture_report(pages, layout, str(tmp_path))
    assert [round(p.ppi) for p in rep.placed] == [300, 90]
    assert [str(p) for p in rep.low] == [f"{files['rgb.jpg']} on page 4: 90 ppi"]
    assert rep.lines() == [f"warning: picture {files['rgb.jpg']} on page 4: 90 ppi, under the "
                           "300 ppi the layout asks for (figure.min_ppi)"]
    assert rep.clean and rep.failure() is None
    strict = dataclasses.replace(layout, figure=dataclasses.replace(layout.figure, min_ppi_error=True))
    rep = picture_report(pages, strict, str(tmp_path))
    err = rep.failure()
    assert not rep.clean and "1 picture is under the layout's minimum of 300 ppi" in err.message
    assert "rgb.jpg on page 4: 90 ppi" in err.message and "min_ppi_error: false" in err.hint
    assert picture_report(pages, strict, print_variant=False).failure() is None


# -- the command line: an issue with a picture ---------------------------------------------------

@pytest.fixture
def with_picture(monkeypatch, tmp_path):
    """`typeset build/check` of the sample issue with one picture placed on its second body
    page (the figure syntax arrives with the figures branch; the pages are made here)."""
    import typeset.build as B
    real = B.compose
    state = {"strict": False, "picture": None}

    def compose(manifest, **kw):
        from typeset.pagecheck import extents

        comp = real(manifest, **kw)
        page = comp.body[1]
        picture = Image(60, 40, 200, 130, state["picture"], role="figure")
        # the picture takes the place of what stood there: a build never writes a page with
        # anything drawn over anything else
        lib = comp.book.library
        advance = lambda font, ch: lib.face(font).advance(ch)        # noqa: E731
        page.items = [it for it in page.items
                      if not any(e.x0 < 260 and e.x1 > 60 and e.y0 < 170 and e.y1 > 40
                                 for e in extents(dataclasses.replace(page, items=[it]), advance))]
        page.items.append(picture)
        if state["strict"]:
            comp.layout = dataclasses.replace(comp.layout, figure=dataclasses.replace(comp.layout.figure,
                                                                          min_ppi_error=True))
        return comp
    monkeypatch.setattr(B, "compose", compose)
    low = tmp_path / "low.jpg"
    low.write_bytes(jpeg_bytes(photo(250, 162), quality=90))        # 90 ppi at 200 pt
    state["picture"] = str(low)
    return state


def _main(*args):
    from typeset.cli import main
    return main(list(args))


def test_build_warns_of_a_low_resolution_picture(with_picture, tmp_path, capsys):
    from tests.conftest import SAMPLE
    out = tmp_path / "a.pdf"
    assert _main("build", str(SAMPLE), "-o", str(out)) == 0
    said = capsys.readouterr().out
    assert "typeset: warning: picture" in said and "low.jpg on page 2: 90 ppi, under the 300 ppi" in said
    assert out.exists()


def test_low_resolution_is_an_error_when_the_layout_says_so(with_picture, tmp_path, capsys):
    from tests.conftest import SAMPLE
    with_picture["strict"] = True
    out = tmp_path / "a.pdf"
    out.write_bytes(b"earlier")
    assert _main("build", str(SAMPLE), "-o", str(out)) == 1
    err = capsys.readouterr().err
    assert "error: 1 picture is under the layout's minimum of 300 ppi" in err
    assert "low.jpg on page 2: 90 ppi" in err and "Traceback" not in err
    assert out.read_bytes() == b"earlier"
    # the archive is no print file: a warning only
    assert _main("build", str(SAMPLE), "-o", str(out), "--variant", "archive") == 0
    assert "warning: picture" in capsys.readouterr().out


def test_check_reports_pictures_and_fails_when_the_layout_says_so(with_picture, capsys):
    from tests.conftest import SAMPLE
    status = _main("check", str(SAMPLE))
    said = capsys.readouterr()
    assert re.search(r"pictures placed: +[1-9]", said.out) and "under 300 ppi:            1" in said.out
    assert "warning: picture" in said.err
    with_picture["strict"] = True
    assert _main("check", str(SAMPLE)) == 1
    assert "error: picture" in capsys.readouterr().err
    assert status in (0, 1)          # (the typographic report decides the first status)


def test_a_truncated_picture_fails_the_build_with_its_name(with_picture, tmp_path, capsys):
    from tests.conftest import SAMPLE
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(jpeg_bytes(photo(), quality=90)[:2000])
    with_picture["picture"] = str(cut)
    out = tmp_path / "a.pdf"
    assert _main("build", str(SAMPLE), "-o", str(out)) == 1
    err = capsys.readouterr().err
    assert "cut.jpg" in err and "damaged" in err and "page" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("args", [[], ["--pdfx", "x1a"], ["--variant", "archive"]])
def test_every_variant_with_pictures_passes_check_pdf(with_picture, tmp_path, capsys, args):
    from tests.conftest import SAMPLE
    with_picture["picture"] = str(tmp_path / "ok.png")
    photo(900, 585).save(with_picture["picture"])
    out = tmp_path / "a.pdf"
    assert _main("build", str(SAMPLE), "-o", str(out), *args) == 0
    capsys.readouterr()
    assert _main("check", "--pdf", str(out)) == 0, capsys.readouterr().out
    # one image XObject per distinct picture: the sample's figures and the one placed here
    from typeset import build as B
    from typeset.layout.page import Image
    pictures = {it.source for p in B.compose(SAMPLE).pages for it in p.items
                if isinstance(it, Image)}
    assert with_picture["picture"] in pictures
    assert sum(len(page) for page in pdf_images(out.read_bytes())) == len(pictures)


def test_a_cover_picture_fills_the_bleed_box(files, lib):
    """Issue 11's whole-page pictures: an Image over the bleed box, converted as figures are."""
    b = 8.5
    pages = [Page(W, H, kind="cover", label="封一",
                  items=[Image(-b, -b, W + 2 * b, H + 2 * b, files["rgb.jpg"], role="cover")])]
    for which in ("x4", "x1a", "archive"):
        data = write(pages, lib, which)
        assert preflight(data, VARIANTS[which][0]) == []
        from tests.pdfinspect import content
        ops = content(data, 0)
        # a 3:2 picture on a taller page: cropped at the sides, clipped to the bleed box
        # (trim coordinates; the archive has no bleed, its page edge clips the rest)
        assert f"-8.5 -8.5 {W + 2 * b:g} {H + 2 * b:g} re W n" in ops


def test_preflight_finds_a_soft_masked_image_in_x1a(written):
    from pypdf.generic import NameObject, NumberObject, StreamObject

    def smask(w, im):
        mask = StreamObject()
        mask.set_data(b"\xff" * 4)
        mask.update({NameObject("/Type"): NameObject("/XObject"),
                     NameObject("/Subtype"): NameObject("/Image"),
                     NameObject("/Width"): NumberObject(2), NameObject("/Height"): NumberObject(2),
                     NameObject("/ColorSpace"): NameObject("/DeviceGray"),
                     NameObject("/BitsPerComponent"): NumberObject(8)})
        im[NameObject("/SMask")] = w._add_object(mask)
    bad = _edit_first_image(written["x1a"], smask)
    assert any("has a soft mask" in f and "PDF/X-1a" in f for f in _found(bad, PDF_X1A))
    assert not any("soft mask" in f for f in _found(_edit_first_image(written["x4"], smask),
                                                   PDF_X4))


def test_a_picture_gone_before_writing_is_named_with_its_page(files, lib, tmp_path):
    gone = tmp_path / "gone.jpg"
    pages = [Page(W, H, label="9", items=[Image(72, 72, 200, 133, str(gone))])]
    with pytest.raises(TypesetError) as e:
        write(pages, lib, "archive")
    assert "picture not found" in e.value.message and "gone.jpg" in e.value.message
    assert "page 1 (9)" in e.value.message


def test_two_processes_write_the_same_bytes_with_pictures(files, tmp_path):
    """Fresh processes, other hash seeds, each its own (cold) cache: identical files."""
    import os
    import sys
    script = tmp_path / "w.py"
    script.write_text(
        "import sys, datetime as dt\n"
        "from typeset.issueinfo import Metadata, document_info\n"
        "from typeset.layout.page import Image, Page\n"
        "from typeset.render.variants import PDF_X4\n"
        "from typeset.render.writer import render_pdf\n"
        "from typeset.text.fonts import FontLibrary\n"
        "m = Metadata(title='T', journal='J', year=2024, number=2, date=dt.date(2024, 3, 15))\n"
        f"pages = [Page({W}, {H}, items=[Image(72, 400, 240, 160, {files['rgb.jpg']!r}),"
        f" Image(72, 100, 150, 100, {files['rgba.png']!r})])]\n"
        "sys.stdout.buffer.write(render_pdf(pages, FontLibrary(), document_info(m),"
        " variant=PDF_X4, issue=m, bleed=8.5, crop_marks=True))\n")
    root = str(__import__("pathlib").Path(__file__).resolve().parents[1])
    outs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=root,
                   TYPESET_CACHE=str(tmp_path / f"cache{seed}"))
        outs.append(subprocess.run([sys.executable, str(script)], env=env, cwd=tmp_path,
                                   capture_output=True, check=True).stdout)
    assert outs[0] == outs[1] and outs[0].startswith(b"%PDF-1.6")
