"""BagIt bags (RFC 8493), unzipped: how the archive keeps an issue's sources beside its PDF.

A bag is a folder:

    bagit.txt                 "BagIt-Version: 1.0" and "Tag-File-Character-Encoding: UTF-8"
    bag-info.txt              Label: value lines (RFC 8493 §2.2.2): who made the bag, the
                              date (the issue's date from its manifest — never the clock),
                              Payload-Oxum (bytes.files), and typeset's own Typeset-* lines
    manifest-sha256.txt       "<sha256>  data/<path>" for every payload file (§2.1.3)
    tagmanifest-sha256.txt    the same for the tag files above and typeset-provenance.json
    typeset-provenance.json   the catalogue's provenance record of the stored file
    data/…                    the payload: the issue's files as plain files

Written here (not with the `bagit` package, which dates its bags from the clock and rewrites
the folder it is given in place) and checked here; the tests also check typeset's bags with
`bagit` itself. Every file is written read-only and flushed to disk; a payload file whose bytes
are already in another bag of the same archive is a hard link to it (a font stored once
however many issues use it), else a copy. A source whose bytes are not those that were built
(its SHA-256 differs) is refused.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable, Iterable

from typeset.errors import TypesetError
from typeset.fileread import is_regular

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
PROVENANCE = "typeset-provenance.json"
TAG_FILES = ("bagit.txt", "bag-info.txt", MANIFEST, PROVENANCE)
_LIMIT = 16 << 20            # a tag file larger than this is not one typeset wrote


def encode_path(name: str) -> str:
    """A payload path as a manifest line writes it (RFC 8493 §2.1.3: %, CR, LF encoded)."""
    return name.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def _write_file(path: Path, chunks: Iterable[bytes]) -> str:
    """Create `path` (never through a link) from `chunks`, read-only and flushed; its SHA-256."""
    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_BINARY", 0))
    fd = os.open(path, flags, 0o444)
    h = hashlib.sha256()
    try:
        for chunk in chunks:
            h.update(chunk)
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    return h.hexdigest()


def _read(path: Path) -> Iterable[bytes]:
    with open(path, "rb") as f:
        yield from iter(lambda: f.read(1 << 20), b"")


def write_bag(folder: Path, payload: list[tuple[str, str, str]], info: list[tuple[str, str]],
              provenance: bytes, *, linked: Callable[[str], Path | None] = lambda sha: None,
              midway: Callable[[], None] | None = None) -> str:
    """Write a bag into the new folder `folder` (created here; must not exist). `payload`:
    (name under data/, source path, expected SHA-256). `info`: bag-info.txt lines.
    `linked(sha)`: an existing file with those bytes to hard-link instead of copying.
    Returns the SHA-256 of the tag manifest, which identifies the bag. A source whose bytes
    differ from the expected hash is a TypesetError (the folder is left for the caller to
    remove)."""
    os.mkdir(folder, 0o755)
    lines, total = [], 0
    for i, (name, src, sha) in enumerate(sorted(payload)):
        target = folder / "data" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if midway is not None and i == len(payload) // 2:
            midway()
        done = False
        same = linked(sha)
        if same is not None:
            try:
                os.link(same, target)
                done = _file_sha256(target) == sha
                if not done:
                    target.unlink()
            except OSError:
                done = False
        if not done:
            try:
                got = _write_file(target, _read(Path(src)))
            except OSError as err:
                raise TypesetError(f"cannot store the source file: {err.strerror}",
                                   file=src) from None
            if got != sha:
                raise TypesetError("this source file changed after the issue was built: its "
                                   "bytes are not those that went into the PDF", file=src,
                                   hint="build and store the issue again")
        total += os.stat(target).st_size
        lines.append(f"{sha}  data/{encode_path(name)}\n")
    info = list(info) + [("Payload-Oxum", f"{total}.{len(payload)}")]
    _write_file(folder / "bagit.txt", [BAGIT_TXT])
    _write_file(folder / "bag-info.txt",
                ["".join(f"{k}: {v}\n" for k, v in info).encode("utf-8")])
    _write_file(folder / MANIFEST, ["".join(lines).encode("utf-8")])
    _write_file(folder / PROVENANCE, [provenance])
    tags = "".join(f"{_file_sha256(folder / t)}  {t}\n" for t in TAG_FILES).encode("utf-8")
    _write_file(folder / TAGMANIFEST, [tags])
    for d in sorted({p.parent for p in (folder / "data").rglob("*")} | {folder / "data"},
                    key=lambda p: -len(p.parts)):
        _fsync_dir(d)
    _fsync_dir(folder)
    return hashlib.sha256(tags).hexdigest()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    for chunk in _read(path):
        h.update(chunk)
    return h.hexdigest()


def _tag_text(path: Path) -> str:
    if not is_regular(path) or os.lstat(path).st_size > _LIMIT:
        raise ValueError("missing, not a regular file, or too large")
    return path.read_bytes().decode("utf-8")


def tag_sha256(folder: Path) -> str | None:
    """The SHA-256 of a bag's tag manifest (its identity), or None if it cannot be read."""
    try:
        path = folder / TAGMANIFEST
        if not is_regular(path) or os.lstat(path).st_size > _LIMIT:
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _manifest(folder: Path, name: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for n, line in enumerate(_tag_text(folder / name).splitlines(), 1):
        sha, sep, rel = line.partition("  ")
        if not sep or len(sha) != 64 or not rel:
            raise ValueError(f"{name} line {n} is not '<sha256>  <path>'")
        out[decode_path(rel)] = sha.lower()
    return out


def payload(folder: Path) -> dict[str, str]:
    """data/-relative name -> SHA-256, as the bag's manifest lists them (ValueError if it
    cannot be read)."""
    return {rel[len("data/"):]: sha for rel, sha in _manifest(folder, MANIFEST).items()
            if rel.startswith("data/")}


def verify_bag(folder: Path, *, expected: dict[str, str] | None = None) -> list[str]:
    """What is wrong with a bag, in words (empty: it is complete and every file has its
    listed SHA-256): bagit.txt, both manifests, every payload file listed and present, no
    file unlisted, Payload-Oxum; `expected` (name -> SHA-256, e.g. the provenance's inputs)
    must be in the payload with those hashes. Follows no symbolic link."""
    if not folder.is_dir() or folder.is_symlink():
        return ["the sources bag is missing (not a folder)"]
    problems: list[str] = []
    try:
        if (folder / "bagit.txt").read_bytes().splitlines()[0] != BAGIT_TXT.splitlines()[0]:
            problems.append("bagit.txt does not declare BagIt-Version 1.0")
    except (OSError, IndexError):
        problems.append("bagit.txt is missing")
    try:
        listed = _manifest(folder, MANIFEST)
        tags = _manifest(folder, TAGMANIFEST)
    except (OSError, ValueError, UnicodeDecodeError) as err:
        return problems + [f"a manifest cannot be read: {err}"]
    for rel, sha in sorted({**tags, **listed}.items()):
        path = folder.joinpath(*rel.split("/"))
        parts = rel.split("/")
        if any(p in ("", ".", "..") for p in parts) or "\\" in rel:
            problems.append(f"{rel}: a path that leads out of the bag")
            continue
        if not is_regular(path) or any((folder.joinpath(*parts[:k])).is_symlink()
                                     for k in range(1, len(parts))):
            problems.append(f"{rel}: listed in the bag's manifest but missing")
            continue
        got = _file_sha256(path)
        if got != sha:
            problems.append(f"{rel}: SHA-256 {got}, the bag's manifest says {sha}")
    data = folder / "data"
    found = set()
    for dirpath, dirnames, filenames in os.walk(data, followlinks=False):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            found.add(Path(dirpath, name).relative_to(folder).as_posix())
    for rel in sorted(found - set(listed)):
        problems.append(f"{rel}: in the bag but not in its manifest")
    try:
        info = dict(line.split(": ", 1) for line in _tag_text(folder / "bag-info.txt")
                    .splitlines() if ": " in line)
        oxum = info.get("Payload-Oxum", "")
        size = sum(os.lstat(folder.joinpath(*r.split("/"))).st_size for r in listed
                   if is_regular(folder.joinpath(*r.split("/"))))
        if oxum != f"{size}.{len(listed)}":
            problems.append(f"bag-info.txt: Payload-Oxum {oxum}, the payload is "
                            f"{size}.{len(listed)}")
    except (OSError, ValueError, UnicodeDecodeError):
        problems.append("bag-info.txt cannot be read")
    if expected:
        have = {rel[len("data/"):]: sha for rel, sha in listed.items()}
        for name, sha in sorted(expected.items()):
            if have.get(name) != sha:
                problems.append(f"data/{name}: the catalogue's provenance lists it with "
                                f"SHA-256 {sha}, the bag " +
                                ("does not hold it" if name not in have else
                                 f"with {have[name]}"))
    return problems
