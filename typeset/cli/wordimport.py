"""`typeset import`: Word documents (.docx) into articles, one article per document."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from typeset.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from typeset.errors import TypesetError
from typeset.i18n import tr


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
