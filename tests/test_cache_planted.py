"""Planted cache entries never change the output (issue 13, wave 6). Every cache file is
sealed with the user's cache key now (cacheseal.sealed), so an entry planted by anyone without
the key is a miss; the checks against each entry's source stay, and are tested here with
entries planted UNDER the user's key (as a cache shipped with its key, or a bug, could hold:
right shape, valid seal, not what their source says). The first four tests are the
reproductions of the adversarial round 5 (branch w5-adv, tests/test_adv5_findings.py),
adapted; then each check on its own; the round-6 findings (branch w6-adv,
tests/test_adv6_findings.py) at the end."""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import subprocess
import sys
import zlib
from array import array
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE
from tests.test_parcache import rewrite_file
from typeset.build import compose
from typeset.render.debug import dump_pages


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


# -- the four reproductions ---------------------------------------------------------------------

def test_planted_word_boundaries_do_not_change_or_break_the_issue(cache_dir):
    """Cached word boundaries of heading and cell texts each [1] (plausible: positive, rising,
    inside the text) made the sample fail ("the table is too wide")."""
    from typeset.text import parcache, words

    plain = dump_pages(compose(SAMPLE, use_cache=False).pages)
    compose(SAMPLE)
    (path,) = (cache_dir / "paragraphs").glob("*.lines")
    assert parcache._decode(path.read_bytes())[1]           # the file holds boundaries
    rewrite_file(path, header=lambda h: {**h, "words": {k: [1] for k in h["words"]}})
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
    rewrite_file(path, header=empty, body=lambda head, rest: bytes(4 * len(head["keys"])))
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
    from typeset.text import facecache as FC

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
        at = len(FC._CACHE_MAGIC)
        hlen = int.from_bytes(data[at:at + 4], "little")
        ident = json.loads(data[at + 4:at + 4 + hlen])["font"]
        rec = FC._decode_record(ident, data)
        bmp = array("H")
        bmp.frombytes(rec["cmap_bmp"])
        a, b = ord("的"), ord("是")
        if bmp[a] and bmp[b]:
            bmp[a], bmp[b] = bmp[b], bmp[a]
            rec["cmap_bmp"] = bmp.tobytes()
            p.write_bytes(FC._encode_record(ident, rec))
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


def _face_records(cache):
    """(path, head, record) of every face record in the cache folder `cache`."""
    from typeset.text import facecache as FC

    for path in sorted((cache / "faces").glob("*.face")):
        data = path.read_bytes()
        at = len(FC._CACHE_MAGIC)
        head = json.loads(data[at + 4:at + 4 + int.from_bytes(data[at:at + 4], "little")])
        yield path, head, FC._decode_record(head["font"], data)


def _plant_face(cache, change) -> None:
    """Rewrite the one face record in `cache` with `change(record)` applied (valid trailer)."""
    from typeset.text import facecache as FC

    ((p, head, rec),) = _face_records(cache)
    ident = head["font"]
    change(rec)
    p.write_bytes(FC._encode_record(ident, rec))
    assert FC._decode_record(ident, p.read_bytes()) is not None      # it reads as whole


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
    from typeset import cacheseal
    from typeset.text import parcache

    compose(SAMPLE)
    (path,) = (cache_dir / "paragraphs").glob("*.lines")
    entries, words = parcache._decode(path.read_bytes())
    empty = [k for k, v in entries.items() if not v[0]]
    assert words and empty                          # the sample has both
    key = cache_dir / "key"
    assert key.stat().st_mode & 0o777 == 0o600
    rewrite_file(path, header=lambda h: {**h, "seal": "0" * 64})
    entries2, words2 = parcache._decode(path.read_bytes())
    assert words2 == {} and not any(k in entries2 for k in empty)
    assert len(entries2) == len(entries) - len(empty)
    key.write_bytes(os.urandom(32))                 # another key (the file's is not ours now)
    cacheseal._keys.clear()
    try:
        assert parcache._decode(path.read_bytes()) is None
    finally:
        cacheseal._keys.clear()


def test_a_key_open_to_others_is_replaced_not_used(cache_dir):
    """A key file of ours that others may read is never used (its seals could be forged):
    it is replaced by a new key, 0600, which the next process uses too."""
    from typeset import cacheseal

    cache_dir.mkdir()
    key = cache_dir / "key"
    key.write_bytes(bytes(32))
    key.chmod(0o644)
    cacheseal._keys.clear()
    try:
        a = cacheseal.cache_seal(b"x")
        cacheseal._keys.clear()
        assert cacheseal.cache_seal(b"x") == a         # the new key, in the next process too
        import hmac
        assert a != hmac.new(bytes(32), b"x", "sha256").hexdigest()
        assert key.read_bytes() != bytes(32) and key.stat().st_mode & 0o777 == 0o600
    finally:
        cacheseal._keys.clear()


def test_cached_words_must_cut_around_marks():
    from typeset.text import words

    for text in ("一、茶叶产量", "年产量（吨）", "ABC公司的iPhone 15发布会，很好！", "茶「叶」"):
        assert words.could_be(text, words._segment(text))
        assert not words.could_be(text, (1,))


def test_compose_without_cache_reads_no_cache(cache_dir, monkeypatch):
    """`compose(use_cache=False)` reads no cache file: not the faces', not the picture
    headers' (it read both before), not the paragraphs'; and writes none."""
    from typeset import cachefiles
    from typeset.model import picture
    from typeset.text import facecache, parcache

    compose(SAMPLE)                                  # every cache warm
    before = sorted(p for p in cache_dir.rglob("*") if p.is_file())
    read = []

    def spy(path, limit):
        read.append(str(path))
        return None
    for mod in (cachefiles, facecache, parcache):
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


# =============================================================================================
# Adversarial round 6 (branch w6-adv, tests/test_adv6_findings.py at f9594d5), copied; adapted
# where the tester planted through typeset's own writers in this process (which now seal
# with the user's key): there the entry is planted "by someone else" (`_someone_else`: a key
# of their own), as an attacker who can write the cache folder but not read the key would;
# or, where the test is about a check that must hold even under the key, with the cache's
# own key. Findings: 1 picture, 1a header mode, 1b TrueType subset GIDs, 1c NaN/inf ink,
# 2 deflate, 3 Session(use_cache=False), 4 broken/unmakeable/another user's key, 5 the dash's
# ink. The attacks that held follow them.


@contextlib.contextmanager
def _someone_else():
    """Cache files written inside this block are sealed with a key other than the user's."""
    from typeset import cachefiles, cacheseal
    saved = dict(cacheseal._keys)
    cacheseal._keys.clear()
    cacheseal._keys[os.fspath(cachefiles.cache_dir())] = (os.urandom(32), True)
    try:
        yield
    finally:
        cacheseal._keys.clear()
        cacheseal._keys.update(saved)


def _child(code: str, cache: Path, timeout: int = 300) -> str:
    """Run `code` in a fresh interpreter with its own cache; its stdout."""
    env = dict(os.environ, TYPESET_CACHE=str(cache))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


# =============================================================================================
# 1. The picture cache: a planted entry prints another picture

def test_a_planted_picture_entry_does_not_print_another_picture(cache_dir, tmp_path):
    """What happens: an entry of `pictures/` holds the prepared image stream and a SHA-256 of
    that stream, both written by whoever wrote the file; `cache.load` checks the checksum
    against the file's own bytes and `fits` checks the pixel size, colour space and ink, so
    any other picture of the same size and colour space (or these bytes inverted, re-encoded)
    is embedded as if it were the one the article places.

    How it was found: every DCTDecode entry of a warm sample cache decoded, inverted with
    Pillow, re-encoded at the same size, written back with its length and SHA-256 fixed:
    `typeset build issues/sample/issue.yaml` then exits 0 and prints the meeting-room photo
    (page 5), the tea hills and the cover in negative (pdftoppm shows it); the README's list of
    what a planted entry can still change does not name pictures, and the caches' table says
    "anything planted ... is ignored and rebuilt, and the PDF is byte for byte the same".

    Why it matters: a shared or copied cache folder (a team's NFS cache, a cache shipped with
    a CI image, anyone who can write to ~/.cache/typeset) can swap what a journal prints: a
    photograph replaced in an issue sent to the printer, with no trace in the sources, the
    provenance or `typeset check`. The seal this round added for headers (cacheseal.cache_seal)
    is not applied to the prepared pictures. Nor is the stream checked to be a picture at
    all: entries rewritten with 7 bytes of 0xFF, with FlateDecode relabelled DCTDecode (and
    back), a CMYK stream labelled DeviceGray, the predictor or the Decode array flipped, are
    each embedded, `typeset build` exiting 0 (print and archive)."""
    from tests.picturekit import photo
    from typeset.layout.page import Image as Placed, Page
    from typeset.render.pictures import cache as pcache
    from typeset.render.pictures.pipeline import Pictures
    from typeset.render.pictures.spec import Target

    ours, theirs = tmp_path / "ours.png", tmp_path / "theirs.png"
    photo(120, 80, seed=1).save(ours)
    photo(120, 80, seed=1).rotate(180).save(theirs)       # same size, another picture
    target = Target("cmyk", total_ink=300.0)

    def prepare(path):
        pics = Pictures(target)
        pics.plan([Page(500, 700, items=[Placed(20, 20, 120, 80, str(path))])],
                  lambda i, p: "")
        return pics, pics.get(str(path))

    _, (key, good) = prepare(ours)
    _, (_, other) = prepare(theirs)
    assert other.data != good.data and (other.width, other.height) == (good.width, good.height)
    with _someone_else():                                  # (adapted: planted without the
        pcache.put(key, other)                             # user's key, whole and sealed)
    assert pcache.load(pcache.path_for(key).read_bytes(), 32).data == other.data
    assert pcache.get(key) is None                         # not under the user's seal
    _, (_, got) = prepare(ours)
    assert got.data == good.data, "the planted picture was embedded in place of the article's"
    # a picture the user's own build prepared, sealed with the user's key, moved under
    # another picture's key: refused too (the seal is bound to its key)
    _, (other_key, _) = prepare(theirs)
    pcache.path_for(key).write_bytes(pcache.path_for(other_key).read_bytes())
    assert pcache.get(other_key) is not None and pcache.get(key) is None
    _, (_, got) = prepare(ours)
    assert got.data == good.data


# =============================================================================================
# 1a-1c. Planted entries that make a build fail where a cold build does not

