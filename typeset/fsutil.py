"""Writing files: the one output writer, the cache directory and cache files.

Output (`write_output`). Every file typeset writes for the user — a PDF, the archive's
catalogue, its pending note — goes through one function with one set of promises:

* Atomic: the bytes go to a temporary file in the target's own folder (`.typeset-*.tmp`),
  are flushed to disk (fsync), and only then renamed over the target (`os.replace`). A reader
  sees the earlier file or the new one, never half of either; a failure or Ctrl-C removes the
  temporary file and leaves an earlier file as it was.
* Only a regular file is ever replaced. A target that is a folder, a symbolic link, a FIFO, a
  device or a socket is refused before anything is written (a link is refused even when it
  points at a regular file: replacing it would silently cut the link).
* Every operating-system failure becomes a `TypesetError` naming the path, saying what went
  wrong in words (no space left, permission denied, read-only file system, name too long,
  folder missing, a file where a folder should be, …) and what to do.
* The parent folder is created only when the caller says so (`create_parent=True`): the
  build's default `out/` is; a folder named by the user with `-o` must exist, so a typing
  mistake in it cannot scatter output into new folders.

Caches (`cache_dir`, `read_cache`, `write_cache`). The caches live under `$TYPESET_CACHE`
(default `~/.cache/typeset`). A cache is only ever an optimisation: reading returns None for
anything missing, unreadable or too large, writing is atomic (temporary file + rename, so a
reader never sees a half-written entry) and silently gives up on any error. What is in a
cache file is checked by its reader (see each cache's format); nothing in it is ever executed.
"""
from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Callable

from typeset.errors import TypesetError

TEMP_PREFIX = ".typeset-"
TEMP_SUFFIX = ".tmp"


# ---------------------------------------------------------------------------------------------
# Caches

def cache_dir() -> Path:
    """The typeset cache directory: $TYPESET_CACHE, else ~/.cache/typeset. Without a home
    directory (and no $TYPESET_CACHE) a path where nothing can be written: no cache."""
    env = os.environ.get("TYPESET_CACHE")
    if env:
        return Path(env)
    try:
        return Path.home() / ".cache" / "typeset"
    except (RuntimeError, KeyError, OSError):
        return Path(os.devnull) / "typeset-cache"      # every read and write fails: no cache


def read_cache(path: Path | str, limit: int) -> bytes | None:
    """The bytes of a cache file, or None if it is absent, unreadable, not a regular file or
    larger than `limit` bytes (a planted giant file is ignored, not read)."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
                return None
            data = f.read(limit + 1)
    except (OSError, ValueError):
        return None
    return data if len(data) <= limit else None


def write_cache(path: Path | str, data: bytes) -> bool:
    """Store a cache file atomically; False (and nothing left behind) on any failure. Not
    fsynced: a cache file torn by a crash fails its reader's checks and is rebuilt."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, _default_mode())      # as any file the user writes (mkstemp gives 0600)
        os.replace(tmp, path)
        return True
    except (OSError, ValueError):
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return False


# ---------------------------------------------------------------------------------------------
# Output

def _shown(path: Path | str) -> str:
    """A path as it can be printed (a NUL shown as \\0)."""
    return os.fspath(path).replace("\0", "\\0")


_KIND = {stat.S_IFDIR: "a folder", stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a FIFO (named pipe)",
         stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
         stat.S_IFSOCK: "a socket"}


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def os_error(err: OSError, path: Path | str, *, what: str = "write") -> TypesetError:
    """An OSError met while writing `path`, as a message in words with a hint."""
    p = Path(path)
    shown = _shown(p)
    folder = _shown(p.parent)
    code = err.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        msg, hint = ("no space left on the disk (or over the disk quota) while writing",
                     "free some space and run again; an earlier file at this path is unchanged")
    elif code in (errno.EACCES, errno.EPERM):
        msg, hint = (f"permission denied: cannot {what} here",
                     f"choose a folder you can write to, or change the permissions of {folder}")
    elif code == errno.EROFS:
        msg, hint = ("the file system is read-only", "choose a path on a writable disk")
    elif code == errno.ENAMETOOLONG:
        msg = (f"the file name is too long ({len(os.fsencode(p.name))} bytes; this file system "
               f"allows {_name_max(p.parent) if p.parent.is_dir() else 255})")
        hint = "shorten it (the issue folder's name, the journal name, or the name given with -o)"
    elif code == errno.ENOENT:
        msg, hint = (f"the folder {folder} does not exist",
                     "create it first (mkdir -p), or give another path")
    elif code == errno.ENOTDIR:
        msg, hint = ("a part of this path is a file, not a folder",
                     "check the path; each part before the file name must be a folder")
    elif code == errno.EISDIR:
        msg, hint = ("this is a folder, not a file", "give a file name, e.g. …/issue.pdf")
    elif code == errno.ELOOP:
        msg, hint = ("too many symbolic links in this path", "check the path")
    else:
        msg, hint = (f"cannot {what}: {err.strerror or err}", "check the path and the disk")
    return TypesetError(msg, file=shown, hint=hint)


