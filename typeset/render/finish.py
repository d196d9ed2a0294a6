"""Finish: the renderer's PDF -> the printer's PDF/X or the archive's PDF/A.

Contract: `finish(raw, variant, meta)` takes the bytes `render.writer.write_pdf` produced and
returns new bytes; it never draws.  It adds what the two receivers need (journal-style.md,
"Who receives the output") and checks, on the objects it writes, the rules of the standard
(`preflight.py`, `pdfscan.py`):

* print   -> PDF/X-4 (ISO 15930-7) or, with pdfx="x1a", PDF/X-1a:2003 (ISO 15930-4)
* archive -> PDF/A-2u (ISO 19005-2, conformance level U)

What is put right here (it is ours to set): document information dictionary, XMP metadata,
output intent, /Lang, /ID, header version, TrimBox/BleedBox defaults, annotation flags, link
annotations dropped from the print file.  What is refused with a TypesetError (the renderer
should never write it, and a silent fix would hide a bug): RGB in the print file, transparency
in X-1a, fonts used for text that are not embedded, missing or incomplete ToUnicode in the
archive, encryption, JavaScript and other forbidden actions, external streams, inconsistent
page boxes.

Same inputs give the same bytes: no clock, no random numbers; the dates come from the
manifest or SOURCE_DATE_EPOCH (`document_date`), the file identifier from a content hash.

This is the only module that writes PDF with pypdf.
"""
from __future__ import annotations

import hashlib
import io
import uuid

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import (ArrayObject, ByteStringObject, DictionaryObject, FloatObject,
                           IndirectObject, NameObject, NumberObject, StreamObject,
                           TextStringObject)

from typeset.errors import TypesetError
from typeset.issueinfo import Metadata, document_date, issue_label  # noqa: F401 (Metadata re-exported)
from typeset.render.pdfscan import Findings, Scan, name_of, resolve, scan_stream, scan_type3_fonts
from typeset.render.pdfsyntax import pdf_date as _pdf_date
from typeset.render.preflight import (box_of, check_font, check_graph, inherited, inside,
                                      is_embedded, page_dicts, walk)
from typeset.render.variants import (ARCHIVE_CONDITION, CMYK_PROFILE, ICC_DIR,  # noqa: F401
                                     PRINT_CONDITION, RGB_PROFILE, OutputCondition,
                                     checked_profile as _checked_profile)
from typeset.render.xmp import NS, PdfX, Variant, build_xmp  # noqa: F401 (NS re-exported)

FINISH_VERSION = "1"          # part of the /ID hash: change when finish() output changes


def _repoint_idle_fonts(scan: Scan, findings: Findings) -> None:
    """A font that is selected (Tf) but never shows a glyph paints nothing — ReportLab's page
    preamble `BT /F1 12 Tf 14.4 TL ET` selects Helvetica on every page. If it is not embedded,
    point its resource name at an embedded font the document uses: rendering is unchanged and
    no unembedded font is left for a validator to flag."""
    used = [u.font for u in scan.fonts.values() if is_embedded(u.font)]
    for key, (font, fname, fontdict) in scan.selected.items():
        if key in scan.fonts or is_embedded(font):
            continue
        if not used:
            findings.add(f"font {fname} ({font.get('/BaseFont')}) is selected but not embedded, "
                         "and the document has no embedded font to stand in")
            continue
        ref = used[0].indirect_reference
        fontdict[NameObject(fname)] = ref if ref is not None else used[0]


