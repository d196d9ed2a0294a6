"""The preview's state: every page of the last good build as a PNG with a version, the spreads
they stand in, and the problem of the last build if it failed.

After a successful rebuild, the pages the rebuilder says may have changed (`Outcome.changed`;
all of them when it cannot say) are rendered from the PDF with `typeset.proof.render_pages`
— the proof's renderer: PDFium, each page clipped to its TrimBox — at `DPI`, a screen
resolution, and compared by their pixels (`proof.pixel_digest`) with what the page showed
before. Only a page whose pixels differ gets a new PNG and a new version; the browser fetches
only those. A failed rebuild leaves the pages as they were (the last good build stays
visible) and sets `problem`; the next good one clears it.

Spreads are the pages as they face each other when the sheets are folded (`contact.spreads`):
PDF page 1 alone on the right, then 2|3, 4|5, …, an even last page alone on the left.

Readers (the server's threads) take `snapshot()` and wait for the next generation with
`wait_change()`; the watch loop is the only writer.
"""
from __future__ import annotations

import threading
import time
from typeset.records import dataclass, field
from typing import Callable

from typeset.watch.rebuild import Outcome, Problem

DPI = 96             # a screen's resolution: a page at 100 % is its printed size


@dataclass(frozen=True)
class PageView:
    index: int
    name: str            # as printed (folio, 目录, 封一, PDF page N)
    kind: str
    label: str
    version: int         # changes exactly when the pixels change
    pixels: str          # proof.pixel_digest
    png: bytes
    size: tuple[int, int]   # px


@dataclass
class Applied:
    """What `Preview.apply` did with one outcome."""
    rendered: list[int] = field(default_factory=list)     # pages rendered
    updated: list[int] = field(default_factory=list)      # pages with new pixels (new versions)
    removed: int = 0                                      # pages gone from the end
    render: float = 0.0                                   # s rendering (PDFium)
    encode: float = 0.0                                   # s making PNGs


@dataclass(frozen=True)
class State:
    generation: int
    title: str
    pages: tuple[PageView, ...]
    problem: Problem | None
    status: str
    built: str                       # when the pages shown were built (HH:MM:SS), or ""
    building: bool
    closing: bool
    font: str | None = None          # a font file of the layout, for the page's labels

    def as_json(self) -> dict:
        from typeset.contact import spreads

        return {"generation": self.generation, "title": self.title, "status": self.status,
                "built": self.built, "building": self.building,
                "error": self.problem.as_json() if self.problem else None,
                "pages": [{"index": p.index, "name": p.name, "kind": p.kind,
                           "label": p.label, "version": p.version,
                           "width": p.size[0], "height": p.size[1]} for p in self.pages],
                "spreads": [list(s) for s in spreads(len(self.pages))]}


class Preview:
    def __init__(self, dpi: int = DPI):
        self.dpi = dpi
        self._cond = threading.Condition()
        self._versions = 0
        self._stale = False
        self._state = State(0, "", (), None, "starting…", "", True, False)

    # -- readers ---------------------------------------------------------------------------------
    def snapshot(self) -> State:
        with self._cond:
            return self._state

    def wait_change(self, generation: int, timeout: float) -> State:
        """The state once its generation differs from `generation` (or it is closing), or
        the same state after `timeout` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: self._state.generation != generation
                                or self._state.closing, timeout)
            return self._state

    def page(self, index: int) -> PageView | None:
        pages = self.snapshot().pages
        return pages[index] if 0 <= index < len(pages) else None

    # -- the writer ------------------------------------------------------------------------------
    def _publish(self, **changes) -> State:
        with self._cond:
            old = self._state
            values = {f: changes.get(f, getattr(old, f)) for f in State.__dataclass_fields__}
            values["generation"] = old.generation + 1
            self._state = State(**values)
            self._cond.notify_all()
            return self._state

    def building(self, status: str = "building…") -> None:
        self._publish(building=True, status=status)

    def close(self) -> None:
        self._publish(closing=True, status="stopped")

    def set_font(self, path: str | None) -> None:
        """The font the page sets its Chinese labels in (the issue's own: a desk machine may
        have no CJK font the browser knows)."""
        if path != self.snapshot().font:
            self._publish(font=path)

    def apply(self, outcome: Outcome, status: Callable[[Applied], str] | str = "") -> Applied:
        """Take a rebuild's outcome (module doc); `status`: the status line, or what makes it
        from what was done."""
        done = Applied()
        say = status if callable(status) else (lambda _: status)
        if not outcome.ok or outcome.pdf is None:
            self._publish(problem=outcome.problem or Problem("the build failed"),
                          building=False, status=say(done))
            return done
        from typeset.proof import png_bytes, render_pages

        old = self.snapshot().pages
        n = len(outcome.pages)
        if outcome.changed is None or self._stale:
            indices = list(range(n))
        else:
            indices = sorted({i for i in outcome.changed if 0 <= i < n}
                             | set(range(len(old), n)))
        pages: list[PageView | None] = [None] * n
        self._stale = True           # until the pages are published: `changed` is relative to
        t0 = time.perf_counter()     # the outcome before, which then was never shown
        for r in render_pages(outcome.pdf, indices, self.dpi):
            t1 = time.perf_counter()
            done.render += t1 - t0
            info = outcome.pages[r.index]
            before = old[r.index] if r.index < len(old) else None
            if before is not None and before.pixels == r.pixels:
                pages[r.index] = PageView(r.index, info.name, info.kind, info.label,
                                          before.version, before.pixels, before.png,
                                          before.size)
            else:
                self._versions += 1
                pages[r.index] = PageView(r.index, info.name, info.kind, info.label,
                                          self._versions, r.pixels, png_bytes(r.image),
                                          r.image.size)
                done.updated.append(r.index)
            done.rendered.append(r.index)
            t0 = time.perf_counter()
            done.encode += t0 - t1
        for i in range(n):                   # not rendered: as before, under its new name
            if pages[i] is None:
                b, info = old[i], outcome.pages[i]
                pages[i] = PageView(i, info.name, info.kind, info.label, b.version,
                                    b.pixels, b.png, b.size)
        done.removed = max(0, len(old) - n)
        self._stale = False
        self._publish(pages=tuple(pages), problem=None, title=outcome.title,
                      building=False, status=say(done), built=time.strftime("%H:%M:%S"))
        return done
