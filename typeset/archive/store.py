"""Storing an issue: the checks before anything is written, then the steps of one run under
the lock (the sources bag, the pending note, the new bytes, the revision kept, the catalogue:
the commit point), undone if the run stops before the commit."""
from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import stat
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from typeset.archive.catalogue import ArchiveEntry, Revision, _catalogue_bytes, read_catalogue
from typeset.archive.folder import (CATALOGUE, PENDING, SOURCES_SUFFIX, Outside, Where,
                                    _file_sha256, _issue_words, _nowhere,
                                    _revision_path, _sha256, confined, issue_path)
from typeset.archive.lock import _locked, lock_timeout_from_env
from typeset.archive.pending import (_Plan, _recover, _recover_or_explain, _remove_tree, _step,
                                     _sweep)
from typeset.archive.stored import pdf_issue
from typeset.errors import TypesetError
from typeset.fileread import is_regular
from typeset.fsutil import fsync_dir, os_error, write_new, write_output
from typeset.tempfiles import TEMP_PREFIX, TEMP_SUFFIX
from typeset.issueinfo import Metadata

class ArchiveInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) during a run; `message` says what state the archive is in."""

    def __init__(self, message: str, *, stored: bool):
        super().__init__(message)
        self.message = message
        self.stored = stored


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
    if old is not None and (not is_regular(target) or _file_sha256(target) != old.sha256):
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
        return path if is_regular(path) else None
    return linked


def _finish_committed(to: Path, folder: Path) -> None:
    """After the commit point: remove the note and temporary files (best effort: whatever is
    left, the next run's recovery removes, seeing that the issue was catalogued)."""
    with contextlib.suppress(OSError):
        (to / PENDING).unlink()
        _sweep(folder)
        _sweep(to)
        fsync_dir(to)

