"""Pictures as the sources name them: what a picture file is, read from its header.

`probe(path)` opens a JPEG, PNG or TIFF with Pillow (imported only here and only when an
issue has pictures), reads its size, colour mode, resolution and embedded ICC profile without
decoding the pixels, and refuses what cannot be printed faithfully (format.md, "Figures";
issue 10 part 3). What Pillow read is kept in the cache by the picture's content, so a warm
build hashes each picture but imports no Pillow (`_read_header`). The layout uses `PictureInfo` to size a figure; the renderer converts the
pixels for the output variant; the preflight computes the effective resolution at the placed
size from `width_px`/`height_px`.

Every refusal is a TypesetError at the place that named the picture (`file`, `line`,
`column` of the article or manifest) and names the picture file.
"""
from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from typeset.records import dataclass, replace
from pathlib import Path

from typeset.errors import TypesetError

__all__ = ["PictureInfo", "probe", "FORMATS", "MAX_PIXELS"]

#: the formats the contract accepts (format.md, "Figures")
FORMATS = ("JPEG", "PNG", "TIFF")
#: larger pictures are refused: no printed page needs them, and decoding one costs gigabytes
MAX_PIXELS = 100_000_000


@dataclass(frozen=True)
class PictureInfo:
    """A picture file, as read from its header."""
    path: str                 # absolute path
    format: str               # "JPEG", "PNG" or "TIFF"
    width_px: int
    height_px: int
    mode: str                 # Pillow's mode: "RGB", "L", "CMYK", "P", "RGBA", "LA", "I;16", ...
    icc: bool                 # an ICC profile is embedded
    sha256: str               # of the file's bytes: the key of every cache of its conversions
    size_bytes: int
    # EXIF orientation (1-8; TIFF/EXIF tag 274): how the stored pixels are turned to be seen
    # upright. width_px and height_px are the picture as seen (after turning): 5-8 swap them.
    orientation: int = 1

    @property
    def aspect(self) -> float:
        """Height over width."""
        return self.height_px / self.width_px

    def ppi(self, width_pt: float) -> float:
        """Effective resolution when placed `width_pt` points wide (pixels per inch)."""
        return self.width_px / (width_pt / 72.0) if width_pt > 0 else float("inf")

    def effective_ppi(self, width_pt: float, height_pt: float) -> float:
        """Effective resolution when the picture covers a box of `width_pt` × `height_pt`
        (layout.page.Image): pixels over the placed size on each axis, the lower of the two
        (a picture covering a box of another shape is scaled by the larger factor)."""
        if width_pt <= 0 or height_pt <= 0:
            return float("inf")
        return 72.0 * min(self.width_px / width_pt, self.height_px / height_pt)


