"""The output writer: every file typeset writes for the user.

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

The rest of writing and reading files has rooms of its own: tempfiles.py (the temporary
files, locked and swept), fileread.py (the guarded reader), cachefiles.py (the cache folder
and cache files), outfolder.py (a folder written as a whole).
"""
from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from typeset.errors import TypesetError
from typeset.fileread import _KIND
from typeset.tempfiles import _default_mode, _new_temp, sweep_temp_files


def _shown(path: Path | str) -> str:
    """A path as it can be printed (a NUL shown as \\0)."""
    return os.fspath(path).replace("\0", "\\0")

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
