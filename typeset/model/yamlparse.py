"""YAML parsed into marked data (model/yamlsrc.py `load_yaml`, on a miss of the document
cache): PyYAML's safe loader with a depth cap, libyaml where it cannot differ (the fast
path), the builder of YamlMap / YamlList / scalars with their marks and the caps, and
PyYAML's errors in words with a hint. Imported only when a document is parsed: a warm build
takes its documents from the cache (model/doccache.py) and imports neither this nor PyYAML."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from typeset.errors import TypesetError
from typeset.model.yamlsrc import (MAX_DEPTH, MAX_TEXT, MAX_VALUES, Mark, YamlList, YamlMap,
                                   _DEPTH_HINT, _DEPTH_MESSAGE, colon_hint)

#: PyYAML, imported when a document is parsed (`_need_yaml`): a warm build takes its
#: documents from the cache (model/doccache.py) and never imports it (~12 ms)
yaml: Any = None


def _need_yaml() -> None:
    global yaml
    if yaml is None:
        import yaml as module
        yaml = module


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
