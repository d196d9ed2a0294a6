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
import subprocess
import sys
from pathlib import Path

import pytest

from typeset.errors import TypesetError
from typeset.fileread import FileSlice, file_stamp, read_kept_open
from typeset.render.rl import document as rl_document

ROOT = Path(__file__).resolve().parents[1]


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


def _sample_copy(tmp: Path) -> Path:
    import shutil
    dest = tmp / "issue"
    shutil.copytree(ROOT / "issues" / "sample", dest)
    return dest / "issue.yaml"


# -- adversarial round 9 ---------------------------------------------------------------

_PICTURE_CHANGED = """
import os, sys
from typeset import fileread as F
real, done = F.FileSlice.chunks, set()
def chunks(self, size=1 << 20):
    if self.path not in done:
        done.add(self.path)
        st = os.stat(self.path)
        with open(self.path, "r+b") as f:          # 16 bytes inside the stream flipped
            f.seek(self.offset + self.length // 2)
            b = f.read(16)
            f.seek(self.offset + self.length // 2)
            f.write(bytes(x ^ 0x55 for x in b))
        os.utime(self.path, ns=(st.st_atime_ns, st.st_mtime_ns))   # its date put back
        if sys.argv[1] == "removed":
            os.unlink(self.path)                   # then the cache cleared
        else:
            os.link(self.path, self.path + ".bak") # or linked by a backup (cp -al)
    return real(self, size)
F.FileSlice.chunks = chunks
from typeset.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("then", ["removed", "linked"])
def test_a_held_picture_changed_in_place_then_removed_or_linked_is_not_printed(tmp_path,
                                                                               then):
    """FileSlice trusts size and modification time alone once the entry's link count moved
    (the cache cleared: its change time moved too). A picture entry patched in place with
    its date put back and then removed (or hard-linked) passed: the damaged stream was
    printed, exit 0."""
    man = _sample_copy(tmp_path)
    env = dict(os.environ, TYPESET_CACHE=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    good = tmp_path / "good.pdf"
    for _ in range(2):
        assert subprocess.run([sys.executable, "-m", "typeset", "build", str(man), "-o",
                               str(good)], env=env, capture_output=True).returncode == 0
    (tmp_path / "run.py").write_text(_PICTURE_CHANGED, encoding="utf-8")
    out = tmp_path / "out.pdf"
    res = subprocess.run([sys.executable, str(tmp_path / "run.py"), then, "build", str(man),
                          "-o", str(out)], env=env, capture_output=True, text=True)
    if res.returncode == 0:
        assert out.read_bytes() == good.read_bytes()
    else:
        assert res.returncode == 1 and "Traceback" not in res.stderr
        assert "changed while typeset was writing" in res.stderr and not out.exists()


def _many_pictures_issue(root: Path, n: int) -> Path:
    from PIL import Image
    from tests.issuekit import one_article_issue
    (root / "images").mkdir(parents=True)
    body = []
    for i in range(n):
        Image.effect_noise((330, 330), 60 + i).convert("RGB").save(
            root / "images" / f"n{i}.jpg", quality=90, dpi=(300, 300))
        body.append(f"![图{i}](../images/n{i}.jpg){{width=half}}\n\n第{i}段。\n")
    return one_article_issue(root, "\n".join(body))


_LIMITED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]), resource.getrlimit(
    resource.RLIMIT_NOFILE)[1]))
from typeset.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_pictures_held_in_their_files_leave_descriptors_under_the_process_limit(tmp_path):
    """FileSlice.MOST_OPEN is 256 whatever the process may open: macOS's default limit is
    256, so an issue of ~250 pictures there (here: 40 under a limit of 32) held every
    descriptor in slices and the build stopped on the next file it opened — an internal
    error (exit 3, EMFILE importing a module)."""
    man = _many_pictures_issue(tmp_path / "i", 40)
    env = dict(os.environ, TYPESET_CACHE=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    first = tmp_path / "first.pdf"
    res = subprocess.run([sys.executable, "-m", "typeset", "build", str(man), "-o",
                          str(first)], env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    (tmp_path / "run.py").write_text(_LIMITED, encoding="utf-8")
    out = tmp_path / "warm.pdf"
    res = subprocess.run([sys.executable, str(tmp_path / "run.py"), "32", "build", str(man),
                          "-o", str(out)], env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert out.read_bytes() == first.read_bytes()


def test_a_picture_entry_written_between_its_read_and_its_stamp_is_not_printed(
        private_cache, monkeypatch):
    """`read_kept_open` stamps the file AFTER reading it: bytes written into the entry in
    between (its date put back) are under the stamp the slice compares with, so the slice
    printed them although the seal was checked on the bytes before."""
    import hashlib
    from typeset import fileread
    from typeset.errors import TypesetError
    from typeset.render.pictures import cache
    from typeset.render.pictures.spec import Prepared
    data = random.Random(9).randbytes(200_000)
    p = Prepared(64, 64, "DeviceGray", "FlateDecode", data, how="converted")
    key = hashlib.sha256(b"entry raced").hexdigest()
    assert cache.put(key, p)
    path = cache.path_for(key)
    real = fileread._read_all

    def read_then_written(fd, st, where, limit):
        got = real(fd, st, where, limit)
        before = os.stat(path)
        with open(path, "r+b") as f:               # another program's write lands here
            f.seek(len(got) // 2)
            f.write(b"\0" * 32)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        return got
    monkeypatch.setattr(fileread, "_read_all", read_then_written)
    got = cache.get(key)
    monkeypatch.setattr(fileread, "_read_all", real)
    assert got is not None and isinstance(got.data, fileread.FileSlice)
    try:
        printed = got.data.read()
    except TypesetError:
        return                                      # refused: nothing written
    finally:
        got.data.close()
    assert printed == data
