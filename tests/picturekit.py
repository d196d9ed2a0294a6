"""Test helpers: pictures and ICC profiles made on the spot (Pillow), and what a written PDF's
images are (pypdf). Nothing here is used by typeset itself.

Profiles are written here from published numbers (no third-party profile data):
* `wide_rgb_profile()`  a matrix/TRC RGB profile with the Adobe RGB (1998) primaries adapted
                        to D50 and a 2.2 gamma: RGB that is not sRGB;
* `linear_gray_profile()` a grey profile with a linear (gamma 1.0) tone curve: grey that is
                        not sRGB grey;
* `other_cmyk_profile()` the shipped FOGRA39 profile with heavy dot gain added to its input
                        curves: CMYK of another printing condition.
"""
from __future__ import annotations

import io
import struct
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from typeset.render.variants import CMYK_PROFILE, RGB_PROFILE, load_profile

D50 = (0.9642, 1.0, 0.8249)
ADOBE_RGB_D50 = {"r": (0.6097, 0.3111, 0.0195), "g": (0.2053, 0.6257, 0.0609),
                 "b": (0.1492, 0.0632, 0.7446)}


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _xyz(v) -> bytes:
    return b"XYZ " + bytes(4) + b"".join(_s15(c) for c in v)


def _gamma(g: float) -> bytes:
    return b"curv" + bytes(4) + struct.pack(">IH", 1, round(g * 256))


def _desc(text: str) -> bytes:
    a = text.encode("ascii") + b"\0"
    return (b"desc" + bytes(4) + struct.pack(">I", len(a)) + a + struct.pack(">II", 0, 0)
            + struct.pack(">HB", 0, 0) + bytes(67))


def _profile(cls: bytes, space: bytes, tags: list[tuple[bytes, bytes]],
             version: int = 0x02100000) -> bytes:
    offset = 128 + 4 + 12 * len(tags)
    entries, blobs = [], []
    for sig, data in tags:
        entries.append(struct.pack(">4sII", sig, offset, len(data)))
        pad = (-len(data)) % 4
        blobs.append(data + bytes(pad))
        offset += len(data) + pad
    header = (struct.pack(">I", offset) + bytes(4) + struct.pack(">I", version) + cls + space
              + b"XYZ " + struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp" + bytes(24)
              + bytes(4) + b"".join(_s15(v) for v in D50) + bytes(48))
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + b"".join(entries) + b"".join(blobs)


def wide_rgb_profile(version: int = 0x02100000) -> bytes:
    c = ADOBE_RGB_D50
    g = _gamma(563 / 256)
    return _profile(b"mntr", b"RGB ", [
        (b"desc", _desc("Wide RGB (typeset test)")), (b"wtpt", _xyz(D50)),
        (b"rXYZ", _xyz(c["r"])), (b"gXYZ", _xyz(c["g"])), (b"bXYZ", _xyz(c["b"])),
        (b"rTRC", g), (b"gTRC", g), (b"bTRC", g)], version)


def linear_gray_profile() -> bytes:
    return _profile(b"mntr", b"GRAY", [(b"desc", _desc("Linear grey (typeset test)")),
                                       (b"wtpt", _xyz(D50)), (b"kTRC", _gamma(1.0))])


def other_cmyk_profile() -> bytes:
    """FOGRA39 with about 25 % more dot gain in every channel (its A2B input curves bent)."""
    data = bytearray(load_profile(CMYK_PROFILE))
    (count,) = struct.unpack(">I", data[128:132])
    done = set()
    for k in range(count):
        sig, off, size = struct.unpack(">4sII", data[132 + 12 * k:144 + 12 * k])
        if not sig.startswith(b"A2B") or off in done:
            continue
        done.add(off)
        n_in = data[off + 8]
        (entries,) = struct.unpack(">H", data[off + 48:off + 50])
        at = off + 52
        for i in range(n_in * entries):
            (v,) = struct.unpack(">H", data[at + 2 * i:at + 2 * i + 2])
            t = v / 65535
            t = min(1.0, t + 1.0 * t * (1 - t))           # dot gain: 50 % prints as 75 %
            struct.pack_into(">H", data, at + 2 * i, round(t * 65535))
    return bytes(data)


