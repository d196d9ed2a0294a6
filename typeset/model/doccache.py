"""YAML documents kept in the cache: what `yamlsrc.load_yaml` built from a document's text
(the manifest's, a layout's), marks and raw scalars included, so that a warm build neither
imports PyYAML (~12 ms) nor parses them again. (Articles' front matter is kept with the
article: model/artcache.py.)

Front matter is not kept here (it is kept with its article), and only a document the fast
path built (libyaml; no anchors, aliases, merge keys or tags:
yamlsrc's `_NOT_FAST`) is kept; a document with an error is never kept, so every message is
the parser's. The key is the SHA-256 of the text, its line offset and the parser's code
(`artcache.code_digest`: every module of `typeset/model/`, PyYAML's version file, Python's
and the Unicode database's versions). The file (`documents/<xx>/<key>.doc`) is data: the
magic `typeset-document/1` and a line break, the tree as UTF-8 JSON, the seal of the user's
cache key over both (`cacheseal.sealed`, bound to the key). In the JSON a string, integer,
boolean or null is itself; everything else is a list whose first item says what it is:
`["f", repr]` a float, `["d", iso]` a date, `["t", iso]` a date and time, `["M", mark,
items, key marks, value marks, value ends, raw]` a `YamlMap`, `["L", mark, items, item
marks, raw]` a `YamlList` (a mark `[line, column]`). Every value's type and shape is checked
when read; an entry whose tree would not read back exactly (`encode` of what `decode` gives
is what was written) is not written. A broken, planted, moved or foreign entry is a miss:
the document is parsed again and the entry rewritten.
"""
from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path
from typing import Any

from typeset.model.entryshape import Bad as _Bad, int_ as _int, list_ as _list, str_ as _str
from typeset.model.yamlsrc import Mark, YamlList, YamlMap

_MAGIC = b"typeset-document/1\n"
_LIMIT = 16 << 20                 # a document is at most 256K characters (yamlsrc)
MISS = object()                   # `read`: no entry (None is a document: an empty one)
#: False: `load_yaml` neither reads nor writes this cache (`build.compose(use_cache=False)`)
use_document_cache = True
_MAP_ATTRS = frozenset(("mark", "key_marks", "value_marks", "value_ends", "raw"))
_LIST_ATTRS = frozenset(("mark", "item_marks", "raw"))


def entry_key(text: str, line_offset: int) -> str | None:
    """The cache key of a document of this text (None: no cache)."""
    if not use_document_cache:
        return None
    from typeset.model.artcache import code_digest
    code = code_digest()
    if code is None:
        return None
    return hashlib.sha256(code + b"document\0" + str(line_offset).encode() + b"\0"
                          + text.encode("utf-8", "surrogatepass")).hexdigest()


def _path(key: str) -> Path:
    from typeset.cachefiles import cache_dir
    return cache_dir() / "documents" / key[:2] / f"{key}.doc"


def _mark(m) -> list:
    if type(m) is not Mark or type(m.line) is not int or type(m.column) is not int:
        raise _Bad
    return [m.line, m.column]


def _marks(d: dict) -> list:
    return [[k, *_mark(m)] for k, m in d.items()]


def encode(v: Any) -> Any:
    """The JSON value of a tree (see the module docstring); _Bad for anything else."""
    t = type(v)
    if v is None or t is str or t is int or t is bool:
        return v
    if t is float:
        return ["f", repr(v)]
    if t is datetime.date:
        return ["d", v.isoformat()]
    if t is datetime.datetime:
        return ["t", v.isoformat()]
    if t is YamlMap:
        if set(vars(v)) != _MAP_ATTRS or any(type(k) is not str for k in v):
            raise _Bad
        raw = v.raw
        if any(type(k) is not str or type(r) is not str for k, r in raw.items()):
            raise _Bad
        return ["M", None if v.mark is None else _mark(v.mark),
                [[k, encode(x)] for k, x in v.items()], _marks(v.key_marks),
                _marks(v.value_marks), _marks(v.value_ends), [[k, r] for k, r in raw.items()]]
    if t is YamlList:
        if set(vars(v)) != _LIST_ATTRS or any(r is not None and type(r) is not str
                                              for r in v.raw):
            raise _Bad
        return ["L", None if v.mark is None else _mark(v.mark), [encode(x) for x in v],
                [_mark(m) for m in v.item_marks], list(v.raw)]
    raise _Bad


def _to_mark(v) -> Mark:
    line, column = _list(v, 2)
    return Mark(_int(line), _int(column))


def _to_marks(v) -> dict:
    out = {}
    for item in _list(v):
        k, line, column = _list(item, 3)
        out[_str(k)] = Mark(_int(line), _int(column))
    return out


def decode(v: Any) -> Any:
    """The tree of a JSON value `encode` wrote; _Bad (or ValueError) for anything else."""
    t = type(v)
    if v is None or t is str or t is int or t is bool:
        return v
    tag = _list(v)[0] if v else None
    if tag == "f":
        return float(_str(_list(v, 2)[1]))
    if tag == "d":
        return datetime.date.fromisoformat(_str(_list(v, 2)[1]))
    if tag == "t":
        return datetime.datetime.fromisoformat(_str(_list(v, 2)[1]))
    if tag == "M":
        _, mark, items, key_marks, value_marks, value_ends, raw = _list(v, 7)
        out = YamlMap()
        out.mark = None if mark is None else _to_mark(mark)
        for item in _list(items):
            k, x = _list(item, 2)
            out[_str(k)] = decode(x)
        out.key_marks = _to_marks(key_marks)
        out.value_marks = _to_marks(value_marks)
        out.value_ends = _to_marks(value_ends)
        for item in _list(raw):
            k, r = _list(item, 2)
            out.raw[_str(k)] = _str(r)
        return out
    if tag == "L":
        _, mark, items, item_marks, raw = _list(v, 5)
        out = YamlList()
        out.mark = None if mark is None else _to_mark(mark)
        out.extend(decode(x) for x in _list(items))
        out.item_marks = [_to_mark(m) for m in _list(item_marks)]
        out.raw = [r if r is None else _str(r) for r in _list(raw)]
        return out
    raise _Bad


def read(key: str) -> Any:
    """The document under `key`, or MISS: missing, unsealed, of another shape."""
    if not use_document_cache:
        return MISS
    from typeset.cacheseal import SEAL_SIZE, unseal
    from typeset.cachefiles import read_cache
    data = read_cache(_path(key), _LIMIT)
    if data is None or not data.startswith(_MAGIC) or not unseal("documents", key, data):
        return MISS
    try:
        return decode(json.loads(str(memoryview(data)[len(_MAGIC):-SEAL_SIZE], "utf-8")))
    except (_Bad, ValueError, TypeError, IndexError, UnicodeDecodeError, RecursionError):
        return MISS


def write(key: str, tree: Any) -> None:
    """Keep a document's tree (nothing if it would not read back exactly, or without a key
    of ours)."""
    if not use_document_cache:
        return
    from typeset.cacheseal import sealed
    from typeset.cachefiles import write_cache
    try:
        doc = encode(tree)
        if encode(decode(json.loads(json.dumps(doc)))) != doc:
            return
        data = _MAGIC + json.dumps(doc, ensure_ascii=False, separators=(",", ":"),
                                   allow_nan=False).encode("utf-8")
    except (_Bad, ValueError, TypeError, IndexError, UnicodeEncodeError, RecursionError):
        return
    blob = sealed("documents", key, data)
    if blob is not None:
        write_cache(_path(key), blob)
