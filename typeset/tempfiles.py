"""The writers' temporary files: `.typeset-*.tmp` beside the file they become, made and
locked (flock) by `_new_temp` until renamed, and swept when their writer was killed
(`sweep_temp_files`: the next write into the folder removes what no live process holds).
fsutil.py (the output writer), cachefiles.py and outfolder.py make theirs here."""
from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from pathlib import Path

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


def _default_mode() -> int:
    """0o666 less the umask: the mode a newly created file would get."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