def test_a_planted_header_with_a_mode_not_in_ascii_is_ignored(cache_dir, tmp_path, monkeypatch):
    """What happens: `picture._read_header` accepts any JSON string of 1-16 characters as the
    mode, then computes the entry's seal with `repr(header).encode("ascii")`: a mode of
    "\u00e9" (valid ASCII JSON) raises UnicodeEncodeError out of `probe`, which nothing
    catches. The seal is never compared: anyone who can write a file in `headers/` can do it.

    How it was found: reading `_read_header`/`_seal` for values a checked field may still
    hold; every `headers/*/*.json` of a warm sample cache rewritten with "mode": "\u00e9":
    `typeset build issues/sample/issue.yaml` -> "typeset: internal error (a bug in typeset,
    not in your files): UnicodeEncodeError: 'ascii' codec can't encode character '\xe9'",
    exit 3, no PDF.

    Why it matters: a cache must never cause a failure a cold build would not have; here one
    small file stops every build (and `typeset watch`, `batch` workers) of every issue that
    places the picture, for every user of a shared cache, with a message saying it is a bug
    and pointing nowhere near the cache."""
    from tests.picturekit import photo
    from typeset.model import picture

    monkeypatch.setattr(picture, "_probed", {})
    path = tmp_path / "p.jpg"
    photo(60, 40).save(path)
    first = picture.probe(path)
    (entry,) = cache_dir.glob("headers/*/*.json")
    head = json.loads(entry.read_text())
    head["mode"] = "\u00e9"
    entry.write_text(json.dumps(head))                    # ASCII JSON: "\u00e9"
    monkeypatch.setattr(picture, "_probed", {})
    assert picture.probe(path) == first


def test_a_planted_truetype_subset_never_ends_the_build_in_a_traceback(tmp_path, monkeypatch):
    """What happens: a cached TrueType subset is checked by `subset_matches` (a CID->GID map
    of len(gids) + 1 entries, 0 first, each below the header's glyph count), but the glyph
    count is the file's own word: with "glyphs": 100000 and a map entry of 70000,
    `cid_font` writes the CIDToGIDMap with `g.to_bytes(2, "big")` and raises OverflowError.

    How it was found: the subset entry of LXGW WenKai (the sample's only TrueType face) in a
    warm cache rewritten with that header and map (program unchanged, SHA-256 fixed):
    `typeset build` -> "internal error ... OverflowError: int too big to convert", exit 3
    (`--debug`: render/cidfont.py line 127).

    Why it matters: as above (a failure a cold build would not have, no key needed); the
    README says a cached subset "must have the glyph count and CID→GID map of a subset of
    exactly the glyphs asked for", and a map a PDF cannot hold passes."""
    from typeset.render.fontprogram import Subset, SubsetCache

    cache = tmp_path / "cache"
    env = dict(os.environ, TYPESET_CACHE=str(cache))
    monkeypatch.setenv("TYPESET_CACHE", str(cache))  # (adapted: planted under its key)

    def build(out):
        return subprocess.run([sys.executable, "-m", "typeset", "build", str(SAMPLE), "-o",
                               str(out)], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
    cold = build(tmp_path / "cold.pdf")
    assert cold.returncode == 0, cold.stderr
    planted = 0
    for f in cache.glob("subsets/*/*.bin"):
        sub = SubsetCache.decode(f.read_bytes(), f.stem)
        if sub is not None and sub.cid_to_gid is not None:
            c2g = (0,) + (70000,) * (len(sub.cid_to_gid) - 1)
            f.write_bytes(SubsetCache.encode(Subset(sub.program, 100000, c2g), f.stem))
            planted += 1
    assert planted == 1
    for f in cache.glob("pages/*"):
        f.unlink()                          # (the page streams do not hold the font)
    warm = build(tmp_path / "warm.pdf")
    assert "internal error" not in warm.stderr and warm.returncode == 0, warm.stderr[-500:]
    assert (tmp_path / "warm.pdf").read_bytes() == (tmp_path / "cold.pdf").read_bytes()


@pytest.mark.parametrize("value", [float("nan"), float("inf")], ids=["NaN", "Infinity"])
def test_a_planted_dash_ink_never_fails_the_build(cache_dir, value):
    """What happens: the face record's ink edges are checked by `_decode_record` for being
    numbers (`num`: NaN and Infinity are floats; `json.loads` reads both) and by
    `_font_check` only for which characters have them. `StyleBook._joined` then draws each
    dash of a 破折号 at x - left·size·scale: NaN or -inf.

    How it was found: the dash's left edge planted as NaN (then Infinity) in the three face
    records of a warm sample cache: `typeset build` -> "error: p.2: 结合起来 and — are drawn
    over each other (and 9 more)" / "p.目录: — reaches outside the trim box (-inf, 263.5)–
    (-inf, 275.5) pt", hint "the layout (margins, sizes, spacing) or the text concerned must
    change"; exit 1, no PDF. With 1e300 the message prints a 300-digit coordinate.

    Why it matters: beyond the documented gap (a planted ink edge moves the dash), this is a
    failure a cold build does not have, whose message sends the editor to change a layout and
    a text that are fine."""
    from typeset.build import compose
    from typeset.pagecheck import check_composition_pages, placement_error
    from typeset.text import facecache

    compose(SAMPLE)
    planted = 0
    for path, head, rec in _face_records(cache_dir):
        if rec["ink"]:
            rec["ink"] = {c: (value, b) for c, (a, b) in rec["ink"].items()}
            path.write_bytes(facecache._encode_record(head["font"], rec))
            planted += 1
    assert planted == 3
    for f in cache_dir.glob("paragraphs/*"):
        f.unlink()
    comp = compose(SAMPLE)
    err = placement_error(comp.pages, None, found=check_composition_pages(comp))
    assert err is None, str(err)


# =============================================================================================
# 2. The compressed-stream cache: any deflate stream that inflates right is embedded

@pytest.mark.parametrize("planted", ["level 1", "level 9", "bytes after the end"])
def test_a_planted_deflated_stream_does_not_change_the_pdf(cache_dir, planted):
    """What happens: `render/deflate.py` promises `zlib.compress(data)` ("the bytes are the
    ones compressing would give on this machine"; "a planted, truncated or foreign file cannot
    change a PDF") but checks only that the cached stream inflates to data of the right
    SHA-256. Another compression level inflates to the same data, and `zlib.decompress`
    ignores whatever follows the end of the stream, so both are embedded as they are.

    How it was found: every `deflated/*.z` of a warm sample cache rewritten with
    `zlib.compress(data, 1)`: the next `typeset build` exits 0 and its PDF differs from the
    cold build's (9,964,769 bytes instead of 9,958,558). Bytes appended after the stream are
    embedded too (a font program's /FontFile3 carries them).

    Why it matters: "a cache never changes a byte of output" is what lets a build be checked
    by its SHA-256 (the archive's provenance, `batch` skipping unchanged issues, a printer's
    comparison with the proof); a cache shared between machines whose zlib differs in output
    but not in version string (zlib-ng in compatibility mode, distributions' patched zlib)
    breaks it without anyone planting anything, and appended bytes let anyone who can write
    the cache smuggle data into every PDF that embeds the font."""
    from typeset.render import deflate
    from typeset.resources import FONTS_DIR

    data = (Path(FONTS_DIR) / "LXGWWenKai-Regular.ttf").read_bytes()[:300_000]
    want = zlib.compress(data)
    deflate._memo.clear()
    assert deflate.deflate(data) == want                   # cold: compressed and kept
    (path,) = cache_dir.glob("deflated/*/*.z")
    stream = {"level 1": zlib.compress(data, 1), "level 9": zlib.compress(data, 9),
              "bytes after the end": want + b"%planted"}[planted]
    assert stream != want and zlib.decompress(stream) == data
    path.write_bytes(deflate._MAGIC + stream)
    deflate._memo.clear()
    try:
        assert deflate.deflate(data) == want
    finally:
        deflate._memo.clear()


# =============================================================================================
# 3. Session(use_cache=False) is not a session in memory only

def test_a_session_without_cache_neither_reads_nor_writes_the_caches(tmp_path):
    """What happens: `Session(..., use_cache=False)` is documented as "a session of its own
    in memory only" (typeset/session.py), and `compose(use_cache=False)` was made to read no
    face or picture-header cache this round; but the session loads the issue itself
    (`load_issue` -> `picture.probe`, with `picture.use_header_cache` left True) and renders
    through `finished_files`, whose `render` builds a `PicturePolicy` that always uses the
    picture cache, and the subset and compressed-stream caches, which take no flag at all.

    How it was found: a session of the sample with use_cache=False and an empty
    $TYPESET_CACHE leaves `key`, `headers/` (4), `pictures/` (4), `subsets/` (3) and
    `deflated/` (4) behind; and it reads them: with the compressed streams of that cache
    planted as in finding 2, the session's PDF differs from the cold build's.

    Why it matters: use_cache=False is the way to get a build that no cache folder can
    influence (a reference build, a suspicious cache, a read-only home); it is not one."""
    cache = tmp_path / "cache"
    out = _child(
        "from typeset.session import Session\n"
        f"with Session({str(SAMPLE)!r}, output={str(tmp_path / 's.pdf')!r}, "
        "use_cache=False) as s:\n"
        "    r = s.rebuild()\n"
        "    print(r.ok, r.errors)\n", cache)
    assert out.startswith("True"), out
    written = sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file()) \
        if cache.exists() else []
    assert written == [], f"a session without cache wrote {len(written)} cache file(s): " \
                          f"{written[:6]}"


# =============================================================================================
# 4. A cache key that cannot be used is never replaced: slow for ever

def _seal_twice(monkeypatch) -> tuple[str, str]:
    """The seal of the same bytes in two processes (the memo of keys emptied between)."""
    from typeset import cacheseal
    monkeypatch.setattr(cacheseal, "_keys", {})
    first = cacheseal.cache_seal(b"words")
    monkeypatch.setattr(cacheseal, "_keys", {})
    return first, cacheseal.cache_seal(b"words")


@pytest.mark.parametrize("state", ["open to others (0644)", "empty", "31 bytes",
                                   "another user's (a shared folder)"])
def test_a_broken_key_of_our_own_is_replaced(cache_dir, monkeypatch, state):
    """What happens: `cacheseal._cache_key` uses $TYPESET_CACHE/key only if it is 32 bytes,
    ours, and closed to others; otherwise it `break`s out and returns a random key for this
    process, and the file stays as it is. Every later process does the same, so nothing
    sealed (word boundaries, "cannot be set so" entries, picture headers) is ever trusted
    again in that cache folder, and no message says so.

    How it was found: a warm sample cache with its key chmod 644 (or emptied, or cut to 31
    bytes), then three fresh `typeset build`s: each loads the segmenter (rjieba in
    sys.modules) and takes 0.59-0.60 s of CPU instead of 0.46-0.48 s, and the key is still
    the same broken file after them. An empty key is what a power cut can leave: the key is
    written, not fsynced, and hard-linked into place (ext4's delayed allocation then keeps
    the name with no data).

    Why it matters: the README measures the seals at ~0.6 ms; losing them costs ~0.13 s a
    build (+30 %), for ever, on a cache the user owns and typeset could simply replace (a key
    others could read must be replaced anyway: its seals are forgeable). The output stays
    the same bytes (checked). Two users sharing one cache folder (the README's "shared
    folder"): the one whose build came second never has a key there, as `key` is one name
    for everybody (a key file per user, key-<uid>, would do); `sudo typeset build` once
    with the user's HOME leaves a root-owned key in the user's own cache, with the same
    effect on every later build of the user."""
    cache_dir.mkdir(parents=True)
    key = cache_dir / "key"
    if state.startswith("open"):
        key.write_bytes(os.urandom(32))
        key.chmod(0o644)
    elif state.startswith("another"):
        if not hasattr(os, "getuid") or os.getuid() != 0:
            pytest.skip("needs root to give the key to another user")
        key.write_bytes(os.urandom(32))
        key.chmod(0o600)
        os.chown(key, 65534, 65534)
    else:
        key.write_bytes(os.urandom(0 if state == "empty" else 31))
        key.chmod(0o600)
    first, second = _seal_twice(monkeypatch)
    assert first == second, "each process seals with a key of its own: no seal is trusted"
    if not state.startswith("another"):
        st = key.stat()
        assert st.st_size == 32 and not st.st_mode & 0o077


def test_a_key_is_made_where_hard_links_cannot_be(cache_dir, monkeypatch):
    """What happens: the key is written under a temporary name and put in place with
    `os.link`; where the file system has no hard links (FAT/exFAT drives, many FUSE and SMB
    mounts) link fails with EPERM/ENOTSUP, `_cache_key` gives up, and no key is ever made:
    every build seals with a key of its own and trusts nothing sealed.

    How it was found: reading `_cache_key`; reproduced with os.link raising EPERM.

    Why it matters: as finding 4 (a cache on such a drive is slow for ever, silently); an
    exclusive create (O_EXCL) or a rename that does not replace is available there."""
    def no_link(*args, **kwargs):
        raise PermissionError(errno.EPERM, "Operation not permitted")
    monkeypatch.setattr(os, "link", no_link)
    first, second = _seal_twice(monkeypatch)
    assert first == second, "no key could be made: every process seals with its own"


def test_a_warm_build_after_a_broken_key_needs_no_segmenter(cache_dir):
    """The cost of finding 4 in a build: with the key of a warm cache opened to others, two
    more fresh builds (compose) each load the word segmenter (~0.25 s) because the word
    boundaries' seal is never trusted; with a usable key the second would not (as a warm
    build with the key intact does not)."""
    code = ("import sys\nfrom typeset.build import compose\n"
            f"compose({str(SAMPLE)!r})\nprint('rjieba' in sys.modules)\n")
    _child(code, cache_dir)                                     # cold: makes the key
    assert _child(code, cache_dir).strip() == "False"           # warm: no segmenter
    (cache_dir / "key").chmod(0o644)
    _child(code, cache_dir)                                     # (may segment once)
    assert _child(code, cache_dir).strip() == "False", \
        "every later build segments again: the broken key is never replaced"


# =============================================================================================
# 5. Documented gap: the dash's ink edges in a face record

def test_a_planted_dash_ink_does_not_move_the_dash(cache_dir):
    """What happens: `_font_check` checks that a face record has an ink entry for exactly the
    characters of INK_CHARS the font maps, not the edges themselves; `StyleBook._joined`
    scales and shifts each dash of a 破折号 by them.

    How it was found: every face record of a warm sample cache rewritten (valid SHA-256) with
    the dash's ink edges moved 100 units inward: the next build exits 0 and its PDF differs
    (the 破折号 of articles 1 and 2 drawn wider). The README lists it under "What a planted
    entry can still change"; it is pinned here because the promise ("a cache never changes
    a byte of output") does not hold while it stands, and it is the one part of a face
    record that is not checked (the dash's outline: one glyph of ~45k)."""
    from typeset.build import compose
    from typeset.render.debug import dump_pages
    from typeset.text import facecache

    plain = dump_pages(compose(SAMPLE, use_cache=False).pages)
    compose(SAMPLE)
    planted = 0
    for path, head, rec in _face_records(cache_dir):
        if rec["ink"]:
            rec["ink"] = {c: (a + 100, b - 100) for c, (a, b) in rec["ink"].items()}
            with _someone_else():           # (adapted: planted without the user's key)
                path.write_bytes(facecache._encode_record(head["font"], rec))
            planted += 1
    assert planted == 3
    for f in cache_dir.glob("paragraphs/*"):
        f.unlink()                         # (the lines are not where the dash is drawn)
    assert dump_pages(compose(SAMPLE).pages) == plain


