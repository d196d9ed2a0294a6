"""Large streams compressed once: font programs and ICC profiles, deflated by content.

Every build of an issue embeds the same few large streams — the font subsets (100–400 KB
each) and the output intent's ICC profile (~230 KB) — and compressing them with zlib is ~40
ms of a warm build. `deflate(data)` returns exactly `zlib.compress(data)` (the default level,
as ReportLab's FlateDecode filter writes it), remembered in this process and on disk under
$TYPESET_CACHE (`deflated/<xx>/<key>.z`: magic, the zlib stream, its seal).

The key is the SHA-256 of the data with the zlib version and level. That a stream inflates
to the data proves nothing about its bytes (another level, or bytes after the stream's end,
inflate alike and would go into the PDF as they are), and checking that it is what zlib
gives is compressing again, the work the cache saves. So the file is sealed with the user's
cache key (cacheseal.sealed: an HMAC-SHA256 of the stream under its key, in place of a
checksum): only a stream this user's own build compressed is used; a planted, truncated,
foreign or moved file is ignored and the data compressed again, so the PDF is the same
bytes. Without a key of ours (someone else's cache folder) nothing is read or written here.
Small streams are compressed directly: for them the cache would cost more than it saves.
"""
from __future__ import annotations

import hashlib
import os
import zlib

from typeset.cachefiles import cache_dir, read_cache, write_cache
from typeset.cacheseal import sealed, unseal

#: streams shorter than this are compressed directly (zlib is ~50 MB/s: 64 KB is ~1 ms)
MIN_CACHED = 64 << 10
_MAGIC = b"typeset-deflated/2\n"   # + the zlib stream + its seal (cacheseal.sealed)
_LIMIT = 64 << 20                # no font program or profile comes near this
_memo: dict[str, bytes] = {}     # cache file -> compressed data (this process)


def _version() -> bytes:
    return f"{zlib.ZLIB_RUNTIME_VERSION}\0{zlib.Z_DEFAULT_COMPRESSION}".encode("ascii")


def deflate(data: bytes) -> bytes:
    """`zlib.compress(data)`, from the cache when an earlier build compressed the same bytes."""
    if len(data) < MIN_CACHED:
        return zlib.compress(data)
    digest = hashlib.sha256(data).digest()
    key = hashlib.sha256(_version() + b"\0" + digest).hexdigest()
    path = os.path.join(cache_dir(), "deflated", key[:2], key + ".z")
    got = _memo.get(path)            # (by path: another cache folder gets its own file)
    if got is not None:
        return got
    raw = read_cache(path, _LIMIT)
    if (raw is not None and raw.startswith(_MAGIC) and len(raw) > len(_MAGIC) + 32
            and unseal("deflated", key, raw)):
        got = raw[len(_MAGIC):-32]
    else:
        got = zlib.compress(data)
        blob = sealed("deflated", key, _MAGIC + got)
        if blob is not None:
            write_cache(path, blob)
    _memo[path] = got
    return got
