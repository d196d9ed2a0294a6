"""Templates and the translator: a printed English text matched against the catalogue's
templates (a regular expression made once from each; the one with the most literal text
wins), what filled a placeholder translated the same way when it is itself a message (module
doc of typeset.i18n)."""
from __future__ import annotations

import re


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


_FULL_WIDTH = {";": "；", ":": "：", ",": "，"}
_HAN = _Lazy(r"[\u4e00-\u9fff]")
#: typeset's own labels before a colon inside a line (`(hint: …)`)
_LABELS = {"hint": "提示", "error": "错误", "warning": "警告",
           # where `typeset check --pdf` found a violation (render/preflight/)
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
