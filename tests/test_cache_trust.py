"""Caches run no code and agree between machines (issue 8, part 6).

Keys come from file contents: the same font at two paths, with different dates, gives one
identity, one face-cache entry and the same subset and paragraph keys, so a cache shared by
two machines (or two checkouts) is used by both. Damaged cache files are ignored (the
table-driven cases in test_trust_faults.py plant pickles, truncate and garble each cache and
check the PDF is unchanged); here the decoders are also fed random damage directly.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
from array import array
from pathlib import Path

import pytest

from typeset import cacheseal
from typeset.text import facecache as FC
from typeset.text import fontid, fontread
from typeset.text import fonts as F
from typeset.text import parcache as P

ROOT = Path(__file__).resolve().parents[1]
KAI = ROOT / "fonts" / "LXGWWenKai-Regular.ttf"


def test_no_cache_uses_pickle_or_marshal():
    for path in (ROOT / "typeset").rglob("*.py"):
        src = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+(pickle|marshal|shelve|dill)\b", src, re.M), path


def test_font_identity_is_its_content(tmp_path):
    a, b = tmp_path / "a" / "Kai.ttf", tmp_path / "b" / "other-name.ttf"
    for p in (a, b):
        p.parent.mkdir()
        shutil.copyfile(KAI, p)
    os.utime(b, (1_000_000_000, 1_000_000_000))
    assert fontid.file_identity(str(a)) == fontid.file_identity(str(b)) == fontid.file_identity(str(KAI))
    c = tmp_path / "c.ttf"
    data = KAI.read_bytes()
    c.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))          # one bit differs
    assert fontid.file_identity(str(c)) != fontid.file_identity(str(a))


def test_a_face_cached_from_one_path_serves_another(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "shared-cache"))
    a = tmp_path / "machine-a" / "Kai.ttf"
    b = tmp_path / "machine-b" / "fonts" / "Kai.ttf"
    for p in (a, b):
        p.parent.mkdir(parents=True)
        shutil.copyfile(KAI, p)
    first = F.FontFace(a)

    def no_parse(path):
        raise AssertionError("the face was parsed again although the cache holds it")
    monkeypatch.setattr(F, "_read_font", no_parse)
    second = F.FontFace(b)
    assert second.identity == first.identity
    assert dict(second.cmap) == dict(first.cmap) and second.advance("中") == first.advance("中")

    from typeset.render.fontprogram import subset_key
    assert subset_key(first, [1, 2, 3]) == subset_key(second, [1, 2, 3])


@pytest.fixture(scope="module")
def record():
    rec = fontread._read_font(str(KAI))
    ident = fontid.file_identity(str(KAI))
    return ident, rec, FC._encode_record(ident, rec)


def test_face_record_round_trips(record):
    ident, rec, data = record
    back = FC._decode_record(ident, data)
    assert back is not None
    for k in ("advances", "family", "units_per_em", "ascent"):
        assert back[k] == rec[k]
    # the cmap, kept as a table of the BMP and the code points above it: the same mapping,
    # in the same order, as the reader's arrays
    cps, gids = array("I"), array("I")
    cps.frombytes(rec["cmap_cps"])
    gids.frombytes(rec["cmap_gids"])
    cmap = F._Cmap.of(back)
    assert list(cmap.items()) == list(zip(cps, gids)) and len(cmap) == len(cps)
    assert any(cp >= 0x10000 for cp in cps)
    assert all(cp in cmap and cmap[cp] == g for cp, g in zip(cps, gids))
    assert 0x10FFFF not in cmap and 0xFFFF not in cmap and "中" not in cmap
    with pytest.raises(KeyError):
        cmap[0xE000]
    assert FC._decode_record("0" * 64, data) is None          # another font's entry


def test_damaged_face_records_are_refused_never_raise(record):
    ident, _, data = record
    rnd = random.Random(8)
    header_end = len(FC._CACHE_MAGIC) + 4 + int.from_bytes(data[13:17], "little")
    for i in range(300):
        b = bytearray(data)
        how = i % 4
        if how == 0:
            b = b[: rnd.randrange(len(b))]                        # truncated anywhere
        elif how == 1:
            for _ in range(rnd.randrange(1, 4)):                  # bytes changed in the header
                b[rnd.randrange(header_end)] = rnd.randrange(256)
        elif how == 2:
            b[rnd.randrange(header_end, len(b))] ^= 1 << rnd.randrange(8)   # a body bit flipped
        else:
            b += bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 9)))  # trailing junk
        got = FC._decode_record(ident, bytes(b))
        assert got is None, (i, how)


def test_header_values_of_the_wrong_type_are_refused(record):
    ident, _, data = record
    hlen = int.from_bytes(data[13:17], "little")
    header = json.loads(data[17:17 + hlen])
    body = data[17 + hlen:]
    body = body[:-32]
    for key, bad in [("units_per_em", "1000"), ("is_cff", 1), ("ink", {"—": [0, "x"]}),
                     ("n_high", -1), ("bbox", [0, 0, 0]), ("num_glyphs", 3), ("format", 4)]:
        h = json.dumps({**header, key: bad}).encode()
        rec = FC._CACHE_MAGIC + len(h).to_bytes(4, "little") + h + body
        assert FC._decode_record(ident, rec + cacheseal.seal_of("faces", ident, rec)) is None, key
    h = json.dumps(header).encode()                       # the same, rebuilt: accepted
    rec = FC._CACHE_MAGIC + len(h).to_bytes(4, "little") + h + body
    assert FC._decode_record(ident, rec + cacheseal.seal_of("faces", ident, rec)) is not None


def test_cmap_entries_out_of_range_are_refused(record):
    """A face record whose seal holds but whose cmap table names a glyph past the glyph
    count, or lists a code point of the BMP among those above it, is refused."""
    ident, _, data = record
    hlen = int.from_bytes(data[13:17], "little")
    header = json.loads(data[17:17 + hlen])
    head, body = data[:17 + hlen], data[17 + hlen:-32]
    g, n = header["num_glyphs"], header["n_high"]
    assert n > 0

    def sealed(b):
        rec = head + b
        return rec + cacheseal.seal_of("faces", ident, rec)
    assert FC._decode_record(ident, sealed(body)) is not None
    at = 2 * ord("中")                                   # 中's entry: glyph id + 1
    assert FC._decode_record(ident, sealed(body[:at] + (g + 1).to_bytes(2, "little")
                                          + body[at + 2:])) is None
    assert FC._decode_record(ident, sealed(body[:at] + g.to_bytes(2, "little")
                                          + body[at + 2:])) is not None   # the last glyph
    high = FC._BMP_BYTES                                  # the first code point above the BMP
    assert FC._decode_record(ident, sealed(body[:high] + (0x4E2D).to_bytes(4, "little")
                                          + body[high + 4:])) is None
    gid = FC._BMP_BYTES + 4 * n                           # its glyph id
    assert FC._decode_record(ident, sealed(body[:gid] + g.to_bytes(4, "little")
                                          + body[gid + 4:])) is None


def _lines():
    from typeset.text.linebreak import Glyph, Line
    # (the first line indented: its glyphs start at the indent, as the breaker sets them; an
    # entry whose lines do not hold together is left out when the file is read)
    return [Line([Glyph("中", "body", 24.0, 12.0), Glyph("文", "bold", 36.0, 12.25)], 300.0,
                 24.25, 0.125, False, widow=False, start=0, end=2, indent=24.0),
            Line([Glyph("。", "body", 0.0, 6.0)], 300.0, 6.0, 0.0, True, start=2, end=3)]


def test_paragraph_cache_round_trips_exactly_and_refuses_damage(tmp_path, monkeypatch):
    from tests.test_parcache import rewrite_file

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path))
    cache = P.ParagraphCache("issue", lambda style: "x")
    cache.new = {"k": _lines()}
    cache.misses = 1
    cache.save()
    assert P.ParagraphCache("issue", lambda s: "x").old == {"k": _lines()}
    good = cache.path.read_bytes()
    # the body: counts (4 bytes an entry), per line 4 u32, a flag byte, 4 f64; per run a u16
    # and a u32; per glyph x and width (f64); the characters
    lines, runs, glyphs = 2, 3, 3
    flags_at = 4 + 16 * lines
    xs_at = flags_at + lines + 32 * lines + 6 * runs
    text_at = xs_at + 16 * glyphs

    def body(at, new):
        return lambda head, b: b[:at] + new + b[at + len(new):]
    damaged = {
        "truncated": lambda: cache.path.write_bytes(good[: len(good) // 2]),
        "a bit flipped": lambda: cache.path.write_bytes(good[:60] + bytes([good[60] ^ 4])
                                                        + good[61:]),
        "trailing junk": lambda: cache.path.write_bytes(good + b"\0"),
        "another version's": lambda: rewrite_file(cache.path, header=lambda h: {**h, "code": "x"}),
        "a count off": lambda: rewrite_file(cache.path, header=lambda h: {**h, "glyphs": 4}),
        "a count not a number": lambda: rewrite_file(cache.path,
                                                     header=lambda h: {**h, "runs": "3"}),
        "a bool for a count": lambda: rewrite_file(cache.path, header=lambda h: {**h, "lines": True}),
        "a key not a string": lambda: rewrite_file(cache.path, header=lambda h: {**h, "keys": [1]}),
        "a style missing": lambda: rewrite_file(cache.path,
                                                header=lambda h: {**h, "styles": ["body"]}),
        "a flag byte of no meaning": lambda: rewrite_file(cache.path, body=body(flags_at, b"\x08")),
        "an x not finite": lambda: rewrite_file(cache.path,
                                                body=body(xs_at, bytes.fromhex("000000000000f07f"))),
        "an x not a number": lambda: rewrite_file(cache.path,
                                                  body=body(xs_at, bytes.fromhex("000000000000f87f"))),
        "characters not UTF-8": lambda: rewrite_file(cache.path, body=body(text_at, b"\xff")),
        "a run longer than its line": lambda: rewrite_file(
            cache.path, body=body(4 + 16 * lines + lines + 32 * lines + 2 * runs,
                                  (2).to_bytes(4, "little"))),
        "garbage": lambda: cache.path.write_bytes(b"[" * 50_000),
    }
    for why, damage in damaged.items():
        cache.path.write_bytes(good)
        assert P.ParagraphCache("issue", lambda s: "x").old == {"k": _lines()}
        damage()
        assert cache.path.read_bytes() != good, why
        assert P.ParagraphCache("issue", lambda s: "x").old == {}, why
