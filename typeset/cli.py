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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="typeset", description="Typeset a Chinese periodical issue as PDF.")
    sub = parser.add_subparsers(dest="command", required=True)

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
