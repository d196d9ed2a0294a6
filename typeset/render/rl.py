"""The ReportLab adapter: the only module of typeset that imports ReportLab.

The page writer (`writer.py`) speaks to a `Document` (pages, content, destinations, outline,
links, page labels, catalog entries, document information, file identifier, header
version); fonts are `EmbeddedFont`s, which ReportLab treats as its own. Everything below
that relies on ReportLab's internals is here, and `tests/test_rl.py` pins each behaviour we
rely on, so a ReportLab upgrade that changes one fails a test, not a print job:

* the *dynamic font* protocol (what ReportLab's own `TTFont` uses): the canvas calls
  `splitString` while drawing and `getSubsetInternalName` to name the font, which
  registers the font in `doc.fontMapping` and `doc.delayedFonts`; at save the document calls
  `addObjects(doc)` for every delayed font, which makes its objects with `doc.Reference` (the
  Type0 font under the name `_font_object(font)`, which the pages' font dictionaries refer
  to; on a canvas of ReportLab's own, not a `Document`, also into the shared font
  dictionary `BasicFonts` under the name `getSubsetInternalName` gave, which its pages use);
* resource names are the page's own (`Document.end_page`): a new `PDFDocument` registers
  one object, the shared font dictionary `BasicFonts` every page's /Resources would refer
  to; `Document` takes it out again (object numbers then start at 1) and gives each page a
  `PDFResourceDictionary` of its own before `PDFPage.check_format` would make one (it makes
  one only when the page has none): /Font and /XObject map the page's names to the
  document's objects, /ColorSpace, /ExtGState, /Shading and /ProcSet are what ReportLab's
  own would hold;
* the font registry `pdfmetrics._fonts` / `_dynFaceNames` (registering a font twice under one
  name replaces it);
* a canvas whose initial font is dynamic writes no `BT /F1 12 Tf … ET` preamble, so no
  unembedded standard font enters the file (`_PlaceholderFont`);
* invariant mode: no clock, no random file identifier;
* while the document formats its objects, `document.__accum__` is the file collecting their
  bytes (a list, `strings`, joined by its `format`): `Document.save` takes the list, so the
  file is joined once and patched without a copy;
* that collector is made by `PDFDocument.format` from the module's name `pdfdoc.PDFFile`,
  looked up when formatting starts (`add` returns each part's offset, `write` takes its
  bytes): `Document.save(sink=)` puts `_FileCollector` under that name for the call, so each
  object goes to the file as it is formatted (`idToOffset` still says where each starts);
* `PDFDocument.format` wraps each object in the module's `pdfdoc.PDFIndirectObject`, also
  looked up by name, and hands what its `format` returns to the collector's `add`, which
  asks only its length before `write`: for the same call `_IndirectObject` takes that
  name and gives a large filtered stream as `_Pieces` (head, content, tail), so the
  content is written as the document holds it, never joined into copies (tests/test_rl.py
  compares the pieces with ReportLab's own formatting);
* XObjects: an object registered under a name of its own (`XObject.Im<n>`) is referred to
  by `PDFObjectReference(name)` from each page's /Resources /XObject; a stream whose
  dictionary already has /Filter is written as given.

Resource names (issue 13 parts 4 and 5). Every name a page's content stream uses is that
page's own, numbered by first use within the page: /F1, /F2 … for fonts, /Im1 … for
pictures, /Fm1 … for placed PDF pages; each page's /Resources maps them to the document's
objects (ISO 32000-1 §7.8.3: names are looked up in the page's resource dictionary, so two
pages may give one name to two objects and two names to one). So a page's content stream is
a function of that page alone: a correction that changes which font or picture the document
uses first renames nothing on other pages. The colour space of the crop marks is named by
its colourant (/All, ReportLab's `addColor`), a link annotation is an object, not a name in a
stream, and no ExtGState or shading is drawn. (Names derived from each resource's identity —
a hash of the face or picture — would give the same independence with one shared font
dictionary, but longer names in every `Tf` and `Do` and a collision rule that depends on the
document's other resources; numbering by first use within the page needs neither: the
cost is a /Font dictionary in each page dictionary instead of a reference to a shared one,
~30 bytes a page.)

This module imports ReportLab; nothing imports this module but the writer, when a document
is written (never `typeset check`, `dump` or `--help`).
"""
from __future__ import annotations

import hashlib
import io
import threading
import weakref
import zlib
from typing import BinaryIO

from reportlab.pdfbase import pdfdoc

from typeset.errors import TypesetError
from typeset.render.cidfont import FontUse, cid_font, pdf_name_token
from typeset.render.fontprogram import SubsetCache, subset_for
from typeset.render.pdfsyntax import Name, Stream, serialize, text_string_bytes
from typeset.text.fonts import FontFace


# ------------------------------------------------------------------------------------------
# Fonts: CID-keyed subsets as ReportLab dynamic fonts
# ------------------------------------------------------------------------------------------

def reportlab_version() -> str:
    import reportlab
    return reportlab.Version


class _FaceInfo:
    """What ReportLab's registry wants from `font.face` (a unique `name`)."""

    def __init__(self, name: str):
        self.name = name
        self.builtIn = 0


