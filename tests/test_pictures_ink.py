"""Total ink, computed where it matters (render/pictures/ink.py `Totals`, convert.py
`_settle_ink`): every answer is the one of the per-pixel definition and of whole-picture
arithmetic, on small generated pictures whose pixels sit at, just under and just over the
limit, through the one-by-one way and the whole-picture way alike; and the JPEG facts the
block-by-block settling of the ink limit stands on, checked with Pillow's libjpeg."""
from __future__ import annotations

import os
import random
import struct

import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image, ImageDraw, ImageMath

from typeset.render.pictures import colour, convert, ink

FUZZ = int(os.environ.get("TYPESET_FUZZ_EXAMPLES", 150))


# -- the per-pixel definitions ----------------------------------------------------------------

def f32(x: float) -> float:
    """`x` rounded to a 32-bit float (what ImageMath's "F" images hold). A double result of
    one +, - , * or / of two floats rounded to 32 bits is the 32-bit operation's result."""
    return struct.unpack("f", struct.pack("f", x))[0]


def total(p) -> int:
    return sum(p)


def held(p, cap: int) -> tuple[int, int, int, int]:
    """A pixel held to `cap`: the excess taken out of C, M and Y in proportion, rounding
    down (32-bit floats, as ink.py defines it), K kept; within the cap: unchanged."""
    c, m, y, k = p
    cmy = c + m + y
    excess = max(cmy + k - cap, 0)
    keep = f32(f32(cmy - excess) / f32(max(cmy, 1)))
    return (*(min(255, max(0, int(f32(f32(v) * keep)))) for v in (c, m, y)), k)


def values(im: Image.Image) -> list:
    px = im.load()
    return [px[x, y] for y in range(im.height) for x in range(im.width)]


