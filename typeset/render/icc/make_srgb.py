"""Write sRGB-v2-typeset.icc: an ICC version 2 display profile for sRGB, made from the numbers
of IEC 61966-2-1 alone (primaries, D65 white, transfer function) — no third-party profile data.

Run from the repository root:  python typeset/render/icc/make_srgb.py
The bytes are a pure function of this file (no dates from the clock), and tests/test_finish.py
checks that the shipped profile is exactly what this script writes.

Why version 2: PDF/A-2 (ISO 19005-2 §6.2.3) admits ICC profiles up to ICC.1:2004-10; a v2
matrix/TRC profile is read by every colour-managed viewer and RIP.
"""
from __future__ import annotations

import struct
import sys
from pathlib import Path

# IEC 61966-2-1: chromaticities of the primaries and of the D65 white point.
PRIMARIES = {"r": (0.64, 0.33), "g": (0.30, 0.60), "b": (0.15, 0.06)}
WHITE_D65 = (0.3127, 0.3290)
# ICC.1 §7.2.16: the PCS illuminant, D50 as written in every profile header.
PCS_D50 = (0.9642, 1.0, 0.8249)
# Bradford cone response matrix (ICC.1 Annex E) for adapting the colorants to D50.
BRADFORD = ((0.8951, 0.2664, -0.1614), (-0.7502, 1.7135, 0.0367), (0.0389, -0.0685, 1.0296))
TRC_POINTS = 1024
DESCRIPTION = "sRGB IEC61966-2.1 (typeset, ICC v2)"
COPYRIGHT = "No copyright, use freely. Made by typeset from IEC 61966-2-1 parameters."
# A fixed creation date (ICC header bytes 24-35): the file must not change from run to run.
CREATED = (2024, 1, 1, 0, 0, 0)


def _xyz(xy: tuple[float, float]) -> tuple[float, float, float]:
    x, y = xy
    return (x / y, 1.0, (1.0 - x - y) / y)


def _mul(m, v):
    return tuple(sum(m[i][k] * v[k] for k in range(3)) for i in range(3))


def _matmul(a, b):
    return tuple(tuple(sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)) for i in range(3))


def _inv(m):
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return ((( e * i - f * h) / det, -(b * i - c * h) / det, ( b * f - c * e) / det),
            (-(d * i - f * g) / det, ( a * i - c * g) / det, -(a * f - c * d) / det),
            (( d * h - e * g) / det, -(a * h - b * g) / det, ( a * e - b * d) / det))


def colorants() -> dict[str, tuple[float, float, float]]:
    """XYZ of each primary at full intensity, chromatically adapted from D65 to D50."""
    cols = [_xyz(PRIMARIES[k]) for k in "rgb"]
    p = tuple(tuple(cols[j][i] for j in range(3)) for i in range(3))   # columns = primaries
    s = _mul(_inv(p), _xyz(WHITE_D65))                                  # scale so R+G+B = white
    m = tuple(tuple(p[i][j] * s[j] for j in range(3)) for i in range(3))
    src = _mul(BRADFORD, _xyz(WHITE_D65))
    dst = _mul(BRADFORD, PCS_D50)
    scale = ((dst[0] / src[0], 0, 0), (0, dst[1] / src[1], 0), (0, 0, dst[2] / src[2]))
    adapt = _matmul(_inv(BRADFORD), _matmul(scale, BRADFORD))
    md50 = _matmul(adapt, m)
    return {k: tuple(md50[i][j] for i in range(3)) for j, k in enumerate("rgb")}


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _xyz_tag(v) -> bytes:
    return b"XYZ " + bytes(4) + b"".join(_s15(c) for c in v)


def _eotf(v: float) -> float:
    # IEC 61966-2-1 §5.2: the sRGB transfer function, encoded value -> linear light.
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _curve_tag() -> bytes:
    vals = [round(_eotf(i / (TRC_POINTS - 1)) * 65535) for i in range(TRC_POINTS)]
    return b"curv" + bytes(4) + struct.pack(">I", TRC_POINTS) + struct.pack(f">{TRC_POINTS}H", *vals)


def _desc_tag(text: str) -> bytes:
    # ICC.1:2001-04 §6.5.17 textDescriptionType: ASCII part, empty Unicode and ScriptCode parts.
    a = text.encode("ascii") + b"\0"
    return (b"desc" + bytes(4) + struct.pack(">I", len(a)) + a
            + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + bytes(67))


def _text_tag(text: str) -> bytes:
    return b"text" + bytes(4) + text.encode("ascii") + b"\0"


def build() -> bytes:
    c = colorants()
    curve = _curve_tag()
    tags = [(b"desc", _desc_tag(DESCRIPTION)), (b"cprt", _text_tag(COPYRIGHT)),
            (b"wtpt", _xyz_tag(PCS_D50)),
            (b"rXYZ", _xyz_tag(c["r"])), (b"gXYZ", _xyz_tag(c["g"])), (b"bXYZ", _xyz_tag(c["b"])),
            (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    table_len = 4 + 12 * len(tags)
    offset = 128 + table_len
    entries, blobs, seen = [], [], {}
    for sig, data in tags:
        if data in seen:                       # the three TRCs share one curve
            entries.append((sig, *seen[data]))
            continue
        seen[data] = (offset, len(data))
        entries.append((sig, offset, len(data)))
        pad = (-len(data)) % 4
        blobs.append(data + bytes(pad))
        offset += len(data) + pad
    size = offset
    header = (struct.pack(">I", size) + bytes(4) + struct.pack(">I", 0x02100000)
              + b"mntr" + b"RGB " + b"XYZ " + struct.pack(">6H", *CREATED) + b"acsp"
              + bytes(4) + struct.pack(">I", 0) + bytes(4) + bytes(4) + bytes(8)
              + struct.pack(">I", 0) + b"".join(_s15(v) for v in PCS_D50) + bytes(4) + bytes(44))
    assert len(header) == 128
    table = struct.pack(">I", len(tags)) + b"".join(struct.pack(">4sII", *e) for e in entries)
    out = header + table + b"".join(blobs)
    assert len(out) == size
    return out


if __name__ == "__main__":
    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("sRGB-v2-typeset.icc")
    dest.write_bytes(build())
    print(f"wrote {dest} ({dest.stat().st_size} bytes)")
