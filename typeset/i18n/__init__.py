"""The desk's language: what typeset prints, in Chinese when the locale is Chinese.

**Which language.** Read from the environment in gettext's order: the first of `LANGUAGE`
(a colon list, read left to right), `LC_ALL`, `LC_MESSAGES`, `LANG` that is set and not
empty decides. A language starting with `zh` is Chinese (简体); `en`, `C` and `POSIX` are
English; in `LANGUAGE` a language typeset has no catalogue for is skipped (`fr:zh_CN` is
Chinese). The locale need not be installed: only the names are read. `LANGUAGE=en` forces
English whatever the locale.

**One catalogue.** The source is written in English; `zh_CN.po` (beside this file, a plain
gettext .po file read as text: no compile step) maps every English *template* to its Chinese.
A template is a message as the source writes it, f-string expressions as placeholders
(`{what} not found` → `找不到{what}`); `typeset.i18n.extract` finds them all with `ast`, and
tests/test_i18n.py fails for any the catalogue lacks.

**At print time.** A printed English text is matched against the templates (a regular
expression made once from each; the one with the most literal text wins); what filled a
placeholder is translated the same way when it is itself a message (`the manifest`, an
OS error's words), else kept as it is (paths, keys, values, code points). So no raise site
changes: `TypesetError("…", hint="…")` stays English in the code, the CLI translates the
message and the hint when it prints them, with the location `file:line:col` intact.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

CATALOGUE_DIR = Path(__file__).resolve().parent
#: catalogue entries for words typeset's source does not write: the operating system's error
#: texts (what fills `{err.strerror}`) and the progress line's shape
EXTRA = frozenset({
    "No such file or directory", "Permission denied", "No space left on device",
    "Read-only file system", "Is a directory", "Not a directory", "File name too long",
    "Too many levels of symbolic links", "File exists", "Directory not empty",
    "Input/output error", "Operation not permitted", "Disk quota exceeded", "Invalid argument",
    "Resource temporarily unavailable", "Bad file descriptor", "Too many open files",
    "{what}: {done}/{total}…",
    # what the preflight names by a capitalised word (not found as a sentence by extract)
    "RGB colour",
    "none"})                                       # (a report's empty measure)
_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language(environ: dict[str, str] | None = None) -> str:
    """'zh' or 'en', from the environment as gettext reads it (module doc)."""
    env = os.environ if environ is None else environ
    for name in _VARIABLES:
        value = env.get(name, "")
        if not value:
            continue
        for lang in (value.split(":") if name == "LANGUAGE" else [value]):
            known = _known(lang)
            if known is not None:
                return known
            if name != "LANGUAGE":
                break
        return "en"
    return "en"


def _known(lang: str) -> str | None:
    lang = lang.strip().lower()
    if lang.startswith("zh"):
        return "zh"
    if lang in ("c", "posix") or lang.startswith(("c.", "en")):
        return "en"
    return None


def chinese() -> bool:
    return language() == "zh"


# -- the catalogue ----------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _po_string(text: str) -> str:
    """The value of a "…" line of a .po file."""
    body = text.strip()
    if len(body) < 2 or body[0] != '"' or body[-1] != '"':
        raise ValueError(f"not a quoted string: {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body[1:-1])


def po_quote(text: str) -> str:
    """A string as a .po file writes it (long ones split at spaces, one part a line)."""
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
            .replace("\t", "\\t").replace("\r", "\\r") + '"'
    if len(text) < 70 and "\n" not in text:
        return q(text)
    parts = re.findall(r"[^\n ]* ?\n?|.+", text)
    lines, cur = [], ""
    for p in parts:
        if not p:
            continue
        if cur and len(cur) + len(p) > 72:
            lines.append(cur)
            cur = ""
        cur += p
        if cur.endswith("\n"):
            lines.append(cur)
            cur = ""
    if cur:
        lines.append(cur)
    return '""\n' + "\n".join(q(x) for x in lines)


def read_po(text: str) -> dict[str, str]:
    """msgid → msgstr of a .po file (entries with an empty msgstr left out; the header too)."""
    entries: dict[str, str] = {}
    msgid = msgstr = None
    field = None

    def done() -> None:
        if msgid and msgstr:
            if msgid in entries:
                raise ValueError(f"msgid given twice: {msgid!r}")
            entries[msgid] = msgstr
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            if line.startswith("msgid "):
                done()
                msgid, msgstr, field = _po_string(line[6:]), None, "id"
            elif line.startswith("msgstr "):
                msgstr, field = _po_string(line[7:]), "str"
            elif line.startswith('"') and field == "id":
                msgid += _po_string(line)
            elif line.startswith('"') and field == "str":
                msgstr += _po_string(line)
            else:
                raise ValueError(f"unexpected line {raw!r}")
        except (ValueError, TypeError) as err:
            raise ValueError(f"line {n}: {err}") from None
    done()
    return entries


@lru_cache(maxsize=None)
def catalogue(name: str = "zh_CN") -> dict[str, str]:
    """The catalogue `name` (`zh_CN.po` beside this module) as msgid → msgstr."""
    return read_po((CATALOGUE_DIR / f"{name}.po").read_text(encoding="utf-8"))


# -- templates ----------------------------------------------------------------------------------

def split_template(template: str) -> list[tuple[str, str]]:
    """A template as ("text", literal) and ("name", placeholder) parts: {{ and }} are
    literal braces; a placeholder runs to its matching brace (it may hold brackets,
    quotes and nested braces of the source expression)."""
    parts: list[tuple[str, str]] = []
    lit = ""
    i, n = 0, len(template)
    while i < n:
        c = template[i]
        if c == "{" and template.startswith("{{", i):
            lit += "{"
            i += 2
        elif c == "}" and template.startswith("}}", i):
            lit += "}"
            i += 2
        elif c == "{":
            depth, j, quote = 1, i + 1, None
            while j < n and depth:
                d = template[j]
                if quote:
                    if d == quote:
                        quote = None
                elif d in "'\"":
                    quote = d
                elif d in "{[(":
                    depth += 1
                elif d in "}])":
                    depth -= 1
                j += 1
            if depth:
                raise ValueError(f"unclosed placeholder in {template!r}")
            if lit:
                parts.append(("text", lit))
                lit = ""
            parts.append(("name", template[i + 1:j - 1]))
            i = j
        else:
            lit += c
            i += 1
    if lit:
        parts.append(("text", lit))
    return parts


class _Lazy:
    """A regular expression compiled when it is first used: an English desk never uses these,
    and compiling them was most of what importing this module cost (~3 ms a process)."""
    __slots__ = ("_pattern", "_flags", "_re")

    def __init__(self, pattern: str, flags: int = 0):
        self._pattern, self._flags, self._re = pattern, flags, None

    def __getattr__(self, name: str):
        if self._re is None:
            self._re = re.compile(self._pattern, self._flags)
        return getattr(self._re, name)


def placeholders(template: str) -> list[str]:
    return [v for k, v in split_template(template) if k == "name"]


#: placeholders that always hold a number
_NUMERIC = _Lazy(r"^len\(|^(?:n|i|k|count|total|done|lines|digits)$|\.line\b|"
                 r"\bline_offset\b|\blineno\b|"
                 r"[._](?:pages|count|lines|total|number_of\w*|size_pt)$|"
                 r"^(?:report|r|s|stats)\.(?:covers|contents_pages|body_pages|padding|"
                 r"front_blanks|inserts|pages)$| [-+] \d+$")


class _Pattern:
    __slots__ = ("regex", "names", "target", "weight", "anchor", "joiner", "verbatim")

    def __init__(self, msgid: str, msgstr: str):
        parts = split_template(msgid)
        regex, names, groups = "", [], {}
        for kind, value in parts:
            if kind == "text":
                regex += re.escape(value)
            elif value in groups:
                regex += f"(?P={groups[value]})"
            else:
                groups[value] = f"g{len(groups)}"
                names.append(value)
                # a count (`{n}`, `{len(rows) - 1}`, `{report.pages}`) is digits: the parts
                # beside it cannot take them
                body = r"-?\d[\d,]*(?:\.\d+)?" if _NUMERIC.search(value) else ".*?"
                regex += f"(?P<{groups[value]}>{body})"
        self.regex = re.compile(regex, re.S)
        self.names = {value: group for value, group in groups.items()}
        self.target = split_template(msgstr)
        literals = [v for k, v in parts if k == "text"]
        self.weight = (sum(len(v) for v in literals), -len(groups))
        self.anchor = max(literals, key=len) if literals else ""
        # two messages joined by a word (`{row} at {where}`): it matches much, so it is
        # taken only for short, plain parts (`Translator._work_out`)
        self.joiner = len(groups) >= 2 and self.weight[0] <= 6
        # a placeholder in quotes holds what the user wrote (a key, a value, a title): it is
        # printed as written, never translated
        self.verbatim = {value for value in groups
                         if re.search(r"['\"“‘`]\{" + re.escape(value) + r"\}['\"”’`]",
                                      msgid.replace("{{", "").replace("}}", ""))}


class Translator:
    """English → Chinese by the catalogue's templates (module doc)."""

    def __init__(self, entries: dict[str, str]):
        self.exact: dict[str, str] = {}
        self.patterns: list[_Pattern] = []
        self.misses: list[str] = []
        # (text, depth) -> its Chinese (None: none found); by depth too, so that what was
        # cut short deep in one line is worked out afresh where more depth is left
        self._memo: dict[tuple[str, int], str | None] = {}
        for msgid, msgstr in entries.items():
            if placeholders(msgid):
                self.patterns.append(_Pattern(msgid, msgstr))
            else:
                self.exact[_literal(msgid)] = _literal(msgstr)
        # the most literal text first: the first full match is the most specific
        self.patterns.sort(key=lambda p: p.weight, reverse=True)

    def translate(self, text: str) -> str:
        """`text` in Chinese; text no template matches is returned as it is (and, when it
        reads as English words, remembered in `misses`)."""
        out = self._translate(text, 0)
        if out is None:
            if _reads_english(text):
                self._miss(text)
            return text
        return out

    def _miss(self, text: str) -> None:
        """Remember English no template had (the first thousand: a watch runs for hours)."""
        if len(self.misses) < 1000:
            self.misses.append(text)

    def _translate(self, text: str, depth: int) -> str | None:
        """`text` in Chinese, or None. Each text is worked out once (`_memo`): a line split
        many ways meets the same parts again and again."""
        if not text or depth > 10:
            return None
        key = (text, depth)
        if key in self._memo:
            return self._memo[key]
        if len(self._memo) > 50000:
            self._memo.clear()
        self._memo[key] = None                    # (while it is being worked out)
        found = self._work_out(text, depth)
        self._memo[key] = found
        return found

    def _work_out(self, text: str, depth: int) -> str | None:
        found = self.exact.get(text)
        if found is not None:
            return found
        fallback = None
        for p in self.patterns:
            if p.anchor not in text:
                continue
            m = p.regex.fullmatch(text)
            if m is None:
                continue
            values = {name: m.group(group) for name, group in p.names.items()}
            if any("; " in v for name, v in values.items() if name not in p.verbatim) or \
                    p.joiner and any(": " in v for v in values.values()) or \
                    not all(_balanced(v) for v in values.values()):
                # a placeholder took a clause of its own, or half a bracket: the template
                # is not this text's
                continue
            out = []
            for kind, value in p.target:
                if kind == "text":
                    out.append(value)
                elif value in p.verbatim:
                    out.append(values.get(value, ""))
                else:
                    out.append(self._value(values.get(value, ""), depth))
            result = "".join(out)
            if not _reads_english(result):
                return result
            if p.joiner:
                continue                    # (never the fallback: it matches too much)
            # a template whose placeholders took words it cannot translate was probably
            # the wrong one (`{key}: {err} in {value}` matches much): look further
            fallback = fallback or result
        composed = self._compose(text, depth)
        if composed is not None and (fallback is None or not _reads_english(composed)):
            return composed
        if fallback is not None:
            return fallback
        core = text.strip()
        if core != text and core:
            inner = self._translate(core, depth + 1)
            if inner is not None:
                start = text.index(core)
                return text[:start] + inner + text[start + len(core):]
        if "\n" in text:
            lines = text.split("\n")
            done = [self._translate(ln, depth + 1) if ln.strip() else ln for ln in lines]
            if any(d is not None for d in done):
                for ln, d in zip(lines, done):
                    if d is None and _reads_english(ln):
                        self._miss(ln)
                return "\n".join(ln if d is None else d for ln, d in zip(lines, done))
        return None

    #: how messages are put together from others with no words of their own — `{key}:
    #: {doc}`, `{message}; {more}`, `{message} ({detail})` — tried, in this order, when no
    #: template matches the whole
    _JOINS = ("\n", "; ", ": ", " — ", ", ")

    def _compose(self, text: str, depth: int) -> str | None:
        """`text` as parts joined by punctuation, each translated (or left as it is when it
        is a key, a name or a value): the first way of splitting it that leaves no English,
        else None."""
        for sep in self._JOINS:
            if sep not in text:
                continue
            # split at every separator, else at one of them (`number: {problem}` where the
            # problem has colons of its own)
            ways = [text.split(sep)]
            at = [m.start() for m in re.finditer(re.escape(sep), text)]
            if 1 < len(at) <= 6:
                ways += [[text[:i], text[i + len(sep):]] for i in at]
            for pieces in ways:
                done = [self._part(piece, depth, sep if k else "")
                        for k, piece in enumerate(pieces)]
                if all(d is not None for d in done) and done != pieces:
                    joined = sep.join(done)
                    if not _reads_english(joined):
                        return joined
        # `{message} ({detail})`: the detail the last bracket (brackets may nest in it)
        for split in (_last_bracket(text),):
            if split is None:
                continue
            head, inner = self._part(split[0], depth), self._part(split[1], depth)
            if head is not None and inner is not None:
                joined = f"{head}（{inner}）"
                if not _reads_english(joined):
                    return joined
        return None

    def _part(self, piece: str, depth: int, sep: str = "") -> str | None:
        """A part of a composed message in Chinese; as it is when it is not words (a key, a
        value, a name); None when it reads as English and no template has it. A part is
        also looked for with the separator before it (`message += f"; {more}"` makes the
        template `; {more}`)."""
        if piece.strip() in _LABELS:
            return piece.replace(piece.strip(), _LABELS[piece.strip()])
        if not piece.strip() or not re.search(r"[A-Za-z]{2}", piece):
            return piece
        found = self._translate(piece, depth + 1)
        if found is not None and not _reads_english(found) or not _reads_english(piece):
            return found if found is not None else piece
        if found is None and sep.strip():
            joined = self._translate(sep + piece, depth + 1)
            lead = sep.strip()
            for mark in (sep, lead, _FULL_WIDTH.get(lead, lead)):
                if joined is not None and joined.startswith(mark):
                    return joined[len(mark):].lstrip()
        return found

    def _value(self, value: str, depth: int) -> str:
        """What filled a placeholder: translated when it is a message itself — words with a
        space between them; a lone word is a key, a name or a value and stays as written
        (the catalogue gives the whole message for the few words that must change:
        `single line at the page foot`)."""
        if not re.search(r"[A-Za-z]", value):
            return value
        if not re.search(r"\S\s+\S", value):
            # a lone word: as written, unless the catalogue has it whole (`none`)
            return self.exact.get(value, value)
        out = self._translate(value, depth + 1)
        if out is not None:
            return out
        # Unicode's label of a code point without a name (`U+E000 <private use>`)
        labelled = re.sub(r"<[a-z][a-z -]*>", lambda m: self.exact.get(m.group(0), m.group(0)),
                          value)
        if labelled != value:
            return labelled
        if _reads_english(value):
            self._miss(value)
        return value


