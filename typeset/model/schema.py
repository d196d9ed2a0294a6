"""Typed conversion of YAML data into (nested, frozen) dataclasses, with messages that point
at the offending line.

`from_data(Cls, data, file=..., what="layout")` walks the dataclass fields (type hints
resolved with `typing.get_type_hints`) and converts each value; the first problem raises a
TypesetError at the line and column of the key or value (from `yamlsrc` marks).

Supported field types: str, int, float, bool, Pt (a length in points), datetime.date, Path,
Any, Optional[X] / X | None, other unions (tried left to right), list[X], tuple[X, ...],
tuple[X, Y], dict[str, X], Literal[...], nested dataclasses; defaults and default_factory.

Field metadata read here:
    field(metadata={"doc": "one line of help",          # shown in hints (and the README)
                    "check": callable})                  # value -> error text or None
A field without a default whose type admits None defaults to None.

Conversion rules (documented for the README):
- text fields take a scalar exactly as written, so `text: 0771` stays "0771" (not octal 505)
  and `subtitle: no` stays "no";
- whole-number fields read the digits as written in decimal (`number: 08` is 8, "2024" is 2024);
- lengths (Pt) accept a number in points or "12pt", "3mm", "1.5cm", "0.5in", or a Chinese
  type-size name (五号 = 10.5 pt …).
"""
from __future__ import annotations

import dataclasses
import datetime
import functools
import math
import re
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from typeset.errors import TypesetError
from typeset.model.chars import is_invisible
from typeset.model.yamlsrc import (
    Mark, YamlMap, colon_hint, key_mark_of, mark_of, raw_scalar,
)

__all__ = [
    "Pt", "CHINESE_SIZES", "UNITS", "parse_length", "from_data", "field_doc",
    "describe_fields", "type_name",
]

T = TypeVar("T")

Pt = Annotated[float, "pt"]
"""A length in PostScript points (1/72 in)."""

# Chinese type sizes (字号) in points, as used in Chinese printing (GB/T and common practice).
CHINESE_SIZES: dict[str, float] = {
    "初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18,
    "三号": 16, "小三": 15, "四号": 14, "小四": 12, "五号": 10.5, "小五": 9,
    "六号": 7.5, "小六": 6.5, "七号": 5.5, "八号": 5,
}

# Points per unit.
UNITS: dict[str, float] = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0}

_LENGTH_RE = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*([a-zA-Z]*)\s*$")
_INT_RE = re.compile(r"^\s*[+-]?\d+\s*$")
_FLOAT_RE = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")


_MAX_INT_DIGITS = 18        # no layout or manifest number needs more (and int() refuses
#                             more than 4300 digits)


def _whole(text: str, fail, path: str) -> int:
    """A whole number written in decimal; a number of thousands of digits (beyond Python's
    int() limit, audit finding F8a) is a located message, not an internal error."""
    digits = text.strip().lstrip("+-")
    if len(digits) > _MAX_INT_DIGITS:
        raise fail(message=f"{path}: a number of {len(digits)} digits is too large",
                   hint="check the value: no setting needs a number that large")
    return int(text)


def parse_length(value: Any) -> float:
    """A length in points from a number or a string; ValueError with a readable reason."""
    if isinstance(value, bool):
        raise ValueError("expected a length")
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:              # a whole number of hundreds of digits
            raise ValueError("expected a finite length") from None
        if not math.isfinite(number):
            raise ValueError("expected a finite length")
        return number
    if not isinstance(value, str):
        raise ValueError("expected a length")
    text = value.strip()
    if text in CHINESE_SIZES:
        return float(CHINESE_SIZES[text])
    m = _LENGTH_RE.match(text)
    if not m:
        raise ValueError("expected a length")
    number, unit = float(m.group(1)), m.group(2).lower()
    if unit and unit not in UNITS:
        raise ValueError(f"unknown unit '{m.group(2)}'")
    number *= UNITS[unit] if unit else 1.0
    if not math.isfinite(number):          # 400 digits are read as infinity
        raise ValueError("expected a finite length")
    return number


def _is_pt(tp: Any) -> bool:
    return get_origin(tp) is Annotated and "pt" in get_args(tp)[1:]


