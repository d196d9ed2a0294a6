"""What a cold build makes on the other cores before a page is drawn (issue 13 part 1).

Before the writer draws, two kinds of work whose inputs are already known take most of a cold
build's rendering time, and each piece is independent of the others:

* the pictures that are not in the picture cache (render/pictures: decoding, ICC transforms,
  ink rounds and encoding; ~1.6 s for the sample issue's print file);
* the font subsets that are not in the subset cache (render/fontprogram.py; ~0.3 s and the
  import of fontTools). Which glyphs a subset holds, with which codes, is known once the
  pages are made: a character's code is its own (cidfont.py), and writer.check_glyphs,
  which looks at every run before drawing, notes each face's characters on the way
  (`glyph_orders`: cidfont.forecast gives their codes as drawing will). That is only a
  forecast: the subset is used for the key (face, codes and glyphs) drawing asks for at save
  time (fontprogram.subset_for), and anything else is made there as before.

`make` gives the missing pieces to forked children (typeset.parallel.map_forked: the next
piece to whichever child is free, the largest first) and hands back what they made: each
picture as its cache file's bytes, read back with the cache's own checks (pictures/cache.py
`load`), each subset as its program. The parent then goes on exactly as a one-process build
does, in the same order, writing the caches itself: the children's results only stand in for
the conversions `Pictures.get` and `subset_for` would have run. Nothing is forked when nothing
is missing (a warm build), when parallel.workers() says the other cores are busy, or for a
single small piece; if a child fails (a damaged picture, a damaged font, Ctrl-C in a child)
nothing it made is used and the build does all of it here, meeting the error in the same
place with the same words as before.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typeset.render.pictures.pipeline import Pictures
    from typeset.render.rl.fonts import EmbeddedFont

#: rough cost of a piece, for the order only (largest first): per pixel of a JPEG, of a
#: lossless picture (PNG, TIFF: Flate-encoded, ~5x a JPEG's time), per glyph of a subset
#: (measured on the sample issue: 0.11 us, 0.5 us, 0.1 ms)
PIXEL_COST = 1
LOSSLESS_PIXEL_COST = 5
GLYPH_COST = 1000
#: less than this much work (in pixel units: ~0.3 s) is done here, not forked (starting the
#: pool and copying the results back would cost what the other core saves)
MIN_FORKED_COST = 3_000_000


def glyph_orders(order: dict) -> dict:
    """EmbeddedFont -> (codes, glyph ids) drawing will give it, in code order, from `order`
    (writer.check_glyphs: each font's characters)."""
    from typeset.render.cidfont import forecast
    return {font: forecast(font.face_data, chars) for font, chars in order.items()}


def missing_subsets(order: dict) -> list[tuple["EmbeddedFont", list[int], list[int], str]]:
    """(font, glyph ids, codes, subset key) of each subset drawing will ask for that is not
    in the subset cache (by the look of it: a file of its name, and a key of ours to read it
    with)."""
    import os

    from typeset.cacheseal import cache_key
    from typeset.render.fontprogram import SubsetCache, subset_key
    out = []
    caches: dict = {}
    keyed = cache_key()[1]
    for font, (codes, gids) in glyph_orders(order).items():
        key = subset_key(font.face_data, gids, codes)
        cache = font.cache
        if cache == "auto":
            cache = caches.get("auto") or caches.setdefault("auto", SubsetCache())
        if cache is not None and keyed and os.path.isfile(cache._path(key)):
            continue
        out.append((font, gids, codes, key))
    return out


def make(order: dict, pictures: "Pictures | None", sources: list[str]) -> tuple[dict, dict]:
    """({picture key: Prepared}, {subset key: Subset}) made by forked children for the pieces
    of a document missing from the caches: the pictures `sources` (placed as `pictures` has
    planned), the subsets of the fonts' characters in `order` (writer.check_glyphs); two
    empty dicts when nothing was forked. A head start (`start_ahead`) is stopped first: what
    it stored is in the cache, the picture it is still making is left to it and waited for."""
    global _ahead
    ahead, _ahead = _ahead, None
    busy: set[str] = set()
    try:
        if ahead is not None:
            busy = ahead.stop()
            if pictures is None or not busy & {pictures.key(s) for s in sources}:
                busy = set()              # (what it is making is not what the pages need)
                ahead.kill()
        return _make(order, pictures, sources, busy)
    finally:
        if ahead is not None:
            ahead.finish() if busy else ahead.kill()
            _forget_unused(ahead, pictures, sources)


def _forget_unused(ahead: "Ahead", pictures: "Pictures | None", sources: list[str]) -> None:
    """Remove from the picture cache what the head start stored that the document does not
    use: a picture placed above `images.max_ppi` is downsampled under another key, so its
    full-size preparation would stay in the cache, unread (the caches a build leaves are
    the ones one process leaves: adversarial round 5, finding 5)."""
    from typeset.render.pictures import cache
    needed = {pictures.key(s) for s in sources} if pictures is not None else set()
    for i in ahead.done:
        key = ahead.pictures.key(ahead.sources[i])
        if key not in needed:
            try:
                cache.path_for(key).unlink()
            except OSError:
                pass


def _make(order: dict, pictures: "Pictures | None", sources: list[str],
          busy: set[str]) -> tuple[dict, dict]:
    jobs: list[tuple[int, tuple]] = []
    if pictures is not None:
        for source in pictures.missing(sources):
            if pictures.key(source) in busy:
                continue
            info = pictures.info(source)
            per = PIXEL_COST if info.format == "JPEG" else LOSSLESS_PIXEL_COST
            jobs.append((info.width_px * info.height_px * per, ("picture", source)))
    subsets = missing_subsets(order)
    for font, gids, codes, key in subsets:
        jobs.append((len(gids) * GLYPH_COST, ("subset", font.face_data, gids, codes, key)))
    if len(jobs) < 2 or sum(c for c, _ in jobs) < MIN_FORKED_COST:
        return {}, {}
    from typeset import parallel
    if parallel.workers() < 2:
        return {}, {}
    jobs.sort(key=lambda j: -j[0])                    # (a stable sort: ties in document order)

    def work(job: tuple):
        if job[0] == "picture":
            from typeset.render.pictures import cache
            return cache.dump(pictures.prepare_here(job[1]))
        from typeset.render.fontprogram import build_subset
        sub = build_subset(job[1], job[2], job[3])
        return sub.program, sub.num_glyphs, sub.cid_to_gid

    got = parallel.map_forked(work, [j for _, j in jobs])
    if got is None:
        return {}, {}
    made_pictures, made_subsets = {}, {}
    for (_, job), result in zip(jobs, got):
        if job[0] == "picture":
            from typeset.render.pictures import cache
            p = cache.load(result) if isinstance(result, bytes) else None
            if p is None:
                return {}, {}
            made_pictures[pictures.key(job[1])] = p
        else:
            from typeset.render.fontprogram import Subset
            program, count, c2g = result
            made_subsets[job[4]] = Subset(program, count, c2g)
    return made_pictures, made_subsets


# -- a head start: pictures prepared beside composition ----------------------------------------

_ahead: "Ahead | None" = None


def start_ahead(sources: list[str], layout, variant_key: str) -> None:
    """Start preparing the pictures `sources` (every picture file the issue names:
    provenance.input_files) that are missing from the cache on a forked child
    now, before the pages are made, when another core is idle (a cold `typeset build`). A
    picture's key holds its pixel size, which depends on the boxes it is placed in
    (`images.max_ppi`), unknown yet: the child prepares each at its own size (no downsampling)
    and stores it in the picture cache, where the writer finds it if that is what its key
    asks for (`make` stops the child first). Only ever a head start: whatever it does not
    finish, or gets wrong, the build makes itself."""
    global _ahead
    drop_ahead()
    if not sources:
        return
    from typeset.model.layout import Images
    from typeset.render.pictures.pipeline import Pictures
    from typeset.render.pictures.spec import target_for
    images = layout.images or Images()
    pictures = Pictures(target_for(variant_key, images), max_ppi=images.max_ppi)
    jobs = []
    for source in pictures.missing(sources):
        info = pictures.info(source)          # (probed when the issue was read: memoised)
        per = PIXEL_COST if info.format == "JPEG" else LOSSLESS_PIXEL_COST
        jobs.append((info.width_px * info.height_px * per, source))
    if sum(c for c, _ in jobs) < MIN_FORKED_COST:
        return
    from typeset import parallel
    if parallel.workers() < 2:
        return
    jobs.sort(key=lambda j: -j[0])
    try:
        _ahead = Ahead(pictures, [source for _, source in jobs])
    except (OSError, ValueError, AssertionError):
        _ahead = None


def drop_ahead() -> None:
    """End a head start nobody took (the build failed before drawing)."""
    global _ahead
    ahead, _ahead = _ahead, None
    if ahead is not None:
        ahead.kill()


class Ahead:
    """One forked child preparing `sources` in order into the picture cache, telling the
    parent through a pipe which one it starts and which it finished; `stop` (under a lock
    the child holds while it decides to start the next) leaves it only the one it is on."""

    def __init__(self, pictures: "Pictures", sources: list[str]):
        import multiprocessing
        ctx = multiprocessing.get_context("fork")
        self.pictures, self.sources = pictures, sources
        self.lock, self.stopping = ctx.Lock(), ctx.Event()
        self.recv, send = ctx.Pipe(duplex=False)
        self.child = ctx.Process(target=_ahead_child, args=(self, send), daemon=True)
        self.child.start()
        send.close()
        self.started: set[int] = set()
        self.done: set[int] = set()
        self.ended = False

    def _read(self, block: bool) -> bool:
        """Read one message (waiting for it if `block`); False when there is none (or the
        child is gone)."""
        try:
            if not block and not self.recv.poll():
                return False
            what = self.recv.recv()
        except (EOFError, OSError):
            self.ended = True
            return False
        if what[0] == "start":
            self.started.add(what[1])
        elif what[0] == "done":
            self.done.add(what[1])
        else:
            self.ended = True
        return True

    def stop(self) -> set[str]:
        """Start nothing more; the keys of the pictures the child is still making."""
        with self.lock:
            self.stopping.set()
            while not self.ended and self._read(block=False):
                pass
        return {self.pictures.key(self.sources[i]) for i in self.started - self.done}

    def finish(self) -> None:
        """Wait for the picture the child is on, and for the child."""
        while not self.ended and self.started - self.done and self._read(block=True):
            pass
        self.kill()

    def kill(self) -> None:
        """End the child now (a cache file it is writing is finished first: `_ahead_child`)."""
        if self.recv.closed:
            return
        self.ended = True
        if self.child.is_alive():
            self.child.terminate()
        self.child.join()
        self.recv.close()


def _ahead_child(ahead: Ahead, conn) -> None:
    import gc
    import signal
    gc.disable()        # (a collection would touch, so copy, every page of the parent's heap)
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is the parent's: it ends us
        signal.signal(signal.SIGTERM, signal.SIG_DFL)    # (not a watch's handler: no traceback)
        from typeset.parallel import _end_with_parent
        _end_with_parent()             # a parent ended by SIGTERM ends it too (Linux)
        from typeset.render.pictures import cache
        for i, source in enumerate(ahead.sources):
            with ahead.lock:
                if ahead.stopping.is_set():
                    break
                conn.send(("start", i))
            try:
                p = ahead.pictures.prepare_here(source)
                key = ahead.pictures.key(source)
            except Exception:        # noqa: BLE001 (the build prepares it and says why)
                p = None
            if p is not None:        # the parent's SIGTERM waits until the file is whole
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
                try:
                    cache.put(key, p)
                finally:
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
            conn.send(("done", i))
        conn.send(("end",))
    except BaseException:            # noqa: BLE001 (never a traceback from here)
        pass
