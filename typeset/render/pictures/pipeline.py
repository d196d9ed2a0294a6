"""Every picture of a document, prepared once: the writer's view of the pipeline.

`Pictures(target, max_ppi, min_ppi)` is given the pages (`plan`), finds every placed picture
(layout.page.Image), and prepares each distinct (picture content, pixel size) once — the
first time it is drawn, in page order, so the same pages give the same file. A picture used
twice (the same file, or two files with the same bytes) is one `Prepared` and so one image
XObject. Each is looked up in the cache first (cache.py); only a miss decodes and converts.

A warm build of an issue with pictures reads the cached streams and never decodes a picture
(it still reads each picture file's header and hashes its bytes: that is the key).

A cold build on two cores has the missing pictures (`missing`) prepared by forked children
(render/aside.py): what they made is handed in through `made` and taken by `get` in place of
`_prepare`, so the order, the cache writes and the errors are those of one process.
"""
from __future__ import annotations

import hashlib
import os
from typeset.records import dataclass, field

from typeset.errors import TypesetError
from typeset.layout.page import Image, Page
from typeset.model.picture import PictureInfo, probe
from typeset.render.pictures import cache
from typeset.render.pictures.spec import PictureError, Prepared, Target, downsample_size


@dataclass
class Stats:
    """What preparing the pictures took (for the build's output and the tests)."""
    pictures: int = 0            # distinct images embedded
    placements: int = 0          # Image items drawn
    converted: int = 0           # decoded and prepared in this run
    cached: int = 0              # read from the cache
    passed_through: int = 0      # JPEGs embedded as they are
    downsampled: int = 0
    how: dict[str, str] = field(default_factory=dict)    # picture path -> what was done


def shown_path(path: str, base: str | None = None) -> str:
    """A picture's path as messages show it: relative to `base` (default: the working
    folder) when it lies inside, else as given."""
    try:
        rel = os.path.relpath(path, base)
    except ValueError:                # another drive (Windows)
        return path
    return path if rel.startswith("..") else rel


class Pictures:
    def __init__(self, target: Target, *, max_ppi: float | None = None, min_ppi: float = 0.0,
                 use_cache: bool = True):
        self.target = target
        self.max_ppi = max_ppi
        self.min_ppi = min_ppi
        self.use_cache = use_cache
        self.stats = Stats()
        self._info: dict[str, PictureInfo] = {}
        self._boxes: dict[str, list[tuple[float, float]]] = {}
        self._first: dict[str, str] = {}                    # source -> where first placed
        self._by_key: dict[str, Prepared] = {}
        self._key_of: dict[str, str] = {}
        self._size: dict[str, tuple[int, int] | None] = {}  # key -> pixel size (None: as is)
        #: key -> prepared by a forked child (render/aside.py), taken by `get` for a cache miss
        self.made: dict[str, Prepared] = {}

    def plan(self, pages: list[Page], where) -> None:
        """Find every placed picture; `where(i, page)` names a page for messages."""
        for i, page in enumerate(pages):
            for item in page.items:
                if isinstance(item, Image):
                    self.stats.placements += 1
                    self._boxes.setdefault(item.source, []).append((item.width, item.height))
                    self._first.setdefault(item.source, where(i, page))

    def info(self, source: str) -> PictureInfo:
        info = self._info.get(source)
        if info is None:
            try:
                info = self._info[source] = probe(source)
            except TypesetError as e:
                raise TypesetError(f"{e.message} ({self._first.get(source, 'placed')})",
                                   hint=e.hint) from None
        return info

    def key(self, source: str) -> str:
        """The content key of the image `source` becomes (equal keys: one XObject)."""
        k = self._key_of.get(source)
        if k is None:
            info = self.info(source)
            size = downsample_size(info.width_px, info.height_px, self._boxes.get(source, []),
                                   self.max_ppi, self.min_ppi)
            k = self._key_of[source] = cache.cache_key(
                info.sha256, self.target.key(), size, dict(cache.profile_digests()),
                cache.library_versions())
            self._size[k] = size
        return k

    def get(self, source: str) -> tuple[str, Prepared]:
        """(content key, prepared image) of a placed picture; TypesetError naming the picture
        and where it is placed if it cannot be prepared."""
        k = self.key(source)
        p = self._by_key.get(k)
        if p is not None:
            return k, p
        info = self.info(source)
        want = self._size[k] or (info.width_px, info.height_px)
        p = cache.get(k, want, self.target) if self.use_cache else None
        if p is not None:
            self.stats.cached += 1
        else:
            p = self.made.pop(k, None) or self._prepare(source, self._size[k])
            self.stats.converted += 1
            if self.use_cache and cache.put(k, p):
                p = cache.held_in_file(k, p)      # (its bytes let go: read as they are written)
        self._by_key[k] = p
        self.stats.pictures += 1
        self.stats.passed_through += p.how.endswith("passed through")
        self.stats.downsampled += self._size[k] is not None
        self.stats.how[source] = p.how
        return k, p

    def missing(self, sources: list[str]) -> list[str]:
        """The pictures among `sources` that `get` would have to prepare (one source per key,
        in order; not in the cache by the look of it: no file of its name). Stops before the
        first picture that cannot be probed: `get` meets that error in its turn."""
        from typeset.cacheseal import cache_key
        out, seen = [], set(self._by_key)
        cached = self.use_cache and cache_key()[1]      # (no key of ours: nothing is read)
        for source in sources:
            try:
                k = self.key(source)
            except TypesetError:
                break
            if k in seen:
                continue
            seen.add(k)
            if not (cached and cache.path_for(k).is_file()):
                out.append(source)
        return out

    def prepare_here(self, source: str) -> Prepared:
        """What `get` prepares for `source` on a cache miss (TypesetError as `get` says)."""
        return self._prepare(source, self._size[self.key(source)])

    def _prepare(self, source: str, size) -> Prepared:
        from typeset.render.pictures.convert import prepare
        info = self.info(source)
        shown = shown_path(source)
        try:
            with open(source, "rb") as f:
                data = f.read()
        except OSError as e:
            raise TypesetError(f"cannot read picture {shown} ({self._first[source]}): "
                               f"{e.strerror}", hint="check that the file exists and is "
                                                     "readable") from None
        if hashlib.sha256(data).hexdigest() != info.sha256:
            raise TypesetError(f"picture {shown} changed while typeset was reading it "
                               f"({self._first[source]})", hint="run the build again")
        try:
            return prepare(data, info, self.target, size)
        except PictureError as e:
            raise TypesetError(f"picture {shown} ({self._first[source]}) {e.message}",
                               hint=e.hint) from None