# =============================================================================================
# Attacks that held (pass today): pinned for coverage

def test_held_planted_cmaps_and_advances_of_every_shipped_face_are_found(cache_dir):
    """240 planted records (60 a shipped face: a used character mapped to a random glyph, a
    used glyph's advance moved by -1/+1/+100, two characters' glyphs swapped, a supplementary
    -plane character added) asked about every character of the sample plus 𠀀 𪚥 ——… in a
    random order: every answer (has, glyph_id, advance) was the font's own. Here: a short
    version of that sweep."""
    import random
    from array import array

    from typeset.resources import FONTS_DIR
    from typeset.text import facecache
    from typeset.text.fontid import file_identity
    from typeset.text.fonts import FontFace

    rnd = random.Random(6)
    text = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "issues" / "sample"
                                                           / "articles").glob("*.md"))
    chars = sorted(set(text + "——…“”《》、。，𠀀𪚥"))
    for name in ("NotoSerifCJKsc-Regular.otf", "LXGWWenKai-Regular.ttf"):
        fp = os.path.abspath(Path(FONTS_DIR) / name)
        plain = FontFace(fp, use_cache=False)
        truth = {c: (plain.glyph_id(c), plain.advance(c)) if plain.has(c) else None
                 for c in chars}
        FontFace(fp)
        ident = file_identity(fp)
        path = facecache._cache_path(ident)
        good = facecache._decode_record(ident, path.read_bytes())
        for t in range(12):
            rec = dict(good)
            bmp, adv = array("H"), array("H")
            bmp.frombytes(rec["cmap_bmp"])
            adv.frombytes(rec["advances"])
            c = rnd.choice([c for c in chars if ord(c) < 0x10000])
            if t % 3 == 0:
                bmp[ord(c)] = rnd.randrange(0, len(adv) + 1)
            elif t % 3 == 1 and plain.has(c):
                adv[plain.glyph_id(c)] += rnd.choice((-1, 1, 100))
            else:
                rec["cmap_high_cps"] = array("I", [0x2A6A5]).tobytes()
                rec["cmap_high_gids"] = array("I", [5]).tobytes()
            rec["cmap_bmp"], rec["advances"] = bmp.tobytes(), adv.tobytes()
            path.write_bytes(facecache._encode_record(ident, rec))
            face = FontFace(fp)
            order = chars[:]
            rnd.shuffle(order)
            got = {c: (face.glyph_id(c), face.advance(c)) if face.has(c) else None
                   for c in order}
            assert got == truth, (name, t, c)


def test_held_the_frame_reader_agrees_with_pillow_on_awkward_pictures(tmp_path):
    """Progressive, optimised and 4:4:4 JPEG, CMYK (Adobe) JPEG with and without a profile,
    EXIF orientations 3 and 6, an ICC-tagged JPEG and PNG, Adam7-interlaced PNG, 16-bit grey,
    RGB, RGBA and grey+alpha PNG, 1-, 2- and 8-bit grey, palette; TIFF (plain, LZW, CMYK)
    gets no frame (the seal stands for it): `_frame` never disagrees with Pillow, so an
    honest header is never refused (a warm build never reads these with Pillow again)."""
    import struct

    from PIL import Image

    from typeset.model import picture
    rgb = Image.linear_gradient("L").resize((60, 40)).convert("RGB")
    made = {}

    def keep(name, im, fmt, **kw):
        p = tmp_path / name
        im.save(p, fmt, **kw)
        made[name] = p
    keep("progressive.jpg", rgb, "JPEG", progressive=True)
    keep("optimize.jpg", rgb, "JPEG", optimize=True)
    keep("444.jpg", rgb, "JPEG", subsampling=0)
    keep("cmyk.jpg", rgb.convert("CMYK"), "JPEG")
    keep("gray.jpg", rgb.convert("L"), "JPEG")
    exif = Image.Exif()
    exif[0x0112] = 6
    keep("exif6.jpg", rgb, "JPEG", exif=exif.tobytes())
    for mode in ("RGB", "RGBA", "L", "LA", "P", "1"):
        keep(f"{mode}.png", rgb.convert(mode), "PNG")
    keep("i16.png", Image.new("I;16", (60, 40), 40000), "PNG")
    keep("rgb.tif", rgb, "TIFF")
    keep("lzw.tif", rgb, "TIFF", compression="tiff_lzw")

    def png(name, depth, kind, row, interlace=0, passes=None):
        def chunk(t, d):
            return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
        rows = (b"".join(b"\0" + bytes(row * pw) for pw, ph in passes for _ in range(ph))
                if passes else b"".join(b"\0" + bytes(row * 8) for _ in range(8)))
        p = tmp_path / name
        p.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(
            ">IIBBBBB", 8, 8, depth, kind, 0, 0, interlace)) + chunk(b"IDAT", zlib.compress(
                rows)) + chunk(b"IEND", b""))
        made[name] = p
    png("rgb16.png", 16, 2, 6)
    png("rgba16.png", 16, 6, 8)
    png("la16.png", 16, 4, 4)
    png("adam7.png", 8, 2, 3, interlace=1,
        passes=[(1, 1), (1, 1), (2, 1), (2, 2), (4, 2), (4, 4), (8, 4)])
    for name, p in made.items():
        data = p.read_bytes()
        pil = picture._pillow_header(data, name, {})
        frame = picture._frame(data)
        if name.endswith(".tif"):
            assert frame is None
        else:
            assert frame == pil[:4], (name, frame, pil)


