"""The font subsets a cold build of many pages still needs, made on the other core while the
pages are drawn (issue 13 part 5).

The subsets are embedded when the file is saved, after every page is drawn; which glyphs each
holds, with which codes, is known before the first page is drawn (writer.check_glyphs notes
each face's characters; aside.glyph_orders gives their codes and glyphs as drawing will). So
at the start of `writer._Writer.run` (`start`), when the subsets are not in the subset cache
and were not made by aside.make's children (which make them beside the pictures, when there
is enough of both to fork for), one forked child makes them while this process draws the
pages, and sends each program back through a pipe; `Making.close` (after the last page,
before saving) reads them into fontprogram.made, where `subset_for` takes the one for the
very key saving asks for (anything else is made there as before) and writes the subset cache
itself, as a one-process build does. A child that fails (a damaged font, Ctrl-C, killed)
sends nothing: saving makes the subsets here and meets the error with the same words.

Where it pays, and where not (README, "Two cores"; measured on the render stage of a cold
ten-times issue, pictures cached: 0.58 -> 0.48 s of wall time with the other core idle): the
pages drawn meanwhile must take about as long as the subsets (~0.1 ms a glyph against ~1 ms
a page), so nothing is forked for fewer than SUBSET_ASIDE_PAGES pages (a cold sample issue,
44 pages, its subsets 0.18 s in a child against 0.04 s of drawing: no faster), for fewer
than SUBSET_ASIDE_GLYPHS glyphs missing, when warm (nothing missing), on one core or with the
other core busy (typeset.parallel.workers).

Drawing pages on the child too (tried, branch w7-par-wip: the later pages drawn by the child
from a shared counter, their streams taken under the parent's own key) did not pay: the
parent still begins, uses, encodes and keys each page and ends it, which is most of what
drawing one costs, and the fork's copy-on-write costs the rest (cold ten-times render stage
0.58 -> 0.65 s with pages alone on the child).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typeset.render.writer import _Writer

#: at least this many pages to draw for the subsets to be made beside them (see above)
SUBSET_ASIDE_PAGES = 120
#: and at least this many glyphs in the subsets still to make
SUBSET_ASIDE_GLYPHS = 500


def start(writer: "_Writer") -> "Making | None":
    """A child making the subsets `writer` will save and nobody has made, or None where it
    does not pay."""
    if len(writer.pages) < SUBSET_ASIDE_PAGES:
        return None
    streams = writer.streams
    if streams is not None and (streams.streams or streams._index):
        return None          # warm: most pages come from the page-stream cache, not drawn
    from typeset import parallel
    if parallel.workers() < 2:
        return None
    jobs = _missing(writer)
    if sum(len(gids) for _, gids, _, _ in jobs) < SUBSET_ASIDE_GLYPHS:
        return None
    try:
        return Making(jobs)
    except (OSError, ValueError, AssertionError):
        return None


def _missing(writer: "_Writer") -> list[tuple]:
    """(face, glyph ids, codes, key) of each subset saving will ask for that is neither in
    the subset cache nor made by aside.make's children already."""
    from typeset.render.aside import missing_subsets
    from typeset.render.fontprogram import made
    return [(font.face_data, gids, codes, key)
            for font, gids, codes, key in missing_subsets(writer.order) if key not in made]


class Making:
    """One forked child making `jobs` (see the module docstring)."""

    def __init__(self, jobs: list[tuple]):
        import multiprocessing
        ctx = multiprocessing.get_context("fork")
        self.recv, send = ctx.Pipe(duplex=False)
        self.child = ctx.Process(target=_child, args=(jobs, send), daemon=True)
        self.child.start()
        send.close()

    def close(self, take: bool = True) -> None:
        """Put what the child made into fontprogram.made (waiting for it: saving would make
        the same here meanwhile), then end the child; `take=False`: end it at once (drawing
        failed)."""
        if self.recv.closed:
            return
        from typeset.render.fontprogram import Subset, made
        got = {}
        try:
            while take:
                what = self.recv.recv()
                if what is None:                      # (all sent)
                    break
                key, program, count, c2g = what
                got[key] = Subset(program, count, c2g)
        except (EOFError, OSError):                   # the child failed or was killed
            got = {}
        finally:
            if self.child.is_alive():
                self.child.terminate()
            self.child.join()
            self.recv.close()
        made.update(got)


def _child(jobs: list[tuple], conn) -> None:
    import gc
    import os
    import signal
    import sys
    gc.disable()        # (a collection would touch, so copy, every page of the parent's heap)
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is the parent's: it ends us
        signal.signal(signal.SIGTERM, signal.SIG_DFL)    # (not a watch's handler: no traceback)
        from typeset.parallel import _end_with_parent
        _end_with_parent()             # a parent ended by SIGTERM ends it too (Linux)
        sys.stderr = open(os.devnull, "w", encoding="utf-8")
        from typeset.render.fontprogram import build_subset
        for face, gids, codes, key in jobs:
            sub = build_subset(face, gids, codes)
            conn.send((key, sub.program, sub.num_glyphs, sub.cid_to_gid))
        conn.send(None)
        conn.close()
    except BaseException:            # noqa: BLE001 (saving makes them and meets the error)
        pass
