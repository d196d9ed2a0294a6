"""Writing files: the one output writer, the cache directory and cache files.

Output (`write_output`). Every file typeset writes for the user — a PDF, the archive's
catalogue, its pending note — goes through one function with one set of promises:

* Atomic: the bytes go to a temporary file in the target's own folder (`.typeset-*.tmp`),
  are flushed to disk (fsync), and only then renamed over the target (`os.replace`). A reader
  sees the earlier file or the new one, never half of either; a failure or Ctrl-C removes the
  temporary file and leaves an earlier file as it was. A process killed outright (SIGKILL,
  the OOM killer, a power cut) cannot remove its temporary file: the writer holds a lock on
  it (flock) from its creation until it is renamed, and the next write into that folder
  removes every temporary file of this writer's naming that no live process holds
  (`sweep_temp_files`; a just-created empty one is given 10 s to be locked). Two builds
  writing beside each other never touch each other's file.
* Only a regular file is ever replaced. A target that is a folder, a symbolic link, a FIFO, a
  device or a socket is refused before anything is written (a link is refused even when it
  points at a regular file: replacing it would silently cut the link).
* Every operating-system failure becomes a `TypesetError` naming the path, saying what went
  wrong in words (no space left, permission denied, read-only file system, name too long,
  folder missing, a file where a folder should be, …) and what to do.
* The parent folder is created only when the caller says so (`create_parent=True`): the
  build's default `out/` is; a folder named by the user with `-o` must exist, so a typing
  mistake in it cannot scatter output into new folders.

* Never one of the inputs (`inputs=`): the caller passes the files its output is made from
  (an issue's manifest, articles, pictures, layout and fonts: `provenance.input_files`; the
  document `import` reads). A target that is one of them — the same file by device and inode,
  whatever the path says — is refused before anything is built, so `-o issue.yaml` can never
  replace the manifest with the PDF. A folder replaced as a whole (a proof) may not hold one.

Reading (`read_limited`, `open_regular`). Every file typeset reads that could be planted or
mistyped — a cache file, a PDF given to `check --pdf`, a file of the archive — is opened
without blocking (`O_NONBLOCK`: a FIFO never hangs the open), optionally without following a
final symbolic link (`O_NOFOLLOW`), checked with fstat to be a regular file (a FIFO, a device
such as /dev/zero, a folder are refused by what they are) and read up to a size limit, never
more.

Caches (`cache_dir`, `read_cache`, `write_cache`). The caches live under `$TYPESET_CACHE`
(default `~/.cache/typeset`). A cache is only ever an optimisation: reading (through
`read_limited`, never following a link) returns None for anything missing, unreadable, not a
regular file or too large; writing is atomic (temporary file + rename, so a
reader never sees a half-written entry) and silently gives up on any error. What is in a
cache file is checked by its reader (see each cache's format); nothing in it is ever executed.
Every cache file ends in a seal (`typeset.cacheseal`): an HMAC-SHA256 with the user's cache
key of its bytes, its cache's name and its key, so only what this user's own builds wrote is
read; anything else is a miss. `caches_off` turns every cache off for a
while (`Session(use_cache=False)`).
"""
from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import stat
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from typeset.errors import TypesetError

TEMP_PREFIX = ".typeset-"
TEMP_SUFFIX = ".tmp"

try:
    import fcntl
except ImportError:                       # (no flock: temporary files are not swept)
    fcntl = None

#: the temporary files `write_output` and `write_cache` make (tempfile.mkstemp's 8 characters;
#: the archive's own `.typeset-<pid>.tmp` names, which it recovers from, never match)
_OWN_TEMP = re.compile(re.escape(TEMP_PREFIX) + r"[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX))
_TEMP_GRACE = 10.0                        # s an empty temporary file may wait for its lock
_swept: set[str] = set()                  # cache folders swept by this process


def _new_temp(folder: Path | str) -> tuple[int, str]:
    """A temporary file in `folder` (mkstemp: mode 0600, O_EXCL), locked (flock) until its
    descriptor is closed — by the writer, or by the kernel when the process dies."""
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass                          # (a file system without locks: never swept either)
    return fd, tmp


def sweep_temp_files(folder: Path | str) -> int:
    """Remove the temporary files of `write_output`/`write_cache`'s naming in `folder` that no
    live process holds (their writer was killed before it could remove them); returns how
    many. One held by a writer (its lock), not a regular file, or empty and younger than
    `_TEMP_GRACE` (just made: its writer locks it next) is left alone. Never raises."""
    if fcntl is None:
        return 0
    try:
        entries = [e for e in os.scandir(folder) if _OWN_TEMP.fullmatch(e.name)]
    except OSError:
        return 0
    removed = 0
    for e in entries:
        try:
            st = e.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode) or (
                    st.st_size == 0 and time.time() - st.st_mtime < _TEMP_GRACE):
                continue
            fd = os.open(e.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)      # held: a writer is alive
            now, held = os.lstat(e.path), os.fstat(fd)
            if (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):   # still that file
                os.unlink(e.path)
                removed += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


