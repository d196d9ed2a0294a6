"""Preflight: the rules of PDF/X and PDF/A checked on written bytes, independently.

`preflight(data, variant)` reads a PDF with pypdf and lists every rule of the variant's
standard (variants.py) that it breaks, each with where: the page ("page 3", "page 3 > form
/Fm0"), the object ("object 12 at /Root/OpenAction"), or the part of the file ("header",
"trailer", "Info", "XMP", "output intent"). It changes nothing. The writer makes files that
pass by construction; this is the second pair of eyes: the tests run it on every variant the
writer makes and on files broken on purpose, and `typeset check --pdf FILE` runs it for the
printer. A build never imports it (nor pypdf).

What it checks:
* file: header version not newer than the standard's; PDF/A: binary comment line (ISO 19005-2
  §6.1.2), `%%EOF`, a two-part /ID, no encryption (§6.1.3);
* catalog: no JavaScript, embedded files (PDF/A §6.8), /AA, /Perms, /Collection,
  /Requirements, /NeedsRendering;
* Info and XMP: the standard's Info keys (PDF/X: GTS_PDFXVersion, GTS_PDFXConformance for
  X-1a, Trapped True or False, Title, CreationDate, ModDate; ISO 15930-7 §6.7.4, ISO 15930-4
  §6.7.5); an unfiltered XMP packet with a standard xpacket header (§6.6.2.1) that claims the
  standard (pdfxid/pdfx version keys, pdfaid part and conformance, §6.6.4) and says what Info
  says (§6.6.2.3); PDF/A: every property outside the predefined schemas described by a
  pdfaExtension schema (§6.6.2.3.1);
* output intent: one of the standard's subtype with an ICC profile of the right colour space,
  device class and version, and /N to match (ISO 15930-7 §6.2.4, ISO 19005-2 §6.2.3);
* pages: PDF/X: TrimBox and BleedBox on every page, Trim ⊆ Bleed ⊆ Media, Trim ⊆ Crop, not
  both ArtBox and TrimBox (§6.2.2), no annotation inside the bleed box but printer's marks and
  trap networks (§6.6); PDF/A: annotation types (§6.3.1), flags (§6.3.2), appearance streams
  (§6.3.3);
* content (pdfscan.py): only ISO 32000-1 operators (§6.2.2), forms nested at most 28 deep;
  every font that shows text or is selected embedded (§6.2.11.4.1, ISO 15930-7 §6.3.5), a
  CIDToGIDMap for CIDFontType2 (§6.2.11.3.2); PDF/A-2u: a ToUnicode entry for every code
  shown, never U+0000, U+FEFF, U+FFFE (§6.2.11.7.2); colour spaces the variant allows (PDF/X:
  no RGB but ICC-tagged in X-4; X-1a: no device-independent colour, §6.2.3); PDF/A:
  DeviceCMYK only with a DefaultCMYK (§6.2.4.3); X-1a: no transparency (§6.3.1);
* object graph: forbidden actions and named actions (§6.5.1), /AA (§6.5.2), external streams,
  LZW and Crypt filters (§6.1.7), PostScript, OPI and reference XObjects (§6.2.9), image
  /Alternates and (PDF/A) /Interpolate (§6.2.8), /TR, /TR2, /HTP, /HTO (§6.2.5), colour
  spaces and transparency wherever they are defined, OpenType programs in X-1a.
"""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Iterator

from pypdf import PdfReader
from pypdf.errors import DependencyError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from typeset.errors import TypesetError
from typeset.fsutil import FileTooLarge, NotRegularFile, read_limited
from typeset.render.pdfscan import (Findings, FontShown, Scan, Violation, colour_families,
                                    ext_transparency, name_of, parse_tounicode, resolve,
                                    STREAM_LIMIT, StreamTooLarge, scan_stream,
                                    scan_type3_fonts, split_codes, stream_data)
from typeset.render.variants import (CMYK, ICC_CMYK, ICC_GRAY, ICC_RGB, NOT_UNICODE, PDF_A2U,
                                     PDF_X1A, PDF_X4, RGB, Variant, icc_description,
                                     icc_header)
from typeset.render.xmp import check_xmp

__all__ = ["Violation", "preflight", "check_pdf", "claimed_variant"]


#: `check --pdf` reads a file of at most this many bytes (typeset's own print files are tens
#: of MB; a larger "PDF" is refused before it is read, never loaded into memory)
PDF_LIMIT = 1 << 30

_ENCRYPTED = "the file is encrypted (PDF/X and PDF/A forbid encryption)"


def _why(err: BaseException) -> str:
    """An exception raised while reading a hostile file, as words for a violation."""
    if isinstance(err, RecursionError):
        return "objects nested too deeply to read"
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:200]}" if text else type(err).__name__


