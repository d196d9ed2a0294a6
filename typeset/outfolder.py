"""Output folders written as a whole (a proof: pages, contact sheet, list of changes,
manifest): `NewFolder` writes into a temporary folder beside the target and renames it in
at `commit()`; `recover_folder` finishes or undoes a commit that was killed between its
renames; `check_folder_output` refuses, before any work, a folder typeset would not
write. The checks on paths are the output writer's (fsutil.py)."""
from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Callable

from typeset.errors import TypesetError
from typeset.fileread import _KIND
from typeset.fsutil import (Inputs, _lstat, _read_only_fs, _shown, check_output, fsync_dir,
                            os_error, refuse_inputs_inside, write_new)
from typeset.tempfiles import TEMP_PREFIX, TEMP_SUFFIX, _default_mode


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