@pytest.mark.parametrize("state", ["a folder", "a symbolic link", "a FIFO", "absent"])
def test_held_an_odd_key_never_changes_the_seal_users_or_blocks(cache_dir, monkeypatch, state):
    """A key that is a folder, a link (even to a good key), a FIFO (never waited for) or
    absent: cache_seal returns at once, no traceback, and (full builds, by hand) the sample's
    PDF is byte-identical to the cold build; likewise a cache on a full tmpfs, a read-only
    mount of a warm cache (still fast: the key is read), a key owned by another user, and
    $TYPESET_CACHE set to /dev/null, /proc/self, /sys/kernel or a regular file."""
    from typeset import cacheseal
    cache_dir.mkdir(parents=True)
    key = cache_dir / "key"
    if state == "a folder":
        key.mkdir()
    elif state == "a symbolic link":
        (cache_dir / "real").write_bytes(os.urandom(32))
        (cache_dir / "real").chmod(0o600)
        key.symlink_to("real")
    elif state == "a FIFO":
        os.mkfifo(key, 0o600)
    monkeypatch.setattr(cacheseal, "_keys", {})
    seal = cacheseal.cache_seal(b"x")
    assert len(seal) == 64 and int(seal, 16) >= 0
    if state == "absent":
        first, second = _seal_twice(monkeypatch)
        assert first == second


def test_held_concurrent_first_builds_agree_on_one_key(cache_dir):
    """Four processes making the key at once (the link is atomic; a loser reads the winner's
    key): all seal alike and the key is 32 bytes, 0600."""
    code = ("from typeset import cacheseal\nprint(cacheseal.cache_seal(b'x'))\n")
    env = dict(os.environ, TYPESET_CACHE=str(cache_dir))
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True) for _ in range(4)]
    seals = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(seals) == 1
    st = (cache_dir / "key").stat()
    assert st.st_size == 32 and not st.st_mode & 0o077
    assert hashlib.sha256(b"").hexdigest() not in seals


# -- the key, made and replaced: every process ends with one key ---------------------------------

_KEY_CHILD = ("import os, sys, time\n"
              "from typeset import cacheseal\n"
              "if sys.argv[1] == 'nolink':\n"
              "    def no_link(*a, **k):\n"
              "        raise PermissionError(1, 'Operation not permitted')\n"
              "    os.link = no_link\n"
              "while time.time() < float(sys.argv[2]):\n"
              "    time.sleep(0.001)\n"
              "print(cacheseal.cache_seal(b'x'))\n")


@pytest.mark.parametrize("links", ["link", "nolink"])
@pytest.mark.parametrize("state", ["absent", "empty", "open to others"])
def test_processes_racing_to_make_or_replace_the_key_agree(cache_dir, state, links):
    """Six processes started together on a cache whose key is absent or broken (empty, open
    to others), with hard links or without (an O_EXCL candidate then a rename): all seal
    alike, and the key they used is the file's, 32 bytes, 0600; no candidate is left."""
    import time
    cache_dir.mkdir()
    key = cache_dir / "key"
    if state != "absent":
        key.write_bytes(b"" if state == "empty" else os.urandom(32))
        key.chmod(0o600 if state == "empty" else 0o644)
    env = dict(os.environ, TYPESET_CACHE=str(cache_dir))
    start = str(time.time() + 1.5)          # (all started and imported before they race)
    procs = [subprocess.Popen([sys.executable, "-c", _KEY_CHILD, links, start], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, text=True) for _ in range(6)]
    seals = {p.communicate(timeout=60)[0].strip() for p in procs}
    import hmac
    assert len(seals) == 1
    assert seals == {hmac.new(key.read_bytes(), (1).to_bytes(8, "little") + b"x",
                              "sha256").hexdigest()}
    st = key.stat()
    assert st.st_size == 32 and st.st_mode & 0o777 == 0o600
    assert [p.name for p in cache_dir.iterdir()] == ["key"]


def test_a_key_being_written_without_hard_links_is_waited_for_not_replaced(cache_dir,
                                                                          monkeypatch):
    """Without hard links a candidate is written in place: another process finding it short
    waits for it (never takes a half-written key), and one left unfinished by a crash is
    made again once it is old."""
    from typeset import cacheseal
    cache_dir.mkdir()
    cand = cache_dir / ".typeset-key-none.tmp"
    cand.write_bytes(b"half")
    cand.chmod(0o600)
    monkeypatch.setattr(cacheseal, "_KEY_WAIT", 0.05)
    monkeypatch.setattr(cacheseal, "_keys", {})
    key, ours = cacheseal.cache_key()
    assert not ours and not (cache_dir / "key").exists()      # young: waited for, not used
    old = os.stat(cand).st_mtime - 60
    os.utime(cand, (old, old))                                  # left by a crash
    monkeypatch.setattr(cacheseal, "_keys", {})
    key, ours = cacheseal.cache_key()
    assert ours and (cache_dir / "key").read_bytes() == key and not cand.exists()


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0,
                    reason="needs root to give the key to another user")