@contextlib.contextmanager
def _pypdf_limits() -> Iterator[None]:
    """pypdf's own decoding limits set to STREAM_LIMIT where this pypdf has them (7.x: its
    Configuration; older ones keep their built-in 75 MB caps or none); our own check in
    pdfscan.stream_data does not depend on them."""
    import dataclasses

    import pypdf
    apply = getattr(pypdf, "apply_configuration", None)
    config = getattr(pypdf, "Configuration", None)
    if apply is None or config is None or not dataclasses.is_dataclass(config):
        yield
        return
    names = {f.name for f in dataclasses.fields(config)}
    caps = {n: STREAM_LIMIT for n in (
        "maximum_declared_stream_length", "array_based_stream_maximum_output_length",
        "jbig2_maximum_output_length", "lzw_maximum_output_length",
        "run_length_maximum_output_length", "zlib_maximum_output_length",
        "brotli_maximum_output_length") if n in names}
    with apply(**caps):
        yield


def preflight(data: bytes, variant: Variant) -> list[Violation]:
    """Every rule of `variant`'s standard that the PDF `data` breaks (empty: none).

    Whatever the file holds, the answer is a list of violations, never an exception: a file
    pypdf cannot open, decrypt (AES-256 without the `cryptography` package) or read to the
    end (its limits on numbers, arrays and streams, a decompression bomb, objects nested past
    the recursion limit, any parser error) is itself a finding, located at the part that
    failed ("file", "trailer")."""
    findings = Findings()
    with _pypdf_limits():
        try:
            reader = PdfReader(io.BytesIO(data))
            encrypted = reader.is_encrypted
        except MemoryError:
            raise
        except DependencyError as e:            # opening tried to decrypt and could not
            if b"/Encrypt" in data:
                findings.add("trailer", f"{_ENCRYPTED}; it cannot even be opened here "
                                        f"({_why(e)})")
            else:
                findings.add("file", f"cannot be read as PDF ({_why(e)})")
            return findings.items
        except Exception as e:                  # noqa: BLE001 - a fact about the file
            findings.add("file", f"cannot be read as PDF ({_why(e)})")
            return findings.items
        if encrypted:
            findings.add("trailer", _ENCRYPTED)
            return findings.items
        try:
            _check(data, reader, variant, findings)
        except MemoryError:
            raise
        except StreamTooLarge as e:
            findings.add("file", f"cannot be checked further: {e}")
        except Exception as e:                  # noqa: BLE001 - a fact about the file
            findings.add("file", f"cannot be checked further: {_why(e)}")
    return findings.items


def _check(data: bytes, reader: PdfReader, variant: Variant, findings: Findings) -> None:
    root = reader.trailer["/Root"].get_object()
    _check_file(data, reader, variant, findings)
    _check_catalog(root, variant, findings)
    info = resolve(reader.trailer.get("/Info"))
    info = info if isinstance(info, DictionaryObject) else DictionaryObject()
    _check_info(info, variant, findings)
    if variant.metadata:
        _check_xmp(root, info, variant, findings)
    if variant.intent is not None:
        _check_intent(root, variant, findings)
    pages = page_dicts(root)
    if not pages:
        findings.add("document", "has no pages")
    scan = Scan(findings=findings)
    for n, page in enumerate(pages, start=1):
        _check_boxes(page, n, variant, findings)
        _check_annotations(page, n, variant, findings)
        contents = resolve(page.get("/Contents"))
        res = resolve(inherited(page, "/Resources"))
        if isinstance(contents, (StreamObject, ArrayObject)):
            scan_stream(contents, res, reader, f"page {n}", scan, [None])
        grp = resolve(page.get("/Group"))
        if isinstance(grp, DictionaryObject) and name_of(grp.get("/S")) == "/Transparency":
            scan.transparency.append((f"page {n}", "transparency group"))
    scan_type3_fonts(scan, reader, "")
    for use in scan.fonts.values():
        _check_font(use, need_unicode=variant.tounicode, findings=findings)
    for key, (font, fname, _) in scan.selected.items():
        if key not in scan.fonts and not is_embedded(font):
            findings.add("document", f"font {fname} ({font.get('/BaseFont')}) is selected but "
                                     "not embedded")
    for (where, what), fams in scan.colours.items():
        problem = _colour_problem(fams, variant)
        if problem:
            findings.add(where, f"{problem} ({what})")
    if variant is PDF_A2U or variant.standard.startswith("PDF/A"):
        for where, res in scan.cmyk_resources:
            spaces = resolve(res.get("/ColorSpace"))
            if not (isinstance(spaces, DictionaryObject) and "/DefaultCMYK" in spaces):
                findings.add(where, "DeviceCMYK under an RGB output intent without a "
                                    "DefaultCMYK (ISO 19005-2 §6.2.4.3)")
    _check_images(scan, variant, findings)
    transparency: list[tuple[str, str]] = list(scan.transparency)
    check_graph(reader.trailer["/Root"], variant, findings, transparency)
    if not variant.transparency:
        for where, what in transparency:
            findings.add(where, f"transparency: {what} ({variant.standard} allows none; "
                                "ISO 15930-4 §6.3.1)")