def _literal(template: str) -> str:
    return template.replace("{{", "{").replace("}}", "}")


#: two lower-case English words in a row, outside quotes and code: text a reader must read
_QUOTED = _Lazy(r"'[^']*'|\"[^\"]*\"|`[^`]*`|‘[^’]*’|“[^”]*”|\S*[/\\]\S*|\S+\.\w+\b|"
                # what a library says after its exception's name (`JSONDecodeError:
                # Expecting value: line 1 …`): quoted as it is, never translated
                r"\b[A-Z]\w*(?:Error|Exception): [^)）\n]*|(?<=[(（])error: [^)）\n]*")
_WORDS = _Lazy(r"(?<![A-Za-z])(?:[a-z]{2,}|a)[,;:]? [a-z]{2,}(?![A-Za-z])")


def _reads_english(text: str) -> bool:
    """Whether `text` holds English a reader must read: two words in a row (`page(s)` is a
    word) outside quotes, paths and file names."""
    return bool(_WORDS.search(_QUOTED.sub(" ", text).replace("(s)", "s")))


@lru_cache(maxsize=None)
def translator(name: str = "zh_CN") -> Translator:
    return Translator(catalogue(name))


def tr(text: str) -> str:
    """`text` in the user's language (module doc): as it is in English, else through the
    catalogue."""
    if not text or not chinese():
        return text
    return translator().translate(text)


