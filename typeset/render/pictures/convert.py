"""One picture -> one `Prepared` image for one receiver (Pillow and LittleCMS).

`prepare(data, info, target, size)` decodes the picture (every picture: a file whose header
reads but whose pixels do not — a truncated JPEG — is refused here, never embedded), and then:

1. modes: bilevel and 16-bit grey become 8-bit grey; a palette becomes RGB (grey if every
   entry is grey); YCbCr becomes RGB; an alpha channel is flattened onto white (pictures sit
   on paper: no file carries a soft mask, which PDF/X-1a forbids, ISO 15930-4 §6.3.1);
2. the EXIF orientation is applied (the picture is turned as it is meant to be seen);
3. downsampling to `size` (Lanczos), when the layout's max_ppi asks for it;
4. colour, by the target (spec.Target) and the picture's embedded profile (none: sRGB for RGB,
   sRGB grey for grey; CMYK without a profile never gets here, model/picture.py refuses it):

   | picture | print `cmyk` (X-4, X-1a) | print `icc-rgb` (X-4) | archive `srgb` |
   |---|---|---|---|
   | grey | kept: DeviceGray (K) | kept: DeviceGray | kept (tagged: converted to sRGB grey unless its profile already is) |
   | RGB | to FOGRA39 CMYK | kept: ICCBased with its profile (untagged: sRGB) | kept if sRGB, else converted to sRGB: DeviceRGB |
   | CMYK | kept if its profile is FOGRA39 by colour, else converted to it | the same | converted to sRGB |
   | Lab | to FOGRA39 CMYK | to FOGRA39 CMYK | to sRGB |

   conversions use the layout's rendering intent and black-point compensation;
5. print CMYK held to the layout's total ink limit (ink.limit_ink), measured after encoding;
6. encoding: a JPEG whose pixels were not changed passes through (jpeg.strip_metadata: its
   scan data byte for byte); a changed JPEG is re-encoded as JPEG at the layout's quality;
   PNG and TIFF pictures are compressed losslessly (Flate with PNG predictors).
"""
from __future__ import annotations

import io
import struct
from bisect import bisect_right
import warnings
import zlib

from PIL import Image

from typeset.render.pictures import colour, ink
from typeset.render.pictures.jpeg import passable, read_jpeg, strip_metadata
from typeset.render.pictures.spec import PictureError, Prepared, Target
from typeset.render.variants import CMYK, GRAY, ICC_RGB, RGB

__all__ = ["prepare", "decode", "library_versions"]

# EXIF orientation -> the turn that shows the picture upright (EXIF 2.32 §4.6.4, tag 274)
_TURNS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
          4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
          6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
          8: Image.Transpose.ROTATE_90}
_SPACE_OF_MODE = {"L": "GRAY", "RGB": "RGB ", "CMYK": "CMYK", "LAB": "Lab "}
_INK_ROUNDS = 6                    # JPEG encodings tried to settle the ink limit (_encode_jpeg)


def library_versions() -> dict[str, str]:
    """What decides the bytes besides our code: part of every cache key (cache.py reads them
    without importing PIL.Image; this is the same dictionary, as PIL.features gives it)."""
    from PIL import ImageCms, features
    return {"pillow": Image.__version__, "lcms": str(ImageCms.core.littlecms_version),
            "jpeg": str(features.version("jpg")), "zlib": zlib.ZLIB_VERSION}


