"""Reading a written PDF back: what its content streams draw, with which colours and fonts.

(This module, preflight/ and pdfimport.py are the only ones that import pypdf.)

The independent re-check of written bytes (`preflight/`) stands on this: a content-stream
tokenizer of our own (ISO 32000-1 §7.2, §7.8.2; pypdf's parser is general but ~10x slower on
text-heavy pages, and stays the fallback for inline images), the colour models a colour space
uses (§8.6), ToUnicode CMaps (§9.10.3), and a scan of each page's content recording colours,
fonts, the codes shown, transparency. Used by the tests and `typeset check --pdf`, never by a
build.
"""
from __future__ import annotations

import re
import zlib
from typeset.records import dataclass, field

from pypdf.generic import (ArrayObject, ByteStringObject, ContentStream, DecodedStreamObject,
                           DictionaryObject, FloatObject, IndirectObject, NameObject,
                           NumberObject, StreamObject)

from typeset.errors import TypesetError

# ---------------------------------------------------------------------------------------------
# Problems found while checking

@dataclass(frozen=True)
class Violation:
    """One rule broken, with where: a page ("page 3", "page 3 > form /Fm0"), an object
    ("object 12 at /Root/OpenAction"), or the document part ("Info", "XMP", "header")."""
    where: str
    message: str

    @property
    def page(self) -> int | None:
        m = re.match(r"page (\d+)", self.where)
        return int(m.group(1)) if m else None

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Findings:
    """Violations in the order found, each once."""
    items: list[Violation] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        v = Violation(where, message)
        if v not in self.items:
            self.items.append(v)


def resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


# ---------------------------------------------------------------------------------------------
# Decoding streams, within a limit

#: the most bytes one stream may decode to (a page's content, an XMP packet, an ICC profile,
#: a ToUnicode map: typeset's own are well under 1 MB). A larger one is a violation, found
#: before it is decoded: a few KB of Flate data can inflate to gigabytes (a "zip bomb").
STREAM_LIMIT = 64 << 20


class StreamTooLarge(ValueError):
    """A stream that decodes (or is declared) past STREAM_LIMIT."""


def _inflated_size(raw: bytes, limit: int) -> int:
    """How many bytes zlib data inflates to, counted in 1 MB steps and given up just past
    `limit` (never holding more than a step in memory); 0 for data zlib cannot read (pypdf
    then tries its own recovery)."""
    d = zlib.decompressobj()
    total, rest = 0, raw
    try:
        while rest and total <= limit:
            total += len(d.decompress(rest, 1 << 20))
            rest = d.unconsumed_tail
            if d.eof:
                break
    except zlib.error:
        return 0
    return total


def stream_data(stream) -> bytes:
    """The decoded bytes of a stream object, refused (StreamTooLarge) when its data or, for a
    stream whose first filter is Flate, what it inflates to is over STREAM_LIMIT — measured
    before pypdf decodes it. (pypdf caps other filters itself.)"""
    stream = resolve(stream)
    raw = getattr(stream, "_data", b"") or b""
    if len(raw) > STREAM_LIMIT:
        raise StreamTooLarge(f"a stream of {len(raw)} bytes (typeset reads at most "
                             f"{STREAM_LIMIT >> 20} MB of one stream)")
    filters = resolve(stream.get("/Filter")) if isinstance(stream, DictionaryObject) else None
    first = filters[0] if isinstance(filters, ArrayObject) and filters else filters
    if name_of(first) in ("/FlateDecode", "/Fl") and not isinstance(
            stream, DecodedStreamObject):
        size = _inflated_size(bytes(raw), STREAM_LIMIT)
        if size > STREAM_LIMIT:
            raise StreamTooLarge(f"a stream that inflates to more than {STREAM_LIMIT >> 20} "
                                 f"MB from {len(raw)} bytes (a decompression bomb)")
    return stream.get_data()


def name_of(obj) -> str | None:
    obj = resolve(obj)
    return str(obj) if isinstance(obj, NameObject) else None


