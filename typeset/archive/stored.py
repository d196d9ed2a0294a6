"""What a stored PDF says about itself: the issue named in its XMP metadata, read from the
file's bytes (no PDF parser), and a stored file's size and checksum read in one pass."""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from typeset.fileread import open_regular
from typeset.model.numbers import number_value

# ---------------------------------------------------------------------------------------------
# What a stored PDF says about itself

_PRISM = "{http://prismstandard.org/namespaces/basic/2.0/}"


_BEGIN = b"<?xpacket begin="
_PACKET = re.compile(rb"<\?xpacket begin=.*?<\?xpacket end=[^>]*>", flags=re.S)
_PACKET_MAX = 4 << 20            # bytes; typeset's packets are ~4 KB


class _Packets:
    """The XMP packets of a file fed in chunks (a packet split between chunks is found whole),
    holding at most one unfinished packet of up to _PACKET_MAX bytes in memory."""

    def __init__(self) -> None:
        self.found: list[bytes] = []
        self._buf = b""

    def feed(self, chunk: bytes) -> None:
        buf = self._buf + chunk
        end = 0
        for m in _PACKET.finditer(buf):
            self.found.append(m.group())
            end = m.end()
        buf = buf[end:]
        while True:
            start = buf.find(_BEGIN)
            if start < 0:
                buf = buf[-len(_BEGIN):]        # a begin marker cut by the chunk's edge
                break
            if len(buf) - start > _PACKET_MAX:  # no end in sight: not a packet
                buf = buf[start + 1:]
                continue
            buf = buf[start:]
            break
        self._buf = buf


def pdf_issue(data: bytes) -> tuple[str, int, int | str]:
    """(journal, year, number) from a PDF's XMP metadata (prism:publicationName, coverDate,
    number, as typeset's page writer writes them). ValueError if the PDF does not say.

    The packet is found in the file's bytes: PDF/A keeps the document's metadata stream
    unfiltered (ISO 19005-2 §6.6.2.1), so no PDF parser is needed (and none is imported)."""
    packets = _Packets()
    packets.feed(data)
    return _issue_of_packets(packets.found)


def _issue_of_packets(packets: list[bytes]) -> tuple[str, int, int | str]:
    import xml.etree.ElementTree as ET

    if not packets:
        raise ValueError("the PDF has no XMP metadata")
    for packet in packets:
        try:
            tree = ET.fromstring(packet)
        except ET.ParseError:
            continue
        if tree.find(f".//{_PRISM}publicationName") is not None:
            break
    else:
        raise ValueError("the PDF's XMP has no prism:publicationName")

    def one(name: str) -> str:
        el = tree.find(f".//{_PRISM}{name}")
        if el is None or not (el.text or "").strip():
            raise ValueError(f"the PDF's XMP has no prism:{name}")
        return el.text.strip()
    try:
        return (one("publicationName"), int(one("coverDate")[:4]),
                number_value(one("number")))
    except (TypeError,) as err:
        raise ValueError(str(err)) from None


def _read_stored(path: Path, size: int) -> tuple[int, str | None, list[bytes]]:
    """(size, SHA-256, XMP packets) of a stored file, read once in 1 MB pieces — its size
    from fstat first: a file whose size is not the catalogued `size` is not read at all (SHA
    None). A regular file, never through a link (OSError, fileread.NotRegularFile)."""
    fd, st = open_regular(path, follow=False)
    with os.fdopen(fd, "rb") as f:
        if st.st_size != size:
            return st.st_size, None, []
        h = hashlib.sha256()
        packets = _Packets()
        n = 0
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            packets.feed(chunk)
            n += len(chunk)
    return n, h.hexdigest(), packets.found
