"""The commands that store: archive (store, verify, rebuild) and batch (many issues, built
by a process pool or a Dask cluster, written or stored by one writer)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from typeset.cli import EXIT_FAILED, EXIT_OK, _say
from typeset.errors import TypesetError


def _cmd_archive(args: argparse.Namespace) -> int:
    if args.rebuild:
        from typeset.rebuild import rebuild

        report = rebuild(Path(args.rebuild))
        for line in report.lines():
            print(f"typeset: {line}")
        return EXIT_OK if report.identical else EXIT_FAILED
    if args.verify:
        from typeset.archive.catalogue import read_catalogue
        from typeset.archive.verify import verify_archive

        problems = verify_archive(Path(args.verify))
        for p in problems:
            print(f"typeset: {p}")
        if problems:
            print(f"typeset: {args.verify}: {len(problems)} problem(s)", file=sys.stderr)
            return EXIT_FAILED
        n = len(read_catalogue(Path(args.verify)))
        print(f"typeset: {args.verify}: {n} issue(s); every file is in place, with its "
              "catalogued size, checksum and metadata")
        return EXIT_OK
    from typeset.archive.store import check_folder
    from typeset.batch import archive_one

    check_folder(Path(args.to))            # before the build: a file given as --to fails at once
    entry = archive_one(Path(args.manifest), Path(args.to), layout_override=args.layout,
                        revise=args.revise, sources=args.sources,
                        lock_timeout=args.lock_timeout, on_wait=lambda m: _say(m + "…"),
                        on_recover=lambda m: _say("note: " + m))
    kept = (f"; earlier file kept as {entry.revisions[-1].file}"
            if args.revise and entry.revisions else "")
    bag = f"; sources in {Path(args.to) / entry.sources}" if entry.sources else ""
    print(f"typeset: archived {Path(args.to) / entry.file} (sha256 {entry.sha256[:16]}…, "
          f"{entry.size} bytes){kept}{bag}")
    return EXIT_OK


def _cmd_batch(args: argparse.Namespace) -> int:
    from typeset import batch as B

    manifests = args.manifests or B.read_list(Path(args.from_list))
    B.check_manifests(manifests)
    archive = Path(args.archive) if args.archive else None
    variant = "archive" if archive is not None else (args.variant or "print")
    pdfx = None if variant == "archive" else (args.pdfx or "x4")
    stored_sha: dict[str, str] = {}
    jobs = []
    if archive is not None:
        from typeset.archive.store import check_folder
        check_folder(archive)
        stored, stored_sha = B.stored_archive(archive)
        jobs = [B.Job(m, variant, pdfx, args.layout, archive=True) for m in manifests]
    else:
        from typeset.fsutil import check_output
        out_dir = Path(args.out if args.out is not None else "out")
        if args.out is not None and not out_dir.is_dir():
            raise TypesetError("the output folder does not exist" if not out_dir.exists()
                               else "the output folder is a file", file=out_dir,
                               hint="create it first (mkdir -p), or give another folder")
        outs: dict[Path, str] = {}
        for m in manifests:
            pdf = B.out_file(out_dir, m)
            if pdf in outs:
                raise TypesetError(f"{m} and {outs[pdf]} would both be written to {pdf} (their "
                                   "folders have the same name)",
                                   hint="build them into different --out folders")
            outs[pdf] = m
            check_output(pdf, create_parent=args.out is None)
            check_output(B.sidecar(pdf), create_parent=args.out is None)
        if args.out is None:
            out_dir.mkdir(exist_ok=True)
        stored = {str(p): k for p in outs if (k := B.stored_out_key(p)) is not None}
        jobs = [B.Job(m, variant, pdfx, args.layout, out=str(B.out_file(out_dir, m)))
                for m in manifests]
    if args.scheduler:
        results = B.run_dask(jobs, args.scheduler, stored,
                             timeout=(args.scheduler_timeout if args.scheduler_timeout
                                      is not None else B.DEFAULT_SCHEDULER_TIMEOUT))
        where = f"on the Dask cluster at {args.scheduler}"
    else:
        workers = args.jobs or _cores()
        results = B.run_local(jobs, workers, stored)
        where = f"with {min(workers, len(jobs))} worker(s)"
    print(f"typeset: {len(jobs)} issue(s) to build {where}", flush=True)
    outcome = B.Outcome()
    try:
        B.run_batch(jobs, results, outcome=outcome, archive=archive,
                              out_dir=None if archive is not None else out_dir,
                              revise=args.revise, with_sources=args.sources,
                              lock_timeout=args.lock_timeout,
                              say=lambda line: print(f"typeset: {line}", flush=True),
                              progress=B.Progress(len(jobs)),
                              on_wait=lambda m: _say(m + "…"), stored_sha=stored_sha)
    except KeyboardInterrupt as err:
        said = getattr(err, "message", None)      # the archive: the issue being stored
        stored = len(outcome.stored) + (1 if getattr(err, "stored", False) else 0)
        names = outcome.stored[-3:]
        if archive is not None:                    # the catalogue says exactly what is new
            try:
                from typeset.archive.catalogue import read_catalogue
                now = {e.file: e.sha256 for e in read_catalogue(archive)}
                new = [f for f, sha in now.items() if stored_sha.get(f) != sha]
                stored, names = len(new), [str(archive / f) for f in sorted(new)[-3:]]
            except (TypesetError, OSError):
                pass
        raise _BatchInterrupted(
            (f"{said}; " if said else "") +
            f"interrupted: {stored} issue(s) stored"
            + (f" (… {', '.join(names)})" if names else "")
            + f", {len(jobs) - stored - len(outcome.unchanged)} not stored; run the same "
              "command again to build the rest (what is stored is skipped)") from None
    print(f"typeset: {B.summary(outcome)}")
    if outcome.failed:
        for line in B.failure_report(outcome):
            print(f"typeset: {line}" if not line.startswith(" ") else line, file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _BatchInterrupted(KeyboardInterrupt):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
