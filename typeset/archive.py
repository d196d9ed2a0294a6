"""The archive: finished PDF/A issues stored write-once, with a checksummed catalogue.

Layout of an archive directory DIR:

    DIR/catalogue.json                          every issue: file, SHA-256, size, metadata,
                                                earlier revisions
    DIR/<journal>/<year>/<journal>-<year>-<number>.pdf        the current file (read-only)
    DIR/<journal>/<year>/<journal>-<year>-<number>-r1.pdf     an earlier revision, r2, …
    DIR/.pending.json                           only while a run is under way (see below)
    DIR/.lock                                   serialises concurrent runs (filelock)
    .typeset-*.tmp                              temporary files, only while a run is under way

Storing an issue twice is refused; `revise=True` keeps the stored file as the next numbered
revision and stores the new one under the issue's name.

Concurrency. One run at a time writes to an archive: a run takes the lock (`filelock`, which
works on Linux, macOS and Windows) and, if another run holds it, says once that it is waiting
and waits up to `lock_timeout` seconds (default `DEFAULT_LOCK_TIMEOUT`, or
$TYPESET_LOCK_TIMEOUT), then gives up with a message. So parallel runs into one folder queue
and all succeed.

Crash safety. A run first records what it is about to do in `.pending.json`, then writes the
new bytes to a temporary file, then moves files, then replaces the catalogue (temporary file +
fsync + os.replace: the catalogue is the commit point), then removes `.pending.json`. If the run
stops anywhere before the catalogue is replaced — an exception, Ctrl-C, a killed process — the
steps are undone (at once for an exception or Ctrl-C, by the next run for a killed process),
and every temporary file of the dead run is removed, so the archive is left exactly as it was
and `--verify` passes. After the catalogue is replaced the issue is stored; only the note and
temporary files are left to remove. Recovery is idempotent: if it fails (an OSError), it says
so and keeps the note, and the next run tries again.

Confinement. Every path read from `.pending.json` or `catalogue.json` goes through
`confined()`: a relative '/'-separated path with no empty, '.' or '..' part, no absolute or
drive path, no backslash or NUL, no symbolic link on the way, resolving inside the archive
folder. The note's paths must moreover have the exact shapes a run writes (the issue's file,
its revision file, a `.typeset-*.tmp` in the same folder). So a crafted note or catalogue can
never make typeset read, delete, move or write anything outside the archive, nor delete a
catalogued file inside it.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import re
import signal
import stat
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator, Literal

from typeset.errors import TypesetError
from typeset.fsutil import (TEMP_PREFIX, TEMP_SUFFIX, FileTooLarge, NotRegularFile, fsync_dir,
                            open_regular, os_error, read_limited, write_new, write_output)
from typeset.issueinfo import Metadata
from typeset.model.numbers import number_key, number_value

CATALOGUE = "catalogue.json"
PENDING = ".pending.json"
LOCK = ".lock"
FORMAT = "typeset-archive/2"          # /2: entries may carry provenance and a sources bag
FORMATS = ("typeset-archive/1", FORMAT)   # read; a /1 catalogue is rewritten as /2
SOURCES_SUFFIX = ".sources"           # <issue file without .pdf>.sources/: its BagIt bag

DEFAULT_LOCK_TIMEOUT = 600.0          # seconds a run waits for another to finish with the archive
LOCK_TIMEOUT_ENV = "TYPESET_LOCK_TIMEOUT"
CATALOGUE_LIMIT = 64 << 20            # bytes; ~100,000 issues. A larger file is refused unread.
_NOTE_LIMIT = 64 << 10
_NAME_MAX = 255                       # bytes in one file name on common file systems

# Test hook: TYPESET_TEST_ARCHIVE_KILL="STEP" (or "STEP:INT") makes a run send itself SIGKILL
# (or SIGINT) when it reaches STEP; see STEPS. Only the interruption tests set it.
KILL_ENV = "TYPESET_TEST_ARCHIVE_KILL"
STEPS = ("lock", "recovered", "bag-partial", "bag-tmp", "note-temp", "note", "tmp-partial",
         "tmp", "copy-temp", "link", "bag-keep", "replace", "bag",
         "catalogue-temp", "catalogue", "done",
         # inside the recovery of an earlier run:
         "undo-file", "undo-clean")


@dataclass(frozen=True)
class Revision:
    """An earlier file of an issue, kept when the issue was revised (with the provenance and
    sources bag it was stored with, if any)."""
    revision: int
    file: str            # relative to the archive directory, '/'-separated
    sha256: str
    size: int
    provenance: dict | None = None
    sources: str | None = None       # its sources bag (a folder), DIR-relative


@dataclass(frozen=True)
class ArchiveEntry:
    journal: str
    year: int
    number: int | str     # 2; a combined issue or a supplement as written ("5-6", "增刊")
    title: str
    date: str | None
    language: str
    file: str            # relative to the archive directory, '/'-separated
    sha256: str
    size: int
    revisions: tuple[Revision, ...] = ()
    provenance: dict | None = None   # what produced the file (typeset.provenance; README)
    sources: str | None = None       # its sources bag (a folder), DIR-relative

    @property
    def key(self) -> tuple[str, int, int | str]:
        return (self.journal, self.year, self.number)

    def files(self) -> list[tuple[str, str, int]]:
        """(file, sha256, size) of the current file and every revision."""
        return [(self.file, self.sha256, self.size)] + [(r.file, r.sha256, r.size)
                                                         for r in self.revisions]

    def stored(self) -> list["ArchiveEntry | Revision"]:
        """The current file's record and every revision's."""
        return [self, *self.revisions]


@dataclass(frozen=True)
class Problem:
    kind: Literal["changed", "missing", "unlisted", "catalogue", "pending", "outside",
                  "metadata", "sources"]
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.detail}"


class ArchiveInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) during a run; `message` says what state the archive is in."""

    def __init__(self, message: str, *, stored: bool):
        super().__init__(message)
        self.message = message
        self.stored = stored


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


def _step(name: str, fail_after: str | None = None) -> None:
    """Between two steps of a run: the test hooks (see KILL_ENV and `_fail_after`)."""
    if fail_after == name:
        raise RuntimeError(f"simulated failure after step {name!r}")
    want = os.environ.get(KILL_ENV)
    if want:
        step, _, sig = want.partition(":")
        if step == name:
            os.kill(os.getpid(), signal.SIGINT if sig == "INT"
                    else getattr(signal, "SIGKILL", signal.SIGTERM))


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


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


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


