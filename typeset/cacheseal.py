"""The cache key and the seals it makes: what proves a cache file was written by this user's
own builds (README, "A cache never changes what is printed").

Every cache file ends in a seal (`sealed`, `unseal`): an HMAC-SHA256 under the user's key,
bound to the cache's kind and the entry's name, where a bare SHA-256 was before; a file
planted, copied without its key or moved under another entry's name is a miss, rebuilt with
the same bytes. The key (`cache_key`) is 32 random bytes in `$TYPESET_CACHE/key`, made once
by racing processes that agree on it (`_put_key`). Moved here from `fsutil` (now `cachefiles`, which writes
and reads the files) so each module owns one concern.
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from typeset import cachefiles
from typeset.cachefiles import cache_dir
from typeset.fileread import open_regular
from typeset.fsutil import _write_fd, fsync_dir
from typeset.tempfiles import TEMP_PREFIX, TEMP_SUFFIX


_KEY_NAME = "key"            # $TYPESET_CACHE/key: this user's key for sealing (`cache_seal`)
_keys: dict[str, tuple[bytes, bool]] = {}     # cache folder -> (key, whether it is the file's)
SEAL_SIZE = 32               # bytes of a sealed cache file's trailer (`sealed`)
_KEY_WAIT = 2.0              # seconds to wait for a key another process is putting in place
_KEY_STALE = 5.0             # a key candidate unfinished for this long was left by a crash



def code_files(folder: Path) -> list[Path]:
    """The modules of one folder of typeset's code, in name order, as the caches' code
    digests hash them (a change of code is a change of key): regular files NAME.py whose NAME
    is a Python identifier, i.e. what `import` can load. An editor's lock file (Emacs's
    `.#article.py`, a link that leads nowhere), a backup or a copy (`article 2.py`) is not
    code, and never a reason for a build to fail. A module that cannot be read is the
    caller's to handle (no cache: the digest functions catch OSError)."""
    return [folder / name for name in sorted(os.listdir(folder))
            if name.endswith(".py") and name[:-3].isidentifier()
            and os.path.isfile(folder / name)]

def cache_seal(*parts: bytes) -> str:
    """An HMAC-SHA256 (hex) of `parts` with this user's cache key (see `cache_key`): what a
    cache entry holds that cannot be checked against its source without redoing the work it
    saves (the picture headers' profile and orientation, model/picture.py) is trusted only
    under a seal only the key's owner can make. Without a key of ours the process seals with
    a key of its own, which no later process trusts."""
    import hashlib
    import hmac
    mac = hmac.new(cache_key()[0], digestmod=hashlib.sha256)
    for part in parts:                    # each part length-prefixed: no two splits agree
        mac.update(len(part).to_bytes(8, "little"))
        mac.update(part)
    return mac.hexdigest()


def cache_key() -> tuple[bytes, bool]:
    """(this process's sealing key, whether it is the cache folder's key file).

    The key is 32 random bytes in `$TYPESET_CACHE/key`, made on first use, readable and
    writable by its owner only; it is used only if it is a regular file (not a link) owned
    by this user that no one else can read or write. A key file of ours that is broken (not
    32 bytes, open to others: its seals could be forged) is replaced, once, by one new key
    that every process racing to replace it agrees on (`_put_key`). Where `key` is not ours
    (someone else's in a shared folder, root's after a `sudo` build, a folder, a link, a
    FIFO) it is left alone and the user's key is `key-<uid>` beside it, under the same
    rules. Anything else (a folder where no key can be made, no cache folder,
    `caches_off`) gives this process a key of its own (False):
    what it seals is trusted by no later process, so the sealed caches are neither read nor
    written with it (`sealed`). Copying a cache with its key (a cache warmed once and
    shipped) carries the trust with it; without it, a copied cache is cold."""
    folder = os.fspath(cache_dir())
    got = _keys.get(folder)
    if got is None:
        got = _keys[folder] = (os.urandom(32), False) if cachefiles._off else _cache_key(Path(folder))
    return got


def seal_of(kind: str, name: str, *data) -> bytes | None:
    """The seal (HMAC-SHA256, 32 bytes) of a cache entry: its cache's `kind` (the folder:
    "pictures", "deflated", …), its `name` (the entry's key: a sealed entry copied under
    another key is refused) and its bytes (`data`, any number of parts, hashed as they
    are). None without a key of ours (`cache_key`)."""
    return seal_of_parts(kind, name, data)


def seal_of_parts(kind: str, name: str, parts) -> bytes | None:
    """`seal_of` of the parts an iterable gives, each hashed as it comes: a file read a
    piece at a time (text/parcache.py)."""
    key, ours = cache_key()
    if not ours:
        return None
    import hashlib
    import hmac
    k, n = kind.encode("ascii"), name.encode("utf-8", "surrogatepass")
    mac = hmac.new(key, b"".join((len(k).to_bytes(8, "little"), k, len(n).to_bytes(8,
                                  "little"), n)), hashlib.sha256)
    for part in parts:
        mac.update(part)
    return mac.digest()


def sealed(kind: str, name: str, data: bytes) -> bytes | None:
    """`data` with its seal (`seal_of`) appended: what a sealed cache file holds; None
    without a key of ours (nothing is written: no later process could trust it)."""
    seal = seal_of(kind, name, data)
    return None if seal is None else data + seal


