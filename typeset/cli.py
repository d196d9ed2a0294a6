"""Command line: argument parsing and messages only.

Exit statuses: 0 done; 1 a failure with a message (bad input, an output that cannot be
written, `check` or `archive --verify` finding problems); 2 a command line that does not make
sense (unknown or incompatible options; argparse's usage error); 3 an internal error, a bug in
typeset (one line saying so; `typeset --debug …` prints the traceback); 130 interrupted
(Ctrl-C), with a line saying what was and was not written.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from typeset import __version__
from typeset.errors import TypesetError
from typeset.i18n import tr

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Imports:
    """`with _IMPORTS:` around the import of the pipeline (typeset.build and all it brings,
    ~30k objects that live as long as the process): Python's cyclic collector paused, and
    what was made moved to its oldest generation after (as `build.collector_paused` does
    for a composition), instead of being walked by ~60 young collections on the way: ~5 ms
    of every `build`, `check` and `dump`."""

    def __enter__(self):
        import gc
        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        import gc
        gc.freeze()
        gc.unfreeze()
        if self.was:
            gc.enable()


_IMPORTS = _Imports()


def _cmd_specimen(args: argparse.Namespace) -> int:
    from typeset.build import check_pdf_name
    from typeset.specimen import build_specimen

    from typeset.fsutil import check_output
    check_pdf_name(check_output(args.output))
    pages = build_specimen(Path(args.output))
    print(f"specimen: {pages} pages -> {args.output}")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    with _IMPORTS:
        from typeset.build import build

    if args.output == "":
        raise TypesetError("the output path is empty", hint="give a file name, e.g. -o issue.pdf")
    if args.imposed:
        from typeset.build import booklet
        out, pages, sheets = booklet(Path(args.manifest), Path(args.output)
                                     if args.output is not None else None,
                                     layout_override=args.layout)
        print(f"typeset: built {out}: a proof booklet of {pages} pages on {sheets} A3 "
              "sheet(s), two pages to a side in saddle-stitch order: print double-sided "
              "(flip on the short edge), fold once; not for the printer")
        return 0
    from typeset.progress import reporting, terminal_line

    with reporting(terminal_line()):            # on a terminal only: piped, quiet
        report = build(Path(args.manifest), Path(args.output) if args.output is not None
                       else None, layout_override=args.layout, variant=args.variant,
                       pdfx=args.pdfx)
    padded = (f", {report.padding} blank page(s) added for saddle stitching"
              if report.padding else "")
    blank = (f" + {report.front_blanks} blank (folio 1 is a right-hand page)"
             if report.front_blanks else "")
    covers = (f"{report.covers} covers + " if report.covers and report.cover_output is None
              else "")
    inserts = f" + {report.inserts} inserted" if report.inserts else ""
    print(f"typeset: built {report.output}: {report.pages} pages "
          f"({covers}{report.contents_pages} contents{blank} + {report.body_pages} body"
          f"{inserts}{padded}), {report.variant}")
    if report.cover_output is not None:
        print(f"typeset: built {report.cover_output}: the covers on their own stock "
              f"({report.covers} covers), {report.variant}")
    print(f"typeset: typography: {report.typography.summary()}")
    for line in report.pictures.lines():
        print(f"typeset: {line}")
    return 0


def _say(message: str) -> None:
    print(f"typeset: {message}", file=sys.stderr, flush=True)


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
    from typeset.build import archive

    check_folder(Path(args.to))            # before the build: a file given as --to fails at once
    entry = archive(Path(args.manifest), Path(args.to), layout_override=args.layout,
                    revise=args.revise, sources=args.sources, lock_timeout=args.lock_timeout,
                    on_wait=lambda m: _say(m + "…"), on_recover=lambda m: _say("note: " + m))
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


def _cmd_check(args: argparse.Namespace) -> int:
    if args.pdf:
        return _check_pdf(args)
    if not args.manifest:
        print("typeset: error: check needs ISSUE.yaml (or --pdf FILE)", file=sys.stderr)
        return 2
    with _IMPORTS:
        from typeset.build import compose
        from typeset.report import check_composition, picture_report

    comp = compose(Path(args.manifest), layout_override=args.layout)
    report = check_composition(comp)
    print(f"typeset: typographic report for {args.manifest}")
    print(report.format())
    pictures = picture_report(comp.pages, comp.layout, str(comp.issue.path.parent))
    if pictures.placed:
        print(pictures.format())
    for line in pictures.lines():
        print(f"typeset: {line}", file=sys.stderr)
    return 0 if report.clean and pictures.clean else 1


def _check_pdf(args: argparse.Namespace) -> int:
    """`check --pdf FILE`: the preflight of a written file, for the printer."""
    from typeset.render.preflight import check_pdf
    from typeset.render.variants import variant_for

    chosen = None
    if args.variant or args.pdfx:
        chosen = variant_for(args.variant or "print", args.pdfx or "x4")
    variant, found = check_pdf(Path(args.pdf), chosen)
    for v in found:
        print(f"typeset: {args.pdf}: {v}")
    if found:
        print(f"typeset: {args.pdf}: {len(found)} violation(s) of {variant.standard}",
              file=sys.stderr)
        return 1
    print(f"typeset: {args.pdf}: no violations of {variant.standard} found")
    return 0


def _cmd_dump(args: argparse.Namespace) -> int:
    with _IMPORTS:
        from typeset.build import compose
        from typeset.render.debug import dump_pages

    comp = compose(Path(args.manifest), layout_override=args.layout)
    sys.stdout.write(dump_pages(comp.pages))
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    """typeset import FILE.docx … [-o ARTICLE.md | --to DIR] [--force]: one article per
    document; a progress line on a terminal only; a summary for several files."""
    from typeset.importer import article_path, import_docx

    if args.output is not None and (len(args.files) > 1 or args.to is not None):
        print("typeset import: error: -o names the article of one document; for several "
              "documents use --to DIR", file=sys.stderr)
        return EXIT_USAGE
    to = Path(args.to) if args.to is not None else None
    if to is not None and not to.is_dir():
        raise TypesetError("the folder does not exist" if not to.exists() else
                           "this is not a folder", file=to,
                           hint="create it first (mkdir -p), or give another folder")
    progress = sys.stderr.isatty() and len(args.files) > 1
    done: list[Path] = []
    failed: list[str] = []
    claimed: dict[Path, str] = {}
    for n, name in enumerate(args.files, start=1):
        source = Path(name)
        article = article_path(source, Path(args.output) if args.output else None, to)
        if progress:
            shown = tr(f"importing {n}/{len(args.files)}: {name}")
            sys.stderr.write(f"\rtypeset: {shown}\x1b[K")
            sys.stderr.flush()
        try:
            key = Path(os.path.abspath(article))
            if key in claimed:
                raise TypesetError(f"{claimed[key]} is also written to {article}", file=source,
                                   hint="rename one of the documents, or import it on its "
                                        "own with -o")
            claimed[key] = name
            result = import_docx(source, article, force=args.force)
        except TypesetError as err:
            if len(args.files) == 1:
                raise
            if progress:
                sys.stderr.write("\r\x1b[K")
            print(f"typeset: error: {err}", file=sys.stderr)
            failed.append(name)
            continue
        except KeyboardInterrupt:
            if progress:
                sys.stderr.write("\r\x1b[K")
            stop = KeyboardInterrupt()
            stop.message = (f"interrupted; {len(done)} article(s) written in full"
                            + (f" (the last: {done[-1]})" if done else "")
                            + f"; nothing of {name} was written")
            raise stop from None
        if progress:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
        done.append(result.article)
        print(f"typeset: {source} -> {result.article}")
        for guess in result.guesses:
            print(f"  {guess.line()}")
        c = result.counts
        pictures = (" (" + ", ".join(str(p.relative_to(result.article.parent))
                                     for p in result.images) + ")") if result.images else ""
        print(f"typeset: wrote {result.article}: {c['paragraphs']} paragraphs, {c['headings']} "
              f"subheads, {c['figures']} figures{pictures}, {c['tables']} tables, "
              f"{c['notes']} footnotes")
    if len(args.files) > 1:
        said = (f"imported {len(done)} of {len(args.files)} documents into {to}"
                if to is not None else f"imported {len(done)} of {len(args.files)} documents")
        if failed:
            said = f"{said}; {len(failed)} failed: {', '.join(failed)}"
        print(f"typeset: {said}")
    return EXIT_FAILED if failed else EXIT_OK


def _terminal_progress(what: str):
    """A progress line on a terminal (rewritten in place, cleared at the end); None when
    stderr is piped or redirected: quiet (typeset.progress)."""
    from typeset.progress import terminal_line

    line = terminal_line()
    if line is None:
        return None
    return lambda done, total: line(what, done, total)


def _cmd_proof(args: argparse.Namespace) -> int:
    from typeset.proof import make_proof

    if args.to == "":
        raise TypesetError("the folder given with --to is empty", hint="give a folder, e.g. "
                                                                        "--to proof")
    report = make_proof(Path(args.manifest), Path(args.to) if args.to is not None else None,
                        pages=args.pages, dpi=args.dpi, layout_override=args.layout,
                        progress=_terminal_progress("rendering page"))
    if report.note:
        _say("note: " + report.note)
    ch = report.changes
    if ch.first:
        said = "no previous proof there: every page is new"
    elif not ch.count:
        said = "no page changed since the previous proof"
    else:
        named = [n for s, n, _ in ch.pages if s != "unchanged"] + ch.removed
        shown = ", ".join(named[:12]) + (", …" if len(named) > 12 else "")
        said = (f"{len(ch.named('changed'))} changed, {len(ch.named('new'))} new, "
                f"{len(ch.removed)} removed since the previous proof: {shown}")
    of = (f"{report.rendered} of {report.pages} pages" if report.rendered != report.pages
          else f"{report.pages} pages")
    print(f"typeset: proof {report.folder}{os.sep}: {of} at {report.dpi} dpi, contact sheet "
          f"of {report.spreads} spread(s); {said} (changes.txt)")
    return EXIT_OK


def _cmd_stats(args: argparse.Namespace) -> int:
    from typeset.build import compose
    from typeset.stats import issue_stats, stats_csv, stats_table

    if args.output is not None and not args.csv:
        print("typeset: error: -o writes the CSV; give --csv too", file=sys.stderr)
        return EXIT_USAGE
    inputs: list = []
    if args.output is not None:              # before composing: never over one of its inputs
        from typeset.build import inputs_of, load
        from typeset.fsutil import check_output
        from typeset.text.fonts import FontLibrary
        check_output(args.output)
        library = FontLibrary()
        loaded = load(Path(args.manifest), args.layout)
        inputs = inputs_of(loaded, library)
        check_output(args.output, inputs=inputs)
        comp = compose(Path(args.manifest), layout_override=args.layout, library=library,
                       loaded=loaded)
    else:
        comp = compose(Path(args.manifest), layout_override=args.layout)
    stats = issue_stats(comp)
    if not args.csv:
        print(stats_table(stats))
        return EXIT_OK
    data = stats_csv(stats)
    if args.output is not None:
        from typeset.fsutil import write_output
        write_output(args.output, data, inputs=inputs)
        print(f"typeset: {len(stats.articles)} article(s) -> {args.output}")
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return EXIT_OK


def _cmd_watch(args: argparse.Namespace) -> int:
    """typeset watch ISSUE.yaml [--port N]: rebuild on every save, preview in a browser."""
    from typeset.watch import run

    if args.output == "":
        raise TypesetError("the output path is empty", hint="give a file name, e.g. -o issue.pdf")
    run(Path(args.manifest), output=Path(args.output) if args.output is not None else None,
        layout=args.layout, port=args.port, debug=args.debug
        or os.environ.get("TYPESET_DEBUG", "") not in ("", "0"),
        say=lambda line: print(f"typeset: {line}", flush=True))
    return EXIT_OK


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr(f"'{text}' is not a port number")) from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(tr(f"{value} is not a port: give 1024 to 65535, or "
                                            "leave --port out for a free one"))
    return value


def _dpi(text: str) -> int:
    from typeset.proof import DPI_RANGE

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            tr(f"'{text}' is not a whole number of dots per inch")) from None
    if not DPI_RANGE[0] <= value <= DPI_RANGE[1]:
        raise argparse.ArgumentTypeError(tr(f"{value} is out of range: give {DPI_RANGE[0]} "
                                            f"to {DPI_RANGE[1]} (110 is the default, 300 for "
                                            "print detail)"))
    return value


def _pages(text: str) -> str:
    from typeset.proof import parse_pages

    try:
        parse_pages(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(tr(str(err))) from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="typeset", description="Typeset a Chinese periodical issue as PDF.",
        epilog="exit status: 0 done, 1 failed (with a message), 2 bad command line, "
               "3 internal error (a bug), 130 interrupted")
    parser.add_argument("--version", action="version", version=f"typeset {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="on an internal error, print the Python traceback")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="typeset an issue: manifest -> PDF")
    p.add_argument("manifest", help="the issue manifest (issues/<id>/issue.yaml)")
    p.add_argument("-o", "--output", help="output PDF (default: out/<issue directory>.pdf)")
    p.add_argument("--layout", help="use this layout instead of the manifest's (name or .yaml path)")
    p.add_argument("--variant", choices=("print", "archive"), default="print",
                   help="print: PDF/X for the printer (default); archive: PDF/A-2u")
    p.add_argument("--pdfx", choices=("x4", "x1a"),
                   help="PDF/X flavour of the print variant (default x4)")
    p.add_argument("--imposed", action="store_true",
                   help="write a proof booklet instead: two pages to an A3 side in "
                        "saddle-stitch order, to print double-sided and fold (default: "
                        "out/<issue directory>-booklet.pdf); never the printer's file")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("archive", help="store the archive PDF write-once, or verify an archive")
    p.add_argument("manifest", nargs="?", help="the issue manifest")
    p.add_argument("--to", help="archive directory")
    p.add_argument("--revise", action="store_true",
                   help="replace an archived issue, keeping the earlier file as a revision")
    p.add_argument("--verify", metavar="DIR",
                   help="recheck every stored file in DIR (size, checksum, metadata); not "
                        "combined with the options that store")
    p.add_argument("--layout")
    p.add_argument("--lock-timeout", type=float, metavar="SECONDS",
                   help="how long to wait for another run writing to the same archive "
                        "(default $TYPESET_LOCK_TIMEOUT, else 600)")
    p.add_argument("--sources", action="store_true",
                   help="also store the issue's sources (manifest, articles, pictures, layout, "
                        "fonts) beside its PDF, as a BagIt bag")
    p.add_argument("--rebuild", metavar="STORED.pdf",
                   help="rebuild a stored file from its stored sources and say whether the "
                        "bytes are identical (exit 1 if they differ)")
    p.set_defaults(func=_cmd_archive)

    p = sub.add_parser("batch", help="build many issues: a process pool on this machine, or a "
                                     "Dask cluster; skips issues unchanged since stored")
    p.add_argument("manifests", nargs="*", metavar="MANIFEST", help="issue manifests")
    p.add_argument("--from", dest="from_list", metavar="LIST.txt",
                   help="a text file naming one manifest per line (instead of MANIFEST…)")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="worker processes on this machine (default: the number of cores)")
    p.add_argument("--variant", choices=("print", "archive"),
                   help="print: PDF/X (default); archive: PDF/A-2u (always with --archive)")
    p.add_argument("--pdfx", choices=("x4", "x1a"), help="PDF/X flavour (default x4)")
    p.add_argument("--layout", help="use this layout for every issue")
    p.add_argument("--archive", metavar="DIR", help="store into this archive (write-once)")
    p.add_argument("--out", metavar="DIR",
                   help="write <issue folder>.pdf and its .build.json here (default: out/)")
    p.add_argument("--sources", action="store_true",
                   help="with --archive: store each issue's sources beside its PDF")
    p.add_argument("--revise", action="store_true",
                   help="with --archive: store a changed issue as a new revision")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786",
                   help="build on the Dask cluster whose scheduler is here "
                        "(pip install 'typeset[cluster]')")
    p.add_argument("--scheduler-timeout", type=float, metavar="SECONDS",
                   help="how long to wait for the scheduler to answer (default 10 s)")
    p.add_argument("--lock-timeout", type=float, metavar="SECONDS",
                   help="how long to wait for another run writing to the archive")
    p.set_defaults(func=_cmd_batch)

    p = sub.add_parser("check", help="typographic report: prohibited line edges, spacing, "
                                     "孤字, 孤行, stranded headings, overflows; or, with --pdf, "
                                     "the PDF/X or PDF/A preflight of a written file")
    p.add_argument("manifest", nargs="?")
    p.add_argument("--layout")
    p.add_argument("--pdf", metavar="FILE", help="preflight this PDF instead (exit 1 on any "
                                                 "violation)")
    p.add_argument("--variant", choices=("print", "archive"),
                   help="with --pdf: check as print (PDF/X) or archive (PDF/A-2u); default: "
                        "what the file claims")
    p.add_argument("--pdfx", choices=("x4", "x1a"), help="with --pdf: the PDF/X level")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("dump", help="print the laid-out pages as text (positions of every run)")
    p.add_argument("manifest")
    p.add_argument("--layout")
    p.set_defaults(func=_cmd_dump)

    p = sub.add_parser("import", help="turn Word documents (.docx) into articles (Markdown "
                                      "with front matter), printing what was guessed")
    p.add_argument("files", nargs="+", metavar="FILE.docx", help="the documents to import")
    p.add_argument("-o", "--output", metavar="ARTICLE.md",
                   help="the article to write (one document only; default: FILE.md beside it)")
    p.add_argument("--to", metavar="DIR", help="write each article into DIR (which must exist)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing article and its pictures (never done otherwise)")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("proof", help="render the pages to PNG for the author, with a contact "
                                     "sheet of the spreads and the pages changed since the "
                                     "previous proof (changes.txt)")
    p.add_argument("manifest", help="the issue manifest")
    p.add_argument("--to", metavar="DIR",
                   help="the proof folder (default: proof/<issue directory>/); replaced as a "
                        "whole, and only if it holds a proof or nothing")
    p.add_argument("--pages", type=_pages, metavar="LIST",
                   help="only these pages: folios, ranges and labels, e.g. 3-5,9,目录")
    p.add_argument("--dpi", type=_dpi, default=110, help="resolution (default 110)")
    p.add_argument("--layout")
    p.set_defaults(func=_cmd_proof)

    p = sub.add_parser("stats", help="字数 per article: section, folios, pages, Han characters, "
                                     "punctuation, Latin words, numbers, 字数 and 版面字数")
    p.add_argument("manifest", help="the issue manifest")
    p.add_argument("--csv", action="store_true",
                   help="CSV (UTF-8 with a BOM, for Excel) instead of the table")
    p.add_argument("-o", "--output", metavar="FILE", help="with --csv: write it to FILE")
    p.add_argument("--layout")
    p.set_defaults(func=_cmd_stats)

    p = sub.add_parser("watch", help="rebuild the issue on every save and show it in a "
                                     "browser, as spreads, updated in place (the error, "
                                     "with its file:line, when a save breaks the build)")
    p.add_argument("manifest", help="the issue manifest")
    p.add_argument("--port", type=_port, metavar="N",
                   help="serve the preview on 127.0.0.1 port N (default: a free port; the "
                        "address is printed)")
    p.add_argument("-o", "--output", help="output PDF (default: out/<issue directory>.pdf, "
                                          "as build)")
    p.add_argument("--layout", help="use this layout instead of the manifest's")
    p.set_defaults(func=_cmd_watch)

    p = sub.add_parser("specimen", help="set a page of each shipped face, to look at the fonts")
    p.add_argument("-o", "--output", default="specimen.pdf", help="output PDF (default: specimen.pdf)")
    p.set_defaults(func=_cmd_specimen)
    return parser


def _usage_problem(args: argparse.Namespace) -> str | None:
    """Options that make no sense together (argparse cannot say it for these)."""
    if args.command == "archive" and args.rebuild:
        mixed = [name for name, given in (("ISSUE.yaml", args.manifest), ("--to", args.to),
                                          ("--revise", args.revise), ("--layout", args.layout),
                                          ("--verify", args.verify), ("--sources", args.sources),
                                          ("--lock-timeout", args.lock_timeout is not None))
                 if given]
        if mixed:
            return (f"--rebuild STORED.pdf rebuilds a stored file from its stored sources; it "
                    f"cannot be combined with {', '.join(mixed)}")
        return None
    if args.command == "batch":
        return _batch_usage(args)
    if args.command == "archive":
        if args.verify and args.sources:
            return "--verify only checks an archive; it cannot be combined with --sources"
        if args.verify:
            mixed = [name for name, given in (("ISSUE.yaml", args.manifest), ("--to", args.to),
                                              ("--revise", args.revise),
                                              ("--layout", args.layout),
                                              ("--lock-timeout", args.lock_timeout is not None))
                     if given]
            if mixed:
                return (f"--verify only checks an archive; it cannot be combined with "
                        f"{', '.join(mixed)}")
        elif not args.manifest or not args.to:
            return "archive needs ISSUE.yaml and --to DIR (or --verify DIR, or --rebuild FILE)"
        if args.lock_timeout is not None and (not math.isfinite(args.lock_timeout)
                                              or args.lock_timeout < 0):
            return "--lock-timeout must be a number of seconds, 0 or more"
    if args.command == "build":
        if args.imposed and (args.pdfx is not None or args.variant == "archive"):
            return "--imposed writes a proof booklet (no PDF/X or PDF/A); it cannot be " \
                   "combined with --variant archive or --pdfx"
        if args.pdfx is not None and args.variant == "archive":
            return "--pdfx chooses the PDF/X flavour of the print variant; it cannot be " \
                   "combined with --variant archive"
        args.pdfx = args.pdfx or "x4"
    return None


def _batch_usage(args: argparse.Namespace) -> str | None:
    if args.manifests and args.from_list:
        return "give the manifests or --from LIST.txt, not both"
    if not args.manifests and not args.from_list:
        return "batch needs MANIFEST… or --from LIST.txt"
    if args.jobs is not None and args.jobs < 1:
        return "--jobs must be 1 or more"
    if args.jobs is not None and args.scheduler:
        return "--jobs counts workers on this machine; with --scheduler the cluster's workers " \
               "build (start more of them to go faster)"
    if args.archive and args.out:
        return "--archive and --out are two places to store; give one"
    if args.archive and args.variant == "print":
        return "--archive stores PDF/A files: it cannot be combined with --variant print"
    if args.pdfx and (args.archive or args.variant == "archive"):
        return "--pdfx chooses the PDF/X flavour of the print variant; it cannot be combined " \
               "with --variant archive or --archive"
    for name, given in (("--sources", args.sources), ("--revise", args.revise),
                        ("--lock-timeout", args.lock_timeout is not None)):
        if given and not args.archive:
            return f"{name} goes with --archive DIR"
    for name, value in (("--lock-timeout", args.lock_timeout),
                        ("--scheduler-timeout", args.scheduler_timeout)):
        if value is not None and (not math.isfinite(value) or value < 0):
            return f"{name} must be a number of seconds, 0 or more"
    if args.scheduler_timeout is not None and not args.scheduler:
        return "--scheduler-timeout goes with --scheduler"
    return None


_INTERRUPTED = {
    "build": "interrupted; nothing was written (an earlier file at the output path is unchanged)",
    "specimen": "interrupted; nothing was written",
    "proof": "interrupted; nothing was written (an earlier proof in the folder is unchanged)",
    "stats": "interrupted",
    "watch": "stopped watching",
    "archive": "interrupted; the archive is as it was, or the next `typeset archive` run puts "
               "it back",
    "batch": "interrupted; what was stored is complete; run the same command again to build "
             "the rest",
}


def main(argv: list[str] | None = None) -> int:
    """The command line. In a Chinese locale (typeset.i18n.language) everything printed —
    messages, hints, results, `--help` — is in Chinese, from the one catalogue."""
    from typeset import i18n

    if not i18n.chinese():
        return _main(argv)
    from typeset.i18n import printed
    printed.localise_argparse()
    out, err = sys.stdout, sys.stderr
    words = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
    data = words[:1] == ["dump"]        # `typeset dump` prints data (pages as text): as it is
    sys.stdout = out if data else printed.TranslatingStream(out)
    sys.stderr = printed.TranslatingStream(err)
    try:
        return _main(argv)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        sys.stdout, sys.stderr = out, err


def _main(argv: list[str] | None) -> int:
    from typeset import i18n

    parser = build_parser()
    if i18n.chinese():
        from typeset.i18n.printed import localise_parser
        localise_parser(parser)
    args = parser.parse_args(argv)
    problem = _usage_problem(args)
    if problem:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        sub.choices[args.command].error(i18n.tr(problem))    # exits with status 2
    debug = args.debug or os.environ.get("TYPESET_DEBUG", "") not in ("", "0")
    try:
        return args.func(args)
    except TypesetError as err:
        if debug:
            import traceback
            traceback.print_exc()
        print(f"typeset: error: {err}", file=sys.stderr)     # (in Chinese: i18n's stream)
        return EXIT_FAILED
    except BrokenPipeError:          # `typeset dump … | head`
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt as err:   # archive.store.ArchiveInterrupted says what it stored
        said = getattr(err, "message", None) or _INTERRUPTED.get(args.command, "interrupted")
        print(f"typeset: {said}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:         # a bug: one line, the traceback behind --debug
        if isinstance(err, MemoryError):
            print("typeset: error: out of memory", file=sys.stderr)
            return EXIT_FAILED
        if debug:
            import traceback
            traceback.print_exc()
        text = " ".join(str(err).split())
        text = text if len(text) <= 300 else text[:300] + "…"
        print(f"typeset: internal error (a bug in typeset, not in your files): "
              f"{type(err).__name__}: {text}"
              + ("" if debug else " — run with --debug for the traceback"), file=sys.stderr)
        return EXIT_BUG