class EmbeddedFont:
    """A ReportLab font that embeds `face` as a CID-keyed subset (see typeset.render.cidfont),
    so `canvas.setFont(name, size)`, `drawString` and text objects work with it unchanged."""

    _dynamicFont = 1      # ReportLab: subset per document, objects made at save
    _multiByte = 1        # ReportLab: we measure our own strings
    shapable = False      # no ReportLab/HarfBuzz shaping: typeset positions every glyph

    def __init__(self, face: FontFace, name: str, cache: SubsetCache | None | str = "auto"):
        self.face_data = face
        self.fontName = name
        self.face = _FaceInfo(name)
        self.encoding = None
        self.substitutionFonts: list = []
        self.cache = cache     # "auto": SubsetCache() at save time ($TYPESET_CACHE); None: off
        self._uses: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    # -- measuring -------------------------------------------------------------------------
    def stringWidth(self, text: str, size: float, encoding: str = "utf8") -> float:
        if isinstance(text, bytes):
            text = text.decode(encoding)
        adv = self.face_data.advance
        return sum(adv(c) for c in text) * size

    # -- encoding --------------------------------------------------------------------------
    def use(self, doc) -> FontUse:
        """The characters drawn with this font in `doc` so far."""
        u = self._uses.get(doc)
        if u is None:
            u = self._uses[doc] = FontUse(self.face_data)
        return u

    def encode(self, text: str, doc) -> bytes:
        """Two-byte codes for `text` in `doc`, assigning codes to new characters."""
        return self.use(doc).encode(text)

    def splitString(self, text, doc, encoding: str = "utf-8"):
        """ReportLab's dynamic-font hook: [(subset number, bytes)] — one subset per font."""
        if isinstance(text, bytes):
            text = text.decode(encoding)
        return [(0, self.encode(text, doc))]

    def getSubsetInternalName(self, subset: int, doc) -> str:
        """The document's own name for this font ("/F3", never written: pages name their fonts
        themselves, `Document.font_resource`); registers it for `addObjects`."""
        if subset != 0:
            raise IndexError(f"font {self.fontName} has one subset, not {subset}")
        u = self.use(doc)
        if u.resource is None:
            u.resource = f"F{len(doc.fontMapping) + 1}"
            doc.fontMapping[self.fontName] = "/" + u.resource
            doc.delayedFonts.append(self)
        return "/" + u.resource

    def used_chars(self, doc) -> list[str]:
        """Characters drawn so far in `doc`, in code order."""
        u = self._uses.get(doc)
        return u.in_code_order()[1] if u else []

    # -- objects at save time ---------------------------------------------------------------
    def addObjects(self, doc) -> None:
        from reportlab.pdfbase import pdfdoc
        u = self._uses.get(doc)
        if u is None or u.resource is None:
            return
        cache = SubsetCache() if self.cache == "auto" else self.cache
        codes, _, gids = u.in_code_order()
        f = cid_font(self.face_data, u, subset_for(self.face_data, gids, cache, codes))
        comp = [pdfdoc.PDFZCompress] if doc.compression else None
        uid = f"{u.resource}:{f.base_font}"

        program = _deflated(f.program) if comp else pdfdoc.PDFStream(content=f.program)
        if f.cff:
            program.dictionary["Subtype"] = "/CIDFontType0C"
        else:
            program.dictionary["Length1"] = len(f.program)
        program_ref = doc.Reference(program, f"FontProgram:{uid}")
        cidset_ref = doc.Reference(pdfdoc.PDFStream(content=f.cidset, filters=comp),
                                   f"CIDSet:{uid}")
        descriptor = pdfdoc.PDFDictionary({
            **f.descriptor,
            ("FontFile3" if f.cff else "FontFile2"): program_ref,
            "CIDSet": cidset_ref,
        })
        descriptor_ref = doc.Reference(descriptor, f"FontDescriptor:{uid}")
        cidfont = pdfdoc.PDFDictionary({
            "Type": "/Font",
            "Subtype": "/CIDFontType0" if f.cff else "/CIDFontType2",
            "BaseFont": "/" + f.base_font,
            "CIDSystemInfo": "<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>",
            "FontDescriptor": descriptor_ref,
            "DW": f.dw,
            "W": f.w,
        })
        if f.cid_to_gid is not None:   # (two bytes per CID up to the highest: ~128 KB)
            c2g = _deflated(f.cid_to_gid) if comp else pdfdoc.PDFStream(content=f.cid_to_gid)
            cidfont["CIDToGIDMap"] = doc.Reference(c2g, f"CIDToGIDMap:{uid}")
        cidfont_ref = doc.Reference(cidfont, f"CIDFont:{uid}")
        tounicode = pdfdoc.PDFStream(content=f.tounicode, filters=comp)
        type0 = pdfdoc.PDFDictionary({
            "Type": "/Font",
            "Subtype": "/Type0",
            "BaseFont": "/" + f.type0_name,
            "Encoding": "/Identity-H",
            "DescendantFonts": pdfdoc.PDFArray([cidfont_ref]),
            "ToUnicode": doc.Reference(tounicode, f"ToUnicode:{uid}"),
        })
        ref = doc.Reference(type0, _font_object(u.resource))
        fonts = doc.idToObject.get(pdfdoc.BasicFonts)
        if fonts is not None:   # a canvas of ReportLab's own (not `Document`): its pages
            fonts.dict[u.resource] = ref        # name their fonts through BasicFonts
        del self._uses[doc]