def probe(path: str | Path, *, file: str | Path | None = None, line: int | None = None,
          column: int | None = None) -> PictureInfo:
    """Read a picture's header; TypesetError (at file:line:column, naming the picture) when it
    is missing, unreadable, of another format, absurdly large, or CMYK without a profile."""
    where = {"file": file, "line": line, "column": column}
    p = Path(path)
    name = str(p)
    memo = _memo_key(name) if _reads else None
    known = _reads[-1].get(memo) if memo is not None else None
    if known is not None:                 # read already by this build
        return replace(known, path=os.path.abspath(name))
    if memo is not None and _reads[-1].get(memo[0], memo) != memo:
        # read by this build with another stat: the pages were laid out with those bytes'
        # size, the renderer would convert these (adversarial round 9: a picture saved
        # during a build was printed cropped into its predecessor's box)
        raise TypesetError(f"picture {name} changed while typeset was reading it", **where,
                           hint="run the build again")
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        err = TypesetError(f"picture not found: {name}", **where,
                           hint="check the path; it is relative to the article's folder")
        err.missing = os.path.abspath(name)
        raise err from None
    except IsADirectoryError:
        raise TypesetError(f"picture path is a folder: {name}", **where,
                           hint="give the path of the picture file itself") from None
    except OSError as err:
        raise TypesetError(f"cannot read picture {name}: {err.strerror}", **where,
                           hint="check that the file exists and is readable") from None
    sha256 = hashlib.sha256(data).hexdigest()
    content = (os.path.realpath(name), sha256)
    known = _probed.get(content)
    if known is not None:                 # this file with these bytes was probed before
        info = replace(known, path=os.path.abspath(name))
        if memo is not None and memo == _memo_key(name):      # unchanged while it was read
            _reads[-1][memo] = info
            _reads[-1][memo[0]] = memo
        return info
    header = _read_header(sha256) if use_header_cache else None
    if header is not None and not _agrees(header, data):
        header = None           # not this picture's header: Pillow reads it (and it is kept)
    if header is not None:
        fmt, w, h, mode, icc, orientation = header      # checked below all the same
    else:
        fmt, w, h, mode, icc, orientation = _pillow_header(data, name, where)
    if w * h > MAX_PIXELS:
        raise TypesetError(f"picture {name} has {w} × {h} pixels ({w * h / 1e6:.0f} megapixels), "
                           f"more than the {MAX_PIXELS // 1_000_000} megapixels typeset accepts",
                           **where, hint="scale it down: 300-600 ppi at its printed size is "
                                         "enough (a full 16开 page is about 2,500 × 3,500 pixels)")
    if fmt not in FORMATS:
        raise TypesetError(f"picture {name} is {fmt or 'an unknown format'}; typeset places "
                           f"JPEG, PNG and TIFF", **where, hint="save it as JPEG, PNG or TIFF")
    if w < 1 or h < 1:
        raise TypesetError(f"picture {name} has no pixels", **where, hint="replace the file")
    if mode == "CMYK" and not icc:
        raise TypesetError(f"picture {name} is CMYK without an embedded colour profile: its "
                           "colours on paper cannot be known", **where,
                           hint="embed the profile it was separated with (in Photoshop: "
                                "Save As, 'ICC Profile'), or supply it as RGB")
    if header is None and use_header_cache:
        _write_header(sha256, (fmt, w, h, mode, icc, orientation))
    if orientation in (5, 6, 7, 8):          # turned a quarter: seen sideways
        w, h = h, w
    info = PictureInfo(path=os.path.abspath(name), format=fmt, width_px=w, height_px=h,
                       mode=mode, icc=icc, sha256=sha256, size_bytes=len(data),
                       orientation=orientation)
    _probed[content] = info
    if memo is not None and memo == _memo_key(name):      # unchanged while it was read
        _reads[-1][memo] = info
        _reads[-1][memo[0]] = memo        # (its real path: the stat this build read it at)
    return info


@contextmanager
def one_read():
    """Within this block (one build), a picture file is read and hashed once: a later `probe`
    of the same file whose stat (size, modification time, inode, device) has not changed since
    is answered from that read. Outside, every `probe` reads the file's bytes (a warm process
    must print what the file holds now: a picture rewritten in place with its size and date
    kept is seen, tests/test_session.py). Builds open it (build.build, Session.rebuild), so a
    build reads each picture once for the layout, the picture report and the renderer, which
    then all see the same bytes' header (the renderer checks the bytes it converts against
    that digest, pictures/pipeline.py). Nestable."""
    _reads.append({})
    try:
        yield
    finally:
        _reads.pop()


def _pillow_header(data: bytes, name: str, where: dict) -> tuple:
    """(format, width, height, mode, has an ICC profile, EXIF orientation) as Pillow reads
    them from the header, the pixels as stored (not turned)."""
    import io
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():     # sizes are judged by probe, against MAX_PIXELS
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                fmt, (w, h), mode = im.format, im.size, im.mode
                icc = bool(im.info.get("icc_profile"))
                orientation = _orientation(im, data)
    except UnidentifiedImageError:
        raise TypesetError(f"picture {name} is not a JPEG, PNG or TIFF file (or it is damaged)",
                           **where, hint="save it again as JPEG, PNG or TIFF") from None
    except (OSError, ValueError, SyntaxError) as err:
        raise TypesetError(f"picture {name} cannot be read ({type(err).__name__}: {err})",
                           **where, hint="save it again as JPEG, PNG or TIFF") from None
    except Image.DecompressionBombError:
        fmt, w, h, mode, icc, orientation = "", 1 << 20, 1 << 20, "", False, 1
    return fmt, w, h, mode, icc, orientation


