"""`Document`: one PDF written through a ReportLab canvas, the page writer's only view of
ReportLab (pages and their own resource names, pictures, forms, the output intent,
destinations, outline, links, saving); see the package docstring."""
from __future__ import annotations

import hashlib
import io
from typing import BinaryIO

from reportlab.pdfbase import pdfdoc

from typeset.errors import TypesetError
from typeset.render.cidfont import FontUse
from typeset.render.pdfsyntax import Stream, serialize, text_string_bytes
from typeset.render.rl import objects
from typeset.render.rl.fonts import (PLACEHOLDER_FONT_NAME, EmbeddedFont, _font_object,
                                     register_placeholder)
from typeset.render.rl.objects import _deflated, _Page, _page_stream, encode_page_stream
from typeset.render.rl.save import (_FORMAT_LOCK, _ID_PLACEHOLDER, _FileCollector, _Info,
                                    _IndirectObject, _uuid_text)


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
        # no shared font dictionary: each page names its own fonts (the package docstring)
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
        self._held: list = []        # image streams whose content is left in a file (FileSlice)
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
        first use within the page (the package docstring, "Resource names")."""
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
              filter: str, data, decode: tuple[float, ...] | None = None,
              predictor: bool = False, icc: bytes | None = None) -> str:
        """An image XObject (ISO 32000-1 §8.9.5), made once per `key` (the same key on many
        pages is one object), used on the current page; returns the name that paints it
        (`/… Do`; the page's own name, numbered by first use within the page). `space`: DeviceGray, DeviceRGB, DeviceCMYK or ICCBased (then `icc` is the
        profile: one ICCBased stream per profile, shared by every image in it). `data` is
        already encoded by `filter` (DCTDecode or FlateDecode; `predictor`: PNG-predicted
        rows, §7.4.4.4); 8 bits per component. `data` may be left in a file
        (fileread.FileSlice): it is read as the file is written."""
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
            if type(data) is not bytes:           # left in a file (fileread.FileSlice)
                self._held.append(stream)
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
        if objects.FAST_PAGES and type(page) is pdfdoc.PDFPage:
            page.__class__ = _Page              # (the same object, formatted faster)
        page.Resources = self._page_resources(page)
        if encoded is None:
            encoded = encode_page_stream(page.stream)
        page.Contents = _page_stream(encoded)
        page.stream = None                      # the text is not needed any more
        return encoded

    def _page_resources(self, page):
        """The page's own resource dictionary (the package docstring, "Resource names"): its
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
        for stream in self._held:     # ReportLab's own formatting takes bytes only
            stream.content = stream.content.read()
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
        self._held = []
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