def check_pdf(path: Path | str, variant: Variant | None = None) -> tuple[Variant, list[Violation]]:
    """Preflight a file: against `variant`, else against the standard the file claims (a file
    that claims none is checked as PDF/X-4, and told so)."""
    shown = str(path).replace("\0", "\\0")
    try:
        data = read_limited(path, PDF_LIMIT)
    except NotRegularFile as e:
        raise TypesetError(f"this is {e.kind}, not a regular file: check --pdf reads only a "
                           "PDF file", file=shown, hint="give the path of a PDF file") from None
    except FileTooLarge as e:
        raise TypesetError(f"the file is {e.size / 1048576:.0f} MB; check --pdf reads files "
                           f"of at most {PDF_LIMIT >> 20} MB", file=shown,
                           hint="check that this is the PDF you meant") from None
    except (OSError, ValueError) as e:
        raise TypesetError(f"cannot read the PDF: {getattr(e, 'strerror', None) or e}",
                           file=shown, hint="give the path of a PDF file") from None
    if not data.startswith(b"%PDF-"):
        raise TypesetError("not a PDF file (no %PDF- header)", file=str(path),
                           hint="give the path of a PDF file")
    claimed = claimed_variant(data)
    if variant is None:
        variant = claimed or PDF_X4
    found = preflight(data, variant)
    if claimed is None:
        found.insert(0, Violation("document", f"claims no PDF/X or PDF/A conformance (checked "
                                              f"as {variant.standard})"))
    return variant, found


def claimed_variant(data: bytes) -> Variant | None:
    """The variant a file claims to be, from its Info GTS_PDFXVersion or XMP pdfaid."""
    try:
        with _pypdf_limits():
            reader = PdfReader(io.BytesIO(data))
            info = resolve(reader.trailer.get("/Info")) or {}
            version = str(info.get("/GTS_PDFXVersion", ""))
    except MemoryError:
        raise
    except Exception:                           # noqa: BLE001 - preflight says what it is
        return None
    if version.startswith("PDF/X-4"):
        return PDF_X4
    if version.startswith("PDF/X-1a"):
        return PDF_X1A
    if re.search(rb"pdfaid:part[>=\"']+\s*2", data):
        return PDF_A2U
    return None


# ---------------------------------------------------------------------------------------------
# File, catalog, Info

def _check_file(data: bytes, reader: PdfReader, variant: Variant, findings: Findings) -> None:
    m = re.match(rb"%PDF-(\d)\.(\d)", data)
    if m is None:
        findings.add("header", "no %PDF-M.m header")
    elif (int(m.group(1)), int(m.group(2))) > variant.version:
        findings.add("header", f"PDF {m.group(1).decode()}.{m.group(2).decode()} is newer than "
                               f"{variant.standard} allows ({variant.version[0]}."
                               f"{variant.version[1]})")
    if variant.standard.startswith("PDF/A"):
        lines = data.split(b"\n", 2)
        second = lines[1] if len(lines) > 1 else b""
        if not (second.startswith(b"%") and sum(b > 127 for b in second[1:5]) == 4):
            findings.add("header", "no comment of four bytes above 127 after the header "
                                   "(ISO 19005-2 §6.1.2)")
        if not data.rstrip().endswith(b"%%EOF"):
            findings.add("trailer", "the file does not end with %%EOF (ISO 19005-2 §6.1.3)")
    ids = resolve(reader.trailer.get("/ID"))
    if not (isinstance(ids, ArrayObject) and len(ids) == 2):
        findings.add("trailer", "no two-part file identifier /ID (ISO 19005-2 §6.1.3, "
                                "ISO 15930-7 §6.7.1)")


_FORBIDDEN_CATALOG = ("/AA", "/Perms", "/Collection", "/Requirements", "/NeedsRendering")


def _check_catalog(root: DictionaryObject, variant: Variant, findings: Findings) -> None:
    names = resolve(root.get("/Names"))
    if isinstance(names, DictionaryObject):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                findings.add("catalog", f"has {key[1:]} (forbidden by {variant.standard})")
    for key in _FORBIDDEN_CATALOG:
        if key in root:
            findings.add("catalog", f"has {key} (forbidden by {variant.standard})")


def _check_info(info: DictionaryObject, variant: Variant, findings: Findings) -> None:
    for key, value in variant.info:
        got = info.get("/" + key)
        if key == "Trapped":
            continue                 # True or False, checked below; typeset writes False
        if got is None:
            findings.add("Info", f"no /{key} (it must be {value!s})")
        elif str(got).lstrip("/") != str(value):
            findings.add("Info", f"/{key} is {got}, not {value}")
    if variant.standard.startswith("PDF/X"):
        for key in ("/Title", "/CreationDate", "/ModDate"):
            if not info.get(key):
                findings.add("Info", f"no {key} (ISO 15930-7 §6.7.4)")
        if str(info.get("/Trapped", "")) not in ("/True", "/False"):
            findings.add("Info", "/Trapped must be /True or /False (ISO 15930-7 §6.7.4)")


