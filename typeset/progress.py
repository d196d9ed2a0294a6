"""Progress of long work, shown on a terminal only.

A stage of the build reports `step(what, done, total)` as it goes (an article set, a page
written); nothing listens unless a command installs a reporter (`reporting`), which the
command line does only when its standard error is a terminal: piped or redirected, a build
prints its result lines and nothing else. A reporter must be cheap: it is called once per
article and once per page.
"""
from __future__ import annotations

import contextlib
import sys
import time
from typing import Callable, Iterator

Reporter = Callable[[str, int, int], None]
_reporter: Reporter | None = None


def step(what: str, done: int, total: int) -> None:
    """`done` of `total` of `what` (e.g. "setting article", 3, 12) are finished."""
    if _reporter is not None:
        _reporter(what, done, total)


@contextlib.contextmanager
def reporting(reporter: Reporter | None) -> Iterator[None]:
    """Install `reporter` for the work inside the block (None: stay quiet)."""
    global _reporter
    before, _reporter = _reporter, reporter
    try:
        yield
    finally:
        _reporter = before


def terminal_line(stream=None, *, prefix: str = "typeset: ",
                  min_interval: float = 0.1) -> Reporter | None:
    """A reporter that rewrites one line of `stream` (default stderr) in place — `typeset:
    writing page: 12/48…` — at most every `min_interval` seconds, and clears it when a stage
    is done; None when the stream is not a terminal (quiet)."""
    out = stream if stream is not None else sys.stderr
    if not getattr(out, "isatty", lambda: False)():
        return None
    last = [0.0]

    def show(what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < min_interval:
            return
        last[0] = now
        end = "\r\033[K" if done >= total else ""
        out.write(f"\r\033[K{prefix}{what}: {done}/{total}…{end}")
        out.flush()
    return show
