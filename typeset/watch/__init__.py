"""`typeset watch ISSUE.yaml [--port N]`: one warm process that rebuilds the issue on every
save and shows it in a browser, as spreads, updated in place.

    files.py    seeing a save (stat of every input, file-system events, debounce)
    rebuild.py  what the loop asks of a build (`Rebuilder`, `Outcome`, `Problem`) and the
                build it uses (`SessionBuild`: typeset.session's warm issue; `WarmBuild`:
                typeset.build's calls in a warm process)
    preview.py  the pages as PNGs with versions (rendered by typeset.proof), the error
    server.py   the HTTP server on 127.0.0.1 (stdlib http.server, server-sent events)
    page.py     the preview page (HTML, CSS and script inline; works offline)
    loop.py     wait, rebuild, update, say; `run` below puts them together

Nothing is written but the PDF (where `typeset build` writes it, through
`fsutil.write_output`) and the caches a build writes.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable

__all__ = ["run", "WatchInterrupted"]


class WatchInterrupted(KeyboardInterrupt):
    """Ctrl-C: `message` says which PDF was written last."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def run(manifest: str | os.PathLike, *, output: str | os.PathLike | None = None,
        layout: str | None = None, port: int | None = None,
        say: Callable[[str], None] = print, events: bool = True,
        stop: threading.Event | None = None, on_ready: Callable[[str], None] | None = None,
        on_step=None, rebuilder=None, debug: bool = False) -> None:
    """Watch until `stop` is set (or Ctrl-C: WatchInterrupted). The server is started first
    (a port in use is a TypesetError before anything is built), then the first build, then
    a rebuild after every save. `on_ready(url)` is called once the first build is shown."""
    from typeset.watch.loop import WatchLoop, _shown
    from typeset.watch.preview import Preview
    from typeset.watch.rebuild import SessionBuild
    from typeset.watch.server import PreviewServer

    rebuilder = rebuilder or SessionBuild(manifest, output=output, layout=layout, debug=debug)
    preview = Preview()
    server = PreviewServer(preview, port).start()
    loop = None
    restore = _stop_on_sigterm()
    try:
        say(f"watching {_shown(manifest)}: preview at {server.url} (Ctrl-C stops)")
        loop = WatchLoop(rebuilder, preview, manifest, events=events, say=say,
                         on_step=on_step)
        loop.first()
        if on_ready is not None:
            on_ready(server.url)
        loop.run(stop)
    except KeyboardInterrupt:
        written = loop.last_written if loop is not None else None
        where = getattr(rebuilder, "output", None)
        if written:
            msg = f"stopped watching; the last PDF written: {_shown(written[0])} ({written[1]})"
        else:
            msg = ("stopped watching; no PDF was written"
                   + (f" (an earlier file at {_shown(where)} is unchanged)"
                      if where is not None and Path(where).exists() else ""))
        raise WatchInterrupted(msg) from None
    finally:
        restore()
        preview.close()
        server.stop()
        if loop is not None:
            loop.close()
        rebuilder.close()


def _stop_on_sigterm() -> Callable[[], None]:
    """`kill` (SIGTERM) stops the watch as Ctrl-C does: a PDF being written is finished or
    left as it was, never half-written. Returns what puts the earlier handler back."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    watcher = os.getpid()

    def interrupt(signum, frame):
        if os.getpid() != watcher:
            # a forked worker (typeset.parallel) inherits this handler: there SIGTERM is
            # the pool ending it, quietly, as the default action does
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise KeyboardInterrupt

    try:
        earlier = signal.signal(signal.SIGTERM, interrupt)
    except (ValueError, OSError):
        return lambda: None
    return lambda: signal.signal(signal.SIGTERM, earlier)
