"""Codes by character (render/cidfont.py): a character's code depends on the character alone
(BMP: its code point; supplementary characters and U+0000: D800 + the low 11 bits of the code
point, the document's such characters placed in code-point order), so a page's content
stream depends on that page only."""
from __future__ import annotations

import pytest

from typeset.errors import TypesetError
from typeset.render.cidfont import FontUse, forecast


class AnyFace:
    """A face that maps every character (glyph id from the code point)."""
    postscript_name = "Any-Regular"
    path = "any.otf"

    def glyph_id(self, ch: str) -> int:
        return ord(ch) % 65000 + 1


def codes(use: FontUse, text: str) -> list[int]:
    data = use.encode(text)
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


def test_a_bmp_characters_code_is_its_code_point_whatever_was_drawn_before():
    a, b = FontUse(AnyFace()), FontUse(AnyFace())
    assert codes(a, "甲乙A，") == [0x7532, 0x4E59, 0x41, 0xFF0C]
    codes(b, "丙丁戊")
    assert codes(b, "，A乙甲") == [0xFF0C, 0x41, 0x4E59, 0x7532]
    assert b.in_code_order() == ([0x41, 0x4E01, 0x4E19, 0x4E59, 0x620A, 0x7532, 0xFF0C],
                                 list("A丁丙乙戊甲，"),
                                 [AnyFace().glyph_id(c) for c in "A丁丙乙戊甲，"])


def test_supplementary_characters_take_surrogate_codes_in_code_point_order():
    x, y, z = "\U00020BB7", "\U000213B7", "\U0002A6D6"     # x, y: the same low 11 bits
    assert (ord(y) - ord(x)) % 0x800 == 0
    for drawn in (x + y + z, z + y + x, y + z + x):
        use = FontUse(AnyFace())
        use.plan(drawn)
        got = dict(zip(drawn, codes(use, drawn)))
        # x takes D800 + 0x3B7; y, 2048 code points above it, the next code; z its own
        assert got == {x: 0xDBB7, y: 0xDBB8, z: 0xD800 + (ord(z) & 0x7FF)}
    # told nothing, the order of first use decides between the two that meet
    use = FontUse(AnyFace())
    assert codes(use, y + x) == [0xDBB7, 0xDBB8]
    # the forecast the subsets are made ahead from is what drawing gives
    use = FontUse(AnyFace())
    use.plan(z + y + x + "甲")
    codes(use, z + "甲" + y + x)
    got = use.in_code_order()
    assert forecast(AnyFace(), z + y + x + "甲") == (got[0], got[2])


def test_pool_codes_wrap_round_and_u0000_is_never_code_0():
    top, after = "\U000207FF", "\U00020FFF"             # both D800 + 0x7FF
    use = FontUse(AnyFace())
    use.plan(top + after)
    assert codes(use, after + top) == [0xD800, 0xDFFF]
    assert codes(FontUse(AnyFace()), "\0") == [0xD800]


def test_a_lone_surrogate_is_refused():
    with pytest.raises(TypesetError, match="U\\+D83D is a lone surrogate"):
        FontUse(AnyFace()).encode("a\ud83d")


def test_more_supplementary_characters_than_the_pool_is_an_error():
    chars = "".join(chr(0x20000 + i) for i in range(0x801))
    use = FontUse(AnyFace())
    use.plan(chars)
    assert len(codes(use, chars[:0x800])) == 0x800
    with pytest.raises(TypesetError, match="more than 2048 characters outside the Basic"):
        use.encode(chars[0x800])
