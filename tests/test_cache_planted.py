"""Planted cache entries never change the output (issue 13, wave 6). Every cache file is
sealed with the user's cache key now (fsutil.sealed), so an entry planted by anyone without
the key is a miss; the checks against each entry's source stay, and are tested here with
entries planted UNDER the user's key (as a cache shipped with its key, or a bug, could hold:
right shape, valid seal, not what their source says). The first four tests are the
reproductions of the adversarial round 5 (branch w5-adv, tests/test_adv5_findings.py),
adapted; then each check on its own; the round-6 findings (branch w6-adv,
tests/test_adv6_findings.py) at the end."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from array import array

import pytest

from tests.conftest import ROOT, SAMPLE
from typeset.build import compose
from typeset.render.debug import dump_pages


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _rewrite_parcache(path, header=None, body=None) -> None:
    """A paragraph cache file rewritten with its header/body changed, sealed with the user's
    key (the seal of the boundaries and empty entries inside the header left as it was)."""
    from typeset import fsutil
    from typeset.text import parcache

    data = path.read_bytes()[:-32]
    at = len(parcache._MAGIC)
    hlen = int.from_bytes(data[at:at + 4], "little")
    head = json.loads(data[at + 4:at + 4 + hlen])
    rest = data[at + 4 + hlen:]
    if header is not None:
        head = header(head)
    if body is not None:
        rest = body(head, rest)
    h = json.dumps(head).encode("ascii")
    out = parcache._MAGIC + len(h).to_bytes(4, "little") + h + rest
    path.write_bytes(fsutil.sealed("paragraphs", "", out))


# -- the four reproductions ---------------------------------------------------------------------

def test_planted_word_boundaries_do_not_change_or_break_the_issue(cache_dir):
    """Cached word boundaries of heading and cell texts each [1] (plausible: positive, rising,
    inside the text) made the sample fail ("the table is too wide")."""
    from typeset.text import parcache, words

    plain = dump_pages(compose(SAMPLE, use_cache=False).pages)
    compose(SAMPLE)
    (path,) = (cache_dir / "paragraphs").glob("*.lines")
    assert parcache._decode(path.read_bytes())[1]           # the file holds boundaries
    _rewrite_parcache(path, header=lambda h: {**h, "words": {k: [1] for k in h["words"]}})
    words._memo.clear()
    assert dump_pages(compose(SAMPLE).pages) == plain


def test_planted_empty_entries_do_not_change_the_pages(cache_dir):
    """Every entry planted with 0 lines: a make-up target's empty entry was taken as "cannot
    be set so" without a check, and the make-up pass gave up every target."""
    from typeset.text import parcache

    plain = dump_pages(compose(SAMPLE, use_cache=False).pages)
    compose(SAMPLE)
    (path,) = (cache_dir / "paragraphs").glob("*.lines")

    def empty(head):
        return {**head, "lines": 0, "runs": 0, "glyphs": 0, "text": 0}
    _rewrite_parcache(path, header=empty, body=lambda head, rest: bytes(4 * len(head["keys"])))
    assert parcache._decode(path.read_bytes()) is not None    # a file of the right shape
    assert dump_pages(compose(SAMPLE).pages) == plain


def test_a_planted_picture_header_does_not_change_the_layout(cache_dir):
    """The picture headers cache entry of chaye.jpg planted with its height doubled changed
    the figure's size on the page."""
    from typeset.model import picture

    picture._probed.clear()                                  # (read in this process)
    plain = dump_pages(compose(SAMPLE).pages)                # (writes the header entry)
    data = (SAMPLE.parent / "images" / "chaye.jpg").read_bytes()
    path = picture._header_path(hashlib.sha256(data).hexdigest())
    assert path.is_file()
    head = json.loads(path.read_text())
    head["height"] *= 2
    path.write_text(json.dumps(head))
    picture._probed.clear()
    try:
        assert dump_pages(compose(SAMPLE).pages) == plain
        assert json.loads(path.read_text())["height"] == head["height"] // 2   # written again
    finally:
        picture._probed.clear()