# ---------------------------------------------------------------------------------------------
# The catalogue

def _stored_json(r: "ArchiveEntry | Revision") -> dict:
    d = {k: v for k, v in asdict(r).items() if k not in ("provenance", "sources", "revisions")}
    if r.provenance is not None:            # written only when there is one: an entry of a
        d["provenance"] = r.provenance      # /1 catalogue keeps its shape
    if r.sources is not None:
        d["sources"] = r.sources
    return d


def _entry_to_json(e: ArchiveEntry) -> dict:
    d = _stored_json(e)
    d["revisions"] = [_stored_json(r) for r in e.revisions]
    return d


class _Shape(ValueError):
    pass


def _field(d: dict, key: str, kind: str, where: str):
    if key not in d:
        raise _Shape(f"{where}: no '{key}'")
    v = d[key]
    ok = {"str": isinstance(v, str),
          "text": isinstance(v, str) and v.strip() != "",
          "int": isinstance(v, int) and not isinstance(v, bool),
          "number": (isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 999)
                    or (isinstance(v, str) and _is_issue_number(v)),
          "sha": isinstance(v, str) and _HEX64.fullmatch(v) is not None,
          "date": v is None or (isinstance(v, str) and _real_date(v)),
          "list": isinstance(v, list),
          "dict": isinstance(v, dict),
          "str?": v is None or isinstance(v, str),
          "rel": isinstance(v, str) and _relative_shape(v)}[kind]
    if not ok:
        want = {"str": "a string", "text": "a non-empty string", "int": "an integer",
                "number": "an issue number (an integer, or a string such as \"5-6\")",
                "sha": "64 lowercase hex digits (a SHA-256)", "date": "null or YYYY-MM-DD",
                "list": "a list", "dict": "an object", "str?": "null or a string",
                "rel": "a relative '/'-separated path without '.', '..' or empty parts"}[kind]
        shown = json.dumps(v, ensure_ascii=False)
        raise _Shape(f"{where}.{key}: expected {want}, found {shown[:60]}")
    return v