# What Pillow read from a picture's header, kept on disk by the picture's content, so that a
# warm build reads no header with Pillow and never imports it (issue 13 part 3):
# $TYPESET_CACHE/headers/<xx>/<key>.json, the key a SHA-256 of the picture's SHA-256,
# Pillow's version and this file's code. ASCII JSON with the picture's SHA-256 and the six
# values, each checked for its type and range when read; anything else is ignored (and
# written again). Only a picture that passed every check of `probe` is kept, and a kept one
# goes through them again, so the cache never lets through what Pillow would refuse. Its
# format, size and mode must be what the picture's own bytes say (`_agrees`), and the
# whole entry carries the seal of the user's cache key (`_seal`): what is not read from
# the bytes here (the profile, the orientation, all of a TIFF) is trusted only from it.
#: False: `probe` neither reads nor writes the headers cache (`build.compose(use_cache=False)`)
use_header_cache = True
_HEADER_FIELDS = {"sha256": str, "format": str, "width": int, "height": int, "mode": str,
                  "icc": bool, "orientation": int, "seal": str}
_header_code: str | None = None


def _header_path(sha256: str) -> Path:
    global _header_code
    from typeset.cachefiles import cache_dir
    if _header_code is None:
        from PIL import __version__ as pillow
        _header_code = hashlib.sha256(pillow.encode() + b"\0"
                                      + Path(__file__).read_bytes()).hexdigest()
    key = hashlib.sha256(f"{sha256}\0{_header_code}".encode()).hexdigest()
    return cache_dir() / "headers" / key[:2] / f"{key}.json"


def _read_header(sha256: str) -> tuple | None:
    import json

    from typeset.cachefiles import read_cache
    blob = read_cache(_header_path(sha256), 4096)
    if blob is None:
        return None
    try:
        h = json.loads(blob.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(h, dict) or set(h) != set(_HEADER_FIELDS) or h["sha256"] != sha256:
        return None
    for k, tp in _HEADER_FIELDS.items():
        if not isinstance(h[k], tp) or (tp is int and isinstance(h[k], bool)):
            return None
    if (h["format"] not in FORMATS or not 0 < h["width"] <= 1 << 20
            or not 0 < h["height"] <= 1 << 20 or not 0 < len(h["mode"]) <= 16
            or not h["mode"].isascii() or not 1 <= h["orientation"] <= 8):
        return None
    header = h["format"], h["width"], h["height"], h["mode"], h["icc"], h["orientation"]
    if h["seal"] != _seal(sha256, header):
        return None
    return header


def _seal(sha256: str, header: tuple) -> str:
    """The entry's seal (cacheseal.cache_seal, this user's cache key): what the picture's own
    bytes are not checked for here (its profile, its EXIF orientation; every value of a TIFF
    or of a JPEG or PNG this reader does not walk) is trusted only from an entry its user
    wrote."""
    from typeset.cacheseal import cache_seal
    return cache_seal(sha256.encode("ascii"), repr(header).encode("ascii"))


def _agrees(header: tuple, data: bytes) -> bool:
    """Do the format, size and colour mode of a header read from the cache agree with the
    picture's own bytes (a JPEG's last frame header before its first scan, a PNG's IHDR)?
    True where this reader does not know (a TIFF, a file it does not walk cleanly): the
    entry's seal stands for it there."""
    got = _frame(data)
    return got is None or got == header[:4]


#: PNG (bit depth, colour type) -> Pillow's mode (PNG §11.2.2; Pillow 9-13 read them so)
_PNG_MODES = {(1, 0): "1", (2, 0): "L", (4, 0): "L", (8, 0): "L", (16, 0): "I;16",
              (8, 2): "RGB", (16, 2): "RGB", (1, 3): "P", (2, 3): "P", (4, 3): "P", (8, 3): "P",
              (8, 4): "LA", (16, 4): "RGBA", (8, 6): "RGBA", (16, 6): "RGBA"}
#: JPEG start-of-frame markers (ITU T.81 Table B.1: SOF0-3, 5-7, 9-11, 13-15)
_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE,
                  0xCF))