def _outlines_drawn(pdf: bytes) -> dict[tuple[str, str], list]:
    """(font name without its subset tag, character) -> the outline the PDF draws for that
    character: the glyph its code selects in the embedded subset (code = CID: the CFF
    charset's glyph `cidNNNNN`, or the CIDToGIDMap's glyph of a TrueType subset), drawn by
    fontTools into a recording pen; the character is the font's ToUnicode's."""
    import io

    from fontTools.cffLib import CFFFontSet
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont

    from tests import pdfinspect as P

    out: dict[tuple[str, str], list] = {}
    for f in P.fonts(pdf):
        if f.subtype != "/Type0" or f.program is None:
            continue
        name = f.base_font.split("+", 1)[-1].removesuffix("-Identity-H")
        if f.font_file_subtype == "/CIDFontType0C":
            cff = CFFFontSet()
            cff.decompile(io.BytesIO(f.program), otFont=None)
            top = cff[cff.fontNames[0]]
            assert hasattr(top, "ROS"), "a CID-keyed subset"
            strings = top.CharStrings
            glyph = lambda cid: strings[f"cid{cid:05d}"]                 # noqa: E731
        else:
            tt = TTFont(io.BytesIO(f.program))
            order, gs = tt.getGlyphOrder(), tt.getGlyphSet()
            c2g = f.cid_to_gid
            assert isinstance(c2g, list), "a CIDToGIDMap stream"
            glyph = lambda cid: gs[order[c2g[cid]]]                      # noqa: E731
        for code, ch in f.tounicode.items():
            pen = RecordingPen()
            glyph(code).draw(pen)
            out[(name, ch)] = pen.value
    return out


def test_a_planted_face_record_does_not_change_the_glyphs_printed(tmp_path, monkeypatch):
    """A face record planted with the table entries of 的 and 是 swapped made `typeset build`
    draw 是 wherever the article says 的 (the text layer still said 的). (Planted here under
    the cache's own key: the check against the font finds it.)"""
    from typeset.text import fonts as F

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))    # (its key, to plant)

    def build(name):
        env = dict(os.environ)
        env["TYPESET_CACHE"] = str(tmp_path / name)
        out = tmp_path / f"{name}.pdf"
        r = subprocess.run([sys.executable, "-m", "typeset", "build", str(SAMPLE), "-o",
                            str(out)], capture_output=True, env=env, timeout=300, cwd=ROOT)
        assert r.returncode == 0, r.stderr[-600:]
        return out.read_bytes()

    cold = build("cache")
    planted = 0
    for p in (tmp_path / "cache" / "faces").glob("*.face"):
        data = p.read_bytes()
        at = len(F._CACHE_MAGIC)
        hlen = int.from_bytes(data[at:at + 4], "little")
        ident = json.loads(data[at + 4:at + 4 + hlen])["font"]
        rec = F._decode_record(ident, data)
        bmp = array("H")
        bmp.frombytes(rec["cmap_bmp"])
        a, b = ord("的"), ord("是")
        if bmp[a] and bmp[b]:
            bmp[a], bmp[b] = bmp[b], bmp[a]
            rec["cmap_bmp"] = bmp.tobytes()
            p.write_bytes(F._encode_record(ident, rec))
            planted += 1
    assert planted
    warm = build("cache")
    drawn = _outlines_drawn(warm)
    serif = "NotoSerifCJKsc-Regular"
    assert drawn[(serif, "的")] != drawn[(serif, "是")]          # two glyphs, not one
    assert drawn == _outlines_drawn(cold)
    assert warm == cold


# -- the face record's checks, one by one -------------------------------------------------------

SERIF = "NotoSerifCJKsc-Regular.otf"


