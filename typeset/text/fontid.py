"""A font file's identity, the SHA-256 of its bytes.

The face cache (`faces/<key>.face`, text/facecache.py) is keyed by the font file's content (its
SHA-256, the face's `identity`, which the subset and paragraph caches use too), so two machines
sharing a cache agree whatever the fonts' paths and dates. Hashing the ~43 MB of the sample's three
fonts costs ~30 ms of CPU (on a thread, beside the parsing of the articles), once per
process: the hash is memoised in memory by path, size, modification time and inode, never
on disk. A memo on disk keyed by what `stat` says would save those 30 ms of a warm build but
is not as safe as the content: a font rewritten in place with its size and date kept (cp -p,
rsync --inplace -t, packages with normalised dates) keeps its key unless the change time is
in it too, and even then a network file system's cached attributes or a synthesised inode or
change time would give the old digest for new bytes; the digest is also what the archive
records as the font's SHA-256 (provenance.py), which must never be a remembered one.
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
import threading
from typing import Iterable

_hash_memo: dict[tuple, str] = {}     # (real path, size, mtime_ns, inode, device) -> SHA-256


def file_identity(path: str) -> str:
    """The identity of a font file for cache keys: the SHA-256 of its bytes (memoised in this
    process by path, size, modification time and inode)."""
    real = os.path.realpath(path)
    st = os.stat(real)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", path)
    memo = (real, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)
    digest = _hash_memo.get(memo)
    if digest is None:
        with _hash_lock:
            busy = _hashing.get(memo)
            mine = busy is None
            if mine:
                busy = _hashing[memo] = threading.Event()
        if not mine:                  # `prefetch_identities` is hashing it: wait for that
            busy.wait()
            digest = _hash_memo.get(memo)
            if digest is not None:
                return digest
        try:
            with open(real, "rb", buffering=0) as f:   # (read into one reused buffer: a
                h = hashlib.file_digest(f, "sha256")     # third less CPU than read() chunks;
            digest = _hash_memo[memo] = h.hexdigest()    # other threads run meanwhile)
        finally:
            if mine:
                with _hash_lock:
                    del _hashing[memo]
                busy.set()
    return digest


_hash_lock = threading.Lock()
_hashing: dict[tuple, threading.Event] = {}     # files being hashed by some thread


def prefetch_identities(paths: Iterable[str]) -> None:
    """Hash these font files on another thread (SHA-256 runs outside the interpreter lock,
    so on a second core): a build names its fonts before it parses its articles, and the
    faces it makes afterwards find their identities memoised. Only ever a head start: an
    error here is ignored (the real read reports it)."""
    paths = list(paths)

    def work() -> None:
        for p in paths:
            try:
                file_identity(p)
            except (OSError, ValueError):
                pass
    if paths:
        threading.Thread(target=work, name="typeset-font-hash", daemon=True).start()
