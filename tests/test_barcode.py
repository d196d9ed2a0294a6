"""The ISSN barcode on 封四 reads back as the digits it was made from (issue 11 part 3).

The decoder here is written from the EAN-13 specification's tables (L, G and R sets, the
first digit's parity, the two-digit add-on's parity by value mod 4), not from typeset's
encoder: it reads the bars drawn — the page items, and the filled rectangles in the written
PDF's content stream — as modules and turns them back into digits."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from typeset.layout.page import Box, TextRun

MM = 72 / 25.4

# EAN-13 character sets as printed in the specification (1 = a dark module)
L = {"0001101": 0, "0011001": 1, "0010011": 2, "0111101": 3, "0100011": 4,
     "0110001": 5, "0101111": 6, "0111011": 7, "0110111": 8, "0001011": 9}
G = {"0100111": 0, "0110011": 1, "0011011": 2, "0100001": 3, "0011101": 4,
     "0111001": 5, "0000101": 6, "0010001": 7, "0001001": 8, "0010111": 9}
R = {"1110010": 0, "1100110": 1, "1101100": 2, "1000010": 3, "1011100": 4,
     "1001110": 5, "1010000": 6, "1000100": 7, "1001000": 8, "1110100": 9}
FIRST = {"LLLLLL": 0, "LLGLGG": 1, "LLGGLG": 2, "LLGGGL": 3, "LGLLGG": 4,
         "LGGLLG": 5, "LGGGLL": 6, "LGLGLG": 7, "LGLGGL": 8, "LGGLGL": 9}
ADDON_PARITY = {"LL": 0, "LG": 1, "GL": 2, "GG": 3}


def modules(bars: list[tuple[float, float]], x0: float, x: float, n: int) -> str:
    """n modules of width x from x0: 1 where a bar covers the module's middle."""
    out = []
    for k in range(n):
        mid = x0 + (k + 0.5) * x
        out.append("1" if any(a <= mid <= b for a, b in bars) else "0")
    return "".join(out)


def decode(bars: list[tuple[float, float]]) -> tuple[str, str | None]:
    """The thirteen digits and the add-on (or None) of bars given as (left, right) edges.
    The module width comes from the start guard (bar, space, bar: one module each)."""
    bars = sorted(bars)
    x = bars[0][1] - bars[0][0]
    start = bars[0][0]
    main = modules(bars, start, x, 95)
    assert main[:3] == "101" and main[45:50] == "01010" and main[92:] == "101", main
    parity, digits = "", []
    for k in range(6):
        code = main[3 + 7 * k:10 + 7 * k]
        if code in L:
            parity += "L"
            digits.append(L[code])
        else:
            parity += "G"
            digits.append(G[code])
    right = [R[main[50 + 7 * k:57 + 7 * k]] for k in range(6)]
    all13 = [FIRST[parity]] + digits + right
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(all13[:12]))
    assert (10 - total % 10) % 10 == all13[12], "check digit"
    rest = [b for b in bars if b[0] > start + 95 * x + 0.01]
    if not rest:
        return "".join(map(str, all13)), None
    a0 = rest[0][0]
    addon = modules(rest, a0, x, 20)
    assert addon[:4] == "1011" and addon[11:13] == "01", addon
    codes = (addon[4:11], addon[13:20])
    two = [L.get(c, G.get(c)) for c in codes]
    par = "".join("L" if c in L else "G" for c in codes)
    assert ADDON_PARITY[par] == (two[0] * 10 + two[1]) % 4, "add-on parity"
    return "".join(map(str, all13)), f"{two[0]}{two[1]}"


MANIFEST = """layout: guangxi
journal: 测试刊
year: 2024
number: {number}
issn: {issn}
cover: {{}}
sections:
  - title: 栏目
    articles: [a.md]
"""


def issue(tmp_path: Path, number: str = "2", issn: str = "1234-5679") -> Path:
    (tmp_path / "a.md").write_text("---\ntitle: 标题\n---\n\n正文。\n", encoding="utf-8")
    m = tmp_path / "issue.yaml"
    m.write_text(MANIFEST.format(number=number, issn=issn), encoding="utf-8")
    return m


def back_cover(manifest: Path):
    from typeset.build import compose
    comp = compose(manifest)
    assert [p.label for p in comp.covers] == ["封一", "封二", "封三", "封四"]
    return comp, comp.covers[3]


@pytest.mark.parametrize("number, issn, digits, addon", [
    ("2", "1234-5679", "9771234567003", "02"),
    ("5-6", "0317-8471", "9770317847001", "05"),     # a combined issue: the first number
    ("12", "2434-561X", "9772434561006", "12"),
    ("11", "1234-5679", "9771234567003", "11"),      # 11 mod 4 = 3: GG parity
])
def test_barcode_reads_back_from_the_page(tmp_path, number, issn, digits, addon):
    _, back = back_cover(issue(tmp_path, number, issn))
    bars = [(b.x, b.x + b.width) for b in back.items
            if isinstance(b, Box) and b.role == "barcode" and b.gray == 0.0]
    assert decode(bars) == (digits, addon)
    # pure K: every bar is black in DeviceGray, and the digits are printed under the bars
    shown = "".join(r.text for r in back.items if isinstance(r, TextRun)
                    and r.role == "barcode-digits")
    assert shown == digits + addon


def test_barcode_size_is_the_standard_one(tmp_path):
    from typeset.model.barcode import symbol_size
    comp, back = back_cover(issue(tmp_path))
    bars = [b for b in back.items if isinstance(b, Box) and b.role == "barcode"]
    x = min(b.width for b in bars)
    assert x == pytest.approx(0.33 * MM, abs=1e-6)                  # X = 0.33 mm at 100 %
    tall = max(b.height for b in bars)
    short = min(b.height for b in bars if b.x < bars[0].x + 95 * x)
    assert short == pytest.approx(22.85 * MM, abs=0.01)             # normal bars
    assert tall - short == pytest.approx(5 * x, abs=0.01)           # guard bars: 5 X longer
    w, h = symbol_size(1.0, addon=False)
    assert (w / MM, h / MM) == pytest.approx((37.29, 25.93), abs=0.005)
    # the symbol stands inside the page with its quiet zones (11 X on the left)
    bc = comp.layout.cover.barcode
    assert min(b.x for b in bars) == pytest.approx(float(bc.x) + 11 * x)


def test_barcode_reads_back_from_the_pdf(tmp_path):
    """The filled rectangles written in the back cover's content stream decode too."""
    from pypdf import PdfReader

    from typeset.build import compose, write
    comp = compose(issue(tmp_path))
    out = tmp_path / "o.pdf"
    write(comp, out)
    reader = PdfReader(out)
    labels = list(reader.page_labels)
    page = reader.pages[labels.index("封四")]
    data = page.get_contents().get_data().decode("latin-1")
    found = re.findall(r"q 0 g (-?[\d.]+) (-?[\d.]+) ([\d.]+) ([\d.]+) re f Q", data)
    bars = [(float(x), float(x) + float(w)) for x, _, w, _ in found]
    assert decode(bars) == ("9771234567003", "02")
    assert " rg" not in data and " k\n" not in data         # no colour but gray: pure K


def test_supplement_without_a_number_has_no_addon(tmp_path):
    m = issue(tmp_path, number="增刊")          # guangxi names 增刊 as its supplement word
    _, back = back_cover(m)
    bars = [(b.x, b.x + b.width) for b in back.items
            if isinstance(b, Box) and b.role == "barcode"]
    assert decode(bars) == ("9771234567003", None)