def _plant_face(cache, change) -> None:
    """Rewrite the one face record in `cache` with `change(record)` applied (valid trailer)."""
    from typeset.text import fonts as F

    (p,) = (cache / "faces").glob("*.face")
    data = p.read_bytes()
    at = len(F._CACHE_MAGIC)
    ident = json.loads(data[at + 4:at + 4 + int.from_bytes(data[at:at + 4], "little")])["font"]
    rec = F._decode_record(ident, data)
    change(rec)
    p.write_bytes(F._encode_record(ident, rec))
    assert F._decode_record(ident, p.read_bytes()) is not None      # it reads as whole


def _table(rec, code="H", key="cmap_bmp"):
    a = array(code)
    a.frombytes(rec[key])
    return a


def _swap(a, b):
    def change(rec):
        t = _table(rec)
        t[ord(a)], t[ord(b)] = t[ord(b)], t[ord(a)]
        rec["cmap_bmp"] = t.tobytes()
    return change


def _drop(ch):
    def change(rec):
        t = _table(rec)
        t[ord(ch)] = 0
        rec["cmap_bmp"] = t.tobytes()
    return change


def _add(ch, like):
    def change(rec):
        t = _table(rec)
        t[ord(ch)] = t[ord(like)]
        rec["cmap_bmp"] = t.tobytes()
    return change


def _advance(ch, by):
    def change(rec):
        t, adv = _table(rec), _table(rec, "H", "advances")
        adv[t[ord(ch)] - 1] += by
        rec["advances"] = adv.tobytes()
    return change


def _field(key, value):
    def change(rec):
        rec[key] = value
    return change


@pytest.mark.parametrize("change, ask", [
    (_swap("的", "是"), "的是"),
    (_drop("国"), "国"),                              # a character said to be missing
    (_add("\u0378", "国"), "\u0378国"),               # one said to be there (U+0378 unassigned)
    (_advance("中", 100), "中"),                       # its advance
    (_advance("A", -1), "A"),
], ids=["swapped", "dropped", "added", "advance", "latin advance"])
def test_a_planted_cmap_or_advance_is_found_and_the_font_read_again(cache_dir, change, ask):
    from typeset.text.fonts import FONTS_DIR, FontChain, FontFace

    cold = FontFace(FONTS_DIR / SERIF, use_cache=False)
    FontFace(FONTS_DIR / SERIF)                         # writes the record
    _plant_face(cache_dir, change)
    warm = FontFace(FONTS_DIR / SERIF)
    assert warm._fontcheck is not None                # its header agrees: used, unchecked yet
    assert FontChain([warm]).missing(ask) == FontChain([cold]).missing(ask)
    for ch in ask:
        assert warm.has(ch) == cold.has(ch)
        if cold.has(ch):
            assert warm.glyph_id(ch) == cold.glyph_id(ch)
            assert warm.advance(ch) == cold.advance(ch)
    assert warm._fontcheck is None                    # read again from the font ...
    again = FontFace(FONTS_DIR / SERIF)               # ... and the record written again
    assert again.glyph_id("的") == cold.glyph_id("的") and again._fontcheck is not None
    assert dict(again.cmap) == dict(cold.cmap)


@pytest.mark.parametrize("change", [
    _field("ascent", 1000), _field("units_per_em", 2048), _field("bbox", [0, 0, 1, 1]),
    _field("family", "Noto Serif CJK TC"), _field("postscript_name", "Planted-Regular"),
    _field("is_fixed_pitch", True), _field("weight", 700), _field("italic_angle", -12.0),
    _field("ink", {}),
], ids=["ascent", "upem", "bbox", "family", "psname", "fixed", "weight", "italic", "ink"])
def test_a_planted_header_is_not_used(cache_dir, change):
    from typeset.text.fonts import FONTS_DIR, FontFace

    cold = FontFace(FONTS_DIR / SERIF, use_cache=False)
    FontFace(FONTS_DIR / SERIF)
    _plant_face(cache_dir, change)
    warm = FontFace(FONTS_DIR / SERIF)
    assert warm._fontcheck is None                     # refused at once, read from the font
    names = ("family", "style", "postscript_name", "units_per_em", "ascent", "descent",
             "cap_height", "bbox", "italic_angle", "weight", "is_cff", "is_fixed_pitch")
    assert [getattr(warm, k) for k in names] == [getattr(cold, k) for k in names]
    assert warm.ink("\u2014") == cold.ink("\u2014")