def _real_date(text: str) -> bool:
    """YYYY-MM-DD naming a day of the calendar (not 2024-13-45, not 2023-02-29)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        _dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_issue_number(text: str) -> bool:
    """A combined number ("5-6") or a supplement ("增刊"); a plain number is stored as an int."""
    from typeset.model.numbers import parse_number
    n = parse_number(text)
    return not isinstance(n, str) and n.text == text and not isinstance(n.value, int)


def _relative_shape(rel: str) -> bool:
    """A relative '/'-separated path with no empty, '.' or '..' part, no backslash, NUL or
    other control character, no drive: the shape of every path the archive writes."""
    return (rel != "" and not rel.startswith("/") and not re.match(r"[A-Za-z]:", rel)
            and not re.search(r"[\\\x00-\x1f\x7f]", rel)
            and all(p not in ("", ".", "..") for p in rel.split("/")))


# Provenance (typeset.provenance.provenance): every key, and its kind. Optional in an entry
# (catalogues written before it, files stored without it); when present, complete.
_PROVENANCE_KEYS = {"format": "int", "build_key": "sha", "typeset": "dict", "python": "text",
                    "libraries": "dict", "variant": "text", "pdfx": "str?",
                    "conformance": "text", "date": "text", "layout": "str?", "inputs": "list"}
_INPUT_KEYS = {"role": "text", "name": "rel", "sha256": "sha", "size": "int"}
_ROLES = ("manifest", "article", "picture", "page", "layout", "font")


def _provenance_from_json(p: object, where: str) -> dict:
    w = f"{where}.provenance"
    if not isinstance(p, dict):
        raise _Shape(f"{w}: expected an object")
    if set(p) != set(_PROVENANCE_KEYS):
        odd = sorted(set(p) ^ set(_PROVENANCE_KEYS))[0]
        raise _Shape(f"{w}: {'unknown' if odd in p else 'no'} field '{odd}'")
    for key, kind in _PROVENANCE_KEYS.items():
        _field(p, key, kind, w)
    if p["format"] != 1:
        raise _Shape(f"{w}.format: {p['format']} is not a provenance format this typeset reads")
    t = p["typeset"]
    if set(t) != {"version", "code"}:
        raise _Shape(f"{w}.typeset: expected exactly 'version' and 'code'")
    _field(t, "version", "text", f"{w}.typeset")
    _field(t, "code", "sha", f"{w}.typeset")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in p["libraries"].items()):
        raise _Shape(f"{w}.libraries: expected names and versions (strings)")
    if not (re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[0-9:+.Z-]+)?", p["date"])
            and _real_date(p["date"][:10])):
        raise _Shape(f"{w}.date: expected an ISO date, found {p['date'][:40]!r}")
    names: set[str] = set()
    for i, item in enumerate(p["inputs"]):
        wi = f"{w}.inputs[{i}]"
        if not isinstance(item, dict):
            raise _Shape(f"{wi}: expected an object")
        extra = set(item) - set(_INPUT_KEYS) - {"ref"}
        if extra:
            raise _Shape(f"{wi}: unknown field '{sorted(extra)[0]}'")
        for key, kind in _INPUT_KEYS.items():
            _field(item, key, kind, wi)
        if "ref" in item:
            _field(item, "ref", "text", wi)
        if item["role"] not in _ROLES:
            raise _Shape(f"{wi}.role: {item['role'][:20]!r} is not one of {', '.join(_ROLES)}")
        if item["size"] < 0 or item["name"] in names:
            raise _Shape(f"{wi}: a negative size or a name listed twice")
        names.add(item["name"])
    return p


def _stored_extras(d: dict, where: str, new_format: bool) -> dict:
    """The optional provenance and sources of an entry or revision."""
    out: dict = {}
    if ("provenance" in d or "sources" in d) and not new_format:
        raise _Shape(f"{where}: provenance or sources in a typeset-archive/1 catalogue")
    if "provenance" in d:
        out["provenance"] = _provenance_from_json(d["provenance"], where)
    if "sources" in d:
        out["sources"] = _field(d, "sources", "rel", where)
        if not out["sources"].endswith(SOURCES_SUFFIX):
            raise _Shape(f"{where}.sources: a sources bag's name ends in {SOURCES_SUFFIX}")
    return out


_ENTRY_KEYS = {"journal", "year", "number", "title", "date", "language", "file", "sha256",
               "size", "revisions", "provenance", "sources"}
_REVISION_KEYS = {"revision", "file", "sha256", "size", "provenance", "sources"}


def _entry_from_json(d: object, where: str, new_format: bool = True) -> ArchiveEntry:
    if not isinstance(d, dict):
        raise _Shape(f"{where}: expected an object")
    unknown = sorted(set(d) - _ENTRY_KEYS)
    if unknown:
        raise _Shape(f"{where}: unknown field '{unknown[0]}'")
    revs = []
    for i, r in enumerate(_field(d, "revisions", "list", where)):
        w = f"{where}.revisions[{i}]"
        if not isinstance(r, dict):
            raise _Shape(f"{w}: expected an object")
        if set(r) - _REVISION_KEYS:
            raise _Shape(f"{w}: unknown field '{sorted(set(r) - _REVISION_KEYS)[0]}'")
        revs.append(Revision(_field(r, "revision", "int", w), _field(r, "file", "text", w),
                             _field(r, "sha256", "sha", w), _field(r, "size", "int", w),
                             **_stored_extras(r, w, new_format)))
    e = ArchiveEntry(journal=_field(d, "journal", "text", where),
                     year=_field(d, "year", "int", where),
                     number=_field(d, "number", "number", where),
                     title=_field(d, "title", "str", where), date=_field(d, "date", "date", where),
                     language=_field(d, "language", "str", where),
                     file=_field(d, "file", "text", where), sha256=_field(d, "sha256", "sha", where),
                     size=_field(d, "size", "int", where), revisions=tuple(revs),
                     **_stored_extras(d, where, new_format))
    if not 1000 <= e.year <= 9999 or e.size < 0 or any(r.size < 0 for r in revs):
        raise _Shape(f"{where}: year, number or size out of range")
    # the names a run gives: <file>.pdf, its revisions <file>-r1.pdf, -r2.pdf … in order, and
    # each bag beside its file (<name>.sources)
    # (a path leading outside is not refused here: --verify reports it as `outside`)
    for i, r in enumerate(revs):
        w = f"{where}.revisions[{i}]"
        if r.revision != i + 1 or r.file != _revision_path(e.file, i + 1):
            raise _Shape(f"{w}: revision {i + 1} of {e.file} is {_revision_path(e.file, i + 1)}"
                         f", found revision {r.revision} {json.dumps(r.file)[:60]}")
    for r, w in [(e, where)] + [(r, f"{where}.revisions[{i}]") for i, r in enumerate(revs)]:
        if r.sources is not None and r.sources != r.file[:-4] + SOURCES_SUFFIX:
            raise _Shape(f"{w}.sources: the bag of {r.file} is {r.file[:-4] + SOURCES_SUFFIX}, "
                         f"found {json.dumps(r.sources)[:60]}")
    return e


def read_catalogue(to: Path) -> list[ArchiveEntry]:
    """The catalogue's entries; an archive without a catalogue is empty. A catalogue typeset
    did not write (not JSON, another shape, wrong types, duplicate issues, too large) is a
    TypesetError naming what is wrong. Paths are not checked here (see `confined`)."""
    path = Path(to) / CATALOGUE
    if not os.path.lexists(path):
        return []
    data = _read_limited(path, CATALOGUE_LIMIT, "the archive catalogue")
    try:
        try:
            doc = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as e:
            raise _Shape(f"not JSON ({type(e).__name__}: {str(e)[:80]})") from None
        if not isinstance(doc, dict):
            raise _Shape("expected a JSON object with 'format' and 'issues'")
        if doc.get("format") not in FORMATS:
            raise _Shape(f"format is {json.dumps(doc.get('format'))[:60]}, expected one of "
                         f"{', '.join(FORMATS)}")
        if set(doc) != {"format", "issues"} or not isinstance(doc["issues"], list):
            raise _Shape("expected exactly 'format' and a list 'issues'")
        new = doc["format"] != FORMATS[0]
        entries = [_entry_from_json(d, f"issues[{i}]", new)
                   for i, d in enumerate(doc["issues"])]
        seen: set[tuple] = set()
        files: dict[str, str] = {}               # every file and bag, once in the catalogue
        for i, e in enumerate(entries):
            if e.key in seen:
                raise _Shape(f"issues[{i}]: {e.journal} {e.year} no. {e.number} is listed twice")
            seen.add(e.key)
            for r in e.stored():
                for rel in (r.file, r.sources):
                    if rel is None:
                        continue
                    key = unicodedata.normalize("NFC", rel)
                    if key in files:
                        raise _Shape(f"issues[{i}]: {rel} is listed twice (also in "
                                     f"{files[key]})")
                    files[key] = f"issues[{i}]"
        return entries
    except _Shape as e:
        raise TypesetError(f"the archive catalogue is not one typeset wrote: {e}", file=path,
                           hint="restore catalogue.json from a backup (typeset never writes it "
                                "partially), or correct it by hand; then run "
                                "`typeset archive --verify`") from None


def _catalogue_bytes(entries: list[ArchiveEntry]) -> bytes:
    entries = sorted(entries, key=lambda e: (e.journal, e.year, number_key(e.number)))
    doc = {"format": FORMAT, "issues": [_entry_to_json(e) for e in entries]}
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# What a stored PDF says about itself

_PRISM = "{http://prismstandard.org/namespaces/basic/2.0/}"


_BEGIN = b"<?xpacket begin="
_PACKET = re.compile(rb"<\?xpacket begin=.*?<\?xpacket end=[^>]*>", flags=re.S)
_PACKET_MAX = 4 << 20            # bytes; typeset's packets are ~4 KB


class _Packets:
    """The XMP packets of a file fed in chunks (a packet split between chunks is found whole),
    holding at most one unfinished packet of up to _PACKET_MAX bytes in memory."""

    def __init__(self) -> None:
        self.found: list[bytes] = []
        self._buf = b""

    def feed(self, chunk: bytes) -> None:
        buf = self._buf + chunk
        end = 0
        for m in _PACKET.finditer(buf):
            self.found.append(m.group())
            end = m.end()
        buf = buf[end:]
        while True:
            start = buf.find(_BEGIN)
            if start < 0:
                buf = buf[-len(_BEGIN):]        # a begin marker cut by the chunk's edge
                break
            if len(buf) - start > _PACKET_MAX:  # no end in sight: not a packet
                buf = buf[start + 1:]
                continue
            buf = buf[start:]
            break
        self._buf = buf


def pdf_issue(data: bytes) -> tuple[str, int, int | str]:
    """(journal, year, number) from a PDF's XMP metadata (prism:publicationName, coverDate,
    number, as typeset's page writer writes them). ValueError if the PDF does not say.

    The packet is found in the file's bytes: PDF/A keeps the document's metadata stream
    unfiltered (ISO 19005-2 §6.6.2.1), so no PDF parser is needed (and none is imported)."""
    packets = _Packets()
    packets.feed(data)
    return _issue_of_packets(packets.found)


def _issue_of_packets(packets: list[bytes]) -> tuple[str, int, int | str]:
    import xml.etree.ElementTree as ET

    if not packets:
        raise ValueError("the PDF has no XMP metadata")
    for packet in packets:
        try:
            tree = ET.fromstring(packet)
        except ET.ParseError:
            continue
        if tree.find(f".//{_PRISM}publicationName") is not None:
            break
    else:
        raise ValueError("the PDF's XMP has no prism:publicationName")

    def one(name: str) -> str:
        el = tree.find(f".//{_PRISM}{name}")
        if el is None or not (el.text or "").strip():
            raise ValueError(f"the PDF's XMP has no prism:{name}")
        return el.text.strip()
    try:
        return (one("publicationName"), int(one("coverDate")[:4]),
                number_value(one("number")))
    except (TypeError,) as err:
        raise ValueError(str(err)) from None


def _read_stored(path: Path, size: int) -> tuple[int, str | None, list[bytes]]:
    """(size, SHA-256, XMP packets) of a stored file, read once in 1 MB pieces — its size
    from fstat first: a file whose size is not the catalogued `size` is not read at all (SHA
    None). A regular file, never through a link (OSError, fsutil.NotRegularFile)."""
    fd, st = open_regular(path, follow=False)
    with os.fdopen(fd, "rb") as f:
        if st.st_size != size:
            return st.st_size, None, []
        h = hashlib.sha256()
        packets = _Packets()
        n = 0
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            packets.feed(chunk)
            n += len(chunk)
    return n, h.hexdigest(), packets.found


def _issue_words(journal: str, year: int, number: int | str) -> str:
    if number_key(number)[0] == 1:           # a supplement: 2024年增刊
        return f"{journal} {year}年{number}"
    return f"{journal} {year}年第{number}期"


# ---------------------------------------------------------------------------------------------
# The lock

def lock_timeout_from_env() -> float:
    raw = os.environ.get(LOCK_TIMEOUT_ENV)
    if raw is None or raw.strip() == "":
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
        if value < 0 or value != value:
            raise ValueError
    except ValueError:
        raise TypesetError(f"{LOCK_TIMEOUT_ENV}={raw!r} is not a number of seconds",
                           hint="set it to e.g. 600, or 0 to give up at once") from None
    return value


@contextlib.contextmanager
def _locked(to: Path, timeout: float, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    from filelock import FileLock, Timeout

    path = to / LOCK
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            raise TypesetError("the archive's lock file is not a regular file", file=path,
                               hint="remove it (typeset makes it again); never point it elsewhere")
    except FileNotFoundError:
        pass
    except OSError as err:
        raise os_error(err, path, what="lock the archive") from None
    lock = FileLock(str(path))
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait is not None:
                on_wait(f"waiting for another typeset run to finish with the archive {to} "
                        f"(up to {timeout:g} s)")
            lock.acquire(timeout=timeout)
    except Timeout:
        raise TypesetError(f"gave up waiting for the archive after {timeout:g} s: another "
                           "typeset run is still writing to it", file=to,
                           hint=f"wait for that run, or wait longer with --lock-timeout SECONDS "
                                f"(or {LOCK_TIMEOUT_ENV})") from None
    except OSError as err:
        raise os_error(err, path, what="lock the archive") from None
    try:
        yield
    finally:
        lock.release()


# ---------------------------------------------------------------------------------------------
# The steps of one run, and how to undo them

@dataclass
class _Plan:
    """What one run does; written to .pending.json before any stored file is touched."""
    target: str                  # current file, DIR-relative
    tmp: str                     # the new bytes, DIR-relative
    sha256: str
    previous_sha256: str | None = None   # revise: the current file's checksum
    revision_file: str | None = None     # revise: where the current file is kept
    sources: str | None = None           # --sources: the new bag (a folder) ...
    sources_tmp: str | None = None       # ... written first here, in the archive folder
    sources_sha256: str | None = None    # ... identified by its tag manifest's SHA-256
    revision_sources: str | None = None  # revise: where the current file's bag is kept


_TARGET = re.compile(r"([^/]+)/(\d{4})/\1-\2-(\d+)\.pdf")
_TMP_NAME = re.compile(re.escape(TEMP_PREFIX) + r"[A-Za-z0-9_-]+" + re.escape(TEMP_SUFFIX))


def _read_plan(to: Path) -> _Plan:
    note = to / PENDING
    data = _read_limited(note, _NOTE_LIMIT, "the archive's pending note")
    try:
        d = json.loads(data.decode("utf-8"))
        if not isinstance(d, dict) or not {"target", "tmp", "sha256"} <= set(d) <= set(
                _Plan.__dataclass_fields__):
            raise ValueError("not a pending note")
        plan = _Plan(**d)
        folder = plan.target.rsplit("/", 1)[0] if isinstance(plan.target, str) else ""
        ok = (isinstance(plan.target, str) and _TARGET.fullmatch(plan.target)
              and isinstance(plan.tmp, str) and plan.tmp.rsplit("/", 1)[0] == folder
              and _TMP_NAME.fullmatch(plan.tmp.rsplit("/", 1)[-1])
              and isinstance(plan.sha256, str) and _HEX64.fullmatch(plan.sha256))
        if ok and (plan.revision_file is not None or plan.previous_sha256 is not None):
            ok = (isinstance(plan.revision_file, str)
                  and re.fullmatch(re.escape(plan.target[:-4]) + r"-r\d+\.pdf", plan.revision_file)
                  and isinstance(plan.previous_sha256, str)
                  and _HEX64.fullmatch(plan.previous_sha256))
        bag = plan.target[:-4] + SOURCES_SUFFIX if ok else ""
        if ok and plan.sources is not None:
            ok = (plan.sources == bag and isinstance(plan.sources_tmp, str)
                  and _TMP_NAME.fullmatch(plan.sources_tmp)          # in the archive folder
                  and isinstance(plan.sources_sha256, str)
                  and _HEX64.fullmatch(plan.sources_sha256))
        elif ok:
            ok = plan.sources_tmp is None and plan.sources_sha256 is None
        if ok and plan.revision_sources is not None:
            ok = (isinstance(plan.revision_file, str)
                  and plan.revision_sources == plan.revision_file[:-4] + SOURCES_SUFFIX)
        if not ok:
            raise ValueError("its paths or checksums are not those a run writes")
        for rel in (plan.target, plan.tmp, plan.revision_file, plan.sources, plan.sources_tmp,
                    plan.revision_sources):
            if rel is not None:
                confined(to.resolve(), rel)
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError) as e:
        raise TypesetError(f"the archive has a pending note typeset did not write: {e}",
                           file=note,
                           hint="nothing was changed; compare the folder with catalogue.json "
                                "(typeset archive --verify), then delete the note") from None
    return plan


def _sweep(folder: Path) -> None:
    """Remove typeset's temporary files (.typeset-*.tmp) from `folder` (under the lock, any such
    file is left by a run that died)."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        if _TMP_NAME.fullmatch(name):
            p = folder / name
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
                p.unlink()
            elif stat.S_ISDIR(st.st_mode):         # a sources bag being written
                _remove_tree(p)


