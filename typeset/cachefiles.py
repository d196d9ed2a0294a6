"""Caches (`cache_dir`, `read_cache`, `write_cache`). The caches live under `$TYPESET_CACHE`
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
import os
from pathlib import Path
from typing import BinaryIO, Callable

from typeset.fileread import read_limited
from typeset.tempfiles import _default_mode, _new_temp, sweep_temp_files

_swept: set[str] = set()                  # cache folders swept by this process


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
