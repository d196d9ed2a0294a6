"""Command line: argument parsing and messages only.

This module runs a command (`main`) and holds what the commands share (the exit statuses,
the import of the pipeline, a message line, a progress line); the parser and its usage
checks are in parser.py; the commands, each module imported only when one of its commands
runs, in issue.py (build, check, dump, proof, stats, watch, specimen), archive.py
(archive, batch) and wordimport.py (import).

Exit statuses: 0 done; 1 a failure with a message (bad input, an output that cannot be
written, `check` or `archive --verify` finding problems); 2 a command line that does not make
sense (unknown or incompatible options; argparse's usage error); 3 an internal error, a bug in
typeset (one line saying so; `typeset --debug …` prints the traceback); 130 interrupted
(Ctrl-C), with a line saying what was and was not written.
"""
from __future__ import annotations

import argparse
import os
import sys

from typeset.cli.parser import _usage_problem, build_parser
from typeset.errors import TypesetError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Imports:
    """`with _IMPORTS:` around the import of the pipeline (typeset.build and all it brings,
    ~30k objects that live as long as the process): Python's cyclic collector paused, and
    what was made moved to its oldest generation after (as `output.collector_paused` does
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


def _say(message: str) -> None:
    print(f"typeset: {message}", file=sys.stderr, flush=True)


def _terminal_progress(what: str):
    """A progress line on a terminal (rewritten in place, cleared at the end); None when
    stderr is piped or redirected: quiet (typeset.progress)."""
    from typeset.progress import terminal_line

    line = terminal_line()
    if line is None:
        return None
    return lambda done, total: line(what, done, total)


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