def _remove_tree(path: Path) -> None:
    """Remove a folder the archive wrote (a bag: read-only files), following no link."""
    import shutil

    def writable(func, p, exc):
        os.chmod(os.path.dirname(p), 0o755)
        func(p)
    shutil.rmtree(path, onerror=writable)


def _recover(to: Path, fail_after: str | None = None) -> str | None:
    """Undo (or finish) a run that stopped before removing its pending note, and remove the
    temporary files of dead runs. Returns what was done, in words, or None if nothing was
    pending. Never touches a catalogued file except to put back the one the catalogue names."""
    root = to.resolve()
    note = to / PENDING
    if not os.path.lexists(note):
        _sweep(to)
        return None
    plan = _read_plan(to)
    entries = read_catalogue(to)
    listed = {rel for e in entries for rel, _, _ in e.files()}
    current = next((e for e in entries if e.file == plan.target), None)
    committed = current is not None and current.sha256 == plan.sha256
    target, tmp = confined(root, plan.target), confined(root, plan.tmp)
    done = f"an interrupted run storing {plan.target} was completed (it had been catalogued)"
    if not committed:
        done = f"an interrupted run storing {plan.target} was undone"
        if plan.revision_file is None:
            # a first store: the new file, if it got its name, was never catalogued
            if (plan.target not in listed and _regular(target)
                    and _file_sha256(target) == plan.sha256):
                target.unlink()
                _step("undo-file", fail_after)
        else:
            kept = confined(root, plan.revision_file)
            if (plan.revision_file not in listed and _regular(kept)
                    and _file_sha256(kept) == plan.previous_sha256):
                target_ok = _regular(target) and _file_sha256(target) == plan.previous_sha256
                if target_ok:
                    kept.unlink()               # linked, never replaced: drop the extra name
                elif current is not None and current.sha256 == plan.previous_sha256:
                    os.replace(kept, target)    # put the catalogued file back under its name
                _step("undo-file", fail_after)
    if not committed and plan.sources is not None:
        from typeset.bag import tag_sha256
        bag = confined(root, plan.sources)
        if (os.path.isdir(bag) and not os.path.islink(bag)
                and tag_sha256(bag) == plan.sources_sha256):
            _remove_tree(bag)                   # the new bag, never catalogued
    if not committed and plan.revision_sources is not None:
        kept = confined(root, plan.revision_sources)
        listed_bags = {r.sources for e in entries for r in e.stored() if r.sources}
        previous = confined(root, plan.target[:-4] + SOURCES_SUFFIX)
        if (plan.revision_sources not in listed_bags and os.path.isdir(kept)
                and not os.path.islink(kept) and not os.path.lexists(previous)):
            os.rename(kept, previous)           # the catalogued bag back under its name
    _sweep(tmp.parent)                  # the new bytes (plan.tmp) and any copy's temp
    _sweep(to)
    _step("undo-clean", fail_after)
    note.unlink()
    fsync_dir(to)
    fsync_dir(tmp.parent)
    return done


