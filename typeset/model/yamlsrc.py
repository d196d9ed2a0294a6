"""Reading source files and YAML that remembers where every value came from.

`read_source` turns a file into text (UTF-8, newlines normalised) or a TypesetError naming the
first undecodable byte. `load_yaml` parses YAML into plain Python data — `YamlMap` (a dict)
and `YamlList` (a list) — and keeps a side table on each container with the 1-based line and
column of every key and value, plus each scalar exactly as it was written. `schema.from_data`
uses those tables to point its messages at the right place.

Decisions (documented for the README):
- YAML 1.1 as PyYAML reads it, with the safe constructors only (no Python objects).
- Mapping keys are always text as written: `no:` is the key "no", `1:` is the key "1".
- A key given twice in one mapping is an error (YAML itself would keep the last silently).
- Marks are 1-based; `line_offset` shifts every line (front matter inside a Markdown file).
- Merge keys (`<<: *base`) are expanded here: keys written in the mapping win over merged
  ones, earlier merged mappings over later ones.
- Every source file is scanned for refused characters (`chars.scan`) before a parser sees it.

Caps, so that a file of a few KB can never take minutes or gigabytes (a "billion laughs" of
aliases, brackets nested thousands deep, a file that is not a manifest at all): a YAML
document holds at most MAX_YAML_CHARS characters, nests mappings and lists at most MAX_DEPTH
deep and expands (aliases and merge keys included) to at most MAX_VALUES values holding at
most MAX_TEXT characters (the characters of every scalar once aliases are expanded: a few
aliases of a long string multiply text as surely as aliases of aliases multiply values); a
source file is at most MAX_SOURCE_BYTES. Each is refused with the line where the cap is
crossed.
"""
from __future__ import annotations

import os
import re
import stat
from typeset.records import dataclass
from pathlib import Path
from typing import Any

from typeset.errors import TypesetError
from typeset.model import chars

#: PyYAML, imported when a document is parsed (`_need_yaml`): a warm build takes its
#: documents from the cache (model/doccache.py) and never imports it (~12 ms)
yaml: Any = None


def _need_yaml() -> None:
    global yaml
    if yaml is None:
        import yaml as module
        yaml = module

__all__ = [
    "Mark", "YamlMap", "YamlList", "read_source", "load_yaml",
    "mark_of", "key_mark_of", "raw_scalar",
    "MAX_SOURCE_BYTES", "MAX_YAML_CHARS", "MAX_DEPTH", "MAX_VALUES", "MAX_TEXT",
    "written_path",
]

MAX_SOURCE_BYTES = 4 * 1024 * 1024   # a source file (an article: about 1.3 million characters)
MAX_YAML_CHARS = 256 * 1024          # a YAML document: a manifest, a layout, front matter
MAX_DEPTH = 64                       # mappings and lists inside each other
MAX_VALUES = 20_000                  # values of a document once aliases and merges are expanded
MAX_TEXT = 2 * MAX_YAML_CHARS        # characters of its scalars once aliases are expanded


@dataclass(frozen=True)
class Mark:
    """A place in a source file: 1-based line and column."""
    line: int
    column: int


class YamlMap(dict):
    """A YAML mapping: a plain dict that also remembers where things are.

    mark        -- where the mapping starts
    key_marks   -- key -> Mark of the key
    value_marks -- key -> Mark of the value (for an empty value: just after the colon)
    value_ends  -- key -> Mark just after the value (a `|` block ends on a later line)
    raw         -- key -> the scalar value exactly as written (no quotes); absent for containers
    """
    mark: Mark | None = None

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.mark = None
        self.key_marks: dict[str, Mark] = {}
        self.value_marks: dict[str, Mark] = {}
        self.value_ends: dict[str, Mark] = {}
        self.raw: dict[str, str] = {}


class YamlList(list):
    """A YAML sequence: a plain list with the Mark and the raw text of each item."""
    mark: Mark | None = None

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.mark = None
        self.item_marks: list[Mark] = []
        self.raw: list[str | None] = []