def _strip_annotated(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _admits_none(tp: Any) -> bool:
    tp = _strip_annotated(tp)
    return tp is type(None) or tp is Any or (_is_union(tp) and type(None) in get_args(tp))


def type_name(tp: Any) -> str:
    """How a type is described to a user: 'text', 'a whole number', 'a list of text' …"""
    if _is_pt(tp):
        return "a length (a number in pt, or e.g. '12pt', '3mm', '小四')"
    tp = _strip_annotated(tp)
    if tp is str:
        return "text"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if tp is datetime.date:
        return "a date (YYYY-MM-DD)"
    if tp is Path:
        return "a file path"
    if tp is Any:
        return "a value"
    if tp is type(None):
        return "nothing"
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if _is_union(tp):
        names = [type_name(a) for a in get_args(tp) if a is not type(None)]
        return " or ".join(names)
    if origin is tuple and get_args(tp) and Ellipsis not in get_args(tp):
        parts = ", ".join(type_name(a) for a in get_args(tp))
        return f"a list of {len(get_args(tp))} items ({parts})"
    if origin in (list, tuple):
        args = [a for a in get_args(tp) if a is not Ellipsis]
        inner = type_name(args[0]) if args else "values"
        return f"a list of {_plural(inner)}"
    if origin is dict:
        return "a mapping (key: value lines)"
    if dataclasses.is_dataclass(tp):
        return "a mapping (key: value lines)"
    return getattr(tp, "__name__", str(tp))


#: the plural of each type name a list can hold, said whole (so the message catalogue,
#: typeset.i18n, has each as it is printed)
_PLURALS = {
    "a whole number": "whole numbers",
    "a number": "numbers",
    "a date (YYYY-MM-DD)": "dates (YYYY-MM-DD)",
    "a file path": "file paths",
    "a value": "values",
    "a mapping (key: value lines)": "mappings (key: value lines)",
    "a length (a number in pt, or e.g. '12pt', '3mm', '小四')":
        "lengths (a number in pt, or e.g. '12pt', '3mm', '小四')",
}


def _plural(name: str) -> str:
    if name in _PLURALS:
        return _PLURALS[name]
    for article in ("a ", "an "):
        if name.startswith(article):
            rest = name[len(article):]
            head, _, tail = rest.partition(" (")
            return head + "s" + (f" ({tail}" if tail else "")
    return name


def _same_shape(tp: Any, value: Any) -> bool:
    tp = _strip_annotated(tp)
    if isinstance(value, list):
        return get_origin(tp) in (list, tuple)
    if isinstance(value, dict):
        return get_origin(tp) is dict or dataclasses.is_dataclass(tp)
    return False


def _describe_value(value: Any, raw: str | None) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = raw if raw is not None else str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text)


