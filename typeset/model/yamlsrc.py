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

The parser (PyYAML, libyaml's fast path, the builder of marked data) is yamlparse.py,
imported on a miss of the document cache only.
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
# YAML: the checks before a parser sees a document, and load_yaml (the parser: yamlparse.py)

_DEPTH_MESSAGE = f"mappings and lists nested more than {MAX_DEPTH} deep"
_DEPTH_HINT = "a manifest, layout or front matter needs only a few levels; check the brackets"


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
    from typeset.model import yamlparse as yp     # (the parser: on a miss only)
    if yp._NOT_FAST.search(text) is None and (
            "?" not in text or ("[" not in text and "{" not in text)) and \
            yp._c_loader() is not None:
        data = yp._load_fast(text, path, line_offset)
        if data is not yp._Slow:
            if key is not None:
                doccache.write(key, data)
            return data
    yp._need_yaml()
    loader = yp._Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return yp._Builder(loader, path, line_offset).build(node)
    except yp._Limit as limit:
        m = limit.mark
        raise TypesetError(f"malformed YAML: {limit.message}", file=path,
                           line=m.line + 1 + line_offset, column=m.column + 1,
                           hint=limit.hint) from None
    except yp.yaml.reader.ReaderError as err:
        before = text[:err.position]
        line = before.count("\n") + 1
        column = err.position - (before.rfind("\n") + 1) + 1
        raise TypesetError(f"malformed YAML: {chars.describe(chr(err.character))} cannot be "
                           "read", file=path, line=line + line_offset, column=column,
                           hint="delete the character") from None
    except yp.yaml.YAMLError as err:
        raise yp._yaml_error(err, path, text, line_offset) from None
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