def _recover_or_explain(to: Path, fail_after: str | None = None) -> str | None:
    try:
        return _recover(to, fail_after)
    except OSError as err:
        raise TypesetError(f"an interrupted archive run could not be undone: "
                           f"{err.strerror or err}"
                           + (f" ({err.filename})" if err.filename else ""), file=to,
                           hint="nothing else was changed and the pending note is kept: fix the "
                                "cause (permissions, disk space) and run typeset archive again")
    except Outside as err:
        raise TypesetError(f"the archive's pending note names a path outside the archive: {err}",
                           file=to / PENDING, hint="nothing was changed; delete the note after "
                                                   "checking the folder with --verify") from None


def _check_pdf(pdf: bytes, meta: Metadata) -> None:
    if not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-1024:]:
        raise TypesetError("what was given to the archive is not a complete PDF file")
    if b"<pdfaid:part>" not in pdf:
        raise TypesetError("only PDF/A files are archived; this PDF declares no PDF/A part",
                           hint="build the issue with `--variant archive`")
    try:
        says = pdf_issue(pdf)
    except ValueError as err:
        raise TypesetError(f"the PDF to archive does not say which issue it is: {err}") from None
    if says != (meta.journal, meta.year, meta.number):
        raise TypesetError(f"the PDF's metadata says {_issue_words(*says)}, but it is being "
                           f"stored as {_issue_words(meta.journal, meta.year, meta.number)}")


def check_folder(to: Path) -> None:
    """Refuse, before any work, an archive folder that is a file (a missing one is made)."""
    if os.path.exists(to) and not os.path.isdir(to):
        raise TypesetError("the archive folder given with --to is a file, not a folder", file=to,
                           hint="give a folder (it is created if it does not exist)")