def fogra() -> bytes:
    return load_profile(CMYK_PROFILE)


def srgb() -> bytes:
    return load_profile(RGB_PROFILE)


# -- pictures ----------------------------------------------------------------------------------

def photo(w: int = 480, h: int = 320, seed: int = 1) -> Image.Image:
    """An RGB picture with smooth gradients, saturated patches, a near-black shadow and a
    white corner (the top-left 8x8 pixels are pure red: a marker for orientation)."""
    base = Image.merge("RGB", (Image.linear_gradient("L").resize((w, h)),
                               Image.radial_gradient("L").resize((w, h)),
                               Image.linear_gradient("L").rotate(90).resize((w, h))))
    d = ImageDraw.Draw(base)
    d.rectangle((w // 8, h // 2, w // 4, h * 3 // 4), fill=(220, 30, 40))        # red
    d.rectangle((w // 3, h // 2, w // 2, h * 3 // 4), fill=(20, 160, 60))        # green
    d.rectangle((w * 2 // 3, h // 2, w * 5 // 6, h * 3 // 4), fill=(5, 5, 10))  # shadow
    d.rectangle((w - 40, 0, w - 1, 30), fill=(255, 255, 255))                   # paper white
    base = base.filter(ImageFilter.GaussianBlur(1))
    base.paste((255, 0, 0), (0, 0, 8, 8))
    return base


def save(im: Image.Image, path: Path, **kw) -> Path:
    im.save(path, **kw)
    return path


def jpeg_bytes(im: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", **kw)
    return buf.getvalue()


def exif_orientation(value: int) -> bytes:
    ex = Image.Exif()
    ex[0x0112] = value
    return ex.tobytes()


def pixels(p) -> Image.Image:
    """The pixels of a prepared image (render.pictures.spec.Prepared) as a PDF reader gets
    them: a DCT stream decoded (Pillow undoes the Adobe CMYK inversion, as /Decode does in
    the PDF); a Flate stream of PNG-predicted rows wrapped into a PNG file and decoded (CMYK
    travels as four 8-bit channels)."""
    import zlib
    if p.filter == "DCTDecode":
        return Image.open(io.BytesIO(p.data))
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[p.components]
    colour_type = {1: 0, 3: 2, 4: 6}[p.components]

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", p.width, p.height, 8, colour_type, 0, 0, 0))
           + chunk(b"IDAT", p.data) + chunk(b"IEND", b""))
    im = Image.open(io.BytesIO(png))
    im.load()
    assert im.mode == mode
    return Image.frombytes("CMYK", im.size, im.tobytes()) if p.components == 4 else im


def pdf_images(pdf: bytes) -> list[list[dict]]:
    """Per page, every image XObject painted: name, object number, width, height, colour
    space (name, or "ICCBased N" with the profile's bytes), filter, bits, /Decode, soft mask,
    and the stream's raw (encoded) bytes."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, IndirectObject
    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        row = []
        xobjects = page["/Resources"].get("/XObject", {})
        for name, ref in xobjects.items():
            xo = ref.get_object()
            if xo.get("/Subtype") != "/Image":
                continue
            cs = xo["/ColorSpace"]
            cs = cs.get_object() if isinstance(cs, IndirectObject) else cs
            profile = None
            if isinstance(cs, ArrayObject):
                stream = cs[1].get_object()
                profile = stream.get_data()
                space = f"{cs[0]} {stream['/N']}"
            else:
                space = str(cs)
            f = xo.get("/Filter")
            row.append({"name": name, "id": ref.idnum, "width": xo["/Width"],
                        "height": xo["/Height"], "space": space, "profile": profile,
                        "profile_id": cs[1].idnum if profile is not None else None,
                        "filter": str(f[0] if isinstance(f, ArrayObject) else f),
                        "bits": xo["/BitsPerComponent"], "decode": xo.get("/Decode"),
                        "smask": "/SMask" in xo, "raw": xo._data})
        out.append(row)
    return out
