"""What the commands share: the exit statuses, the import of the pipeline with the
cyclic collector paused (`_IMPORTS`), a message line on stderr (`_say`) and a progress
line on a terminal (`_terminal_progress`)."""
from __future__ import annotations

import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Imports:
    """`with _IMPORTS:` around the import of the pipeline (typeset.build and all it brings,
    ~30k objects that live as long as the process): Python's cyclic collector paused, and
    what was made moved to its oldest generation after (as `build.collector_paused` does
    for a composition), instead of being walked by ~60 young collections on the way: ~5 ms
    of every `build`, `check` and `dump`."""

    def __enter__(self):
        import gc
        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        import gc
        gc.freeze()
        gc.unfreeze()
        if self.was:
            gc.enable()


_IMPORTS = _Imports()


def _say(message: str) -> None:
    print(f"typeset: {message}", file=sys.stderr, flush=True)


def _terminal_progress(what: str):
    """A progress line on a terminal (rewritten in place, cleared at the end); None when
    stderr is piped or redirected: quiet (typeset.progress)."""
    from typeset.progress import terminal_line

    line = terminal_line()
    if line is None:
        return None
    return lambda done, total: line(what, done, total)
