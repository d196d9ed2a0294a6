"""The archive folder: the names of its files, the one way a path read from its own files is
let in (`confined`), and the small file helpers every part of the archive uses.

Confinement. Every path read from `.pending.json` or `catalogue.json` goes through
`confined()`: a relative '/'-separated path with no empty, '.' or '..' part, no absolute or
drive path, no backslash or NUL, no symbolic link on the way, resolving inside the archive
folder. The note's paths must moreover have the exact shapes a run writes (the issue's file,
its revision file, a `.typeset-*.tmp` in the same folder). So a crafted note or catalogue can
never make typeset read, delete, move or write anything outside the archive, nor delete a
catalogued file inside it.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import Callable

from typeset.errors import TypesetError
from typeset.fileread import FileTooLarge, NotRegularFile, read_limited
from typeset.issueinfo import Metadata
from typeset.model.numbers import number_key

CATALOGUE = "catalogue.json"
PENDING = ".pending.json"
LOCK = ".lock"
SOURCES_SUFFIX = ".sources"           # <issue file without .pdf>.sources/: its BagIt bag
_NAME_MAX = 255                       # bytes in one file name on common file systems


# ---------------------------------------------------------------------------------------------
# Small helpers

_HEX64 = re.compile(r"[0-9a-f]{64}")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


Where = Callable[[str], dict]      # a field ("journal", "number") -> {"file":…, "line":…}


def _nowhere(field: str) -> dict:
    return {}


def places_where(places: dict | None) -> Where:
    """A `Where` from {field: (file, line)} (batch.Result.places: picklable)."""
    def where(field: str) -> dict:
        file, line = (places or {}).get(field, (None, None))
        return {"file": file, "line": line} if file is not None else {}
    return where


def _safe_component(journal: str, where: Where = _nowhere) -> str:
    """The journal name as a directory and file name component: used exactly as written —
    never a path separator, control character or dot-name, short enough for a file name, and
    never a name that Unicode normalisation (NFC) or trimming would change: such a name and
    its normalised twin (a CJK compatibility ideograph such as U+F900 and the unified U+8C48)
    would share one folder, on a file system that normalises names or in the folder typeset
    would make, and the second journal would be refused as a folder "changed by hand"."""
    name = unicodedata.normalize("NFC", journal.strip())
    if (not name or name in (".", "..") or name.startswith(".")
            or re.search(r"[/\\\x00-\x1f\x7f:*?\"<>|]", name)):
        raise TypesetError(f"journal name {journal!r} cannot be used as an archive folder name",
                           hint="journal names must not contain / \\ : * ? \" < > | or control "
                                "characters, nor start with a dot", **where("journal"))
    if name != journal:
        changed = [c for c in journal if unicodedata.normalize("NFC", c) != c]
        if journal != journal.strip():
            what = "white space at its start or end"
        elif changed:
            what = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '')}".rstrip()
                             + f" (NFC: U+{ord(unicodedata.normalize('NFC', c)[0]):04X})"
                             for c in dict.fromkeys(changed))
        else:
            what = "characters that Unicode normalisation (NFC) composes"
        raise TypesetError(f"the journal name {journal!r} holds {what}: its archive folder "
                           f"would be named {name!r}, which another journal could share",
                           hint="write the journal name in its normalised form (NFC; for a "
                                "CJK compatibility ideograph, the unified ideograph) in "
                                "`journal:`", **where("journal"))
    # <journal>-<year>-<number>-r<n>.pdf must fit in one file name (255 bytes)
    longest = len(f"{name}-0000-{'9' * 10}-r9999.pdf".encode("utf-8"))
    if longest > _NAME_MAX:
        raise TypesetError(f"the journal name {journal!r} is too long for an archive file name "
                           f"({len(name.encode('utf-8'))} bytes in UTF-8)",
                           hint=f"file names hold at most {_NAME_MAX} bytes; shorten `journal:` "
                                f"in the manifest (or the layout) to at most "
                                f"{(_NAME_MAX - longest + len(name.encode('utf-8'))) // 3} "
                                "Chinese characters", **where("journal"))
    return name


def _check_name_length(rel: str, where: Where) -> None:
    """The longest name the archive makes for an issue — its revision's sources bag,
    `<stem>-r9999.sources` — must fit in one file name."""
    stem = rel.rsplit("/", 1)[-1][:-4]
    longest = len(f"{stem}-r9999{SOURCES_SUFFIX}".encode("utf-8"))
    if longest > _NAME_MAX:
        raise TypesetError(f"the archive file name {stem}.pdf is too long: its revisions' "
                           f"names reach {longest} bytes, and a file name holds at most "
                           f"{_NAME_MAX}", hint="the issue number (or the journal name) is "
                                               "too long; check `number:` in the manifest",
                           **where("number"))


def issue_path(meta: Metadata, where: Where = _nowhere) -> str:
    """DIR-relative path of an issue's current file: <journal>/<year>/<journal>-<year>-<number>.pdf.
    `where(field)` locates the manifest line of a field ("journal", "number") for messages."""
    j = _safe_component(meta.journal, where)
    rel = f"{j}/{meta.year}/{j}-{meta.year}-{meta.number}.pdf"
    _check_name_length(rel, where)
    return rel


def _revision_path(current: str, n: int) -> str:
    return f"{current[:-4]}-r{n}.pdf"


class Outside(ValueError):
    """A path read from the archive's own files that does not stay inside the archive."""


def confined(root: Path, rel: object) -> Path:
    """`rel`, a path read from the archive's files, as a path inside the archive folder `root`
    (resolved). Raises `Outside` for anything that could lead out: not a string, empty,
    absolute, a drive, a backslash, NUL, an empty/'.'/'..' part, a symbolic link on the way."""
    if not isinstance(rel, str) or not rel:
        raise Outside("not a relative path")
    if "\0" in rel or "\\" in rel or rel.startswith("/") or re.match(r"[A-Za-z]:", rel):
        raise Outside("an absolute path, or one holding \\ or NUL")
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise Outside("a path with an empty, '.' or '..' part")
    path = root
    for part in parts:
        path = path / part
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            break
        except OSError as err:
            raise Outside(f"cannot be checked ({err.strerror})") from None
        if stat.S_ISLNK(st.st_mode):
            raise Outside("passes through a symbolic link (the archive never makes links)")
    full = root.joinpath(*parts)
    try:
        full.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):
        raise Outside("resolves outside the archive folder") from None
    return full


def _read_limited(path: Path, limit: int, what: str) -> bytes:
    """The bytes of one of the archive's own files: a regular file (not a link) under `limit`."""
    try:
        return read_limited(path, limit, follow=False)
    except NotRegularFile as err:
        raise TypesetError(f"{what} is not a regular file ({err.kind})", file=path,
                           hint="the archive writes only regular files; remove or restore it") \
            from None
    except FileTooLarge as err:
        raise TypesetError(f"{what} is {err.size} bytes, more than typeset ever writes "
                           f"({limit} bytes)", file=path,
                           hint="restore it from a backup; typeset never writes it partially") \
            from None
    except OSError as err:
        raise TypesetError(f"cannot read {what}: {err.strerror}", file=path,
                           hint="check the archive folder's permissions") from None



def _issue_words(journal: str, year: int, number: int | str) -> str:
    if number_key(number)[0] == 1:           # a supplement: 2024年增刊
        return f"{journal} {year}年{number}"
    return f"{journal} {year}年第{number}期"

