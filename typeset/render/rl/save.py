"""Saving: the file as ReportLab formats it. The document information dictionary
(`_Info`, which also hands over the list of the file's parts), the collector that writes
each object into the output file as it is formatted (`_FileCollector`), large streams
given in pieces (`_IndirectObject`, `_Pieces`) and the fixed-length identifier patched
after (`_ID_PLACEHOLDER`, `_uuid_text`). `Document.save` (document.py) uses them; the
package docstring says which ReportLab internals they rely on."""
from __future__ import annotations

import hashlib
import threading
from typing import BinaryIO

from reportlab.pdfbase import pdfdoc

from typeset.fileread import FileSlice
from typeset.render.pdfsyntax import Name
from typeset.render.rl.objects import _PageStream

# A fixed-length identifier written first and replaced by a hash of the file (`Document.save`).
_ID_PLACEHOLDER = b"[<" + b"0" * 32 + b"><" + b"0" * 32 + b">]"


def _uuid_text(digest: bytes) -> bytes:
    """str(uuid.UUID(bytes=digest)) (RFC 4122 §3: 8-4-4-4-12 lowercase hex digits), without
    importing uuid (and its platform probing) in every build."""
    h = digest.hex().encode("ascii")
    return b"-".join((h[:8], h[8:12], h[12:16], h[16:20], h[20:32]))


class _Info(pdfdoc.PDFObject):
    """The document information dictionary exactly as given (ReportLab's own always writes
    Keywords and Trapped and its clock or invariant date)."""

    invariant = 1

    def __init__(self, entries: list[tuple[str, str]]):
        self.entries = entries

    def digest(self, md5object) -> None:          # ReportLab feeds Info to its own /ID
        for _, value in self.entries:
            md5object.update(value.encode("utf-8"))

    def format(self, document) -> bytes:
        # While the document formats its objects, `document.__accum__` is the file it
        # collects their bytes in (ReportLab: "allows objects to know where they are in the
        # file"); its `format` joins them at the end. Asked for here, it hands over the list
        # of parts instead (`Document.save` hashes, patches and joins them once).
        accum = getattr(document, "__accum__", None)
        if accum is not None and isinstance(getattr(accum, "strings", None), list):
            accum.format = lambda document, parts=accum.strings: parts
        return pdfdoc.PDFDictionary({
            k: pdfdoc.PDFName(v) if isinstance(v, Name) else pdfdoc.PDFString(v)
            for k, v in self.entries}).format(document)


#: held while a document is formatted: `Document._save_to` replaces ReportLab's module-level
#: collector for its call, which no other thread's save may see
_FORMAT_LOCK = threading.Lock()


class _FileCollector(pdfdoc.PDFFile):
    """ReportLab's collector of a file's bytes (`PDFFile`: `add` returns where each part
    starts) writing each part to `sink` (a class attribute) once the next one comes, and
    hashing it: the last part, the trailer, is held back (`held`) for `Document._save_to`.
    Nothing else of the file is kept."""

    sink: BinaryIO
    made: list

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)           # the header, as ReportLab writes it
        header = b"".join(self.strings)
        self.strings = None                     # (no list of parts: see _Info.format)
        self.hash = hashlib.sha256()
        self.held: bytes | None = None
        self.write = self._put
        self._put(header)
        self.made.append(self)

    def _put(self, part: bytes | _Pieces) -> None:
        held = self.held
        if held is not None:
            for piece in held.parts if type(held) is _Pieces else (held,):
                for chunk in (piece,) if type(piece) is not FileSlice else piece.chunks():
                    self.hash.update(chunk)
                    self.sink.write(chunk)
        self.held = part

    def format(self, document) -> bytes:
        return b""                              # (written already)


#: a stream at least this long is written into the file in pieces, never copied (`_Pieces`)
BIG_STREAM = 1 << 16


class _Pieces:
    """An indirect object's bytes as pieces (its head, the stream's content as it is held,
    its tail), for the collector of a save into a file (`_FileCollector`): ReportLab's
    `PDFFile.add` asks only its length (for the offsets) and hands it on to `write`."""

    __slots__ = ("parts", "size")

    def __init__(self, parts: tuple[bytes, ...]):
        self.parts = parts
        self.size = sum(map(len, parts))

    def __len__(self) -> int:
        return self.size


class _IndirectObject(pdfdoc.PDFIndirectObject):
    """ReportLab's `PDFIndirectObject` (which `PDFDocument.format` looks up by name for each
    object), giving a large stream already filtered (a picture, a font program, a profile:
    its dictionary has /Filter) as `_Pieces`: the same bytes ReportLab's `PDFStream.format`
    and `PDFIndirectObject.format` join — `n v obj`, the dictionary with /Length,
    `stream`, the content, `endstream`, `endobj` — without the three copies of the content
    those joins make (memory: a 4.6 MB cover picture was held four times at once while it
    was formatted). A stream whose content is left in a file (`FileSlice`: a picture
    from the cache) is one whatever its length, read as it is written. Anything else is
    formatted by ReportLab's own."""

    def format(self, document):
        obj = self.content
        if (type(obj) not in (pdfdoc.PDFStream, _PageStream)
                or "Filter" not in obj.dictionary.dict
                or not (type(obj.content) is FileSlice or type(obj.content) is bytes
                        and len(obj.content) >= BIG_STREAM)
                or type(document.encrypt) is not pdfdoc.NoEncryption
                or (pdfdoc.rl_config.pdfComments and not pdfdoc.rl_config.invariant)):
            if type(getattr(obj, "content", None)) is FileSlice:
                obj.content = obj.content.read()        # (ReportLab formats bytes only)
            return super().format(document)
        n, v = document.idToObjectNumberAndVersion[self.name]
        document.encrypt.register(n, v)
        d = pdfdoc.PDFDictionary(obj.dictionary.dict.copy())
        d["Length"] = len(obj.content)
        head = b"%d %d obj\n" % (n, v) + pdfdoc.format(d, document) + b"\nstream\n"
        return _Pieces((head, obj.content, b"endstream\nendobj\n"))