def _fix_boxes(page: DictionaryObject, n: int, variant: str, findings: Findings) -> None:
    media = box_of(page.get("/MediaBox")) or box_of(inherited(page, "/MediaBox"))
    if media is None or media[2] - media[0] <= 0 or media[3] - media[1] <= 0:
        findings.add(f"page {n}: no usable MediaBox")
        return
    crop = box_of(page.get("/CropBox")) or box_of(inherited(page, "/CropBox"))
    if variant == "print":
        if "/ArtBox" in page and "/TrimBox" in page:
            findings.add(f"page {n}: both ArtBox and TrimBox (ISO 15930-7 §6.2.2)")
        if "/TrimBox" not in page:
            page[NameObject("/TrimBox")] = _arr(crop or media)
        if "/BleedBox" not in page:
            # no bleed was drawn: the bleed box is the trim box
            page[NameObject("/BleedBox")] = _arr(box_of(page["/TrimBox"]))
    trim, bleed = box_of(page.get("/TrimBox")), box_of(page.get("/BleedBox"))
    for name, b in (("TrimBox", trim), ("BleedBox", bleed), ("CropBox", crop)):
        if b is not None and (b[2] - b[0] <= 0 or b[3] - b[1] <= 0):
            findings.add(f"page {n}: {name} {list(b)} is empty")
    if trim and bleed and not inside(trim, bleed):
        findings.add(f"page {n}: TrimBox {list(trim)} is not inside BleedBox {list(bleed)}")
    if bleed and not inside(bleed, media):
        findings.add(f"page {n}: BleedBox {list(bleed)} is not inside MediaBox {list(media)}")
    if trim and not inside(trim, media):
        findings.add(f"page {n}: TrimBox {list(trim)} is not inside MediaBox {list(media)}")
    if crop and trim and not inside(trim, crop):
        findings.add(f"page {n}: TrimBox {list(trim)} is not inside CropBox {list(crop)}")


def _arr(b) -> ArrayObject:
    def num(x: float):
        return NumberObject(int(x)) if float(x).is_integer() else FloatObject(round(x, 4))
    return ArrayObject([num(x) for x in b])


# ---------------------------------------------------------------------------------------------
# finish()

def _fingerprint(raw: bytes, variant: str, pdfx: str, meta: Metadata, profile: bytes) -> bytes:
    h = hashlib.sha256()
    for part in (FINISH_VERSION, variant, pdfx if variant == "print" else "", repr(meta),
                 document_date(meta).isoformat()):
        h.update(part.encode("utf-8") + b"\0")
    h.update(hashlib.sha256(profile).digest())
    h.update(hashlib.sha256(raw).digest())
    return h.digest()


def _output_intent(writer: PdfWriter, cond: OutputCondition, subtype: str, icc: bytes,
                   n: int) -> IndirectObject:
    prof = StreamObject()
    prof.set_data(icc)
    prof[NameObject("/N")] = NumberObject(n)
    prof = prof.flate_encode(level=9)
    ref = writer._add_object(prof)
    oi = DictionaryObject({
        NameObject("/Type"): NameObject("/OutputIntent"),
        NameObject("/S"): NameObject(subtype),
        NameObject("/OutputConditionIdentifier"): TextStringObject(cond.identifier),
        NameObject("/OutputCondition"): TextStringObject(cond.condition),
        NameObject("/RegistryName"): TextStringObject(cond.registry),
        NameObject("/Info"): TextStringObject(cond.info),
        NameObject("/DestOutputProfile"): ref,
    })
    return writer._add_object(oi)


