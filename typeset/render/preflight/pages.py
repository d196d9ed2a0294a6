"""Preflight rules of pages: their boxes and annotations; the page tree read with boxes
inherited as ISO 32000-1 §14.11.2 says."""
from __future__ import annotations

from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from typeset.render.pdfscan import Findings, name_of, resolve
from typeset.render.variants import Variant


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
