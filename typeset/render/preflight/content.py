"""Preflight rules of what the pages' content uses (found by pdfscan.py): colour, images
and fonts."""
from __future__ import annotations

from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

from typeset.render.pdfscan import (Findings, FontShown, Scan, colour_families, name_of,
                                    parse_tounicode, resolve, split_codes, stream_data)
from typeset.render.variants import (CMYK, ICC_CMYK, ICC_GRAY, ICC_RGB, NOT_UNICODE, RGB,
                                     Variant, icc_description)


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
