"""Preflight: the rules of PDF/X and PDF/A checked on written bytes (pypdf).

The checks of fonts (ISO 19005-2 §6.2.11, ISO 15930-7 §6.3), of everything reachable in the
object graph (actions, external streams, transfer functions, colour spaces, transparency)
and of page boxes (ISO 15930-7 §6.2.2). Used by the tests and `typeset check --pdf`, never by
a build.
"""
from __future__ import annotations

from typing import Iterator

from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from typeset.render.pdfscan import (Findings, FontShown, colour_families, ext_transparency,
                                    name_of, parse_tounicode, resolve, split_codes)

# ---------------------------------------------------------------------------------------------
# Fonts (ISO 19005-2 §6.2.11, ISO 15930-7 §6.3)

NEVER_UNICODE = {"\u0000", "\ufeff", "\ufffe"}


def check_font(use: FontShown, need_unicode: bool, findings: Findings) -> None:
    f = use.font
    sub = name_of(f.get("/Subtype"))
    base = str(resolve(f.get("/BaseFont", "")) or "")
    label = f"font {use.name} ({base or sub}), first used at {use.where}"
    width, ranges = 1, []
    if sub == "/Type0":
        desc_fonts = resolve(f.get("/DescendantFonts"))
        cid = resolve(desc_fonts[0]) if isinstance(desc_fonts, ArrayObject) and desc_fonts else None
        if not isinstance(cid, DictionaryObject):
            findings.add(f"{label}: Type0 font without a descendant CIDFont")
            return
        csub = name_of(cid.get("/Subtype"))
        fd = resolve(cid.get("/FontDescriptor"))
        prog = ("/FontFile2",) if csub == "/CIDFontType2" else ("/FontFile3",)
        if not isinstance(fd, DictionaryObject) or not any(k in fd for k in prog):
            findings.add(f"{label}: font program not embedded (ISO 19005-2 §6.2.11.4.1)")
        if csub == "/CIDFontType2" and "/CIDToGIDMap" not in cid:
            findings.add(f"{label}: CIDFontType2 without CIDToGIDMap (ISO 19005-2 §6.2.11.3.2)")
        enc = resolve(f.get("/Encoding"))
        width = 2
        if isinstance(enc, StreamObject):
            ranges, _ = parse_tounicode(enc.get_data())
        elif name_of(enc) not in ("/Identity-H", "/Identity-V"):
            if need_unicode:
                findings.add(f"{label}: CMap {enc} cannot be checked; use Identity-H or embed it")
    elif sub == "/Type3":
        pass      # glyphs are content streams: nothing to embed (ISO 19005-2 §6.2.11.4.1)
    else:
        fd = resolve(f.get("/FontDescriptor"))
        if not isinstance(fd, DictionaryObject) or not any(
                k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            findings.add(f"{label}: font program not embedded (ISO 19005-2 §6.2.11.4.1, "
                         "ISO 15930-7 §6.3.5)")
    if not need_unicode:
        return
    tu = resolve(f.get("/ToUnicode"))
    if not isinstance(tu, StreamObject):
        findings.add(f"{label}: no ToUnicode CMap (ISO 19005-2 §6.2.11.7.2, level U)")
        return
    tu_ranges, mapping = parse_tounicode(tu.get_data())
    missing, bad = [], []
    for s in sorted(use.codes):
        for code in split_codes(s, ranges or tu_ranges, width):
            u = mapping.get(code)
            if u is None:
                missing.append(code.hex())
            elif not u or any(ch in NEVER_UNICODE for ch in u):
                bad.append(code.hex())
    if missing:
        findings.add(f"{label}: ToUnicode has no entry for code(s) {', '.join(sorted(set(missing))[:8])}"
                     " (ISO 19005-2 §6.2.11.7.2)")
    if bad:
        findings.add(f"{label}: ToUnicode maps code(s) {', '.join(sorted(set(bad))[:8])} to "
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
    """Every dictionary and array reachable from `root`, each indirect object once."""
    seen: set[int] = set()
    todo = [(root, "")]
    while todo:
        obj, path = todo.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            yield obj, path
            for k, v in obj.items():
                if k in ("/Parent", "/P", "/Prev", "/Last"):      # back links: reached anyway
                    continue
                if isinstance(v, (IndirectObject, DictionaryObject, ArrayObject)):
                    todo.append((v, f"{path}{k}"))
        elif isinstance(obj, ArrayObject):
            yield obj, path
            for v in obj:
                if isinstance(v, (IndirectObject, DictionaryObject, ArrayObject)):
                    todo.append((v, path))


def check_graph(root, variant: str, pdfx: str, findings: Findings, trans: list[str]) -> None:
    for obj, path in walk(root):
        if isinstance(obj, ArrayObject):
            # a colour space array anywhere (resources, images, shadings, groups)
            if obj and name_of(obj[0]) in ("/ICCBased", "/CalRGB", "/Indexed", "/Separation",
                                          "/DeviceN", "/Lab", "/CalGray"):
                fams = colour_families(obj)
                if variant == "print" and "rgb" in fams and "/OutputIntents" not in path:
                    findings.add(f"RGB colour space {obj[0]} at {path or '/'}")
                if variant == "print" and pdfx == "x1a" and fams & {"icc", "lab", "cal"} \
                        and "/OutputIntents" not in path:
                    findings.add(f"device-independent colour space {obj[0]} at {path or '/'} "
                                 "(PDF/X-1a allows CMYK, gray and spot colour only)")
            if variant == "print":
                for v in obj:
                    if name_of(v) in ("/DeviceRGB", "/CalRGB"):
                        findings.add(f"RGB colour space {v} at {path or '/'}")
            continue
        d = obj
        for k, v in d.items():
            if variant == "print" and name_of(v) in ("/DeviceRGB", "/CalRGB") and k != "/Alternate":
                findings.add(f"RGB colour space {v} at {path}{k}")
        if isinstance(d, StreamObject):
            for k in ("/F", "/FFilter", "/FDecodeParms"):
                if k in d:
                    findings.add(f"stream at {path} refers to an external file ({k})")
            filters = resolve(d.get("/Filter"))
            names = [name_of(x) for x in filters] if isinstance(filters, ArrayObject) else [name_of(filters)]
            if "/LZWDecode" in names:
                findings.add(f"stream at {path} uses LZWDecode (ISO 19005-2 §6.1.7.2)")
            if "/Crypt" in names:
                findings.add(f"stream at {path} uses the Crypt filter")
        sub = name_of(d.get("/Subtype"))
        if sub == "/OpenType" and variant == "print" and pdfx == "x1a":
            findings.add(f"OpenType font program at {path} needs PDF 1.6; PDF/X-1a:2003 is PDF 1.4")
        if name_of(d.get("/Type")) == "/XObject" or sub in ("/PS", "/Image", "/Form"):
            if sub == "/PS" or "/PS" in d or "/OPI" in d or "/Ref" in d:
                findings.add(f"PostScript, OPI or reference XObject at {path}")
            if sub == "/Image":
                if "/Alternates" in d:
                    findings.add(f"image with /Alternates at {path}")
                if d.get("/Interpolate") and variant == "archive":
                    findings.add(f"image with /Interpolate true at {path} (ISO 19005-2 §6.2.8)")
        s = name_of(d.get("/S"))
        if s is not None and (name_of(d.get("/Type")) == "/Action" or path.endswith(("/A", "/Next"))
                              or "/JS" in d):
            if s in _FORBIDDEN_ACTIONS:
                findings.add(f"{s[1:]} action at {path}")
            elif s == "/Named" and name_of(d.get("/N")) not in _ALLOWED_NAMED:
                findings.add(f"named action {d.get('/N')} at {path}")
            elif s in ("/GoToR", "/SubmitForm") and variant == "print":
                findings.add(f"{s[1:]} action at {path}")
        if "/JS" in d:
            findings.add(f"JavaScript at {path}")
        if "/AA" in d:
            findings.add(f"additional actions (/AA) at {path}")
        states = resolve(d.get("/ExtGState"))
        if isinstance(states, DictionaryObject):          # a resource dictionary
            for gname, gs in states.items():
                gs = resolve(gs)
                if not isinstance(gs, DictionaryObject):
                    continue
                at = f"{path}/ExtGState{gname}"
                if "/TR" in gs:
                    findings.add(f"transfer function /TR at {at} (ISO 19005-2 §6.2.5)")
                if "/TR2" in gs and name_of(gs["/TR2"]) != "/Default":
                    findings.add(f"transfer function /TR2 at {at} (ISO 19005-2 §6.2.5)")
                if "/HTP" in gs or "/HTO" in gs:
                    findings.add(f"/HTP or /HTO at {at}")
                for t in ext_transparency(gs):
                    trans.append(f"{t} at {at}")
        if sub == "/Image" and ("/SMask" in d or int(resolve(d.get("/SMaskInData", 0)) or 0) > 0):
            trans.append(f"image with soft mask at {path}")
        if name_of(d.get("/S")) == "/Transparency" and path.endswith("/Group"):
            trans.append(f"transparency group at {path}")


# ---------------------------------------------------------------------------------------------
# Page boxes (ISO 15930-7 §6.2.2, ISO 32000-1 §14.11.2)

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
    """The leaf /Page dictionaries in order, as stored (pypdf's PageObjects are copies, and
    changes made here must reach the objects the writer clones)."""
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
