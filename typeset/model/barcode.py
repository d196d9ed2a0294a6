"""The ISSN barcode: EAN-13 with the GS1 prefix 977 and a two-digit add-on (GB/T 16827-1997,
which adopts the EAN specification for serials; the ISSN barcode guideline of the ISSN
International Centre).

The thirteen digits are 977, the first seven digits of the ISSN (its check digit left out),
two price/variant digits (00 for a regular issue) and the EAN check digit; the add-on holds
the issue number in two digits (the first number of a combined issue). This module computes
them, the bars (as module patterns: the published EAN-13 encoding) and the symbol's geometry
at a magnification; `layout/cover.py` turns the bars into filled rectangles and the digits
into text. Pure computation: no fonts, no pages.

Geometry (GS1 General Specifications, EAN-13 at 100 %): module X = 0.33 mm; the symbol with
its quiet zones (11 X left, 7 X right) is 113 X = 37.29 mm wide and 25.93 mm tall with its
human-readable digits; the bars are 22.85 mm tall and the guard bars reach 5 X further down,
between the digits. The add-on stands 9 X right of the main symbol's end guard (GS1 allows 7
to 12 X), is 20 X wide, has 5 X of quiet zone on its right, and its digits stand above its
bars, which end at the height of the main symbol's other bars' foot.
"""
from __future__ import annotations

from typeset.records import dataclass

__all__ = ["X_MM", "ean_check_digit", "issn_ean13", "ean13_modules", "addon2_modules",
           "symbol_size", "Bar", "Digits", "Symbol", "symbol"]

MM = 72 / 25.4
X_MM = 0.33                   # module width at 100 %
HEIGHT_MM = 25.93             # the symbol with its digits
BAR_MM = 22.85                # normal bars
GUARD_EXTRA_X = 5             # guard bars reach 5 X further down
QUIET_LEFT, QUIET_RIGHT = 11, 7
ADDON_GAP, ADDON_WIDTH, ADDON_QUIET = 9, 20, 5

# The published EAN-13 character sets: L (odd parity), G (even parity), R (right half).
L_CODES = ("0001101", "0011001", "0010011", "0111101", "0100011",
           "0110001", "0101111", "0111011", "0110111", "0001011")
G_CODES = tuple(r[::-1] for r in (
    "1110010", "1100110", "1101100", "1000010", "1011100",
    "1001110", "1010000", "1000100", "1001000", "1110100"))
R_CODES = tuple("".join("1" if b == "0" else "0" for b in code) for code in L_CODES)
# the first digit sets the parity of digits 2-7
FIRST_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
                "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")
# a two-digit add-on: its value modulo 4 sets the parity of its two characters
ADDON2_PARITY = ("LL", "LG", "GL", "GG")
START, CENTRE, END = "101", "01010", "101"
ADDON_START, ADDON_SEPARATOR = "1011", "01"


def ean_check_digit(first12: str) -> str:
    """The EAN-13 check digit: weights 1 and 3 alternating from the left, to a multiple of 10."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def issn_ean13(issn: str, variant: str = "00") -> str:
    """The thirteen digits for an ISSN (NNNN-NNNC): 977 + its first seven digits + the
    price/variant digits + the check digit."""
    digits = issn.replace("-", "")
    first12 = "977" + digits[:7] + variant
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError(f"cannot make an EAN-13 from ISSN {issn!r} and variant {variant!r}")
    return first12 + ean_check_digit(first12)


def ean13_modules(digits: str) -> str:
    """The 95 modules of an EAN-13 symbol, 1 for a dark module."""
    if len(digits) != 13 or not digits.isdigit():
        raise ValueError(f"an EAN-13 has 13 digits, not {digits!r}")
    parity = FIRST_PARITY[int(digits[0])]
    left = "".join((L_CODES if p == "L" else G_CODES)[int(d)]
                   for p, d in zip(parity, digits[1:7]))
    right = "".join(R_CODES[int(d)] for d in digits[7:])
    return START + left + CENTRE + right + END


def addon2_modules(two: str) -> str:
    """The 20 modules of a two-digit add-on."""
    if len(two) != 2 or not two.isdigit():
        raise ValueError(f"a two-digit add-on, not {two!r}")
    parity = ADDON2_PARITY[int(two) % 4]
    a, b = ((L_CODES if p == "L" else G_CODES)[int(d)] for p, d in zip(parity, two))
    return ADDON_START + a + ADDON_SEPARATOR + b


def symbol_size(magnification: float = 1.0, addon: bool = True) -> tuple[float, float]:
    """Width and height in pt of the symbol with its quiet zones and digits."""
    modules = QUIET_LEFT + 95 + (ADDON_GAP + ADDON_WIDTH + ADDON_QUIET if addon
                                 else QUIET_RIGHT)
    return modules * X_MM * MM * magnification, HEIGHT_MM * MM * magnification


@dataclass(frozen=True)
class Bar:
    """A dark bar: its left edge and bottom from the symbol's bottom-left corner (pt)."""
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Digits:
    """Human-readable digits set in a box under (or, for the add-on, over) the bars: `x0`-`x1`
    the room across, `top` the highest their type may reach (pt from the symbol's bottom)."""
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Symbol:
    digits: str                 # the thirteen digits
    addon: str | None           # the add-on's two digits
    width: float                # pt, with quiet zones
    height: float
    module: float               # X in pt
    bars: tuple[Bar, ...]
    text: tuple[Digits, ...]


def _runs(modules: str, x0: float, x: float, y: float, heights) -> list[Bar]:
    """Merge dark modules into bars (each bar one rectangle); heights(i) -> (y, h)."""
    bars, i = [], 0
    while i < len(modules):
        if modules[i] == "1":
            j = i
            while j < len(modules) and modules[j] == "1":
                j += 1
            by, bh = heights(i)
            bars.append(Bar(x0 + i * x, by, (j - i) * x, bh))
            i = j
        else:
            i += 1
    return bars


def symbol(digits: str, addon: str | None = None, magnification: float = 1.0) -> Symbol:
    """The bars and digit boxes of an EAN-13 symbol (and add-on) at `magnification`."""
    x = X_MM * MM * magnification
    width, height = symbol_size(magnification, addon is not None)
    bar_h = BAR_MM * MM * magnification
    foot = height - bar_h                      # the normal bars' foot
    guard_foot = foot - GUARD_EXTRA_X * x
    main = ean13_modules(digits)
    guards = set(range(0, 3)) | set(range(45, 50)) | set(range(92, 95))
    x0 = QUIET_LEFT * x

    def main_height(i: int) -> tuple[float, float]:
        return (guard_foot, height - guard_foot) if i in guards else (foot, bar_h)

    bars = _runs(main, x0, x, 0.0, main_height)
    text = [Digits(digits[0], 0.0, x0 - x, foot, 0.0),
            Digits(digits[1:7], x0 + 3 * x, x0 + 45 * x, foot, 0.0),
            Digits(digits[7:], x0 + 50 * x, x0 + 92 * x, foot, 0.0)]
    if addon is not None:
        a0 = x0 + (95 + ADDON_GAP) * x
        band = foot                             # the add-on's digits take a band on top
        add_top = height - band
        bars += _runs(addon2_modules(addon), a0, x, 0.0, lambda i: (foot, add_top - foot))
        text.append(Digits(addon, a0, a0 + ADDON_WIDTH * x, height, add_top))
    return Symbol(digits, addon, width, height, x, tuple(bars), tuple(text))
