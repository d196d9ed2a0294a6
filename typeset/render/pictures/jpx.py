"""JPEG 2000 headers (ISO/IEC 15444-1 Annex I boxes, Annex A codestream), read for the
preflight of images in written files: channels, bit depths, colour specifications. Plain
bytes; no decoding.
"""
from __future__ import annotations

import struct
from typeset.records import dataclass, field

__all__ = ["JpxFacts", "read_jpx"]


@dataclass
class JpxFacts:
    channels: int = 0
    depths: list[int] = field(default_factory=list)      # bits per channel
    colr: list[tuple[int, int]] = field(default_factory=list)   # (METH, APPROX) per 'colr' box


def _boxes(data: bytes, start: int, end: int):
    i = start
    while i + 8 <= end:
        length, kind = struct.unpack(">I4s", data[i:i + 8])
        head = 8
        if length == 1:
            if i + 16 > end:
                return
            length = struct.unpack(">Q", data[i + 8:i + 16])[0]
            head = 16
        elif length == 0:
            length = end - i
        if length < head or i + length > end:
            return
        yield kind, i + head, i + length
        i += length


def _siz(data: bytes, at: int, facts: JpxFacts) -> None:
    """The SIZ marker segment of a codestream (15444-1 §A.5.1): Csiz and each Ssiz."""
    if data[at:at + 4] != b"\xff\x4f\xff\x51" or len(data) < at + 42:
        raise ValueError("no JPEG 2000 codestream header")
    n = struct.unpack(">H", data[at + 40:at + 42])[0]
    facts.channels = n
    facts.depths = [(data[at + 42 + 3 * k] & 0x7F) + 1 for k in range(n)
                    if at + 42 + 3 * k < len(data)]


def read_jpx(data: bytes) -> JpxFacts:
    """Channels, depths and colour specifications of a JP2 file or a raw codestream;
    ValueError if it is neither."""
    facts = JpxFacts()
    if data[:4] == b"\xff\x4f\xff\x51":
        _siz(data, 0, facts)
        return facts
    found = False
    for kind, s, e in _boxes(data, 0, len(data)):
        if kind == b"jp2h":
            for sub, ss, se in _boxes(data, s, e):
                if sub == b"ihdr" and se - ss >= 14:
                    facts.channels = struct.unpack(">H", data[ss + 8:ss + 10])[0]
                    bpc = data[ss + 10]
                    facts.depths = [] if bpc == 255 else [(bpc & 0x7F) + 1] * facts.channels
                    found = True
                elif sub == b"bpcc":
                    facts.depths = [(b & 0x7F) + 1 for b in data[ss:se]]
                elif sub == b"colr" and se - ss >= 3:
                    facts.colr.append((data[ss], data[ss + 2]))
        elif kind == b"jp2c" and not found:
            _siz(data, s, facts)
            found = True
    if not found:
        raise ValueError("no JPEG 2000 header")
    return facts