def finish(raw: bytes, variant: Variant, meta: Metadata, *, pdfx: PdfX = "x4") -> bytes:
    """Make the print (PDF/X-4 or X-1a) or archive (PDF/A-2u) file from the rendered PDF."""
    if variant not in ("print", "archive"):
        raise TypesetError(f"unknown variant {variant!r}", hint="use 'print' or 'archive'")
    if pdfx not in ("x4", "x1a"):
        raise TypesetError(f"unknown PDF/X level {pdfx!r}", hint="use 'x4' or 'x1a'")
    standard = ("PDF/X-4" if pdfx == "x4" else "PDF/X-1a:2003") if variant == "print" else "PDF/A-2u"
    try:
        reader = PdfReader(io.BytesIO(raw))
        encrypted = reader.is_encrypted
    except (PdfReadError, ValueError, KeyError) as e:
        raise TypesetError(f"the rendered PDF cannot be read: {e}",
                           hint="this is a bug in the renderer; please report it")
    if encrypted:
        raise TypesetError("the rendered PDF is encrypted; PDF/X and PDF/A forbid encryption")

    if variant == "print":
        cond = PRINT_CONDITION
        # ISO 15930-7 §6.2.4: an output-device ('prtr') profile; X-1a:2003 is PDF 1.4, whose
        # ICC support ends at version 2 (ISO 15930-4 §6.2.3).
        icc = _checked_profile(cond, space="CMYK", classes=("prtr",),
                               max_version=(4, 2) if pdfx == "x4" else (2, 4))
    else:
        cond = ARCHIVE_CONDITION
        # ISO 19005-2 §6.2.3: output or monitor profile, ICC.1:2004-10 (v4.2) at most.
        icc = _checked_profile(cond, space="RGB ", classes=("prtr", "mntr"), max_version=(4, 2))
    findings = Findings()
    root = reader.trailer["/Root"].get_object()

    # 1. Remove, on the reader's objects so the clone never copies them, what we replace or
    #    what must not be in the file.
    for key in ("/Metadata", "/OutputIntents", "/Lang"):
        root.pop(key, None)
    if variant == "print":
        root.pop("/AcroForm", None)
    names = resolve(root.get("/Names"))
    if isinstance(names, DictionaryObject):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                findings.add(f"document has {key[1:]} (forbidden by {standard})")
    for key in ("/AA", "/Perms", "/Collection", "/Requirements", "/NeedsRendering"):
        if key in root:
            findings.add(f"document catalog has {key} (forbidden by {standard})")
    pages = page_dicts(root)
    if not pages:
        findings.add("the document has no pages")
    for n, page in enumerate(pages, start=1):
        page.pop("/Trans", None)               # presentation effect; nothing to do with print
        annots = resolve(page.get("/Annots"))
        if not isinstance(annots, ArrayObject):
            continue
        if variant == "print":
            # ISO 15930-7 §6.6: annotations inside the BleedBox are not allowed (printer's
            # marks and trap networks aside); links mean nothing on paper.
            keep = ArrayObject(a for a in annots
                               if name_of(resolve(a).get("/Subtype")) in ("/PrinterMark", "/TrapNet"))
            if keep:
                page[NameObject("/Annots")] = keep
            else:
                del page["/Annots"]
        else:
            for a in annots:
                ad = resolve(a)
                sub = name_of(ad.get("/Subtype"))
                if sub in ("/3D", "/Sound", "/Movie", "/Screen", "/FileAttachment", "/RichMedia"):
                    findings.add(f"page {n}: {sub[1:]} annotation (ISO 19005-2 §6.3.1)")
                if sub not in ("/Link", "/Popup") and "/AP" not in ad:
                    findings.add(f"page {n}: {sub} annotation without appearance (ISO 19005-2 §6.3.3)")
                # ISO 19005-2 §6.3.2: Print set; Hidden, Invisible, NoView, ToggleNoView clear.
                flags = int(ad.get("/F", 0))
                ad[NameObject("/F")] = NumberObject((flags | 4) & ~(1 | 2 | 32 | 256))

    # 2. What the pages paint: colours, fonts, transparency.
    scan = Scan(findings=findings)
    for n, page in enumerate(pages, start=1):
        _fix_boxes(page, n, variant, findings)
        contents = resolve(page.get("/Contents"))
        res = resolve(inherited(page, "/Resources"))
        if isinstance(contents, (StreamObject, ArrayObject)):
            scan_stream(contents, res, reader, f"page {n}", scan, [None])
        grp = resolve(page.get("/Group"))
        if isinstance(grp, DictionaryObject) and name_of(grp.get("/S")) == "/Transparency":
            scan.transparency.append(f"page {n}: transparency group")
    scan_type3_fonts(scan, reader, "")
    for use in scan.fonts.values():
        check_font(use, need_unicode=variant == "archive", findings=findings)
    _repoint_idle_fonts(scan, findings)

    trans: list[str] = []
    check_graph(reader.trailer["/Root"], variant, pdfx, findings, trans)
    if variant == "print":
        for t in scan.rgb:
            findings.add(t)
    if variant == "print" and pdfx == "x1a":
        for t in scan.transparency + trans:
            findings.add(f"transparency: {t} (ISO 15930-4 §6.3.1: PDF/X-1a has none)")
        for t in scan.device_independent:
            findings.add(f"{t} (ISO 15930-4 §6.2.3: PDF/X-1a allows CMYK, gray and spot colour)")
    findings.raise_if_any(variant, standard)

    # 3. Write the finished file.
    writer = PdfWriter(clone_from=reader)
    digest = _fingerprint(raw, variant, pdfx, meta, icc)
    doc_uuid = str(uuid.UUID(bytes=digest[:16]))
    wroot = writer.root_object
    if variant == "archive" and scan.cmyk_resources:
        # ISO 19005-2 §6.2.4.3: DeviceCMYK under an RGB output intent needs a DefaultCMYK.
        cmyk = StreamObject()
        cmyk.set_data(_checked_profile(PRINT_CONDITION, space="CMYK", classes=("prtr",),
                                       max_version=(4, 2)))
        cmyk[NameObject("/N")] = NumberObject(4)
        cmyk_ref = writer._add_object(cmyk.flate_encode(level=9))
        default = ArrayObject([NameObject("/ICCBased"), cmyk_ref])
        _add_default_cmyk(writer, default)

    when = _pdf_date(document_date(meta))
    info = DictionaryObject({
        NameObject("/Title"): TextStringObject(meta.title),
        NameObject("/Author"): TextStringObject(meta.journal),
        NameObject("/Subject"): TextStringObject(f"{meta.journal} {issue_label(meta)}"),
        NameObject("/Creator"): TextStringObject(meta.creator),
        NameObject("/Producer"): TextStringObject(meta.producer),
        NameObject("/CreationDate"): TextStringObject(when),
        NameObject("/ModDate"): TextStringObject(when),
    })
    if variant == "print":
        # ISO 15930-7 §6.7.4 / ISO 15930-4 §6.7.5: version keys and Trapped (True or False).
        info[NameObject("/Trapped")] = NameObject("/False")
        if pdfx == "x4":
            info[NameObject("/GTS_PDFXVersion")] = TextStringObject("PDF/X-4")
        else:
            info[NameObject("/GTS_PDFXVersion")] = TextStringObject("PDF/X-1a:2003")
            info[NameObject("/GTS_PDFXConformance")] = TextStringObject("PDF/X-1a:2003")
    writer._info = info                      # replaces the cloned dictionary in place

    xmp = StreamObject()
    xmp.set_data(build_xmp(meta, variant, pdfx, doc_uuid))
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    wroot[NameObject("/Metadata")] = writer._add_object(xmp)
    wroot[NameObject("/Lang")] = TextStringObject(meta.language)
    wroot[NameObject("/OutputIntents")] = ArrayObject([_output_intent(
        writer, cond, "/GTS_PDFX" if variant == "print" else "/GTS_PDFA1", icc,
        4 if variant == "print" else 3)])
    # ISO 32000-1 §14.4: both halves equal for a file written the first time; here a content
    # hash, so the same inputs give the same identifier.
    writer._ID = ArrayObject([ByteStringObject(digest[:16]), ByteStringObject(digest[:16])])
    writer.pdf_header = {"x4": "%PDF-1.6", "x1a": "%PDF-1.4"}[pdfx] if variant == "print" else "%PDF-1.7"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_default_cmyk(writer: PdfWriter, default: ArrayObject) -> None:
    """Give every resource dictionary of the pages and their forms a /DefaultCMYK."""
    for obj, _ in walk(writer.root_object.indirect_reference):
        if not isinstance(obj, DictionaryObject):
            continue
        if "/Resources" in obj and (name_of(obj.get("/Type")) == "/Page" or name_of(obj.get("/Subtype")) == "/Form"):
            res = resolve(obj["/Resources"])
            if not isinstance(res, DictionaryObject):
                continue
            cs = resolve(res.get("/ColorSpace"))
            if not isinstance(cs, DictionaryObject):
                cs = DictionaryObject()
                res[NameObject("/ColorSpace")] = cs
            cs.setdefault(NameObject("/DefaultCMYK"), default)
