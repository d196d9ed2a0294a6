"""JPEG files read as marker segments (ITU-T T.81 Annex B), without decoding: what a PDF
DCTDecode filter can take as it is, and the file's bytes with its metadata left out.

* `read_jpeg(data)` -> `JpegFacts`: the frame (SOFn: process, precision, size, components),
  the Adobe APP14 marker (its colour transform), whether EXIF, ICC or other metadata segments
  are present. Raises ValueError for anything that is not a well-formed marker sequence up to
  the first scan.
* `passable(facts)`: the JPEG can stand in a PDF as it is: baseline, extended sequential or
  progressive Huffman coding (ISO 32000-1 §7.4.8: DCTDecode; arithmetic coding, lossless and
  hierarchical processes are not for PDF readers), 8-bit samples, 1, 3 or 4 components.
* `strip_metadata(data)`: the same JPEG with APP1-APP13, APP15 and COM segments before the
  first scan removed (EXIF with camera data and GPS position, XMP, ICC profiles, Photoshop
  resources, comments: none of them is read by a PDF reader, whose colour space comes from the
  image dictionary). APP0 (JFIF) and APP14 (Adobe, which says how the components are coded)
  are kept, and every byte from the first scan to the end-of-image marker is copied
  unchanged: the pixels are the source's, bit for bit.

No Pillow here: plain bytes.
"""
from __future__ import annotations

import struct
from typeset.records import dataclass

__all__ = ["JpegFacts", "read_jpeg", "passable", "strip_metadata"]

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
# Start-of-frame markers (T.81 Table B.1) and the process each starts.
SOF = {0xC0: "baseline", 0xC1: "extended", 0xC2: "progressive", 0xC3: "lossless",
       0xC5: "differential", 0xC6: "differential", 0xC7: "differential",
       0xC9: "arithmetic", 0xCA: "arithmetic", 0xCB: "arithmetic",
       0xCD: "arithmetic", 0xCE: "arithmetic", 0xCF: "arithmetic"}
PDF_PROCESSES = ("baseline", "extended", "progressive")
APP0, APP14, COM = 0xE0, 0xEE, 0xFE
# Segments without a length field (T.81 §B.1.1.3): SOI, EOI, RST0-7, TEM.
_STANDALONE = {SOI, EOI, 0x01, *range(0xD0, 0xD8)}


@dataclass(frozen=True)
class JpegFacts:
    process: str              # baseline | extended | progressive | lossless | ...
    precision: int            # bits per sample
    width: int
    height: int
    components: int
    adobe: bool               # an Adobe APP14 marker
    adobe_transform: int | None   # 0 none (RGB/CMYK), 1 YCbCr, 2 YCCK
    metadata: tuple[str, ...]     # kinds of metadata segments found ("APP1", "COM", ...)


def _segments(data: bytes):
    """(marker, start, end) of every segment before the first scan, then (SOS, start, None)."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("no JPEG start-of-image marker")
    i, n = 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            raise ValueError(f"no marker at byte {i}")
        while i < n and data[i] == 0xFF:            # fill bytes (T.81 §B.1.1.2)
            i += 1
        if i >= n:
            break
        marker = data[i]
        start = i - 1
        i += 1
        if marker in _STANDALONE:
            if marker == EOI:
                raise ValueError("the image ends before its first scan")
            continue
        if i + 2 > n:
            break
        length = struct.unpack(">H", data[i:i + 2])[0]
        if length < 2 or i + length > n:
            raise ValueError(f"segment {marker:02X} at byte {start} runs past the end")
        if marker == SOS:
            yield marker, start, None
            return
        yield marker, start, i + length
        i += length
    raise ValueError("no scan (the file ends early)")


def read_jpeg(data: bytes) -> JpegFacts:
    frame = None
    adobe, transform = False, None
    meta: list[str] = []
    for marker, start, end in _segments(data):
        if end is None:
            break
        body = data[start + 4:end]
        if marker in SOF:
            if frame is not None:
                raise ValueError("two frame headers")
            if len(body) < 6:
                raise ValueError("short frame header")
            p, h, w, nc = struct.unpack(">BHHB", body[:6])
            frame = (SOF[marker], p, w, h, nc)
        elif marker == APP14 and body.startswith(b"Adobe"):
            adobe = True
            transform = body[11] if len(body) > 11 else None
        elif 0xE1 <= marker <= 0xEF and marker != APP14 or marker == COM:
            meta.append("COM" if marker == COM else f"APP{marker - 0xE0}")
    if frame is None:
        raise ValueError("no frame header before the first scan")
    process, p, w, h, nc = frame
    return JpegFacts(process=process, precision=p, width=w, height=h, components=nc,
                     adobe=adobe, adobe_transform=transform, metadata=tuple(meta))


def passable(facts: JpegFacts) -> bool:
    """The JPEG can be embedded as it is (DCTDecode, ISO 32000-1 §7.4.8)."""
    return (facts.process in PDF_PROCESSES and facts.precision == 8
            and facts.components in (1, 3, 4))


def strip_metadata(data: bytes) -> bytes:
    """The JPEG without its metadata segments (see the module doc), ending at its
    end-of-image marker; the rest byte for byte."""
    out = bytearray(data[:2])
    pos = 2
    for marker, start, end in _segments(data):
        if end is None:
            # what follows the end of the image (a phone's second picture, padding) is
            # read by no decoder
            out += data[start:_end_of_image(data, start)]
            return bytes(out)
        out += data[pos:start]            # fill bytes between segments, if any
        if not (0xE1 <= marker <= 0xEF and marker != APP14 or marker == COM):
            out += data[start:end]
        pos = end
    raise ValueError("no scan")


def _end_of_image(data: bytes, sos: int) -> int:
    """The offset just after the EOI marker, walking the scans from the first SOS: entropy-
    coded data holds 0xFF only before 0x00 (stuffing) or a restart marker (T.81 §B.1.1.5);
    any other marker between scans (DHT, DQT, SOS, …) has a length. The end of the data if
    there is no EOI."""
    n = len(data)
    i = sos
    while i + 4 <= n:
        # a segment with a length at i (SOS or another marker between scans)
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        i += 2 + length
        while i + 1 < n:                       # entropy-coded data up to the next marker
            j = data.find(b"\xff", i)
            if j < 0 or j + 1 >= n:
                return n
            nxt = data[j + 1]
            if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
                i = j + (1 if nxt == 0xFF else 2)
                continue
            if nxt == EOI:
                return j + 2
            i = j
            break
        else:
            return n
    return n
