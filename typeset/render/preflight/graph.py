"""Preflight rules of the object graph: what is forbidden wherever it appears (actions,
external streams, filters, XObject kinds, transfer functions, colour spaces, transparency)."""
from __future__ import annotations

from typing import Iterator

from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from typeset.errors import TypesetError
from typeset.render.pdfscan import (Findings, colour_families, ext_transparency, name_of,
                                    resolve, stream_data)
from typeset.render.preflight.content import _colour_problem
from typeset.render.variants import RGB, Variant, icc_header


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
