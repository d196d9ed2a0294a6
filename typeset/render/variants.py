"""The variants table: what each receiver's file must be, decided before writing.

* print   -> PDF/X-4 (ISO 15930-7) or PDF/X-1a:2003 (ISO 15930-4): CMYK output intent FOGRA39
* archive -> PDF/A-2u (ISO 19005-2, conformance level U): sRGB output intent
* proof   -> no standard claimed (the type specimen, tests)

A `Variant` lists, for one kind of file, the header version, output intent, Info and XMP
claims, page boxes, bleed and crop marks, whether links, bookmarks and page labels are
written, whether every code must map to Unicode, the colour spaces content may use, whether
transparency is allowed, /Lang, and whether the file identifier is a content hash. The page
writer (`writer.py`) writes what it says and refuses to draw what it forbids; the preflight
(`preflight/`) re-checks written bytes against the same entry.

Also here: the output conditions and the ICC profiles that characterise them (icc/README.md
gives their origin and licence), with the header check the writer and the preflight share.
"""
from __future__ import annotations

import struct
from typeset.records import dataclass

from typeset.errors import TypesetError
from typeset.render.pdfsyntax import Name

from typeset.resources import ICC_DIR  # noqa: E402  (the shipped ICC profiles)

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


def icc_description(data: bytes) -> str:
    """The profile's description tag ('desc', ICC.1 §9.2.41): the ASCII text of a version 2
    textDescriptionType or the first record of a version 4 multiLocalizedUnicodeType; "" if
    there is none or it cannot be read."""
    try:
        (count,) = struct.unpack(">I", data[128:132])
        for k in range(min(count, 256)):
            sig, off, size = struct.unpack(">4sII", data[132 + 12 * k:144 + 12 * k])
            if sig != b"desc":
                continue
            tag = data[off:off + size]
            if tag[:4] == b"desc":
                (n,) = struct.unpack(">I", tag[8:12])
                return tag[12:12 + n].split(b"\0")[0].decode("latin-1")
            if tag[:4] == b"mluc":
                length, at = struct.unpack(">II", tag[20:28])
                return tag[at:at + length].decode("utf-16-be", errors="replace")
    except (struct.error, IndexError):
        pass
    return ""


def load_profile(name: str) -> bytes:
    path = ICC_DIR / name
    try:
        return path.read_bytes()
    except OSError as e:
        raise TypesetError(f"cannot read the shipped ICC profile {path}: {e.strerror}",
                           file=path, hint="reinstall typeset; the profile is part of the package")


