"""Pages of other PDFs placed whole in the issue (covers, inserts; issue 11 part 2).

The one module of a build that reads other PDFs (pypdf), imported only when an issue places
PDF pages. Two steps:

* `probe(page)` when the issue is laid out: the file opens, is not encrypted, and each page's
  boxes (model/pdfpage.py `PdfInfo`): the layout checks the trim size and counts the pages.
  A missing, damaged, encrypted or rotated file is an error at the manifest line naming it.
* `import_page(path, index, variant)` when the page is drawn: the page's content (its streams
  decoded and joined) and its resources, with every object they reach, as plain data
  (render/pdfsyntax.py), for the ReportLab adapter to write as a form XObject
  (`rl.Document.form`). Before that the page is preflighted against the output variant with
  the scanner of `pdfscan.py` — what it would bring in must be allowed:

  | what the page holds | PDF/X-4 | PDF/X-1a | PDF/A-2u (archive) |
  |---|---|---|---|
  | DeviceRGB (operators, images, alternates) | refused | refused | kept |
  | DeviceCMYK | kept | kept | kept, with a DefaultCMYK (the FOGRA39 profile) in every resource dictionary of the page (ISO 19005-2 §6.2.4.3) |
  | ICC-based, Lab, CalRGB colour | kept | refused (ISO 15930-4 §6.2.3) | kept |
  | transparency (soft masks, alpha, blend modes, groups) | kept | refused (§6.3.1) | kept |
  | a font without its program | refused | refused | refused |
  | a font without a ToUnicode map | kept | kept | refused (level U) |
  | pictures not in sRGB or grey | kept | kept | refused (typeset's archive rule) |
  | JPEG 2000, 16-bit pictures | kept | refused (PDF 1.4) | kept |

  A refusal names the file, the page and what is wrong, and says what to export instead. The
  page's annotations, links, metadata and structure are not copied: only what it draws.
"""
from __future__ import annotations

import hashlib
import io
from typeset.records import dataclass
from pathlib import Path

from typeset.errors import TypesetError
from typeset.model.pdfpage import PdfInfo, PdfPageBoxes
from typeset.render.pdfsyntax import Name, Ref, Stream

__all__ = ["probe", "probe_all", "import_page", "Imported"]

# path -> (sha256, PdfReader): the layout's probe and the writer's import read a file once
_READERS: dict[str, tuple[str, object]] = {}


def _read(path: str, where: dict, what: str = "PDF"):
    """(sha256, PdfReader) of a PDF; TypesetError at `where` when it cannot be used."""
    name = Path(path).name
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise TypesetError(f"cannot read the {what} {name}: {err.strerror}", **where,
                           hint="check that the file exists and is readable") from None
    sha = hashlib.sha256(data).hexdigest()
    cached = _READERS.get(path)
    if cached is not None and cached[0] == sha:
        return cached
    from pypdf import PdfReader
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        if not encrypted:
            count = len(reader.pages)
    except Exception as err:        # pypdf raises many kinds of error on damaged files
        raise TypesetError(f"the {what} {name} is damaged and cannot be read "
                           f"({type(err).__name__}: {str(err)[:80]})", **where,
                           hint="export it again from the program that made it") from None
    if encrypted:
        raise TypesetError(f"the {what} {name} is encrypted (password-protected)", **where,
                           hint="save it without a password or restrictions: a printer's "
                                "file may not be encrypted (PDF/X, PDF/A)")
    if count < 1:
        raise TypesetError(f"the {what} {name} has no pages", **where,
                           hint="export the page again")
    if len(_READERS) >= 8:                 # a batch worker builds many issues: keep few
        _READERS.pop(next(iter(_READERS)))
    _READERS[path] = (sha, reader)
    return sha, reader


def _box(page, name: str) -> tuple[float, float, float, float]:
    r = getattr(page, name)
    return (float(r.left), float(r.bottom), float(r.right), float(r.top))


def probe(path: str, *, file=None, line: int | None = None, what: str = "PDF") -> PdfInfo:
    """Open a PDF of whole pages and read each page's boxes (module docstring)."""
    where = {"file": file, "line": line}
    sha, reader = _read(path, where, what)
    pages = []
    try:
        for k, page in enumerate(reader.pages):
            rotate = int(page.rotation or 0) % 360
            if rotate:
                raise TypesetError(f"the {what} {Path(path).name}: page {k + 1} is turned "
                                   f"by {rotate}° (/Rotate)", **where,
                                   hint="export the page upright, at the issue's trim size")
            media = _box(page, "mediabox")
            trim = _box(page, "trimbox")
            bleed = _box(page, "bleedbox")
            pages.append(PdfPageBoxes(media, trim, bleed, rotate))
    except TypesetError:
        raise
    except Exception as err:
        raise TypesetError(f"the {what} {Path(path).name} is damaged and cannot be read "
                           f"({type(err).__name__}: {str(err)[:80]})", **where,
                           hint="export it again from the program that made it") from None
    return PdfInfo(path, sha, tuple(pages))