# ---------------------------------------------------------------------------------------------
# XMP (ISO 19005-2 §6.6): the packet is read in xmp.py

def _check_xmp(root: DictionaryObject, info: DictionaryObject, variant: Variant,
               findings: Findings) -> None:
    meta = resolve(root.get("/Metadata"))
    if not isinstance(meta, StreamObject):
        findings.add("XMP", "no metadata stream in the catalog (ISO 19005-2 §6.6.2.1, "
                            "ISO 15930-7 §6.7.2)")
        return
    if "/Filter" in meta:
        findings.add("XMP", "the metadata stream is filtered (ISO 19005-2 §6.6.2.1)")
    for message in check_xmp(stream_data(meta), {k: str(v) for k, v in info.items()}, variant):
        findings.add("XMP", message)


# ---------------------------------------------------------------------------------------------
# Output intent

def _check_intent(root: DictionaryObject, variant: Variant, findings: Findings) -> None:
    intent = variant.intent
    arr = resolve(root.get("/OutputIntents"))
    mine = [resolve(o) for o in (arr if isinstance(arr, ArrayObject) else [])
            if isinstance(resolve(o), DictionaryObject) and name_of(resolve(o).get("/S")) == intent.subtype]
    if len(mine) != 1:
        findings.add("output intent", f"{len(mine)} output intents of subtype {intent.subtype}; "
                                      "exactly one is needed (ISO 15930-7 §6.2.4, ISO 19005-2 §6.2.3)")
        return
    oi = mine[0]
    if not oi.get("/OutputConditionIdentifier"):
        findings.add("output intent", "no OutputConditionIdentifier")
    prof = resolve(oi.get("/DestOutputProfile"))
    if not isinstance(prof, StreamObject):
        findings.add("output intent", "no DestOutputProfile (an ICC profile is needed)")
        return
    try:
        h = icc_header(stream_data(prof))
    except TypesetError as e:
        findings.add("output intent", f"DestOutputProfile: {e.message}")
        return
    if h.colour_space != intent.space or h.device_class not in intent.classes \
            or h.version > intent.max_version:
        findings.add("output intent", f"the profile is {h.colour_space!r}/{h.device_class!r} "
                                      f"v{h.version[0]}.{h.version[1]}; {variant.standard} needs "
                                      f"{intent.space!r} in {intent.classes}, at most "
                                      f"v{intent.max_version[0]}.{intent.max_version[1]}")
    if int(prof.get("/N", 0)) != h.components:
        findings.add("output intent", f"/N {prof.get('/N')} does not match the profile's "
                                      f"{h.components} components")


# ---------------------------------------------------------------------------------------------
# Pages: boxes and annotations

def _check_boxes(page: DictionaryObject, n: int, variant: Variant, findings: Findings) -> None:
    where = f"page {n}"
    media = box_of(page.get("/MediaBox")) or box_of(inherited(page, "/MediaBox"))
    if media is None or media[2] - media[0] <= 0 or media[3] - media[1] <= 0:
        findings.add(where, "no usable MediaBox")
        return
    crop = box_of(page.get("/CropBox")) or box_of(inherited(page, "/CropBox"))
    if variant.page_boxes:
        if "/ArtBox" in page and "/TrimBox" in page:
            findings.add(where, "both ArtBox and TrimBox (ISO 15930-7 §6.2.2)")
        for key in ("/TrimBox", "/BleedBox"):
            if key not in page:
                findings.add(where, f"no {key[1:]} (ISO 15930-7 §6.2.2)")
    trim, bleed = box_of(page.get("/TrimBox")), box_of(page.get("/BleedBox"))
    for name, b in (("TrimBox", trim), ("BleedBox", bleed), ("CropBox", crop)):
        if b is not None and (b[2] - b[0] <= 0 or b[3] - b[1] <= 0):
            findings.add(where, f"{name} {list(b)} is empty")
    if trim and bleed and not inside(trim, bleed):
        findings.add(where, f"TrimBox {list(trim)} is not inside BleedBox {list(bleed)}")
    if bleed and not inside(bleed, media):
        findings.add(where, f"BleedBox {list(bleed)} is not inside MediaBox {list(media)}")
    if trim and not inside(trim, media):
        findings.add(where, f"TrimBox {list(trim)} is not inside MediaBox {list(media)}")
    if crop and trim and not inside(trim, crop):
        findings.add(where, f"TrimBox {list(trim)} is not inside CropBox {list(crop)}")


_PDFA_FORBIDDEN_ANNOTS = ("/3D", "/Sound", "/Movie", "/Screen", "/FileAttachment", "/RichMedia")


