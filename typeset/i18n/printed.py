"""What a command prints, in Chinese: each line with `typeset: ` and its location
`file:line:col: ` kept as they are (`translate_line`), the streams that print lines so
(`TranslatingStream`), and argparse's help and messages (`localise_parser`,
`localise_argparse`)."""
from __future__ import annotations

import re

from typeset.i18n import gettext, ngettext, tr, translator
from typeset.i18n.templates import _HAN, _Lazy, _reads_english

# -- what a command prints --------------------------------------------------------------------

#: `file:line:col: ` at the start of a message: an editor jumps to it, it is never translated
_LOCATION = _Lazy(r"(?P<loc>(?:[^\s:]|:(?!\s))+?:\d+(?::\d+)?: )(?P<rest>.*)", re.S)
#: a file named without a line at the start of an error (`out/x.pdf: …`): kept as it is
_FILE = _Lazy(r"(?P<loc>[^\s:]*[/.][^\s:]*: )(?P<rest>.*)", re.S)
#: the words around a printed line that are typeset's own, and their Chinese
_LEADS = (("error: ", "错误："), ("warning: ", "警告："), ("hint: ", "提示："),
          # what `typeset archive --verify` found, by kind (archive.Problem)
          ("catalogue: ", "档案目录："), ("changed: ", "已改动："), ("metadata: ", "元数据："),
          ("missing: ", "缺失："), ("outside: ", "在档案库之外："), ("pending: ", "待处理："),
          ("sources: ", "源文件："), ("unlisted: ", "未登记："))


def translate_line(line: str) -> str:
    """One printed line in Chinese: `typeset: ` (the program's name) and a location
    `file:line:col: ` kept exactly as they are (an editor jumps to it), `error: ` / `hint: `
    in Chinese, the rest through the catalogue."""
    if not line.strip() or not re.search(r"[A-Za-z]", line):
        return line
    t = translator()
    parts = _peel(line)
    if parts[2]:                    # a location: never part of a template, the rest alone
        return parts[0] + parts[1] + parts[2] + t.translate(parts[3])
    if parts[1] not in ("", "typeset: "):
        # `error: ` / `hint: ` in Chinese and the rest alone, unless the rest is no message
        # of its own (`print("typeset: error: -o writes the CSV; …")`)
        rest = t._translate(parts[3], 0)
        if rest is not None and not _reads_english(rest):
            return parts[0] + parts[1] + rest
    whole = t._translate(line, 0)
    text = parts[0] + parts[1] + t.translate(parts[3])
    if whole is None or parts[1] not in ("", "typeset: ") and _reads_english(whole):
        return text
    # the line as one template, or its rest after `typeset: `: the one that reads less as
    # English and more as Chinese (a short template can take a line it was not made for)
    return max((text, whole), key=lambda c: (not _reads_english(c), len(_HAN.findall(c)),
                                            c is text))


def _peel(line: str) -> tuple[str, str, str, str]:
    """(indent, `typeset: ` and `error: ` in Chinese, the location, the rest) of a line."""
    indent = line[:len(line) - len(line.lstrip())]
    body = line[len(indent):]
    head = ""
    if body.startswith("typeset: "):
        head, body = "typeset: ", body[len("typeset: "):]
    for en, zh in _LEADS:
        if body.startswith(en):
            head, body = head + zh, body[len(en):]
            break
    loc = ""
    m = _LOCATION.fullmatch(body) or (_FILE.fullmatch(body) if head.endswith("：") else None)
    if m is not None and not m.group("loc").startswith(("http:", "https:")):
        loc, body = m.group("loc"), m.group("rest")
    return indent, head, loc, body




class TranslatingStream:
    """A text stream that prints each line in Chinese (`translate_line`) as it is finished:
    on a newline, or — for a progress line rewritten in place (`\\r`) — when flushed."""

    def __init__(self, stream):
        self.stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            self.stream.write(self._line(line) + "\n")
        return len(text)

    def _line(self, line: str) -> str:
        # a progress line: `\r` parts, each a line of its own on the screen, each perhaps
        # starting with the terminal's "erase the line" (ESC [ K)
        out = []
        for part in line.split("\r"):
            erase = "\x1b[K" if part.startswith("\x1b[K") else ""
            out.append(erase + translate_line(part[len(erase):]))
        return "\r".join(out)

    def flush(self) -> None:
        if self._pending:
            self.stream.write(self._line(self._pending))
            self._pending = ""
        self.stream.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self.stream.fileno()

    def close(self) -> None:
        self.flush()
        self.stream.close()

    def __getattr__(self, name: str):             # encoding, errors, buffer …
        return getattr(self.stream, name)


def localise_parser(parser) -> None:
    """A command line parser's help in Chinese: its description and epilog, every argument's
    help, every subcommand's, through the catalogue; argparse's own words (`usage:`,
    `options`, its error formats) through `gettext` (`localise_argparse`)."""
    import argparse

    seen = set()

    def walk(p) -> None:
        if id(p) in seen:
            return
        seen.add(id(p))
        for name in ("description", "epilog"):
            if getattr(p, name, None):
                setattr(p, name, tr(getattr(p, name)))
        for action in p._actions:
            if action.help and action.help is not argparse.SUPPRESS:
                action.help = tr(action.help)
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    if choice.help:
                        choice.help = tr(choice.help)
                for sub in action.choices.values():
                    walk(sub)
    walk(parser)


def localise_argparse() -> None:
    """argparse's own messages in the user's language: it asks `argparse._` and
    `argparse.ngettext` for each (by their English), so those are pointed here."""
    import argparse
    argparse._ = gettext
    argparse.ngettext = ngettext
