"""What a receiver's file takes of a picture (`Target`), what the pipeline gives the writer
(`Prepared`), and the geometry of a placed picture. Plain data: no Pillow.
"""
from __future__ import annotations

import math
from typeset.records import dataclass

from typeset.render.variants import CMYK, GRAY, ICC_RGB, RGB

__all__ = ["Target", "Prepared", "PictureError", "target_for", "cover", "downsample_size"]


class PictureError(ValueError):
    """A picture the pipeline cannot use (damaged pixels, an unreadable profile, …); the
    caller names the picture and where it is placed."""

    def __init__(self, message: str, hint: str = "open the picture in an image editor and "
                                                 "save it again"):
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Target:
    """What one receiver's file takes (the variants table and the layout's `images` block):

    * `cmyk`    print: every picture in the output intent's CMYK (FOGRA39), grey as K;
    * `icc-rgb` PDF/X-4 with `images.print_rgb: icc`: RGB kept with its ICC profile (the RIP
                converts it), CMYK in FOGRA39, grey as K;
    * `srgb`    archive and proofs: RGB in sRGB (the output intent), grey as sRGB grey."""
    kind: str
    intent: str = "relative"
    bpc: bool = True
    total_ink: float | None = None        # % (print only)
    jpeg_quality: int = 92

    def key(self) -> dict:
        return {"kind": self.kind, "intent": self.intent, "bpc": self.bpc,
                "total_ink": self.total_ink, "jpeg_quality": self.jpeg_quality}


def target_for(variant_key: str, policy) -> Target:
    """The target of a variant (render/variants.py key) under the layout's `images` block."""
    common = {"intent": policy.rendering_intent, "bpc": policy.black_point_compensation,
              "jpeg_quality": policy.jpeg_quality}
    if variant_key == "print-x1a":
        # ISO 15930-4 §6.2.3: CMYK, gray and spot only; no ICC-based colour
        return Target("cmyk", total_ink=policy.total_ink, **common)
    if variant_key == "print-x4":
        # ISO 15930-7 §6.2.3: device-independent colour allowed beside the output intent
        kind = "icc-rgb" if policy.print_rgb == "icc" else "cmyk"
        return Target(kind, total_ink=policy.total_ink, **common)
    return Target("srgb", **common)          # archive (ISO 19005-2 §6.2.4.3), proof


@dataclass(frozen=True)
class Prepared:
    """A picture as the PDF embeds it: one image XObject (ISO 32000-1 §8.9.5)."""
    width: int                       # pixels
    height: int
    space: str                       # variants.GRAY, RGB, CMYK or ICC_RGB
    filter: str                      # "DCTDecode" | "FlateDecode"
    data: bytes                      # the stream, encoded
    decode_inverted: bool = False    # an Adobe CMYK JPEG: /Decode [1 0 1 0 1 0 1 0]
    predictor: bool = False          # Flate data with PNG predictors (/DecodeParms)
    icc: bytes | None = None         # the profile of an ICCBased space
    how: str = ""                    # what was done, for reports ("passed through", …)
    ink: float | None = None         # largest total ink of a CMYK picture, in %

    @property
    def components(self) -> int:
        return {GRAY: 1, RGB: 3, ICC_RGB: 3, CMYK: 4}[self.space]


def cover(width_px: int, height_px: int, box_w: float, box_h: float) -> tuple[float, float]:
    """The drawn size (pt) of a picture that covers a box: scaled by one factor, as small as
    fills both sides, the overflow clipped (a picture is never distorted)."""
    s = max(box_w / width_px, box_h / height_px)
    return width_px * s, height_px * s


def downsample_size(width_px: int, height_px: int, boxes: list[tuple[float, float]],
                    max_ppi: float | None, min_ppi: float = 0.0) -> tuple[int, int] | None:
    """The pixel size to embed a picture placed in `boxes` (pt) at, when every placement is
    above `max_ppi` (the largest placement decides: one image serves all); None to keep it.
    The result stays at or under max_ppi at the largest placement, never under min_ppi."""
    if max_ppi is None or not boxes:
        return None
    # ppi at a box = 72 / (pt per pixel); covering: the larger scale of the two axes
    need = max(max(bw / width_px, bh / height_px) for bw, bh in boxes)      # pt per pixel
    ppi = 72.0 / need
    if ppi <= max_ppi:
        return None
    f = max_ppi / ppi
    w, h = max(1, math.floor(width_px * f)), max(1, math.floor(height_px * f))
    if 72.0 * min(w / (width_px * need), h / (height_px * need)) < min_ppi:
        w, h = min(width_px, math.ceil(width_px * f)), min(height_px, math.ceil(height_px * f))
    return (w, h) if (w, h) != (width_px, height_px) else None