# ---------------------------------------------------------------------------------------------
# Caches

def cache_dir() -> Path:
    """The typeset cache directory: $TYPESET_CACHE, else ~/.cache/typeset. Without a home
    directory (and no $TYPESET_CACHE), or while the caches are off (`caches_off`), a path
    where nothing can be read or written: no cache."""
    if _off:
        return _NO_CACHE
    env = os.environ.get("TYPESET_CACHE")
    if env:
        return Path(env)
    try:
        return Path.home() / ".cache" / "typeset"
    except (RuntimeError, KeyError, OSError):
        return _NO_CACHE                        # every read and write fails: no cache


_NO_CACHE = Path(os.devnull) / "typeset-cache"
_off = 0                  # > 0: every cache is off in this process (`caches_off`)


@contextlib.contextmanager
def caches_off():
    """No cache on disk is read or written inside this block (and no cache key is made):
    `cache_dir` names a path where nothing can be, so every cache misses and writes
    nothing (typeset.session's `use_cache=False`: a build no cache folder can influence).
    Process-wide while it lasts (forked children inherit it); nests."""
    global _off
    _off += 1
    try:
        yield
    finally:
        _off -= 1


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


def read_cache(path: Path | str, limit: int) -> bytes | None:
    """The bytes of a cache file, or None if it is absent, unreadable, not a regular file
    (a FIFO, a device, a symbolic link — typeset never makes one in a cache) or larger than
    `limit` bytes: a planted file is ignored, never waited for or read past the limit."""
    try:
        return read_limited(path, limit, follow=False)
    except (OSError, ValueError):
        return None


def write_cache(path: Path | str, data: bytes | Callable[[BinaryIO], None]) -> bool:
    """Store a cache file atomically; False (and nothing left behind) on any failure. Not
    fsynced: a cache file torn by a crash fails its reader's checks and is rebuilt. `data`
    may be a function writing the file into the binary file it is given."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        folder = os.path.abspath(path.parent)
        if folder not in _swept:          # (a killed build's leftovers: once per process)
            _swept.add(folder)
            sweep_temp_files(folder)
        fd, tmp = _new_temp(path.parent)
        with os.fdopen(fd, "wb") as f:    # (closed, and unlocked, once renamed)
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.chmod(tmp, _default_mode())  # as any file the user writes (mkstemp gives 0600)
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


def _path_max() -> int:
    try:
        return os.pathconf("/", "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):
        return 4096


def _is_dir(folder: Path) -> bool:
    """Is `folder` a folder? False for anything that cannot even be asked (a path longer
    than PATH_MAX, a NUL, no permission)."""
    try:
        return stat.S_ISDIR(os.stat(folder).st_mode)
    except (OSError, ValueError):
        return False


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
        name = len(os.fsencode(p.name))
        most = _name_max(p.parent) if _is_dir(p.parent) else 255
        whole = len(os.fsencode(os.path.abspath(_shown(p))))
        if name > most or whole <= _path_max():
            msg = f"the file name is too long ({name} bytes; this file system allows {most})"
            hint = ("shorten it (the issue folder's name, the journal name, or the name given "
                    "with -o)")
        else:                       # each name fits, the whole path does not (PATH_MAX)
            msg = (f"the path is too long ({whole} bytes; this system allows {_path_max()} "
                   "in a path)")
            hint = "choose a folder nearer the root, or shorter folder names"
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


#: What an output is made from: (role, path) pairs, e.g. ("manifest", "issues/x/issue.yaml").
Inputs = Iterable[tuple[str, "Path | str"]]

_ROLE_WORDS = {"manifest": "the issue's manifest", "article": "an article of the issue",
               "picture": "a picture of the issue", "page": "a PDF the issue places whole",
               "layout": "the issue's layout",
               "font": "a font the issue's layout uses",
               "document": "the document being imported"}


def _role(role: str) -> str:
    return _ROLE_WORDS.get(role, f"an input ({role})")


def refuse_input(path: Path | str, inputs: Inputs) -> None:
    """Refuse an output path that is one of `inputs` (the same file: device and inode, so a
    link, a hard link or another spelling of the path is caught). A missing path is no input."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return
    for role, src in inputs:
        try:
            sst = os.stat(src)
        except (OSError, ValueError):
            continue
        if (sst.st_dev, sst.st_ino) == (st.st_dev, st.st_ino):
            same = "" if os.path.abspath(src) == os.path.abspath(path) else f" ({_shown(src)})"
            raise TypesetError(f"the output path is {_role(role)}{same}: writing there would "
                               "replace it", file=_shown(path),
                               hint="give another output path; typeset never writes over a "
                                    "file it reads")


