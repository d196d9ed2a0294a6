"""A font file's identity, the SHA-256 of its bytes.

The face cache (`faces/<key>.face`, text/facecache.py) is keyed by the font file's content (its
SHA-256, the face's `identity`, which the subset and paragraph caches use too), so two machines
sharing a cache agree whatever the fonts' paths and dates. Hashing the ~43 MB of the sample's
three fonts costs ~30 ms of CPU. So the hash is remembered by the file's `stamp`: its real
path, size, modification AND change times (ns), inode and device, and a digest of its first
and last 64 KiB — the table directory, where an OpenType file holds every table's checksum
(OpenType "Table Directory"; a font tool that changes a table writes its new checksum there),
and the end of the file. Stamping costs a stat and two reads of 64 KiB (~0.05 ms). It is
remembered in memory for the process (a warm process, typeset.session, stamps its fonts on
every rebuild and hashes only a font whose stamp changed) and, since wave 8, on disk in the
sealed cache (`fontids/<name>.id`, `_recall` and `_remember`: the stamp, the SHA-256 and the
user's seal), so a one-shot build of unchanged fonts hashes nothing either.

Why a stamp may stand for the content. make, ninja and cargo rebuild by a file's modification
time alone, which any program can set back (`touch -d`, `cp -p`, `rsync -t`, archives and
packages with normalised dates). The stamp adds what no program can set: the change time,
which the kernel sets to the current time on every write, truncate and `utime` of the file
and which no system call sets to a chosen value (only a clock set back by root, or a file
system edited off-line); a file replaced by another (an editor's save, a package upgrade:
rename over it) has another inode, or the same one reused with a new change time. So a font
rewritten in place with its size and date kept cannot keep its stamp, and its table checksums
change too. The risk accepted: a font changed twice within one tick of the file system's
clock (a few ms on Linux where file times are coarse; ns with multigrain times) with the same
size, with both changes outside the first and last 64 KiB and the table checksums left as they
were (not a font tool's doing: a raw byte patch) — or on a file system whose change time a user
can set (FAT and exFAT have none: Linux reports the modification time; a network file system
with cached attributes), a patch of that kind that also keeps the size and modification time
and restores it. A path is part of the stamp, so a cache shared by machines or checkouts
remembers each one's fonts apart and never tells one what another's file holds; an entry on
disk is used only under the user's seal (cacheseal.sealed: a planted or moved entry is a
miss, the font hashed), and its stamp must be the file's stamp now, taken before its answer
is used. A record read from the face cache is still checked against the font file itself
(text/facecheck.py), which catches a wrong identity for another font. The hash is written to
disk only when the file's stamp after hashing is the stamp before (a file being written while
it was hashed is not remembered).

What is never a remembered hash: the SHA-256 the archive records for a font (provenance.py
`_font_sha256`, `file_identity(..., remembered=False)`), which hashes the bytes once in the
process that records it.
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
import threading
from typing import Iterable

_hash_memo: dict[tuple, str] = {}     # the file's stamp (see `stamp`) -> SHA-256, hashed here
_recalled: dict[tuple, str] = {}      # the same, read from the cache on disk (`_recall`)
_WINDOW = 64 << 10                    # the bytes read at each end of the file for its stamp


def stamp(path: str) -> tuple:
    """What the memo of a font file's hash is keyed by (module doc): real path, size,
    modification and change times, inode, device and a digest of the first and last 64 KiB.
    OSError when the file cannot be read."""
    real = os.path.realpath(path)
    if not stat.S_ISREG(os.stat(real).st_mode):      # (never open a pipe or a device)
        raise OSError(errno.EINVAL, "not a regular file", path)
    # opened without blocking and checked again: a FIFO put there since the stat above
    # would block open() for ever (adversarial round 9)
    fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
                 | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb", buffering=0) as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        h = hashlib.sha256(f.read(_WINDOW))
        if st.st_size > _WINDOW:
            h.update(os.pread(f.fileno(), _WINDOW, max(_WINDOW, st.st_size - _WINDOW)))
    return (real, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev,
            h.digest())


def still_the_same(file: str, was: tuple, shown: str) -> None:
    """A TypesetError naming the font (`shown`) unless the file at `file` is still the one
    whose `stamp` was `was`: another font put in its place while a build uses it (a package
    upgraded, a synced folder) is never read, subset or cached as this one (adversarial
    round 9: its outlines were printed at the first font's glyph ids)."""
    from typeset.errors import TypesetError
    try:
        same = stamp(file) == was
    except OSError:
        same = False
    if not same:
        raise TypesetError("the font file changed while typeset was using it; nothing was "
                           "written", file=shown,
                           hint="build again once the font file is in place (it was replaced "
                                "or written during the build)")


def file_identity(path: str, *, remembered: bool = True) -> str:
    """The identity of a font file for cache keys: the SHA-256 of its bytes (memoised by the
    file's `stamp`; module doc). `remembered=False`: never a hash read from the disk cache,
    the bytes hashed by this process (what a provenance record states)."""
    return identity_and_stamp(path, remembered=remembered)[0]


def identity_and_stamp(path: str, *, remembered: bool = True) -> tuple[str, tuple]:
    """(`file_identity`, the stamp taken before the bytes were hashed): a warm process keeps
    the stamp to see at its next rebuild whether the file changed since it was read.
    `remembered`: a hash the cache on disk holds for this stamp will do (`_recall`)."""
    memo = stamp(path)
    real = memo[0]
    digest = _hash_memo.get(memo)
    if digest is not None and remembered:
        _place(memo, digest)
    if digest is None and remembered:
        digest = _recalled.get(memo)
        if digest is not None:        # (read from another cache folder: this one gets it too)
            _place(memo, digest)
        else:
            digest = _recall(memo)
            if digest is not None:
                _recalled[memo] = digest
                _placed.add((_folder(), memo))
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
        _remember(memo, digest)
        _placed.add((_folder(), memo))
    return digest, memo


def _folder() -> str:
    from typeset.cachefiles import cache_dir
    return os.fspath(cache_dir())


def _place(memo: tuple, digest: str) -> None:
    """A hash this process made, remembered in the cache folder now in use if it is not
    there yet (a process that builds with several cache folders, a batch worker or the
    tests, leaves each its entries): looked at once per folder and stamp."""
    key = (_folder(), memo)
    if key not in _placed:
        _placed.add(key)
        if _recall(memo) is None:
            _remember(memo, digest)


_placed: set[tuple[str, tuple]] = set()     # (cache folder, stamp) pairs seen to (`_place`)


_MAGIC = b"typeset-fontid/1\n"    # the format of a remembered hash (`_remember`)
_ENTRY_LIMIT = 16 << 10           # bytes: a larger file in fontids/ is not one of ours


def _entry(memo: tuple) -> tuple[str, bytes]:
    """(the file name of a stamp's entry in `fontids/`, the stamp as the entry states it):
    the entry's name is the SHA-256 of that statement, so each stamp has its own entry."""
    import json
    real, size, mtime, ctime, ino, dev, ends = memo
    said = json.dumps([os.fsencode(real).decode("utf-8", "surrogateescape"), size, mtime,
                       ctime, ino, dev, ends.hex()], ensure_ascii=True).encode("ascii")
    return hashlib.sha256(said).hexdigest(), said


def _recall(memo: tuple) -> str | None:
    """The SHA-256 the cache on disk remembers for the stamp `memo` (module doc), or None:
    no entry, not sealed by this user's key (planted, broken, moved), or not this stamp's."""
    from typeset.cacheseal import SEAL_SIZE, unseal
    from typeset.cachefiles import cache_dir, read_cache
    try:
        name, said = _entry(memo)
    except (TypeError, ValueError):
        return None
    blob = read_cache(cache_dir() / "fontids" / f"{name}.id", _ENTRY_LIMIT)
    if blob is None or not unseal("fontids", name, blob):
        return None
    body = blob[:-SEAL_SIZE]
    head = _MAGIC + said + b"\n"
    digest = body[len(head):]
    if not body.startswith(head) or len(digest) != 64 \
            or digest.strip(b"0123456789abcdef") != b"":
        return None
    return digest.decode("ascii")


def _remember(memo: tuple, digest: str) -> None:
    """Write the hash of a font file just hashed to the cache on disk, sealed, if the file's
    stamp is still `memo` (a file written while it was hashed is not remembered). Nothing on
    any failure, or without a key of ours (cacheseal.sealed)."""
    from typeset.cacheseal import sealed
    from typeset.cachefiles import cache_dir, write_cache
    try:
        if stamp(memo[0]) != memo:
            return
        name, said = _entry(memo)
    except (OSError, TypeError, ValueError):
        return
    data = sealed("fontids", name, _MAGIC + said + b"\n" + digest.encode("ascii"))
    if data is not None:
        write_cache(cache_dir() / "fontids" / f"{name}.id", data)


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
