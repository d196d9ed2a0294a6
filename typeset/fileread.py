"""The guarded reader (`read_limited`, `open_regular`). Every file typeset reads that could
be planted or mistyped — a cache file, a PDF given to `check --pdf`, a file of the archive —
is opened without blocking (`O_NONBLOCK`: a FIFO never hangs the open), optionally without
following a final symbolic link (`O_NOFOLLOW`), checked with fstat to be a regular file (a
FIFO, a device such as /dev/zero, a folder are refused by what they are) and read up to a
size limit, never more. `kind_of` and `what_is` say in words what a path names.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class NotRegularFile(OSError):
    """A path that names something other than a regular file (`kind` says what)."""

    def __init__(self, path: Path | str, kind: str):
        super().__init__(errno.EINVAL, f"{kind}, not a regular file", os.fspath(path))
        self.kind = kind


class FileTooLarge(OSError):
    """A regular file larger than the reader's limit (`size`, `limit` in bytes)."""

    def __init__(self, path: Path | str, size: int, limit: int):
        super().__init__(errno.EFBIG, f"{size} bytes, over the limit of {limit}",
                         os.fspath(path))
        self.size = size
        self.limit = limit


def kind_of(mode: int) -> str:
    """What a file of this st_mode is, in words ("a FIFO (named pipe)", "a folder", …)."""
    return "a regular file" if stat.S_ISREG(mode) else _KIND.get(stat.S_IFMT(mode),
                                                                    "not a regular file")


def what_is(path: Path | str) -> str | None:
    """What `path` names, following links, in words (`kind_of`): "a regular file", "a
    folder", "a FIFO (named pipe)", "a character device", …; None when nothing is there (or
    it cannot be looked at). For messages that must not call a pipe or a device "not found"."""
    try:
        return kind_of(os.stat(path).st_mode)
    except (OSError, ValueError):
        return None


def is_regular(path: Path | str) -> bool:
    """Is `path` itself a regular file (not a symbolic link to one, a folder, a FIFO, a
    device)? False when it cannot be looked at."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def open_regular(path: Path | str, *, follow: bool = True) -> tuple[int, os.stat_result]:
    """Open `path` for reading, never blocking and (unless `follow`) never through a final
    symbolic link, and make sure it is a regular file: (descriptor, its fstat). Raises
    NotRegularFile (a FIFO, a device, a folder, a socket; a link when not `follow`) or the
    OSError of the open. The caller closes the descriptor."""
    flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
             | getattr(os, "O_BINARY", 0) | (0 if follow else getattr(os, "O_NOFOLLOW", 0)))
    try:
        fd = os.open(path, flags)
    except OSError as err:
        if not follow and err.errno == errno.ELOOP and stat.S_ISLNK(
                _lstat_mode(path)):                   # O_NOFOLLOW met a link
            raise NotRegularFile(path, "a symbolic link") from None
        if err.errno == errno.EISDIR:
            raise NotRegularFile(path, "a folder") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(path, kind_of(st.st_mode))
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _lstat_mode(path: Path | str) -> int:
    try:
        return os.lstat(path).st_mode
    except (OSError, ValueError):
        return 0


def read_limited(path: Path | str, limit: int, *, follow: bool = True) -> bytes:
    """All bytes of the regular file `path`, at most `limit` of them (`open_regular`).
    Raises NotRegularFile, FileTooLarge (found by fstat before reading, or while reading a
    file that grew) or the OSError of the open or read."""
    fd, st = open_regular(path, follow=follow)
    try:
        if st.st_size > limit:
            raise FileTooLarge(path, st.st_size, limit)
        chunks: list[bytes] = []
        got = 0
        # the size fstat gave, in one read (a copy less than joining chunks; a file that
        # grew is read on, a chunk at a time, up to the limit)
        want = st.st_size + 1
        while got <= limit:
            chunk = os.read(fd, min(max(want, 1 << 20), limit + 1 - got))
            want = 0
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    finally:
        os.close(fd)
    if got > limit:
        raise FileTooLarge(path, got, limit)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_KIND = {stat.S_IFDIR: "a folder", stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a FIFO (named pipe)",
         stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
         stat.S_IFSOCK: "a socket"}
