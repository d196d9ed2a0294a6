"""Preflight rules of the file as a whole: its header, trailer and identifier, the catalog,
the Info dictionary, the XMP packet (read in xmp.py) and the output intent."""
from __future__ import annotations

import re

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

from typeset.errors import TypesetError
from typeset.render.pdfscan import Findings, name_of, resolve, stream_data
from typeset.render.variants import Variant, icc_header
from typeset.render.xmp import check_xmp


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