def check_output(path: Path | str, *, create_parent: bool = False) -> Path:
    """Refuse, before anything is built or written, an output path typeset would not write:
    one holding NUL, naming anything but a regular file, a missing parent (unless
    `create_parent`: then the nearest existing folder above must be writable; `write_output`
    creates the rest), a file where a folder should be, a name too long. Returns the path."""
    raw = os.fspath(path)
    if "\0" in raw:
        raise TypesetError("the output path contains a NUL character", file=_shown(raw),
                           hint="file names cannot hold NUL; check how the path was made")
    if raw == "":
        raise TypesetError("the output path is empty", hint="give a file name, e.g. -o issue.pdf")
    p = Path(raw)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise os_error(err, p) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = _KIND.get(stat.S_IFMT(st.st_mode), "not a regular file")
        hint = ("give a file name inside it, e.g. " + _shown(p / "issue.pdf")
                if stat.S_ISDIR(st.st_mode) else
                "typeset replaces only regular files; remove it or give another path")
        raise TypesetError(f"the output path is {kind}; typeset writes only regular files",
                           file=_shown(p), hint=hint)
    # The folder that must be written in: the parent, or (when the parent may be created)
    # the nearest folder above it that exists. Nothing is created here.
    parent = p.parent
    folder = parent
    while True:
        try:
            pst = os.stat(folder)
            break
        except FileNotFoundError:
            if not create_parent:
                raise TypesetError(f"the folder {_shown(parent)} does not exist", file=_shown(p),
                                   hint="create it first (mkdir -p), or give another path") \
                    from None
            if folder.parent == folder:
                raise
            folder = folder.parent
        except OSError as err:
            raise os_error(err, p) from None
    if not stat.S_ISDIR(pst.st_mode):
        raise TypesetError(f"{_shown(folder)} is a file, not a folder", file=_shown(p),
                           hint="give a path whose folder exists")
    if len(os.fsencode(p.name)) > _name_max(folder):
        raise os_error(OSError(errno.ENAMETOOLONG, "File name too long"), p)
    if not os.access(folder, os.W_OK):
        code = errno.EROFS if _read_only_fs(folder) else errno.EACCES
        raise os_error(OSError(code, os.strerror(code)), p)
    return p


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _write_fd(fd: int, data: bytes) -> None:
    """Write all of `data` to `fd` (the tests replace this to simulate a full disk)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def write_new(path: Path | str, data: bytes, *, mode: int = 0o444,
              midway: Callable[[], None] | None = None) -> None:
    """Create `path`, which must not exist (never through a link), holding `data`, flushed to
    disk. OSError is left to the caller (the archive undoes its run first). `midway` is called
    with half the bytes written (the archive's interruption tests use it)."""
    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_BINARY", 0))
    fd = os.open(path, flags, mode)
    try:
        half = len(data) // 2
        _write_fd(fd, data[:half])
        if midway is not None:
            midway()
        _write_fd(fd, data[half:])
        os.fsync(fd)
    finally:
        os.close(fd)


def write_output(path: Path | str, data: bytes, *, create_parent: bool = False,
                 mode: int | None = None,
                 before_replace: Callable[[], None] | None = None) -> Path:
    """Write `data` to `path` atomically (see the module doc). `mode`: the file's permission
    bits (default: 0o666 less the umask). `before_replace` is called once the temporary file is
    complete, just before it is renamed (the archive's interruption tests use it)."""
    p = check_output(path, create_parent=create_parent)
    if create_parent and not p.parent.is_dir():
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise os_error(err, p, what="create the folder") from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=p.parent)
    except OSError as err:
        raise os_error(err, p) from None
    try:
        try:
            _write_fd(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, _default_mode() if mode is None else mode)
        if before_replace is not None:
            before_replace()
        st = _lstat(p)
        if st is not None and not stat.S_ISREG(st.st_mode):      # appeared while writing
            raise TypesetError("the output path changed into "
                               f"{_KIND.get(stat.S_IFMT(st.st_mode), 'not a regular file')} "
                               "while typeset was writing; nothing was replaced", file=_shown(p))
        os.replace(tmp, p)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise os_error(err, p) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(p.parent)
    return p


def _default_mode() -> int:
    """0o666 less the umask: the mode a newly created file would get."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _lstat(p: Path) -> os.stat_result | None:
    try:
        return os.lstat(p)
    except FileNotFoundError:
        return None


def fsync_dir(folder: Path | str) -> None:
    """Make a rename in `folder` durable (best effort: not every system can fsync a folder)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
