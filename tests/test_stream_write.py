"""A build writes its PDF as it is made (issue 13 part 5): every object goes to the temporary
file beside the output as ReportLab formats it (rl.Document.save(sink=)), the identifiers are
patched in place, and the file is renamed over the output only when complete. The bytes are
those `render` returns; a failure on the way leaves the earlier file as it was, no temporary
file and no folder the build created."""
from __future__ import annotations

import errno
import hashlib
import os

import pytest

from typeset import fsutil
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
    from typeset.render import rl

    real = rl._FileCollector._put
    seen = []

    def put(self, part):
        seen.append(part)
        if len(seen) > parts:
            raise error
        return real(self, part)
    monkeypatch.setattr(rl._FileCollector, "_put", put)


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