def _frame(data: bytes) -> tuple | None:
    """(format, width, height, mode) from a JPEG's or PNG's own header bytes, as Pillow reads
    them, or None if the picture is neither or not laid out plainly (then nothing is said)."""
    import struct
    import zlib
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        if len(data) < 33 or data[8:16] != b"\x00\x00\x00\rIHDR":
            return None
        ihdr = data[16:29]
        if zlib.crc32(data[12:29]) != struct.unpack(">I", data[29:33])[0] or ihdr[11]:
            return None                     # (Pillow refuses these: never kept)
        w, h, depth, kind = struct.unpack(">IIBB", ihdr[:10])
        mode = _PNG_MODES.get((depth, kind))
        return None if mode is None else ("PNG", w, h, mode)
    if data[:2] != b"\xff\xd8":
        return None
    at, frame = 2, None
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None                     # junk between segments: Pillow skips it
        marker = data[at + 1]
        if marker == 0xDA:                  # start of scan: the header is over
            return frame
        if marker in (0x01, 0xD8, 0xFF) or 0xD0 <= marker <= 0xD7:
            return None                     # a marker without a length, padding
        length, = struct.unpack(">H", data[at + 2:at + 4])
        body = data[at + 4:at + 2 + length]
        if length < 2 or len(body) != length - 2:
            return None
        if marker in _SOF:
            if len(body) < 6 or body[0] != 8 or body[5] not in (1, 3, 4):
                return None
            h, w = struct.unpack(">HH", body[1:5])
            frame = ("JPEG", w, h, {1: "L", 3: "RGB", 4: "CMYK"}[body[5]])
        elif marker == 0xE2 and body.startswith(b"MPF\0"):
            return None                     # maybe a multi-picture file (Pillow: MPO)
        at += 2 + length
    return None


def _write_header(sha256: str, header: tuple) -> None:
    import json

    from typeset.cachefiles import write_cache
    fmt, w, h, mode, icc, orientation = header
    doc = {"sha256": sha256, "format": fmt, "width": w, "height": h, "mode": mode,
           "icc": icc, "orientation": orientation, "seal": _seal(sha256, header)}
    write_cache(_header_path(sha256), json.dumps(doc, sort_keys=True).encode("ascii"))


#: pictures probed in this process, by real path and the SHA-256 of their bytes: a picture read
#: again (by a warm process, typeset.session) is hashed, not parsed again (the same bytes under
#: another name go through the header cache, sealed). In memory only.
_probed: dict[tuple[str, str], PictureInfo] = {}
#: the reads of the builds running (`one_read`), each by (real path, size, modification time,
#: inode, device): a picture placed twice, or asked for by the layout and then by the renderer,
#: is read once per build — never across builds (a stat says nothing of the bytes)
_reads: list[dict[tuple, PictureInfo]] = []


def _memo_key(name: str) -> tuple | None:
    try:
        real = os.path.realpath(name)
        st = os.stat(real)
    except (OSError, ValueError):
        return None
    import stat as _stat
    if not _stat.S_ISREG(st.st_mode):
        return None
    return (real, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def _orientation(im, data: bytes = b"") -> int:
    """The EXIF orientation (1 if none or not a valid value): read from the header only
    (JPEG APP1, TIFF tag 274; PNG eXIf)."""
    import struct
    if (im.format == "PNG" and "exif" not in im.info and "Raw profile type exif" not in im.info
            and not _png_exif_after_data(data)):
        return 1             # no eXIf anywhere: Pillow would decode every row to find none
    try:
        value = im.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError, KeyError, IndexError, TypeError, struct.error):
        return 1             # a damaged EXIF block: the picture is shown as stored
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


_PNG_TEXT_CHUNKS = (b"eXIf", b"tEXt", b"zTXt", b"iTXt")


def _png_exif_after_data(data: bytes) -> bool:
    """Whether a PNG has a chunk after its image data that may hold EXIF (eXIf, or a text
    chunk with a raw EXIF profile): only then must Pillow decode the image to read it. The
    chunks are walked by their lengths (PNG §5.3); anything odd says yes (the slow way)."""
    import struct
    pos, n, seen_data = 8, len(data), False
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return True
    while pos + 8 <= n:
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            seen_data = True
        elif seen_data and kind in _PNG_TEXT_CHUNKS:
            return True
        elif kind == b"IEND":
            return False
        pos += 12 + length
    return True