def probe_all(issue) -> dict[str, PdfInfo]:
    """What the layout needs to know of every PDF the manifest places whole."""
    out = {}
    for wp in issue.pages.pdfs():
        out[wp.path] = probe(wp.path, file=issue.path, line=wp.line)   # (named by the line)
    return out


# ---------------------------------------------------------------------------------------------
# Import

@dataclass(frozen=True)
class Imported:
    key: str                                   # the file's SHA-256 and the page
    content: bytes                             # the page's content, decoded
    bbox: tuple[float, float, float, float]    # its bleed box (kept), in its own space
    trim: tuple[float, float, float, float]
    resources: dict
    objects: dict                              # key -> value (pdfsyntax)
    group: dict | None


class _Copier:
    """pypdf objects -> plain data; indirect objects kept once each under a key."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.objects: dict[str, object] = {}

    def value(self, obj, depth: int = 0):
        from pypdf.generic import (ArrayObject, BooleanObject, ByteStringObject,
                                   DictionaryObject, FloatObject, IndirectObject, NameObject,
                                   NullObject, NumberObject, StreamObject, TextStringObject)
        if depth > 64:
            raise ValueError("objects nested more than 64 deep")
        if isinstance(obj, IndirectObject):
            key = f"{self.prefix}.{obj.idnum}.{obj.generation}"
            if key not in self.objects:
                self.objects[key] = None                  # a cycle comes back here
                self.objects[key] = self.value(obj.get_object(), depth + 1)
            return Ref(key)
        if isinstance(obj, BooleanObject):
            return bool(obj)
        if isinstance(obj, NameObject):
            return Name(str(obj)[1:])
        if isinstance(obj, NumberObject):
            return int(obj)
        if isinstance(obj, FloatObject):
            return float(obj)
        if isinstance(obj, ByteStringObject):
            return bytes(obj)
        if isinstance(obj, TextStringObject):
            raw = getattr(obj, "original_bytes", None)
            return bytes(raw) if raw is not None else str(obj).encode("latin-1", "replace")
        if isinstance(obj, NullObject) or obj is None:
            return None
        if isinstance(obj, StreamObject):
            d = {str(k)[1:]: self.value(v, depth + 1) for k, v in obj.items()
                 if str(k) not in ("/Length",)}
            return Stream(d, bytes(obj._data))
        if isinstance(obj, DictionaryObject):
            return {str(k)[1:]: self.value(v, depth + 1) for k, v in obj.items()}
        if isinstance(obj, ArrayObject):
            return [self.value(v, depth + 1) for v in obj]
        raise ValueError(f"an object of type {type(obj).__name__}")


def import_page(path: str, index: int, variant, *, file=None, line: int | None = None,
                cmyk_profile: bytes | None = None) -> Imported:
    """The page's content and resources as plain data, checked against `variant` (module
    docstring); `cmyk_profile`: the ICC profile of the DefaultCMYK an archive page needs."""
    where = {"file": file, "line": line}
    name = Path(path).name
    sha, reader = _read(path, where)
    page = reader.pages[index]
    label = f"{name} page {index + 1}"
    problems = _preflight(reader, page, variant, label)
    if problems:
        raise TypesetError(
            f"{label} cannot be placed in a {variant.standard or variant.key} file: "
            + "; ".join(problems[:4]) + (f"; and {len(problems) - 4} more"
                                         if len(problems) > 4 else ""), **where,
            hint=_hint(variant))
    from pypdf.generic import DictionaryObject
    copier = _Copier(sha[:16])
    try:
        contents = page.get_contents()
        content = contents.get_data() if contents is not None else b""
        res = page.get("/Resources")
        res = res.get_object() if res is not None else DictionaryObject()
        resources = copier.value(res)
        group = page.get("/Group")
        group = copier.value(group) if group is not None else None
    except TypesetError:
        raise
    except Exception as err:
        raise TypesetError(f"{label} cannot be read ({type(err).__name__}: "
                           f"{str(err)[:80]})", **where,
                           hint="export the page again from the program that made it") from None
    if isinstance(resources, Ref):
        resources = copier.objects[str(resources)]
    if variant.key == "archive":
        _default_cmyk(resources, copier, cmyk_profile)
    boxes = _box(page, "bleedbox")
    return Imported(f"{sha}:{index}", content, boxes, _box(page, "trimbox"),
                    resources if isinstance(resources, dict) else {}, copier.objects,
                    group if isinstance(group, dict) else None)


def _hint(variant) -> str:
    if variant.key == "archive":
        return ("export the page for the archive with its pictures in sRGB and its fonts "
                "embedded with their Unicode maps (PDF/A), or give a picture of the page")
    if variant.key == "print-x1a":
        return ("export the page as PDF/X-1a (CMYK, no transparency, fonts embedded), or "
                "give a picture of the page")
    return "export the page as PDF/X-4 (CMYK or ICC colour, fonts embedded), or give a picture"


def _default_cmyk(resources: dict, copier: _Copier, profile: bytes | None) -> None:
    """PDF/A under an sRGB output intent: DeviceCMYK is drawn through a DefaultCMYK (ISO
    19005-2 §6.2.4.3), here the output intent's FOGRA39 profile, set in every resource
    dictionary the page reaches (the page's, its forms', patterns' and Type 3 fonts')."""
    if profile is None:
        return
    key = f"{copier.prefix}.DefaultCMYK"
    copier.objects[key] = Stream({"N": 4, "Alternate": Name("DeviceCMYK")}, profile)
    space = [Name("ICCBased"), Ref(key)]
    seen: set[int] = set()

    def visit(value, depth=0):
        if depth > 64 or id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, Ref):
            visit(copier.objects.get(str(value)), depth + 1)
        elif isinstance(value, Stream):
            visit(value.dict, depth + 1)
        elif isinstance(value, dict):
            if "Resources" in value:
                res = value["Resources"]
                target = copier.objects.get(str(res)) if isinstance(res, Ref) else res
                if isinstance(target, dict):
                    add(target)
            for v in list(value.values()):
                visit(v, depth + 1)
        elif isinstance(value, list):
            for v in value:
                visit(v, depth + 1)

    def add(res: dict) -> None:
        cs = res.get("ColorSpace")
        target = copier.objects.get(str(cs)) if isinstance(cs, Ref) else cs
        if isinstance(target, dict):
            target.setdefault("DefaultCMYK", space)
        else:
            res["ColorSpace"] = {"DefaultCMYK": space}

    add(resources)
    visit(resources)


def _preflight(reader, page, variant, label: str) -> list[str]:
    """What on the page the variant does not allow (module docstring's table)."""
    from typeset.render.pdfscan import (
        Scan, colour_families, name_of, resolve, scan_stream, scan_type3_fonts,
    )
    scan = Scan()
    res = resolve(page.get("/Resources"))
    contents = resolve(page.get("/Contents"))
    try:
        if contents is not None:
            scan_stream(contents, res, reader, "page", scan, [None])
        scan_type3_fonts(scan, reader, "")
    except Exception as err:
        return [f"its content cannot be read ({type(err).__name__})"]
    problems = [f.message for f in scan.findings.items]
    grp = resolve(page.get("/Group"))
    if grp is not None and name_of(grp.get("/S")) == "/Transparency":
        scan.transparency.append(("page", "transparency group"))
    from typeset.render.variants import ICC_CMYK, ICC_GRAY, ICC_RGB, RGB
    key = variant.key
    independent = any(variant.allows(c) for c in (ICC_GRAY, ICC_RGB, ICC_CMYK))
    for (_, what), f in scan.colours.items():
        icc = bool(f & {"icc", "cal"})
        if "rgb" in f and not icc and not variant.allows(RGB):
            problems.append(f"RGB colour ({what})")
        if f & {"icc", "lab", "cal"} and not independent:
            problems.append(f"device-independent colour ({what})")
    if not variant.transparency:
        for _, what in scan.transparency:
            problems.append(f"transparency: {what}")
    for font, fname, _ in scan.selected.values():      # selected, shown or not
        if not _embedded(font, resolve, name_of):
            problems.append(f"font {fname} ({font.get('/BaseFont')}) is not embedded")
    for use in scan.fonts.values():
        if not _embedded(use.font, resolve, name_of):
            problems.append(f"font {use.name} ({use.font.get('/BaseFont')}) is not embedded")
        elif variant.tounicode and name_of(use.font.get("/Subtype")) != "/Type3" \
                and "/ToUnicode" not in use.font:
            problems.append(f"font {use.name} ({use.font.get('/BaseFont')}) has no ToUnicode "
                            "map: its text cannot be extracted")
    old_pdf = tuple(variant.version) < (1, 5)
    for _, xname, xo in scan.images:
        filters = resolve(xo.get("/Filter"))
        names = [name_of(x) for x in filters] if isinstance(filters, list) else [name_of(filters)]
        bpc = resolve(xo.get("/BitsPerComponent"))
        if old_pdf and "/JPXDecode" in names:
            problems.append(f"picture {xname} is JPEG 2000 (PDF 1.5)")
        if old_pdf and bpc is not None and int(bpc) == 16:
            problems.append(f"picture {xname} has 16 bits per component (PDF 1.5)")
        if key == "archive" and not xo.get("/ImageMask"):
            f = colour_families(xo.get("/ColorSpace"))
            if f - {"gray", "rgb", "icc"}:
                problems.append(f"picture {xname} is not in sRGB or grey")
    return list(dict.fromkeys(problems))


def _embedded(font, resolve, name_of) -> bool:
    sub = name_of(font.get("/Subtype"))
    if sub == "/Type3":
        return True
    if sub == "/Type0":
        d = resolve(font.get("/DescendantFonts"))
        font = resolve(d[0]) if d else {}
    fd = resolve(font.get("/FontDescriptor")) if hasattr(font, "get") else None
    return fd is not None and any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3"))