def decode(data: bytes) -> Image.Image:
    """The picture's pixels, fully decoded; PictureError if they cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            im.load()
    except Image.DecompressionBombError as e:
        raise PictureError(f"has too many pixels ({e})") from None
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error,
            IndexError, KeyError, TypeError) as e:
        raise PictureError(f"cannot be decoded: the file is damaged ({type(e).__name__}: {e})"
                           ) from None
    return im


def _flatten(im: Image.Image, mode: str) -> tuple[Image.Image, bool]:
    """`im` without its alpha channel, composited onto white when any pixel is not opaque."""
    alpha = im.getchannel("A")
    base = im.convert(mode)
    if alpha.getextrema()[0] == 255:
        return base, False
    paper = Image.new(mode, im.size, 255 if mode == "L" else (255, 255, 255))
    paper.paste(base, mask=alpha)
    return paper, True


def _normalise(im: Image.Image) -> tuple[Image.Image, bool]:
    """(an L, RGB, CMYK or LAB image, whether pixels changed from what was stored)."""
    mode = im.mode
    if mode in ("L", "RGB", "CMYK", "LAB"):
        return im, False
    if mode == "1":
        return im.convert("L"), True
    if mode.startswith("I;16") or mode == "I":
        # 16-bit grey: 0-65535 -> 0-255 (convert("L") would clip, not scale)
        return im.convert("I").point(lambda v: v * (1 / 257)).convert("L"), True
    if mode == "F":
        return im.convert("L"), True
    if mode in ("LA", "La"):
        return _flatten(im.convert("LA"), "L")[0], True
    if mode in ("RGBA", "RGBa", "PA"):
        return _flatten(im.convert("RGBA"), "RGB")[0], True
    if mode == "P":
        if "transparency" in im.info:
            return _flatten(im.convert("RGBA"), "RGB")[0], True
        pal = im.getpalette() or []
        grey = all(pal[i] == pal[i + 1] == pal[i + 2] for i in range(0, len(pal) - 2, 3))
        return im.convert("L" if grey else "RGB"), True
    if mode in ("RGBX", "YCbCr"):
        return im.convert("RGB"), True
    raise PictureError(f"has colour mode {mode}, which typeset cannot print",
                       hint="save it as 8-bit RGB, greyscale or CMYK")


def _profile(im: Image.Image, embedded: bytes | None) -> bytes | str | None:
    """The profile the picture's values are in: embedded, else sRGB (RGB), 'LAB', or None
    for untagged grey (read as sRGB grey)."""
    mode = im.mode
    if embedded:
        try:
            space = colour.profile_space(embedded)
            colour.open_profile(embedded)
        except ValueError as e:
            raise PictureError(f"embeds a colour profile that cannot be read: {e}",
                               hint="save it again with a valid profile, or with none "
                                    "(then RGB is read as sRGB)") from None
        if space != _SPACE_OF_MODE[mode]:
            raise PictureError(f"is {mode} but embeds a profile for {space.strip()} colour",
                               hint="save it again with a profile of its own colour space")
        return embedded
    if mode == "RGB":
        return colour.srgb_profile()
    if mode == "LAB":
        return "LAB"
    return None


def _convert(im, src, dst, out_mode: str, t: Target) -> Image.Image:
    from PIL import ImageCms
    in_mode = "LAB" if src == "LAB" else im.mode
    tr = colour.transform(src, dst, in_mode, out_mode, t.intent, t.bpc)
    return ImageCms.applyTransform(im, tr)


def _icc_ok_for_x4(profile: bytes) -> bool:
    """An embedded RGB profile PDF/X-4 may carry (ICC.1:2004-10, version 4.2 at most;
    ISO 15930-7 §6.2.3)."""
    from typeset.errors import TypesetError
    from typeset.render.variants import icc_header
    try:
        h = icc_header(profile)
    except TypesetError:
        return False
    return h.version <= (4, 2) and h.colour_space == "RGB " and h.device_class in (
        "mntr", "scnr", "spac", "prtr")


def _gray_is_srgb(profile: bytes) -> bool:
    """Grey values under `profile` are the same as under sRGB (within 2 levels)."""
    ramp = Image.frombytes("L", (256, 1), bytes(range(256)))
    out = _convert(ramp, profile, colour.srgb_profile(), "RGB",
                   Target("srgb", intent="relative", bpc=False)).convert("L").tobytes()
    return all(abs(a - b) <= 2 for a, b in zip(out, range(256)))


def _colour(im: Image.Image, src, t: Target) -> tuple[Image.Image, str, bytes | None, str]:
    """(image, space, ICC profile for an ICCBased space, what was done)."""
    mode, fogra, srgb = im.mode, colour.cmyk_profile(), colour.srgb_profile()
    if mode == "L":
        if t.kind == "srgb" and src is not None and not _gray_is_srgb(src):
            return (_convert(im, src, srgb, "RGB", t).convert("L"), GRAY, None,
                    "grey converted to sRGB grey")
        return im, GRAY, None, "grey kept"
    if mode == "RGB":
        if t.kind == "srgb":
            if src == srgb or colour.same_condition(src, srgb, "RGB"):
                return im, RGB, None, "sRGB kept"
            return _convert(im, src, srgb, "RGB", t), RGB, None, "RGB converted to sRGB"
        if t.kind == "icc-rgb":
            if _icc_ok_for_x4(src):
                return im, ICC_RGB, src, "RGB kept with its ICC profile"
            return (_convert(im, src, srgb, "RGB", t), ICC_RGB, srgb,
                    "RGB converted to sRGB (its profile is newer than PDF/X-4 admits)")
        return _convert(im, src, fogra, "CMYK", t), CMYK, None, "RGB converted to CMYK"
    if mode == "CMYK":
        if t.kind == "srgb":
            return _convert(im, src, srgb, "RGB", t), RGB, None, "CMYK converted to sRGB"
        if colour.same_condition(src, fogra, "CMYK"):
            return im, CMYK, None, "CMYK (FOGRA39) kept"
        return (_convert(im, src, fogra, "CMYK", t), CMYK, None,
                "CMYK converted to FOGRA39")
    # LAB
    if t.kind == "srgb":
        return _convert(im, src, srgb, "RGB", t), RGB, None, "Lab converted to sRGB"
    return _convert(im, src, fogra, "CMYK", t), CMYK, None, "Lab converted to CMYK"


def _png_stream(im: Image.Image) -> bytes:
    """The samples of `im` as a zlib stream of PNG-filtered rows (PNG §9: what a PDF reads
    with /FlateDecode and /DecodeParms << /Predictor 15 … >>, ISO 32000-1 §7.4.4.4), made
    by Pillow's PNG encoder; CMYK goes through as four 8-bit channels (RGBA) unchanged."""
    src = Image.frombytes("RGBA", im.size, im.tobytes()) if im.mode == "CMYK" else im
    buf = io.BytesIO()
    src.save(buf, "PNG", compress_level=6)
    png = buf.getvalue()
    out, i = bytearray(), 8
    while i + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[i:i + 8])
        if kind == b"IDAT":
            out += png[i + 8:i + 8 + length]
        i += 12 + length
    return bytes(out)