def checked_profile(cond: OutputCondition, *, space: str, classes: tuple[str, ...],
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
# The variants table
#
# Decided before a byte is written (as WeasyPrint's VARIANTS, or Typst's validator set up
# before conversion): the writer reads a Variant to know what to write and what it may draw,
# the preflight reads the same Variant to re-check the written bytes.

# Colour spaces content may use (names for the table; the writer says which one each thing it
# draws uses, and refuses what the variant does not list).
GRAY = "DeviceGray"          # text and rules: pure black as K only
CMYK = "DeviceCMYK"
SPOT = "Separation"          # a spot colour over a CMYK alternate; crop marks use /All
RGB = "DeviceRGB"
ICC_GRAY = "ICCBased gray"
ICC_RGB = "ICCBased RGB"     # device-independent RGB, e.g. an sRGB-tagged image
ICC_CMYK = "ICCBased CMYK"


@dataclass(frozen=True)
class Intent:
    """The output intent a variant writes (ISO 32000-1 §14.11.5) and what its profile must be."""
    subtype: str                     # /S: /GTS_PDFX or /GTS_PDFA1
    condition: OutputCondition
    space: str                       # ICC colour space signature: 'CMYK' or 'RGB '
    classes: tuple[str, ...]         # device classes admitted ('prtr' output, 'mntr' monitor)
    max_version: tuple[int, int]     # newest ICC version admitted

    @property
    def components(self) -> int:
        """/N of the profile stream."""
        return 4 if self.space == "CMYK" else 3

    def profile(self) -> bytes:
        """The shipped profile, checked against what the standard admits."""
        return checked_profile(self.condition, space=self.space, classes=self.classes,
                               max_version=self.max_version)


@dataclass(frozen=True)
class Variant:
    """One kind of finished file: everything the writer must write and may draw."""
    key: str                         # print-x4 | print-x1a | archive | proof
    standard: str                    # conformance claimed ("" for none)
    version: tuple[int, int]         # header %PDF-M.m
    intent: Intent | None            # output intent (None: none written)
    info: tuple[tuple[str, str], ...]  # Info entries the standard adds (values: text or Name)
    xmp: tuple[str, ...]             # XMP properties that claim the standard
    xmp_extension: bool              # describe the PRISM schema in a pdfaExtension schema
    metadata: bool                   # an XMP packet (Info and XMP say the same)
    page_boxes: bool                 # TrimBox and BleedBox on every page (trim = bleed if no bleed)
    bleed: bool                      # bleed and crop marks (sizes from the layout)
    links: bool                      # link annotations (contents entries -> articles)
    outlines: bool                   # bookmarks
    page_labels: bool                # page labels (目录, 1, 2, …)
    tounicode: bool                  # every code shown maps to a real character (never U+0000,
    #                                  U+FEFF, U+FFFE; ISO 19005-2 §6.2.11.7.2). ToUnicode maps
    #                                  are written for every font in every variant.
    colours: frozenset[str]          # colour spaces content may use
    transparency: bool               # soft masks, alpha, blend modes, transparency groups
    lang: bool                       # /Lang in the catalog
    id_from_hash: bool               # /ID and the XMP document id are a hash of the file

    def allows(self, colour: str) -> bool:
        return colour in self.colours


_PRINT_XMP = ("<pdf:Trapped>False</pdf:Trapped>", "<xmpMM:VersionID>1</xmpMM:VersionID>",
              "<xmpMM:RenditionClass>default</xmpMM:RenditionClass>")

# ISO 15930-7 (PDF/X-4): PDF 1.6; CMYK output intent (an output profile, ICC v4 at most);
# Info GTS_PDFXVersion and Trapped (§6.7.4); device-independent colour and transparency are
# allowed, DeviceRGB is not; no annotations inside the bleed box (§6.6: links are left out).
PDF_X4 = Variant(
    key="print-x4", standard="PDF/X-4", version=(1, 6),
    intent=Intent("/GTS_PDFX", PRINT_CONDITION, "CMYK", ("prtr",), (4, 2)),
    info=(("Trapped", Name("False")), ("GTS_PDFXVersion", "PDF/X-4")),
    xmp=_PRINT_XMP + ("<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>",),
    xmp_extension=False, metadata=True, page_boxes=True, bleed=True, links=False,
    outlines=True, page_labels=True, tounicode=False,
    colours=frozenset({GRAY, CMYK, SPOT, ICC_GRAY, ICC_RGB, ICC_CMYK}), transparency=True,
    lang=True, id_from_hash=True)

# ISO 15930-4 (PDF/X-1a:2003): PDF 1.4, so ICC v2 profiles only (§6.2.3); CMYK, gray and spot
# colour only — no device-independent colour (§6.2.3) and no transparency (§6.3.1); Info
# GTS_PDFXVersion, GTS_PDFXConformance and Trapped (§6.7.5).
PDF_X1A = Variant(
    key="print-x1a", standard="PDF/X-1a:2003", version=(1, 4),
    intent=Intent("/GTS_PDFX", PRINT_CONDITION, "CMYK", ("prtr",), (2, 4)),
    info=(("Trapped", Name("False")), ("GTS_PDFXVersion", "PDF/X-1a:2003"),
          ("GTS_PDFXConformance", "PDF/X-1a:2003")),
    xmp=_PRINT_XMP + ("<pdfx:GTS_PDFXVersion>PDF/X-1a:2003</pdfx:GTS_PDFXVersion>",
                      "<pdfx:GTS_PDFXConformance>PDF/X-1a:2003</pdfx:GTS_PDFXConformance>"),
    xmp_extension=False, metadata=True, page_boxes=True, bleed=True, links=False,
    outlines=True, page_labels=True, tounicode=False,
    colours=frozenset({GRAY, CMYK, SPOT}), transparency=False, lang=True, id_from_hash=True)

# ISO 19005-2 level U (PDF/A-2u): PDF 1.7; sRGB output intent (§6.2.3; an output or monitor
# profile up to ICC v4.2); DeviceCMYK would need a DefaultCMYK (§6.2.4.3), so it is not
# listed; every font with a complete ToUnicode map (§6.2.11.7.2); links printable (§6.3.2);
# XMP with pdfaid and an extension schema for PRISM (§6.6).
PDF_A2U = Variant(
    key="archive", standard="PDF/A-2u", version=(1, 7),
    intent=Intent("/GTS_PDFA1", ARCHIVE_CONDITION, "RGB ", ("prtr", "mntr"), (4, 2)),
    info=(),
    xmp=("<pdfaid:part>2</pdfaid:part>", "<pdfaid:conformance>U</pdfaid:conformance>"),
    xmp_extension=True, metadata=True, page_boxes=False, bleed=False, links=True,
    outlines=True, page_labels=True, tounicode=True,
    colours=frozenset({GRAY, RGB, ICC_GRAY, ICC_RGB, ICC_CMYK}), transparency=True,
    lang=True, id_from_hash=True)

# No standard claimed: the type specimen and the renderer's own tests (bleed and crop marks
# only when asked for).
PROOF = Variant(
    key="proof", standard="", version=(1, 4), intent=None, info=(), xmp=(),
    xmp_extension=False, metadata=False, page_boxes=False, bleed=True, links=True,
    outlines=True, page_labels=True, tounicode=False,
    colours=frozenset({GRAY, CMYK, SPOT, RGB, ICC_GRAY, ICC_RGB, ICC_CMYK}), transparency=True,
    lang=True, id_from_hash=False)

VARIANTS = {v.key: v for v in (PDF_X4, PDF_X1A, PDF_A2U, PROOF)}


def variant_for(variant: str, pdfx: str = "x4") -> Variant:
    """The variant `typeset build --variant V --pdfx X` writes."""
    if variant == "print":
        if pdfx not in ("x4", "x1a"):
            raise TypesetError(f"unknown PDF/X level {pdfx!r}", hint="use 'x4' or 'x1a'")
        return PDF_X4 if pdfx == "x4" else PDF_X1A
    if variant == "archive":
        return PDF_A2U
    raise TypesetError(f"unknown variant {variant!r}", hint="use 'print' or 'archive'")


#: what no code may map to where every code must map to text (ISO 19005-2 §6.2.11.7.2)
NOT_UNICODE = frozenset("\u0000\ufeff\ufffe")
