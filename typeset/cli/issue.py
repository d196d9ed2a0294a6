"""The commands on one issue: build, check (and `check --pdf`), dump, proof, stats, watch;
and specimen. Each is a few lines of glue: the work is in the modules they import when
they run."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from typeset.cli import _IMPORTS, EXIT_OK, EXIT_USAGE, _say, _terminal_progress
from typeset.errors import TypesetError


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