def _check_annotations(page: DictionaryObject, n: int, variant: Variant,
                       findings: Findings) -> None:
    annots = resolve(page.get("/Annots"))
    if not isinstance(annots, ArrayObject):
        return
    where = f"page {n}"
    area = (box_of(page.get("/BleedBox")) or box_of(page.get("/TrimBox"))
            or box_of(inherited(page, "/MediaBox")))
    for a in annots:
        ad = resolve(a)
        if not isinstance(ad, DictionaryObject):
            continue
        sub = name_of(ad.get("/Subtype"))
        label = f"{where}: {sub[1:] if sub else 'an'} annotation"
        if variant.standard.startswith("PDF/X") and sub not in ("/PrinterMark", "/TrapNet"):
            rect = box_of(ad.get("/Rect"))
            if rect is None or area is None or _overlap(rect, area):
                findings.add(label, "inside the bleed box (ISO 15930-7 §6.6: printer's marks "
                                    "and trap networks only)")
        if variant.standard.startswith("PDF/A"):
            if sub in _PDFA_FORBIDDEN_ANNOTS:
                findings.add(label, "is forbidden (ISO 19005-2 §6.3.1)")
            if sub not in ("/Link", "/Popup") and "/AP" not in ad:
                findings.add(label, "has no appearance stream (ISO 19005-2 §6.3.3)")
            flags = int(ad.get("/F", 0))
            if not flags & 4 or flags & (1 | 2 | 32 | 256):
                findings.add(label, f"flags {flags}: Print must be set, Hidden, Invisible, "
                                    "NoView and ToggleNoView clear (ISO 19005-2 §6.3.2)")


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# ---------------------------------------------------------------------------------------------
# Colour

def _colour_problem(fams: frozenset[str] | set[str], variant: Variant) -> str | None:
    """Why colour of these models (pdfscan.colour_families) may not be in `variant`."""
    icc = bool(fams & {"icc", "cal"})
    if "rgb" in fams and not (variant.allows(ICC_RGB) if icc else variant.allows(RGB)):
        return "RGB colour"
    if fams & {"icc", "lab", "cal"} and not any(
            variant.allows(c) for c in (ICC_GRAY, ICC_RGB, ICC_CMYK)):
        return ("device-independent colour (ISO 15930-4 §6.2.3: PDF/X-1a allows CMYK, gray "
                "and spot colour only)")
    if "cmyk" in fams and not icc and not variant.allows(CMYK) \
            and not variant.standard.startswith("PDF/A"):       # PDF/A: see DefaultCMYK
        return "CMYK colour"
    return None


# ---------------------------------------------------------------------------------------------
# Images (ISO 32000-1 §8.9.5; ISO 19005-2 §6.2.8; ISO 15930-4 §6.3)

_INTENTS = {"/RelativeColorimetric", "/AbsoluteColorimetric", "/Perceptual", "/Saturation"}


def _filters(stream: StreamObject) -> list[str | None]:
    f = resolve(stream.get("/Filter"))
    return [name_of(x) for x in f] if isinstance(f, ArrayObject) else [name_of(f)] if f else []


def _check_images(scan: Scan, variant: Variant, findings: Findings) -> None:
    """Every painted image: bits per component and JPEG 2000 as the standard's PDF version
    allows, its rendering intent, PDF/A's JPEG 2000 limits, and typeset's archive rule
    (pictures in sRGB or grey only)."""
    pdfa = variant.standard.startswith("PDF/A")
    done: set[tuple[str, int]] = set()
    for where, xname, xo in scan.images:
        if (where, id(xo)) in done:
            continue
        done.add((where, id(xo)))
        label = f"{where}: image {xname}"
        filters = _filters(xo)
        bpc = resolve(xo.get("/BitsPerComponent"))
        bpc = int(bpc) if bpc is not None else None
        if "/JPXDecode" in filters:
            if variant.version < (1, 5):
                findings.add(label, f"JPEG 2000 (JPXDecode) needs PDF 1.5; {variant.standard} is "
                                    f"PDF {variant.version[0]}.{variant.version[1]}")
            elif pdfa:
                _check_jpx(xo, label, findings)
        elif bpc is not None and bpc not in (1, 2, 4, 8, 16):
            findings.add(label, f"BitsPerComponent {bpc} (1, 2, 4, 8 or 16; ISO 19005-2 §6.2.8)")
        if bpc == 16 and variant.version < (1, 5):
            findings.add(label, f"16 bits per component need PDF 1.5 (ISO 32000-1 §8.9.5.1); "
                                f"{variant.standard} is PDF {variant.version[0]}."
                                f"{variant.version[1]}")
        intent = name_of(xo.get("/Intent"))
        if "/Intent" in xo and intent not in _INTENTS:
            findings.add(label, f"rendering intent {xo.get('/Intent')} is not one of the four "
                                "standard intents (ISO 32000-1 §8.6.5.8)")
        if pdfa and not xo.get("/ImageMask"):
            cs = xo.get("/ColorSpace")
            fams = colour_families(cs)
            if fams - {"gray", "rgb", "icc"}:
                shown = "CMYK" if "cmyk" in fams else "Lab" if "lab" in fams else \
                    "a spot colour" if "sep" in fams else "/".join(sorted(fams))
                findings.add(label, f"in {shown}: typeset's archive holds pictures in sRGB or grey "
                                    "only (stricter than PDF/A-2u)")
            elif "icc" in fams and "rgb" in fams:
                csv = resolve(cs)
                prof = resolve(csv[1]) if isinstance(csv, ArrayObject) and len(csv) > 1 else None
                desc = icc_description(stream_data(prof)) if isinstance(prof, StreamObject) else ""
                if "srgb" not in desc.lower():
                    findings.add(label, f"in an RGB space that is not sRGB ({desc or 'no name'}): "
                                        "typeset's archive holds pictures in sRGB or grey only "
                                        "(stricter than PDF/A-2u)")


