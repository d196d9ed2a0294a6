"""A font file's identity, the SHA-256 of its bytes.

The face cache (`faces/<key>.face`, text/facecache.py) is keyed by the font file's content (its
SHA-256, the face's `identity`, which the subset and paragraph caches use too), so two machines
sharing a cache agree whatever the fonts' paths and dates. Hashing the ~43 MB of the sample's three
fonts costs ~30 ms of CPU (on a thread, beside the parsing of the articles), once per
process: the hash is memoised in memory (never on disk) by the file's `stamp`: its real path,
size, modification AND change times, inode and device, and a digest of its first and last
64 KiB — the table directory, where an OpenType file holds every table's checksum (OpenType
"Table Directory"; a font tool that changes a table writes its new checksum there), and the
end of the file. A font rewritten in place with its size and date kept (cp -p, rsync
--inplace -t, packages with normalised dates) cannot keep its stamp: the kernel sets the
change time on every write and on every `utime`, and no program can set it back; its table
checksums change too. Stamping costs a stat and two reads of 64 KiB (~0.05 ms) where
hashing the sample's fonts costs ~30 ms: a warm process (typeset.session) stamps its fonts
on every rebuild and hashes only a font whose stamp changed. The risk accepted: a font changed
twice within one tick of the file system's clock (a few ms on Linux, whose file times are
coarse) with the same size, with both changes outside the first and last 64 KiB and the table
checksums left as they were (not a font tool's doing: a raw byte patch) — or on a file system
with no change time (FAT, exFAT) or cached attributes (a network file system), a patch of that
kind that also keeps the size and modification time. A memo on disk keyed by the stamp would
save the 30 ms of a one-shot build too, but must be as safe as the content across machines,
copies and time, which a stamp is not; and the digest is what the archive records as the
font's SHA-256 (provenance.py), which must never be a remembered one.
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
import threading
from typing import Iterable

_hash_memo: dict[tuple, str] = {}     # the file's stamp (see `stamp`) -> SHA-256
_WINDOW = 64 << 10                    # the bytes read at each end of the file for its stamp


def stamp(path: str) -> tuple:
    """What the memo of a font file's hash is keyed by (module doc): real path, size,
    modification and change times, inode, device and a digest of the first and last 64 KiB.
    OSError when the file cannot be read."""
    real = os.path.realpath(path)
    if not stat.S_ISREG(os.stat(real).st_mode):      # (never open a pipe or a device)
        raise OSError(errno.EINVAL, "not a regular file", path)
    with open(real, "rb", buffering=0) as f:
        st = os.fstat(f.fileno())
        h = hashlib.sha256(f.read(_WINDOW))
        if st.st_size > _WINDOW:
            h.update(os.pread(f.fileno(), _WINDOW, max(_WINDOW, st.st_size - _WINDOW)))
    return (real, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev,
            h.digest())


def file_identity(path: str) -> str:
    """The identity of a font file for cache keys: the SHA-256 of its bytes (memoised in this
    process by the file's `stamp`)."""
    return identity_and_stamp(path)[0]


def identity_and_stamp(path: str) -> tuple[str, tuple]:
    """(`file_identity`, the stamp taken before the bytes were hashed): a warm process keeps
    the stamp to see at its next rebuild whether the file changed since it was read."""
    memo = stamp(path)
    real = memo[0]
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
                return digest, memo
        try:
            with open(real, "rb", buffering=0) as f:   # (read into one reused buffer: a
                h = hashlib.file_digest(f, "sha256")     # third less CPU than read() chunks;
            digest = _hash_memo[memo] = h.hexdigest()    # other threads run meanwhile)
        finally:
            if mine:
                with _hash_lock:
                    del _hashing[memo]
                busy.set()
    return digest, memo


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
