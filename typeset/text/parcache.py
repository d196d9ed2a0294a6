"""A cache of broken paragraphs, so a rebuild after a correction re-breaks only what changed.

The production desk rebuilds the issue after every correction; line breaking is the largest
share of a build, and almost every paragraph is the same as last time. A paragraph's lines
depend only on its spans, the widths, the break settings, the fonts and sizes of the styles
it uses, and the breaker's own code — all of which go into the key — so a cached result is
exactly what breaking it again would give. The cache lives in one file per issue under the
typeset cache directory ($TYPESET_CACHE, default ~/.cache/typeset); a missing, stale or
unreadable file only means the paragraphs are broken afresh.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from typeset.text.fonts import cache_dir
from typeset.text.linebreak import BreakSettings, Line, Span


def _code_version() -> str:
    """A digest of the text stage's source: new code never reads old results."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in sorted(p.name for p in here.glob("*.py")):
        h.update(name.encode())
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


_VERSION = _code_version()


class ParagraphCache:
    def __init__(self, name: str, fingerprint: Callable[[str], str]):
        """`name` identifies the issue (one file per issue); `fingerprint(style)` names the
        fonts and size a style measures with."""
        self.path = cache_dir() / "paragraphs" / (
            hashlib.sha256(f"{_VERSION}\0{name}".encode()).hexdigest()[:32] + ".pickle")
        self.fingerprint = fingerprint
        self.old: dict[str, list[Line]] = self._load()
        self.new: dict[str, list[Line]] = {}
        self.hits = 0
        self.misses = 0

    def _load(self) -> dict[str, list[Line]]:
        try:
            with open(self.path, "rb") as f:
                data = pickle.load(f)
            return data if isinstance(data, dict) else {}
        except Exception:       # absent, truncated, from another version: start afresh
            return {}

    def key(self, spans: Sequence[Span], widths, settings: BreakSettings,
            last_width: float | None) -> str:
        styles = sorted({s.style for s in spans})
        material = repr((_VERSION, [(s.text, s.style) for s in spans],
                         widths if isinstance(widths, (int, float)) else tuple(widths),
                         last_width, settings, [(st, self.fingerprint(st)) for st in styles]))
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def lines(self, spans: Sequence[Span], widths, settings: BreakSettings,
              last_width: float | None, breaker: Callable[[], list[Line]]) -> list[Line]:
        k = self.key(spans, widths, settings, last_width)
        got = self.new.get(k)
        if got is None:
            got = self.old.get(k)
            if got is None:
                self.misses += 1
                got = breaker()
            else:
                self.hits += 1
            self.new[k] = got
        return got

    def save(self) -> None:
        """Keep what this build used (so the file never grows beyond one issue)."""
        if self.misses == 0 and len(self.new) == len(self.old):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(self.new, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass
