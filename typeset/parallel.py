"""Work spread over the machine's cores, where it pays (issue 13 part 5).

One build of one issue is mostly one line of work (pagination needs every paragraph before
it, the file is written in one order), but some of it falls into independent pieces, each
done here by forked child processes (they start with everything the parent has loaded and
give their results back through a pipe):

* the paragraphs a cold build breaks (layout/compose.py `prebreak`: the articles broken by
  children into the paragraph cache) — off since wave 7 (`compose.PREBREAK_FORKS`: measured
  slower than one process, README "Two cores");
* the font subsets (render/fontprogram.py) and the prepared pictures
  (render/pictures/pipeline.py) a cold build makes (render/aside.py: those missing from the
  caches, before drawing; and, for `typeset build`, a head start on the pictures beside
  composition);
* the typographic report of a large issue while its PDF is written (build.report_aside);
* the font subsets a cold build of many pages still needs, while its pages are drawn
  (render/subsetaside.py).

Where it does not pay, nothing is forked: a warm build (everything comes from the caches),
the font faces a cold build reads (~5 ms a CJK face since they are read from their tables,
text/sfnt.py: a child's start and the tables' way back would cost more),
drawing pages (tried in wave 7: the parent still begins, uses, encodes and keys every page a
child draws, most of what drawing one costs: README "Two cores"),
a machine with one core, a machine whose other cores are busy (the load average leaves less
than IDLE_CORES idle: measured on a shared 2-core machine, children that must queue for a
core make a cold build slower, not faster, since each child also warms its own memos and
its results must be copied back), a batch worker (`typeset batch` already keeps every core
busy: `disable()`), and anything not on the main thread. Every use falls back to doing the work
here if a child cannot start or fails, so the result never depends on this module: what a
child returns is exactly what the parent would have computed (the same code on the same
data), and the tests compare both ways.
"""
from __future__ import annotations

import os
import sys
import threading
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_disabled = bool(os.environ.get("TYPESET_NO_FORK"))


def disable() -> None:
    """No child processes from this process (a batch worker; tests)."""
    global _disabled
    _disabled = True


def enable() -> None:
    global _disabled
    _disabled = False


def workers() -> int:
    """How many processes may work at once (1: do everything here)."""
    if _disabled or not hasattr(os, "fork") or threading.current_thread() is not \
            threading.main_thread():
        return 1
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    if n < 2:
        return 1
    idle = n - _load()
    if idle < IDLE_CORES:        # the other cores are busy: a child would only queue for one
        return 1
    import multiprocessing
    if multiprocessing.current_process().daemon:      # (a daemon may not have children)
        return 1
    return max(2, min(n, int(idle + 1), 4))


#: a child is started only when at least this many cores are idle (by the load average)
IDLE_CORES = 0.5


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def map_forked(fn: Callable[[T], R], items: Iterable[T], *, here: int = 0) -> list[R] | None:
    """[fn(x) for x in items], each on a forked child (at most `workers()` at once); with
    `here=k`, the first k items are done by this process meanwhile. `fn` and the items are
    not sent to the children (they have them from the fork), only their positions; each
    result comes back through a pipe (so it must be plain data). None when no child could be
    used or one failed: the caller then does the work itself (and meets the error, if the
    error is the input's)."""
    global _TASK
    items = list(items)
    n = workers()
    if n < 2 or len(items) <= here:
        return None
    import multiprocessing
    _TASK = (fn, items)
    try:
        ctx = multiprocessing.get_context("fork")
        pool = ctx.Pool(max(1, min(n - (1 if here else 0), len(items) - here)),
                        initializer=_child_start)
    except (OSError, ValueError, AssertionError):
        _TASK = None
        return None
    try:
        pending = pool.map_async(_call, range(here, len(items)), chunksize=1)
        mine = [fn(x) for x in items[:here]]
        got = pending.get()
    except Exception:               # noqa: BLE001 (a failure is redone by the caller)
        return None
    finally:
        _TASK = None
        pool.terminate()
        pool.join()
    if any(isinstance(g, tuple) and g == _FAILED for g in got):
        return None
    return mine + got


_TASK: tuple | None = None
_FAILED = ("typeset.parallel", "failed")


def _child_start() -> None:
    """A pool child: no garbage collection (it would touch, so copy, every page of the
    parent's heap), and Ctrl-C is the parent's alone. A terminal's Ctrl-C reaches every
    process of the group: a child that took it would die inside the pool's queue, printing a
    traceback and leaving a lock taken that the parent's `terminate` then waits for forever
    (seen on a cold build interrupted while its paragraphs were broken by children); ignoring
    it, the children go on until the parent, interrupted, terminates them."""
    import gc
    import signal
    gc.disable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A parent ended by SIGTERM (kill, timeout, a batch system) cannot terminate them: each
    # child would then die on the broken pipe printing a traceback on the user's terminal.
    # Whatever goes wrong in a child is redone and reported by the parent (`_call`), so a
    # child's stderr never carries anything for the user; and where the system allows it
    # (Linux), a child is ended when its parent is.
    _end_with_parent()
    sys.stderr = open(os.devnull, "w", encoding="utf-8")


def _end_with_parent() -> None:
    """Linux prctl(PR_SET_PDEATHSIG, SIGTERM): this process gets SIGTERM when its parent
    ends (nothing elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)       # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError, ValueError):
        pass


def _call(index: int):
    fn, items = _TASK
    try:
        return fn(items[index])
    except BaseException:           # noqa: BLE001 (the parent does it again and sees why)
        return _FAILED
