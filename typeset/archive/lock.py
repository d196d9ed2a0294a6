"""The archive's lock: one run at a time writes to an archive.

Concurrency. One run at a time writes to an archive: a run takes the lock (`filelock`, which
works on Linux, macOS and Windows) and, if another run holds it, says once that it is waiting
and waits up to `lock_timeout` seconds (default `DEFAULT_LOCK_TIMEOUT`, or
$TYPESET_LOCK_TIMEOUT), then gives up with a message. So parallel runs into one folder queue
and all succeed.
"""
from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Callable, Iterator

from typeset.archive.folder import LOCK
from typeset.errors import TypesetError
from typeset.fsutil import os_error

DEFAULT_LOCK_TIMEOUT = 600.0          # seconds a run waits for another to finish with the archive
LOCK_TIMEOUT_ENV = "TYPESET_LOCK_TIMEOUT"


# ---------------------------------------------------------------------------------------------
# The lock

def lock_timeout_from_env() -> float:
    raw = os.environ.get(LOCK_TIMEOUT_ENV)
    if raw is None or raw.strip() == "":
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
        if value < 0 or value != value:
            raise ValueError
    except ValueError:
        raise TypesetError(f"{LOCK_TIMEOUT_ENV}={raw!r} is not a number of seconds",
                           hint="set it to e.g. 600, or 0 to give up at once") from None
    return value


@contextlib.contextmanager
def _locked(to: Path, timeout: float, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    from filelock import FileLock, Timeout

    path = to / LOCK
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            raise TypesetError("the archive's lock file is not a regular file", file=path,
                               hint="remove it (typeset makes it again); never point it elsewhere")
    except FileNotFoundError:
        pass
    except OSError as err:
        raise os_error(err, path, what="lock the archive") from None
    lock = FileLock(str(path))
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait is not None:
                on_wait(f"waiting for another typeset run to finish with the archive {to} "
                        f"(up to {timeout:g} s)")
            lock.acquire(timeout=timeout)
    except Timeout:
        raise TypesetError(f"gave up waiting for the archive after {timeout:g} s: another "
                           "typeset run is still writing to it", file=to,
                           hint=f"wait for that run, or wait longer with --lock-timeout SECONDS "
                                f"(or {LOCK_TIMEOUT_ENV})") from None
    except OSError as err:
        raise os_error(err, path, what="lock the archive") from None
    try:
        yield
    finally:
        lock.release()