# ---------------------------------------------------------------------------------------------
# Colour spaces (ISO 32000-1 §8.6)

def colour_families(cs, seen: set[int] | None = None) -> set[str]:
    """The colour models a colour space value uses, including bases and alternates:
    'rgb' (DeviceRGB, CalRGB, 3-component ICCBased), 'cmyk', 'gray', 'lab', 'icc', 'cal',
    'sep' (Separation/DeviceN) and 'pattern'."""
    seen = seen if seen is not None else set()
    if isinstance(cs, IndirectObject):
        if cs.idnum in seen:
            return set()
        seen.add(cs.idnum)
    cs = resolve(cs)
    if isinstance(cs, NameObject):
        return {"/DeviceRGB": {"rgb"}, "/RGB": {"rgb"}, "/DeviceCMYK": {"cmyk"}, "/CMYK": {"cmyk"},
                "/DeviceGray": {"gray"}, "/G": {"gray"}, "/Pattern": {"pattern"},
                "/CalRGB": {"rgb", "cal"}, "/CalGray": {"gray", "cal"}, "/Lab": {"lab"}}.get(
                    str(cs), set())
    if not isinstance(cs, ArrayObject) or not cs:
        return set()
    kind = name_of(cs[0])
    if kind == "/ICCBased":
        stream = resolve(cs[1])
        n = int(stream.get("/N", 0))
        base = {1: "gray", 3: "rgb", 4: "cmyk"}.get(n, "")
        out = {"icc", base} - {""}
        if "/Alternate" in stream:
            out |= colour_families(stream["/Alternate"], seen)
        return out
    if kind in ("/CalRGB", "/CalGray", "/Lab"):
        return colour_families(NameObject(kind), seen)
    if kind in ("/Indexed", "/I"):
        return colour_families(cs[1], seen)
    if kind == "/Pattern":
        return {"pattern"} | (colour_families(cs[1], seen) if len(cs) > 1 else set())
    if kind == "/Separation":
        return {"sep"} | colour_families(cs[2], seen)
    if kind == "/DeviceN":
        out = {"sep"} | colour_families(cs[2], seen)
        attrs = resolve(cs[4]) if len(cs) > 4 else None
        if isinstance(attrs, DictionaryObject) and "/Colorants" in attrs:
            for v in resolve(attrs["/Colorants"]).values():
                out |= colour_families(v, seen)
        return out
    return set()


# ---------------------------------------------------------------------------------------------
# ToUnicode CMaps (ISO 32000-1 §9.10.3)

_CMAP_TOKEN = re.compile(rb"<([0-9A-Fa-f\s]*)>|(\[)|(\])|([A-Za-z]+)|(-?\d+)")


