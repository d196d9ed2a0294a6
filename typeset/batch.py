"""Many issues at once: `typeset batch`.

Workers build, one writer stores. Each issue is a `Job`; `run_job` (in a worker process of
a pool on this machine, or on a Dask worker) loads the issue, hashes every input
(typeset.provenance), and — unless the build key equals the one stored with its earlier
output — composes and renders it and returns the PDF's bytes with their provenance. It never
writes a file (caches aside) and never raises: a failure is a `Result` with the message and
its file:line. The parent (or the Dask client) is the only writer: it stores each result as
it arrives, into the archive (`typeset.archive`, write-once, under the archive's lock) or
into the output folder (the PDF and a small sidecar `<name>.build.json` holding the build key
and provenance), so the archive never has two writers.

Resuming. Before anything is built the writer reads what is already stored: the build key
of each issue's current archive entry, or of each `--out` file whose sidecar names it (and
whose bytes still have the recorded SHA-256). A job whose key is unchanged is skipped
("unchanged"); so a rerun after a failure or Ctrl-C builds only what is missing or changed.

Ctrl-C. Workers ignore SIGINT; the parent stops the pool (workers terminated, queued jobs
dropped), lets a store in progress finish or undo itself (the archive's own protocol, the
output writer's rename) and says which issues were stored.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from typeset.records import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from typeset.errors import TypesetError

SIDECAR_SUFFIX = ".build.json"
SIDECAR_FORMAT = "typeset-build/1"
DEFAULT_SCHEDULER_TIMEOUT = 10.0      # seconds to wait for a Dask scheduler to answer
RETRIES = 2                           # Dask: a job whose worker is lost is run again


@dataclass(frozen=True)
class Job:
    """One issue to build (picklable: it travels to a worker)."""
    manifest: str
    variant: str = "print"
    pdfx: str | None = "x4"
    layout: str | None = None
    archive: bool = False             # target: the archive (else an output folder)
    out: str | None = None            # the output file (--out)


@dataclass
class Result:
    """What a worker gives back."""
    manifest: str
    status: str                       # "built", "unchanged" or "failed"
    target: str | None = None         # the output file, or the issue's path in the archive
    pdf: bytes | None = None
    meta: object = None               # typeset.issueinfo.Metadata
    provenance: dict | None = None
    sources: list[tuple[str, str, str]] = field(default_factory=list)  # (name, path, sha)
    inputs: list[tuple[str, str]] = field(default_factory=list)     # (role, path): never
                                                                     # an output (fsutil)
    places: dict = field(default_factory=dict)   # "journal"/"number" -> (file, line)
    pages: int = 0
    seconds: float = 0.0
    error: str | None = None          # the message
    location: str | None = None       # file:line:column of a TypesetError
    hint: str | None = None
    bug: bool = False                 # an internal error (a bug in typeset)
    worker: str = ""                  # pid or Dask worker address


# target -> build key of what is stored, given to a pool's workers once (not with each job)
_STORED: dict[str, str] = {}


def _init_worker(stored: dict[str, str]) -> None:
    global _STORED
    _STORED = stored
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is the parent's to handle
    from typeset import parallel
    parallel.disable()          # the pool already keeps every core busy: no children of ours


# Test hook: TYPESET_TEST_LOSE_WORKER=PATH makes the first job that finds no file at PATH
# create it and end its worker process at once (a lost worker; tests/test_batch.py).
LOSE_WORKER_ENV = "TYPESET_TEST_LOSE_WORKER"


def run_job(job: Job, stored: dict[str, str] | None = None) -> Result:
    """Build one issue (in a worker); `stored`: target -> build key of what is stored (else
    what the pool's initializer gave). Never raises but for Ctrl-C."""
    marker = os.environ.get(LOSE_WORKER_ENV)
    if marker:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            os._exit(70)
        except FileExistsError:
            pass
    start = time.perf_counter()
    try:
        res = build_job(job, _STORED if stored is None else stored)
    except TypesetError as err:
        res = Result(job.manifest, "failed", error=err.message, location=err.location() or None,
                     hint=err.hint)
    except MemoryError:
        res = Result(job.manifest, "failed", error="out of memory")
    except Exception as err:          # a bug: said in one line, like the CLI says it
        text = " ".join(str(err).split())[:300]
        res = Result(job.manifest, "failed", bug=True,
                     error=f"internal error (a bug in typeset, not in your files): "
                           f"{type(err).__name__}: {text}")
    res.seconds = time.perf_counter() - start
    res.worker = str(os.getpid())
    return res


def build_job(job: Job, stored: dict[str, str] | None = None) -> Result:
    """Build one issue, unless `stored` holds its build key; TypesetError on bad input."""
    from typeset.build import compose, render
    from typeset.issueinfo import document_date, issue_metadata
    from typeset.provenance import build_key, check_unchanged, issue_sources, provenance

    src = issue_sources(Path(job.manifest), job.layout)
    meta = issue_metadata(src.issue, src.layout)
    places = _places(src.issue, src.layout)
    if job.archive:
        from typeset.archive.folder import issue_path, places_where
        target = issue_path(meta, places_where(places))
    else:
        target = job.out
    key = build_key(src, job.variant, job.pdfx)
    sources = [(i.name, i.path, i.sha256) for i in src.inputs]
    inputs = [(i.role, i.path) for i in src.inputs]
    if job.out is not None:                  # before building: never over one of its inputs
        from typeset.fsutil import refuse_input
        refuse_input(job.out, inputs)
        refuse_input(sidecar(Path(job.out)), inputs)
    if (stored or {}).get(target) == key:
        return Result(job.manifest, "unchanged", target=target, meta=meta, sources=sources,
                      inputs=inputs, places=places)
    from typeset.render.variants import variant_for
    standard = variant_for(job.variant, job.pdfx or "x4").standard
    comp = compose(Path(job.manifest), layout_override=job.layout,
                   loaded=(src.issue, src.layout))
    if job.variant == "print" and comp.separate_cover:
        raise TypesetError("its covers are printed on separate stock: the print files are two "
                           "(…-text.pdf and …-cover.pdf), which a batch does not write",
                           file=job.manifest,
                           hint="build it with `typeset build` (or batch the archive variant)")
    pdf = render(comp, job.variant, job.pdfx or "x4")
    check_unchanged(src)
    record = provenance(src, variant=job.variant, pdfx=job.pdfx, conformance=standard,
                        date=document_date(meta).isoformat(), key=key)
    return Result(job.manifest, "built", target=target, pdf=pdf, meta=meta,
                  provenance=record, sources=sources, inputs=inputs, places=places,
                  pages=len(comp.pages))


def archive_one(manifest: Path, to: Path, *, layout_override: str | None = None,
                revise: bool = False, sources: bool = False, **options):
    """`typeset archive`: build the archive variant of one issue and store it with its
    provenance, and with `sources` its sources bag (options: see
    typeset.archive.archive_issue). The same path as each issue of `typeset batch --archive`,
    so the two store the same bytes and the same record."""
    from typeset.archive import archive_issue, places_where

    res = build_job(Job(str(manifest), "archive", None, layout_override, archive=True))
    return archive_issue(res.pdf, res.meta, to, revise=revise, provenance=res.provenance,
                         sources=res.sources if sources else None, inputs=res.inputs,
                         where=places_where(res.places), **options)


def _places(issue, layout) -> dict:
    """Where the issue's journal name and number are written, {field: (file, line)}, for the
    archive's messages about names it cannot use: the manifest's line, or the layout's when
    the journal comes from the layout."""
    from typeset.model.layout import layout_where
    if issue.journal is not None:
        journal = (str(issue.path), issue.journal_line)
    else:
        w = layout_where(layout, "journal")
        journal = (w.file or getattr(layout, "path", None), w.line)
    # `number_line`: where the manifest loader records it (else the manifest, without a line)
    return {"journal": journal, "number": (str(issue.path), getattr(issue, "number_line", None))}


# ---------------------------------------------------------------------------------------------
# The list of issues

def read_list(path: Path) -> list[str]:
    """Manifests named in LIST.txt: one per line; blank lines and lines starting with # are
    skipped; relative paths are relative to the list's folder."""
    try:
        raw = Path(path).read_bytes()
    except IsADirectoryError:
        raise TypesetError("the list is a folder, not a file", file=path,
                           hint="give a text file naming one issue.yaml per line") from None
    except OSError as err:
        raise TypesetError(f"cannot read the list of issues: {err.strerror}", file=path,
                           hint="give a text file naming one issue.yaml per line") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TypesetError(f"the list is not UTF-8 text (byte {err.start})", file=path,
                           hint="save it as UTF-8, one issue.yaml per line") from None
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "\0" in line:
            raise TypesetError("a NUL character in a path", file=path, line=n)
        p = Path(line)
        out.append(str(p if p.is_absolute() else Path(path).parent / p))
    if not out:
        raise TypesetError("the list names no issue", file=path,
                           hint="write one issue.yaml path per line")
    return out


def check_manifests(manifests: list[str]) -> None:
    """Every manifest exists and is named once (before anything is built)."""
    seen: dict[str, str] = {}
    for m in manifests:
        real = os.path.realpath(m)
        if real in seen:
            raise TypesetError(f"{m} is listed twice" + (f" (as {seen[real]})"
                                                          if seen[real] != m else ""),
                               hint="name each issue once")
        seen[real] = m
        if not os.path.isfile(m):
            what = "is a folder, not a manifest" if os.path.isdir(m) else "does not exist"
            raise TypesetError(f"the issue manifest {what}", file=m,
                               hint="check the path (in a list, relative paths are relative "
                                    "to the list's folder)")


# ---------------------------------------------------------------------------------------------
# What is stored already (read by the writer)

def out_file(out_dir: Path, manifest: str) -> Path:
    """The output file of an issue in --out DIR: <issue folder>.pdf, like `typeset build`."""
    return out_dir / f"{Path(manifest).resolve().parent.name}.pdf"


def sidecar(pdf: Path) -> Path:
    return pdf.with_name(pdf.name[:-4] + SIDECAR_SUFFIX)


def stored_out_key(pdf: Path) -> str | None:
    """The build key recorded beside an output file, if the file still has the recorded
    bytes (an edited or replaced PDF is rebuilt)."""
    from typeset.provenance import file_sha256
    try:
        doc = json.loads(sidecar(pdf).read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != SIDECAR_FORMAT:
            return None
        if file_sha256(pdf)[0] != doc.get("sha256"):
            return None
        key = doc.get("provenance", {}).get("build_key")
        return key if isinstance(key, str) else None
    except (OSError, ValueError, AttributeError):
        return None


def stored_archive(to: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Of each issue's current file in the archive: path -> the build key it was stored with
    (if it has provenance), path -> its SHA-256."""
    from typeset.archive.catalogue import read_catalogue
    from typeset.archive.folder import CATALOGUE
    if not os.path.lexists(Path(to) / CATALOGUE):
        return {}, {}
    entries = read_catalogue(Path(to))
    return ({e.file: e.provenance["build_key"] for e in entries if e.provenance},
            {e.file: e.sha256 for e in entries})


# ---------------------------------------------------------------------------------------------
# Runners: a pool on this machine, or a Dask cluster. Each yields results as they finish.

def run_local(jobs: list[Job], workers: int, stored: dict[str, str], *,
              retries: int = RETRIES) -> Iterator[Result]:
    """In this process (one worker), or a process pool of `workers`. A worker process that
    dies (killed, out of memory) breaks the pool: the issues it left unfinished are run again
    in a new pool, each at most `retries` more times (like a lost Dask worker)."""
    if workers == 1 or len(jobs) == 1:
        for job in jobs:
            yield run_job(job, stored)
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed
    tries = [0] * len(jobs)
    pending = list(range(len(jobs)))
    while pending:
        pool = ProcessPoolExecutor(max_workers=min(workers, len(pending)),
                                   initializer=_init_worker, initargs=(stored,))
        try:
            futures = {pool.submit(run_job, jobs[i]): i for i in pending}
            pending = []
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    res = fut.result()
                except Exception as err:      # the pool broke: a worker died
                    tries[i] += 1
                    if tries[i] <= retries:
                        pending.append(i)
                        continue
                    res = Result(jobs[i].manifest, "failed", error=f"the worker process "
                                 f"building it died {tries[i]} times ({type(err).__name__})")
                yield res
        except BaseException:
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)
        pending.sort()


def _stop_pool(pool) -> None:
    """Stop a process pool now: queued jobs dropped, running workers terminated."""
    pool.shutdown(wait=False, cancel_futures=True)
    stop = getattr(pool, "terminate_workers", None)        # Python 3.14
    if stop is not None:
        stop()
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.terminate()
        except Exception:
            pass
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.join(5)
        except Exception:
            pass


def run_dask(jobs: list[Job], address: str, stored: dict[str, str], *,
             timeout: float = DEFAULT_SCHEDULER_TIMEOUT,
             retries: int = RETRIES) -> Iterator[Result]:
    """On the Dask cluster whose scheduler is at `address`: workers build and return the
    bytes; a job whose worker is lost is run again (`retries`)."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise TypesetError("--scheduler needs Dask, which is not installed",
                           hint="pip install 'typeset[cluster]' (dask and distributed)") \
            from None
    try:
        client = Client(address, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise TypesetError(f"no Dask scheduler answered at {address} within {timeout:g} s "
                           f"({type(err).__name__})",
                           hint="start one (`dask scheduler`) and its workers (`dask worker "
                                f"{address}`), or check the address and port") from None
    futures: list = []
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (TimeoutError, OSError):
            raise TypesetError(f"the Dask scheduler at {address} has no workers (waited "
                               f"{timeout:g} s)",
                               hint=f"start workers with `dask worker {address}`") from None
        (known,) = client.scatter([dict(stored)], broadcast=True)    # once per worker
        futures = client.map(run_job, jobs, stored=known, retries=retries, pure=False)
        by_key = {f.key: job for f, job in zip(futures, jobs)}
        with client.as_current():
            finished = as_completed(futures)
        for fut in finished:
            try:
                res = fut.result()
                res.worker = str(getattr(fut, "_worker", "") or res.worker)
            except Exception as err:          # lost more often than `retries`
                job = by_key[fut.key]
                res = Result(job.manifest, "failed",
                             error=f"the Dask workers building it were lost {retries + 1} "
                                   f"times ({type(err).__name__}: {err})")
            yield res
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(futures)
        raise
    finally:
        client.close()


# ---------------------------------------------------------------------------------------------
# The one writer

@dataclass
class Outcome:
    built: list[Result] = field(default_factory=list)
    unchanged: list[Result] = field(default_factory=list)
    failed: list[Result] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)       # paths written, in order
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return len(self.built) + len(self.unchanged) + len(self.failed)


def store(res: Result, *, archive: Path | None, out_dir: Path | None, revise: bool = False,
          with_sources: bool = False, lock_timeout: float | None = None,
          on_wait: Callable[[str], None] | None = None) -> str:
    """Store one built result (the writer); returns the path written. TypesetError when it
    cannot be stored; the archive or the output folder is then as it was."""
    from typeset.provenance import software
    ours = software()["typeset"]
    if res.provenance["typeset"] != ours:
        theirs = res.provenance["typeset"]
        raise TypesetError(f"built by a worker running typeset {theirs['version']} (code "
                           f"{theirs['code'][:12]}…); this writer runs typeset "
                           f"{ours['version']} (code {ours['code'][:12]}…)",
                           hint="install the same typeset on every worker and the client")
    if archive is not None:
        from typeset.archive.folder import places_where
        from typeset.archive.store import archive_issue
        entry = archive_issue(res.pdf, res.meta, archive, revise=revise,
                              provenance=res.provenance,
                              sources=res.sources if with_sources else None,
                              lock_timeout=lock_timeout, on_wait=on_wait,
                              inputs=res.inputs, where=places_where(res.places))
        return str(archive / entry.file)
    from typeset.fsutil import write_output
    pdf = Path(res.target)
    write_output(pdf, res.pdf, inputs=res.inputs)
    import hashlib
    doc = {"format": SIDECAR_FORMAT, "file": pdf.name,
           "sha256": hashlib.sha256(res.pdf).hexdigest(), "provenance": res.provenance}
    write_output(sidecar(pdf), (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True)
                                + "\n").encode("utf-8"), inputs=res.inputs)
    return str(pdf)


class _Mute:
    def isatty(self) -> bool:
        return False


class Progress:
    """A one-line progress bar on a terminal (stderr); nothing when output is piped."""

    def __init__(self, total: int, stream=None):
        self.total = total
        self.stream = stream or sys.stderr
        self.on = bool(getattr(self.stream, "isatty", lambda: False)())
        self.shown = False

    def draw(self, outcome: Outcome) -> None:
        if not self.on:
            return
        done = outcome.total
        width = 30
        fill = int(width * done / max(self.total, 1))
        self.stream.write(f"\r[{'#' * fill}{'.' * (width - fill)}] {done}/{self.total}  "
                          f"built {len(outcome.built)} · unchanged {len(outcome.unchanged)} · "
                          f"failed {len(outcome.failed)}\x1b[K")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.on and self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def run_batch(jobs: list[Job], results: Iterable[Result], *, archive: Path | None,
              out_dir: Path | None, revise: bool = False, with_sources: bool = False,
              lock_timeout: float | None = None,
              say: Callable[[str], None] = print,
              progress: Progress | None = None,
              on_wait: Callable[[str], None] | None = None,
              stored_sha: dict[str, str] | None = None,
              outcome: Outcome | None = None) -> Outcome:
    """Store the results as they come (the one writer) and say one line for each issue.
    `stored_sha`: archive path -> SHA-256 of the stored file (a rebuild giving exactly those
    bytes, e.g. of an issue stored without provenance, is unchanged, not refused)."""
    import hashlib
    outcome = Outcome() if outcome is None else outcome
    start = time.perf_counter()
    progress = progress or Progress(len(jobs), stream=_Mute())
    try:
        progress.draw(outcome)
        for res in results:
            if (res.status == "built" and archive is not None and stored_sha
                    and stored_sha.get(res.target) == hashlib.sha256(res.pdf).hexdigest()):
                res.status = "unchanged"
            if res.status == "built":
                try:
                    res.target = store(res, archive=archive, out_dir=out_dir, revise=revise,
                                       with_sources=with_sources, lock_timeout=lock_timeout,
                                       on_wait=on_wait)
                    outcome.stored.append(res.target)
                except TypesetError as err:
                    res.status, res.error = "failed", err.message
                    res.location, res.hint = err.location() or None, err.hint
            getattr(outcome, res.status).append(res)
            progress.clear()
            say(_line(res))
            res.pdf = None                   # stored: let the bytes go
            progress.draw(outcome)
    finally:
        progress.clear()
        outcome.seconds = time.perf_counter() - start
    return outcome


def _line(res: Result) -> str:
    if res.status == "built":
        return (f"built {res.manifest} -> {res.target} ({res.pages} pages, "
                f"{res.seconds:.1f} s)")
    if res.status == "unchanged":
        why = ("the same bytes as stored" if res.pdf is not None
               else "same sources, layout, fonts and code")
        return f"unchanged {res.manifest} ({res.target}: {why})"
    where = f"{res.location}: " if res.location else ""
    return f"failed {res.manifest}: {where}{res.error}"


def summary(outcome: Outcome) -> str:
    rate = (len(outcome.built) / outcome.seconds * 60) if outcome.seconds > 0 else 0.0
    return (f"{outcome.total} issue(s): {len(outcome.built)} built, {len(outcome.unchanged)} "
            f"unchanged, {len(outcome.failed)} failed in {outcome.seconds:.1f} s"
            + (f" ({rate:.0f} issues/min built)" if outcome.built else ""))


def failure_report(outcome: Outcome) -> list[str]:
    lines = [f"{len(outcome.failed)} issue(s) failed:"]
    for r in outcome.failed:
        where = f"{r.location}: " if r.location else ""
        lines.append(f"  {r.manifest}: {where}{r.error}")
        if r.hint:
            lines.append(f"    hint: {r.hint}")
    return lines
