"""text/facecache.py `_u16le_at_most`: the face record's BMP cmap table checked against the
glyph count without an int a entry, exactly what `max(array("H", table)) <= limit` says."""
from __future__ import annotations

import struct
from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from typeset.text.facecache import _u16le_at_most


def _max_says(table: bytes, limit: int) -> bool:
    a = array("H")
    a.frombytes(table)
    if struct.pack("=H", 1) != b"\x01\x00":          # (big-endian machine: the file is LE)
        a.byteswap()
    return max(a, default=0) <= limit


@settings(max_examples=400, deadline=None)
@given(values=st.lists(st.integers(0, 0xFFFF), max_size=64), limit=st.integers(0, 0x10000))
def test_the_check_is_max(values, limit):
    table = struct.pack(f"<{len(values)}H", *values)
    assert _u16le_at_most(table, limit) == _max_says(table, limit)


@settings(max_examples=200, deadline=None)
@given(limit=st.integers(1, 0xFFFE), at=st.integers(0, 0xFFFF), delta=st.integers(-300, 300))
def test_one_entry_near_the_limit_in_a_whole_table(limit, at, delta):
    """A 65,536-entry table of zeros with one entry near the limit (the same high byte, the
    high byte above or below, or the limit itself)."""
    table = bytearray(2 * 0x10000)
    value = min(max(limit + delta, 0), 0xFFFF)
    table[2 * at:2 * at + 2] = value.to_bytes(2, "little")
    assert _u16le_at_most(bytes(table), limit) == (value <= limit)
