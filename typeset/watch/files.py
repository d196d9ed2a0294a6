"""Seeing a save: the files an issue is made of, watched by their stat, with a debounce.

What decides that a file changed is always the same comparison: its stat — size, modification
and change times in nanoseconds, inode and device — against the one taken before the last
rebuild (a file that does not exist has none). That sees every way an editor saves: writing in
place (size, times), writing a temporary file and renaming it over the old one (a new inode),
deleting and creating again, and a file that was missing appearing. A stat of the twenty-odd
files of an issue takes about 0.1 ms.

When the last build failed, the folders of the manifest and the articles are watched as well
(the names in them, hidden and editor backup files left out), so that an article the manifest
names but that did not exist yet is seen when it is created.

How the loop learns that it is time to look (`FileWatch(events=…)`):

* polling (`events=False`): a look every `POLL` seconds (0.05 s);
* file-system events (`events=True`, watchdog: inotify on Linux, FSEvents on macOS,
  ReadDirectoryChangesW on Windows): a look as soon as something happens in a watched folder,
  and a look every `BACKSTOP` seconds all the same (events can be lost: an overflowing queue,
  a network file system that sends none).

`wait()` returns once something changed and then stayed still for `QUIET` seconds (several
saves in quick succession, or an editor writing in several steps, make one rebuild), and says
which files changed and when the first change was seen.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from typeset.records import dataclass
from typing import Iterable

POLL = 0.05          # s between looks, polling
BACKSTOP = 0.5       # s between looks, with file-system events
QUIET = 0.05         # s a change must stay still before the rebuild
MAX_SETTLE = 2.0     # s: a file written without pause is rebuilt after this at the latest
#: Linux's CLOCK_REALTIME_COARSE (<linux/time.h>; Python names no constant for it): the clock
#: the kernel takes file times from unless it needs finer ones
_COARSE = getattr(time, "CLOCK_REALTIME_COARSE", 5) if sys.platform.startswith("linux") \
    else None
#: the stamp of a file that may have changed while a rebuild read it: equal to no real stamp,
#: so the next look sees a change and rebuilds
UNSURE: tuple = (-1,)

Stamp = tuple | None
_CHANGED = 2 if os.name == "posix" else 1    # the stamp's change time (Windows: modification)


def file_clock() -> int:
    """Now, by the clock file times are taken from (ns): on Linux the coarse real-time clock
    (a tick of 1-10 ms), which file times are never older than for a change made after this
    call (fine-grained ones are newer still); elsewhere the real-time clock."""
    if _COARSE is not None:
        try:
            return time.clock_gettime_ns(_COARSE)
        except OSError:
            pass
    return time.time_ns()


def fresh_tick(limit: float = 0.05) -> int:
    """A time by the file clock (`file_clock`) later than every change made before this call
    (Linux: waits until the coarse clock passes the fine real-time clock read on entry, one
    or two ticks, 1-20 ms; a file's change time is the coarse clock's at the change, or a
    finer one where the kernel gives it — multigrain timestamps, Linux 6.13 — never later
    than the real time then). So a file whose change time is not older than what this
    returns was changed after it: a rebuild that takes its `since` here (`FileWatch.watch`)
    never takes a file saved just before it began for one saved while it read it (that cost
    a second, needless rebuild: the test kit's "settled" watch rebuilt again under it).
    Elsewhere, or if the clock does not pass within `limit` seconds, the clock as it is."""
    if _COARSE is None:
        return file_clock()
    real = time.time_ns()
    give_up = time.monotonic() + limit
    while (now := file_clock()) <= real and time.monotonic() < give_up:
        time.sleep(0.0005)
    return now
    give_up = time.monotonic() + limit
    while time.monotonic() < give_up:
        time.sleep(0.0005)
        later = file_clock()
        if later != now:
            return later
    return now


def stamp(path: str) -> Stamp:
    """What a file is now: size, modification and change times (ns), inode, device; None
    when it does not exist or cannot be looked at."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _ignored(name: str) -> bool:
    """Names an editor writes beside a file while saving it (vim's swap files and its 4913
    probe, backups ending in ~, emacs's #autosave# and .#locks, hidden files)."""
    return (name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp"))
            or name == "4913")


def listing(folder: str) -> Stamp:
    """The names in a folder that can be sources (see `_ignored`), or None."""
    try:
        return tuple(sorted(n for n in os.listdir(folder) if not _ignored(n)))
    except (OSError, ValueError):
        return None


@dataclass
class Change:
    """What `FileWatch.wait` saw."""
    paths: list[str]           # files (or folders) that changed, in watch order
    first_seen: float          # time.perf_counter() when the first change was seen
    settled: float             # ... when they had stayed still for QUIET seconds


class FileWatch:
    """Watches a set of files (and folders, by their names) for changes (module doc)."""

    def __init__(self, files: Iterable[str] = (), folders: Iterable[str] = (), *,
                 events: bool = True, poll: float = POLL, quiet: float = QUIET):
        self.poll = poll
        self.quiet = quiet
        self._files: dict[str, Stamp] = {}
        self._folders: dict[str, Stamp] = {}
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._observer = None
        self._scheduled: dict[str, object] = {}
        self.events = events and self._start_observer()
        self.watch(files, folders)

    # -- what is watched ---------------------------------------------------------------------
    def watch(self, files: Iterable[str], folders: Iterable[str] = (), *,
              since: int | None = None) -> None:
        """Watch these files and folders from now on. One already watched keeps the stamp it
        had, so a change made while the issue was being rebuilt is still seen. `since`
        (`fresh_tick()` just before the rebuild that read them began): a file watched from
        now on whose change time (set by the kernel on every change; Windows: the
        modification time) is not older than that may have been saved while the rebuild read
        it — its stamp is `UNSURE`, so it is seen as changed and the issue rebuilt once more;
        the stamp taken now would have taken that save for seen (a new article saved again
        during its first build). `since` begins a tick of the file clock, so a file saved
        before the rebuild began is older than it (on Linux; elsewhere a file changed within
        a tick before is rebuilt once more: harmless)."""
        files = [os.path.abspath(f) for f in files]
        folders = [os.path.abspath(f) for f in folders]

        def first(f: str) -> Stamp:
            st = stamp(f)
            if st is not None and since is not None and st[_CHANGED] >= since:
                return UNSURE
            return st
        with self._lock:
            self._files = {f: self._files[f] if f in self._files else first(f) for f in files}
            self._folders = {d: self._folders[d] if d in self._folders else listing(d)
                             for d in folders}
        if self.events:
            self._schedule({os.path.dirname(f) for f in files} | set(folders))

    def mark(self, stamps: dict[str, Stamp]) -> None:
        """Record these stamps as seen (taken just before a rebuild read the files)."""
        with self._lock:
            for path, st in stamps.items():
                if path in self._files:
                    self._files[path] = st
                elif path in self._folders:
                    self._folders[path] = st

    @property
    def files(self) -> list[str]:
        return list(self._files)

    @property
    def folders(self) -> list[str]:
        return list(self._folders)

    def look(self) -> dict[str, Stamp]:
        """Every watched file's and folder's stamp now."""
        with self._lock:
            files, folders = list(self._files), list(self._folders)
        now = {f: stamp(f) for f in files}
        now.update({d: listing(d) for d in folders})
        return now

    def changed(self, now: dict[str, Stamp]) -> list[str]:
        with self._lock:
            known = dict(self._files)
            known.update(self._folders)
        return [p for p, st in now.items() if p in known and known[p] != st]

    # -- waiting ---------------------------------------------------------------------------------
    def wait(self, stop: threading.Event | None = None,
             timeout: float | None = None) -> Change | None:
        """Block until a watched file changed and stayed still for `quiet` seconds; the
        stamps it settled on are recorded (`mark`) and the change returned. None when `stop`
        is set or `timeout` passes first."""
        give_up = None if timeout is None else time.perf_counter() + timeout
        interval = BACKSTOP if self.events else self.poll
        while True:
            if stop is not None and stop.is_set():
                return None
            if give_up is not None and time.perf_counter() >= give_up:
                return None
            self._wake.wait(interval if give_up is None
                            else max(0.0, min(interval, give_up - time.perf_counter())))
            self._wake.clear()
            now = self.look()
            paths = self.changed(now)
            if paths:
                break
        first = time.perf_counter()
        now = self._settle(now, first, stop)
        paths = self.changed(now)
        self.mark(now)
        return Change(paths, first, time.perf_counter())

    def _settle(self, now: dict, first: float, stop) -> dict:
        """Look again until two looks `quiet` seconds apart agree (at most MAX_SETTLE)."""
        while time.perf_counter() - first < MAX_SETTLE:
            if stop is not None and stop.is_set():
                break
            time.sleep(self.quiet)
            self._wake.clear()
            again = self.look()
            if again == now:
                break
            now = again
        return now

    def close(self) -> None:
        if self._observer is not None:
            try:
                self._observer.stop()
                self._observer.join(timeout=2)
            except Exception:       # noqa: BLE001 — an observer that will not stop is left
                pass
            self._observer = None

    # -- file-system events (watchdog) ---------------------------------------------------------
    def _start_observer(self) -> bool:
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            return False
        wake = self._wake

        class _Wake(FileSystemEventHandler):
            def on_any_event(self, event):          # the stat comparison decides what changed
                if event.event_type not in ("opened", "closed_no_write"):
                    wake.set()

        try:
            observer = Observer()
            observer.daemon = True
            observer.start()
        except Exception:           # noqa: BLE001 — no events here: polling it is
            return False
        self._observer, self._handler = observer, _Wake()
        return True

    def _schedule(self, folders: set[str]) -> None:
        """Watch these folders (not their subfolders) for events; unschedule the others."""
        obs = self._observer
        if obs is None:
            return
        for folder in list(self._scheduled):
            if folder not in folders:
                try:
                    obs.unschedule(self._scheduled.pop(folder))
                except Exception:   # noqa: BLE001
                    pass
        for folder in folders:
            if folder in self._scheduled or not os.path.isdir(folder):
                continue
            try:
                self._scheduled[folder] = obs.schedule(self._handler, folder, recursive=False)
            except Exception:       # noqa: BLE001 — e.g. out of inotify watches: the backstop
                self.poll_only()     # looks are then made as often as polling would
                return

    def poll_only(self) -> None:
        self.events = False
