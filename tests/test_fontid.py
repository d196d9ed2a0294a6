"""text/fontid.py: a font's SHA-256 remembered on disk by the file's stamp (wave 8), so a
one-shot build of unchanged fonts hashes none; a font changed in place with its size and
modification time kept is hashed again; a planted or moved entry is a miss; the archive's
record of a font is always hashed bytes."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.adv7kit import cold_build, issue_with_kai_copy
from typeset import cachefiles
from typeset.text import fontid

ROOT = Path(__file__).resolve().parents[1]
KAI = ROOT / "fonts" / "LXGWWenKai-Regular.ttf"


@pytest.fixture
def font(tmp_path, monkeypatch) -> Path:
    """A copy of LXGW WenKai, a cache folder of the test's own, nothing memoised in memory
    (a fresh process)."""
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    _forget()
    path = tmp_path / "kai.ttf"
    shutil.copyfile(KAI, path)
    yield path
    _forget()


def _forget() -> None:
    """What a new process knows: nothing in memory."""
    fontid._hash_memo.clear()
    fontid._recalled.clear()
    fontid._placed.clear()


def _no_hashing(monkeypatch) -> None:
    def refuse(*a, **k):
        raise AssertionError("the font was hashed")
    monkeypatch.setattr(fontid.hashlib, "file_digest", refuse)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "fontids").glob("*.id"))


def test_a_later_process_does_not_hash_an_unchanged_font(font, tmp_path, monkeypatch):
    digest = fontid.file_identity(str(font))
    assert digest == _sha256(font) and len(_entries(tmp_path)) == 1
    _forget()
    _no_hashing(monkeypatch)
    assert fontid.file_identity(str(font)) == digest
    assert fontid.identity_and_stamp(str(font))[1] == fontid.stamp(str(font))


def test_a_font_changed_in_place_with_its_size_and_time_kept_is_hashed(font, tmp_path):
    """Bytes changed in the middle (outside the first and last 64 KiB the stamp reads: the
    same digest of the ends), same size and inode, access and modification times put back
    (cp -p, rsync --inplace -t): only the change time tells, and it does."""
    before_digest = fontid.file_identity(str(font))
    before = os.stat(font)
    old = fontid.stamp(str(font))
    middle = before.st_size // 2
    with open(font, "r+b") as f:
        f.seek(middle)
        byte = f.read(1)
        f.seek(middle)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.utime(font, ns=(before.st_atime_ns, before.st_mtime_ns))
    new = fontid.stamp(str(font))
    assert old[:3] + old[4:] == new[:3] + new[4:]          # all but the change time kept
    assert old[3] != new[3]
    _forget()
    assert fontid.file_identity(str(font)) == _sha256(font) != before_digest
    assert len(_entries(tmp_path)) == 2                    # one entry a stamp


def test_a_planted_or_moved_entry_is_a_miss(font, tmp_path, monkeypatch):
    digest = fontid.file_identity(str(font))
    [entry] = _entries(tmp_path)
    blob = entry.read_bytes()
    body = blob[:-32]
    forged = body[:-64] + b"0" * 64
    entry.write_bytes(forged + hashlib.sha256(forged).digest())    # no seal of the key
    _forget()
    assert fontid.file_identity(str(font)) == digest               # hashed again
    assert entry.read_bytes() == blob                              # and the entry rewritten
    other = tmp_path / "other.ttf"
    shutil.copyfile(KAI, other)
    os.utime(other, ns=(1, 1))
    _forget()
    fontid.file_identity(str(other))
    [moved] = [p for p in _entries(tmp_path) if p != entry]
    moved.write_bytes(blob)                  # font's sealed entry under other's name
    _forget()
    calls = []
    real = hashlib.file_digest
    monkeypatch.setattr(fontid.hashlib, "file_digest",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    assert fontid.file_identity(str(other)) == digest and calls == [1]


def test_the_archive_records_a_hash_of_the_bytes(font, tmp_path):
    """A remembered hash is what a build's keys use (here one planted under the user's own
    key, which the module doc names as trusted); the provenance record hashes the bytes."""
    from typeset.provenance import _font_sha256
    memo = fontid.stamp(str(font))
    fontid._remember(memo, "ab" * 32)
    _forget()
    assert fontid.file_identity(str(font)) == "ab" * 32
    assert _font_sha256(str(font)) == (_sha256(font), font.stat().st_size)
    _forget()
    assert fontid.file_identity(str(font), remembered=False) == _sha256(font)


def test_no_cache_no_entry_then_each_cache_its_entry(font, tmp_path, monkeypatch):
    """Without a cache nothing is written; a hash this process made is then remembered in
    every cache folder it builds with (once per folder), without hashing again."""
    with cachefiles.caches_off():
        fontid.file_identity(str(font))
    assert _entries(tmp_path) == []
    _no_hashing(monkeypatch)
    fontid.file_identity(str(font))
    assert len(_entries(tmp_path)) == 1
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "second"))
    fontid.file_identity(str(font))
    assert len(list((tmp_path / "second" / "fontids").glob("*.id"))) == 1


def test_a_hash_recalled_from_one_cache_is_left_in_the_next(font, tmp_path, monkeypatch):
    """A process that read a font's hash from one cache folder and then builds with another
    (a batch worker, the tests) leaves the hash there too, as it does a hash it made (was:
    only a hash it made; the next process hashed the font again)."""
    digest = fontid.file_identity(str(font))
    _forget()
    _no_hashing(monkeypatch)
    assert fontid.file_identity(str(font)) == digest          # recalled from the first
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "other"))
    assert fontid.file_identity(str(font)) == digest
    assert len(list((tmp_path / "other" / "fontids").glob("*.id"))) == 1
    _forget()
    assert fontid.file_identity(str(font)) == digest          # a later process: no hashing


def test_a_one_shot_build_prints_a_font_changed_in_place(tmp_path):
    """End to end: `typeset build` twice with one cache, the 楷 font patched in place between
    (one glyph's advance in hmtx, the size, inode and modification time kept): the second
    build sets the text as the font is now, the bytes a cold build writes."""
    from fontTools.ttLib import TTFont
    m, kai = issue_with_kai_copy(tmp_path / "issue")
    cache = tmp_path / "cache"
    first = cold_build(m, tmp_path / "a.pdf", cache)
    assert len(list((cache / "fontids").glob("*.id"))) >= 3
    font = TTFont(kai, lazy=True)
    gid = font.getGlyphID(font.getBestCmap()[ord("楷")])
    offset = font.reader.tables["hmtx"].offset + 4 * gid
    font.close()
    before = os.stat(kai)
    with open(kai, "r+b") as f:
        f.seek(offset)
        advance = int.from_bytes(f.read(2), "big")
        f.seek(offset)
        f.write((advance + 200).to_bytes(2, "big"))
    os.utime(kai, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(kai).st_size == before.st_size
    second = cold_build(m, tmp_path / "b.pdf", cache)
    cold = cold_build(m, tmp_path / "c.pdf", tmp_path / "empty-cache")
    assert second == cold != first


_FIFO_SWAP = """
import os, sys
from typeset.text import fontid
font, fifo = sys.argv[1], sys.argv[2]
real_stat = os.stat
def stat(p, *a, **k):
    st = real_stat(font)                     # the regular file stat() saw ...
    os.unlink(p)
    os.mkfifo(p)                             # ... and what open() then meets
    fontid.os.stat = real_stat
    return st
fontid.os.stat = stat
try:
    fontid.stamp(fifo)
except OSError as err:
    print("refused", err)
"""


def test_a_font_path_that_becomes_a_fifo_while_it_is_stamped_does_not_hang(tmp_path):
    """fontid.stamp checks that the path is a regular file with os.stat, then opens it
    without O_NONBLOCK: a FIFO put there in between (the font replaced by anything) blocks
    the build in open() for ever."""
    path = tmp_path / "Font.otf"
    path.write_bytes(b"x" * 1000)
    (tmp_path / "run.py").write_text(_FIFO_SWAP, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        res = subprocess.run([sys.executable, str(tmp_path / "run.py"),
                              str(ROOT / "fonts" / "OFL-NotoCJK.txt"), str(path)], env=env,
                             capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("fontid.stamp blocked opening a FIFO")
    assert res.returncode == 0 and "refused" in res.stdout, res.stderr