def _jpeg(im: Image.Image, quality: int, optimize: bool = True) -> bytes:
    buf = io.BytesIO()
    # 4:4:4 (no chroma subsampling): print pictures keep their colour detail; optimised
    # Huffman tables (smaller, same pixels); baseline.
    im.save(buf, "JPEG", quality=quality, subsampling=0, optimize=optimize)
    return buf.getvalue()


def prepare(data: bytes, info, target: Target, size: tuple[int, int] | None = None) -> Prepared:
    """The picture file `data` (probed as `info`, model/picture.py) as the target's file
    embeds it, `size` pixels large (None: as it is). PictureError if it cannot be."""
    facts = None
    if info.format == "JPEG":
        try:
            facts = read_jpeg(data)
        except ValueError:
            facts = None                      # Pillow may still read it; it is re-encoded
    im = decode(data)
    embedded = im.info.get("icc_profile") or None
    stored = im.mode
    im, changed = _normalise(im)
    steps = [f"{stored} read as {im.mode}"] if changed else []
    src = _profile(im, embedded)
    if info.orientation in _TURNS:
        im = im.transpose(_TURNS[info.orientation])
        changed = True
        steps.append(f"turned upright (EXIF orientation {info.orientation})")
    if size is not None and size != im.size:
        steps.append(f"downsampled from {im.width} x {im.height} to {size[0]} x {size[1]}")
        im = im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        changed = True
    out, space, icc, how = _colour(im, src, target)
    how = ", ".join(steps + [how])
    changed = changed or out is not im
    limit = ink.ink_units(target.total_ink) if space == CMYK and target.total_ink else None
    totals = ink.Totals(out) if space == CMYK else None       # C+M+Y+K of `out`
    if limit is not None and totals.exceeds(limit):
        totals = totals.limited(limit)
        out = totals.image
        changed = True
        how += f", ink limited to {target.total_ink:g} %"
    if (facts is not None and not changed and passable(facts)
            and facts.components == {GRAY: 1, RGB: 3, ICC_RGB: 3, CMYK: 4}[space]
            and (space != CMYK or facts.adobe)):
        # Photoshop's (Adobe) CMYK JPEGs store inverted values (Pillow reads them so)
        return Prepared(out.width, out.height, space, "DCTDecode", strip_metadata(data),
                        decode_inverted=space == CMYK, icc=icc, how=how + ", JPEG passed through",
                        ink=_percent(totals.maximum()) if space == CMYK else None)
    if info.format == "JPEG":
        return _encode_jpeg(out, space, icc, how, target, limit, totals)
    return Prepared(out.width, out.height, space, "FlateDecode", _png_stream(out),
                    predictor=True, icc=icc, how=how,
                    ink=_percent(totals.maximum()) if space == CMYK else None)


