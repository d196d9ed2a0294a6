"""Caches run no code and agree between machines (issue 8, part 6).

Keys come from file contents: the same font at two paths, with different dates, gives one
identity, one face-cache entry and the same subset and paragraph keys, so a cache shared by
two machines (or two checkouts) is used by both. Damaged cache files are ignored (the
table-driven cases in test_trust_faults.py plant pickles, truncate and garble each cache and
check the PDF is unchanged); here the decoders are also fed random damage directly.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
from pathlib import Path

import pytest

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
    assert F.file_identity(str(a)) == F.file_identity(str(b)) == F.file_identity(str(KAI))
    c = tmp_path / "c.ttf"
    data = KAI.read_bytes()
    c.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))          # one bit differs
    assert F.file_identity(str(c)) != F.file_identity(str(a))


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
    rec = F._read_font(str(KAI))
    ident = F.file_identity(str(KAI))
    return ident, rec, F._encode_record(ident, rec)


def test_face_record_round_trips(record):
    ident, rec, data = record
    back = F._decode_record(ident, data)
    assert back is not None
    for k in ("cmap_cps", "cmap_gids", "advances", "family", "units_per_em", "ascent"):
        assert back[k] == rec[k]
    assert F._decode_record("0" * 64, data) is None          # another font's entry


def test_damaged_face_records_are_refused_never_raise(record):
    ident, _, data = record
    rnd = random.Random(8)
    header_end = len(F._CACHE_MAGIC) + 4 + int.from_bytes(data[13:17], "little")
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
        got = F._decode_record(ident, bytes(b))
        assert got is None, (i, how)


def test_header_values_of_the_wrong_type_are_refused(record):
    ident, _, data = record
    hlen = int.from_bytes(data[13:17], "little")
    header = json.loads(data[17:17 + hlen])
    body = data[17 + hlen:]
    body = body[:-32]
    for key, bad in [("units_per_em", "1000"), ("is_cff", 1), ("ink", {"—": [0, "x"]}),
                     ("n_cmap", -1), ("bbox", [0, 0, 0]), ("num_glyphs", 3), ("format", 4)]:
        h = json.dumps({**header, key: bad}).encode()
        rec = F._CACHE_MAGIC + len(h).to_bytes(4, "little") + h + body
        assert F._decode_record(ident, rec + hashlib.sha256(rec).digest()) is None, key
    h = json.dumps(header).encode()                       # the same, rebuilt: accepted
    rec = F._CACHE_MAGIC + len(h).to_bytes(4, "little") + h + body
    assert F._decode_record(ident, rec + hashlib.sha256(rec).digest()) is not None


def _lines():
    from typeset.text.linebreak import Glyph, Line
    return [Line([Glyph("中", "body", 0.0, 12.0), Glyph("文", "bold", 12.0, 12.25)], 300.0,
                 24.25, 0.125, False, widow=False, start=0, end=2, indent=24.0),
            Line([Glyph("。", "body", 0.0, 6.0)], 300.0, 6.0, 0.0, True, start=2, end=3)]


def test_paragraph_cache_round_trips_exactly_and_refuses_damage(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path))
    cache = P.ParagraphCache("issue", lambda style: "x")
    cache.new = {"k": _lines()}
    cache.misses = 1
    cache.save()
    assert P.ParagraphCache("issue", lambda s: "x").old == {"k": _lines()}
    good = cache.path.read_text(encoding="utf-8")
    doc = json.loads(good)
    line = doc["entries"]["k"][0]
    damaged = [
        good[: len(good) // 2],                                    # truncated
        json.dumps({**doc, "code": "other"}),                      # another version's file
        json.dumps({**doc, "entries": {"k": [line[:-1]]}}),        # a field short
        json.dumps({**doc, "entries": {"k": [[*line[:3], 1, *line[4:]]]}}),   # int for a bool
        json.dumps({**doc, "entries": {"k": [[*line[:10], [["body", 5]], *line[11:]]]}}),
        json.dumps({**doc, "entries": {"k": [[*line[:11], ["x", "y"], line[12]]]}}),
        json.dumps({**doc, "entries": {"k": "not a list"}}),
        "[" * 50_000,
    ]
    for text in damaged:
        cache.path.write_text(text, encoding="utf-8")
        assert P.ParagraphCache("issue", lambda s: "x").old == {}, text[:80]
