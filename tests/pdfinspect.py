"""Test helpers: look inside PDFs that typeset wrote (pypdf, pypdfium2, fontTools).

Shared by the test modules; nothing here is used by typeset itself.

* `fonts(pdf)`            every font resource: subtype, descendant, embedded program, subset tag,
                          W/DW widths, ToUnicode map, glyph count of the program.
* `page_texts(pdf)`       text per page extracted by pypdf; `page_texts_pdfium(pdf)` by PDFium.
* `drawn_text(pdf, i)`    what the content stream of page i shows, decoded through each font's
                          ToUnicode map (exact, no extraction heuristics), run by run.
* `char_origins(pdf, i)` each character PDFium finds on page i with its glyph origin.
* `render(pdf)`           rasterises every page with PDFium; raises if any page fails.
* `boxes(pdf, i)`         MediaBox/TrimBox/BleedBox of page i.
* `content(pdf, i)`       the decoded content stream of page i (str).

`pdf` may be a path, bytes, or a pypdf.PdfReader.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pypdf


def reader(pdf) -> pypdf.PdfReader:
    if isinstance(pdf, pypdf.PdfReader):
        return pdf
    if isinstance(pdf, (bytes, bytearray)):
        return pypdf.PdfReader(io.BytesIO(bytes(pdf)))
    return pypdf.PdfReader(str(pdf))


def _bytes(pdf) -> bytes:
    if isinstance(pdf, (bytes, bytearray)):
        return bytes(pdf)
    if isinstance(pdf, pypdf.PdfReader):
        raise TypeError("need a path or bytes")
    return Path(pdf).read_bytes()


# -- fonts ------------------------------------------------------------------------------------

@dataclass
class FontInfo:
    resource: str                 # /F1 ...
    base_font: str                # ABCDEF+Name[-Identity-H]
    subtype: str                  # /Type0, /Type1, /TrueType ...
    encoding: str | None
    descendant_subtype: str | None = None     # /CIDFontType0 | /CIDFontType2
    descendant_base_font: str | None = None
    font_file_key: str | None = None          # /FontFile | /FontFile2 | /FontFile3
    font_file_subtype: str | None = None      # /CIDFontType0C | /OpenType ...
    program: bytes | None = None
    dw: float | None = None
    widths: dict[int, float] = field(default_factory=dict)   # explicit W entries
    cid_to_gid: str | list[int] | None = None                 # "/Identity" or the map
    has_cidset: bool = False
    tounicode: dict[int, str] = field(default_factory=dict)
    descriptor: dict = field(default_factory=dict)

    @property
    def subset_tag(self) -> str | None:
        m = re.match(r"^/?([A-Z]{6})\+", self.base_font)
        return m.group(1) if m else None

    def width(self, code: int) -> float:
        return self.widths.get(code, self.dw if self.dw is not None else 1000.0)

    def program_glyph_count(self) -> int:
        """Glyphs in the embedded font program (CFF CharStrings or TrueType maxp)."""
        return len(self.program_glyph_order())

    def program_glyph_order(self) -> list[str]:
        if self.program is None:
            raise ValueError(f"{self.base_font}: not embedded")
        if self.font_file_key == "/FontFile3" and self.font_file_subtype in ("/CIDFontType0C", "/Type1C"):
            from fontTools.cffLib import CFFFontSet
            cff = CFFFontSet()
            cff.decompile(io.BytesIO(self.program), otFont=None)
            return list(cff[cff.fontNames[0]].charset)
        from fontTools.ttLib import TTFont
        return TTFont(io.BytesIO(self.program)).getGlyphOrder()

    def cff_is_cid_keyed(self) -> bool:
        from fontTools.cffLib import CFFFontSet
        cff = CFFFontSet()
        cff.decompile(io.BytesIO(self.program), otFont=None)
        return hasattr(cff[cff.fontNames[0]], "ROS")


def parse_tounicode(data: bytes) -> dict[int, str]:
    """Code -> text from a ToUnicode CMap (bfchar and bfrange, UTF-16BE targets)."""
    text = data.decode("latin-1")
    out: dict[int, str] = {}

    def u(hexstr: str) -> str:
        return bytes.fromhex(hexstr).decode("utf-16-be")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = u(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, rest in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", block):
            lo_i, hi_i = int(lo, 16), int(hi, 16)
            if rest.startswith("["):
                for k, dst in enumerate(re.findall(r"<([0-9A-Fa-f]+)>", rest)):
                    out[lo_i + k] = u(dst)
            else:
                base = bytes.fromhex(rest[1:-1])
                for k in range(hi_i - lo_i + 1):
                    b = bytearray(base)
                    b[-1] += k
                    out[lo_i + k] = bytes(b).decode("utf-16-be")
    return out


def parse_w(w) -> dict[int, float]:
    """A CIDFont /W array -> code -> width."""
    out: dict[int, float] = {}
    items = list(w or [])
    i = 0
    while i < len(items):
        first = int(items[i])
        nxt = items[i + 1]
        if isinstance(nxt, list) or hasattr(nxt, "__iter__") and not isinstance(nxt, (str, bytes)):
            for k, v in enumerate(nxt):
                out[first + k] = float(v)
            i += 2
        else:
            last = int(nxt)
            v = float(items[i + 2])
            for c in range(first, last + 1):
                out[c] = v
            i += 3
    return out


def _font_info(resource: str, fobj) -> FontInfo:
    fobj = fobj.get_object()
    info = FontInfo(resource=resource, base_font=str(fobj.get("/BaseFont")),
                    subtype=str(fobj.get("/Subtype")),
                    encoding=str(fobj.get("/Encoding")) if fobj.get("/Encoding") is not None else None)
    tu = fobj.get("/ToUnicode")
    if tu is not None:
        info.tounicode = parse_tounicode(tu.get_object().get_data())
    descriptor = fobj.get("/FontDescriptor")
    if info.subtype == "/Type0":
        desc = fobj["/DescendantFonts"][0].get_object()
        info.descendant_subtype = str(desc.get("/Subtype"))
        info.descendant_base_font = str(desc.get("/BaseFont"))
        info.dw = float(desc.get("/DW", 1000))
        info.widths = parse_w(desc.get("/W"))
        c2g = desc.get("/CIDToGIDMap")
        if c2g is not None:
            c2g = c2g.get_object()
            if isinstance(c2g, pypdf.generic.NameObject):
                info.cid_to_gid = str(c2g)
            else:
                data = c2g.get_data()
                info.cid_to_gid = [int.from_bytes(data[k:k + 2], "big") for k in range(0, len(data), 2)]
        descriptor = desc.get("/FontDescriptor")
    if descriptor is not None:
        d = descriptor.get_object()
        info.descriptor = {k: d[k] for k in d}
        info.has_cidset = "/CIDSet" in d
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            if key in d:
                stream = d[key].get_object()
                info.font_file_key = key
                info.font_file_subtype = str(stream.get("/Subtype")) if stream.get("/Subtype") else None
                info.program = stream.get_data()
    return info


def fonts(pdf) -> list[FontInfo]:
    """Every distinct font resource used by any page."""
    r = reader(pdf)
    seen: dict[int | str, FontInfo] = {}
    for page in r.pages:
        res = page.get("/Resources")
        if res is None:
            continue
        fdict = res.get_object().get("/Font")
        if fdict is None:
            continue
        fdict = fdict.get_object()
        for name, ref in fdict.items():
            key = getattr(ref, "idnum", None) or name
            if key not in seen:
                seen[key] = _font_info(str(name), ref)
    return list(seen.values())


# -- text -------------------------------------------------------------------------------------

def page_texts(pdf) -> list[str]:
    return [p.extract_text() or "" for p in reader(pdf).pages]


def page_texts_pdfium(pdf) -> list[str]:
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(_bytes(pdf))
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            out.append(tp.get_text_range())
            tp.close()
            page.close()
        return out
    finally:
        doc.close()


@dataclass
class DrawnRun:
    font: str          # resource name
    size: float
    x: float           # Tm origin
    y: float
    text: str
    codes: list[int]


_TOKEN = re.compile(rb"""
    (?P<ws>[\s]+|%[^\r\n]*)
  | (?P<hex><[0-9A-Fa-f\s]*>)
  | (?P<dict><<|>>)
  | (?P<lit>\()
  | (?P<name>/[^\s/\[\]()<>{}%]*)
  | (?P<num>[+-]?(?:\d+\.?\d*|\.\d+))
  | (?P<open>\[) | (?P<close>\])
  | (?P<op>[A-Za-z'"*][A-Za-z0-9'"*]*)
""", re.X)


def _literal(data: bytes, i: int) -> tuple[bytes, int]:
    """Parse a literal string starting after '(' at i; returns (bytes, index after ')')."""
    out = bytearray()
    depth = 1
    esc = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while i < len(data):
        c = data[i]
        if c == 0x5C:   # backslash
            i += 1
            d = data[i]
            if d in esc:
                out.append(esc[d]); i += 1
            elif 0x30 <= d <= 0x37:
                j = i
                while j < len(data) and j < i + 3 and 0x30 <= data[j] <= 0x37:
                    j += 1
                out.append(int(data[i:j], 8) & 0xFF); i = j
            elif d in (10, 13):
                i += 1
            else:
                out.append(d); i += 1
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(c)
        i += 1
    raise ValueError("unterminated string in content stream")


def operations(data: bytes) -> list[tuple[list, str]]:
    """(operands, operator) pairs of a content stream; strings as bytes, arrays as lists."""
    ops: list[tuple[list, str]] = []
    stack: list[list] = [[]]
    i = 0
    while i < len(data):
        m = _TOKEN.match(data, i)
        if not m:
            raise ValueError(f"cannot parse content stream at byte {i}: {data[i:i + 20]!r}")
        kind = m.lastgroup
        tok = m.group(kind)
        i = m.end()
        if kind == "ws" or kind == "dict":
            continue
        if kind == "hex":
            stack[-1].append(bytes.fromhex(tok[1:-1].decode().replace(" ", "")))
        elif kind == "lit":
            b, i = _literal(data, i)
            stack[-1].append(b)
        elif kind == "name":
            stack[-1].append(tok.decode("latin-1"))
        elif kind == "num":
            stack[-1].append(float(tok))
        elif kind == "open":
            stack.append([])
        elif kind == "close":
            arr = stack.pop()
            stack[-1].append(arr)
        else:
            ops.append((stack[-1], tok.decode("latin-1")))
            stack[-1] = []
    return ops


def drawn_text(pdf, page_index: int) -> list[DrawnRun]:
    """The runs shown on a page, decoded through ToUnicode: one DrawnRun per Tj/TJ.
    (Two-byte codes: for the Identity-H fonts typeset writes.)"""
    r = reader(pdf)
    page = r.pages[page_index]
    finfo = {}
    fdict = page["/Resources"].get_object().get("/Font")    # (none on a page without text)
    for name, ref in (fdict.get_object().items() if fdict is not None else ()):
        finfo[str(name)] = _font_info(str(name), ref)
    out: list[DrawnRun] = []
    font, size, x, y = None, 0.0, 0.0, 0.0

    def decode(b: bytes) -> tuple[list[int], str]:
        codes = [int.from_bytes(b[k:k + 2], "big") for k in range(0, len(b), 2)]
        tu = finfo[font].tounicode
        return codes, "".join(tu.get(c, "\ufffd") for c in codes)

    for operands, op in operations(page.get_contents().get_data()):
        if op == "Tf":
            font, size = operands[0], float(operands[1])
        elif op == "Tm":
            x, y = float(operands[4]), float(operands[5])
        elif op == "Tj":
            codes, text = decode(operands[0])
            out.append(DrawnRun(font, size, x, y, text, codes))
        elif op == "TJ":
            allcodes, alltext = [], ""
            for part in operands[0]:
                if isinstance(part, bytes):
                    codes, text = decode(part)
                    allcodes += codes
                    alltext += text
            out.append(DrawnRun(font, size, x, y, alltext, allcodes))
    return out


def content(pdf, page_index: int) -> str:
    r = reader(pdf)
    return r.pages[page_index].get_contents().get_data().decode("latin-1")


def boxes(pdf, page_index: int) -> dict[str, tuple[float, ...]]:
    p = reader(pdf).pages[page_index]
    out = {}
    for key in ("/MediaBox", "/CropBox", "/TrimBox", "/BleedBox"):
        if key in p:
            out[key[1:]] = tuple(float(v) for v in p[key])
    return out


def char_origins(pdf, page_index: int) -> list[tuple[str, float, float]]:
    """(char, x, y) of every character PDFium finds on a page, in page space (the glyph
    origins), leaving out the spaces and line breaks PDFium generates itself."""
    import ctypes
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw
    doc = pdfium.PdfDocument(_bytes(pdf))
    try:
        page = doc[page_index]
        tp = page.get_textpage()
        out = []
        for i in range(tp.count_chars()):
            if raw.FPDFText_IsGenerated(tp.raw, i):
                continue
            x, y = ctypes.c_double(), ctypes.c_double()
            raw.FPDFText_GetCharOrigin(tp.raw, i, ctypes.byref(x), ctypes.byref(y))
            out.append((tp.get_text_range(i, 1), x.value, y.value))
        tp.close()
        page.close()
        return out
    finally:
        doc.close()


# -- rendering --------------------------------------------------------------------------------

def render(pdf, scale: float = 0.5) -> list:
    """Rasterise every page with PDFium (PIL images). Raises on any failure."""
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(_bytes(pdf))
    try:
        images = []
        for i in range(len(doc)):
            page = doc[i]
            bitmap = page.render(scale=scale, grayscale=True)
            images.append(bitmap.to_pil())
            page.close()
        return images
    finally:
        doc.close()


def ink(image) -> int:
    """Number of non-white pixels of a rendered page."""
    g = image.convert("L")
    hist = g.histogram()
    return sum(hist[:250])