def mark_of(container: Any, key: Any = None) -> Mark | None:
    """Where a value is: `mark_of(m, "year")`, `mark_of(lst, 2)`, or the container itself
    with key=None. Returns None for data that did not come from `load_yaml`."""
    if key is None:
        return getattr(container, "mark", None)
    if isinstance(container, YamlMap):
        return container.value_marks.get(key) or container.key_marks.get(key) or container.mark
    if isinstance(container, YamlList):
        if isinstance(key, int) and 0 <= key < len(container.item_marks):
            return container.item_marks[key]
        return container.mark
    return None


def key_mark_of(container: Any, key: str) -> Mark | None:
    """Where a mapping key is written (for 'unknown key' messages)."""
    if isinstance(container, YamlMap):
        return container.key_marks.get(key) or container.mark
    return None


def raw_scalar(container: Any, key: Any) -> str | None:
    """A scalar exactly as written in the file (`0771`, `no`, `2024-03-15`), or None."""
    if isinstance(container, YamlMap):
        return container.raw.get(key)
    if isinstance(container, YamlList) and isinstance(key, int) and 0 <= key < len(container.raw):
        return container.raw[key]
    return None


# ---------------------------------------------------------------------------------------------
# Reading files

def read_source(path: Path, *, what: str = "file") -> str:
    """The text of `path`: UTF-8 (a leading BOM is dropped), CRLF/CR turned into LF.

    A missing file, a directory or bytes that are not UTF-8 give a TypesetError; for the last
    the message names the line and column of the first bad byte."""
    path = Path(path)
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(st.st_mode):
            raise TypesetError(f"{what} is not a regular file (a device, a pipe or a socket)",
                               file=path, hint="give the path of the file itself")
        if st.st_size > MAX_SOURCE_BYTES:
            raise TypesetError(f"{what} is {st.st_size / 1048576:.1f} MB; typeset reads "
                               f"source files of at most {MAX_SOURCE_BYTES // 1048576} MB",
                               file=path, line=1, hint="check that this is the file you meant; "
                               "split a very long article into several")
        with open(path, "rb") as f:
            data = f.read(MAX_SOURCE_BYTES + 1)
    except FileNotFoundError:
        raise TypesetError(f"{what} not found", file=path,
                           hint="check the path and the file name") from None
    except IsADirectoryError:
        raise TypesetError(f"{what} is a directory, not a file", file=path,
                           hint="give the path of the file itself") from None
    except OSError as err:
        raise TypesetError(f"cannot read {what}: {err.strerror}", file=path,
                           hint="check that the file exists and is readable") from None
    if len(data) > MAX_SOURCE_BYTES:
        raise TypesetError(f"{what} is longer than {MAX_SOURCE_BYTES // 1048576} MB", file=path,
                           line=1, hint="check that this is the file you meant")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        before = data[:err.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        # column in characters of the (valid) text before the bad byte on that line
        column = len(data[line_start:err.start].decode("utf-8", errors="replace")) + 1
        hint = "save the file as UTF-8"
        try:
            data.decode("gb18030")
            hint += (" (it looks like GBK/GB18030; convert it with "
                     f"`iconv -f GB18030 -t UTF-8 {path.name}` or your editor's 'save as UTF-8')")
        except UnicodeDecodeError:
            pass
        raise TypesetError(f"{what} is not valid UTF-8 (byte 0x{data[err.start]:02X})",
                           file=path, line=line, column=column, hint=hint) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chars.scan(text, path)
    return text


def written_path(written: str, base: Path | None = None) -> Path:
    """A path as a manifest writes it, relative to `base` unless absolute.

    A manifest written on Windows may separate folders with backslashes (`articles\\01.md`).
    On a system where the backslash is an ordinary character, a backslash is read as a
    separator when the file does not exist as written (and a missing file is then reported
    with the folders the backslashes name)."""
    def resolve(text: str) -> Path:
        p = Path(text)
        return p if p.is_absolute() or base is None else base / p
    target = resolve(written)
    if "\\" in written and os.sep != "\\" and not target.exists():
        return resolve(written.replace("\\", "/"))
    return target


# ---------------------------------------------------------------------------------------------
# YAML

# What PyYAML says most often, as it says it (its problem and context texts, which a message
# quotes after "malformed YAML: "): listed whole so the message catalogue (typeset.i18n) has
# each in Chinese too.
_PYYAML_WORDS = (
    "found character '\\t' that cannot start any token",
    "mapping values are not allowed here",
    "could not find expected ':'",
    "but found another document",
    "expected a single document in the stream",
    "found unexpected end of stream",
    "did not find expected key",
    "did not find expected '-' indicator",
    "did not find expected ',' or ']'",
    "did not find expected ',' or '}'",
    "while scanning a simple key",
    "while scanning a quoted scalar",
    "while scanning a plain scalar",
    "while parsing a block mapping",
    "while parsing a block collection",
    "while parsing a flow sequence",
    "while parsing a flow mapping",
    "while scanning an alias",
    "while scanning an anchor",
    "found undefined alias",
    "found unhashable key",
    "while constructing a mapping",
    "found duplicate key",
    "expected alphabetic or numeric character, but found ' '",
)

# Hints for PyYAML's problems, in the words of someone editing the file.
_HINTS: list[tuple[str, str]] = [
    ("mapping values are not allowed",
     "a value that contains ': ' must be put in quotes, e.g. title: \"甲: 乙\"; "
     "otherwise check the indentation of this line"),
    ("found character '\\t'", "indent with spaces, not tabs"),
    ("cannot start any token", "this character cannot begin a value; put the value in quotes"),
    ("could not find expected ':'",
     "write each entry as 'key: value' (ASCII colon followed by a space), "
     "and close every quote you open"),
    ("while scanning a quoted scalar", "a quoted value is not closed; add the closing quote"),
    ("did not find expected key",
     "check the indentation: keys of one mapping must start in the same column"),
    ("expected <block end>",
     "check the indentation: entries of one mapping or list must start in the same column"),
    ("did not find expected '-' indicator",
     "check the indentation: list items ('- ...') must start in the same column"),
    ("did not find expected ',' or ']'",
     "a [ ... ] list is not closed, or an item contains ',' or ':' and needs quotes"),
    ("did not find expected ',' or '}'",
     "a { ... } mapping is not closed, or a value contains ',' and needs quotes"),
    ("found undefined alias", "'*' starts a YAML alias; put the value in quotes"),
    ("expected alphabetic or numeric character",
     "'&' or '*' at the start of a value has a meaning in YAML; put the value in quotes"),
    ("found unhashable key", "a key must be plain text"),
    ("expected a single document", "remove the extra '---' line: the file must hold one document"),
    ("could not determine a constructor", "remove the '!' tag; only plain values are allowed"),
]


def _hint_for(problem: str) -> str:
    for needle, hint in _HINTS:
        if needle in problem:
            return hint
    return "check the YAML syntax near this line: 'key: value' entries and '- item' lists"


def _yaml_error(err: yaml.YAMLError, path: Path, text: str, line_offset: int
                ) -> TypesetError:
    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "cannot be read"
        hint = _hint_for(f"{problem} {err.context or ''}")
        message = f"malformed YAML: {problem}"
        if "could not find expected ':'" in problem and err.context_mark is not None:
            # the scanner notices at the next line; the faulty entry is where the key began
            mark = err.context_mark
            message = "malformed YAML: this line is not 'key: value'"
        elif err.context and err.problem and err.context_mark is not None:
            where = f"{err.context} at line {err.context_mark.line + 1 + line_offset}"
            message += f" ({where})"
        if mark is None:
            return TypesetError(message, file=path, hint=hint)
        lines = text.split("\n")
        src = lines[mark.line] if 0 <= mark.line < len(lines) else ""
        hint = colon_hint(src) or hint
        if "'\\t'" in problem and src[:mark.column].strip():
            # a tab after the text has begun is inside a value, not indentation
            message = "malformed YAML: a tab inside a value that is not in quotes"
            hint = "put the value in quotes (\"…\"), where a tab is allowed (it prints as a " \
                   "space), or type a space instead"
        return TypesetError(message, file=path, line=mark.line + 1 + line_offset,
                            column=mark.column + 1, hint=hint)
    return TypesetError(f"malformed YAML: {err}", file=path, hint=_hint_for(str(err)))


class _Limit(Exception):
    """A cap of the module docstring was reached at a node."""

    def __init__(self, message: str, hint: str, mark):
        super().__init__(message)
        self.message, self.hint, self.mark = message, hint, mark


_DEPTH_MESSAGE = f"mappings and lists nested more than {MAX_DEPTH} deep"
_DEPTH_HINT = "a manifest, layout or front matter needs only a few levels; check the brackets"


_loader_class: type | None = None


def _Loader(stream: str):
    """The safe loader with a depth cap (its class is made on first use, after PyYAML is
    imported)."""
    global _loader_class
    if _loader_class is None:
        _need_yaml()

        class _DepthCappedLoader(yaml.SafeLoader):
            """The safe loader with a depth cap: PyYAML's composer recurses once per level,
            so `[[[[…` a few thousand deep would otherwise end in a RecursionError."""

            def __init__(self, stream: str):
                super().__init__(stream)
                self.depth = 0
                self.alias_marks: dict[tuple[int, int], Any] = {}  # (parent id, index) -> '*'

            def compose_node(self, parent, index):
                if self.check_event(yaml.AliasEvent) and parent is not None:
                    key = index if isinstance(index, int) else id(index)
                    self.alias_marks[(id(parent), key)] = self.peek_event().start_mark
                if self.depth >= MAX_DEPTH:
                    raise _Limit(_DEPTH_MESSAGE, _DEPTH_HINT, self.peek_event().start_mark)
                self.depth += 1
                try:
                    return super().compose_node(parent, index)
                finally:
                    self.depth -= 1
        _loader_class = _DepthCappedLoader
    return _loader_class(stream)


_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Builder:
    """Turns a composed node tree into YamlMap / YamlList / scalars with marks.

    Aliases are expanded by building the node they name again, so the builder counts the
    values it makes (MAX_VALUES) and how deep it is (MAX_DEPTH): a few lines of aliases of
    aliases ("billion laughs") stop at the cap instead of filling the memory."""

    def __init__(self, loader: yaml.SafeLoader, path: Path, line_offset: int, *,
                 fast: bool = False):
        self.loader = loader
        self.path = path
        self.offset = line_offset
        self.fast = fast                  # libyaml's nodes: no depth cap was applied yet
        self.busy: set[int] = set()       # guards against recursive aliases
        self.count = 0
        self.chars = 0                    # characters of the scalars built (MAX_TEXT)
        self.via: list[Any] = []          # marks of the aliases being expanded, outermost first

    def mark(self, node: yaml.Node) -> Mark:
        return self.place(node.start_mark)

    def place(self, m) -> Mark:
        """A parser's mark (0-based) as a Mark of the file."""
        return Mark(m.line + 1 + self.offset, m.column + 1)

    def error(self, node: yaml.Node, message: str, hint: str) -> TypesetError:
        m = self.mark(node)
        if self.via and ("expands" in message or "deep" in message):
            a = self.via[0]
            m = Mark(a.line + 1 + self.offset, a.column + 1)
        return TypesetError(message, file=self.path, line=m.line, column=m.column, hint=hint)

    def child(self, parent: yaml.Node, key: Any, node: yaml.Node, depth: int) -> Any:
        """Build `node`, found at `key` of `parent`: through an alias, errors below it are
        reported at the alias (where the expansion starts), not at the anchor."""
        if self.fast:                     # no aliases: _load_fast takes no '*'
            return self.build(node, depth)
        alias = self.loader.alias_marks.get((id(parent), key if isinstance(key, int)
                                             else id(key)))
        if alias is None:
            return self.build(node, depth)
        self.via.append(alias)
        try:
            return self.build(node, depth)
        finally:
            self.via.pop()

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        if self.fast and depth >= MAX_DEPTH:
            raise _Slow                   # _Loader.compose_node's cap, said in its words
        self.count += 1
        if self.count > MAX_VALUES:
            raise self.error(node, f"malformed YAML: the document expands to more than "
                                   f"{MAX_VALUES} values (aliases '*' repeat what their anchor "
                                   "'&' names)",
                             "write the values out instead of nesting aliases of aliases")
        if depth > MAX_DEPTH:
            raise self.error(node, f"malformed YAML: {_DEPTH_MESSAGE} (counting aliases)",
                             _DEPTH_HINT)
        if isinstance(node, yaml.ScalarNode):
            self.chars += len(node.value)
            if self.chars > MAX_TEXT:
                raise self.error(node, f"malformed YAML: the document expands to more than "
                                       f"{MAX_TEXT // 1024}K characters of text (aliases '*' "
                                       "repeat what their anchor '&' names)",
                                 "write the text out once instead of repeating it through "
                                 "aliases")
            try:
                return self.loader.construct_object(node, deep=True)
            except (ValueError, OverflowError):
                # e.g. `2024-02-30` looks like a date but is none: keep the text as written
                return node.value
        if id(node) in self.busy:
            raise self.error(node, "malformed YAML: an alias refers to itself",
                             "remove the recursive '*' alias")
        self.busy.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return self.build_list(node, depth)
            return self.build_map(node, depth)
        finally:
            self.busy.discard(id(node))

    def build_list(self, node: yaml.SequenceNode, depth: int) -> YamlList:
        out = YamlList()
        out.mark = self.mark(node)
        for i, item in enumerate(node.value):
            out.append(self.child(node, i, item, depth + 1))
            out.item_marks.append(self.mark(item))
            out.raw.append(item.value if isinstance(item, yaml.ScalarNode) else None)
        return out

    def build_map(self, node: yaml.MappingNode, depth: int) -> YamlMap:
        out = YamlMap()
        out.mark = self.mark(node)
        merged: list[YamlMap] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged += self.merge_sources(node, key_node, value_node, depth)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error(key_node, "malformed YAML: a key must be plain text",
                                 "write keys as 'name: value'")
            key = key_node.value
            if key in out:
                first = out.key_marks[key]
                raise self.error(key_node, f"key '{key}' is given twice",
                                 f"it is already set at line {first.line}; keep one of them")
            out[key] = self.child(node, key_node, value_node, depth + 1)
            out.key_marks[key] = self.mark(key_node)
            out.value_marks[key] = self.mark(value_node)
            out.value_ends[key] = self.place(value_node.end_mark)
            if isinstance(value_node, yaml.ScalarNode):
                out.raw[key] = value_node.value
        # YAML merge keys (`<<`): keys written here win, then earlier merged mappings
        for source in merged:
            for key, value in source.items():
                if key in out:
                    continue
                out[key] = value
                out.key_marks[key] = source.key_marks.get(key) or source.mark
                out.value_marks[key] = source.value_marks.get(key) or source.mark
                if key in source.raw:
                    out.raw[key] = source.raw[key]
        return out

    def merge_sources(self, node: yaml.MappingNode, key_node: yaml.Node,
                      value_node: yaml.Node, depth: int) -> list[YamlMap]:
        if isinstance(value_node, yaml.SequenceNode):
            parent, pairs = value_node, list(enumerate(value_node.value))
        else:
            parent, pairs = None, [(key_node, value_node)]
        out = []
        for key, n in pairs:
            if not isinstance(n, yaml.MappingNode):
                raise self.error(n, "malformed YAML: '<<' must name a mapping",
                                 "write '<<: *name' where '&name' marks a mapping")
            if parent is None:
                out.append(self.child(node, key, n, depth + 1))
            else:
                out.append(self.child(parent, key, n, depth + 1))
        return out


# The fast path: libyaml (PyYAML's C parser, `yaml.CSafeLoader`) composes the nodes in C
# instead of PyYAML's pure-Python scanner, parser and composer (the sample's 12 documents load
# in ~4 ms instead of ~21 ms), with the same resolver and constructors (they stay Python) and
# nodes that carry the same marks. It is taken only where it cannot differ from the
# pure-Python path (tests/test_yaml_fast.py proves equal data, marks and raw text over every
# YAML file of the repository and generated documents):
# - libyaml 0.2.6 or later: it caps nesting at 1000 levels (with an older one, PyYAML's C
#   composer would recurse as deep as a document nests, `- - - - …` thousands deep);
# - none of the characters on which the two are known to disagree or which need the
#   pure-Python loader's own bookkeeping: anchors and aliases (`&`, `*`: _Loader.alias_marks
#   puts errors below an alias at the alias), tags (`!`), directives (`%` starting a line),
#   tabs, CR and the other line breaks (U+0085, U+2028, U+2029), BOMs and the characters YAML
#   refuses (C0/C1 controls, surrogates, U+FFFE/U+FFFF); a `?` in a document with flow
#   brackets (PyYAML ends a plain scalar at `?` inside brackets, libyaml does not); a `#`
#   right after a block scalar's header (`|#`: libyaml reads a comment, PyYAML an error);
#   an empty key or value inside `{…}` (libyaml marks it at the next token, PyYAML after the
#   colon);
# - and only when it succeeds: any error at all (malformed YAML, a duplicate key, a cap, a
#   nesting depth of MAX_DEPTH) sends the document through the pure-Python path, so every
#   message, line and column stays exactly what it was.

def _libyaml_loader() -> type | None:
    _need_yaml()
    try:
        if yaml.__with_libyaml__ and yaml._yaml.get_version() >= (0, 2, 6):
            return yaml.CSafeLoader
    except (AttributeError, TypeError, ValueError):
        pass
    return None


_UNSET = object()
_CLoader: Any = _UNSET          # yaml.CSafeLoader or None, found on first use (`_c_loader`)


def _c_loader() -> type | None:
    global _CLoader
    if _CLoader is _UNSET:
        _CLoader = _libyaml_loader()
    return _CLoader


_NOT_FAST = re.compile(r"[&*!\t\r\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff"
                       r"\ufffe\uffff\ud800-\udfff]|^%|[|>][-+0-9]*#", re.M)


class _Slow(Exception):
    """The fast path declines a document (also its sentinel result)."""


class _FastBuilder(_Builder):
    """The builder over libyaml's nodes. One mark is placed differently: at the end of a
    text that does not end with a line break, libyaml starts a line of its own (the stream
    end is line n + 1, column 0) where PyYAML stays at the end of the last line."""

    def __init__(self, loader, path: Path, line_offset: int, text: str):
        super().__init__(loader, path, line_offset, fast=True)
        last = text.rfind("\n")
        self.end_line = -1 if not text or last == len(text) - 1 else text.count("\n") + 1
        self.end_column = len(text) - last - 1

    def build_map(self, node: yaml.MappingNode, depth: int) -> YamlMap:
        if node.flow_style and any(isinstance(n, yaml.ScalarNode) and not n.value
                                   and n.style not in ("'", '"')
                                   for pair in node.value for n in pair):
            raise _Slow                   # `{a: }`: the empty value's mark differs
        return super().build_map(node, depth)

    def place(self, m) -> Mark:
        if m.line == self.end_line and m.column == 0:
            return Mark(self.end_line + self.offset, self.end_column + 1)
        return Mark(m.line + 1 + self.offset, m.column + 1)


def _load_fast(text: str, path: Path, line_offset: int) -> Any:
    """`load_yaml`'s result through libyaml, or `_Slow` when the pure-Python path must say
    it (any error: see above)."""
    loader = None
    try:
        loader = _c_loader()(text)
        node = loader.get_single_node()
        if node is None:
            return None
        return _FastBuilder(loader, path, line_offset, text).build(node)
    except Exception:                     # noqa: BLE001 (the pure-Python path decides)
        return _Slow
    finally:
        if loader is not None:
            loader.dispose()


_FLOW_MARKS = re.compile(r"[\[\]{}'\"#]")     # what _flow_depth looks at
_DOUBLE_QUOTED = re.compile(r'["\\]')


def _flow_depth(text: str) -> int | None:
    """Offset of the first flow bracket (`[` or `{`) nested deeper than MAX_DEPTH, or None.

    PyYAML's scanner slows down with every open bracket (about 0.2 s for a few thousand),
    before its composer would reach the depth cap, so deep brackets are found first by this
    quick pass. Brackets inside quotes and comments do not count. A comment starts at `#`
    after white space (or at a line's start), a quote at `'` or `"` after white space or one
    of `[{,:-`; the pass jumps from one bracket, quote or `#` to the next."""
    depth = 0
    i, n = 0, len(text)
    marks = _FLOW_MARKS.search
    while True:
        m = marks(text, i)
        if m is None:
            return None
        i = m.start()
        c = text[i]
        prev = text[i - 1] if i else "\n"
        if c == "#":
            if prev in " \t\n":             # a comment: to the end of the line
                i = text.find("\n", i)
                if i < 0:
                    return None
                continue
        elif c == "'" or c == '"':
            if prev in " \t\n[{,:-":        # a quoted scalar: to its closing quote
                k = i + 1
                while True:
                    if c == "'":
                        k = text.find("'", k)
                    else:
                        q = _DOUBLE_QUOTED.search(text, k)
                        k = q.start() if q else -1
                    if k < 0:
                        return None
                    if c == "'" and k + 1 < n and text[k + 1] == "'":
                        k += 2                  # '' inside single quotes
                    elif c == '"' and text[k] == "\\":
                        k += 2                  # an escaped character
                    else:
                        break
                i = k + 1
                continue
        elif c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return i
        else:
            depth = max(0, depth - 1)
        i += 1


def load_yaml(path: Path, text: str | None = None, *, line_offset: int = 0,
              keep: bool = True) -> Any:
    """Parse YAML from `text` (or the file at `path`) into plain data with marks. `keep`:
    the result is kept in the cache, and taken from it (model/doccache.py; not for front
    matter, which is kept with its article).

    Returns a YamlMap, YamlList, scalar or None (empty document). Malformed YAML, a refused
    character or a document past the caps of the module docstring raises a TypesetError
    with file, line (shifted by `line_offset`), column and a hint."""
    path = Path(path)
    if text is None:
        text = read_source(path, what="YAML file")
    else:
        chars.scan(text, path, line_offset=line_offset)
    if len(text) > MAX_YAML_CHARS:
        raise TypesetError(f"YAML is longer than {MAX_YAML_CHARS // 1024} KB",
                           file=path, line=text.count("\n", 0, MAX_YAML_CHARS) + 1 + line_offset,
                           hint="a manifest, layout or front matter is a few KB; check that "
                                "this is the file you meant (article text goes below the "
                                "front matter's closing '---')")
    deep = _flow_depth(text) if "[" in text or "{" in text else None
    if deep is not None:
        before = text[:deep]
        raise TypesetError(f"malformed YAML: {_DEPTH_MESSAGE}", file=path,
                           line=before.count("\n") + 1 + line_offset,
                           column=deep - (before.rfind("\n") + 1) + 1, hint=_DEPTH_HINT)
    from typeset.model import doccache
    key = doccache.entry_key(text, line_offset) if keep else None
    if key is not None:
        data = doccache.read(key)
        if data is not doccache.MISS:
            return data
    if _NOT_FAST.search(text) is None and (
            "?" not in text or ("[" not in text and "{" not in text)) and \
            _c_loader() is not None:
        data = _load_fast(text, path, line_offset)
        if data is not _Slow:
            if key is not None:
                doccache.write(key, data)
            return data
    _need_yaml()
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _Builder(loader, path, line_offset).build(node)
    except _Limit as limit:
        m = limit.mark
        raise TypesetError(f"malformed YAML: {limit.message}", file=path,
                           line=m.line + 1 + line_offset, column=m.column + 1,
                           hint=limit.hint) from None
    except yaml.reader.ReaderError as err:
        before = text[:err.position]
        line = before.count("\n") + 1
        column = err.position - (before.rfind("\n") + 1) + 1
        raise TypesetError(f"malformed YAML: {chars.describe(chr(err.character))} cannot be "
                           "read", file=path, line=line + line_offset, column=column,
                           hint="delete the character") from None
    except yaml.YAMLError as err:
        raise _yaml_error(err, path, text, line_offset) from None
    except RecursionError:
        raise TypesetError("malformed YAML: nested too deep", file=path, hint=_DEPTH_HINT
                           ) from None
    except ValueError as err:
        # PyYAML's scanner turns a "\U…" escape into a character with chr(), which refuses
        # a code past U+10FFFF; the reader stands on the escape's hex digits
        if "chr()" not in str(err):
            raise
        m = loader.get_mark()
        raise TypesetError("malformed YAML: an escape names a character past U+10FFFF, the "
                           "last code point", file=path, line=m.line + 1 + line_offset,
                           column=max(1, m.column - 1),
                           hint="type the character itself, or write an escape of at most "
                                "\\U0010FFFF") from None
    finally:
        loader.dispose()


_FULL_WIDTH_COLON = re.compile(r"^\s*(?:-\s+)?[A-Za-z_][\w-]*\s*：")
_KEY_WITHOUT_SPACE = re.compile(r"^\s*(?:-\s+)?[A-Za-z_][\w-]*:[^\s/]")


def colon_hint(line: str) -> str | None:
    """A hint for a line meant as `key: value` that is not (full-width colon, no space)."""
    if _FULL_WIDTH_COLON.match(line):
        return "write 'key: value' with an ASCII colon ':' and a space, not the full-width '：'"
    if _KEY_WITHOUT_SPACE.match(line):
        return "put a space after the colon: 'key: value'"
    return None