def field_doc(cls: type, name: str) -> str | None:
    """The help text of a dataclass field (`metadata={"doc": ...}`), or None."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            return f.metadata.get("doc")
    return None


def describe_fields(cls: type) -> list[tuple[str, str, str | None, str | None]]:
    """(key, type description, default as text or None if required, doc) for each field —
    for generated documentation."""
    hints = typing.get_type_hints(cls, include_extras=True)
    rows = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.default is not dataclasses.MISSING:
            default = repr(f.default)
        elif f.default_factory is not dataclasses.MISSING:
            default = repr(f.default_factory())
        elif _admits_none(hints[f.name]):
            default = "None"
        else:
            default = None
        rows.append((f.name, type_name(hints[f.name]), default, f.metadata.get("doc")))
    return rows


class _Failure(Exception):
    """Internal: conversion failed at (container, key); turned into a TypesetError by the caller."""

    def __init__(self, message: str, container: Any, key: Any, hint: str | None = None,
                 at_key: bool = False):
        super().__init__(message)
        self.message = message
        self.container = container
        self.key = key
        self.hint = hint
        self.at_key = at_key


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key + 1}]"           # items counted from 1, as a reader counts
    return f"{path}.{key}" if path else str(key)


class _Converter:
    def __init__(self, file: str | Path, what: str):
        self.file = file
        self.what = what

    def where(self, path: str) -> str:
        """'layout', 'sections[2] of issue manifest' — the mapping a key belongs to."""
        if not path:
            return self.what or "the file"
        return f"{path} of {self.what}" if self.what else path

    # value = container[key]; `path` names it in messages ("layout.body.size", "sections[2]")
    def convert(self, tp: Any, value: Any, container: Any, key: Any, path: str,
                doc: str | None) -> Any:
        raw = raw_scalar(container, key) if container is not None else None
        label = path.rsplit(".", 1)[-1] if path else self.what

        def fail(expected: str | None = None, message: str | None = None,
                 hint: str | None = None) -> _Failure:
            if message is None:
                message = f"{path}: expected {expected}, got {_describe_value(value, raw)}"
            if hint is None:
                if doc:
                    hint = f"{label}: {doc}"
                elif expected:
                    hint = f"write {expected} for '{label}'"
            return _Failure(message, container, key, hint)

        if _is_pt(tp):
            try:
                return parse_length(value)
            except ValueError as err:
                reason = str(err)
                if reason.startswith("expected"):
                    raise fail(type_name(tp)) from None
                raise fail(message=f"{path}: {reason} in {_describe_value(value, raw)}",
                           hint="units: " + ", ".join(UNITS) + "; or a size name such as "
                                + ", ".join(list(CHINESE_SIZES)[:4]) + " …") from None
        tp = _strip_annotated(tp)
        origin = get_origin(tp)

        if tp is Any:
            return value
        if tp is type(None):
            if value is None:
                return None
            raise fail("nothing")
        if _is_union(tp):
            alternatives = get_args(tp)
            if value is None and type(None) in alternatives:
                return None
            others = [alt for alt in alternatives if alt is not type(None)]
            if len(others) == 1:           # Optional[X]: X's own message is the precise one
                return self.convert(others[0], value, container, key, path, doc)
            shaped: _Failure | None = None
            for alt in alternatives:
                if alt is type(None):
                    continue
                try:
                    return self.convert(alt, value, container, key, path, doc)
                except _Failure as failure:
                    # a failure inside the alternative of the same shape (a list for a list
                    # type, a mapping for a mapping type) says more than "expected X or Y"
                    if shaped is None and _same_shape(alt, value):
                        shaped = failure
            if shaped is not None:
                raise shaped
            raise fail(type_name(tp))
        if origin is Literal:
            allowed = get_args(tp)
            probe = raw if raw is not None and isinstance(value, (bool, int, float)) else value
            for a in allowed:
                if value == a and type(value) is type(a):
                    return a
                if isinstance(a, str) and probe == a:
                    return a
            listing = ", ".join(repr(a) for a in allowed)
            message = f"{path}: invalid value {_describe_value(value, raw)}; allowed: {listing}"
            import difflib

            close = difflib.get_close_matches(str(probe), [str(a) for a in allowed], n=1)
            if close:
                message = (f"{path}: invalid value {_describe_value(value, raw)}; allowed: "
                           f"{listing}; did you mean '{close[0]}'?")
            raise fail(message=message, hint=f"write one of {listing}"
                       + (f" ({label}: {doc})" if doc else ""))
        if tp is str:
            if isinstance(value, str):
                return value
            if isinstance(value, (bool, int, float, datetime.date)):
                return raw if raw is not None else str(value)
            raise fail("text")
        if tp is bool:
            if isinstance(value, bool):
                return value
            raise fail("true or false")
        if tp is int:
            if isinstance(value, bool):
                raise fail("a whole number")
            if isinstance(value, int):
                # YAML 1.1 reads `010` as octal 8; a person means ten.
                if raw is not None and _INT_RE.match(raw):
                    return _whole(raw, fail, path)
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and _INT_RE.match(value):
                return _whole(value, fail, path)
            raise fail("a whole number")
        if tp is float:
            if isinstance(value, bool):
                raise fail("a number")
            number = None
            if isinstance(value, (int, float)):
                try:
                    number = float(value)
                except OverflowError:
                    number = math.inf
            elif isinstance(value, str) and _FLOAT_RE.match(value):
                number = float(value)
            if number is None:
                raise fail("a number")
            if not math.isfinite(number):
                # .nan, .inf, 1e999: no layout number is infinite or undefined
                raise fail(message=f"{path}: expected a finite number, got "
                                   f"{_describe_value(value, raw)}")
            return number
        if tp is datetime.date:
            if isinstance(value, datetime.datetime):
                return value.date()
            if isinstance(value, datetime.date):
                return value
            if isinstance(value, str):
                try:
                    return datetime.date.fromisoformat(value.strip())
                except ValueError:
                    pass
            raise fail(type_name(tp), hint=(f"{label}: {doc}; " if doc else "")
                       + "write the date as YYYY-MM-DD, e.g. 2024-03-15")
        if tp is Path:
            if isinstance(value, str) and value.strip():
                return Path(value)
            raise fail("a file path")
        if origin in (list, tuple):
            if not isinstance(value, list):
                raise fail(type_name(tp))
            args = get_args(tp)
            if origin is tuple and args and (len(args) != 2 or args[1] is not Ellipsis):
                if len(value) != len(args):
                    raise fail(message=f"{path}: expected a list of {len(args)} items, "
                                       f"got {len(value)}",
                               hint=f"write {type_name(tp)}")
                item_types = list(args)
            else:
                item_types = [args[0] if args else Any] * len(value)
            items = [self.convert(t, v, value, i, _join(path, i), doc)
                     for i, (t, v) in enumerate(zip(item_types, value))]
            return items if origin is list else tuple(items)
        if origin is dict:
            if not isinstance(value, dict):
                raise fail(type_name(tp))
            key_tp, value_tp = get_args(tp) or (str, Any)
            out = {}
            for k, v in value.items():
                if _strip_annotated(key_tp) is not str:
                    k = self.convert(key_tp, k, None, None, _join(path, k), doc)
                out[k] = self.convert(value_tp, v, value, k, _join(path, k), doc)
            return out
        if dataclasses.is_dataclass(tp):
            return self.build(tp, value, container, key, path, doc)
        raise TypeError(f"schema: unsupported field type {tp!r} at {path}")

    def build(self, cls: type, value: Any, container: Any, key: Any, path: str,
              doc: str | None) -> Any:
        where = self.where(path)
        label = path.rsplit(".", 1)[-1] if path else self.what
        if value is None:
            value = YamlMap()
            value.mark = mark_of(container, key) if container is not None else None
        if not isinstance(value, dict):
            raw = raw_scalar(container, key) if container is not None else None
            text = raw if raw is not None else (value if isinstance(value, str) else "")
            hint = colon_hint(text) if text else None
            if hint is None and doc:
                hint = f"{label}: {doc}"
            name = path or self.what or "the file"
            raise _Failure(f"{name}: expected a mapping (key: value lines), got "
                           f"{_describe_value(value, raw)}", container, key,
                           hint or "write 'key: value', one per line")
        hints, fields, names = _schema_of(cls)
        for k in value:
            if k not in names:
                import difflib

                close = difflib.get_close_matches(str(k), list(names), n=1, cutoff=0.6)
                shown = "".join(ch if ch.isprintable() and not is_invisible(ch)
                                 else f"<U+{ord(ch):04X}>" for ch in str(k))
                message = f"unknown key '{shown}' in {where}"
                if close:
                    message = f"unknown key '{shown}' in {where}; did you mean '{close[0]}'?"
                    d = field_doc(cls, close[0])
                    hint = f"'{close[0]}': {d}" if d else f"rename it to '{close[0]}'"
                else:
                    hint = "valid keys here: " + ", ".join(names)
                raise _Failure(message, value, k, hint, at_key=True)
        kwargs = {}
        for f in fields:
            f_doc = f.metadata.get("doc")
            f_path = _join(path, f.name)
            if f.name in value:
                converted = self.convert(hints[f.name], value[f.name], value, f.name, f_path,
                                         f_doc)
                check = f.metadata.get("check")
                if check is not None:
                    problem = check(converted)
                    if problem:
                        raise _Failure(f"{f_path}: {problem}", value, f.name,
                                       f"{f.name}: {f_doc}" if f_doc else
                                       f"change the value of '{f.name}'")
                kwargs[f.name] = converted
            elif (f.default is dataclasses.MISSING
                  and f.default_factory is dataclasses.MISSING):
                if _admits_none(hints[f.name]):
                    kwargs[f.name] = None
                    continue
                hint = f"add a line '{f.name}: …'"
                if f_doc:
                    hint += f" ({f_doc})"
                raise _Failure(f"missing required key '{f.name}' in {where}", value, None, hint)
        return cls(**kwargs)


@functools.cache
def _schema_of(cls: type) -> tuple[dict[str, Any], tuple, tuple[str, ...]]:
    """A dataclass's resolved type hints, its init fields and their names: the same for every
    document read with it, so worked out once per class and process (a layout, a manifest and
    ten articles asked for them 93 times)."""
    fields = tuple(f for f in dataclasses.fields(cls) if f.init)
    return (typing.get_type_hints(cls, include_extras=True), fields,
            tuple(f.name for f in fields))


#: what `from_data`'s callers name the top level of their files (`what=`), listed for the
#: message catalogue (typeset.i18n): they fill messages such as "unknown key 'x' in {where}"
TOP_LEVEL_NAMES = ("front matter", "issue manifest", "layout")


def from_data(cls: type[T], data: Any, *, file: str | Path, what: str = "",
              at: Mark | None = None) -> T:
    """Build dataclass `cls` from YAML data (`yamlsrc.load_yaml`) or plain dicts/lists.

    `what` names the top level in messages ("layout", "front matter"). Raises TypesetError
    with file, line and column of the offending key or value (when `data` carries marks);
    `at` is the place reported when the data has none (a top-level scalar, an empty file)."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError("from_data needs a dataclass")
    conv = _Converter(file, what)
    try:
        return conv.build(cls, data, None, None, "", None)
    except _Failure as failure:
        if failure.at_key:
            mark = key_mark_of(failure.container, failure.key)
        elif failure.container is None:
            mark = mark_of(data)
        else:
            mark = mark_of(failure.container, failure.key)
        mark = mark or at
        raise TypesetError(failure.message, file=file,
                           line=mark.line if mark else None,
                           column=mark.column if mark else None,
                           hint=failure.hint) from None
