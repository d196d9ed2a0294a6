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
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from typeset.errors import TypesetError

__all__ = [
    "Mark", "YamlMap", "YamlList", "read_source", "load_yaml",
    "mark_of", "key_mark_of", "raw_scalar",
]


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
    raw         -- key -> the scalar value exactly as written (no quotes); absent for containers
    """
    mark: Mark | None = None

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.mark = None
        self.key_marks: dict[str, Mark] = {}
        self.value_marks: dict[str, Mark] = {}
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
        data = path.read_bytes()
    except FileNotFoundError:
        raise TypesetError(f"{what} not found", file=path,
                           hint="check the path and the file name") from None
    except IsADirectoryError:
        raise TypesetError(f"{what} is a directory, not a file", file=path,
                           hint="give the path of the file itself") from None
    except OSError as err:
        raise TypesetError(f"cannot read {what}: {err.strerror}", file=path,
                           hint="check that the file exists and is readable") from None
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
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------------------------------------
# YAML

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
            message += f" ({err.context} at line {err.context_mark.line + 1 + line_offset})"
        if mark is None:
            return TypesetError(message, file=path, hint=hint)
        lines = text.split("\n")
        src = lines[mark.line] if 0 <= mark.line < len(lines) else ""
        hint = colon_hint(src) or hint
        return TypesetError(message, file=path, line=mark.line + 1 + line_offset,
                            column=mark.column + 1, hint=hint)
    return TypesetError(f"malformed YAML: {err}", file=path, hint=_hint_for(str(err)))


class _Builder:
    """Turns a composed node tree into YamlMap / YamlList / scalars with marks."""

    def __init__(self, loader: yaml.SafeLoader, path: Path, line_offset: int):
        self.loader = loader
        self.path = path
        self.offset = line_offset
        self.busy: set[int] = set()       # guards against recursive aliases

    def mark(self, node: yaml.Node) -> Mark:
        m = node.start_mark
        return Mark(m.line + 1 + self.offset, m.column + 1)

    def error(self, node: yaml.Node, message: str, hint: str) -> TypesetError:
        m = self.mark(node)
        return TypesetError(message, file=self.path, line=m.line, column=m.column, hint=hint)

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
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
                return self.build_list(node)
            return self.build_map(node)
        finally:
            self.busy.discard(id(node))

    def build_list(self, node: yaml.SequenceNode) -> YamlList:
        out = YamlList()
        out.mark = self.mark(node)
        for item in node.value:
            out.append(self.build(item))
            out.item_marks.append(self.mark(item))
            out.raw.append(item.value if isinstance(item, yaml.ScalarNode) else None)
        return out

    def build_map(self, node: yaml.MappingNode) -> YamlMap:
        self.loader.flatten_mapping(node)      # YAML merge keys ('<<')
        out = YamlMap()
        out.mark = self.mark(node)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error(key_node, "malformed YAML: a key must be plain text",
                                 "write keys as 'name: value'")
            key = key_node.value
            if key in out:
                first = out.key_marks[key]
                raise self.error(key_node, f"key '{key}' is given twice",
                                 f"it is already set at line {first.line}; keep one of them")
            out[key] = self.build(value_node)
            out.key_marks[key] = self.mark(key_node)
            out.value_marks[key] = self.mark(value_node)
            if isinstance(value_node, yaml.ScalarNode):
                out.raw[key] = value_node.value
        return out


def load_yaml(path: Path, text: str | None = None, *, line_offset: int = 0) -> Any:
    """Parse YAML from `text` (or the file at `path`) into plain data with marks.

    Returns a YamlMap, YamlList, scalar or None (empty document). Malformed YAML raises a
    TypesetError with file, line (shifted by `line_offset`), column and a hint."""
    path = Path(path)
    if text is None:
        text = read_source(path, what="YAML file")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _Builder(loader, path, line_offset).build(node)
    except yaml.YAMLError as err:
        raise _yaml_error(err, path, text, line_offset) from None
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