def _font_object(resource: str) -> str:
    """The name under which a font's Type0 object is registered in the document (`resource`:
    the font's document-wide name, `EmbeddedFont.getSubsetInternalName`)."""
    return "Font." + resource.lstrip("/")


#: the filters of a page's content stream, outermost first (PDF order). Flate only:
#: ReportLab's own page compression adds ASCII85 outside it (rl_config.useA85), which makes
#: the stream a quarter larger and costs more than drawing the page (pure Python).
PAGE_FILTERS = ("FlateDecode",)


def encode_page_stream(text: str) -> bytes:
    """A page's content stream as written: its operators through `PAGE_FILTERS`."""
    return zlib.compress(text.encode("utf-8"))


def _page_stream(encoded: bytes):
    from reportlab.pdfbase import pdfdoc
    d = pdfdoc.PDFDictionary({"Filter": pdfdoc.PDFArray([pdfdoc.PDFName(f)
                                                         for f in PAGE_FILTERS])})
    stream = (_PageStream if FAST_PAGES else pdfdoc.PDFStream)(d, content=encoded, filters=None)
    stream.__Comment__ = "page stream"
    return stream


def _deflated(content: bytes):
    """A FlateDecode stream of `content`, compressed through the cache (deflate.py): the same
    bytes ReportLab's own filter writes (zlib's default level; a dictionary that already has
    /Filter is written as given, and its keys are sorted, so /Filter stands where it would)."""
    from reportlab.pdfbase import pdfdoc
    from typeset.render.deflate import deflate
    d = pdfdoc.PDFDictionary({"Filter": pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])})
    return pdfdoc.PDFStream(d, content=deflate(content), filters=None)


# -- page dictionaries, formatted as ReportLab formats them, faster -----------------------------
#
# ReportLab formats each value through a general dispatcher and converts every dictionary key
# to a PDF name character by character: a page dictionary (boxes, resources, parent,
# contents) costs ~0.1 ms, a tenth of a second for a thousand pages. `_Page` writes the same
# bytes with the dictionary keys' names remembered and the common values (names, numbers,
# references, arrays, dictionaries, resource dictionaries) formatted directly; anything else
# goes through ReportLab's own `format`. tests/test_rl.py compares the two on pages of every
# kind (`FAST_PAGES = False` writes through ReportLab's own).

FAST_PAGES = True
_NAMES: dict[str, bytes] = {}
_NUMBERS: dict[float, bytes] = {}      # (ReportLab's fp_str is pure Python; pages repeat boxes)


def _name(key: str) -> bytes:
    b = _NAMES.get(key)
    if b is None:
        b = _NAMES[key] = pdfdoc.pdfdocEnc(pdfdoc.PDFName(key))
    return b


def _fmt(v, document) -> bytes:
    """pdfdoc.format(v, document) for a value inside a page dictionary."""
    t = type(v)
    if t is str:
        return pdfdoc.pdfdocEnc(v)
    if t is float or t is int:
        b = _NUMBERS.get(v)            # (equal values format alike, ints as floats: tested)
        if b is None:
            if len(_NUMBERS) > 4096:
                _NUMBERS.clear()
            b = _NUMBERS[v] = pdfdoc.pdfdocEnc(pdfdoc.fp_str(v))
        return b
    if t is pdfdoc.PDFObjectReference:
        return v.format(document)
    if t is pdfdoc.PDFArray:
        return _fmt_array(v, document)
    if t is pdfdoc.PDFDictionary:
        return _fmt_dict(v.dict, v.multiline, document)
    if t is pdfdoc.PDFResourceDictionary:
        return _fmt_resources(v, document)
    return pdfdoc.format(v, document)


def _fmt_array(a, document) -> bytes:
    """pdfdoc.PDFArray.format."""
    L = [_fmt(e, document) for e in a.sequence]
    if (a.multiline and pdfdoc.rl_config.pdfMultiLine) or a.multiline == "forced":
        body = b"\n ".join(L)
    else:
        n = len(L)
        if n > 10:
            for i in reversed(range(10, n, 10)):
                L.insert(i, b"\n ")
        body = b" ".join(L)
    return b"[ " + body + b" ]"


def _fmt_dict(d: dict, multiline, document) -> bytes:
    """pdfdoc.PDFDictionary.format."""
    keys = list(d.keys())
    if not isinstance(d, pdfdoc.OrderedDict):
        keys.sort()
    L = [_name(k) + b" " + _fmt(d[k], document) for k in keys]
    if (multiline and pdfdoc.rl_config.pdfMultiLine) or multiline == "forced":
        body = b"\n ".join(L)
    else:
        for i in reversed(range(6, len(L), 6)):
            L.insert(i, b"\n ")
        body = b" ".join(L)
    return b"<<\n" + body + b"\n>>"


