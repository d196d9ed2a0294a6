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
                   layout_override=args.layout)
    print(f"typeset: built {report.output}: {report.pages} pages "
          f"({report.contents_pages} contents + {report.body_pages} body)")
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
    p.set_defaults(func=_cmd_build)

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
    except KeyboardInterrupt:
        print("typeset: interrupted; nothing was written", file=sys.stderr)
        return 130
