"""The command line's grammar: the parser of every command and its options, the types of
option values (`_port`, `_dpi`, `_pages`), and the usage checks argparse cannot make
(`_usage_problem`: options that make no sense together)."""
from __future__ import annotations

import argparse
import math

from typeset import __version__
from typeset.i18n import tr


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


def _command(module: str, name: str):
    """The function a command runs: `name` of typeset.cli.`module`, imported when the command
    runs (so a build loads none of the other commands' glue)."""
    def run(args: argparse.Namespace) -> int:
        from importlib import import_module
        return getattr(import_module(f"typeset.cli.{module}"), name)(args)
    return run


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
    p.set_defaults(func=_command("issue", "_cmd_build"))

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
    p.set_defaults(func=_command("archive", "_cmd_archive"))

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
    p.set_defaults(func=_command("archive", "_cmd_batch"))

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
    p.set_defaults(func=_command("issue", "_cmd_check"))

    p = sub.add_parser("dump", help="print the laid-out pages as text (positions of every run)")
    p.add_argument("manifest")
    p.add_argument("--layout")
    p.set_defaults(func=_command("issue", "_cmd_dump"))

    p = sub.add_parser("import", help="turn Word documents (.docx) into articles (Markdown "
                                      "with front matter), printing what was guessed")
    p.add_argument("files", nargs="+", metavar="FILE.docx", help="the documents to import")
    p.add_argument("-o", "--output", metavar="ARTICLE.md",
                   help="the article to write (one document only; default: FILE.md beside it)")
    p.add_argument("--to", metavar="DIR", help="write each article into DIR (which must exist)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing article and its pictures (never done otherwise)")
    p.set_defaults(func=_command("wordimport", "_cmd_import"))

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
    p.set_defaults(func=_command("issue", "_cmd_proof"))

    p = sub.add_parser("stats", help="字数 per article: section, folios, pages, Han characters, "
                                     "punctuation, Latin words, numbers, 字数 and 版面字数")
    p.add_argument("manifest", help="the issue manifest")
    p.add_argument("--csv", action="store_true",
                   help="CSV (UTF-8 with a BOM, for Excel) instead of the table")
    p.add_argument("-o", "--output", metavar="FILE", help="with --csv: write it to FILE")
    p.add_argument("--layout")
    p.set_defaults(func=_command("issue", "_cmd_stats"))

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
    p.set_defaults(func=_command("issue", "_cmd_watch"))

    p = sub.add_parser("specimen", help="set a page of each shipped face, to look at the fonts")
    p.add_argument("-o", "--output", default="specimen.pdf", help="output PDF (default: specimen.pdf)")
    p.set_defaults(func=_command("issue", "_cmd_specimen"))
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
