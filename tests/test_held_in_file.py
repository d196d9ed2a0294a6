"""Pictures' streams left in their cache files until the PDF is written (fileread.FileSlice,
pictures/cache.get and held_in_file, rl: a held stream written in pieces, read into bytes for
a save that makes bytes). Issue 13 part 5: a warm build held every prepared picture in memory
from before the first page was drawn until the file was saved (adversarial round 8: +35 MB
of peak for +39 MB of pictures)."""
from __future__ import annotations

import hashlib
import io
import os
import random

import pytest

from typeset.errors import TypesetError
from typeset.fileread import FileSlice, file_stamp, read_kept_open
from typeset.render.rl import document as rl_document


def _slice(path, data: bytes, at: int = 7) -> FileSlice:
    path.write_bytes(b"x" * at + data + b"tail")
    blob, fd, stamp = read_kept_open(path, 1 << 30)
    assert blob[at:at + len(data)] == data
    return FileSlice(fd, at, len(data), stamp, str(path))


def test_a_slice_reads_its_bytes_in_chunks_even_once_its_file_is_gone(tmp_path):
    data = random.Random(1).randbytes(300_000)
    s = _slice(tmp_path / "e.pic", data)
    assert len(s) == len(data)
    os.unlink(tmp_path / "e.pic")                    # the cache cleared meanwhile
    (tmp_path / "e.pic").write_bytes(b"another entry")  # or written again under the name
    chunks = list(s.chunks(1 << 16))
    assert len(chunks) == 5 and b"".join(chunks) == data and s.read() == data
    fd = s.fd
    s.close()
    with pytest.raises(OSError):
        os.fstat(fd)


@pytest.mark.parametrize("change", ["rewrite", "append", "truncate"])
def test_a_slice_whose_file_changed_in_place_is_refused_naming_it(tmp_path, change):
    data = random.Random(2).randbytes(100_000)
    path = tmp_path / "e.pic"
    s = _slice(path, data)
    st = os.stat(path)
    with open(path, "r+b") as f:
        if change == "rewrite":                      # same size, times set back
            f.seek(50)
            f.write(b"\0" * 10)
        elif change == "append":
            f.seek(0, 2)
            f.write(b"more")
        else:
            f.truncate(60)
    if change == "rewrite":
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))   # (its change time moves on)
    with pytest.raises(TypesetError) as e:
        s.read()
    assert e.value.file == str(path) and "nothing was written" in e.value.message
    assert e.value.hint


def _picture_entry(private_cache, size: int):
    from typeset.render.pictures import cache
    from typeset.render.pictures.spec import Prepared
    data = random.Random(size).randbytes(size)
    p = Prepared(64, 64, "DeviceGray", "FlateDecode", data, how="converted")
    key = hashlib.sha256(b"entry %d" % size).hexdigest()
    assert cache.put(key, p)
    return cache, key, p


def test_a_large_cached_stream_is_left_in_its_file_a_small_one_read(private_cache):
    from typeset.render.pictures.cache import HELD_IN_FILE
    for size, held in ((HELD_IN_FILE - 1, False), (HELD_IN_FILE, True), (2_000_000, True)):
        cache, key, p = _picture_entry(private_cache, size)
        got = cache.get(key)
        assert isinstance(got.data, FileSlice) is held
        data = got.data.read() if held else got.data
        assert data == p.data and cache.dump(got) == cache.dump(p)
        made = cache.held_in_file(key, p)              # what a build that converted it keeps
        assert isinstance(made.data, FileSlice) is held
        if held:
            assert made.data.read() == p.data
            assert made.data.stamp == file_stamp(os.stat(cache.path_for(key)))


def _held_doc(data, seed_page: bytes = b"") -> rl_document.Document:
    doc = rl_document.Document((200.0, 200.0), version=(1, 6))
    doc.set_info([("Title", "t")])
    doc.begin_page((200.0, 200.0), None, None)
    name = doc.image("k", width=64, height=64, space="DeviceGray", components=1,
                     filter="FlateDecode", data=data)
    doc.content(f"q 100 0 0 100 0 0 cm {name} Do Q")
    doc.end_page()
    return doc


@pytest.mark.parametrize("size", [1000, 70_000, 1_500_000])
def test_a_held_stream_writes_the_bytes_a_stream_in_memory_writes(tmp_path, size):
    """Into a file (in pieces, whatever its length) and into bytes (read first): the same
    file as the stream held in memory gives."""
    data = random.Random(size).randbytes(size)
    want = _held_doc(data).save()
    assert _held_doc(_slice(tmp_path / "a.pic", data)).save() == want
    sink = io.BytesIO()
    assert _held_doc(_slice(tmp_path / "b.pic", data)).save(sink=sink) is None
    assert sink.getvalue() == want


def test_a_build_whose_held_picture_changed_writes_nothing(tmp_path):
    """The cache entry changed in place between its check and the writing of the file: the
    build stops with the message naming the entry, and no output (nor temporary file) is
    left where it was being written."""
    from typeset.fsutil import write_output
    data = random.Random(3).randbytes(200_000)
    path = tmp_path / "e.pic"
    doc = _held_doc(_slice(path, data))
    with open(path, "r+b") as f:
        f.seek(100)
        f.write(b"\1\2\3")
    out = tmp_path / "out" / "issue.pdf"
    out.parent.mkdir()
    with pytest.raises(TypesetError) as e:
        write_output(out, lambda f: doc.save(sink=f))
    assert e.value.file == str(path)
    assert os.listdir(out.parent) == []


def test_beyond_the_most_open_slices_streams_stay_in_memory(private_cache, monkeypatch):
    """An issue of thousands of pictures never holds more than FileSlice.MOST_OPEN
    descriptors: the entries after that are read into memory, as before."""
    import gc
    gc.collect()
    monkeypatch.setattr(FileSlice, "MOST_OPEN", FileSlice._open + 2)
    entries = [_picture_entry(private_cache, 100_000 + i) for i in range(4)]
    got = [cache.get(key) for cache, key, _ in entries]
    assert [isinstance(g.data, FileSlice) for g in got] == [True, True, False, False]
    assert [g.data if isinstance(g.data, bytes) else g.data.read() for g in got] == [
        p.data for _, _, p in entries]
    got[0].data.close()
    assert FileSlice.room()
    del got
    gc.collect()


def test_without_pread_a_slice_seeks_and_reads(tmp_path, monkeypatch):
    """(Windows has no os.pread.)"""
    data = random.Random(4).randbytes(200_000)
    s = _slice(tmp_path / "e.pic", data)
    monkeypatch.delattr(os, "pread")
    assert s.read() == data
