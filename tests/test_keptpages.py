"""The packed pages of a stretch build (typeset/keptpages.py): what pass 2 draws is what
pass 1 set, every number the same double (its sign of zero too), every text the same
characters, the items in their order."""
from __future__ import annotations

import errno
import os
import struct

from hypothesis import given, settings, strategies as S

from typeset.keptpages import Packer, Spill
from typeset.layout.page import Box, Image, PlacedPage, Rule, TextRun

_floats = S.floats(allow_nan=False) | S.sampled_from([0.0, -0.0, 1e-300, -5e-324])
_names = S.sampled_from(["/f/a.otf", "/f/b.ttf", "body", "title", "rule", "folio", "字"])
_text = S.text(S.characters(blacklist_categories=()), max_size=12)

_run = S.builds(lambda x, y, font, size, text, xs, role, h: TextRun(
    x, y, font, size, text, None if xs is None else tuple(xs[:len(text)]), role, h),
    _floats, _floats, _names, _floats, _text,
    S.none() | S.lists(_floats, min_size=12, max_size=12), _names, _floats)
_rule = S.builds(Rule, _floats, _floats, _floats, _floats, _floats, _names)
_other = S.sampled_from([Image(1.0, 2.0, 3.0, 4.0, "/p/a.jpg"), Box(0.0, 0.0, 1.0, 1.0),
                         PlacedPage(0.0, 0.0, 10.0, 10.0, "/p/c.pdf", 0)])


def _exact(items) -> list:
    """The items with every float as its bytes (== takes -0.0 for 0.0)."""
    def one(v):
        if isinstance(v, float):
            return struct.pack("<d", v)
        if isinstance(v, tuple):
            return tuple(map(one, v))
        return v
    return [(type(it).__name__,) + tuple(one(getattr(it, f)) for f in it.__slots__)
            for it in items]


@settings(max_examples=300, deadline=None)
@given(S.lists(S.lists(_run | _rule | _other, max_size=8), max_size=4))
def test_unpack_gives_what_was_packed(pages):
    packer = Packer()
    packed = [packer.pack(items) for items in pages]     # (one packer: shared names)
    for items, data in zip(pages, packed):
        kept = [it for it in items if type(it) not in (TextRun, Rule)]
        back = packer.unpack(data, kept)
        assert _exact(back) == _exact(items)
        assert all(a is b for a, b in zip(
            [it for it in back if type(it) not in (TextRun, Rule)], kept))


def test_the_spill_gives_back_each_page_and_says_when_full(monkeypatch):
    spill = Spill()
    parts = [bytes([i]) * (1000 * i + 1) for i in range(5)]
    where = [spill.put(p) for p in parts]
    assert [spill.take(w) for w in reversed(where)] == parts[::-1]
    real = os.pwrite

    def full(fd, data, at):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "pwrite", full)
    assert spill.put(b"more") is None
    monkeypatch.setattr(os, "pwrite", real)
    assert spill.put(b"again") is None        # (once full, the rest is set again)
    assert spill.take(where[2]) == parts[2]
    # the file has no name (nothing is left behind, whatever happens to the build)
    link = os.readlink(f"/proc/self/fd/{spill._file.fileno()}")
    assert link.endswith("(deleted)"), link
    spill.close()
    assert spill._file is None