def test_another_users_key_is_neither_used_nor_replaced(cache_dir, monkeypatch):
    """A shared folder (or root's key left by a sudo build): `key` is someone else's and
    stays as it is; the user's key is key-<uid> beside it."""
    from typeset import cacheseal
    cache_dir.mkdir()
    key = cache_dir / "key"
    theirs = os.urandom(32)
    key.write_bytes(theirs)
    key.chmod(0o600)
    os.chown(key, 65534, 65534)
    monkeypatch.setattr(cacheseal, "_keys", {})
    mine, ours = cacheseal.cache_key()
    assert ours and mine != theirs and key.read_bytes() == theirs
    assert key.stat().st_uid == 65534
    assert (cache_dir / f"key-{os.getuid()}").read_bytes() == mine


def test_a_cache_copied_without_its_key_is_cold_and_prints_the_same(tmp_path, monkeypatch):
    """A warm cache shipped without its key: nothing in it is used (it is cold: the
    segmenter is loaded again), the pages are the same, and the new key's entries replace
    the copied ones."""
    import shutil

    from typeset import cacheseal
    from typeset.text import words

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "a"))
    monkeypatch.setattr(cacheseal, "_keys", {})
    plain = dump_pages(compose(SAMPLE).pages)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    (tmp_path / "b" / "key").unlink()
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "b"))
    monkeypatch.setattr(cacheseal, "_keys", {})
    words._memo.clear()
    segmented = []
    real = words.boundaries
    monkeypatch.setattr(words, "boundaries", lambda t: segmented.append(t) or real(t))
    assert dump_pages(compose(SAMPLE).pages) == plain
    assert segmented                                 # the copied boundaries were not used
    assert (tmp_path / "b" / "key").read_bytes() != (tmp_path / "a" / "key").read_bytes()


def test_a_sealed_deflated_stream_moved_to_another_key_is_not_used(cache_dir):
    """The user's own stream of one font program copied over another's entry: refused (the
    seal is bound to its key), the program compressed again."""
    from typeset.render import deflate
    from typeset.resources import FONTS_DIR

    font = (Path(FONTS_DIR) / "LXGWWenKai-Regular.ttf").read_bytes()
    a, b = font[:200_000], font[200_000:400_000]
    deflate._memo.clear()
    try:
        deflate.deflate(a)
        deflate.deflate(b)
        files = sorted(cache_dir.glob("deflated/*/*.z"))
        assert len(files) == 2
        files[0].write_bytes(files[1].read_bytes())
        deflate._memo.clear()
        assert deflate.deflate(a) == zlib.compress(a) and deflate.deflate(b) == zlib.compress(b)
    finally:
        deflate._memo.clear()


def test_planted_page_streams_do_not_change_the_pdf(cache_dir):
    """The page-stream file rewritten by someone without the key (each page's stream
    replaced by the next page's, the seals made with their own key), and then by the user's
    own streams moved to other pages: the PDF is the cold build's, byte for byte."""
    from typeset.build import render
    from typeset.render import pagestreams

    comp = compose(SAMPLE)
    cold = render(comp, "archive")
    (path,) = cache_dir.glob("pages/*.bin")
    data = path.read_bytes()
    at = len(pagestreams._MAGIC)
    hlen = int.from_bytes(data[at:at + 4], "little")
    head = json.loads(data[at + 4:at + 4 + hlen])
    streams, pos = [], at + 4 + hlen
    for _, length, _ in head["entries"]:
        streams.append(data[pos:pos + length])
        pos += length
    keys = [k for k, _, _ in head["entries"]]
    moved = streams[1:] + streams[:1]

    def write(seal):
        entries = [[k, len(s), seal(k, s)] for k, s in zip(keys, moved)]
        h = json.dumps({"code": head["code"], "entries": entries}).encode("ascii")
        path.write_bytes(pagestreams._MAGIC + len(h).to_bytes(4, "little") + h
                         + b"".join(moved))
    from typeset import cacheseal
    with _someone_else():
        write(lambda k, s: cacheseal.seal_of("pages", k, s).hex())
    assert render(comp, "archive") == cold
    write(lambda k, s: hashlib.sha256(s).hexdigest())             # a bare checksum
    assert render(comp, "archive") == cold
    seals = {k: d for k, _, d in head["entries"]}
    write(lambda k, s: seals[keys[(keys.index(k) + 1) % len(keys)]])  # ours, moved
    assert render(comp, "archive") == cold


def test_a_subset_planted_without_the_key_is_not_used(cache_dir):
    """A subset entry of the right shape for the glyphs asked for (another program: the
    subset of other glyphs), sealed by someone else: a miss; under the user's key, moved
    from another entry: a miss too."""
    from typeset.render.fontprogram import Subset, SubsetCache

    cache = SubsetCache()
    ours = Subset(b"the program of glyphs 1, 2, 3", 4, None)
    other = Subset(b"the program of glyphs 7, 8, 9", 4, None)
    cache.put("a" * 64, ours)
    assert cache.get("a" * 64, [1, 2, 3]) == ours
    with _someone_else():
        cache.put("a" * 64, other)
    assert cache.get("a" * 64, [1, 2, 3]) is None
    cache.put("b" * 64, other)
    Path(cache._path("a" * 64)).write_bytes(Path(cache._path("b" * 64)).read_bytes())
    assert cache.get("b" * 64, [7, 8, 9]) == other and cache.get("a" * 64, [1, 2, 3]) is None