def parse_tounicode(data: bytes) -> tuple[list[tuple[bytes, bytes]], dict[bytes, str]]:
    """(code space ranges, code -> text) of a ToUnicode CMap. Ranges of bfrange are expanded."""
    ranges: list[tuple[bytes, bytes]] = []
    mapping: dict[bytes, str] = {}
    toks = [(m.group(1), m.group(2) or m.group(3), m.group(4)) for m in _CMAP_TOKEN.finditer(data)]

    def hx(s: bytes) -> bytes:
        return bytes.fromhex(re.sub(rb"\s", b"", s).decode("ascii"))

    def text(b: bytes) -> str:
        return b.decode("utf-16-be", errors="replace")

    i, mode, n = 0, None, len(toks)
    while i < n:
        h, br, word = toks[i]
        if word is not None:
            w = word.decode("ascii")
            mode = {"begincodespacerange": "cs", "beginbfchar": "char", "beginbfrange": "range"}.get(
                w, None if w.startswith("end") else mode)
            i += 1
            continue
        if mode == "cs" and h is not None and i + 1 < n and toks[i + 1][0] is not None:
            ranges.append((hx(h), hx(toks[i + 1][0])))
            i += 2
        elif mode == "char" and h is not None and i + 1 < n and toks[i + 1][0] is not None:
            mapping[hx(h)] = text(hx(toks[i + 1][0]))
            i += 2
        elif mode == "range" and h is not None and i + 2 < n and toks[i + 1][0] is not None:
            lo, hi = hx(h), hx(toks[i + 1][0])
            width = len(lo)
            a, b = int.from_bytes(lo, "big"), int.from_bytes(hi, "big")
            if b - a > 65535:
                raise TypesetError("ToUnicode CMap has an implausible bfrange")
            if toks[i + 2][0] is not None:
                dst = bytearray(hx(toks[i + 2][0]))
                for k, code in enumerate(range(a, b + 1)):
                    d = bytes(dst[:-2]) + ((int.from_bytes(dst[-2:], "big") + k) & 0xFFFF).to_bytes(2, "big") \
                        if len(dst) >= 2 else bytes(dst)
                    mapping[code.to_bytes(width, "big")] = text(d)
                i += 3
            elif toks[i + 2][1] == b"[":
                j, k = i + 3, 0
                while j < n and toks[j][1] != b"]":
                    if toks[j][0] is not None:
                        mapping[(a + k).to_bytes(width, "big")] = text(hx(toks[j][0]))
                        k += 1
                    j += 1
                i = j + 1
            else:
                i += 1
        else:
            i += 1
    return ranges, mapping


def split_codes(s: bytes, ranges: list[tuple[bytes, bytes]], default_width: int) -> list[bytes]:
    """Cut a shown string into character codes by the code space ranges (§9.7.6.2)."""
    if not ranges:
        return [s[i:i + default_width] for i in range(0, len(s), default_width)]
    out, i = [], 0
    while i < len(s):
        for lo, hi in ranges:
            w = len(lo)
            c = s[i:i + w]
            if len(c) == w and all(lo[k] <= c[k] <= hi[k] for k in range(w)):
                out.append(c)
                i += w
                break
        else:
            out.append(s[i:i + 1])
            i += 1
    return out


# ---------------------------------------------------------------------------------------------
# Content streams

# Every operator of ISO 32000-1 Annex A; anything else is refused (ISO 19005-2 §6.2.2).
PDF_OPERATORS = frozenset(
    "b B b* B* BDC BI BMC BT BX c cm CS cs d d0 d1 Do DP EI EMC ET EX f F f* G g gs h i ID j J "
    "K k l m M MP n q Q re RG rg ri s S SC sc SCN scn sh T* Tc Td TD Tf Tj TJ TL Tm Tr Ts Tw Tz "
    "v w W W* y ' \"".split())
_SHOW = {b"Tj", b"TJ", b"'", b'"'}


# A content-stream tokenizer (ISO 32000-1 §7.2, §7.8.2). pypdf's parser is general but ~10x
# slower on text-heavy pages; this one handles everything but inline images, for which the
# stream is handed to pypdf.
_TOKEN = re.compile(rb"""
  (?P<ws>[\x00\t\n\x0c\r ]+)
| (?P<comment>%[^\r\n]*)
| (?P<lstr>\()
| (?P<dopen><<) | (?P<dclose>>>)
| (?P<hex><[0-9A-Fa-f\x00\t\n\x0c\r ]*>)
| (?P<aopen>\[) | (?P<aclose>\])
| (?P<name>/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)
| (?P<num>[+-]?(?:\d+\.?\d*|\.\d+)(?![^\x00\t\n\x0c\r ()<>\[\]{}/%]))
| (?P<op>[^\x00\t\n\x0c\r ()<>\[\]{}/%]+)
""", re.X)
_STR_SPECIAL = re.compile(rb"[\\()]")
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f",
            ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}


class _NeedPypdf(Exception):
    pass