def _check_jpx(xo: StreamObject, label: str, findings: Findings) -> None:
    """ISO 19005-2 §6.2.8.3: 1, 3 or 4 channels of one bit depth (1-38); of several colour
    specifications exactly one with APPROX 1, with METH 1, 2 or 3."""
    from typeset.render.pictures.jpx import read_jpx
    try:
        facts = read_jpx(xo._data)
    except ValueError as e:
        findings.add(label, f"JPEG 2000 data cannot be read ({e})")
        return
    if facts.channels not in (1, 3, 4):
        findings.add(label, f"JPEG 2000 with {facts.channels} channels (1, 3 or 4; ISO 19005-2 "
                            "§6.2.8.3)")
    if len(set(facts.depths)) > 1 or any(not 1 <= d <= 38 for d in facts.depths):
        findings.add(label, f"JPEG 2000 bit depths {facts.depths} (one depth of 1 to 38 for "
                            "all channels; ISO 19005-2 §6.2.8.3)")
    colr = facts.colr
    used = colr if len(colr) <= 1 else [c for c in colr if c[1] == 1]
    if len(colr) > 1 and len(used) != 1:
        findings.add(label, "JPEG 2000 with several colour specifications, not exactly one with "
                            "APPROX 1 (ISO 19005-2 §6.2.8.3)")
    elif used and used[0][0] not in (1, 2, 3):
        findings.add(label, f"JPEG 2000 colour specification METH {used[0][0]} (1, 2 or 3; "
                            "ISO 19005-2 §6.2.8.3)")


# ---------------------------------------------------------------------------------------------
# Fonts (ISO 19005-2 §6.2.11, ISO 15930-7 §6.3)

