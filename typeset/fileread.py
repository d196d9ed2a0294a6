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
        return _read_all(fd, st, path, limit)
    finally:
        os.close(fd)


def read_kept_open(path: Path | str, limit: int, *,
                   follow: bool = True) -> tuple[bytes, int, tuple]:
    """`read_limited`, the descriptor left open: (the bytes, the descriptor, the file's
    `file_stamp` as opened, before it was read: bytes written while or after they were read
    move it, so a `FileSlice` of them refuses them; a stamp taken after the read missed a
    write landing in between, adversarial round 9). The caller closes the descriptor (a
    `FileSlice` of it does)."""
    fd, st = open_regular(path, follow=follow)
    try:
        data = _read_all(fd, st, path, limit)
        return data, fd, file_stamp(st)
    except BaseException:
        os.close(fd)
        raise


def _read_all(fd: int, st: os.stat_result, path: Path | str, limit: int) -> bytes:
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
    if got > limit:
        raise FileTooLarge(path, got, limit)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_KIND = {stat.S_IFDIR: "a folder", stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a FIFO (named pipe)",
         stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
         stat.S_IFSOCK: "a socket"}


class FileSlice:
    """Bytes left in a file instead of memory: `length` bytes at `offset` of the regular file
    open as `fd`, read when they are written (`chunks`). A picture's prepared stream found in
    the cache is held this way until the PDF is written (issue 13 part 5: a warm build of an
    issue of a hundred photos held all of them, ~3 MB each, until the file was saved).

    The descriptor is the one the bytes were checked through (their seal), kept open: the
    file may be removed or renamed over meanwhile (the cache cleared, the entry written
    again), its bytes stay readable. Changed in place, its size, modification or change time
    differ from `stamp` (fstat at the check; a change time cannot be set back; a name removed
    moves the change time too, so when the link count moved, size and modification time
    decide), and reading raises a TypesetError naming the file: the output is then not
    written (a build writes into a temporary file). The descriptor is closed by `close` or when the slice is
    collected."""

    __slots__ = ("fd", "offset", "length", "stamp", "path", "seal", "__weakref__")

    #: at most this many slices hold a descriptor at once (`room`): beyond, bytes are kept in
    #: memory as before, so that an issue of thousands of pictures never runs the process
    #: out of descriptors (commonly 1,024) for its fonts and its output
    MOST_OPEN = 256
    _open = 0

    def __init__(self, fd: int, offset: int, length: int, stamp: tuple, path: str,
                 seal: tuple[str, str] | None = None):
        self.fd, self.offset, self.length, self.stamp, self.path = fd, offset, length, stamp, path
        self.seal = seal        # (cache, key) the whole file is sealed as (cacheseal.unseal)
        FileSlice._open += 1

    @classmethod
    def room(cls) -> bool:
        """May one more slice be made? At most MOST_OPEN, and at most a quarter of the
        descriptors the process may open (macOS allows 256 by default: slices holding them all
        stopped the build at the next file it opened; adversarial round 9)."""
        return cls._open < min(cls.MOST_OPEN, _descriptor_share())

    def __len__(self) -> int:
        return self.length

    def chunks(self, size: int = 1 << 20):
        """The bytes, `size` at a time (TypesetError if the file changed or is short)."""
        self._check()
        at, end = self.offset, self.offset + self.length
        while at < end:
            try:
                chunk = pread(self.fd, min(size, end - at), at)
            except OSError as err:
                self._changed(os.strerror(err.errno) if err.errno else str(err))
            if not chunk:
                self._changed("it is shorter than when it was read")
            yield chunk
            at += len(chunk)
        self._check()

    def read(self) -> bytes:
        return b"".join(self.chunks())

    def close(self) -> None:
        fd, self.fd = getattr(self, "fd", -1), -1
        if fd >= 0:
            FileSlice._open -= 1
            try:
                os.close(fd)
            except OSError:
                pass

    __del__ = close

    def _check(self) -> None:
        if self.fd < 0:
            self._changed("it was closed")
        try:
            st = os.fstat(self.fd)
        except OSError as err:
            self._changed(os.strerror(err.errno) if err.errno else str(err))
        now = file_stamp(st)
        if now == self.stamp:
            return
        # removed or linked meanwhile (the cache cleared: its link count, and so its change
        # time, moved), the bytes are those checked if its size and modification time are —
        # and, for a sealed entry, if its seal holds still: bytes written in place with the
        # date put back BEFORE it was removed or linked keep both (adversarial round 9)
        if now[5] == self.stamp[5] or now[:4] != self.stamp[:4] or not self._sealed(now[2]):
            self._changed("it was changed while typeset was writing")
        self.stamp = now

    def _sealed(self, size: int) -> bool:
        if self.seal is None:
            return True
        from typeset.cacheseal import unseal
        try:
            blob = pread(self.fd, size, 0)
        except OSError:
            return False
        return len(blob) == size and unseal(self.seal[0], self.seal[1], blob)

    def _changed(self, why: str):
        from typeset.errors import TypesetError
        raise TypesetError(f"cannot read the cache file again: {why}; nothing was written",
                           file=self.path,
                           hint="build again (the entry is checked and made afresh if it "
                                "is broken); do not let other programs write into "
                                "typeset's cache folder")


def _descriptor_share() -> int:
    """A quarter of the process's soft limit of open descriptors (RLIMIT_NOFILE; no limit
    known, as on Windows: FileSlice.MOST_OPEN)."""
    try:
        import resource
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return FileSlice.MOST_OPEN
    return FileSlice.MOST_OPEN if soft == resource.RLIM_INFINITY else soft // 4


def file_stamp(st: os.stat_result) -> tuple:
    """What changes when a file's bytes change in place: its size, its modification time and
    its change time (which no user can set back), with the file's identity and link count
    (removing a name changes the change time too)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_nlink)


def pread(fd: int, n: int, at: int) -> bytes:
    """Up to `n` bytes of `fd` from offset `at` (os.pread where there is one; elsewhere —
    Windows — a seek and a read)."""
    if hasattr(os, "pread"):
        return os.pread(fd, n, at)
    os.lseek(fd, at, os.SEEK_SET)
    return os.read(fd, n)