def _literal(data: bytes, i: int) -> tuple[bytes, int]:
    depth, out, n = 1, bytearray(), len(data)
    while i < n:
        m = _STR_SPECIAL.search(data, i)
        if m is None:
            break
        k = m.start()
        out += data[i:k]
        c = data[k]
        if c == 0x5C:
            nx = data[k + 1] if k + 1 < n else None
            if nx in _ESCAPES:
                out += _ESCAPES[nx]
                i = k + 2
            elif nx is not None and 0x30 <= nx <= 0x37:
                j = k + 1
                while j < min(k + 4, n) and 0x30 <= data[j] <= 0x37:
                    j += 1
                out.append(int(data[k + 1:j], 8) & 0xFF)
                i = j
            elif nx == 0x0D:
                i = k + 3 if data[k + 2:k + 3] == b"\n" else k + 2
            elif nx == 0x0A:
                i = k + 2
            else:
                i = k + 1
        elif c == 0x28:
            depth += 1
            out.append(c)
            i = k + 1
        else:
            depth -= 1
            if depth == 0:
                return bytes(out), k + 1
            out.append(c)
            i = k + 1
    raise _NeedPypdf("unterminated string")


def _name_token(tok: bytes) -> NameObject:
    if b"#" in tok:
        tok = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), tok)
    return NameObject(tok.decode("utf-8", errors="replace"))


def _fast_operations(data: bytes) -> list[tuple[list, bytes]]:
    ops: list[tuple[list, bytes]] = []
    stack: list[list] = [[]]
    kinds: list[str] = []
    pos, n, match = 0, len(data), _TOKEN.match
    while pos < n:
        m = match(data, pos)
        if m is None:
            raise _NeedPypdf(f"unexpected byte at {pos}")
        kind, pos = m.lastgroup, m.end()
        if kind in ("ws", "comment"):
            continue
        top = stack[-1]
        if kind == "lstr":
            s, pos = _literal(data, pos)
            top.append(ByteStringObject(s))
        elif kind == "num":
            t = m.group()
            top.append(float(t) if b"." in t else int(t))
        elif kind == "name":
            top.append(_name_token(m.group()))
        elif kind == "hex":
            h = re.sub(rb"[^0-9A-Fa-f]", b"", m.group()[1:-1])
            top.append(ByteStringObject(bytes.fromhex((h + b"0" * (len(h) % 2)).decode("ascii"))))
        elif kind in ("aopen", "dopen"):
            stack.append([])
            kinds.append(kind)
        elif kind in ("aclose", "dclose"):
            if not kinds or kinds[-1] != ("aopen" if kind == "aclose" else "dopen"):
                raise _NeedPypdf("unbalanced array or dictionary")
            kinds.pop()
            items = stack.pop()
            if kind == "aclose":
                stack[-1].append(ArrayObject(items))
            else:
                stack[-1].append(DictionaryObject(zip(items[0::2], items[1::2])))
        else:
            tok = m.group()
            if tok in (b"true", b"false", b"null"):
                top.append(tok == b"true" if tok != b"null" else None)
            elif tok == b"BI" or kinds:
                raise _NeedPypdf("inline image")
            else:
                ops.append((top, tok))
                stack[-1] = []
    return ops


def _operations(contents, reader_pdf) -> list[tuple[list, bytes]]:
    """(operands, operator) of a content stream or an array of them."""
    if isinstance(contents, ArrayObject):
        data = b"\n".join(stream_data(c) for c in contents)
    else:
        data = stream_data(contents)
    try:
        return _fast_operations(data)
    except _NeedPypdf:
        return ContentStream(contents, reader_pdf).operations


@dataclass
class FontShown:
    font: DictionaryObject
    name: str
    where: str
    codes: set[bytes] = field(default_factory=set)