def _prepare_folder(to: Path) -> None:
    try:
        st = os.stat(to)
    except FileNotFoundError:
        try:
            to.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise os_error(err, to, what="create the archive folder") from None
        return
    except OSError as err:
        raise os_error(err, to, what="open the archive folder") from None
    if not stat.S_ISDIR(st.st_mode):
        raise TypesetError("the archive folder given with --to is a file, not a folder", file=to,
                           hint="give a folder (it is created if it does not exist)")


def archive_issue(pdf: bytes, meta: Metadata, to: Path, *, revise: bool = False,
                  lock_timeout: float | None = None,
                  on_wait: Callable[[str], None] | None = None,
                  on_recover: Callable[[str], None] | None = None,
                  provenance: dict | None = None,
                  sources: list[tuple[str, str, str]] | None = None,
                  inputs=(), where: "Where | None" = None,
                  _fail_after: str | None = None) -> ArchiveEntry:
    """Store `pdf` (the archive variant) for the issue `meta` in the archive directory `to`.

    `provenance` (typeset.provenance.provenance) is recorded in the catalogue; `sources`
    (name under data/, path, SHA-256 for every input file) are stored as a BagIt bag beside
    the PDF (`<issue>.sources/`, typeset.bag), each file checked against its hash. `inputs`
    ((role, path) of every file the issue was built from) are never written over; `where`
    locates the manifest's `journal:` and `number:` lines for messages (`places_where`).

    Refuses an issue already stored unless `revise`, which keeps the stored file as the next
    revision (…-r1.pdf, …-r2.pdf). Waits up to `lock_timeout` seconds (None: $TYPESET_LOCK_TIMEOUT
    or DEFAULT_LOCK_TIMEOUT) for another run, calling `on_wait` once if it has to wait;
    `on_recover` hears what the recovery of an earlier interrupted run did. `_fail_after` names
    a step after which to raise, for tests of an interrupted run (see STEPS).
    Ctrl-C raises `ArchiveInterrupted`, whose message says whether the issue was stored.
    """
    if not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-1024:]:
        raise TypesetError("what was given to the archive is not a complete PDF file")
    where = where or _nowhere
    rel = issue_path(meta, where)
    _check_pdf(pdf, meta)
    to = Path(to)
    timeout = lock_timeout_from_env() if lock_timeout is None else lock_timeout
    _prepare_folder(to)
    try:
        with _locked(to, timeout, on_wait):
            _step("lock", _fail_after)
            return _store_locked(pdf, meta, to, rel, revise, on_recover, _fail_after,
                                 provenance, sources, tuple(inputs), where)
    except ArchiveInterrupted:
        raise
    except KeyboardInterrupt:
        raise ArchiveInterrupted("interrupted before the issue was stored; the archive is as "
                                 "it was, or the next `typeset archive` run puts it back",
                                 stored=False) from None