def refuse_inputs_inside(folder: Path | str, inputs: Inputs) -> None:
    """Refuse a folder to be replaced as a whole that holds one of `inputs` (replacing it
    would delete the input)."""
    try:
        top = os.path.realpath(folder)
    except (OSError, ValueError):
        return
    for role, src in inputs:
        try:
            real = os.path.realpath(src)
            inside = os.path.commonpath([top, real]) == top
        except (OSError, ValueError):
            continue
        if inside:
            raise TypesetError(f"the output folder holds {_role(role)} ({_shown(src)}): "
                               "replacing the folder would delete it", file=_shown(folder),
                               hint="give another folder, outside the issue's files")


def check_output(path: Path | str, *, create_parent: bool = False,
                 inputs: Inputs = ()) -> Path:
    """Refuse, before anything is built or written, an output path typeset would not write:
    one holding NUL, naming anything but a regular file, one of the `inputs` its output is
    made from, a missing parent (unless `create_parent`: then the nearest existing folder
    above must be writable; `write_output` creates the rest), a file where a folder should
    be, a name too long. Returns the path."""
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
    if st is not None:
        refuse_input(p, inputs)
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


class _FdFile(io.RawIOBase):
    """A file descriptor as a raw binary file for `write_output`'s writing function: writes
    go through `_write_fd` (so a full disk looks the same either way); the descriptor is the
    caller's to close."""

    def __init__(self, fd: int):
        super().__init__()
        self.fd = fd
        self.failed = False             # a write failed (a full disk): the file's error

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        got = os.read(self.fd, len(b))
        b[:len(got)] = got
        return len(got)

    def write(self, b) -> int:
        try:
            _write_fd(self.fd, b)
        except OSError:
            self.failed = True
            raise
        return len(b)

    def seek(self, pos: int, whence: int = 0) -> int:
        return os.lseek(self.fd, pos, whence)

    def tell(self) -> int:
        return os.lseek(self.fd, 0, os.SEEK_CUR)

    def close(self) -> None:                 # (the descriptor stays open: write_output's)
        self.fd = -1
        super().close()


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