def _percent(units: int) -> float:
    return units * 100.0 / 255.0


def _encode_jpeg(im: Image.Image, space: str, icc, how: str, t: Target,
                 limit: int | None, totals: ink.Totals | None = None) -> Prepared:
    """Re-encode as JPEG. A CMYK picture is decoded again and measured: JPEG's rounding can
    lift a pixel of a dark area over the ink limit. Where it does (the 8x8 blocks holding such
    a pixel, and their neighbours), the limit is lowered by the overshoot and the picture
    encoded again — a few rounds at most, the rest of the picture untouched; if that does not
    settle, the picture is compressed losslessly."""
    if limit is None:
        return Prepared(im.width, im.height, space, "DCTDecode", _jpeg(im, t.jpeg_quality),
                        decode_inverted=space == CMYK, icc=icc,
                        how=how + ", re-encoded as JPEG")
    totals = totals or ink.Totals(im)
    settled = _settle_ink(totals, limit, t.jpeg_quality)
    if settled is not None:
        data, worst = settled
        return Prepared(im.width, im.height, space, "DCTDecode", data, decode_inverted=True,
                        icc=icc, how=how + ", re-encoded as JPEG", ink=_percent(worst))
    return Prepared(im.width, im.height, space, "FlateDecode", _png_stream(im), predictor=True,
                    icc=icc, how=how + ", compressed losslessly (ink limit)",
                    ink=_percent(totals.maximum()))


def _settle_ink(source: ink.Totals, limit: int, quality: int) -> tuple[bytes, int] | None:
    """(the JPEG of the picture of `source` held to `limit` where the JPEG's rounding went
    over, the largest total ink of its decoded pixels), or None if `_INK_ROUNDS` encodings do
    not settle it."""
    cap = ink.InkCap(limit, source.image.size)
    proof = _Proof(source, limit, quality)
    for n in range(_INK_ROUNDS):
        if proof.worst == 0:
            return _jpeg(proof.image, quality), proof.decoded.maximum()
        if n + 1 < _INK_ROUNDS:
            cap.lower(proof.where(), proof.worst + 2)
            proof.retry(source, cap)
    return None


