"""Finish: the renderer's PDF -> the printer's PDF/X or the archive's PDF/A.

Contract: `finish(raw, variant, meta)` takes the bytes `render.pdf.write_pdf` produced and
returns new bytes; it never draws.  It adds what the two receivers need (journal-style.md,
"Who receives the output") and checks, on the objects it writes, the rules of the standard:

* print   -> PDF/X-4 (ISO 15930-7) or, with pdfx="x1a", PDF/X-1a:2003 (ISO 15930-4)
* archive -> PDF/A-2u (ISO 19005-2, conformance level U)

What is put right here (it is ours to set): document information dictionary, XMP metadata,
output intent, /Lang, /ID, header version, TrimBox/BleedBox defaults, annotation flags, link
annotations dropped from the print file.  What is refused with a TypesetError (the renderer
should never write it, and a silent fix would hide a bug): RGB in the print file, transparency
in X-1a, fonts used for text that are not embedded, missing or incomplete ToUnicode in the
archive, encryption, JavaScript and other forbidden actions, external streams, inconsistent
page boxes.

Same inputs give the same bytes: no clock, no random numbers; the dates come from the
manifest or SOURCE_DATE_EPOCH (`document_date`), the file identifier from a content hash.

This is the only module that writes PDF with pypdf.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import io
import re
import struct
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Literal
from xml.sax.saxutils import escape as _xml_escape

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import (ArrayObject, ByteStringObject, ContentStream, DictionaryObject,
                           FloatObject, IndirectObject, NameObject, NumberObject, StreamObject,
                           TextStringObject)

from typeset.errors import TypesetError
from typeset.issueinfo import Metadata, document_date, issue_label  # noqa: F401 (Metadata re-exported)

Variant = Literal["print", "archive"]
PdfX = Literal["x4", "x1a"]

ICC_DIR = Path(__file__).with_name("icc")
FINISH_VERSION = "1"          # part of the /ID hash: change when finish() output changes

# The characterisations we ship (icc/README.md gives their origin and licence).
CMYK_PROFILE = "FOGRA39-typeset.icc"
RGB_PROFILE = "sRGB-v2-typeset.icc"


@dataclass(frozen=True)
class OutputCondition:
    """One output intent (ISO 32000-1 §14.11.5), with the profile file that characterises it."""
    profile: str
    identifier: str          # OutputConditionIdentifier: a registered name where one exists
    condition: str           # OutputCondition: human-readable
    info: str                # Info
    registry: str = "http://www.color.org"


# FOGRA39 is in the ICC characterisation registry, so OutputConditionIdentifier names it and
# RegistryName points there (ISO 15930-7 §6.2.4); the embedded profile is built from FOGRA39L
# measurement data (icc/README.md).
PRINT_CONDITION = OutputCondition(
    profile=CMYK_PROFILE, identifier="FOGRA39",
    condition="Offset printing, according to ISO 12647-2:2004/Amd 1, OFCOM, paper type 1 or 2 "
              "= coated art, 115 g/m2, tone value increase curves A (CMY) and B (K)",
    info="Coated FOGRA39 (ISO 12647-2:2004)")
ARCHIVE_CONDITION = OutputCondition(
    profile=RGB_PROFILE, identifier="sRGB IEC61966-2.1", condition="sRGB IEC61966-2.1",
    info="sRGB IEC61966-2.1")

def _pdf_date(d: _dt.datetime) -> str:
    # ISO 32000-1 §7.9.4: D:YYYYMMDDHHmmSSOHH'mm'
    return d.strftime("D:%Y%m%d%H%M%S") + "+00'00'"


def _xmp_date(d: _dt.datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00"


# ---------------------------------------------------------------------------------------------
# ICC profiles

@dataclass(frozen=True)
class IccHeader:
    """The fields of an ICC profile header (ICC.1 §7.2) that PDF/X and PDF/A care about."""
    size: int
    version: tuple[int, int]
    device_class: str        # 'prtr', 'mntr', 'scnr', ...
    colour_space: str        # 'CMYK', 'RGB ', 'GRAY'
    pcs: str                 # 'Lab ' or 'XYZ '

    @property
    def components(self) -> int:
        return {"CMYK": 4, "RGB ": 3, "GRAY": 1}.get(self.colour_space, 0)


def icc_header(data: bytes) -> IccHeader:
    """Parse and check an ICC profile header; TypesetError if it is not a usable profile."""
    if len(data) < 132 or data[36:40] != b"acsp":
        raise TypesetError("not an ICC profile (no 'acsp' signature)")
    size = struct.unpack(">I", data[0:4])[0]
    if size != len(data):
        raise TypesetError(f"ICC profile says {size} bytes but has {len(data)}")
    return IccHeader(size=size, version=(data[8], data[9] >> 4),
                     device_class=data[12:16].decode("latin-1"),
                     colour_space=data[16:20].decode("latin-1"), pcs=data[20:24].decode("latin-1"))


def load_profile(name: str) -> bytes:
    path = ICC_DIR / name
    try:
        return path.read_bytes()
    except OSError as e:
        raise TypesetError(f"cannot read the shipped ICC profile {path}: {e.strerror}",
                           file=path, hint="reinstall typeset; the profile is part of the package")


def _checked_profile(cond: OutputCondition, *, space: str, classes: tuple[str, ...],
                     max_version: tuple[int, int]) -> bytes:
    data = load_profile(cond.profile)
    h = icc_header(data)
    # ISO 15930-7 §6.2.4 / ISO 19005-2 §6.2.3: an output (or, for PDF/A, output or monitor)
    # profile of the right colour space, of an ICC version the standard admits.
    if h.colour_space != space or h.device_class not in classes or h.version > max_version:
        raise TypesetError(f"ICC profile {cond.profile} is {h.colour_space!r}/{h.device_class!r} "
                           f"v{h.version[0]}.{h.version[1]}; expected {space!r} in {classes}",
                           file=ICC_DIR / cond.profile)
    return data


# ---------------------------------------------------------------------------------------------
# Problems found while checking

@dataclass
class _Findings:
    errors: list[str] = field(default_factory=list)

    def add(self, msg: str) -> None:
        if msg not in self.errors:
            self.errors.append(msg)

    def raise_if_any(self, variant: str, standard: str) -> None:
        if self.errors:
            shown = self.errors[:20]
            more = f"\n  … and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
            raise TypesetError(
                f"the {variant} PDF cannot be made {standard}:\n  " + "\n  ".join(shown) + more,
                hint="these come from the rendered PDF, not from your sources; please report "
                     "them as a typeset bug (with the issue manifest)")


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _name(obj) -> str | None:
    obj = _resolve(obj)
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
    cs = _resolve(cs)
    if isinstance(cs, NameObject):
        return {"/DeviceRGB": {"rgb"}, "/RGB": {"rgb"}, "/DeviceCMYK": {"cmyk"}, "/CMYK": {"cmyk"},
                "/DeviceGray": {"gray"}, "/G": {"gray"}, "/Pattern": {"pattern"},
                "/CalRGB": {"rgb", "cal"}, "/CalGray": {"gray", "cal"}, "/Lab": {"lab"}}.get(
                    str(cs), set())
    if not isinstance(cs, ArrayObject) or not cs:
        return set()
    kind = _name(cs[0])
    if kind == "/ICCBased":
        stream = _resolve(cs[1])
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
        attrs = _resolve(cs[4]) if len(cs) > 4 else None
        if isinstance(attrs, DictionaryObject) and "/Colorants" in attrs:
            for v in _resolve(attrs["/Colorants"]).values():
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
        data = b"\n".join(_resolve(c).get_data() for c in contents)
    else:
        data = contents.get_data()
    try:
        return _fast_operations(data)
    except _NeedPypdf:
        return ContentStream(contents, reader_pdf).operations


@dataclass
class _FontUse:
    font: DictionaryObject
    name: str
    where: str
    codes: set[bytes] = field(default_factory=set)


@dataclass
class _Scan:
    """What the content streams use, gathered by `_scan_stream`."""
    fonts: dict[int, _FontUse] = field(default_factory=dict)        # id(font dict) -> use
    selected: dict[int, tuple[DictionaryObject, str, DictionaryObject]] = field(default_factory=dict)
    cmyk_resources: list[DictionaryObject] = field(default_factory=list)
    transparency: list[str] = field(default_factory=list)
    device_independent: list[str] = field(default_factory=list)     # ICC, Lab, Cal* colour
    rgb: list[str] = field(default_factory=list)
    findings: _Findings = field(default_factory=_Findings)


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
    d = _resolve(res.get(key))
    return d if isinstance(d, DictionaryObject) else DictionaryObject()


def _ext_transparency(gs: DictionaryObject) -> list[str]:
    out = []
    smask = gs.get("/SMask")
    if smask is not None and _name(smask) != "/None":
        out.append("soft mask (SMask)")
    for key in ("/CA", "/ca"):
        if key in gs and float(_resolve(gs[key])) < 1.0:
            out.append(f"constant alpha {key}={float(_resolve(gs[key]))}")
    bm = _resolve(gs.get("/BM"))
    names = [_name(b) for b in bm] if isinstance(bm, ArrayObject) else [_name(bm)] if bm else []
    for n in names:
        if n not in (None, "/Normal", "/Compatible"):
            out.append(f"blend mode {n}")
    return out


def _scan_stream(data_stream, resources: DictionaryObject | None, reader_pdf, where: str,
                 scan: _Scan, font_state: list, depth: int = 0, visiting: set[int] | None = None) -> None:
    """Walk one content stream (and the forms it paints) recording colours, fonts, codes."""
    visiting = visiting if visiting is not None else set()
    if depth > 28:
        scan.findings.add(f"{where}: form XObjects nested more than 28 deep")
        return
    try:
        operations = _operations(data_stream, reader_pdf)
    except Exception as e:   # pypdf raises assorted errors on broken streams
        scan.findings.add(f"{where}: content stream cannot be parsed ({e})")
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
        scan.findings.add(f"{where}: colour space {n} is not in the resources")
        return set()

    def colour(fams: set[str], what: str) -> None:
        nonlocal uses_cmyk
        if "rgb" in fams:
            scan.rgb.append(f"{where}: RGB colour ({what})")
        if "cmyk" in fams:
            uses_cmyk = True
        for f in ("icc", "lab", "cal"):
            if f in fams:
                scan.device_independent.append(f"{where}: {f} colour ({what})")

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
                scan.transparency.append(f"{where}: inline image with soft mask")
            continue
        if o not in PDF_OPERATORS:
            scan.findings.add(f"{where}: operator {o!r} is not defined in ISO 32000-1")
            continue
        if op == b"q":
            stack.append(current)
        elif op == b"Q":
            current = stack.pop() if stack else current
        elif op == b"Tf":
            fname = str(operands[0])
            font = _resolve(fonts.get(fname))
            if not isinstance(font, DictionaryObject):
                scan.findings.add(f"{where}: font {fname} is not in the resources")
                current = None
            else:
                current = (font, fname)
                scan.selected[id(font)] = (font, fname, fonts)
        elif op in _SHOW:
            if current is None:
                scan.findings.add(f"{where}: text shown with no font selected")
                continue
            font, fname = current
            use = scan.fonts.setdefault(id(font), _FontUse(font, fname, where))
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
            sh = _resolve(shadings.get(str(operands[0])))
            if isinstance(sh, DictionaryObject):
                colour(colour_families(sh.get("/ColorSpace")), f"shading {operands[0]}")
        elif op == b"gs":
            gs = _resolve(states.get(str(operands[0])))
            if isinstance(gs, DictionaryObject):
                for t in _ext_transparency(gs):
                    scan.transparency.append(f"{where}: {t} in ExtGState {operands[0]}")
            else:
                scan.findings.add(f"{where}: ExtGState {operands[0]} is not in the resources")
        elif op == b"Do":
            xname = str(operands[0])
            ref = xobjects.get(xname)
            xo = _resolve(ref)
            if not isinstance(xo, StreamObject):
                scan.findings.add(f"{where}: XObject {xname} is not in the resources")
                continue
            sub = _name(xo.get("/Subtype"))
            if sub == "/Image":
                if not xo.get("/ImageMask"):
                    colour(colour_families(xo.get("/ColorSpace")), f"image {xname}")
                if "/SMask" in xo or int(xo.get("/SMaskInData", 0) or 0) > 0:
                    scan.transparency.append(f"{where}: image {xname} has a soft mask")
            elif sub == "/Form":
                key = ref.idnum if isinstance(ref, IndirectObject) else id(xo)
                if key in visiting:
                    scan.findings.add(f"{where}: form {xname} paints itself")
                    continue
                grp = _resolve(xo.get("/Group"))
                if isinstance(grp, DictionaryObject) and _name(grp.get("/S")) == "/Transparency":
                    scan.transparency.append(f"{where}: form {xname} is a transparency group")
                    if "/CS" in grp:
                        colour(colour_families(grp["/CS"]), f"group colour space of {xname}")
                form_res = _resolve(xo.get("/Resources")) or resources
                state = [current]
                _scan_stream(xo, form_res, reader_pdf, f"{where} > form {xname}", scan, state,
                             depth + 1, visiting | {key})
    if uses_cmyk and resources is not None:
        scan.cmyk_resources.append(resources)
    if font_state:
        font_state[0] = current


def _scan_fonts_type3(scan: _Scan, reader_pdf, where_prefix: str) -> None:
    """Type 3 glyph procedures are content streams too (colour rules apply to them)."""
    for use in list(scan.fonts.values()):
        f = use.font
        if _name(f.get("/Subtype")) != "/Type3":
            continue
        procs = _resolve(f.get("/CharProcs"))
        res = _resolve(f.get("/Resources"))
        if isinstance(procs, DictionaryObject):
            for gname, proc in procs.items():
                _scan_stream(_resolve(proc), res, reader_pdf,
                             f"{where_prefix}Type3 font {use.name} glyph {gname}", scan, [None], 1)


# ---------------------------------------------------------------------------------------------
# Fonts (ISO 19005-2 §6.2.11, ISO 15930-7 §6.3)

_NEVER_UNICODE = {"\u0000", "\ufeff", "\ufffe"}


def _check_font(use: _FontUse, need_unicode: bool, findings: _Findings) -> None:
    f = use.font
    sub = _name(f.get("/Subtype"))
    base = str(_resolve(f.get("/BaseFont", "")) or "")
    label = f"font {use.name} ({base or sub}), first used at {use.where}"
    width, ranges = 1, []
    if sub == "/Type0":
        desc_fonts = _resolve(f.get("/DescendantFonts"))
        cid = _resolve(desc_fonts[0]) if isinstance(desc_fonts, ArrayObject) and desc_fonts else None
        if not isinstance(cid, DictionaryObject):
            findings.add(f"{label}: Type0 font without a descendant CIDFont")
            return
        csub = _name(cid.get("/Subtype"))
        fd = _resolve(cid.get("/FontDescriptor"))
        prog = ("/FontFile2",) if csub == "/CIDFontType2" else ("/FontFile3",)
        if not isinstance(fd, DictionaryObject) or not any(k in fd for k in prog):
            findings.add(f"{label}: font program not embedded (ISO 19005-2 §6.2.11.4.1)")
        if csub == "/CIDFontType2" and "/CIDToGIDMap" not in cid:
            findings.add(f"{label}: CIDFontType2 without CIDToGIDMap (ISO 19005-2 §6.2.11.3.2)")
        enc = _resolve(f.get("/Encoding"))
        width = 2
        if isinstance(enc, StreamObject):
            ranges, _ = parse_tounicode(enc.get_data())
        elif _name(enc) not in ("/Identity-H", "/Identity-V"):
            if need_unicode:
                findings.add(f"{label}: CMap {enc} cannot be checked; use Identity-H or embed it")
    elif sub == "/Type3":
        pass      # glyphs are content streams: nothing to embed (ISO 19005-2 §6.2.11.4.1)
    else:
        fd = _resolve(f.get("/FontDescriptor"))
        if not isinstance(fd, DictionaryObject) or not any(
                k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            findings.add(f"{label}: font program not embedded (ISO 19005-2 §6.2.11.4.1, "
                         "ISO 15930-7 §6.3.5)")
    if not need_unicode:
        return
    tu = _resolve(f.get("/ToUnicode"))
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
            elif not u or any(ch in _NEVER_UNICODE for ch in u):
                bad.append(code.hex())
    if missing:
        findings.add(f"{label}: ToUnicode has no entry for code(s) {', '.join(sorted(set(missing))[:8])}"
                     " (ISO 19005-2 §6.2.11.7.2)")
    if bad:
        findings.add(f"{label}: ToUnicode maps code(s) {', '.join(sorted(set(bad))[:8])} to "
                     "U+0000/U+FEFF/U+FFFE or nothing (ISO 19005-2 §6.2.11.7.2)")


def _embedded(font: DictionaryObject) -> bool:
    sub = _name(font.get("/Subtype"))
    if sub == "/Type3":
        return True
    if sub == "/Type0":
        d = _resolve(font.get("/DescendantFonts"))
        font = _resolve(d[0]) if isinstance(d, ArrayObject) and d else DictionaryObject()
    fd = _resolve(font.get("/FontDescriptor"))
    return isinstance(fd, DictionaryObject) and any(
        k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _repoint_idle_fonts(scan: _Scan, findings: _Findings) -> None:
    """A font that is selected (Tf) but never shows a glyph paints nothing — ReportLab's page
    preamble `BT /F1 12 Tf 14.4 TL ET` selects Helvetica on every page. If it is not embedded,
    point its resource name at an embedded font the document uses: rendering is unchanged and
    no unembedded font is left for a validator to flag."""
    used = [u.font for u in scan.fonts.values() if _embedded(u.font)]
    for key, (font, fname, fontdict) in scan.selected.items():
        if key in scan.fonts or _embedded(font):
            continue
        if not used:
            findings.add(f"font {fname} ({font.get('/BaseFont')}) is selected but not embedded, "
                         "and the document has no embedded font to stand in")
            continue
        ref = used[0].indirect_reference
        fontdict[NameObject(fname)] = ref if ref is not None else used[0]


# ---------------------------------------------------------------------------------------------
# The object graph: things forbidden wherever they appear

_FORBIDDEN_ACTIONS = {"/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/Hide",
                      "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView", "/JavaScript",
                      "/GoToE", "/RichMediaExecute"}
_ALLOWED_NAMED = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}


def _walk(root) -> Iterator[tuple[DictionaryObject | ArrayObject, str]]:
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


def _check_graph(root, variant: str, pdfx: str, findings: _Findings, trans: list[str]) -> None:
    for obj, path in _walk(root):
        if isinstance(obj, ArrayObject):
            # a colour space array anywhere (resources, images, shadings, groups)
            if obj and _name(obj[0]) in ("/ICCBased", "/CalRGB", "/Indexed", "/Separation",
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
                    if _name(v) in ("/DeviceRGB", "/CalRGB"):
                        findings.add(f"RGB colour space {v} at {path or '/'}")
            continue
        d = obj
        for k, v in d.items():
            if variant == "print" and _name(v) in ("/DeviceRGB", "/CalRGB") and k != "/Alternate":
                findings.add(f"RGB colour space {v} at {path}{k}")
        if isinstance(d, StreamObject):
            for k in ("/F", "/FFilter", "/FDecodeParms"):
                if k in d:
                    findings.add(f"stream at {path} refers to an external file ({k})")
            filters = _resolve(d.get("/Filter"))
            names = [_name(x) for x in filters] if isinstance(filters, ArrayObject) else [_name(filters)]
            if "/LZWDecode" in names:
                findings.add(f"stream at {path} uses LZWDecode (ISO 19005-2 §6.1.7.2)")
            if "/Crypt" in names:
                findings.add(f"stream at {path} uses the Crypt filter")
        sub = _name(d.get("/Subtype"))
        if sub == "/OpenType" and variant == "print" and pdfx == "x1a":
            findings.add(f"OpenType font program at {path} needs PDF 1.6; PDF/X-1a:2003 is PDF 1.4")
        if _name(d.get("/Type")) == "/XObject" or sub in ("/PS", "/Image", "/Form"):
            if sub == "/PS" or "/PS" in d or "/OPI" in d or "/Ref" in d:
                findings.add(f"PostScript, OPI or reference XObject at {path}")
            if sub == "/Image":
                if "/Alternates" in d:
                    findings.add(f"image with /Alternates at {path}")
                if d.get("/Interpolate") and variant == "archive":
                    findings.add(f"image with /Interpolate true at {path} (ISO 19005-2 §6.2.8)")
        s = _name(d.get("/S"))
        if s is not None and (_name(d.get("/Type")) == "/Action" or path.endswith(("/A", "/Next"))
                              or "/JS" in d):
            if s in _FORBIDDEN_ACTIONS:
                findings.add(f"{s[1:]} action at {path}")
            elif s == "/Named" and _name(d.get("/N")) not in _ALLOWED_NAMED:
                findings.add(f"named action {d.get('/N')} at {path}")
            elif s in ("/GoToR", "/SubmitForm") and variant == "print":
                findings.add(f"{s[1:]} action at {path}")
        if "/JS" in d:
            findings.add(f"JavaScript at {path}")
        if "/AA" in d:
            findings.add(f"additional actions (/AA) at {path}")
        states = _resolve(d.get("/ExtGState"))
        if isinstance(states, DictionaryObject):          # a resource dictionary
            for gname, gs in states.items():
                gs = _resolve(gs)
                if not isinstance(gs, DictionaryObject):
                    continue
                at = f"{path}/ExtGState{gname}"
                if "/TR" in gs:
                    findings.add(f"transfer function /TR at {at} (ISO 19005-2 §6.2.5)")
                if "/TR2" in gs and _name(gs["/TR2"]) != "/Default":
                    findings.add(f"transfer function /TR2 at {at} (ISO 19005-2 §6.2.5)")
                if "/HTP" in gs or "/HTO" in gs:
                    findings.add(f"/HTP or /HTO at {at}")
                for t in _ext_transparency(gs):
                    trans.append(f"{t} at {at}")
        if sub == "/Image" and ("/SMask" in d or int(_resolve(d.get("/SMaskInData", 0)) or 0) > 0):
            trans.append(f"image with soft mask at {path}")
        if _name(d.get("/S")) == "/Transparency" and path.endswith("/Group"):
            trans.append(f"transparency group at {path}")


# ---------------------------------------------------------------------------------------------
# Page boxes (ISO 15930-7 §6.2.2, ISO 32000-1 §14.11.2)

def _box(v) -> tuple[float, float, float, float] | None:
    v = _resolve(v)
    if not isinstance(v, ArrayObject) or len(v) != 4:
        return None
    x0, y0, x1, y1 = (float(_resolve(x)) for x in v)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _inside(inner, outer, tol: float = 0.01) -> bool:
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol
            and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


def _fix_boxes(page: DictionaryObject, n: int, variant: str, findings: _Findings) -> None:
    media = _box(page.get("/MediaBox")) or _box(_inherited(page, "/MediaBox"))
    if media is None or media[2] - media[0] <= 0 or media[3] - media[1] <= 0:
        findings.add(f"page {n}: no usable MediaBox")
        return
    crop = _box(page.get("/CropBox")) or _box(_inherited(page, "/CropBox"))
    if variant == "print":
        if "/ArtBox" in page and "/TrimBox" in page:
            findings.add(f"page {n}: both ArtBox and TrimBox (ISO 15930-7 §6.2.2)")
        if "/TrimBox" not in page:
            page[NameObject("/TrimBox")] = _arr(crop or media)
        if "/BleedBox" not in page:
            # no bleed was drawn: the bleed box is the trim box
            page[NameObject("/BleedBox")] = _arr(_box(page["/TrimBox"]))
    trim, bleed = _box(page.get("/TrimBox")), _box(page.get("/BleedBox"))
    for name, b in (("TrimBox", trim), ("BleedBox", bleed), ("CropBox", crop)):
        if b is not None and (b[2] - b[0] <= 0 or b[3] - b[1] <= 0):
            findings.add(f"page {n}: {name} {list(b)} is empty")
    if trim and bleed and not _inside(trim, bleed):
        findings.add(f"page {n}: TrimBox {list(trim)} is not inside BleedBox {list(bleed)}")
    if bleed and not _inside(bleed, media):
        findings.add(f"page {n}: BleedBox {list(bleed)} is not inside MediaBox {list(media)}")
    if trim and not _inside(trim, media):
        findings.add(f"page {n}: TrimBox {list(trim)} is not inside MediaBox {list(media)}")
    if crop and trim and not _inside(trim, crop):
        findings.add(f"page {n}: TrimBox {list(trim)} is not inside CropBox {list(crop)}")


def _page_dicts(root: DictionaryObject) -> list[DictionaryObject]:
    """The leaf /Page dictionaries in order, as stored (pypdf's PageObjects are copies, and
    changes made here must reach the objects the writer clones)."""
    out: list[DictionaryObject] = []
    seen: set[int] = set()

    def visit(node, depth: int) -> None:
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                return
            seen.add(node.idnum)
        node = _resolve(node)
        if not isinstance(node, DictionaryObject) or depth > 64:
            return
        if _name(node.get("/Type")) == "/Pages" or "/Kids" in node:
            for kid in _resolve(node.get("/Kids", ArrayObject())):
                visit(kid, depth + 1)
        else:
            out.append(node)

    visit(root.raw_get("/Pages") if "/Pages" in root else None, 0)
    return out


def _inherited(page: DictionaryObject, key: str):
    node = page
    for _ in range(64):
        if key in node:
            return node[key]
        parent = _resolve(node.get("/Parent"))
        if not isinstance(parent, DictionaryObject):
            return None
        node = parent
    return None


def _arr(b) -> ArrayObject:
    def num(x: float):
        return NumberObject(int(x)) if float(x).is_integer() else FloatObject(round(x, 4))
    return ArrayObject([num(x) for x in b])


# ---------------------------------------------------------------------------------------------
# XMP (ISO 16684-1) with the PDF/A extension schema for the PRISM properties we write

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfxid": "http://www.npes.org/pdfx/ns/id/",
    "pdfx": "http://ns.adobe.com/pdfx/1.3/",
    "prism": "http://prismstandard.org/namespaces/basic/2.0/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}

# PRISM is not among the schemas PDF/A-2 predefines (ISO 19005-2 §6.6.2.3.1), so each
# property we use is described in a pdfaExtension schema.
PRISM_PROPERTIES = (
    ("publicationName", "Text", "Name of the journal"),
    ("number", "Text", "Issue number within the year"),
    ("coverDate", "Date", "Year of the issue (YYYY)"),
    ("coverDisplayDate", "Text", "Issue designation as printed, e.g. 2024年第2期"),
    ("publicationDate", "Date", "Date of publication"),
)


def build_xmp(meta: Metadata, variant: Variant, pdfx: PdfX, doc_uuid: str) -> bytes:
    e = _xml_escape
    when = _xmp_date(document_date(meta))
    lang = e(meta.language)
    props = [
        "<dc:format>application/pdf</dc:format>",
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(meta.title)}</rdf:li></rdf:Alt></dc:title>',
        f"<dc:creator><rdf:Seq><rdf:li>{e(meta.journal)}</rdf:li></rdf:Seq></dc:creator>",
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(meta.journal)} '
        f"{e(issue_label(meta))}</rdf:li></rdf:Alt></dc:description>",
        f"<dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>",
        f"<xmp:CreateDate>{when}</xmp:CreateDate>",
        f"<xmp:ModifyDate>{when}</xmp:ModifyDate>",
        f"<xmp:MetadataDate>{when}</xmp:MetadataDate>",
        f"<xmp:CreatorTool>{e(meta.creator)}</xmp:CreatorTool>",
        f"<pdf:Producer>{e(meta.producer)}</pdf:Producer>",
        f"<xmpMM:DocumentID>uuid:{doc_uuid}</xmpMM:DocumentID>",
        f"<xmpMM:InstanceID>uuid:{doc_uuid}</xmpMM:InstanceID>",
        f"<prism:publicationName>{e(meta.journal)}</prism:publicationName>",
        f"<prism:number>{meta.number}</prism:number>",
        f"<prism:coverDate>{meta.year:04d}</prism:coverDate>",
        f"<prism:coverDisplayDate>{e(issue_label(meta))}</prism:coverDisplayDate>",
    ]
    if meta.date is not None:
        props.append(f"<prism:publicationDate>{meta.date.isoformat()}</prism:publicationDate>")
    if variant == "print":
        props += ["<pdf:Trapped>False</pdf:Trapped>",
                  "<xmpMM:VersionID>1</xmpMM:VersionID>",
                  "<xmpMM:RenditionClass>default</xmpMM:RenditionClass>"]
        if pdfx == "x4":
            props.append("<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>")
        else:
            props += ["<pdfx:GTS_PDFXVersion>PDF/X-1a:2003</pdfx:GTS_PDFXVersion>",
                      "<pdfx:GTS_PDFXConformance>PDF/X-1a:2003</pdfx:GTS_PDFXConformance>"]
    else:
        props += ["<pdfaid:part>2</pdfaid:part>", "<pdfaid:conformance>U</pdfaid:conformance>"]
        rows = "".join(
            '<rdf:li rdf:parseType="Resource">'
            f"<pdfaProperty:name>{n}</pdfaProperty:name>"
            f"<pdfaProperty:valueType>{t}</pdfaProperty:valueType>"
            "<pdfaProperty:category>external</pdfaProperty:category>"
            f"<pdfaProperty:description>{e(d)}</pdfaProperty:description></rdf:li>"
            for n, t, d in PRISM_PROPERTIES)
        props.append(
            '<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
            "<pdfaSchema:schema>PRISM Basic Metadata</pdfaSchema:schema>"
            f"<pdfaSchema:namespaceURI>{NS['prism']}</pdfaSchema:namespaceURI>"
            "<pdfaSchema:prefix>prism</pdfaSchema:prefix>"
            f"<pdfaSchema:property><rdf:Seq>{rows}</rdf:Seq></pdfaSchema:property>"
            "</rdf:li></rdf:Bag></pdfaExtension:schemas>")
    used = {p[1:p.index(":")] for p in props}
    if variant == "archive":
        used |= {"pdfaSchema", "pdfaProperty"}          # prefixes inside the extension schema
    xmlns = " ".join(f'xmlns:{p}="{NS[p]}"' for p in sorted(used))
    body = "\n   ".join(props)
    text = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        f' <rdf:RDF xmlns:rdf="{NS["rdf"]}">\n'
        f'  <rdf:Description rdf:about="" {xmlns}>\n   {body}\n  </rdf:Description>\n'
        " </rdf:RDF>\n</x:xmpmeta>\n"
        + (" " * 99 + "\n") * 20          # padding lets an editor update the packet in place
        + '<?xpacket end="w"?>')
    return text.encode("utf-8")


# ---------------------------------------------------------------------------------------------
# finish()

def _fingerprint(raw: bytes, variant: str, pdfx: str, meta: Metadata, profile: bytes) -> bytes:
    h = hashlib.sha256()
    for part in (FINISH_VERSION, variant, pdfx if variant == "print" else "", repr(meta),
                 document_date(meta).isoformat()):
        h.update(part.encode("utf-8") + b"\0")
    h.update(hashlib.sha256(profile).digest())
    h.update(hashlib.sha256(raw).digest())
    return h.digest()


def _output_intent(writer: PdfWriter, cond: OutputCondition, subtype: str, icc: bytes,
                   n: int) -> IndirectObject:
    prof = StreamObject()
    prof.set_data(icc)
    prof[NameObject("/N")] = NumberObject(n)
    prof = prof.flate_encode(level=9)
    ref = writer._add_object(prof)
    oi = DictionaryObject({
        NameObject("/Type"): NameObject("/OutputIntent"),
        NameObject("/S"): NameObject(subtype),
        NameObject("/OutputConditionIdentifier"): TextStringObject(cond.identifier),
        NameObject("/OutputCondition"): TextStringObject(cond.condition),
        NameObject("/RegistryName"): TextStringObject(cond.registry),
        NameObject("/Info"): TextStringObject(cond.info),
        NameObject("/DestOutputProfile"): ref,
    })
    return writer._add_object(oi)


def finish(raw: bytes, variant: Variant, meta: Metadata, *, pdfx: PdfX = "x4") -> bytes:
    """Make the print (PDF/X-4 or X-1a) or archive (PDF/A-2u) file from the rendered PDF."""
    if variant not in ("print", "archive"):
        raise TypesetError(f"unknown variant {variant!r}", hint="use 'print' or 'archive'")
    if pdfx not in ("x4", "x1a"):
        raise TypesetError(f"unknown PDF/X level {pdfx!r}", hint="use 'x4' or 'x1a'")
    standard = ("PDF/X-4" if pdfx == "x4" else "PDF/X-1a:2003") if variant == "print" else "PDF/A-2u"
    try:
        reader = PdfReader(io.BytesIO(raw))
        encrypted = reader.is_encrypted
    except (PdfReadError, ValueError, KeyError) as e:
        raise TypesetError(f"the rendered PDF cannot be read: {e}",
                           hint="this is a bug in the renderer; please report it")
    if encrypted:
        raise TypesetError("the rendered PDF is encrypted; PDF/X and PDF/A forbid encryption")

    if variant == "print":
        cond = PRINT_CONDITION
        # ISO 15930-7 §6.2.4: an output-device ('prtr') profile; X-1a:2003 is PDF 1.4, whose
        # ICC support ends at version 2 (ISO 15930-4 §6.2.3).
        icc = _checked_profile(cond, space="CMYK", classes=("prtr",),
                               max_version=(4, 2) if pdfx == "x4" else (2, 4))
    else:
        cond = ARCHIVE_CONDITION
        # ISO 19005-2 §6.2.3: output or monitor profile, ICC.1:2004-10 (v4.2) at most.
        icc = _checked_profile(cond, space="RGB ", classes=("prtr", "mntr"), max_version=(4, 2))
    findings = _Findings()
    root = reader.trailer["/Root"].get_object()

    # 1. Remove, on the reader's objects so the clone never copies them, what we replace or
    #    what must not be in the file.
    for key in ("/Metadata", "/OutputIntents", "/Lang"):
        root.pop(key, None)
    if variant == "print":
        root.pop("/AcroForm", None)
    names = _resolve(root.get("/Names"))
    if isinstance(names, DictionaryObject):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                findings.add(f"document has {key[1:]} (forbidden by {standard})")
    for key in ("/AA", "/Perms", "/Collection", "/Requirements", "/NeedsRendering"):
        if key in root:
            findings.add(f"document catalog has {key} (forbidden by {standard})")
    pages = _page_dicts(root)
    if not pages:
        findings.add("the document has no pages")
    for n, page in enumerate(pages, start=1):
        page.pop("/Trans", None)               # presentation effect; nothing to do with print
        annots = _resolve(page.get("/Annots"))
        if not isinstance(annots, ArrayObject):
            continue
        if variant == "print":
            # ISO 15930-7 §6.6: annotations inside the BleedBox are not allowed (printer's
            # marks and trap networks aside); links mean nothing on paper.
            keep = ArrayObject(a for a in annots
                               if _name(_resolve(a).get("/Subtype")) in ("/PrinterMark", "/TrapNet"))
            if keep:
                page[NameObject("/Annots")] = keep
            else:
                del page["/Annots"]
        else:
            for a in annots:
                ad = _resolve(a)
                sub = _name(ad.get("/Subtype"))
                if sub in ("/3D", "/Sound", "/Movie", "/Screen", "/FileAttachment", "/RichMedia"):
                    findings.add(f"page {n}: {sub[1:]} annotation (ISO 19005-2 §6.3.1)")
                if sub not in ("/Link", "/Popup") and "/AP" not in ad:
                    findings.add(f"page {n}: {sub} annotation without appearance (ISO 19005-2 §6.3.3)")
                # ISO 19005-2 §6.3.2: Print set; Hidden, Invisible, NoView, ToggleNoView clear.
                flags = int(ad.get("/F", 0))
                ad[NameObject("/F")] = NumberObject((flags | 4) & ~(1 | 2 | 32 | 256))

    # 2. What the pages paint: colours, fonts, transparency.
    scan = _Scan(findings=findings)
    for n, page in enumerate(pages, start=1):
        _fix_boxes(page, n, variant, findings)
        contents = _resolve(page.get("/Contents"))
        res = _resolve(_inherited(page, "/Resources"))
        if isinstance(contents, (StreamObject, ArrayObject)):
            _scan_stream(contents, res, reader, f"page {n}", scan, [None])
        grp = _resolve(page.get("/Group"))
        if isinstance(grp, DictionaryObject) and _name(grp.get("/S")) == "/Transparency":
            scan.transparency.append(f"page {n}: transparency group")
    _scan_fonts_type3(scan, reader, "")
    for use in scan.fonts.values():
        _check_font(use, need_unicode=variant == "archive", findings=findings)
    _repoint_idle_fonts(scan, findings)

    trans: list[str] = []
    _check_graph(reader.trailer["/Root"], variant, pdfx, findings, trans)
    if variant == "print":
        for t in scan.rgb:
            findings.add(t)
    if variant == "print" and pdfx == "x1a":
        for t in scan.transparency + trans:
            findings.add(f"transparency: {t} (ISO 15930-4 §6.3.1: PDF/X-1a has none)")
        for t in scan.device_independent:
            findings.add(f"{t} (ISO 15930-4 §6.2.3: PDF/X-1a allows CMYK, gray and spot colour)")
    findings.raise_if_any(variant, standard)

    # 3. Write the finished file.
    writer = PdfWriter(clone_from=reader)
    digest = _fingerprint(raw, variant, pdfx, meta, icc)
    doc_uuid = str(uuid.UUID(bytes=digest[:16]))
    wroot = writer.root_object
    if variant == "archive" and scan.cmyk_resources:
        # ISO 19005-2 §6.2.4.3: DeviceCMYK under an RGB output intent needs a DefaultCMYK.
        cmyk = StreamObject()
        cmyk.set_data(_checked_profile(PRINT_CONDITION, space="CMYK", classes=("prtr",),
                                       max_version=(4, 2)))
        cmyk[NameObject("/N")] = NumberObject(4)
        cmyk_ref = writer._add_object(cmyk.flate_encode(level=9))
        default = ArrayObject([NameObject("/ICCBased"), cmyk_ref])
        _add_default_cmyk(writer, default)

    when = _pdf_date(document_date(meta))
    info = DictionaryObject({
        NameObject("/Title"): TextStringObject(meta.title),
        NameObject("/Author"): TextStringObject(meta.journal),
        NameObject("/Subject"): TextStringObject(f"{meta.journal} {issue_label(meta)}"),
        NameObject("/Creator"): TextStringObject(meta.creator),
        NameObject("/Producer"): TextStringObject(meta.producer),
        NameObject("/CreationDate"): TextStringObject(when),
        NameObject("/ModDate"): TextStringObject(when),
    })
    if variant == "print":
        # ISO 15930-7 §6.7.4 / ISO 15930-4 §6.7.5: version keys and Trapped (True or False).
        info[NameObject("/Trapped")] = NameObject("/False")
        if pdfx == "x4":
            info[NameObject("/GTS_PDFXVersion")] = TextStringObject("PDF/X-4")
        else:
            info[NameObject("/GTS_PDFXVersion")] = TextStringObject("PDF/X-1a:2003")
            info[NameObject("/GTS_PDFXConformance")] = TextStringObject("PDF/X-1a:2003")
    writer._info = info                      # replaces the cloned dictionary in place

    xmp = StreamObject()
    xmp.set_data(build_xmp(meta, variant, pdfx, doc_uuid))
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    wroot[NameObject("/Metadata")] = writer._add_object(xmp)
    wroot[NameObject("/Lang")] = TextStringObject(meta.language)
    wroot[NameObject("/OutputIntents")] = ArrayObject([_output_intent(
        writer, cond, "/GTS_PDFX" if variant == "print" else "/GTS_PDFA1", icc,
        4 if variant == "print" else 3)])
    # ISO 32000-1 §14.4: both halves equal for a file written the first time; here a content
    # hash, so the same inputs give the same identifier.
    writer._ID = ArrayObject([ByteStringObject(digest[:16]), ByteStringObject(digest[:16])])
    writer.pdf_header = {"x4": "%PDF-1.6", "x1a": "%PDF-1.4"}[pdfx] if variant == "print" else "%PDF-1.7"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_default_cmyk(writer: PdfWriter, default: ArrayObject) -> None:
    """Give every resource dictionary of the pages and their forms a /DefaultCMYK."""
    for obj, _ in _walk(writer.root_object.indirect_reference):
        if not isinstance(obj, DictionaryObject):
            continue
        if "/Resources" in obj and (_name(obj.get("/Type")) == "/Page" or _name(obj.get("/Subtype")) == "/Form"):
            res = _resolve(obj["/Resources"])
            if not isinstance(res, DictionaryObject):
                continue
            cs = _resolve(res.get("/ColorSpace"))
            if not isinstance(cs, DictionaryObject):
                cs = DictionaryObject()
                res[NameObject("/ColorSpace")] = cs
            cs.setdefault(NameObject("/DefaultCMYK"), default)