def test_a_good_record_is_checked_not_reread(cache_dir):
    """An honest record passes the checks: every character asked for is checked once, and
    the font is not read again (a warm build stays warm)."""
    from typeset.text import fonts as F

    F.FontFace(F.FONTS_DIR / SERIF)
    warm = F.FontFace(F.FONTS_DIR / SERIF)
    cold = F.FontFace(F.FONTS_DIR / SERIF, use_cache=False)
    high = chr(next(cp for cp in cold._cmap._high))       # a character above the BMP
    text = "中华人民共和国，政协委员深入基层调研。ABC 123 " + high
    assert F.FontChain([warm]).missing(text) == []
    assert warm._fontcheck is not None and warm._cmap._ok >= {ord(c) for c in text}
    assert [warm.glyph_id(c) for c in text] == [cold.glyph_id(c) for c in text]


# -- picture headers ----------------------------------------------------------------------------

def _pictures():
    """Pictures of each kind `probe` accepts (and a few it reads specially)."""
    import io

    from tests import picturekit as K

    base = K.photo(64, 40)
    out = {}
    for mode in ("RGB", "L", "CMYK"):
        out[f"jpeg-{mode}"] = K.jpeg_bytes(base.convert(mode), quality=80,
                                           icc_profile=K.fogra() if mode == "CMYK" else None)
    out["jpeg-progressive"] = K.jpeg_bytes(base, progressive=True)
    out["jpeg-exif-6"] = K.jpeg_bytes(base, exif=K.exif_orientation(6))
    for mode in ("1", "L", "I;16", "RGB", "P", "LA", "RGBA"):
        buf = io.BytesIO()
        base.convert(mode).save(buf, "PNG")
        out[f"png-{mode}"] = buf.getvalue()
    buf = io.BytesIO()
    base.convert("RGB").save(buf, "TIFF")
    out["tiff"] = buf.getvalue()
    return out


def test_the_header_reader_agrees_with_pillow_or_says_nothing():
    """`_frame` (format, size, mode from the picture's own bytes) is what Pillow reads, for
    every kind of picture; None only where it does not walk the file (TIFF)."""
    from typeset.model import picture

    for name, data in _pictures().items():
        got = picture._frame(data)
        want = picture._pillow_header(data, name, {})[:4]
        assert got == want or (got is None and name == "tiff"), name


@pytest.mark.parametrize("field, value", [("width", 999), ("height", 1), ("mode", "CMYK"),
                                          ("format", "PNG")])