def _fmt_resources(r, document) -> bytes:
    """pdfdoc.PDFResourceDictionary.format."""
    D = {}
    for dname in r.dict_attributes:
        v = getattr(r, dname)
        if isinstance(v, dict):
            if v:
                D[dname] = pdfdoc.PDFDictionary(v)
        else:
            D[dname] = v
    v = r.ProcSet
    if isinstance(v, (tuple, list)):
        if v:
            D["ProcSet"] = pdfdoc.PDFArray(v)
    else:
        D["ProcSet"] = v
    return _fmt_dict(D, pdfdoc.PDFDictionary.multiline, document)


class _Page(pdfdoc.PDFPage):
    """A page as ReportLab's PDFPage writes it (PDFCatalog.format), formatted by `_fmt`."""

    def format(self, document):
        rl_config = pdfdoc.rl_config
        if rl_config.pdfComments and not rl_config.invariant:     # comments: ReportLab's
            return super().format(document)
        self.check_format(document)
        D = {}
        for k, v in self.__Defaults__.items():
            v = getattr(self, k, v)
            if v is not None:
                D[k] = v
        for k in self.__NoDefault__:
            v = getattr(self, k, None)
            if v is not None:
                D[k] = v
        for k in self.__Refs__:
            if k in D:
                D[k] = document.Reference(D[k])
        return _fmt_dict(D, pdfdoc.PDFDictionary.multiline, document)


class _PageStream(pdfdoc.PDFStream):
    """A page's content stream, already filtered (its dictionary has /Filter), as
    PDFStream.format writes it, the dictionary formatted by `_fmt_dict`."""

    def format(self, document):
        if "Filter" not in self.dictionary.dict or self.content is None:
            return super().format(document)
        content = document.encrypt.encode(self.content)
        d = dict(self.dictionary.dict)
        d["Length"] = len(content)
        return (_fmt_dict(d, pdfdoc.PDFDictionary.multiline, document) + b"\nstream\n"
                + pdfdoc.format(content, document) + b"endstream\n")


class _PlaceholderFont:
    """Registered as the canvas's initial font so ReportLab never adds an unembedded standard
    font (its preamble sets one only for non-dynamic fonts). It is never drawn with."""
    _dynamicFont = 1
    _multiByte = 1
    shapable = False
    fontName = "typeset-placeholder"
    encoding = None
    substitutionFonts: list = []

    def __init__(self):
        self.face = _FaceInfo(self.fontName)

    def stringWidth(self, text, size, encoding="utf8"):
        raise TypesetError("internal: text drawn without a font (placeholder font used)")

    def splitString(self, text, doc, encoding="utf-8"):
        raise TypesetError("internal: text drawn without a font (placeholder font used)")

    def getSubsetInternalName(self, subset, doc):
        raise TypesetError("internal: text drawn without a font (placeholder font used)")

    def addObjects(self, doc):
        return None


PLACEHOLDER_FONT_NAME = _PlaceholderFont.fontName

_fonts: dict[str, EmbeddedFont] = {}


def font_name_for(face: FontFace) -> str:
    """The ReportLab font name under which `face` is registered (stable per file identity)."""
    digest = hashlib.sha256(face.identity.encode()).hexdigest()[:10]
    return f"typeset-{pdf_name_token(face.postscript_name)}-{digest}"


def register(face: FontFace) -> EmbeddedFont:
    """Register `face` with ReportLab (idempotent) and return its `EmbeddedFont`; afterwards
    `canvas.setFont(font.fontName, size)` draws with it."""
    from reportlab.pdfbase import pdfmetrics
    register_placeholder()
    name = font_name_for(face)
    font = _fonts.get(name)
    if font is None:
        font = _fonts[name] = EmbeddedFont(face, name)
    elif font.face_data is not face and not _same_file(font.face_data):
        # another face of the same bytes (another path, a later session): the file of the face
        # registered first holds other bytes by now, so the subset is made from this one's
        font.face_data = face
    if pdfmetrics._fonts.get(name) is not font:
        pdfmetrics._fonts.pop(name, None)
        pdfmetrics._dynFaceNames.pop(name, None)
        pdfmetrics.registerFont(font)
    return font


def _same_file(face: FontFace) -> bool:
    """Whether `face`'s file is still as it was when the face was read (text/fontid.py)."""
    from typeset.text.fontid import stamp
    try:
        return stamp(face.file) == face.stamp
    except OSError:
        return False


def register_placeholder() -> None:
    """Register the placeholder initial font (see `_PlaceholderFont`)."""
    from reportlab.pdfbase import pdfmetrics
    if not isinstance(pdfmetrics._fonts.get(PLACEHOLDER_FONT_NAME), _PlaceholderFont):
        pdfmetrics._fonts.pop(PLACEHOLDER_FONT_NAME, None)
        pdfmetrics._dynFaceNames.pop(PLACEHOLDER_FONT_NAME, None)
        pdfmetrics.registerFont(_PlaceholderFont())


# ------------------------------------------------------------------------------------------
# The document
# ------------------------------------------------------------------------------------------

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