@dataclass
class Scan:
    """What the content streams use, gathered by `scan_stream`."""
    fonts: dict[int, FontShown] = field(default_factory=dict)        # id(font dict) -> use
    selected: dict[int, tuple[DictionaryObject, str, DictionaryObject]] = field(default_factory=dict)
    # (where, what) -> colour models used there (colour_families)
    colours: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    cmyk_resources: list[tuple[str, DictionaryObject]] = field(default_factory=list)
    transparency: list[tuple[str, str]] = field(default_factory=list)     # (where, what)
    # (where, resource name, image XObject) of every image painted (for preflight's checks)
    images: list[tuple[str, str, StreamObject]] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)


def _raw_bytes(s) -> bytes:
    if isinstance(s, bytes):
        return bytes(s)
    ob = getattr(s, "original_bytes", None)
    if ob is not None:
        return bytes(ob)
    return str(s).encode("latin-1", errors="replace")


def _subdict(res: DictionaryObject | None, key: str) -> DictionaryObject:
    if res is None:
        return DictionaryObject()
    d = resolve(res.get(key))
    return d if isinstance(d, DictionaryObject) else DictionaryObject()


def ext_transparency(gs: DictionaryObject) -> list[str]:
    out = []
    smask = gs.get("/SMask")
    if smask is not None and name_of(smask) != "/None":
        out.append("soft mask (SMask)")
    for key in ("/CA", "/ca"):
        if key in gs and float(resolve(gs[key])) < 1.0:
            out.append(f"constant alpha {key}={float(resolve(gs[key]))}")
    bm = resolve(gs.get("/BM"))
    names = [name_of(b) for b in bm] if isinstance(bm, ArrayObject) else [name_of(bm)] if bm else []
    for n in names:
        if n not in (None, "/Normal", "/Compatible"):
            out.append(f"blend mode {n}")
    return out


