"""PDF syntax the writer formats itself: numbers, text strings, dates (ISO 32000-1 §7.3, §7.9)."""
from __future__ import annotations

import datetime as _dt


class Name(str):
    """A PDF name (written /False), where a plain str would be a text string."""
    __slots__ = ()


def pdf_number(v: float, places: int = 4) -> str:
    """A PDF number with at most `places` decimals, no exponent, no trailing zeros
    (ISO 32000-1 §7.3.3: a real has no exponent); integers print plain, -0 prints 0."""
    s = f"{v:.{places}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def text_string_bytes(s: str) -> bytes:
    """How a text string is encoded (and sorted, in a name tree): ASCII as is, anything else
    UTF-16BE with a byte order mark (ISO 32000-1 §7.9.2.2)."""
    return s.encode("ascii") if s.isascii() else b"\xfe\xff" + s.encode("utf-16-be")


def _offset(d: _dt.datetime) -> tuple[str, int, int]:
    """Sign, hours and minutes of a date's UTC offset (a date without one is UTC)."""
    off = d.utcoffset() if d.tzinfo else None
    mins = int(off.total_seconds() // 60) if off is not None else 0
    return ("+" if mins >= 0 else "-"), abs(mins) // 60, abs(mins) % 60


def pdf_date(d: _dt.datetime) -> str:
    """A date as ISO 32000-1 §7.9.4 writes it: D:YYYYMMDDHHmmSS+HH'mm'."""
    sign, hh, mm = _offset(d)
    return f"D:{d:%Y%m%d%H%M%S}{sign}{hh:02d}'{mm:02d}'"


def xmp_date(d: _dt.datetime) -> str:
    """The same date as XMP writes it (ISO 8601): YYYY-MM-DDTHH:mm:SS+HH:mm."""
    sign, hh, mm = _offset(d)
    return f"{d:%Y-%m-%dT%H:%M:%S}{sign}{hh:02d}:{mm:02d}"


# ---------------------------------------------------------------------------------------------
# PDF objects as plain data: what render/pdfimport.py reads from another PDF and rl/ writes
# into ours. A value is None (null), bool, int, float, bytes (a string), Name, list (an array),
# dict with str keys (a dictionary), Ref (an indirect object, by a key naming it) or Stream.

class Ref(str):
    """An indirect reference, by the key under which the object is kept."""
    __slots__ = ()


class Stream:
    """A stream: its dictionary (without /Length) and its data, encoded as /Filter says."""
    __slots__ = ("dict", "data")

    def __init__(self, d: dict, data: bytes):
        self.dict = d
        self.data = data


def _name_bytes(name: str) -> bytes:
    """A name token (ISO 32000-1 §7.3.5): regular characters as they are, others as #xx."""
    out = bytearray(b"/")
    for b in name.encode("utf-8"):
        if 0x21 <= b <= 0x7E and b not in b"#%()<>[]{}/":
            out.append(b)
        else:
            out += b"#%02X" % b
    return bytes(out)


def serialize(value, ref) -> bytes:
    """A plain-data PDF value (above) as PDF syntax; `ref(key)` formats a reference."""
    if value is None:
        return b"null"
    if value is True:
        return b"true"
    if value is False:
        return b"false"
    if isinstance(value, Ref):
        return ref(str(value))
    if isinstance(value, Name):
        return _name_bytes(str(value))
    if isinstance(value, int):
        return str(value).encode("ascii")
    if isinstance(value, float):
        return pdf_number(value, 6).encode("ascii")
    if isinstance(value, bytes):
        return b"<" + value.hex().encode("ascii") + b">"
    if isinstance(value, list):
        return b"[" + b" ".join(serialize(v, ref) for v in value) + b"]"
    if isinstance(value, dict):
        return b"<<" + b"".join(_name_bytes(k) + b" " + serialize(v, ref) + b"\n"
                                for k, v in value.items()) + b">>"
    raise TypeError(f"not a PDF value: {type(value).__name__}")