class _Plain(pdfdoc.PDFObject):
    """A PDF value given as plain data (pdfsyntax: dicts, lists, names, numbers, strings,
    references by key), formatted at save time, when every referenced object has a number."""

    def __init__(self, value, prefix: str):
        self.value = value
        self.prefix = prefix

    def format(self, document) -> bytes:
        def ref(key: str) -> bytes:
            return pdfdoc.PDFObjectReference(self.prefix + key).format(document)
        return serialize(self.value, ref)


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
                self.hash.update(piece)
                self.sink.write(piece)
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
    was formatted). Anything else is formatted by ReportLab's own."""

    def format(self, document):
        obj = self.content
        if (type(obj) not in (pdfdoc.PDFStream, _PageStream)
                or "Filter" not in obj.dictionary.dict or type(obj.content) is not bytes
                or len(obj.content) < BIG_STREAM or type(document.encrypt) is not
                pdfdoc.NoEncryption
                or (pdfdoc.rl_config.pdfComments and not pdfdoc.rl_config.invariant)):
            return super().format(document)
        n, v = document.idToObjectNumberAndVersion[self.name]
        document.encrypt.register(n, v)
        d = pdfdoc.PDFDictionary(obj.dictionary.dict.copy())
        d["Length"] = len(obj.content)
        head = b"%d %d obj\n" % (n, v) + pdfdoc.format(d, document) + b"\nstream\n"
        return _Pieces((head, obj.content, b"endstream\nendobj\n"))


