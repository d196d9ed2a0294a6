"""The steps of one run, the pending note that records them, and how to undo them.

Crash safety. A run first records what it is about to do in `.pending.json`, then writes the
new bytes to a temporary file, then moves files, then replaces the catalogue (temporary file +
fsync + os.replace: the catalogue is the commit point), then removes `.pending.json`. If the run
stops anywhere before the catalogue is replaced — an exception, Ctrl-C, a killed process — the
steps are undone (at once for an exception or Ctrl-C, by the next run for a killed process),
and every temporary file of the dead run is removed, so the archive is left exactly as it was
and `--verify` passes. After the catalogue is replaced the issue is stored; only the note and
temporary files are left to remove. Recovery is idempotent: if it fails (an OSError), it says
so and keeps the note, and the next run tries again.
"""
from __future__ import annotations

import json
import os
import re
import signal
import stat
from typeset.records import dataclass
from pathlib import Path

from typeset.archive.catalogue import read_catalogue
from typeset.archive.folder import (PENDING, SOURCES_SUFFIX, _HEX64, Outside, _file_sha256,
                                    _read_limited, confined)
from typeset.errors import TypesetError
from typeset.fileread import is_regular
from typeset.fsutil import fsync_dir
from typeset.tempfiles import TEMP_PREFIX, TEMP_SUFFIX

_NOTE_LIMIT = 64 << 10

# Test hook: TYPESET_TEST_ARCHIVE_KILL="STEP" (or "STEP:INT") makes a run send itself SIGKILL
# (or SIGINT) when it reaches STEP; see STEPS. Only the interruption tests set it.
KILL_ENV = "TYPESET_TEST_ARCHIVE_KILL"
STEPS = ("lock", "recovered", "bag-partial", "bag-tmp", "note-temp", "note", "tmp-partial",
         "tmp", "copy-temp", "link", "bag-keep", "replace", "bag",
         "catalogue-temp", "catalogue", "done",
         # inside the recovery of an earlier run:
         "undo-file", "undo-clean")


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
            if (plan.target not in listed and is_regular(target)
                    and _file_sha256(target) == plan.sha256):
                target.unlink()
                _step("undo-file", fail_after)
        else:
            kept = confined(root, plan.revision_file)
            if (plan.revision_file not in listed and is_regular(kept)
                    and _file_sha256(kept) == plan.previous_sha256):
                target_ok = is_regular(target) and _file_sha256(target) == plan.previous_sha256
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