def mask_at(im: Image.Image, w: int) -> list[tuple[int, int]]:
    return [(i % w, i // w) for i, v in enumerate(im.tobytes()) if v]


# -- generated pictures -----------------------------------------------------------------------

def _pixel_with_total(draw, target: int) -> tuple[int, int, int, int]:
    """Four samples adding up to `target` (clipped to 0..1020), in a drawn order."""
    target = max(0, min(1020, target))
    left, out = target, []
    for i in range(3):
        rest = 255 * (3 - i)                           # what the others can still hold
        lo, hi = max(0, left - rest), min(255, left)
        v = draw(st.integers(lo, hi))
        out.append(v)
        left -= v
    out.append(left)
    return tuple(draw(st.permutations(out)))


@st.composite
def pictures(draw, limit=None):
    """(a CMYK picture of up to 12 x 12 pixels, a limit): pixels at the limit, one or two
    under or over it, anywhere, plus random ones."""
    limit = draw(st.integers(200, 1020)) if limit is None else limit
    w, h = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    px = []
    for _ in range(w * h):
        if draw(st.booleans()):
            px.append(_pixel_with_total(draw, limit + draw(st.integers(-3, 3))))
        else:
            px.append(tuple(draw(st.lists(st.integers(0, 255), min_size=4, max_size=4))))
    im = Image.new("CMYK", (w, h))
    im.putdata(px)
    return im, limit


@pytest.fixture(params=["one by one", "whole picture"])
def way(request, monkeypatch):
    """Both ways of ink.Totals: pixels near a limit added up one by one, or (when too
    many are near) whole-picture arithmetic."""
    if request.param == "whole picture":
        monkeypatch.setattr(ink, "SPARSE_MIN", 0)
        monkeypatch.setattr(ink, "SPARSE_SHARE", 1 << 30)
    else:
        monkeypatch.setattr(ink, "SPARSE_MIN", 1 << 30)
    return request.param


# -- totals ------------------------------------------------------------------------------------

@settings(max_examples=FUZZ, deadline=None)
@given(pictures(), st.integers(-3, 3))
def test_near_holds_every_pixel_over_and_none_far_under(case, d):
    im, limit = case
    t = limit + d
    near = ink.Totals(im).near(t)
    totals = {(x, y): total(im.getpixel((x, y))) for x in range(im.width)
              for y in range(im.height)}
    assert {p for p, s in totals.items() if s > t} <= set(near)
    assert all(totals[p] >= t - 1 for p in near)
    assert len(near) == len(set(near))
    box = (im.width // 3, im.height // 4, im.width, (im.height + 1) // 2 + 1)
    inside = [(x, y) for x, y in near if box[0] <= x < box[2] and box[1] <= y < box[3]]
    assert ink.Totals(im).near(t, box) == inside


@settings(max_examples=FUZZ, deadline=None)
@given(pictures())
def test_maximum_and_exceeds_are_the_definition(case):
    im, limit = case
    top = max(total(p) for p in values(im))
    t = ink.Totals(im)
    assert t.maximum() == ink.max_ink(im) == ink._whole_max_ink(im) == top
    for d in (-1, 0, 1):
        assert t.exceeds(limit + d) == (top > limit + d)


def test_both_ways_on_flat_pictures(way):
    for v in [(0, 0, 0, 0), (255, 255, 255, 255), (200, 190, 180, 195), (1, 0, 0, 0)]:
        im = Image.new("CMYK", (40, 30), v)
        assert ink.max_ink(im) == sum(v)
        worst, mask = ink.ink_over(im, 765)
        assert worst == max(0, sum(v) - 765) and (mask.getbbox() is None) == (worst == 0)
        assert values(ink.limit_ink(im, 765)) == [held(v, 765)] * 1200


# -- the limit -------------------------------------------------------------------------------

@settings(max_examples=FUZZ, deadline=None)
@given(pictures())
def test_limit_ink_is_the_per_pixel_definition(case):
    im, limit = case
    want = [held(p, limit) for p in values(im)]
    assert values(ink.limit_ink(im, limit)) == want
    assert values(ink._whole_limit_ink(im, limit)) == want
    assert all(total(p) <= max(limit, p[3]) for p in want)


def test_limit_ink_rounds_in_32_bit_floats(way):
    """Dark pixels over a limit, many: both ways give the per-pixel definition in 32-bit
    floats — which is not the same as in 64-bit floats for some of them."""
    rnd = random.Random(1)
    px = [tuple(rnd.randint(150, 255) for _ in range(4)) for _ in range(30000)]
    im = Image.new("CMYK", (300, 100))
    im.putdata(px)
    got = values(ink.limit_ink(im, 700))
    assert got == [held(p, 700) for p in px]

    def in_doubles(p, cap=700):
        c, m, y, k = p
        keep = (c + m + y - max(c + m + y + k - cap, 0)) / max(c + m + y, 1)
        return (*(int(v * keep) for v in (c, m, y)), k)
    assert sum(in_doubles(p) != g for p, g in zip(px, got)) > 0


def test_limit_ink_both_ways_at_the_limit(way):
    rnd = random.Random(7)
    px = []
    for _ in range(64 * 48):
        s = 765 + rnd.randint(-2, 2) if rnd.random() < 0.7 else rnd.randint(0, 1020)
        p = [min(255, s // 4)] * 4
        p[3] += s - sum(p)
        if p[3] > 255:
            p[0] += p[3] - 255
            p[3] = 255
        px.append(tuple(p))
    im = Image.new("CMYK", (64, 48))
    im.putdata(px)
    assert values(ink.limit_ink(im, 765)) == [held(p, 765) for p in px]
    worst, mask = ink.ink_over(im, 765)
    w_worst, w_mask = ink._whole_ink_over(im, 765)
    assert worst == w_worst == max(total(p) for p in px) - 765
    assert mask.tobytes() == w_mask.tobytes()


@settings(max_examples=FUZZ, deadline=None)
@given(pictures())
def test_totals_of_a_held_picture_are_its_own(case):
    """A held picture's totals are patched, not computed again: they are what its own
    would be (the bounds `near` works from included)."""
    im, limit = case
    got = ink.Totals(im).limited(limit)
    fresh = ink.Totals(got.image)
    assert got.image.tobytes() == ink.limit_ink(im, limit).tobytes()
    assert (got._cm.tobytes(), got._yk.tobytes()) == (fresh._cm.tobytes(), fresh._yk.tobytes())
    assert got.near(limit - 1) == fresh.near(limit - 1)


@settings(max_examples=FUZZ, deadline=None)
@given(pictures(), st.data())
def test_a_limit_per_pixel_is_the_definition(case, data):
    """InkCap, lowered in masks as the JPEG rounds do: its pixels' limits, its image, and a
    picture held to it, against the per-pixel definition and whole-picture arithmetic."""
    im, limit = case
    w, h = im.size
    cap = ink.InkCap(limit, im.size)
    want = [limit] * (w * h)
    for _ in range(data.draw(st.integers(0, 3))):
        bits = data.draw(st.lists(st.booleans(), min_size=w * h, max_size=w * h))
        by = data.draw(st.integers(3, 40))
        mask = Image.new("L", im.size)
        mask.putdata([255 * b for b in bits])
        cap.lower(mask, by)
        want = [c - by * b for c, b in zip(want, bits)]
    assert [cap.at((x, y)) for y in range(h) for x in range(w)] == want
    assert list(cap.image().get_flattened_data()) == want
    assert cap.floor <= min(want)
    got = values(ink.limit_ink(im, cap))
    assert got == [held(p, c) for p, c in zip(values(im), want)]
    assert got == values(ink._whole_limit_ink(im, cap.image()))


@settings(max_examples=FUZZ, deadline=None)
@given(pictures())
def test_ink_over_is_whole_picture_arithmetic(case):
    im, limit = case
    worst, mask = ink.ink_over(im, limit)
    w_worst, w_mask = ink._whole_ink_over(im, limit)
    assert worst == w_worst == max(0, max(total(p) for p in values(im)) - limit)
    assert mask.tobytes() == w_mask.tobytes()


def test_ink_blocks_mark_the_blocks_around_a_pixel_over():
    im = _spots((100, 70), [(50, 33)])
    worst, mask = ink.ink_over(im, 765)
    assert worst == 5
    canvas = Image.new("L", im.size)
    over = ink.Totals(im).over(765)
    assert ink.ink_blocks(im.size, over, canvas).tobytes() == mask.tobytes()
    assert canvas.getbbox() is None                              # left as it was
    xs = {x for x, _ in mask_at(mask, 100)}
    ys = {y for _, y in mask_at(mask, 100)}
    assert min(xs) <= 40 and max(xs) >= 63 and min(ys) <= 24 and max(ys) >= 47


@settings(max_examples=FUZZ, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.data())
def test_a_block_mask_is_the_drawn_mask(w, h, data):
    """ink.BlockMask (what the JPEG rounds use) against the mask `ink_blocks` draws by
    resizing the whole picture: every pixel's value, the bounding box and the image, for
    pixels anywhere, in clusters and on the edges (sizes not multiples of 8 included)."""
    pts = set(data.draw(st.lists(st.tuples(st.integers(0, w - 1), st.integers(0, h - 1)),
                                 max_size=30)))
    if data.draw(st.booleans()):
        pts |= {(w - 1, h - 1), (0, h - 1), (w - 1, 0)}
    drawn = ink.ink_blocks((w, h), pts)
    mask = ink.BlockMask((w, h), pts)
    px = drawn.load()
    assert [mask[x, y] for y in range(h) for x in range(w)] == \
        [px[x, y] for y in range(h) for x in range(w)]
    assert mask.getbbox() == drawn.getbbox()
    assert mask.image().tobytes() == drawn.tobytes()


def test_a_block_mask_of_a_cover_sized_picture():
    """The same at the sizes of the sample's pictures (7 Mpx and less): the pixels around
    the blocks marked, the bounding box, the image."""
    rnd = random.Random(5)
    for size in ((2260, 3150), (1680, 1120), (1400, 900)):
        w, h = size
        pts = {(rnd.randrange(w), rnd.randrange(h)) for _ in range(60)} | {(w - 1, h - 1)}
        drawn = ink.ink_blocks(size, pts)
        mask = ink.BlockMask(size, pts)
        assert mask.image().tobytes() == drawn.tobytes()
        assert mask.getbbox() == drawn.getbbox()
        px = drawn.load()
        near = {(min(w - 1, max(0, x + dx)), min(h - 1, max(0, y + dy))) for x, y in pts
                for dx in range(-24, 25, 3) for dy in range(-24, 25, 3)}
        assert all(mask[p] == px[p] for p in near)
        assert any(mask[p] == 255 for p in near) and any(mask[p] == 0 for p in near)


def test_a_limit_lowered_by_block_masks_is_the_same():
    """InkCap lowered by BlockMasks gives the limits, box and image it gives lowered by
    the drawn masks."""
    rnd = random.Random(9)
    size = (203, 131)
    a, b = ink.InkCap(765, size), ink.InkCap(765, size)
    for by in (7, 3, 12):
        pts = {(rnd.randrange(203), rnd.randrange(131)) for _ in range(8)}
        a.lower(ink.ink_blocks(size, pts), by)
        b.lower(ink.BlockMask(size, pts), by)
        assert a.box == b.box and a.floor == b.floor
    assert [a.at((x, y)) for y in range(131) for x in range(203)] == \
        [b.at((x, y)) for y in range(131) for x in range(203)]
    assert a.image().tobytes() == b.image().tobytes()


# -- JPEG: what settling the limit block by block stands on ---------------------------------

def _jpeg(im: Image.Image, optimize: bool) -> bytes:
    return convert._jpeg(im, 92, optimize=optimize)


@settings(max_examples=max(10, FUZZ // 10), deadline=None)
@given(st.integers(1, 70), st.integers(1, 70), st.integers(0, 2 ** 32 - 1), st.data())
def test_a_jpeg_block_decodes_the_same_in_a_crop(w, h, seed, data):
    """4:4:4 CMYK: every 8x8 block is coded on its own (ITU-T T.81 §A.1.3, §A.3), so a crop
    at multiples of 8 decodes to the pixels the whole picture's JPEG has there, edges too;
    and optimised Huffman tables change no pixel."""
    im = Image.frombytes("CMYK", (w, h), random.Random(seed).randbytes(w * h * 4))
    if data.draw(st.booleans()):
        im = im.resize((max(1, w // 3), max(1, h // 3))).resize((w, h))     # smooth
    whole = convert.decode(_jpeg(im, False))
    assert convert.decode(_jpeg(im, True)).tobytes() == whole.tobytes()
    x0 = 8 * data.draw(st.integers(0, (w - 1) // 8))
    y0 = 8 * data.draw(st.integers(0, (h - 1) // 8))
    box = (x0, y0, min(w, x0 + 8 * data.draw(st.integers(1, 4))),
           min(h, y0 + 8 * data.draw(st.integers(1, 4))))
    part = convert.decode(_jpeg(im.crop(box), False))
    assert part.tobytes() == whole.crop(box).tobytes()


@settings(max_examples=max(10, FUZZ // 10), deadline=None)
@given(st.integers(1, 90), st.integers(1, 90), st.integers(0, 2 ** 32 - 1), st.data())
def test_crops_encoded_as_one_mosaic_decode_as_each_alone(w, h, seed, data):
    """convert._mosaic: the crops of the JPEG rounds stacked into one picture decode, each
    in its place, to exactly what each crop's own JPEG decodes to — crops on the right and
    bottom edges (not multiples of 8, padded as libjpeg pads them) included."""
    im = Image.frombytes("CMYK", (w, h), random.Random(seed).randbytes(w * h * 4))
    if data.draw(st.booleans()):
        im = im.resize((max(1, w // 3), max(1, h // 3))).resize((w, h))     # smooth
    pts = data.draw(st.lists(st.tuples(st.integers(0, w - 1), st.integers(0, h - 1)),
                             min_size=1, max_size=12))
    if data.draw(st.booleans()):
        pts.append((w - 1, h - 1))
    boxes = convert._block_boxes(pts, (w, h))
    mosaic, tops = convert._mosaic(im, boxes)
    decoded = convert.decode(_jpeg(mosaic, False))
    for (x0, y0, x1, y1), top in zip(boxes, tops):
        alone = convert.decode(_jpeg(im.crop((x0, y0, x1, y1)), False))
        assert decoded.crop((0, top, x1 - x0, top + y1 - y0)).tobytes() == alone.tobytes()


def _reference_settle(im: Image.Image, limit: int, quality: int):
    """The settling of the ink limit as the definition has it: every round the whole picture
    encoded (optimised), decoded and measured by whole-picture arithmetic."""
    cap: Image.Image | int = limit
    src = im
    for _ in range(convert._INK_ROUNDS):
        data = convert._jpeg(src, quality)
        got = convert.decode(data)
        worst, where = ink._whole_ink_over(got, limit)
        if worst == 0:
            return data, ink._whole_max_ink(got)
        cap = cap if isinstance(cap, Image.Image) else Image.new("I", im.size, cap)
        cap = ImageMath.lambda_eval(lambda d: d["cap"] - d["int"](d["mask"]) / 255
                                    * (worst + 2), cap=cap, mask=where)
        src = ink._whole_limit_ink(im, cap)
    return None


def _spots(size, places, seed=3) -> Image.Image:
    """A light CMYK picture with sharp dark stripes (totals up to 770) at a few places."""
    im = Image.new("CMYK", size, (40, 30, 30, 10))
    d = ImageDraw.Draw(im)
    rnd = random.Random(seed)
    for x0, y0 in places:
        for x in range(x0, min(size[0], x0 + rnd.randint(1, 20)), 2):
            d.line((x, y0, x, min(size[1] - 1, y0 + rnd.randint(0, 14))),
                   fill=(200, 170, 150, 250) if x % 4 else (245, 200, 70, 255))
    return im


@pytest.mark.parametrize("size, places", [
    ((100, 70), [(50, 33)]),
    ((203, 131), [(0, 0), (190, 120), (96, 60)]),          # edges, not multiples of 8
    ((160, 96), [(8 * i + 3, 5 * i) for i in range(14)]),    # many places, rows of blocks
    ((64, 48), [(x, y) for x in range(0, 64, 9) for y in range(0, 48, 7)]),    # most blocks
])
def test_settling_block_by_block_is_the_definition(size, places, monkeypatch):
    im = ink.limit_ink(_spots(size, places), 765)
    want = _reference_settle(im, 765, 92)
    encoded = []
    real = convert._jpeg
    monkeypatch.setattr(convert, "_jpeg", lambda im, q, **kw: encoded.append(im.size)
                        or real(im, q, **kw))
    got = convert._settle_ink(ink.Totals(im), 765, 92)
    assert got == want and got is not None
    if len(places) < 20:
        assert any(s != size for s in encoded)            # blocks were encoded alone


def test_settling_the_whole_picture_way_is_the_definition(way):
    im = ink.limit_ink(_spots((120, 88), [(8, 8), (60, 40), (100, 70)], seed=5), 700)
    assert convert._settle_ink(ink.Totals(im), 700, 85) == _reference_settle(im, 700, 85)


def test_settling_that_does_not_settle_is_the_definition(monkeypatch):
    monkeypatch.setattr(convert, "_INK_ROUNDS", 1)
    im = ink.limit_ink(_spots((100, 70), [(50, 33)]), 765)
    assert _reference_settle(im, 765, 92) is None
    assert convert._settle_ink(ink.Totals(im), 765, 92) is None


def test_block_boxes_cover_the_blocks_of_their_pixels():
    rnd = random.Random(11)
    for _ in range(200):
        w, h = rnd.randint(1, 90), rnd.randint(1, 90)
        pts = {(rnd.randrange(w), rnd.randrange(h)) for _ in range(rnd.randint(1, 12))}
        boxes = convert._block_boxes(pts, (w, h))
        for x0, y0, x1, y1 in boxes:
            assert x0 % 8 == 0 and y0 % 8 == 0 and x1 <= w and y1 <= h
            assert (x1 % 8 == 0 or x1 == w) and (y1 % 8 == 0 or y1 == h)
        for x, y in pts:        # every pixel's whole block is in a box
            bx, by = x // 8 * 8, y // 8 * 8
            assert any(x0 <= bx and y0 <= by and min(w, bx + 8) <= x1 and min(h, by + 8) <= y1
                       for x0, y0, x1, y1 in boxes)


# -- colour conversion without LittleCMS's one-pixel cache ---------------------------------------

@settings(max_examples=max(10, FUZZ // 5), deadline=None)
@given(st.integers(1, 60), st.integers(1, 60), st.integers(0, 2 ** 32 - 1),
       st.sampled_from(["RGB", "CMYK", "L"]), st.booleans())
def test_conversions_without_the_pixel_cache_are_the_same(w, h, seed, mode, flat):
    """colour.transform builds LittleCMS transforms with cmsFLAGS_NOCACHE (faster on
    photographs): the pixels are those of the transform with its one-pixel cache, the one
    typeset used before, on pictures of noise and of flat runs (where the cache hits)."""
    from PIL import ImageCms
    rnd = random.Random(seed)
    bands = {"RGB": 3, "CMYK": 4, "L": 1}[mode]
    if flat:
        runs = b"".join(rnd.randbytes(bands) * rnd.randint(1, 30) for _ in range(w * h))
        im = Image.frombytes(mode, (w, h), runs[:w * h * bands])
    else:
        im = Image.frombytes(mode, (w, h), rnd.randbytes(w * h * bands))
    src = {"RGB": colour.srgb_profile(), "CMYK": colour.cmyk_profile(), "L": None}[mode]
    if src is None:
        src = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        im = im.convert("RGB")
        mode = "RGB"
    for dst, out in ((colour.cmyk_profile(), "CMYK"), (colour.srgb_profile(), "RGB")):
        for intent, bpc in (("relative", True), ("perceptual", False)):
            fast = ImageCms.applyTransform(im, colour.transform(src, dst, mode, out, intent,
                                                                 bpc))
            cached = ImageCms.applyTransform(im, ImageCms.buildTransform(
                colour.open_profile(src), colour.open_profile(dst), mode, out,
                renderingIntent=colour.INTENTS[intent],
                flags=colour.BPC_FLAG if bpc else 0))
            assert fast.tobytes() == cached.tobytes()