class Document:
    """One PDF written through a ReportLab canvas: the writer's only view of ReportLab.

    Coordinates are media-box points. Content is PDF operators given as text (`content`);
    fonts are selected by their resource name (`font_resource`) and text is shown as codes
    (`encode`), so ReportLab draws nothing itself but the crop marks' stroke colour."""

    def __init__(self, page_size: tuple[float, float], *, version: tuple[int, int] = (1, 4),
                 lang: str | None = None):
        from reportlab.pdfgen.canvas import Canvas
        self._buf = io.BytesIO()
        register_placeholder()
        c = Canvas(self._buf, pagesize=page_size, invariant=1, pageCompression=1,
                   initialFontName=PLACEHOLDER_FONT_NAME, lang=lang, pdfVersion=version)
        self._canvas = c
        self._doc = doc = c._doc
        # no shared font dictionary: each page names its own fonts (the module docstring)
        if doc.numberToId != {1: pdfdoc.BasicFonts} or doc.objectcounter != 1:
            raise TypesetError("internal: a new ReportLab document holds other objects than "
                               "its font dictionary",
                               hint="the ReportLab version is not one typeset knows; "
                                    "please report this")
        del doc.idToObject[pdfdoc.BasicFonts], doc.idToObjectNumberAndVersion[pdfdoc.BasicFonts]
        del doc.numberToId[1]
        doc.objectcounter = 0
        self._version = tuple(version)
        self._named: list[tuple[bytes, object]] = []
        self._images: dict[str, str] = {}          # content key -> XObject object's name
        self._forms: dict[str, str] = {}           # content key -> form XObject object's name
        self._page_fonts: dict[EmbeddedFont, str] = {}     # font -> its name on this page
        self._page_xobjects: dict[str, str] = {}   # XObject object's name -> name on this page
        self._page_counts = {"Im": 0, "Fm": 0}     # XObjects of each kind on this page
        self._imported: set[str] = set()           # keys of objects copied from other PDFs
        self._marks: dict[tuple, list[str]] = {}   # crop marks -> their operators
        self._resources: dict[EmbeddedFont, str] = {}
        self._font_uses: dict[EmbeddedFont, FontUse] = {}
        self._icc: dict[bytes, object] = {}        # profile -> reference to its stream
        self._saved = False

    # -- document information, metadata, output intent ---------------------------------------
    def set_info(self, entries: list[tuple[str, str]]) -> None:
        """The Info dictionary: (key, value); a `pdfsyntax.Name` value is a name, anything
        else a text string."""
        self._doc.info = _Info(entries)

    def set_metadata(self, xmp: bytes) -> None:
        """The catalog's XMP metadata stream, unfiltered (ISO 19005-2 §6.6.2.1)."""
        from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFStream
        stream = PDFStream(PDFDictionary({"Type": PDFName("Metadata"),
                                          "Subtype": PDFName("XML")}), content=xmp, filters=None)
        self._doc.Catalog.Metadata = self._doc.Reference(stream, "Metadata")

    def set_output_intent(self, subtype: str, identifier: str, condition: str, registry: str,
                          info: str, profile: bytes, components: int) -> None:
        """The one output intent (ISO 32000-1 §14.11.5) with its ICC profile."""
        from reportlab.pdfbase import pdfdoc
        doc = self._doc
        stream = _deflated(profile)
        stream.dictionary["N"] = components
        intent = pdfdoc.PDFDictionary({
            "Type": pdfdoc.PDFName("OutputIntent"),
            "S": pdfdoc.PDFName(subtype.lstrip("/")),
            "OutputConditionIdentifier": pdfdoc.PDFString(identifier),
            "OutputCondition": pdfdoc.PDFString(condition),
            "RegistryName": pdfdoc.PDFString(registry),
            "Info": pdfdoc.PDFString(info),
            "DestOutputProfile": doc.Reference(stream, "OutputProfile"),
        })
        cat = doc.Catalog
        # ReportLab's catalog writes only the keys it lists; OutputIntents is not among them.
        cat.__NoDefault__ = list(type(cat).__NoDefault__) + ["OutputIntents"]
        cat.OutputIntents = pdfdoc.PDFArray([doc.Reference(intent, "OutputIntent")])

    # -- pages -----------------------------------------------------------------------------
    def begin_page(self, media: tuple[float, float],
                   trim: tuple[float, float, float, float] | None,
                   bleed: tuple[float, float, float, float] | None) -> None:
        c = self._canvas
        c.setPageSize(media)
        c.setTrimBox(trim)
        c.setBleedBox(bleed)

    def font_resource(self, font: EmbeddedFont) -> str:
        """The resource name ("/F1") that selects `font` on the current page: numbered by
        first use within the page (the module docstring, "Resource names")."""
        name = self._page_fonts.get(font)
        if name is None:
            if font not in self._resources:
                self._resources[font] = font.getSubsetInternalName(0, self._doc)
            name = self._page_fonts[font] = f"/F{len(self._page_fonts) + 1}"
        return name

    def encode(self, font: EmbeddedFont, text: str) -> bytes:
        use = self._font_uses.get(font)
        if use is None:
            use = self._font_uses[font] = font.use(self._doc)
        return use.encode(text)

    def encoder(self, font: EmbeddedFont, chars=()):
        """text -> `encode(font, text)`, for a writer that encodes every run of every page
        (the font's name on each page is `font_resource`'s). `chars`: every character the
        document will draw with `font`, told before any is drawn (cidfont.FontUse.plan)."""
        self.encode(font, "")
        use = self._font_uses[font]
        use.plan(chars)
        return use.encode

    def content(self, ops: str) -> None:
        """Append PDF operators to the page's content stream."""
        self._canvas.addLiteral(ops)

    def registration_lines(self, segments: list[tuple[float, float, float, float]],
                           width: float) -> None:
        """Stroke `segments` in the registration colour: Separation /All over CMYK, so they
        print on every plate."""
        from reportlab.lib.colors import CMYKColorSep
        c = self._canvas
        key = (tuple(segments), width)
        code = self._marks.get(key)
        if code is not None:     # the same marks as on an earlier page: the same operators
            c._checkSeparation(self._registration)       # the page's resources name /All
            c._code.extend(code)
            return
        self._registration = CMYKColorSep(1, 1, 1, 1, spotName="All")
        start = len(c._code)
        c.saveState()
        c.setStrokeColor(self._registration)
        c.setLineWidth(width)
        c.setLineCap(0)
        c.lines(segments)
        c.restoreState()
        self._marks[key] = c._code[start:]

    def image(self, key: str, *, width: int, height: int, space: str, components: int,
              filter: str, data: bytes, decode: tuple[float, ...] | None = None,
              predictor: bool = False, icc: bytes | None = None) -> str:
        """An image XObject (ISO 32000-1 §8.9.5), made once per `key` (the same key on many
        pages is one object), used on the current page; returns the name that paints it
        (`/… Do`; the page's own name, numbered by first use within the page). `space`: DeviceGray, DeviceRGB, DeviceCMYK or ICCBased (then `icc` is the
        profile: one ICCBased stream per profile, shared by every image in it). `data` is
        already encoded by `filter` (DCTDecode or FlateDecode; `predictor`: PNG-predicted
        rows, §7.4.4.4); 8 bits per component."""
        from reportlab.pdfbase import pdfdoc
        name = self._images.get(key)
        if name is None:
            name = self._images[key] = f"XObject.Im{len(self._images) + 1}"
            if space == "ICCBased":
                if icc is None:
                    raise ValueError("an ICCBased image needs its profile")
                ref = self._icc.get(icc)
                if ref is None:
                    stream = _deflated(icc)
                    stream.dictionary["N"] = components
                    ref = self._icc[icc] = self._doc.Reference(
                        stream, f"ICCProfile.{hashlib.sha256(icc).hexdigest()[:16]}")
                cs = pdfdoc.PDFArray([pdfdoc.PDFName("ICCBased"), ref])
            else:
                cs = pdfdoc.PDFName(space)
            d = {"Type": pdfdoc.PDFName("XObject"), "Subtype": pdfdoc.PDFName("Image"),
                 "Width": width, "Height": height, "ColorSpace": cs, "BitsPerComponent": 8,
                 "Filter": pdfdoc.PDFName(filter)}
            if decode is not None:
                d["Decode"] = pdfdoc.PDFArray(list(decode))
            if predictor:
                d["DecodeParms"] = pdfdoc.PDFDictionary({
                    "Predictor": 15, "Colors": components, "BitsPerComponent": 8,
                    "Columns": width})
            stream = pdfdoc.PDFStream(pdfdoc.PDFDictionary(d), content=data)
            self._doc.Reference(stream, name)
        return self._page_xobject(name, "Im")

    def form(self, key: str, *, content: bytes, bbox: tuple[float, float, float, float],
             resources: dict, objects: dict, group: dict | None = None) -> str:
        """A form XObject (ISO 32000-1 §8.10) made once per `key`, used on the current page;
        returns the name that paints it (the page's own). `resources` and the indirect `objects` it refers to
        (key -> value) are plain data (pdfsyntax), copied from another PDF: each object is
        written once per document however many forms use it; streams keep their encoding."""
        from reportlab.pdfbase import pdfdoc
        prefix = "Imported."
        name = self._forms.get(key)
        if name is None:
            name = self._forms[key] = f"XObject.Fm{len(self._forms) + 1}"
            for okey, value in objects.items():
                if okey in self._imported:
                    continue
                self._imported.add(okey)
                if isinstance(value, Stream):
                    d = pdfdoc.PDFDictionary({k: _Plain(v, prefix) for k, v in value.dict.items()})
                    obj = pdfdoc.PDFStream(d, content=value.data)
                else:
                    obj = _Plain(value, prefix)
                self._doc.Reference(obj, prefix + okey)
            d = {"Type": pdfdoc.PDFName("XObject"), "Subtype": pdfdoc.PDFName("Form"),
                 "BBox": pdfdoc.PDFArray([_Plain(float(v), prefix) for v in bbox]),
                 "Resources": _Plain(resources, prefix)}
            if group is not None:
                d["Group"] = _Plain(group, prefix)
            stream = pdfdoc.PDFStream(pdfdoc.PDFDictionary(d), content=content,
                                      filters=[pdfdoc.PDFZCompress])
            self._doc.Reference(stream, name)
        return self._page_xobject(name, "Fm")

    def _page_xobject(self, name: str, kind: str) -> str:
        """The current page's name ("/Im1", "/Fm1") for the XObject registered as `name`:
        numbered by first use of its `kind` within the page."""
        local = self._page_xobjects.get(name)
        if local is None:
            n = self._page_counts[kind] = self._page_counts[kind] + 1
            local = self._page_xobjects[name] = f"/{kind}{n}"
        return local

    def destination(self, key: str, top: float, *, named: bool) -> None:
        """A destination on the current page at height `top` (XYZ, left and zoom unchanged);
        `named`: also listed in the /Dests name tree under `key`."""
        dest = self._canvas.bookmarkPage(key, fit="XYZ", left=None, top=top, zoom=None)
        if named:
            self._named.append((text_string_bytes(key), dest))

    def outline_entry(self, title: str, key: str, level: int) -> None:
        self._canvas.addOutlineEntry(title, key, level=level)

    def link(self, key: str, rect: tuple[float, float, float, float]) -> None:
        """A link annotation over `rect` to the destination `key`, printable (F 4), no border."""
        self._canvas.linkAbsolute("", key, Rect=rect, thickness=0, Border="[0 0 0]", F=4)

    def end_page(self, encoded: bytes | None = None) -> bytes:
        """Finish the current page; returns its content stream as written (filtered).
        `encoded`: the stream of an earlier identical page (writer.py, PageStreams), written
        instead of what was drawn on this one; the resources the page uses (fonts, pictures,
        the registration colour) must have been used on it all the same."""
        c = self._canvas
        c.showPage()
        page = self._doc.Pages.pages[-1]
        if FAST_PAGES and type(page) is pdfdoc.PDFPage:
            page.__class__ = _Page              # (the same object, formatted faster)
        page.Resources = self._page_resources(page)
        if encoded is None:
            encoded = encode_page_stream(page.stream)
        page.Contents = _page_stream(encoded)
        page.stream = None                      # the text is not needed any more
        return encoded

    def _page_resources(self, page):
        """The page's own resource dictionary (the module docstring, "Resource names"): its
        fonts and XObjects under the names its content gives them, and what ReportLab's
        `PDFPage.check_format` puts in one besides (procedure sets, colour spaces, graphics
        states, shadings). The page's names are forgotten: the next page numbers its own."""
        r = pdfdoc.PDFResourceDictionary()
        r.Font = {n[1:]: pdfdoc.PDFObjectReference(_font_object(self._resources[f]))
                  for f, n in self._page_fonts.items()}
        r.XObject = {n[1:]: pdfdoc.PDFObjectReference(name)
                     for name, n in self._page_xobjects.items()}
        if page.hasImages:
            r.allProcs()
        else:
            r.basicProcs()
        if page.XObjects:                       # (ReportLab's own; typeset adds none)
            r.XObject.update(page.XObjects.dict)
        if page.ExtGState:
            r.ExtGState = page.ExtGState
        r.setShading(page._shadingUsed)
        r.setColorSpace(page._colorsUsed)
        self._page_fonts = {}
        self._page_xobjects = {}
        self._page_counts = {"Im": 0, "Fm": 0}
        return r

    # -- document --------------------------------------------------------------------------
    def page_label(self, index: int, style: str | None, start: int | None,
                   prefix: str | None) -> None:
        self._canvas.addPageLabel(index, style=style, start=start, prefix=prefix)

    def show_outline(self) -> None:
        self._canvas.showOutline()

    def save(self, *, content_id: bool = False, metadata_id: bytes | None = None,
             sink: BinaryIO | None = None) -> bytes | None:
        """The finished file. `content_id`: the trailer /ID is the first 16 bytes of the
        SHA-256 of the file as written with a zero identifier (and, inside the XMP stream,
        `metadata_id`, a fixed-length placeholder, as it stands); that placeholder then
        receives the same digest as a UUID. Same content, same identifier.

        `sink`: a file open for reading and writing (seekable), empty: the file is written
        there as ReportLab formats each object, never held whole (`_FileCollector`), the
        XMP identifier patched in place at the end; returns None. The same bytes as
        without (tests/test_rl.py)."""
        c = self._canvas
        if self._named:
            from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFString
            self._named.sort(key=lambda t: t[0])
            items = []
            for k, dest in self._named:
                items += [PDFString(k, enc="raw"), dest]
            c.setCatalogEntry("Names", PDFDictionary(
                {"Dests": PDFDictionary({"Names": PDFArray(items)})}))
        if tuple(self._doc._pdfVersion) != self._version:
            raise TypesetError(f"internal: ReportLab raised the PDF version to "
                               f"{self._doc._pdfVersion} (the variant needs {self._version})",
                               hint="something drawn needs a newer PDF; please report this")
        if self._saved:
            raise RuntimeError("a document is saved once")
        self._saved = True
        if content_id:
            self._doc._ID = _ID_PLACEHOLDER
        if sink is not None:
            self._save_to(sink, content_id, metadata_id)
            return None
        with _FORMAT_LOCK:           # (never while another thread's save has the collector)
            parts = c.getpdfdata()   # the file's parts, in order (see _Info.format)
        if not isinstance(parts, list):           # no _Info in this document: one part
            parts = [parts]
        self._release()
        if content_id:
            self._patch_identifier(parts, metadata_id)
        return b"".join(parts)

    def _save_to(self, sink: BinaryIO, content_id: bool, metadata_id: bytes | None) -> None:
        """`save` into `sink`: ReportLab's document formats its objects one after another
        into the collector its `format` makes (`pdfdoc.PDFFile`, looked up by name as it
        starts); for this call that name is a `_FileCollector` writing to `sink`. The
        trailer, the last part, is held back and receives the identifier; the XMP packet's
        placeholder is then overwritten where ReportLab says the object starts."""
        made: list[_FileCollector] = []

        class Collector(_FileCollector):
            pass
        Collector.sink = sink
        Collector.made = made
        with _FORMAT_LOCK:
            original = pdfdoc.PDFFile, pdfdoc.PDFIndirectObject
            pdfdoc.PDFFile, pdfdoc.PDFIndirectObject = Collector, _IndirectObject
            try:
                self._canvas.getpdfdata()
            finally:
                pdfdoc.PDFFile, pdfdoc.PDFIndirectObject = original
        self._release()
        if len(made) != 1:
            raise TypesetError("internal: ReportLab did not collect the file in its PDFFile",
                               hint="the ReportLab version is not one typeset knows; "
                                    "please report this")
        collector = made[0]
        trailer = collector.held
        if content_id:
            collector.hash.update(trailer)
            digest = collector.hash.digest()[:16]
            at = trailer.rindex(b"/ID " + _ID_PLACEHOLDER) + 4
            trailer = b"".join((trailer[:at], b"[<%s><%s>]" % (digest.hex().encode(),
                                                               digest.hex().encode()),
                                trailer[at + len(_ID_PLACEHOLDER):]))
        sink.write(trailer)
        if not content_id or metadata_id is None:
            return
        start = self._doc.idToOffset["Metadata"]
        uid = _uuid_text(digest)
        if len(uid) != len(metadata_id):
            raise ValueError("the metadata id placeholder must be as long as a UUID")
        sink.flush()
        sink.seek(start)
        part = b""
        while b"endobj" not in part:           # the XMP object (a few KB), up to its end
            more = sink.read(1 << 16)
            if not more:
                raise TypesetError("internal: the XMP object is not where ReportLab put it")
            part += more
        end = part.index(b"endobj")
        sink.seek(start)
        sink.write(part[:end].replace(metadata_id, uid))
        sink.seek(0, 2)

    def _release(self) -> None:
        """Let go of the document's objects once their bytes are made (before those bytes
        are joined into the file): the pages, their streams, fonts and pictures."""
        doc = self._doc
        doc.idToObject.clear()
        doc.Pages.pages = []
        self._named = []
        self._images.clear()
        self._forms.clear()
        self._marks.clear()
        self._icc.clear()

    def _patch_identifier(self, parts: list[bytes], metadata_id: bytes | None) -> None:
        """Replace the zero identifier in the trailer (the last part) by the first 16 bytes
        of the SHA-256 of the file as written, and `metadata_id` inside the XMP object by the
        same digest as a UUID; patches only the parts that hold them (the file is never
        copied to be patched)."""
        h = hashlib.sha256()
        for part in parts:
            h.update(part)
        digest = h.digest()[:16]
        last = parts[-1]
        at = last.rindex(b"/ID " + _ID_PLACEHOLDER) + 4
        parts[-1] = b"".join((last[:at], b"[<%s><%s>]" % (digest.hex().encode(),
                                                          digest.hex().encode()),
                              last[at + len(_ID_PLACEHOLDER):]))
        if metadata_id is None:
            return
        # only inside the XMP object: ReportLab records where each object starts
        start = self._doc.idToOffset["Metadata"]
        offset = 0
        for i, part in enumerate(parts):
            if offset == start:
                break
            offset += len(part)
        else:
            raise TypesetError("internal: the XMP object is not where ReportLab put it")
        uid = _uuid_text(digest)
        if len(uid) != len(metadata_id):
            raise ValueError("the metadata id placeholder must be as long as a UUID")
        end = part.index(b"endobj")
        parts[i] = part[:end].replace(metadata_id, uid) + part[end:]
