"""The archive: finished PDF/A issues stored write-once, with a checksummed catalogue.

Layout of an archive directory DIR:

    DIR/catalogue.json                          every issue: file, SHA-256, size, metadata,
                                                earlier revisions
    DIR/<journal>/<year>/<journal>-<year>-<number>.pdf        the current file (read-only)
    DIR/<journal>/<year>/<journal>-<year>-<number>-r1.pdf     an earlier revision, r2, …
    DIR/.pending.json                           only while a run is under way (see below)
    DIR/.lock                                   serialises concurrent runs (flock)

Storing an issue twice is refused; `revise=True` keeps the stored file as the next numbered
revision and stores the new one under the issue's name.

Crash safety: a run first records what it is about to do in `.pending.json`, then writes the
new bytes to a temporary file, then moves files, then replaces the catalogue (temporary file +
fsync + os.replace: the catalogue is the commit point), then removes `.pending.json`. If the run
stops anywhere before the catalogue is replaced — an exception, Ctrl-C, a killed process — the
steps are undone (at once for an exception, by the next `archive_issue` for a killed process),
so the archive is left as it was. After the catalogue is replaced, only the pending note is left
to remove.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Literal

from typeset.errors import TypesetError
from typeset.issueinfo import Metadata

CATALOGUE = "catalogue.json"
PENDING = ".pending.json"
LOCK = ".lock"
FORMAT = "typeset-archive/1"


@dataclass(frozen=True)
class Revision:
    """An earlier file of an issue, kept when the issue was revised."""
    revision: int
    file: str            # relative to the archive directory, '/'-separated
    sha256: str
    size: int


@dataclass(frozen=True)
class ArchiveEntry:
    journal: str
    year: int
    number: int
    title: str
    date: str | None
    language: str
    file: str            # relative to the archive directory, '/'-separated
    sha256: str
    size: int
    revisions: tuple[Revision, ...] = ()

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.journal, self.year, self.number)


@dataclass(frozen=True)
class Problem:
    kind: Literal["changed", "missing", "unlisted", "catalogue", "pending"]
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.detail}"


# ---------------------------------------------------------------------------------------------

def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _safe_component(journal: str) -> str:
    """The journal name as a directory and file name component: used as written (NFC), but
    never a path separator, control character or dot-name."""
    name = unicodedata.normalize("NFC", journal.strip())
    if (not name or name in (".", "..") or name.startswith(".") or len(name) > 100
            or re.search(r"[/\\\x00-\x1f\x7f:*?\"<>|]", name)):
        raise TypesetError(f"journal name {journal!r} cannot be used as an archive folder name",
                           hint="journal names must not contain / \\ : * ? \" < > | or control "
                                "characters, nor start with a dot")
    return name


def issue_path(meta: Metadata) -> str:
    """DIR-relative path of an issue's current file: <journal>/<year>/<journal>-<year>-<number>.pdf"""
    j = _safe_component(meta.journal)
    return f"{j}/{meta.year}/{j}-{meta.year}-{meta.number}.pdf"


def _revision_path(current: str, n: int) -> str:
    return f"{current[:-4]}-r{n}.pdf"


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write `data` to `path` so that readers see either the old or the new content."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _entry_to_json(e: ArchiveEntry) -> dict:
    d = asdict(e)
    d["revisions"] = [asdict(r) for r in e.revisions]
    return d


def _entry_from_json(d: dict) -> ArchiveEntry:
    revs = tuple(Revision(**r) for r in d.get("revisions", []))
    return ArchiveEntry(**{**d, "revisions": revs})


def read_catalogue(to: Path) -> list[ArchiveEntry]:
    """The catalogue's entries; an archive without a catalogue is empty."""
    path = Path(to) / CATALOGUE
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {FORMAT!r}")
        return [_entry_from_json(d) for d in data["issues"]]
    except (ValueError, KeyError, TypeError) as e:
        raise TypesetError(f"the archive catalogue cannot be read: {e}", file=path,
                           hint="restore catalogue.json from a backup; typeset never writes it "
                                "partially")


