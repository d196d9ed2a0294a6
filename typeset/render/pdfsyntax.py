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