def write_output(path: Path | str, data: bytes | Callable[[BinaryIO], None], *,
                 create_parent: bool = False,
                 mode: int | None = None,
                 before_replace: Callable[[], None] | None = None,
                 inputs: Inputs = ()) -> Path:
    """Write `data` to `path` atomically (see the module doc). `data` may be a function that
    writes the file itself into the binary file it is given (the temporary file, open for
    reading and writing, seekable: a PDF written as it is made, build.write): whatever it
    raises leaves no file behind, as any failure here. `mode`: the file's permission
    bits (default: 0o666 less the umask). `before_replace` is called once the temporary file is
    complete, just before it is renamed (the archive's interruption tests use it). `inputs`:
    the files the output is made from, never replaced (see `check_output`)."""
    inputs = tuple(inputs)
    p = check_output(path, create_parent=create_parent, inputs=inputs)
    made: list[Path] = []            # folders created here, removed again if nothing is written
    if create_parent and not p.parent.is_dir():
        folder = p.parent
        while not folder.exists() and folder != folder.parent:
            made.append(folder)
            folder = folder.parent
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise os_error(err, p, what="create the folder") from None
    if not made:
        sweep_temp_files(p.parent)        # what a killed build left beside its output
    try:
        fd, tmp = _new_temp(p.parent)
    except OSError as err:
        _remove_folders(made)
        raise os_error(err, p) from None
    raw = None
    filling = False
    try:
        if callable(data):
            raw = _FdFile(fd)
            filling = True
            with io.BufferedRandom(raw, 1 << 16) as f:
                data(f)
                f.flush()
            filling = False
        else:
            _write_fd(fd, data)
        os.fsync(fd)
        os.chmod(tmp, _default_mode() if mode is None else mode)
        if before_replace is not None:
            before_replace()
        st = _lstat(p)
        if st is not None and not stat.S_ISREG(st.st_mode):      # appeared while writing
            raise TypesetError("the output path changed into "
                               f"{_KIND.get(stat.S_IFMT(st.st_mode), 'not a regular file')} "
                               "while typeset was writing; nothing was replaced", file=_shown(p))
        if st is not None:
            refuse_input(p, inputs)
        os.replace(tmp, p)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        os.close(fd)
        _remove_folders(made)
        if filling and not raw.failed:      # the writing function's own error, not the file's
            raise
        raise os_error(err, p) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        os.close(fd)
        _remove_folders(made)
        raise
    os.close(fd)                            # (locked until the file was renamed)
    fsync_dir(p.parent)
    return p


def _remove_folders(made: list[Path]) -> None:
    """Remove the folders `write_output` created (deepest first), if still empty."""
    for folder in made:
        with contextlib.suppress(OSError):
            folder.rmdir()


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


# ---------------------------------------------------------------------------------------------
# Output folders (a proof: pages, contact sheet, list of changes, manifest)

def check_folder_output(path: Path | str, *, create_parent: bool = False,
                        inputs: Inputs = ()) -> Path:
    """Refuse, before any work, a folder typeset would not write as a whole: a path holding
    NUL, one naming anything but a folder (a file, a symbolic link — even to a folder —, a
    FIFO, a device), one holding any of the `inputs`, a missing parent (unless
    `create_parent`), a parent that is a file, a name too long. A missing folder is fine (it
    is made when the folder is committed)."""
    raw = os.fspath(path)
    if "\0" in raw:
        raise TypesetError("the folder path contains a NUL character", file=_shown(raw),
                           hint="file names cannot hold NUL; check how the path was made")
    if raw == "":
        raise TypesetError("the folder path is empty", hint="give a folder, e.g. --to proof")
    p = Path(raw)
    st = _lstat_or_error(p)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        kind = _KIND.get(stat.S_IFMT(st.st_mode), "not a folder")
        kind = "a file" if stat.S_ISREG(st.st_mode) else kind
        raise TypesetError(f"the output folder is {kind}, not a folder", file=_shown(p),
                           hint="give a folder (it is created if it does not exist)")
    if st is not None:
        refuse_inputs_inside(p, inputs)
    if st is None:
        # the folder is made by commit(): its parent is checked like a file's
        check_output(p, create_parent=create_parent)
    elif not os.access(p.parent, os.W_OK):     # commit() renames in the parent folder
        code = errno.EROFS if _read_only_fs(p.parent) else errno.EACCES
        raise os_error(OSError(code, os.strerror(code)), p)
    return p


def _lstat_or_error(p: Path) -> os.stat_result | None:
    try:
        return os.lstat(p)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise os_error(err, p) from None


def _aside(target: Path) -> Path:
    """Where commit() moves the earlier folder while the new one is renamed in: a fixed name
    beside it, so that a run killed between the two renames is undone by the next one."""
    import hashlib
    tag = hashlib.sha256(os.fsencode(target.name)).hexdigest()[:16]
    return target.parent / f"{TEMP_PREFIX}{tag}-previous{TEMP_SUFFIX}"