def scan_stream(data_stream, resources: DictionaryObject | None, reader_pdf, where: str,
                 scan: Scan, font_state: list, depth: int = 0, visiting: set[int] | None = None) -> None:
    """Walk one content stream (and the forms it paints) recording colours, fonts, codes."""
    visiting = visiting if visiting is not None else set()
    if depth > 28:
        scan.findings.add(where, "form XObjects nested more than 28 deep (ISO 19005-2 §6.1.12)")
        return
    try:
        operations = _operations(data_stream, reader_pdf)
    except Exception as e:   # pypdf raises assorted errors on broken streams
        scan.findings.add(where, f"content stream cannot be parsed ({e})")
        return
    fonts = _subdict(resources, "/Font")
    spaces = _subdict(resources, "/ColorSpace")
    xobjects = _subdict(resources, "/XObject")
    states = _subdict(resources, "/ExtGState")
    shadings = _subdict(resources, "/Shading")
    stack: list = []
    current = font_state[0] if font_state else None
    uses_cmyk = False

    def families_of_name(n: str) -> set[str]:
        if n in ("/DeviceRGB", "/DeviceCMYK", "/DeviceGray", "/Pattern"):
            return colour_families(NameObject(n))
        if n in spaces:
            return colour_families(spaces[n])
        scan.findings.add(where, f"colour space {n} is not in the resources")
        return set()

    def colour(fams: set[str], what: str) -> None:
        nonlocal uses_cmyk
        if "cmyk" in fams and "icc" not in fams:        # DeviceCMYK, or a CMYK alternate
            uses_cmyk = True
        if fams:
            scan.colours.setdefault((where, what), frozenset(fams))

    for operands, op in operations:
        o = op.decode("latin-1")
        if op == b"INLINE IMAGE":
            settings = operands["settings"]
            cs = settings.get("/CS", settings.get("/ColorSpace"))
            if cs is not None:
                fams = families_of_name(str(cs)) if isinstance(cs, NameObject) and str(cs) in spaces \
                    else colour_families(cs)
                colour(fams, "inline image")
            if "/SMask" in settings or "/SMaskInData" in settings:
                scan.transparency.append((where, "inline image with soft mask"))
            continue
        if o not in PDF_OPERATORS:
            scan.findings.add(where, f"operator {o!r} is not defined in ISO 32000-1 (ISO 19005-2 §6.2.2)")
            continue
        if op == b"q":
            stack.append(current)
        elif op == b"Q":
            current = stack.pop() if stack else current
        elif op == b"Tf":
            fname = str(operands[0])
            font = resolve(fonts.get(fname))
            if not isinstance(font, DictionaryObject):
                scan.findings.add(where, f"font {fname} is not in the resources")
                current = None
            else:
                current = (font, fname)
                scan.selected[id(font)] = (font, fname, fonts)
        elif op in _SHOW:
            if current is None:
                scan.findings.add(where, "text shown with no font selected")
                continue
            font, fname = current
            use = scan.fonts.setdefault(id(font), FontShown(font, fname, where))
            strings = operands[0] if op == b"TJ" else operands[-1:]
            for s in strings:
                if not isinstance(s, (int, float, FloatObject, NumberObject)):
                    use.codes.add(_raw_bytes(s))
        elif op in (b"rg", b"RG"):
            colour({"rgb"}, o)
        elif op in (b"k", b"K"):
            colour({"cmyk"}, o)
        elif op in (b"cs", b"CS"):
            colour(families_of_name(str(operands[0])), f"{operands[0]} {o}")
        elif op == b"sh":
            sh = resolve(shadings.get(str(operands[0])))
            if isinstance(sh, DictionaryObject):
                colour(colour_families(sh.get("/ColorSpace")), f"shading {operands[0]}")
        elif op == b"gs":
            gs = resolve(states.get(str(operands[0])))
            if isinstance(gs, DictionaryObject):
                for t in ext_transparency(gs):
                    scan.transparency.append((where, f"{t} in ExtGState {operands[0]}"))
            else:
                scan.findings.add(where, f"ExtGState {operands[0]} is not in the resources")
        elif op == b"Do":
            xname = str(operands[0])
            ref = xobjects.get(xname)
            xo = resolve(ref)
            if not isinstance(xo, StreamObject):
                scan.findings.add(where, f"XObject {xname} is not in the resources")
                continue
            sub = name_of(xo.get("/Subtype"))
            if sub == "/Image":
                scan.images.append((where, xname, xo))
                if not xo.get("/ImageMask"):
                    colour(colour_families(xo.get("/ColorSpace")), f"image {xname}")
                if "/SMask" in xo or int(xo.get("/SMaskInData", 0) or 0) > 0:
                    scan.transparency.append((where, f"image {xname} has a soft mask"))
            elif sub == "/Form":
                key = ref.idnum if isinstance(ref, IndirectObject) else id(xo)
                if key in visiting:
                    scan.findings.add(where, f"form {xname} paints itself")
                    continue
                grp = resolve(xo.get("/Group"))
                if isinstance(grp, DictionaryObject) and name_of(grp.get("/S")) == "/Transparency":
                    scan.transparency.append((where, f"form {xname} is a transparency group"))
                    if "/CS" in grp:
                        colour(colour_families(grp["/CS"]), f"group colour space of {xname}")
                form_res = resolve(xo.get("/Resources")) or resources
                state = [current]
                scan_stream(xo, form_res, reader_pdf, f"{where} > form {xname}", scan, state,
                             depth + 1, visiting | {key})
    if uses_cmyk and resources is not None:
        scan.cmyk_resources.append((where, resources))
    if font_state:
        font_state[0] = current


def scan_type3_fonts(scan: Scan, reader_pdf, where_prefix: str) -> None:
    """Type 3 glyph procedures are content streams too (colour rules apply to them)."""
    for use in list(scan.fonts.values()):
        f = use.font
        if name_of(f.get("/Subtype")) != "/Type3":
            continue
        procs = resolve(f.get("/CharProcs"))
        res = resolve(f.get("/Resources"))
        if isinstance(procs, DictionaryObject):
            for gname, proc in procs.items():
                scan_stream(resolve(proc), res, reader_pdf,
                             f"{where_prefix}Type3 font {use.name} glyph {gname}", scan, [None], 1)