def _store_locked(pdf: bytes, meta: Metadata, to: Path, rel: str, revise: bool,
                  on_recover: Callable[[str], None] | None,
                  fail_after: str | None, provenance: dict | None = None,
                  sources: list[tuple[str, str, str]] | None = None,
                  inputs: tuple = (), where: Where = _nowhere) -> ArchiveEntry:
    root = to.resolve()
    said = _recover_or_explain(to)
    if said and on_recover is not None:
        on_recover(said)
    _step("recovered", fail_after)
    entries = read_catalogue(to)
    old = next((e for e in entries if e.key == (meta.journal, meta.year, meta.number)), None)
    try:
        target = confined(root, rel)
        if old is not None:
            if old.file != rel:
                raise Outside(f"the catalogue files this issue as {old.file}, not {rel}")
            for f, _, _ in old.files():
                confined(root, f)
    except Outside as err:
        raise TypesetError(f"cannot store {rel}: {err}", file=to / CATALOGUE,
                           hint="check the archive with `typeset archive --verify`") from None
    sha = _sha256(pdf)
    if old is None and os.path.lexists(target):
        twin = _catalogued_as(root, entries, target)
        if twin is not None:
            raise TypesetError(f"{target} is already the archive file of "
                               f"{_issue_words(*twin.key)}: the two journal names differ only "
                               "in ways this file system does not tell apart (letter case, "
                               "Unicode form)", **where("journal"),
                               hint="write the journal name the same way in every issue")
        raise TypesetError(f"{target} exists but is not in the catalogue",
                           hint="the archive folder was changed by hand; check it with "
                                "`typeset archive --verify`")
    if old is not None and not revise:
        same = " with the same content" if old.sha256 == sha else ""
        raise TypesetError(
            f"{_issue_words(meta.journal, meta.year, meta.number)} is already archived{same} "
            f"as {old.file}",
            hint="the archive is write-once; pass --revise to store a new revision and "
                 "keep the stored file as an earlier one")
    if old is not None and old.sha256 == sha:
        raise TypesetError(f"{old.file} already holds exactly this PDF; nothing to revise")
    if old is not None and (not _regular(target) or _file_sha256(target) != old.sha256):
        raise TypesetError(f"the stored {old.file} does not match the catalogue",
                           hint="run `typeset archive --verify` and restore it first")

    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise os_error(err, folder, what="create the folder") from None
    try:
        confined(root, rel)             # the folders just made (or found) are no links
    except Outside as err:
        raise TypesetError(f"cannot store {rel}: {err}", file=to,
                           hint="check the archive with `typeset archive --verify`") from None
    tmp_rel = f"{rel.rsplit('/', 1)[0]}/{TEMP_PREFIX}{os.getpid()}{TEMP_SUFFIX}"
    plan = _Plan(target=rel, tmp=tmp_rel, sha256=sha)
    revisions = old.revisions if old else ()
    bag_rel = rel[:-4] + SOURCES_SUFFIX
    if old is not None:
        plan.previous_sha256 = old.sha256
        plan.revision_file = _revision_path(rel, len(revisions) + 1)
        if os.path.lexists(confined(root, plan.revision_file)):
            raise TypesetError(f"{to / plan.revision_file} exists but is not in the catalogue",
                               hint="check the archive with `typeset archive --verify`")
        if old.sources is not None:
            if old.sources != bag_rel:
                raise TypesetError(f"the catalogue files this issue's sources as {old.sources}, "
                                   f"not {bag_rel}", file=to / CATALOGUE,
                                   hint="check the archive with `typeset archive --verify`")
            plan.revision_sources = plan.revision_file[:-4] + SOURCES_SUFFIX
            if os.path.lexists(confined(root, plan.revision_sources)):
                raise TypesetError(f"{to / plan.revision_sources} exists but is not in the "
                                   "catalogue", hint="check the archive with "
                                                     "`typeset archive --verify`")
    listed_bags = {r.sources for e in entries for r in e.stored() if r.sources}
    if sources is not None and bag_rel not in listed_bags and os.path.lexists(
            confined(root, bag_rel)):
        raise TypesetError(f"{to / bag_rel} exists but is not in the catalogue",
                           hint="the archive folder was changed by hand; check it with "
                                "`typeset archive --verify`")

    def step(name: str) -> None:
        _step(name, fail_after)

    committed = False
    try:
        # 0. --sources: the bag, complete and on disk, under a temporary name (swept by the
        # next run's recovery if this one dies here: there is no note yet)
        if sources is not None:
            from typeset.bag import write_bag
            plan.sources = bag_rel
            plan.sources_tmp = f"{TEMP_PREFIX}{os.getpid()}-sources{TEMP_SUFFIX}"
            bag_tmp = to / plan.sources_tmp
            if os.path.lexists(bag_tmp):
                _remove_tree(bag_tmp) if os.path.isdir(bag_tmp) else bag_tmp.unlink()
            plan.sources_sha256 = write_bag(
                bag_tmp, sources, _bag_info(meta, sha, provenance),
                json.dumps(provenance or {}, ensure_ascii=False, indent=1,
                           sort_keys=True).encode("utf-8"),
                linked=_stored_copies(root, entries), midway=lambda: step("bag-partial"))
            step("bag-tmp")
        # 1. the note that lets an interrupted run be undone, before anything else is written
        write_output(to / PENDING, json.dumps(asdict(plan), ensure_ascii=False).encode("utf-8"),
                     mode=0o644, before_replace=lambda: step("note-temp"), inputs=inputs)
        step("note")
        # 2. the new bytes, complete and on disk, under a temporary name
        tmp = to / tmp_rel
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        write_new(tmp, pdf, mode=0o444, midway=lambda: step("tmp-partial"))
        step("tmp")
        # 3. revise: the stored file also under its revision name (a hard link: no copy)
        if plan.revision_file is not None:
            kept = to / plan.revision_file
            try:
                os.link(target, kept)
            except OSError:         # no hard links here (some network shares): a copy
                write_output(kept, target.read_bytes(), mode=0o444,
                             before_replace=lambda: step("copy-temp"), inputs=inputs)
            fsync_dir(folder)
            step("link")
        # 3b. revise: the stored file's bag under its revision name
        if plan.revision_sources is not None:
            os.rename(confined(root, bag_rel), confined(root, plan.revision_sources))
            fsync_dir(folder)
            step("bag-keep")
        # 4. the new file under the issue's name
        os.replace(tmp, target)
        fsync_dir(folder)
        step("replace")
        # 4b. its bag under the issue's name
        if plan.sources is not None:
            os.rename(to / plan.sources_tmp, confined(root, bag_rel))
            fsync_dir(folder)
            fsync_dir(to)
            step("bag")
        # 5. the catalogue: the commit point
        if plan.revision_file is not None:
            revisions = revisions + (Revision(len(revisions) + 1, plan.revision_file,
                                              old.sha256, old.size, old.provenance,
                                              plan.revision_sources),)
        entry = ArchiveEntry(journal=meta.journal, year=meta.year, number=meta.number,
                             title=meta.title,
                             date=meta.date.isoformat() if isinstance(meta.date, _dt.date)
                             else None,
                             language=meta.language, file=rel, sha256=sha, size=len(pdf),
                             revisions=revisions, provenance=provenance,
                             sources=plan.sources)
        others = [e for e in entries if e.key != entry.key]
        write_output(to / CATALOGUE, _catalogue_bytes(others + [entry]), mode=0o644,
                     before_replace=lambda: step("catalogue-temp"), inputs=inputs)
        committed = True
        step("catalogue")
    except BaseException as exc:
        if committed:
            _finish_committed(to, folder)
            if isinstance(exc, KeyboardInterrupt):
                raise ArchiveInterrupted(
                    f"interrupted after storing: {to / rel} is archived and catalogued "
                    f"(sha256 {sha[:16]}…); the archive is complete", stored=True) from None
            raise
        try:
            _recover(to)
            state = "nothing was stored; the archive is as it was"
        except (OSError, TypesetError, Outside) as rec:
            state = (f"and undoing the run failed too ({rec}); the pending note is kept and the "
                     "next typeset archive run finishes undoing it")
        if isinstance(exc, KeyboardInterrupt):
            raise ArchiveInterrupted(f"interrupted: {state}", stored=False) from None
        if isinstance(exc, OSError):
            err = os_error(exc, exc.filename or (to / rel), what="store the issue")
            raise TypesetError(f"{err.message}: {state}", file=err.file, hint=err.hint) from None
        if isinstance(exc, TypesetError):
            raise TypesetError(f"{exc.message}: {state}", file=exc.file, line=exc.line,
                               column=exc.column, hint=exc.hint) from None
        raise
    try:
        _finish_committed(to, folder)
        step("done")
    except KeyboardInterrupt:
        raise ArchiveInterrupted(f"interrupted after storing: {to / rel} is archived and "
                                 f"catalogued (sha256 {sha[:16]}…); the archive is complete",
                                 stored=True) from None
    return entry


def _catalogued_as(root: Path, entries: list[ArchiveEntry], target: Path) -> ArchiveEntry | None:
    """The catalogue entry one of whose files is `target` under another name (a file system
    that folds case or normalises Unicode in names), if any."""
    for e in entries:
        for rel, _, _ in e.files():
            try:
                if os.path.samefile(confined(root, rel), target):
                    return e
            except (Outside, OSError, ValueError):
                continue
    return None


def _bag_info(meta: Metadata, sha: str, provenance: dict | None) -> list[tuple[str, str]]:
    """bag-info.txt: the issue, its stored file, typeset; dated by the issue, not the clock."""
    from typeset import __version__
    info = [("Bag-Software-Agent", f"typeset {__version__}"),
            ("External-Identifier", f"{meta.journal} {meta.year}-{meta.number}"),
            ("External-Description", f"sources of {_issue_words(meta.journal, meta.year, meta.number)}")]
    if isinstance(meta.date, _dt.date):
        info.append(("Bagging-Date", meta.date.isoformat()))
    info.append(("Typeset-PDF-SHA256", sha))
    if provenance is not None:
        info.append(("Typeset-Build-Key", provenance.get("build_key", "")))
    return info


