"""Command line: argument parsing and messages only."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from typeset.errors import TypesetError


def _cmd_specimen(args: argparse.Namespace) -> int:
    from typeset.specimen import build_specimen

    pages = build_specimen(Path(args.output))
    print(f"specimen: {pages} pages -> {args.output}")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from typeset.build import build

    report = build(Path(args.manifest), Path(args.output) if args.output else None,
                   layout_override=args.layout, variant=args.variant, pdfx=args.pdfx)
    padded = (f", {report.padding} blank page(s) added for saddle stitching"
              if report.padding else "")
    print(f"typeset: built {report.output}: {report.pages} pages "
          f"({report.contents_pages} contents + {report.body_pages} body{padded}), "
          f"{report.variant}")
    print(f"typeset: typography: {report.typography.summary()}")
    return 0


def _cmd_archive(args: argparse.Namespace) -> int:
    if args.verify:
        from typeset.archive import read_catalogue, verify_archive

        problems = verify_archive(Path(args.verify))
        for p in problems:
            print(f"typeset: {p}")
        if problems:
            print(f"typeset: {args.verify}: {len(problems)} problem(s)", file=sys.stderr)
            return 1
        n = len(read_catalogue(Path(args.verify)))
        print(f"typeset: {args.verify}: {n} issue(s), every checksum matches")
        return 0
    if not args.manifest or not args.to:
        print("typeset: error: archive needs ISSUE.yaml and --to DIR (or --verify DIR)",
              file=sys.stderr)
        return 2
    from typeset.build import archive

    entry = archive(Path(args.manifest), Path(args.to), layout_override=args.layout,
                    revise=args.revise)
    kept = (f"; earlier file kept as {entry.revisions[-1].file}"
            if args.revise and entry.revisions else "")
    print(f"typeset: archived {Path(args.to) / entry.file} (sha256 {entry.sha256[:16]}…, "
          f"{entry.size} bytes){kept}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    if args.pdf:
        return _check_pdf(args)
    if not args.manifest:
        print("typeset: error: check needs ISSUE.yaml (or --pdf FILE)", file=sys.stderr)
        return 2
    from typeset.build import compose
    from typeset.report import check_composition

    comp = compose(Path(args.manifest), layout_override=args.layout)
    report = check_composition(comp)
    print(f"typeset: typographic report for {args.manifest}")
    print(report.format())
    return 0 if report.clean else 1


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
    from typeset.build import compose
    from typeset.render.debug import dump_pages

    comp = compose(Path(args.manifest), layout_override=args.layout)
    sys.stdout.write(dump_pages(comp.pages))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="typeset", description="Typeset a Chinese periodical issue as PDF.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="typeset an issue: manifest -> PDF")
    p.add_argument("manifest", help="the issue manifest (issues/<id>/issue.yaml)")
    p.add_argument("-o", "--output", help="output PDF (default: out/<issue directory>.pdf)")
    p.add_argument("--layout", help="use this layout instead of the manifest's (name or .yaml path)")
    p.add_argument("--variant", choices=("print", "archive"), default="print",
                   help="print: PDF/X for the printer (default); archive: PDF/A-2u")
    p.add_argument("--pdfx", choices=("x4", "x1a"), default="x4",
                   help="PDF/X flavour of the print variant (default x4)")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("archive", help="store the archive PDF write-once, or verify an archive")
    p.add_argument("manifest", nargs="?", help="the issue manifest")
    p.add_argument("--to", help="archive directory")
    p.add_argument("--revise", action="store_true",
                   help="replace an archived issue, keeping the earlier file as a revision")
    p.add_argument("--verify", metavar="DIR", help="recheck every checksum in DIR")
    p.add_argument("--layout")
    p.set_defaults(func=_cmd_archive)

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

    p = sub.add_parser("specimen", help="set a page of each shipped face, to look at the fonts")
    p.add_argument("-o", "--output", default="specimen.pdf", help="output PDF (default: specimen.pdf)")
    p.set_defaults(func=_cmd_specimen)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except TypesetError as err:
        print(f"typeset: error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:          # `typeset dump … | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("typeset: interrupted; nothing was written", file=sys.stderr)
        return 130
