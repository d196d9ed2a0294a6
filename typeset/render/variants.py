"""The print and archive variants: what each receiver's standard asks of the file.

* print   -> PDF/X-4 (ISO 15930-7) or PDF/X-1a:2003 (ISO 15930-4): CMYK output intent FOGRA39
* archive -> PDF/A-2u (ISO 19005-2, conformance level U): sRGB output intent

The output conditions and the ICC profiles that characterise them (icc/README.md gives their
origin and licence), with the header check both the writer and the preflight use.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from typeset.errors import TypesetError

ICC_DIR = Path(__file__).with_name("icc")

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
