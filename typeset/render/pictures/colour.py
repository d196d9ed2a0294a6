"""Colour management of pictures with LittleCMS (through Pillow's ImageCms).

* Profiles: the output intents' (FOGRA39 for print, sRGB for the archive; render/icc/) and the
  one a picture embeds, opened once per process (by content).
* `same_condition(profile, target)`: does an embedded profile describe the colours the target
  already stands for? Then the picture's values are kept as they are (no conversion, and a
  JPEG passes through). Judged by colour, not by name: test colours are sent through both
  profiles to CIELAB and compared (ΔE*ab, CIE 1976), so "Coated FOGRA39" from any maker, or
  an sRGB profile from any camera, counts as what it is.
* `transform(...)`: a conversion with the layout's rendering intent and black-point
  compensation (ICC.1 §6.2.5; cached per process).
* The total ink limit of print pictures is render/pictures/ink.py.

Pillow is imported here and in convert.py only (tests/test_structure.py).
"""
from __future__ import annotations

import functools
import hashlib
import io
import math

from PIL import Image, ImageCms

from typeset.render.variants import CMYK_PROFILE, RGB_PROFILE, icc_header, load_profile

INTENTS = {"perceptual": 0, "relative": 1, "saturation": 2, "absolute": 3}
BPC_FLAG = 0x2000            # cmsFLAGS_BLACKPOINTCOMPENSATION (lcms2.h)
#: cmsFLAGS_NOCACHE (lcms2.h): no one-pixel cache of the last colour converted. The cache is
#: an exact memo (the same input, the output computed for it), so the pixels are the same;
#: in a photograph neighbours seldom repeat, and the comparison costs more than it saves
NOCACHE_FLAG = 0x0040

# Colours within these differences count as the same condition. sRGB: nearly exact (camera
# sRGB profiles are the same primaries and curve written with other precision). CMYK: two
# characterisations of one printing condition made by different tools agree to about 1 ΔE on
# average, a few ΔE in the darkest, least measured corner.
SAME_RGB = (0.6, 2.0)        # (mean, max) ΔE*ab over the test colours
SAME_GRAY = (0.6, 2.0)
SAME_CMYK = (1.5, 6.0)


def profile_sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@functools.lru_cache(maxsize=None)
def shipped(name: str) -> bytes:
    return load_profile(name)


def cmyk_profile() -> bytes:
    """The print output intent's profile (FOGRA39)."""
    return shipped(CMYK_PROFILE)


def srgb_profile() -> bytes:
    """The archive output intent's profile (sRGB)."""
    return shipped(RGB_PROFILE)


@functools.lru_cache(maxsize=64)
def open_profile(data: bytes) -> ImageCms.ImageCmsProfile:
    """A LittleCMS profile from its bytes; ValueError if LittleCMS cannot read it."""
    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(data))
    except (OSError, ImageCms.PyCMSError, TypeError, ValueError) as e:
        raise ValueError(f"LittleCMS cannot read it ({e})") from None


@functools.lru_cache(maxsize=1)
def _lab() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB", 5000))


def profile_space(data: bytes) -> str:
    """The colour space an ICC profile is for ('RGB ', 'GRAY', 'CMYK', 'Lab ', …); ValueError
    if it is no profile."""
    from typeset.errors import TypesetError
    try:
        return icc_header(data).colour_space
    except TypesetError as e:
        raise ValueError(e.message) from None


def transform(src: bytes | str, dst: bytes | str, in_mode: str, out_mode: str, intent: str,
              bpc: bool) -> ImageCms.ImageCmsTransform:
    """A conversion between two profiles (bytes, or 'LAB' for CIELAB D50)."""
    return _transform(src, dst, in_mode, out_mode, INTENTS[intent], BPC_FLAG if bpc else 0)


@functools.lru_cache(maxsize=32)
def _transform(src, dst, in_mode, out_mode, intent, flags):
    a = _lab() if src == "LAB" else open_profile(src)
    b = _lab() if dst == "LAB" else open_profile(dst)
    return ImageCms.buildTransform(a, b, in_mode, out_mode, renderingIntent=intent,
                                   flags=flags | NOCACHE_FLAG)


# -- same condition ------------------------------------------------------------------------

def _samples(mode: str) -> Image.Image:
    """Test colours: a grid over the device values (5 steps per channel; 9 for gray)."""
    steps = (0, 64, 128, 191, 255)
    if mode == "L":
        values = [bytes([v]) for v in range(0, 256, 32)] + [b"\xff"]
    elif mode == "RGB":
        values = [bytes((r, g, b)) for r in steps for g in steps for b in steps]
    else:
        values = [bytes((c, m, y, k)) for c in steps for m in steps for y in steps for k in steps]
    return Image.frombytes(mode, (len(values), 1), b"".join(values))


def _to_lab(profile: bytes, mode: str) -> list[tuple[float, float, float]]:
    im = _samples(mode)
    tr = _transform(profile, "LAB", mode, "LAB", INTENTS["relative"], 0)
    lab = ImageCms.applyTransform(im, tr)
    raw = lab.tobytes()
    # Pillow's LAB pixels: L* scaled to 0-255, a* and b* as signed bytes
    return [(raw[i] * 100.0 / 255.0, _signed(raw[i + 1]), _signed(raw[i + 2]))
            for i in range(0, len(raw), 3)]


def _signed(b: int) -> float:
    return float(b - 256 if b > 127 else b)


@functools.lru_cache(maxsize=64)
def delta_e(profile: bytes, reference: bytes, mode: str) -> tuple[float, float]:
    """(mean, max) ΔE*ab between the colours `profile` and `reference` give the same device
    values (relative colorimetric, so the media white is white in both)."""
    a, b = _to_lab(profile, mode), _to_lab(reference, mode)
    d = [math.dist(p, q) for p, q in zip(a, b)]
    return sum(d) / len(d), max(d)


def same_condition(profile: bytes, reference: bytes, mode: str) -> bool:
    """The device values mean the same colours under `profile` as under `reference`."""
    if profile == reference:
        return True
    mean, worst = delta_e(profile, reference, mode)
    limit = {"L": SAME_GRAY, "RGB": SAME_RGB}.get(mode, SAME_CMYK)
    return mean <= limit[0] and worst <= limit[1]
