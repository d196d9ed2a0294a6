"""The watch loop: wait for a save, rebuild, update the preview, say what happened.

One thread does all of it, in order (the server's threads only read the preview):

1. `FileWatch.wait` returns once a watched file changed and stayed still (files.py);
2. the rebuilder builds the issue and writes the PDF (rebuild.py), or says why it could not;
3. the preview renders the pages that may have changed and publishes those whose pixels did
   (preview.py); the browser is told at once (server.py, /events);
4. the files to watch are those the rebuild read (`Rebuilder.inputs`: an article added to the
   manifest is watched from now on); while the build is broken, also the folders of the
   manifest and articles, so that a file created there is seen.

A line on the terminal for every rebuild. `Step` keeps the times of each stage, for the
benchmark (bench/watch.py) and the tests.
"""
from __future__ import annotations

import os
import threading
import time
from typeset.records import dataclass, field
from pathlib import Path
from typing import Callable

from typeset.watch.files import Change, FileWatch, fresh_tick
from typeset.watch.preview import Applied, Preview
from typeset.watch.rebuild import Outcome, Rebuilder


@dataclass
class Step:
    """One rebuild and what came of it (times are time.perf_counter())."""
    outcome: Outcome
    applied: Applied
    change: Change | None = None           # None: the first build
    started: float = 0.0                   # the rebuild began
    built: float = 0.0                     # the PDF was written (or the build failed)
    published: float = 0.0                 # the preview's new state was published
    timings: dict[str, float] = field(default_factory=dict)


def _shown(path: str | os.PathLike) -> str:
    """A path as the desk reads it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


class WatchLoop:
    def __init__(self, rebuilder: Rebuilder, preview: Preview, manifest: str | os.PathLike, *,
                 events: bool = True, say: Callable[[str], None] = print,
                 on_step: Callable[[Step], None] | None = None, **watch_options):
        self.rebuilder = rebuilder
        self.preview = preview
        self.manifest = os.path.abspath(manifest)
        self.say = say
        self.on_step = on_step
        self.files = FileWatch([self.manifest], events=events, **watch_options)
        self.last_written: tuple[Path, str] | None = None      # (path, HH:MM:SS)
        self.steps = 0

    # -- one rebuild -----------------------------------------------------------------------------
    def rebuild(self, change: Change | None = None) -> Step:
        self.preview.building("building…" if change is None else
                              "building: " + ", ".join(_shown(p) for p in change.paths[:3])
                              + " changed…")
        started = time.perf_counter()
        since = fresh_tick()              # (files first read by this rebuild: changed since?)
        outcome = self.rebuilder.rebuild()
        built = time.perf_counter()
        clock = time.strftime("%H:%M:%S")
        if outcome.ok:
            self.last_written = (outcome.written[0], clock) if outcome.written else None
        status = self._status(outcome, built - started, clock)
        first = change is None
        try:
            applied = self.preview.apply(
                outcome, lambda done: status + (self._pages_said(outcome, done)
                                                if outcome.ok and not first else ""))
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as err:        # a page PDFium cannot render: a bug, shown; go on
            from typeset.watch.rebuild import Problem
            outcome = Outcome(False, problem=Problem.from_bug(err), timings=outcome.timings,
                              written=outcome.written)
            applied = self.preview.apply(outcome, f"{clock} the PDF was written; the preview "
                                                  "could not show it")
        published = time.perf_counter()
        self._rewatch(outcome, since)
        self.steps += 1
        step = Step(outcome, applied, change, started, built, published,
                    dict(outcome.timings, preview_render=applied.render,
                         preview_encode=applied.encode))
        self._say(step, clock)
        if self.on_step is not None:
            self.on_step(step)
        return step

    @staticmethod
    def _status(outcome: Outcome, seconds: float, clock: str) -> str:
        if outcome.ok:
            where = _shown(outcome.written[0]) if outcome.written else "(nothing written)"
            return f"{clock} built {where}: {len(outcome.pages)} pages in {seconds:.2f} s"
        return f"{clock} the build failed; the last good pages stay below"

    @staticmethod
    def _pages_said(outcome: Outcome, applied: Applied) -> str:
        names = [outcome.pages[i].name for i in applied.updated]
        if not names:
            return "; no page changed"
        if len(names) > 6:
            return f"; {len(names)} pages changed ({', '.join(names[:6])}, …)"
        return f"; {len(names)} page(s) changed: {', '.join(names)}"

    def _say(self, step: Step, clock: str) -> None:
        """One line per rebuild, each a message of its own in the catalogue (typeset.i18n):
        what was built, after the save of which files, which pages changed."""
        o = step.outcome
        saved = ("" if step.change is None else
                 ", ".join(_shown(p) for p in step.change.paths[:3])
                 + (", …" if len(step.change.paths) > 3 else ""))
        if o.ok:
            where = _shown(o.written[0]) if o.written else "nothing written"
            pages = "" if step.change is None else self._pages_said(o, step.applied)
            built = f"{clock} built {where}: {len(o.pages)} pages in " \
                    f"{step.built - step.started:.2f} s"
            if saved:
                built = f"{built}, after a save of {saved}"
            self.say(built + pages)
        else:
            kept = (f"  {_shown(self.last_written[0])} of {self.last_written[1]} is unchanged "
                    "(the preview shows it)" if self.last_written else "  nothing written")
            failure = (f"{clock} error after a save of {saved}: {o.problem}" if saved else
                       f"{clock} error: {o.problem}")
            self.say(f"{failure}\n{kept}")

    def _rewatch(self, outcome: Outcome, since: int | None = None) -> None:
        inputs = self.rebuilder.inputs()
        files = [p for _, p in inputs]
        if self.manifest not in files:
            files.insert(0, self.manifest)
        if outcome.problem is not None and outcome.problem.file:
            files.append(os.path.abspath(outcome.problem.file))
        folders: set[str] = set()
        if not outcome.ok:          # a file the manifest names may not exist yet
            folders = {os.path.dirname(self.manifest)} | {
                os.path.dirname(p) for role, p in inputs if role in ("article", "picture")}
        self.files.watch(dict.fromkeys(files), sorted(folders), since=since)
        fonts = [p for role, p in inputs if role == "font"
                 and p.lower().endswith((".otf", ".ttf"))]
        if fonts:
            self.preview.set_font(fonts[0])

    # -- the loop --------------------------------------------------------------------------------
    def first(self) -> Step:
        return self.rebuild(None)

    def run(self, stop: threading.Event | None = None) -> None:
        """Rebuild after every change until `stop` is set (or Ctrl-C)."""
        while stop is None or not stop.is_set():
            change = self.files.wait(stop)
            if change is None:
                return
            self.rebuild(change)

    def close(self) -> None:
        self.files.close()