def _catalogue_bytes(entries: list[ArchiveEntry]) -> bytes:
    entries = sorted(entries, key=lambda e: (e.journal, e.year, e.number))
    doc = {"format": FORMAT, "issues": [_entry_to_json(e) for e in entries]}
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


@contextlib.contextmanager
def _locked(to: Path) -> Iterator[None]:
    import fcntl

    with open(to / LOCK, "a+b") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TypesetError(f"another typeset run is writing to the archive {to}",
                               hint="wait for it to finish, then run again")
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


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


def _recover(to: Path) -> bool:
    """Undo (or finish) a run that stopped before removing its pending note. True if any."""
    note = to / PENDING
    if not note.exists():
        return False
    try:
        plan = _Plan(**json.loads(note.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as e:
        raise TypesetError(f"the archive has an unreadable pending note: {e}", file=note,
                           hint="compare the folder with catalogue.json (typeset archive "
                                "--verify), then delete the note")
    committed = any(e.file == plan.target and e.sha256 == plan.sha256 for e in read_catalogue(to))
    target, tmp = to / plan.target, to / plan.tmp
    if not committed:
        if plan.revision_file is not None:
            kept = to / plan.revision_file
            if kept.exists() and _file_sha256(kept) == plan.previous_sha256:
                if not target.exists() or _file_sha256(target) != plan.previous_sha256:
                    os.replace(kept, target)        # put the earlier file back under its name
                else:
                    kept.unlink()
        elif target.exists() and _file_sha256(target) == plan.sha256:
            target.unlink()                         # the new file was never catalogued
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    note.unlink()
    _fsync_dir(to)
    return True


def _check_pdf(pdf: bytes) -> None:
    if not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-1024:]:
        raise TypesetError("what was given to the archive is not a complete PDF file")
    if b"<pdfaid:part>" not in pdf:
        raise TypesetError("only PDF/A files are archived; this PDF declares no PDF/A part",
                           hint="build the issue with `--variant archive`")


def archive_issue(pdf: bytes, meta: Metadata, to: Path, *, revise: bool = False,
                  _fail_after: str | None = None) -> ArchiveEntry:
    """Store `pdf` (the archive variant) for the issue `meta` in the archive directory `to`.

    Refuses an issue already stored unless `revise`, which keeps the stored file as the next
    revision (…-r1.pdf, …-r2.pdf). `_fail_after` names a step after which to raise, for tests
    of an interrupted run ("note", "tmp", "link", "replace", "catalogue").
    """
    _check_pdf(pdf)
    to = Path(to)
    to.mkdir(parents=True, exist_ok=True)
    rel = issue_path(meta)
    with _locked(to):
        _recover(to)
        entries = read_catalogue(to)
        old = next((e for e in entries if e.key == (meta.journal, meta.year, meta.number)), None)
        target = to / rel
        sha = _sha256(pdf)
        if old is None and target.exists():
            raise TypesetError(f"{target} exists but is not in the catalogue",
                               hint="the archive folder was changed by hand; check it with "
                                    "`typeset archive --verify`")
        if old is not None and not revise:
            same = " with the same content" if old.sha256 == sha else ""
            raise TypesetError(
                f"{meta.journal} {meta.year}年第{meta.number}期 is already archived{same} "
                f"as {old.file}",
                hint="the archive is write-once; pass --revise to store a new revision and "
                     "keep the stored file as an earlier one")
        if old is not None and old.sha256 == sha:
            raise TypesetError(f"{old.file} already holds exactly this PDF; nothing to revise")
        if old is not None and (not target.exists() or _file_sha256(target) != old.sha256):
            raise TypesetError(f"the stored {old.file} does not match the catalogue",
                               hint="run `typeset archive --verify` and restore it first")

        target.parent.mkdir(parents=True, exist_ok=True)
        tmp_rel = f"{rel.rsplit('/', 1)[0]}/.{target.name}.{os.getpid()}.tmp"
        plan = _Plan(target=rel, tmp=tmp_rel, sha256=sha)
        revisions = old.revisions if old else ()
        if old is not None:
            plan.previous_sha256 = old.sha256
            plan.revision_file = _revision_path(rel, len(revisions) + 1)
            if (to / plan.revision_file).exists():
                raise TypesetError(f"{to / plan.revision_file} exists but is not in the catalogue",
                                   hint="check the archive with `typeset archive --verify`")

        def step(name: str) -> None:
            if _fail_after == name:
                raise RuntimeError(f"simulated failure after step {name!r}")

        try:
            # 1. the note that lets an interrupted run be undone, before anything else is written
            _write_atomic(to / PENDING, json.dumps(asdict(plan), ensure_ascii=False).encode("utf-8"))
            step("note")
            # 2. the new bytes, complete and on disk, under a temporary name
            tmp = to / tmp_rel
            with open(tmp, "wb") as f:
                f.write(pdf)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o444)
            step("tmp")
            # 3. revise: the stored file also under its revision name (a hard link: no copy)
            if plan.revision_file is not None:
                kept = to / plan.revision_file
                try:
                    os.link(target, kept)
                except OSError:
                    _write_atomic(kept, target.read_bytes(), mode=0o444)
                step("link")
            # 4. the new file under the issue's name
            os.replace(tmp, target)
            _fsync_dir(target.parent)
            step("replace")
            # 5. the catalogue: the commit point
            if plan.revision_file is not None:
                revisions = revisions + (Revision(len(revisions) + 1, plan.revision_file,
                                                  old.sha256, old.size),)
            entry = ArchiveEntry(journal=meta.journal, year=meta.year, number=meta.number,
                                 title=meta.title,
                                 date=meta.date.isoformat() if meta.date else None,
                                 language=meta.language, file=rel, sha256=sha, size=len(pdf),
                                 revisions=revisions)
            others = [e for e in entries if e.key != entry.key]
            _write_atomic(to / CATALOGUE, _catalogue_bytes(others + [entry]))
            step("catalogue")
        except BaseException:
            _recover(to)
            raise
        (to / PENDING).unlink()
        _fsync_dir(to)
        return entry