def _check_font(use: FontShown, need_unicode: bool, findings: Findings) -> None:
    f = use.font
    sub = name_of(f.get("/Subtype"))
    base = str(resolve(f.get("/BaseFont", "")) or "")
    label = f"font {use.name} ({base or sub})"
    where = use.where
    width, ranges = 1, []
    if sub == "/Type0":
        desc_fonts = resolve(f.get("/DescendantFonts"))
        cid = resolve(desc_fonts[0]) if isinstance(desc_fonts, ArrayObject) and desc_fonts else None
        if not isinstance(cid, DictionaryObject):
            findings.add(where, f"{label}: Type0 font without a descendant CIDFont")
            return
        csub = name_of(cid.get("/Subtype"))
        fd = resolve(cid.get("/FontDescriptor"))
        prog = ("/FontFile2",) if csub == "/CIDFontType2" else ("/FontFile3",)
        if not isinstance(fd, DictionaryObject) or not any(k in fd for k in prog):
            findings.add(where, f"{label}: font program not embedded (ISO 19005-2 §6.2.11.4.1)")
        if csub == "/CIDFontType2" and "/CIDToGIDMap" not in cid:
            findings.add(where, f"{label}: CIDFontType2 without CIDToGIDMap (ISO 19005-2 §6.2.11.3.2)")
        enc = resolve(f.get("/Encoding"))
        width = 2
        if isinstance(enc, StreamObject):
            ranges, _ = parse_tounicode(stream_data(enc))
        elif name_of(enc) not in ("/Identity-H", "/Identity-V"):
            if need_unicode:
                findings.add(where, f"{label}: CMap {enc} cannot be checked; use Identity-H or embed it")
    elif sub == "/Type3":
        pass      # glyphs are content streams: nothing to embed (ISO 19005-2 §6.2.11.4.1)
    else:
        fd = resolve(f.get("/FontDescriptor"))
        if not isinstance(fd, DictionaryObject) or not any(
                k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            findings.add(where, f"{label}: font program not embedded (ISO 19005-2 §6.2.11.4.1, "
                         "ISO 15930-7 §6.3.5)")
    if not need_unicode:
        return
    tu = resolve(f.get("/ToUnicode"))
    if not isinstance(tu, StreamObject):
        findings.add(where, f"{label}: no ToUnicode CMap (ISO 19005-2 §6.2.11.7.2, level U)")
        return
    tu_ranges, mapping = parse_tounicode(stream_data(tu))
    missing, bad = [], []
    for s in sorted(use.codes):
        for code in split_codes(s, ranges or tu_ranges, width):
            u = mapping.get(code)
            if u is None:
                missing.append(code.hex())
            elif not u or not NOT_UNICODE.isdisjoint(u):
                bad.append(code.hex())
    if missing:
        findings.add(where, f"{label}: ToUnicode has no entry for code(s) {', '.join(sorted(set(missing))[:8])}"
                     " (ISO 19005-2 §6.2.11.7.2)")
    if bad:
        findings.add(where, f"{label}: ToUnicode maps code(s) {', '.join(sorted(set(bad))[:8])} to "
                     "U+0000/U+FEFF/U+FFFE or nothing (ISO 19005-2 §6.2.11.7.2)")


def is_embedded(font: DictionaryObject) -> bool:
    sub = name_of(font.get("/Subtype"))
    if sub == "/Type3":
        return True
    if sub == "/Type0":
        d = resolve(font.get("/DescendantFonts"))
        font = resolve(d[0]) if isinstance(d, ArrayObject) and d else DictionaryObject()
    fd = resolve(font.get("/FontDescriptor"))
    return isinstance(fd, DictionaryObject) and any(
        k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3"))


# ---------------------------------------------------------------------------------------------
# The object graph: things forbidden wherever they appear

_FORBIDDEN_ACTIONS = {"/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/Hide",
                      "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView", "/JavaScript",
                      "/GoToE", "/RichMediaExecute"}
_ALLOWED_NAMED = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}


def walk(root) -> Iterator[tuple[DictionaryObject | ArrayObject, str]]:
    """Every dictionary and array reachable from `root`, each indirect object once, with
    where it is: "object N at /Root/…" (N: the nearest enclosing indirect object)."""
    seen: set[int] = set()
    todo = [(root, "", None)]
    while todo:
        obj, path, num = todo.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            num = obj.idnum
            obj = obj.get_object()
        where = f"object {num} at {path or '/'}" if num is not None else (path or "/")
        if isinstance(obj, DictionaryObject):
            yield obj, where
            for k, v in obj.items():
                if k in ("/Parent", "/P", "/Prev", "/Last"):      # back links: reached anyway
                    continue
                if isinstance(v, (IndirectObject, DictionaryObject, ArrayObject)):
                    todo.append((v, f"{path}{k}", num))
        elif isinstance(obj, ArrayObject):
            yield obj, where
            for v in obj:
                if isinstance(v, (IndirectObject, DictionaryObject, ArrayObject)):
                    todo.append((v, path, num))


def check_graph(root, variant: Variant, findings: Findings,
                trans: list[tuple[str, str]]) -> None:
    pdfx = variant.standard.startswith("PDF/X")
    pdfa = variant.standard.startswith("PDF/A")
    for obj, where in walk(root):
        if "/OutputIntents" in where:
            continue                     # the intent's profile is not content colour
        if isinstance(obj, ArrayObject):
            # a colour space array anywhere (resources, images, shadings, groups)
            if obj and name_of(obj[0]) in ("/ICCBased", "/CalRGB", "/Indexed", "/Separation",
                                          "/DeviceN", "/Lab", "/CalGray"):
                problem = _colour_problem(colour_families(obj), variant)
                if problem:
                    findings.add(where, f"{problem}: colour space {obj[0]}")
                elif name_of(obj[0]) == "/ICCBased" and len(obj) > 1:
                    _check_icc_space(resolve(obj[1]), where, findings)
            for v in obj:
                if name_of(v) == "/DeviceRGB" and not variant.allows(RGB):
                    findings.add(where, "RGB colour: colour space /DeviceRGB")
            continue
        d = obj
        for k, v in d.items():
            if name_of(v) == "/DeviceRGB" and k != "/Alternate" and not variant.allows(RGB):
                findings.add(where, f"RGB colour: colour space /DeviceRGB as {k}")
        if isinstance(d, StreamObject):
            for k in ("/F", "/FFilter", "/FDecodeParms"):
                if k in d:
                    findings.add(where, f"a stream refers to an external file ({k}; "
                                        "ISO 19005-2 §6.1.7.1)")
            filters = resolve(d.get("/Filter"))
            names = [name_of(x) for x in filters] if isinstance(filters, ArrayObject) else [name_of(filters)]
            if "/LZWDecode" in names:
                findings.add(where, "LZWDecode filter (ISO 19005-2 §6.1.7.2)")
            if "/Crypt" in names:
                findings.add(where, "Crypt filter (ISO 19005-2 §6.1.7.2)")
        sub = name_of(d.get("/Subtype"))
        if sub == "/OpenType" and variant.version < (1, 6):
            findings.add(where, f"OpenType font program needs PDF 1.6; {variant.standard} is "
                                f"PDF {variant.version[0]}.{variant.version[1]}")
        if name_of(d.get("/Type")) == "/XObject" or sub in ("/PS", "/Image", "/Form"):
            if sub == "/PS" or "/PS" in d or "/OPI" in d or "/Ref" in d:
                findings.add(where, "PostScript, OPI or reference XObject (ISO 19005-2 §6.2.9)")
            if sub == "/Image":
                if "/Alternates" in d:
                    findings.add(where, "image with /Alternates (ISO 19005-2 §6.2.8)")
                if d.get("/Interpolate") and pdfa:
                    findings.add(where, "image with /Interpolate true (ISO 19005-2 §6.2.8)")
        s = name_of(d.get("/S"))
        if s is not None and (name_of(d.get("/Type")) == "/Action" or where.endswith(("/A", "/Next"))
                              or "/JS" in d):
            if s in _FORBIDDEN_ACTIONS:
                findings.add(where, f"{s[1:]} action (ISO 19005-2 §6.5.1)")
            elif s == "/Named" and name_of(d.get("/N")) not in _ALLOWED_NAMED:
                findings.add(where, f"named action {d.get('/N')} (ISO 19005-2 §6.5.1)")
            elif s in ("/GoToR", "/SubmitForm") and pdfx:
                findings.add(where, f"{s[1:]} action")
        if "/JS" in d:
            findings.add(where, "JavaScript")
        if "/AA" in d:
            findings.add(where, "additional actions /AA (ISO 19005-2 §6.5.2)")
        states = resolve(d.get("/ExtGState"))
        if isinstance(states, DictionaryObject):          # a resource dictionary
            for gname, gs in states.items():
                gs = resolve(gs)
                if not isinstance(gs, DictionaryObject):
                    continue
                at = f"{where}/ExtGState{gname}"
                if "/TR" in gs:
                    findings.add(at, "transfer function /TR (ISO 19005-2 §6.2.5)")
                if "/TR2" in gs and name_of(gs["/TR2"]) != "/Default":
                    findings.add(at, "transfer function /TR2 (ISO 19005-2 §6.2.5)")
                if "/HTP" in gs or "/HTO" in gs:
                    findings.add(at, "/HTP or /HTO (ISO 19005-2 §6.2.5)")
                for t in ext_transparency(gs):
                    trans.append((at, t))
        if sub == "/Image" and ("/SMask" in d or int(resolve(d.get("/SMaskInData", 0)) or 0) > 0):
            trans.append((where, "image with soft mask"))
        if name_of(d.get("/S")) == "/Transparency" and where.endswith("/Group"):
            trans.append((where, "transparency group"))


def _check_icc_space(stream, where: str, findings: Findings) -> None:
    """An ICCBased colour space's profile: a readable ICC profile of the colour space /N
    says, of a version up to ICC.1:2004-10 (4.2; ISO 19005-2 §6.2.4.2, ISO 15930-7 §6.2.3)."""
    if not isinstance(stream, StreamObject):
        findings.add(where, "ICCBased colour space without a profile stream")
        return
    try:
        h = icc_header(stream_data(stream))
    except TypesetError as e:
        findings.add(where, f"ICCBased profile: {e.message}")
        return
    n = int(resolve(stream.get("/N", 0)) or 0)
    if h.components != n:
        findings.add(where, f"ICCBased /N {n} does not match its {h.colour_space.strip()} "
                            f"profile ({h.components} components)")
    if h.version > (4, 2):
        findings.add(where, f"ICC profile version {h.version[0]}.{h.version[1]} is newer than "
                            "ICC.1:2004-10 (4.2) admits (ISO 19005-2 §6.2.4.2, ISO 15930-7)")


# ---------------------------------------------------------------------------------------------
# Page tree and boxes (ISO 15930-7 §6.2.2, ISO 32000-1 §14.11.2)

def box_of(v) -> tuple[float, float, float, float] | None:
    v = resolve(v)
    if not isinstance(v, ArrayObject) or len(v) != 4:
        return None
    x0, y0, x1, y1 = (float(resolve(x)) for x in v)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def inside(inner, outer, tol: float = 0.01) -> bool:
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol
            and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


def page_dicts(root: DictionaryObject) -> list[DictionaryObject]:
    """The leaf /Page dictionaries in order, as stored."""
    out: list[DictionaryObject] = []
    seen: set[int] = set()

    def visit(node, depth: int) -> None:
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                return
            seen.add(node.idnum)
        node = resolve(node)
        if not isinstance(node, DictionaryObject) or depth > 64:
            return
        if name_of(node.get("/Type")) == "/Pages" or "/Kids" in node:
            for kid in resolve(node.get("/Kids", ArrayObject())):
                visit(kid, depth + 1)
        else:
            out.append(node)

    visit(root.raw_get("/Pages") if "/Pages" in root else None, 0)
    return out


def inherited(page: DictionaryObject, key: str):
    node = page
    for _ in range(64):
        if key in node:
            return node[key]
        parent = resolve(node.get("/Parent"))
        if not isinstance(parent, DictionaryObject):
            return None
        node = parent
    return None
