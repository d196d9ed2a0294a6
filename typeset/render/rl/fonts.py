"""Fonts for ReportLab: our CID-keyed subsets as ReportLab *dynamic fonts*
(`EmbeddedFont`), the font registry (`register`: ReportLab's `pdfmetrics._fonts` and
`_dynFaceNames`) and the placeholder initial font (`_PlaceholderFont`). The protocol they
follow is described in the package docstring (typeset/render/rl/__init__.py) and pinned by
tests/test_rl.py."""
from __future__ import annotations

import hashlib
import weakref

from typeset.errors import TypesetError
from typeset.render.cidfont import FontUse, cid_font, pdf_name_token
from typeset.render.fontprogram import SubsetCache, subset_for
from typeset.render.rl.objects import _deflated
from typeset.text.fonts import FontFace


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