def verify_archive(to: Path) -> list[Problem]:
    """Recheck every catalogued file (current and revisions) against its SHA-256; report files
    that changed, are missing, or are in the folder without being catalogued. Read-only."""
    to = Path(to)
    problems: list[Problem] = []
    if not to.is_dir():
        return [Problem("missing", str(to), "no archive folder here")]
    if not (to / CATALOGUE).exists():
        problems.append(Problem("catalogue", CATALOGUE, "no catalogue in this folder"))
        entries: list[ArchiveEntry] = []
    else:
        try:
            entries = read_catalogue(to)
        except TypesetError as e:
            return [Problem("catalogue", CATALOGUE, e.message)]
    if (to / PENDING).exists():
        problems.append(Problem("pending", PENDING, "an archive run was interrupted; the next "
                                "`typeset archive` run undoes it"))
    listed: set[str] = set()
    for e in entries:
        files = [(e.file, e.sha256, e.size)] + [(r.file, r.sha256, r.size) for r in e.revisions]
        for rel, sha, size in files:
            listed.add(rel)
            path = to / rel
            if not path.is_file():
                problems.append(Problem("missing", rel, "catalogued but not in the folder"))
                continue
            actual = _file_sha256(path)
            if actual != sha:
                problems.append(Problem("changed", rel, f"SHA-256 is {actual}, catalogue says "
                                        f"{sha} ({path.stat().st_size} bytes, catalogued {size})"))
    for path in sorted(to.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(to).as_posix()
        if rel in (CATALOGUE, LOCK, PENDING) or rel in listed:
            continue
        problems.append(Problem("unlisted", rel, "in the folder but not in the catalogue"))
    return problems
