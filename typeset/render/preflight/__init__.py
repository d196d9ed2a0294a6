"""Preflight: the rules of PDF/X and PDF/A checked on written bytes, independently.

`preflight(data, variant)` reads a PDF with pypdf and lists every rule of the variant's
standard (variants.py) that it breaks, each with where: the page ("page 3", "page 3 > form
/Fm0"), the object ("object 12 at /Root/OpenAction"), or the part of the file ("header",
"trailer", "Info", "XMP", "output intent"). It changes nothing. The writer makes files that
pass by construction; this is the second pair of eyes: the tests run it on every variant the
writer makes and on files broken on purpose, and `typeset check --pdf FILE` runs it for the
printer. A build never imports it (nor pypdf).

This module reads the file and runs the rules; they are kept by family: `document.py` (the
file, catalog, Info, XMP, output intent), `pages.py` (boxes, annotations, the page tree),
`content.py` (colour, images, fonts, as pdfscan.py found them in the content) and
`graph.py` (what is forbidden wherever it appears in the object graph).

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
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

from typeset.errors import TypesetError
from typeset.fileread import FileTooLarge, NotRegularFile, read_limited
from typeset.render.pdfscan import (Findings, Scan, Violation, name_of, resolve, STREAM_LIMIT,
                                    StreamTooLarge, scan_stream, scan_type3_fonts)
from typeset.render.preflight.content import (_check_font, _check_images, _colour_problem,
                                              is_embedded)
from typeset.render.preflight.document import (_check_catalog, _check_file, _check_info,
                                               _check_intent, _check_xmp)
from typeset.render.preflight.graph import check_graph
from typeset.render.preflight.pages import (_check_annotations, _check_boxes, inherited,
                                            page_dicts)
from typeset.render.variants import PDF_A2U, PDF_X1A, PDF_X4, Variant

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
