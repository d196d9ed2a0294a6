"""PDF syntax the writer formats itself: numbers, text strings, dates (ISO 32000-1 §7.3, §7.9)."""
from __future__ import annotations

import datetime as _dt


def pdf_number(v: float, places: int = 4) -> str:
    """A PDF number with at most `places` decimals, no exponent, no trailing zeros
    (ISO 32000-1 §7.3.3: a real has no exponent); integers print plain, -0 prints 0."""
    s = f"{v:.{places}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def text_string_bytes(s: str) -> bytes:
    """How a text string is encoded (and sorted, in a name tree): ASCII as is, anything else
    UTF-16BE with a byte order mark (ISO 32000-1 §7.9.2.2)."""
    return s.encode("ascii") if s.isascii() else b"\xfe\xff" + s.encode("utf-16-be")


def pdf_date(d: _dt.datetime) -> str:
    """A date in UTC as ISO 32000-1 §7.9.4 writes it: D:YYYYMMDDHHmmSS+00'00'."""
    return d.strftime("D:%Y%m%d%H%M%S") + "+00'00'"
