"""A build writes its PDF as it is made (issue 13 part 5): every object goes to the temporary
file beside the output as ReportLab formats it (render/rl/document.py,
`Document.save(sink=)`), the identifiers are patched in place, and the file is renamed over
the output only when complete. The bytes are those `render` returns; a failure on the way
leaves the earlier file as it was, no temporary file and no folder the build created."""
from __future__ import annotations

import errno
import hashlib
import os

import pytest

from typeset import cachefiles, fsutil, tempfiles
from typeset.errors import TypesetError


@pytest.mark.parametrize("variant", ["print", "archive"])
def test_the_file_written_as_it_is_made_is_what_render_returns(sample_composition, tmp_path,
                                                               variant):
    from typeset.build import render, write

    out = tmp_path / "out.pdf"
    digest = write(sample_composition, out, variant=variant)
    data = out.read_bytes()
    assert data == render(sample_composition, variant)
    assert digest == hashlib.sha256(data).hexdigest()
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def _collector_failing_after(monkeypatch, parts: int, error: BaseException):
    from typeset.render import finished
    from typeset.render.rl import save as rl_save

    monkeypatch.setattr(finished, "use_finished_cache", False)    # (drawn, not taken whole)

    real = rl_save._FileCollector._put
    seen = []

    def put(self, part):
        seen.append(part)
        if len(seen) > parts:
            raise error
        return real(self, part)
    monkeypatch.setattr(rl_save._FileCollector, "_put", put)


def test_a_failure_while_the_pdf_is_written_leaves_the_earlier_file(sample_composition,
                                                                    tmp_path, monkeypatch):
    """The earlier file survives, no temporary file stays; an error of making the PDF
    (here: a bug) goes on as it is, not as a failure to write the output."""
    from typeset.build import write

    out = tmp_path / "out.pdf"
    out.write_bytes(b"%PDF earlier")
    _collector_failing_after(monkeypatch, 20, ZeroDivisionError("planted"))
    with pytest.raises(ZeroDivisionError):
        write(sample_composition, out)
    assert out.read_bytes() == b"%PDF earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def test_an_os_error_of_making_the_pdf_is_not_a_failure_to_write(sample_composition,
                                                                 tmp_path, monkeypatch):
    """An OSError raised while the PDF is made (a font or picture file that cannot be read)
    is that error, not "cannot write out.pdf"; a full disk is the output's error."""
    from typeset.build import write

    out = tmp_path / "out.pdf"
    _collector_failing_after(monkeypatch, 5, PermissionError(errno.EACCES, "a font file"))
    with pytest.raises(PermissionError):
        write(sample_composition, out)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()

    real = fsutil._write_fd
    written = []

    def full(fd, data):
        written.append(len(data))
        if sum(written) > 200_000:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd, data)
    monkeypatch.setattr(fsutil, "_write_fd", full)
    with pytest.raises(TypesetError) as info:
        write(sample_composition, out)
    assert "out.pdf" in str(info.value.file) and "space" in info.value.message.lower()
    assert list(tmp_path.iterdir()) == []


def test_a_folder_the_build_made_goes_again_when_nothing_is_written(sample_composition,
                                                                    tmp_path, monkeypatch):
    from typeset.build import write

    out = tmp_path / "new" / "deeper" / "out.pdf"
    _collector_failing_after(monkeypatch, 20, ZeroDivisionError("planted"))
    with pytest.raises(ZeroDivisionError):
        write(sample_composition, out, create_parent=True)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    write(sample_composition, out, create_parent=True)
    assert out.read_bytes().startswith(b"%PDF-")


# -- wave 7 adversarial finding 2: a killed build's temporary file is removed by the next write ---
import signal  # noqa: E402

from tests.adv7kit import cold_build, stalled_build, write_issue  # noqa: E402