def unseal(kind: str, name: str, blob: bytes) -> bool:
    """Does `blob` end in the seal of the rest (`sealed`) under this user's key? (False
    without a key of ours.) The whole file is hashed once, as a checksum was before."""
    if len(blob) < SEAL_SIZE:
        return False
    seal = seal_of(kind, name, memoryview(blob)[:-SEAL_SIZE])
    import hmac
    return seal is not None and hmac.compare_digest(seal, blob[-SEAL_SIZE:])


def _cache_key(folder: Path) -> tuple[bytes, bool]:
    """The folder's key file `key`, or where that is not ours (another user's in a shared
    folder; root's, left by a build run with sudo) `key-<uid>`: (key, True); else a key of
    this process's own (key, False)."""
    names = [_KEY_NAME] + ([f"{_KEY_NAME}-{os.getuid()}"] if hasattr(os, "getuid") else [])
    for name in names:
        path = folder / name
        for _ in range(8):
            state, got = _read_key(path)
            if state == "good":
                return got, True
            if state == "foreign":
                break                             # not ours: the next name
            if not _put_key(folder, path, got):
                return os.urandom(32), False
    return os.urandom(32), False


def _read_key(path: Path) -> tuple[str, object]:
    """What the key file at `path` is: ("good", its 32 bytes); ("missing", None);
    ("broken", its identity) for a regular file of ours that is not a usable key (a wrong
    size, open to others, unreadable to us); ("foreign", None) for anything not ours to use
    or replace (someone else's file, a folder, a link, a FIFO, a device)."""
    try:
        fd, st = open_regular(path, follow=False)
    except FileNotFoundError:
        return "missing", None
    except PermissionError:
        try:
            st = os.lstat(path)
        except OSError:
            return "foreign", None
        data = None
    except (OSError, ValueError):
        return "foreign", None
    else:
        try:
            data = os.read(fd, 64)
        except OSError:
            data = None
        finally:
            os.close(fd)
    if not stat.S_ISREG(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
        return "foreign", None
    if data is not None and len(data) == 32 and not st.st_mode & 0o077:
        return "good", data
    return "broken", _identity(st)


def _identity(st: os.stat_result | None) -> tuple | None:
    if st is None:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mode, st.st_mtime_ns, st.st_ctime_ns)


def _put_key(folder: Path, path: Path, seen: tuple | None) -> bool:
    """Put a new key in place of the key file as it was seen (`seen`: None, missing; else
    the identity of a broken key of ours); False if no key can be made here.

    Every process that saw the same state uses the same candidate name, made exclusively
    (a hard link of a finished temporary file; where the file system has no hard links, an
    O_EXCL create written in place), so only one candidate exists for that state: whoever
    made it renames it over the key; the others wait until it is gone. Only a candidate's
    maker moves it: had a waiter renamed the candidate it found, it could have moved one made
    afresh by a late process after the first was already in place, replacing a key some
    processes had read. A process that made a fresh candidate after that state was already
    replaced sees the key changed and removes it, so a usable key is never replaced. Each
    process then reads the key again and uses what the file holds: all agree on one key. (A
    candidate of someone else's is not used; one left by a crash is removed once stale.)"""
    import hashlib
    import time
    tag = "none" if seen is None else hashlib.sha256(repr(seen).encode()).hexdigest()[:16]
    cand = folder / f"{TEMP_PREFIX}{path.name}-{tag}{TEMP_SUFFIX}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError):
        return False
    made = _new_candidate(folder, cand)
    if made is None:
        return False
    if not made:                             # another process's: only its maker moves it
        until = time.monotonic() + _KEY_WAIT
        while True:
            if _read_key(cand)[0] == "foreign":
                return False
            st = _lstat_quiet(cand)
            if st is None:                   # put in place (or not needed): read the key
                return True
            if time.time() - st.st_mtime > _KEY_STALE:
                with contextlib.suppress(OSError):    # left by a crash
                    os.unlink(cand)
                return True
            if time.monotonic() > until:
                return False
            time.sleep(0.005)
    if _identity(_lstat_quiet(path)) != seen:
        with contextlib.suppress(OSError):   # the key changed meanwhile: not needed
            os.unlink(cand)
        return True
    try:
        os.replace(cand, path)
    except FileNotFoundError:
        pass                                 # another process put it in place first
    except (OSError, ValueError):
        return False
    fsync_dir(folder)
    return True


def _new_candidate(folder: Path, cand: Path) -> bool | None:
    """Make the key candidate `cand`, whole and flushed, only if it does not exist: True
    made, False it exists, None it cannot be made."""
    data = os.urandom(32)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
        with os.fdopen(fd, "wb") as f:       # (mkstemp gives mode 0600)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, cand)
            return True
        except FileExistsError:
            return False
        except OSError:                      # no hard links here (FAT, some FUSE, SMB)
            pass
        flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            fd = os.open(cand, flags, 0o600)
        except FileExistsError:
            return False
        try:
            _write_fd(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        return True
    except (OSError, ValueError):
        return None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _lstat_quiet(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (OSError, ValueError):
        return None