def gettext(message: str) -> str:
    """An exact lookup, for argparse's own messages (`%(prog)s: error: …`): argparse asks
    `gettext` for each of them by its English."""
    if not chinese():
        return message
    return catalogue().get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


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


_FULL_WIDTH = {";": "；", ":": "：", ",": "，"}
_HAN = _Lazy(r"[\u4e00-\u9fff]")
#: typeset's own labels before a colon inside a line (`(hint: …)`)
_LABELS = {"hint": "提示", "error": "错误", "warning": "警告",
           # where `typeset check --pdf` found a violation (render/preflight.py)
           "document": "文档", "output intent": "输出意图", "page": "页面"}


_PAIRS = ("()", "（）", "[]", "“”", "‘’", "{}")


def _balanced(text: str) -> bool:
    """Whether every bracket and curly quote opened in `text` is closed in it."""
    return all(text.count(a) == text.count(b) for a, b in _PAIRS)


def _last_bracket(text: str) -> tuple[str, str] | None:
    """(`head`, `inner`) of a text ending in ` (inner)`, the brackets balanced (the inner
    part may hold brackets of its own); None otherwise."""
    if not text.endswith(")"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        c = text[i]
        if c == ")":
            depth += 1
        elif c == "(":
            depth -= 1
            if depth == 0:
                if i > 0 and text[i - 1] == " " and text[:i - 1].strip():
                    return text[:i - 1], text[i + 1:-1]
                return None
    return None


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