@pytest.fixture()
def adv7_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_build_killed_while_writing_leaves_no_temporary_file_once_built_again(tmp_path,
                                                                                  adv7_cache):
    """`typeset build` killed (SIGKILL: the OOM killer, a closed CI job, a power cut) while it
    streams the PDF into `.typeset-*.tmp` beside the output: the earlier PDF must be intact
    (it is) and, once the issue is built again, no temporary file may be left in the output
    folder. Until wave 7 (72c92a5) the half-written `.typeset-XXXXXXXX.tmp` stayed there for
    good (a watch or a CI job killed repeatedly piled them up, each as large as the PDF); now
    the writer holds a lock on it and the next write removes what no live process holds."""
    m = write_issue(tmp_path / "issue")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "issue.pdf"
    old = cold_build(m, out, adv7_cache)
    art = m.parent / "articles" / "a0.md"
    art.write_text(art.read_text(encoding="utf-8") + "\n新加的一段话。\n", encoding="utf-8")
    p = stalled_build(m, out, adv7_cache, tmp_path / "ready")
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=30)
    assert p.returncode == -signal.SIGKILL
    assert out.read_bytes() == old                      # never torn
    new = cold_build(m, out, adv7_cache)                # built again
    assert new != old
    assert sorted(os.listdir(out_dir)) == ["issue.pdf"], "a stray temporary file is left"


def test_a_build_writing_beside_another_never_removes_its_temporary_file(tmp_path, adv7_cache):
    """Two builds write into one folder: one is stopped in the middle of writing (alive, its
    temporary file locked), the other writes its PDF beside it — and leaves the first one's
    temporary file alone; once the first is killed, the next build removes it."""
    m = write_issue(tmp_path / "issue")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    p = stalled_build(m, out_dir / "a.pdf", adv7_cache, tmp_path / "ready")
    try:
        (held,) = [n for n in os.listdir(out_dir) if n.startswith(tempfiles.TEMP_PREFIX)]
        cold_build(m, out_dir / "b.pdf", adv7_cache)
        assert sorted(os.listdir(out_dir)) == sorted([held, "b.pdf"])
    finally:
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
    cold_build(m, out_dir / "b.pdf", adv7_cache)
    assert sorted(os.listdir(out_dir)) == ["b.pdf"]


def test_the_sweep_removes_only_what_no_writer_holds(tmp_path, monkeypatch):
    """tempfiles.sweep_temp_files: a temporary file of the writer's naming that nobody holds is
    removed; one held (locked by its writer, here this process), one just made and still
    empty, the archive's own `.typeset-<pid>.tmp`, a folder and a link of that naming are
    left; a cache folder is swept by the first cache write there."""
    if tempfiles.fcntl is None:
        pytest.skip("no flock here: temporary files are not swept")
    stale = tmp_path / ".typeset-abcd1234.tmp"
    stale.write_bytes(b"half a PDF")
    fd, held = tempfiles._new_temp(tmp_path)
    os.write(fd, b"being written")
    young = tmp_path / ".typeset-young_01.tmp"
    young.write_bytes(b"")
    archive = tmp_path / f".typeset-{os.getpid()}.tmp"
    archive.write_bytes(b"the archive's new bytes")
    (tmp_path / ".typeset-folder00.tmp").mkdir()
    (tmp_path / ".typeset-link0000.tmp").symlink_to(archive)
    try:
        assert tempfiles.sweep_temp_files(tmp_path) == 1
        assert not stale.exists()
        assert all(os.path.lexists(x) for x in (held, young, archive,
                                                tmp_path / ".typeset-folder00.tmp",
                                                tmp_path / ".typeset-link0000.tmp"))
    finally:
        os.close(fd)
    assert tempfiles.sweep_temp_files(tmp_path) == 1          # its writer is gone now
    assert not os.path.exists(held)
    os.utime(young, (1, 1))                                 # empty and old: left for good
    assert tempfiles.sweep_temp_files(tmp_path) == 1 and not young.exists()

    cache = tmp_path / "cache" / "ab"
    cache.mkdir(parents=True)
    (cache / ".typeset-zz99yy88.tmp").write_bytes(b"a torn cache entry")
    monkeypatch.setattr(cachefiles, "_swept", set())
    assert cachefiles.write_cache(cache / "entry.bin", b"data")
    assert sorted(os.listdir(cache)) == ["entry.bin"]