def _stored_copies(root: Path, entries: list[ArchiveEntry]) -> Callable[[str], Path | None]:
    """sha256 -> a file with those bytes in a catalogued bag (fonts are stored once, then
    hard-linked)."""
    where: dict[str, str] = {}
    for e in entries:
        for r in e.stored():
            if r.sources and r.provenance:
                for item in r.provenance["inputs"]:
                    where.setdefault(item["sha256"], f"{r.sources}/data/{item['name']}")

    def linked(sha: str) -> Path | None:
        rel = where.get(sha)
        if rel is None:
            return None
        try:
            path = confined(root, rel)
        except Outside:
            return None
        return path if _regular(path) else None
    return linked


def _finish_committed(to: Path, folder: Path) -> None:
    """After the commit point: remove the note and temporary files (best effort: whatever is
    left, the next run's recovery removes, seeing that the issue was catalogued)."""
    with contextlib.suppress(OSError):
        (to / PENDING).unlink()
        _sweep(folder)
        _sweep(to)
        fsync_dir(to)


# ---------------------------------------------------------------------------------------------
# Verification

def _verify_sources(bag: Path, r: "ArchiveEntry | Revision") -> list[Problem]:
    """A stored file's sources bag: complete (BagIt manifests), and holding every input its
    provenance lists with the same SHA-256."""
    from typeset.bag import PROVENANCE, verify_bag

    rel = r.sources
    if os.path.islink(bag):
        return [Problem("outside", rel, "a symbolic link (the archive never makes links)")]
    expected = ({i["name"]: i["sha256"] for i in r.provenance["inputs"]}
                if r.provenance else None)
    found = [Problem("sources", rel, p) for p in verify_bag(bag, expected=expected)]
    if not found and r.provenance is not None:
        try:
            said = json.loads((bag / PROVENANCE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            said = None
        if said != r.provenance:
            found.append(Problem("sources", rel, f"{PROVENANCE} differs from the catalogue's "
                                 "provenance of the file"))
    return found


def verify_archive(to: Path) -> list[Problem]:
    """Recheck every catalogued file (current and revisions): inside the archive, present, the
    catalogued size and SHA-256, and XMP metadata naming the catalogued journal, year and
    number; every sources bag complete, its files with their SHA-256, and holding the inputs
    the provenance lists. Report files in the folder that are not catalogued (and links, and temporary
    files a dead run left). Read-only; a missing folder or a file given as one is a
    TypesetError."""
    to = Path(to)
    if not to.exists():
        raise TypesetError("there is no archive folder here", file=to,
                           hint="give the folder used with `typeset archive --to`")
    if not to.is_dir():
        raise TypesetError("this is a file, not an archive folder", file=to,
                           hint="give the folder used with `typeset archive --to`")
    root = to.resolve()
    problems: list[Problem] = []
    if not os.path.lexists(to / CATALOGUE):
        problems.append(Problem("catalogue", CATALOGUE, "no catalogue in this folder"))
        entries: list[ArchiveEntry] = []
    else:
        try:
            entries = read_catalogue(to)
        except TypesetError as e:
            return [Problem("catalogue", CATALOGUE, f"{e.message} (hint: {e.hint})")]
    if os.path.lexists(to / PENDING):
        problems.append(Problem("pending", PENDING, "an archive run was interrupted; the next "
                                "`typeset archive` run finishes or undoes it"))
    listed: set[str] = set()
    bags: set[str] = set()
    for e in entries:
        for r in e.stored():
            if r.sources is None:
                continue
            bags.add(r.sources)
            try:
                path = confined(root, r.sources)
            except Outside as err:
                problems.append(Problem("outside", r.sources, f"the catalogue entry for "
                                        f"{_issue_words(*e.key)} points outside the archive "
                                        f"folder ({err}); it was not read"))
                continue
            problems.extend(_verify_sources(path, r))
        for rel, sha, size in e.files():
            listed.add(rel)
            try:
                path = confined(root, rel)
            except Outside as err:
                problems.append(Problem("outside", rel, f"the catalogue entry for "
                                        f"{_issue_words(*e.key)} points outside the archive "
                                        f"folder ({err}); it was not read"))
                continue
            if not _regular(path):
                what = "not a regular file" if os.path.lexists(path) else "not in the folder"
                problems.append(Problem("missing", rel, f"catalogued but {what}"))
                continue
            try:
                got, actual, packets = _read_stored(path, size)
            except NotRegularFile as err:
                problems.append(Problem("missing", rel, f"catalogued but {err.kind}"))
                continue
            except OSError as err:
                problems.append(Problem("missing", rel, f"cannot be read: {err.strerror}"))
                continue
            if actual is None:
                problems.append(Problem("changed", rel, f"{got} bytes; the catalogue says "
                                        f"{size} bytes, {sha}"))
                continue
            if got != size or actual != sha:
                problems.append(Problem("changed", rel, f"{got} bytes with SHA-256 "
                                        f"{actual}; the catalogue says {size} bytes, {sha}"))
                continue
            try:
                says = _issue_of_packets(packets)
            except ValueError as err:
                problems.append(Problem("metadata", rel, str(err)))
                continue
            if says != e.key:
                problems.append(Problem("metadata", rel, f"the file's XMP says "
                                        f"{_issue_words(*says)}; the catalogue says "
                                        f"{_issue_words(*e.key)}"))
    for dirpath, dirnames, filenames in os.walk(to, followlinks=False):
        dirnames[:] = [d for d in dirnames
                       if (Path(dirpath) / d).relative_to(to).as_posix() not in bags
                       or os.path.islink(Path(dirpath) / d)]       # a bag is checked above
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            rel = p.relative_to(to).as_posix()
            if os.path.islink(p):
                problems.append(Problem("unlisted", rel, "a symbolic link (the archive never "
                                        "makes links)"))
            elif name in filenames and rel not in (CATALOGUE, LOCK, PENDING) and rel not in listed:
                detail = ("a temporary file left by an interrupted run; the next `typeset "
                          "archive` run removes it" if _TMP_NAME.fullmatch(name) else
                          "in the folder but not in the catalogue")
                problems.append(Problem("unlisted", rel, detail))
    return problems
