"""Page content streams kept by what they draw, so an unchanged page is not drawn again.

The writer (writer.py) makes a key for every page from everything its content stream
depends on — each item (a text run's codes, characters, face, size, position and glyph
positions; a rule; a picture's XObject name and geometry), the font resource names and
picture names the document gave them, the variant, the page and bleed geometry, and the
code of the writer and ReportLab — and looks the page's finished (filtered) stream up here
before drawing it. Equal keys give equal bytes, so a build that reuses a stream writes the
file a cold build writes (tested).

`PageStreams()` keeps streams in memory (a warm process, typeset.session, keeps one across
rebuilds); `PageStreams.on_disk(name)` also reads and writes one file per issue and variant
under $TYPESET_CACHE (`pages/<name>.bin`), holding the streams the last build used:

    b"typeset-pages/2\\n"  u32 LE header length  header (ASCII JSON: {"code": …,
    "entries": [[key, length, seal], …]})  the streams, one after another

A stream cannot be checked against its key without drawing the page again, which is what the
cache saves, and a checksum only proves it whole: so each stream is sealed, bound to its
page's key, with the user's cache key (cacheseal.seal_of: an HMAC-SHA256 in place of the
checksum, checked when the stream is first asked for; the seal says it inflates too). A
stream whose length or seal is wrong is not used (drawn again); a file that does not parse is
ignored and rewritten; without a key of ours the file is neither read nor written. Like every
typeset cache it holds data only (no pickle) and keys come from content, never paths or dates
(the issue's path only names the file).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os

from typeset.cachefiles import cache_dir, read_cache, write_cache
from typeset.cacheseal import cache_key, seal_of

_MAGIC = b"typeset-pages/2\n"
_LIMIT = 1 << 30                  # a 3,300-page issue's streams are ~15 MB


class PageStreams:
    """Finished page content streams by key (see the module docstring)."""

    def __init__(self) -> None:
        self.streams: dict[str, bytes] = {}
        self.used: dict[str, bytes] = {}      # what this build used or made
        self.hits = 0
        self.misses = 0
        self.keys: list[str | None] = []      # the last build's pages' keys, in page order
        self.drawn: list[int] = []            # the pages it drew (indices), not reused
        self.path: str | None = None
        self.code = ""
        self._index: dict[str, tuple[int, int, str]] | None = None
        self._blob = b""
        self._file_keys: set[str] | None = None  # the file's keys, once its bytes are let go
        #: used for one build only (output.render): once its pages are drawn (`pages_done`),
        #: the file's bytes are let go before the PDF is put together (a warm process keeps
        #: them, for pages that return to what they were)
        self.once = False

    @classmethod
    def on_disk(cls, name: str, code: str) -> "PageStreams":
        """Streams read from (and, with `save`, written to) the cache file for `name` (the
        issue and variant); `code` identifies the writer's code (a different code: the file
        is not read)."""
        ps = cls()
        ps.code = code
        ps.path = os.path.join(cache_dir(), "pages",
                               hashlib.sha256(f"{code}\0{name}".encode()).hexdigest()[:32]
                               + ".bin")
        ps._load()
        return ps

    def begin(self) -> None:
        """A new build: count afresh and remember only what it uses."""
        self.used = {}
        self.hits = self.misses = 0
        self.keys = []
        self.drawn = []

    def get(self, key: str) -> bytes | None:
        got = self.streams.get(key)
        if got is None and self._index is not None:
            got = self._from_file(key)
        if got is None:
            self.misses += 1
            return None
        self.hits += 1
        self.used[key] = got
        return got

    def put(self, key: str, data: bytes) -> None:
        self.streams[key] = data
        self.used[key] = data

    def keep_used(self) -> None:
        """Forget the streams no page of the last build used (a warm process stays as large
        as one issue)."""
        self.streams = dict(self.used)

    def pages_done(self) -> None:
        """Every page of the build is drawn or taken from here (the streams it used are in
        `used`): with `once`, let go of the cache file's bytes (~1.8 KB a page); `save` still
        knows which streams the file held."""
        if self.once and self._index is not None:
            self._file_keys = set(self._index)
            self._index, self._blob = None, b""

    # -- the file -----------------------------------------------------------------------------
    def _load(self) -> None:
        if not cache_key()[1]:
            return                        # no key of ours: nothing here could be trusted
        data = read_cache(self.path, _LIMIT)
        if data is None or not data.startswith(_MAGIC):
            return
        try:
            at = len(_MAGIC)
            hlen = int.from_bytes(data[at:at + 4], "little")
            header = json.loads(data[at + 4:at + 4 + hlen].decode("ascii"))
            if not isinstance(header, dict) or header.get("code") != self.code:
                return
            index: dict[str, tuple[int, int, str]] = {}
            pos = at + 4 + hlen
            for entry in header["entries"]:
                key, length, digest = entry
                if (not isinstance(key, str) or not isinstance(digest, str)
                        or type(length) is not int or length < 0):
                    return
                index[key] = (pos, length, digest)
                pos += length
            if pos != len(data):
                return
        except (ValueError, TypeError, KeyError, UnicodeDecodeError, RecursionError):
            return
        self._index, self._blob = index, data

    def _from_file(self, key: str) -> bytes | None:
        where = self._index.get(key)
        if where is None:
            return None
        pos, length, digest = where
        got = self._blob[pos:pos + length]
        seal = seal_of("pages", key, got)
        if seal is None or not hmac.compare_digest(seal.hex(), digest):
            return None
        return got

    def save(self) -> None:
        """Write the streams this build used, if they differ from the file's."""
        if self.path is None or not cache_key()[1]:
            return                        # (no key of ours: no later build could use it)
        held = set(self._index) if self._index is not None else self._file_keys
        if held is not None and self.misses == 0 and held == set(self.used):
            return
        entries = [[k, len(v), seal_of("pages", k, v).hex()] for k, v in self.used.items()]
        header = json.dumps({"code": self.code, "entries": entries},
                            separators=(",", ":")).encode("ascii")
        write_cache(self.path, b"".join([_MAGIC, len(header).to_bytes(4, "little"), header,
                                         *self.used.values()]))