class _Proof:
    """The pixels a JPEG of a picture decodes to (`decoded`: their totals), and those of them
    over the ink limit.

    The first encoding is decoded whole. After that only the 8x8 blocks holding a changed
    pixel are encoded and decoded again (crops at multiples of 8) and put in place: with
    4:4:4 sampling and CMYK (no colour transform) every 8x8 block of every component is
    transformed, quantised and restored on its own (ITU-T T.81 §A.1.3 data units, §A.3; only
    the entropy coding, Annex F, links blocks), so the same codec decodes a block of a crop
    to what it decodes the block of the whole picture to, edge blocks (padded by repeating
    the last column and row) included; and Huffman tables (`optimize`) change no pixel.
    tests/test_pictures_ink.py pins both with Pillow's libjpeg. Only the JPEG that is kept
    is encoded with optimised tables (in Pillow's libjpeg that costs three times a plain
    encoding)."""

    def __init__(self, source: ink.Totals, limit: int, quality: int):
        self.image, self.limit, self.quality = source.image, limit, quality
        self._own = False                     # `image` is the caller's: copied before a change
        self._whole()

    def _decode(self, im: Image.Image) -> ink.Totals:
        return ink.Totals(decode(_jpeg(im, self.quality, optimize=False)))

    def _whole(self) -> None:
        self.decoded = self._decode(self.image)
        self._measure()

    def _measure(self) -> None:
        self.over = self.decoded.over(self.limit)    # {pixel: excess}; None: too many near
        if self.over is None:
            self.worst, self._where = self.decoded.worst_over(self.limit)
        else:
            self.worst, self._where = max(self.over.values(), default=0), None

    def where(self) -> Image.Image | ink.BlockMask:
        """The mask of ink.ink_over (a BlockMask: what the rounds ask of it, undrawn)."""
        if self._where is None:
            self._where = ink.BlockMask(self.image.size, self.over)
        return self._where

    def retry(self, source: ink.Totals, cap: ink.InkCap) -> None:
        """Encode and measure the picture of `source` held to `cap`."""
        held = source.held(cap)
        if held is None or self.over is None:
            self.image, self._own = source.limited(cap).image, True
            self._whole()
            return
        now = self.image.load()
        moved = {p: v for p, v in held.items() if now[p] != v}
        if not moved:
            return                            # the same pixels: the same JPEG, measured
        if not self._own:
            self.image, self._own = self.image.copy(), True
            now = self.image.load()
        for p, v in moved.items():
            now[p] = v
        boxes = _block_boxes(moved, self.image.size)
        if sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in boxes) * 2 > (
                self.image.width * self.image.height):
            self._whole()
            return
        over: dict | None = self.over
        mosaic = _mosaic(self.image, boxes)
        if mosaic is None:
            for box in boxes:
                x0, y0, x1, y1 = box
                part = self._decode(self.image.crop(box))
                self.decoded.paste(part, (x0, y0))
                found = part.over(self.limit) if over is not None else None
                if found is None:                 # a crop full of pixels near the limit
                    over = None
                    continue
                over = {p: e for p, e in over.items()
                        if not (x0 <= p[0] < x1 and y0 <= p[1] < y1)}
                over.update(((x0 + x, y0 + y), e) for (x, y), e in found.items())
        else:
            # the crops encoded and decoded as one picture (`_mosaic`), each put in place
            image, tops = mosaic
            part = self._decode(image)
            for (x0, y0, x1, y1), top in zip(boxes, tops):
                self.decoded.paste(part, (x0, y0), (0, top, x1 - x0, top + y1 - y0))
            found = part.over(self.limit)
            if found is None:                     # crops full of pixels near the limit
                over = None
            else:
                over = {p: e for p, e in over.items()
                        if not any(x0 <= p[0] < x1 and y0 <= p[1] < y1
                                   for x0, y0, x1, y1 in boxes)}
                for (x, y), e in found.items():
                    i = bisect_right(tops, y) - 1
                    x0, y0, x1, y1 = boxes[i]
                    if x < x1 - x0 and y - tops[i] < y1 - y0:     # (not in the padding)
                        over[x0 + x, y0 + y - tops[i]] = e
        if over is None:
            self._measure()
            return
        self.over = over
        self.worst, self._where = max(over.values(), default=0), None


_MOSAIC_MAX = 65500     # a JPEG's sides are at most 65,535 pixels (ITU-T T.81 §B.2.2)


def _mosaic(image: Image.Image, boxes: list[tuple[int, int, int, int]]
            ) -> tuple[Image.Image, list[int]] | None:
    """The crops `boxes` of `image` (at multiples of 8, `_block_boxes`) stacked one under
    another, each at a row that is a multiple of 8, and the row each starts at: one picture
    whose JPEG decodes, in each crop's place, to what the crop's own JPEG decodes to. Every
    8x8 block is coded on its own (see `_Proof`), and a crop's own JPEG pads its last
    column and row of blocks by repeating its last column and row of pixels (ITU-T T.81
    §A.2.4 leaves the padding to the encoder; libjpeg repeats the edge: jcprepct.c
    expand_right_edge, expand_bottom_edge): the mosaic pads each crop so too; the blocks of
    the rest of the mosaic are empty and not read. None when the stack would be too tall."""
    tops, top = [], 0
    width = 0
    for x0, y0, x1, y1 in boxes:
        tops.append(top)
        top += -(-(y1 - y0) // 8) * 8
        width = max(width, -(-(x1 - x0) // 8) * 8)
    if top > _MOSAIC_MAX or width > _MOSAIC_MAX:
        return None
    out = Image.new(image.mode, (width, top))
    for box, t in zip(boxes, tops):
        crop = image.crop(box)
        w, h = crop.size
        out.paste(crop, (0, t))
        pw, ph = -(-w // 8) * 8, -(-h // 8) * 8
        if pw > w:
            out.paste(crop.crop((w - 1, 0, w, h)).resize((pw - w, h), Image.Resampling.NEAREST),
                      (w, t))
        if ph > h:
            out.paste(out.crop((0, t + h - 1, pw, t + h)).resize((pw, ph - h),
                                                                  Image.Resampling.NEAREST),
                      (0, t + h))
    return out, tops


_GAP = 6        # unchanged blocks encoded along rather than a crop begun (a crop costs ~7)


def _block_boxes(pixels, size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """Crops at multiples of 8 covering the 8x8 blocks that hold `pixels`: a run of blocks
    in one row of blocks (gaps of up to _GAP blocks bridged), runs of adjacent rows joined
    where that adds few blocks."""
    w, h = size
    rows: dict[int, list[int]] = {}
    for x, y in pixels:
        rows.setdefault(y >> 3, []).append(x >> 3)
    runs = []                                         # (row, first, last) in blocks
    for r in sorted(rows):
        cols = sorted(set(rows[r]))
        first = last = cols[0]
        for c in cols[1:]:
            if c - last > _GAP + 1:
                runs.append((r, first, last))
                first = c
            last = c
        runs.append((r, first, last))
    boxes: list[list[int]] = []                       # [first row, last row, first, last]
    for r, a, b in runs:
        if boxes:
            top, bottom, a0, b0 = boxes[-1]
            lo, hi = min(a, a0), max(b, b0)
            if bottom == r - 1 and (r - top + 1) * (hi - lo + 1) <= (
                    (r - top) * (b0 - a0 + 1) + (b - a + 1) + _GAP):
                boxes[-1] = [top, r, lo, hi]
                continue
        boxes.append([r, r, a, b])
    return [(a * 8, top * 8, min(w, b * 8 + 8), min(h, bottom * 8 + 8))
            for top, bottom, a, b in boxes]
