"""The picture pipeline (typeset/render/pictures/): what each receiver's file gets of a
picture, checked on what the pipeline returns — the colour space, the pixels decoded back,
the bytes of a JPEG passed through, the total ink, the downsampled size, the cache.

The written PDF is checked in test_pictures_pdf.py."""
from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from tests.picturekit import (exif_orientation, fogra, jpeg_bytes, linear_gray_profile,
                              other_cmyk_profile, photo, pixels, srgb, wide_rgb_profile)
from typeset.errors import TypesetError
from typeset.layout.page import Image as Placed, Page
from typeset.model.picture import probe
from typeset.render.pictures import cache, colour, ink
from typeset.render.pictures.convert import decode, prepare
from typeset.render.pictures.jpeg import read_jpeg, strip_metadata
from typeset.render.pictures.pipeline import Pictures
from typeset.render.pictures.spec import PictureError, Target, cover, downsample_size
from typeset.render.variants import CMYK, GRAY, ICC_RGB, RGB

CMYK_T = Target("cmyk", total_ink=300.0)
ICC_T = Target("icc-rgb", total_ink=300.0)
SRGB_T = Target("srgb")
TARGETS = {"cmyk": CMYK_T, "icc-rgb": ICC_T, "srgb": SRGB_T}


def light_cmyk(w=200, h=120) -> Image.Image:
    """CMYK through FOGRA39 of a light picture (well under any ink limit)."""
    rgb = photo(w, h).point(lambda v: 128 + v // 2)
    tr = colour.transform(srgb(), fogra(), "RGB", "CMYK", "relative", True)
    from PIL import ImageCms
    return ImageCms.applyTransform(rgb, tr)


# Every kind of picture the contract accepts, made on the spot: name -> (file name, bytes)
def _png(im, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", **kw)
    return buf.getvalue()


def _tiff(im, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "TIFF", **kw)
    return buf.getvalue()


PICTURES = {
    "rgb.jpg": lambda: jpeg_bytes(photo(), quality=90),
    "srgb-tagged.jpg": lambda: jpeg_bytes(photo(), quality=90, icc_profile=srgb()),
    "wide.jpg": lambda: jpeg_bytes(photo(), quality=90, icc_profile=wide_rgb_profile()),
    "grey.jpg": lambda: jpeg_bytes(photo().convert("L"), quality=90),
    "grey-linear.png": lambda: _png(photo().convert("L"), icc_profile=linear_gray_profile()),
    "rgb.png": lambda: _png(photo()),
    "rgba.png": lambda: _png(_with_alpha(photo())),
    "palette-grey.png": lambda: _png(photo().convert("L").convert("P")),
    "grey16.png": lambda: _png(Image.linear_gradient("L").resize((64, 64)).convert("I")
                               .point(lambda v: v * 257).convert("I;16")),
    "cmyk-fogra.jpg": lambda: jpeg_bytes(light_cmyk(), quality=92, icc_profile=fogra()),
    "cmyk-other.jpg": lambda: jpeg_bytes(light_cmyk(), quality=92,
                                         icc_profile=other_cmyk_profile()),
    "cmyk-fogra.tif": lambda: _tiff(light_cmyk(), icc_profile=fogra()),
    "lab.tif": lambda: _tiff(photo().convert("LAB")),
}


def _with_alpha(im: Image.Image) -> Image.Image:
    rgba = im.convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(im.size))      # transparent at the top
    return rgba


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pictures")
    out = {}
    for name, make in PICTURES.items():
        path = folder / name
        path.write_bytes(make())
        out[name] = path
    return out


def run(path, target, size=None):
    return prepare(path.read_bytes(), probe(path), target, size)


# -- what each receiver gets (the table in render/pictures/convert.py) --------------------------

CASES = [
    # picture,           target,    space,   passed through, words of `how`
    ("rgb.jpg",          "cmyk",    CMYK,    False, "RGB converted to CMYK"),
    ("rgb.jpg",          "icc-rgb", ICC_RGB, True,  "kept with its ICC profile"),
    ("rgb.jpg",          "srgb",    RGB,     True,  "sRGB kept"),
    ("srgb-tagged.jpg",  "srgb",    RGB,     True,  "sRGB kept"),
    ("wide.jpg",         "srgb",    RGB,     False, "RGB converted to sRGB"),
    ("wide.jpg",         "icc-rgb", ICC_RGB, True,  "kept with its ICC profile"),
    ("wide.jpg",         "cmyk",    CMYK,    False, "RGB converted to CMYK"),
    ("grey.jpg",         "cmyk",    GRAY,    True,  "grey kept"),
    ("grey.jpg",         "icc-rgb", GRAY,    True,  "grey kept"),
    ("grey.jpg",         "srgb",    GRAY,    True,  "grey kept"),
    ("grey-linear.png",  "srgb",    GRAY,    False, "grey converted to sRGB grey"),
    ("grey-linear.png",  "cmyk",    GRAY,    False, "grey kept"),
    ("rgb.png",          "cmyk",    CMYK,    False, "RGB converted to CMYK"),
    ("rgb.png",          "srgb",    RGB,     False, "sRGB kept"),
    ("rgba.png",         "cmyk",    CMYK,    False, "RGB converted to CMYK"),
    ("rgba.png",         "srgb",    RGB,     False, "sRGB kept"),
    ("palette-grey.png", "srgb",    GRAY,    False, "grey kept"),
    ("grey16.png",       "cmyk",    GRAY,    False, "grey kept"),
    ("cmyk-fogra.jpg",   "cmyk",    CMYK,    True,  "CMYK (FOGRA39) kept"),
    ("cmyk-fogra.jpg",   "icc-rgb", CMYK,    True,  "CMYK (FOGRA39) kept"),
    ("cmyk-other.jpg",   "cmyk",    CMYK,    False, "CMYK converted to FOGRA39"),
    ("cmyk-fogra.jpg",   "srgb",    RGB,     False, "CMYK converted to sRGB"),
    ("cmyk-fogra.tif",   "cmyk",    CMYK,    False, "CMYK (FOGRA39) kept"),
    ("lab.tif",          "cmyk",    CMYK,    False, "Lab converted to CMYK"),
    ("lab.tif",          "icc-rgb", CMYK,    False, "Lab converted to CMYK"),
    ("lab.tif",          "srgb",    RGB,     False, "Lab converted to sRGB"),
]


@pytest.mark.parametrize("name, target, space, passed, words", CASES,
                         ids=[f"{c[0]}->{c[1]}" for c in CASES])
def test_each_receiver_gets_its_colour(files, name, target, space, passed, words):
    p = run(files[name], TARGETS[target])
    assert p.space == space and words in p.how
    assert p.how.endswith("passed through") == passed
    assert (p.filter == "DCTDecode") == name.endswith(".jpg")      # PNG/TIFF never made lossy
    im = pixels(p)
    assert im.mode == {GRAY: "L", RGB: "RGB", ICC_RGB: "RGB", CMYK: "CMYK"}[space]
    assert im.size == (p.width, p.height) == (probe(files[name]).width_px,
                                              probe(files[name]).height_px)
    assert p.icc is None if space != ICC_RGB else p.icc in (srgb(), wide_rgb_profile())
    assert (p.ink is not None) == (space == CMYK)


def test_an_untagged_rgb_picture_kept_in_pdfx4_is_tagged_srgb(files):
    assert run(files["rgb.jpg"], ICC_T).icc == srgb()
    assert run(files["wide.jpg"], ICC_T).icc == wide_rgb_profile()


def test_an_rgb_profile_newer_than_pdfx4_admits_is_converted_to_srgb(tmp_path):
    path = tmp_path / "v43.jpg"
    path.write_bytes(jpeg_bytes(photo(), icc_profile=wide_rgb_profile(version=0x04300000)))
    p = run(path, ICC_T)
    assert p.space == ICC_RGB and p.icc == srgb() and "newer than PDF/X-4" in p.how


def test_conversions_keep_the_colours(files):
    """A red, a green and paper white come out as what they are, in every receiver."""
    red, white = (90, 200), (465, 10)                  # (x, y) in the 480 x 320 picture
    for target, name in ((CMYK_T, "wide.jpg"), (SRGB_T, "wide.jpg"), (CMYK_T, "rgb.png")):
        im = pixels(run(files[name], target))
        if im.mode == "CMYK":
            c, m, y, k = im.getpixel(red)
            assert m > 180 and y > 150 and c < 60          # red: magenta and yellow ink
            assert sum(im.getpixel(white)) < 12            # paper: no ink
        else:
            r, g, b = im.getpixel(red)
            assert r > 180 and g < 90 and b < 90
            assert min(im.getpixel(white)) > 245


def test_grey_stays_one_channel_and_16_bits_are_scaled_not_clipped(files):
    p = run(files["grey16.png"], CMYK_T)
    assert p.space == GRAY and p.predictor and p.components == 1
    im = pixels(p)
    assert im.mode == "L" and 120 <= im.getpixel((32, 32)) <= 135       # mid-grey, not 255
    assert im.getpixel((32, 0)) < 5 and im.getpixel((32, 63)) > 250


def test_alpha_is_flattened_onto_white(files):
    from typeset.render.pictures.convert import _normalise
    im, changed = _normalise(Image.open(files["rgba.png"]))
    assert changed and im.mode == "RGB"
    assert im.getpixel((200, 0)) == (255, 255, 255)    # fully transparent row: paper
    assert im.getpixel((200, 319)) != (255, 255, 255)


# -- JPEG pass-through ------------------------------------------------------------------------

def test_jpeg_pass_through_is_the_source_byte_for_byte(files):
    data = files["rgb.jpg"].read_bytes()
    p = run(files["rgb.jpg"], SRGB_T)
    assert p.data == data                               # no metadata to leave out: identical
    assert p.filter == "DCTDecode" and not p.decode_inverted


def test_pass_through_leaves_out_only_metadata_segments(tmp_path):
    src = jpeg_bytes(photo(), quality=90, icc_profile=srgb(), exif=Image.Exif().tobytes())
    facts = read_jpeg(src)
    assert "APP2" in facts.metadata and "APP1" in facts.metadata
    path = tmp_path / "meta.jpg"
    path.write_bytes(src)
    p = run(path, SRGB_T)
    assert p.data == strip_metadata(src) and len(p.data) < len(src)
    scan = src.index(b"\xff\xda")                       # the first scan and all after it
    assert p.data.endswith(src[scan:])
    assert read_jpeg(p.data).metadata == ()
    assert decode(p.data).tobytes() == decode(src).tobytes()


def test_pass_through_ends_at_the_end_of_image(tmp_path):
    """Bytes after the end-of-image marker (a phone's second picture, padding) are left out:
    no PDF reader reads past it."""
    src = jpeg_bytes(photo(), quality=90)
    path = tmp_path / "tail.jpg"
    path.write_bytes(src + b"\xff\xd8 a second picture or padding \xff\xd9" + bytes(64))
    p = run(path, SRGB_T)
    assert p.data == src and p.how.endswith("passed through")


@pytest.mark.parametrize("kw", [{}, {"progressive": True}, {"restart_marker_blocks": 1}],
                         ids=["baseline", "progressive: tables between scans", "restarts"])
def test_the_end_of_image_is_found_by_walking_the_scans(kw):
    src = jpeg_bytes(photo(), **kw)
    assert strip_metadata(src + b"\xff\xd9 tail") == src
    assert read_jpeg(src).process == ("progressive" if kw.get("progressive") else "baseline")


def test_adobe_cmyk_jpeg_passes_through_with_inverted_decode(files):
    p = run(files["cmyk-fogra.jpg"], CMYK_T)
    assert read_jpeg(files["cmyk-fogra.jpg"].read_bytes()).adobe
    assert p.decode_inverted and p.how.endswith("passed through")
    assert p.data == strip_metadata(files["cmyk-fogra.jpg"].read_bytes())     # no ICC copy


def test_exif_orientation_is_applied_and_then_no_pass_through(tmp_path):
    path = tmp_path / "turned.jpg"
    # stored as a 480 x 320 landscape with the red marker top left; EXIF 6 says "turn 90°
    # clockwise to view": seen as 320 x 480 with the marker top right
    path.write_bytes(jpeg_bytes(photo(), quality=95, exif=exif_orientation(6)))
    info = probe(path)
    assert (info.orientation, info.width_px, info.height_px) == (6, 320, 480)
    p = run(path, SRGB_T)
    assert (p.width, p.height) == (320, 480) and not p.how.endswith("passed through")
    im = decode(p.data)
    r, g, b = im.getpixel((316, 3))
    assert r > 200 and g < 60 and b < 60


# -- total ink --------------------------------------------------------------------------------

def deep(w=160, h=100) -> Image.Image:
    """Rich shadows: near-black, dark blue, dark brown."""
    im = Image.new("RGB", (w, h), (0, 0, 0))
    im.paste((10, 10, 40), (0, 0, w // 2, h // 2))
    im.paste((40, 20, 5), (w // 2, 0, w, h // 2))
    return im


@pytest.mark.parametrize("limit", [300.0, 260.0, 240.0])
@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_total_ink_is_held_to_the_layout_limit(tmp_path, limit, fmt):
    path = tmp_path / f"deep.{fmt.lower()}"
    deep().save(path, fmt)
    p = run(path, Target("cmyk", total_ink=limit))
    assert p.filter == ("DCTDecode" if fmt == "JPEG" else "FlateDecode")
    assert ink.max_ink(pixels(p)) <= ink.ink_units(limit)      # what the PDF holds
    assert p.ink <= limit + 1e-9 and "ink limited" in p.how
    unlimited = run(path, Target("cmyk", total_ink=400.0))
    assert unlimited.ink > 300                    # the profile alone goes to about 330 %


def test_jpeg_rounding_over_the_ink_limit_is_settled_where_it_happens(tmp_path, monkeypatch):
    """Sharp dark stripes: JPEG's rounding lifts some pixels over the limit after the first
    encoding; the limit is lowered only in those blocks and the picture encoded again. (The
    stripes cover the picture: it is measured whole every round; a picture with a few such
    places has only their blocks encoded again, test_pictures_ink.py.)"""
    from PIL import ImageDraw

    from typeset.render.pictures import convert
    im = Image.new("RGB", (256, 192), (0, 0, 0))
    d = ImageDraw.Draw(im)
    for x in range(0, 256, 3):
        d.line((x, 0, x, 191), fill=(60, 20, 90) if x % 2 else (0, 40, 30))
    path = tmp_path / "stripes.jpg"
    im.save(path, quality=95)
    encoded = []
    real = convert._jpeg
    monkeypatch.setattr(convert, "_jpeg", lambda im, q, **kw: encoded.append((im, kw))
                        or real(im, q, **kw))
    p = run(path, CMYK_T)
    assert len(encoded) >= 3 and p.filter == "DCTDecode"     # measured twice or more, kept
    assert ink.max_ink(pixels(p)) <= ink.ink_units(300)
    assert [kw for _, kw in encoded] == [{"optimize": False}] * (len(encoded) - 1) + [{}]
    first, last = encoded[0][0].tobytes(), encoded[-1][0].tobytes()
    changed = sum(a != b for a, b in zip(first, last)) / len(first)
    assert 0 < changed < 0.5                  # only around the blocks that went over


def test_limit_ink_changes_only_pixels_over_the_limit():
    light = light_cmyk()
    assert ink.limit_ink(light, 765).tobytes() == light.tobytes()
    black = Image.new("CMYK", (2, 1), (250, 220, 200, 255))
    c, m, y, k = ink.limit_ink(black, 765).getpixel((0, 0))
    assert c + m + y + k <= 765 and k == 255 and c > m > y          # ratio of C:M:Y kept


# -- resolution --------------------------------------------------------------------------------

def test_cover_scales_by_one_factor():
    assert cover(400, 300, 200, 150) == (200, 150)
    assert cover(400, 300, 150, 150) == (200, 150)      # wider picture: overflows sideways


@pytest.mark.parametrize("px, boxes, max_ppi, min_ppi, expected", [
    ((2400, 1600), [(144.0, 96.0)], 600, 300, (1200, 800)),        # 1200 ppi -> 600
    ((2400, 1600), [(288.0, 192.0)], 600, 300, None),              # 600 ppi: kept
    ((2400, 1600), [(144.0, 96.0), (288.0, 192.0)], 600, 300, None),  # largest use needs all
    ((2400, 1600), [(72.0, 48.0), (144.0, 96.0)], 600, 300, (1200, 800)),
    ((2400, 1600), [(144.0, 96.0)], None, 300, None),              # no max: never
    ((3001, 2001), [(72.0, 48.0)], 300, 300, (300, 201)),          # at max = min: not under min
])
def test_downsample_size(px, boxes, max_ppi, min_ppi, expected):
    got = downsample_size(*px, boxes, max_ppi, min_ppi)
    assert got == expected
    if got:
        need = max(max(bw / px[0], bh / px[1]) for bw, bh in boxes)
        ppi = 72 * min(got[0] / (px[0] * need), got[1] / (px[1] * need))
        assert min_ppi <= ppi <= max_ppi + 0.5


def test_a_picture_above_max_ppi_is_downsampled_once_for_its_largest_use(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "big.png"
    photo(1200, 800).save(path)
    pages = [Page(500, 700, items=[Placed(50, 50, 72, 48, str(path)),      # 1200 ppi
                                   Placed(50, 300, 144, 96, str(path))])]  # 600 ppi... 
    pics = Pictures(CMYK_T, max_ppi=300)
    pics.plan(pages, lambda i, p: f"page {i + 1}")
    key, p = pics.get(str(path))
    assert (p.width, p.height) == (600, 400)            # 300 ppi at the 144 pt placement
    assert pics.get(str(path))[0] == key and pics.stats.pictures == 1


# -- damaged pictures ----------------------------------------------------------------------------

def test_a_truncated_jpeg_is_refused_by_name_not_with_a_traceback(tmp_path):
    path = tmp_path / "cut.jpg"
    path.write_bytes(jpeg_bytes(photo(), quality=90)[:3000])
    info = probe(path)                                   # the header reads
    with pytest.raises(PictureError, match="cannot be decoded: the file is damaged"):
        prepare(path.read_bytes(), info, SRGB_T)
    pics = Pictures(SRGB_T)
    pics.plan([Page(500, 700, label="7", items=[Placed(0, 0, 100, 66, str(path))])],
              lambda i, p: f"page {i + 1} ({p.label})")
    with pytest.raises(TypesetError) as e:
        pics.get(str(path))
    assert "cut.jpg" in e.value.message and "page 1 (7)" in e.value.message
    assert "damaged" in e.value.message and e.value.hint


def test_an_unreadable_embedded_profile_is_named(tmp_path):
    path = tmp_path / "badprofile.jpg"
    bad = bytearray(srgb())
    bad[36:40] = b"xxxx"                                  # no 'acsp': not a profile
    path.write_bytes(jpeg_bytes(photo(), icc_profile=bytes(bad)))
    with pytest.raises(PictureError, match="colour profile that cannot be read"):
        run(path, CMYK_T)


def test_a_profile_of_another_colour_space_is_named(tmp_path):
    path = tmp_path / "mismatch.jpg"
    path.write_bytes(jpeg_bytes(photo().convert("L"), icc_profile=srgb()))
    with pytest.raises(PictureError, match="is L but embeds a profile for RGB colour"):
        run(path, SRGB_T)


# -- the cache ----------------------------------------------------------------------------------

def _pages(paths):
    return [Page(500, 700, items=[Placed(20, 20 + 150 * i, 180, 120, str(p))
                                  for i, p in enumerate(paths)])]


def _prepare_all(paths, target=CMYK_T):
    pics = Pictures(target, max_ppi=600)
    pics.plan(_pages(paths), lambda i, p: f"page {i + 1}")
    return pics, [_in_memory(pics.get(str(p))[1]) for p in paths]


def _in_memory(p):
    """A prepared picture with its stream as bytes (a large one is left in its cache file:
    fileread.FileSlice, compared by what it reads)."""
    import dataclasses
    return p if isinstance(p.data, bytes) else dataclasses.replace(p, data=p.data.read())


def test_the_key_reads_the_libraries_as_pillow_reports_them():
    """cache.library_versions reads Pillow's C modules directly (a warm build imports no
    PIL plugins): the very values PIL.features and ImageCms give, the key of every entry."""
    from typeset.render.pictures.convert import library_versions

    assert cache.library_versions() == library_versions()
    assert cache.profile_digests() == {"cmyk": colour.profile_sha(colour.cmyk_profile()),
                                       "srgb": colour.profile_sha(colour.srgb_profile())}


def test_warm_cache_never_converts_again_and_gives_the_same_result(files, tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    paths = [files["rgb.jpg"], files["rgb.png"], files["cmyk-other.jpg"]]
    cold, first = _prepare_all(paths)
    assert cold.stats.converted == 3 and cold.stats.cached == 0

    def no(*a, **k):
        raise AssertionError("converted again")
    monkeypatch.setattr("typeset.render.pictures.convert.prepare", no)
    warm, again = _prepare_all(paths)
    assert warm.stats.converted == 0 and warm.stats.cached == 3
    assert again == first


def test_a_damaged_or_planted_cache_file_is_ignored(files, tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    pics, (good,) = _prepare_all([files["rgb.png"]])
    key = pics.key(str(files["rgb.png"]))
    path = cache.path_for(key)
    blob = path.read_bytes()
    assert _in_memory(cache.get(key)) == good and cache.load(blob, 32) == good
    for bad in (blob[:-1], blob[:40], b"\x80\x04pickle", blob[:-5] + b"xxxxx",
                blob.replace(b'"space": "DeviceCMYK"', b'"space": "DeviceXYZW"')):
        path.write_bytes(bad)
        assert cache.get(key) is None
        again, (p,) = _prepare_all([files["rgb.png"]])
        assert again.stats.converted == 1 and p == good


def test_the_key_holds_every_parameter(files, tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    path = str(files["rgb.jpg"])
    keys = set()
    for t in (CMYK_T, Target("cmyk", total_ink=260.0), Target("cmyk", intent="perceptual"),
              Target("cmyk", bpc=False), Target("cmyk", jpeg_quality=80), ICC_T, SRGB_T):
        pics = Pictures(t)
        pics.plan(_pages([files["rgb.jpg"]]), lambda i, p: "")
        keys.add(pics.key(path))
    assert len(keys) == 7


def test_the_same_bytes_under_two_names_are_one_image(files, tmp_path):
    twin = tmp_path / "twin.jpg"
    twin.write_bytes(files["rgb.jpg"].read_bytes())
    pics = Pictures(SRGB_T, use_cache=False)
    pics.plan(_pages([files["rgb.jpg"], twin]), lambda i, p: "")
    assert pics.get(str(files["rgb.jpg"]))[0] == pics.get(str(twin))[0]
    assert pics.stats.pictures == 1


# -- probe: the faults an article's line is told about (issue 10 part 3) -------------------------

def _huge_png(path):
    import struct
    Image.new("L", (1, 1)).save(path, "PNG")
    data = bytearray(path.read_bytes())
    data[16:24] = struct.pack(">II", 12000, 9000)                       # 108 megapixels
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    path.write_bytes(bytes(data))


PROBE_FAULTS = [
    # what,                   make(path),                                     words
    ("missing",               lambda p: None,                                 "picture not found"),
    ("a folder",              lambda p: p.mkdir(),                            "is a folder"),
    ("not a picture",         lambda p: p.write_bytes(b"%PDF-1.7 not a jpeg"), "not a JPEG, PNG or TIFF"),
    ("a GIF",                 lambda p: Image.new("RGB", (4, 4)).save(p, "GIF"), "is GIF"),
    ("CMYK without profile",  lambda p: Image.new("CMYK", (8, 8)).save(p, "JPEG"), "CMYK without an embedded"),
    ("over 100 megapixels",   _huge_png,                                      "108 megapixels"),
]


@pytest.mark.parametrize("what, make, words", PROBE_FAULTS, ids=[f[0] for f in PROBE_FAULTS])
def test_probe_names_the_article_line(tmp_path, what, make, words):
    path = tmp_path / "pic.jpg"
    make(path)
    with pytest.raises(TypesetError) as e:
        probe(path, file="articles/03.md", line=12, column=1)
    assert words in e.value.message and str(path) in e.value.message
    assert (e.value.file, e.value.line, e.value.column) == ("articles/03.md", 12, 1)
    assert e.value.hint