def test_a_header_sealed_but_not_the_pictures_is_refused(cache_dir, tmp_path, field, value):
    """Even under a valid seal (a cache shipped with its key, or a bug) a header entry whose
    format, size or mode is not the picture's own is not used."""
    from typeset.model import picture

    path = tmp_path / "p.jpg"
    path.write_bytes(_pictures()["jpeg-RGB"])
    want = picture.probe(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    entry = picture._header_path(sha)
    doc = json.loads(entry.read_text())
    doc[field] = value
    fields = ("format", "width", "height", "mode", "icc", "orientation")
    doc["seal"] = picture._seal(sha, tuple(doc[k] for k in fields))
    entry.write_text(json.dumps(doc))
    assert picture._read_header(sha) is not None                  # it reads as whole ...
    picture._probed.clear()
    assert picture.probe(path) == want                            # ... and is not used


@pytest.mark.parametrize("field, value", [("orientation", 6), ("icc", True),
                                          ("mode", "CMYK")])
def test_an_unsealed_header_is_refused(cache_dir, tmp_path, field, value):
    """What the picture's bytes are not read for here (its profile, its orientation; a TIFF's
    every value) is trusted only under this user's seal: a planted entry without it is
    ignored and Pillow reads the picture."""
    from typeset.model import picture

    path = tmp_path / "p.tif"
    path.write_bytes(_pictures()["tiff"])
    want = picture.probe(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    entry = picture._header_path(sha)
    doc = json.loads(entry.read_text())
    doc[field] = value
    entry.write_text(json.dumps(doc))
    picture._probed.clear()
    assert picture.probe(path) == want
    assert json.loads(entry.read_text())[field] != value           # written again


# -- the paragraph file's seal ------------------------------------------------------------------

def test_word_boundaries_and_empty_entries_need_the_seal(cache_dir):
    """The paragraph file is read only under the seal of this user's key: a file sealed with
    another key is ignored whole. Under our key, its boundaries and empty entries are still
    read only if the header's own seal of them holds."""
    from typeset import fsutil
    from typeset.text import parcache

    compose(SAMPLE)
    (path,) = (cache_dir / "paragraphs").glob("*.lines")
    entries, words = parcache._decode(path.read_bytes())
    empty = [k for k, v in entries.items() if not v[0]]
    assert words and empty                          # the sample has both
    key = cache_dir / "key"
    assert key.stat().st_mode & 0o777 == 0o600
    _rewrite_parcache(path, header=lambda h: {**h, "seal": "0" * 64})
    entries2, words2 = parcache._decode(path.read_bytes())
    assert words2 == {} and not any(k in entries2 for k in empty)
    assert len(entries2) == len(entries) - len(empty)
    key.write_bytes(os.urandom(32))                 # another key (the file's is not ours now)
    fsutil._keys.clear()
    try:
        assert parcache._decode(path.read_bytes()) is None
    finally:
        fsutil._keys.clear()


def test_a_key_open_to_others_is_replaced_not_used(cache_dir):
    """A key file of ours that others may read is never used (its seals could be forged):
    it is replaced by a new key, 0600, which the next process uses too."""
    from typeset import fsutil

    cache_dir.mkdir()
    key = cache_dir / "key"
    key.write_bytes(bytes(32))
    key.chmod(0o644)
    fsutil._keys.clear()
    try:
        a = fsutil.cache_seal(b"x")
        fsutil._keys.clear()
        assert fsutil.cache_seal(b"x") == a         # the new key, in the next process too
        import hmac
        assert a != hmac.new(bytes(32), b"x", "sha256").hexdigest()
        assert key.read_bytes() != bytes(32) and key.stat().st_mode & 0o777 == 0o600
    finally:
        fsutil._keys.clear()


def test_cached_words_must_cut_around_marks():
    from typeset.text import words

    for text in ("一、茶叶产量", "年产量（吨）", "ABC公司的iPhone 15发布会，很好！", "茶「叶」"):
        assert words.could_be(text, words._segment(text))
        assert not words.could_be(text, (1,))


def test_compose_without_cache_reads_no_cache(cache_dir, monkeypatch):
    """`compose(use_cache=False)` reads no cache file: not the faces', not the picture
    headers' (it read both before), not the paragraphs'; and writes none."""
    from typeset import fsutil
    from typeset.model import picture
    from typeset.text import fonts, parcache

    compose(SAMPLE)                                  # every cache warm
    before = sorted(p for p in cache_dir.rglob("*") if p.is_file())
    read = []

    def spy(path, limit):
        read.append(str(path))
        return None
    for mod in (fsutil, fonts, parcache):
        monkeypatch.setattr(mod, "read_cache", spy)
    picture._probed.clear()
    try:
        plain = dump_pages(compose(SAMPLE, use_cache=False).pages)
    finally:
        picture._probed.clear()
    assert read == []
    assert sorted(p for p in cache_dir.rglob("*") if p.is_file()) == before
    monkeypatch.undo()
    assert dump_pages(compose(SAMPLE).pages) == plain
