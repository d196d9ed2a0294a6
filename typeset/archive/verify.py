"""`typeset archive --verify`: every catalogued file and sources bag checked again, read-only."""
from __future__ import annotations

import json
import os
from typeset.records import dataclass
from pathlib import Path
from typing import Literal

from typeset.archive.catalogue import ArchiveEntry, Revision, read_catalogue
from typeset.archive.folder import (CATALOGUE, LOCK, PENDING, Outside, _issue_words,
                                    confined)
from typeset.archive.pending import _TMP_NAME
from typeset.archive.stored import _issue_of_packets, _read_stored
from typeset.errors import TypesetError
from typeset.fileread import NotRegularFile, is_regular

@dataclass(frozen=True)
class Problem:
    kind: Literal["changed", "missing", "unlisted", "catalogue", "pending", "outside",
                  "metadata", "sources"]
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.detail}"


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
            if not is_regular(path):
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