def recover_folder(target: Path | str) -> str | None:
    """Finish or undo a commit() that was killed between its renames; returns what was done
    (None: nothing to do). The earlier folder, moved aside, goes back if the new one never
    arrived; it is removed if the new one did."""
    import shutil
    target = Path(target)
    aside = _aside(target)
    if _lstat(aside) is None:
        return None
    try:
        if _lstat(target) is None:
            os.rename(aside, target)
            fsync_dir(target.parent)
            return f"{_shown(target)}: the earlier folder was put back (a run was interrupted)"
        shutil.rmtree(aside)
        return f"{_shown(target)}: removed what an interrupted run left beside it"
    except OSError as err:
        raise os_error(err, aside, what="tidy up") from None


class NewFolder:
    """A folder written as a whole (a proof). Files are written into a temporary folder beside
    the target (`.typeset-*.tmp`), each flushed to disk; `commit()` renames the earlier
    folder aside (a fixed name, see `recover_folder`), renames the new one into its place and
    removes the earlier one. A failure or Ctrl-C before the commit removes the temporary
    folder and leaves the target exactly as it was; a reader never sees a half-written folder
    under the target's name.

    `replaceable(folder)` is asked about the earlier folder just before it is moved: a
    message (str) refuses the commit (the caller's rule for what it may replace, e.g. only
    files it wrote itself); None allows it. Use as a context manager: leaving it without
    commit() (an exception) discards the new folder."""

    def __init__(self, target: Path | str, *, create_parent: bool = False,
                 replaceable: Callable[[Path], str | None] | None = None,
                 inputs: Inputs = ()):
        self.inputs = tuple(inputs)
        self.target = check_folder_output(target, create_parent=create_parent,
                                          inputs=self.inputs)
        self.create_parent = create_parent
        self.replaceable = replaceable
        self.tmp: Path | None = None
        self.made: list[Path] = []          # parent folders made here (removed if discarded)

    def __enter__(self) -> "NewFolder":
        parent = self.target.parent
        if self.create_parent and not parent.is_dir():
            missing = [parent] + [a for a in parent.parents if not a.exists()]
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise os_error(err, self.target, what="create the folder") from None
            self.made = [m for m in missing if m != m.parent]
        try:
            self.tmp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX,
                                             dir=parent))
            os.chmod(self.tmp, 0o777 & ~_umask())
        except OSError as err:
            self.discard()
            raise os_error(err, self.target, what="create a folder") from None
        return self

    def __exit__(self, kind, value, tb) -> None:
        self.discard()

    def write(self, name: str, data: bytes) -> None:
        """Add the file `name` (a plain file name) holding `data`, flushed to disk."""
        if self.tmp is None:
            raise RuntimeError("NewFolder.write outside its `with` block")
        if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise ValueError(f"not a plain file name: {name!r}")
        try:
            write_new(self.tmp / name, data, mode=_default_mode())
        except OSError as err:
            raise os_error(err, self.target / name) from None

    def commit(self) -> Path:
        """Put the new folder in the target's place (see the class doc)."""
        import shutil
        if self.tmp is None:
            raise RuntimeError("NewFolder.commit outside its `with` block")
        target, aside = self.target, _aside(self.target)
        recover_folder(target)
        fsync_dir(self.tmp)
        st = _lstat_or_error(target)
        if st is not None:
            if not stat.S_ISDIR(st.st_mode):        # changed while the new folder was written
                raise TypesetError("the output folder changed into something else while "
                                   "typeset was writing; nothing was replaced",
                                   file=_shown(target))
            refuse_inputs_inside(target, self.inputs)
            refusal = self.replaceable(target) if self.replaceable else None
            if refusal:
                raise TypesetError(refusal, file=_shown(target))
        try:
            if st is not None:
                os.rename(target, aside)
            try:
                os.rename(self.tmp, target)
            except BaseException:
                if st is not None:
                    os.rename(aside, target)        # undo: the earlier folder goes back
                raise
        except OSError as err:
            raise os_error(err, target) from None
        self.tmp, self.made = None, []
        fsync_dir(target.parent)
        if st is not None:
            shutil.rmtree(aside, ignore_errors=True)
        return target

    def discard(self) -> None:
        """Remove the new folder (and the parents made for it) unless it was committed."""
        import shutil
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
            for folder in self.made:            # deepest first; only if still empty
                with contextlib.suppress(OSError):
                    os.rmdir(folder)
            self.made = []


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
