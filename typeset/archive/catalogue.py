"""The catalogue (`catalogue.json`): every stored issue's file, SHA-256, size, metadata,
provenance, sources bag and earlier revisions; read with every field's shape checked (a
catalogue typeset did not write is an error naming what is wrong), written sorted."""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
import unicodedata
from typeset.records import asdict, dataclass
from pathlib import Path

from typeset.archive.folder import (CATALOGUE, SOURCES_SUFFIX, _HEX64, _read_limited,
                                    _revision_path)
from typeset.errors import TypesetError
from typeset.model.numbers import number_key

FORMAT = "typeset-archive/2"          # /2: entries may carry provenance and a sources bag
FORMATS = ("typeset-archive/1", FORMAT)   # read; a /1 catalogue is rewritten as /2
CATALOGUE_LIMIT = 64 << 20            # bytes; ~100,000 issues. A larger file is refused unread.


@dataclass(frozen=True)
class Revision:
    """An earlier file of an issue, kept when the issue was revised (with the provenance and
    sources bag it was stored with, if any)."""
    revision: int
    file: str            # relative to the archive directory, '/'-separated
    sha256: str
    size: int
    provenance: dict | None = None
    sources: str | None = None       # its sources bag (a folder), DIR-relative


@dataclass(frozen=True)
class ArchiveEntry:
    journal: str
    year: int
    number: int | str     # 2; a combined issue or a supplement as written ("5-6", "增刊")
    title: str
    date: str | None
    language: str
    file: str            # relative to the archive directory, '/'-separated
    sha256: str
    size: int
    revisions: tuple[Revision, ...] = ()
    provenance: dict | None = None   # what produced the file (typeset.provenance; README)
    sources: str | None = None       # its sources bag (a folder), DIR-relative

    @property
    def key(self) -> tuple[str, int, int | str]:
        return (self.journal, self.year, self.number)

    def files(self) -> list[tuple[str, str, int]]:
        """(file, sha256, size) of the current file and every revision."""
        return [(self.file, self.sha256, self.size)] + [(r.file, r.sha256, r.size)
                                                         for r in self.revisions]

    def stored(self) -> list["ArchiveEntry | Revision"]:
        """The current file's record and every revision's."""
        return [self, *self.revisions]



# ---------------------------------------------------------------------------------------------
# The catalogue

def _stored_json(r: "ArchiveEntry | Revision") -> dict:
    d = {k: v for k, v in asdict(r).items() if k not in ("provenance", "sources", "revisions")}
    if r.provenance is not None:            # written only when there is one: an entry of a
        d["provenance"] = r.provenance      # /1 catalogue keeps its shape
    if r.sources is not None:
        d["sources"] = r.sources
    return d


def _entry_to_json(e: ArchiveEntry) -> dict:
    d = _stored_json(e)
    d["revisions"] = [_stored_json(r) for r in e.revisions]
    return d


class _Shape(ValueError):
    pass


def _field(d: dict, key: str, kind: str, where: str):
    if key not in d:
        raise _Shape(f"{where}: no '{key}'")
    v = d[key]
    ok = {"str": isinstance(v, str),
          "text": isinstance(v, str) and v.strip() != "",
          "int": isinstance(v, int) and not isinstance(v, bool),
          "number": (isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 999)
                    or (isinstance(v, str) and _is_issue_number(v)),
          "sha": isinstance(v, str) and _HEX64.fullmatch(v) is not None,
          "date": v is None or (isinstance(v, str) and _real_date(v)),
          "list": isinstance(v, list),
          "dict": isinstance(v, dict),
          "str?": v is None or isinstance(v, str),
          "rel": isinstance(v, str) and _relative_shape(v)}[kind]
    if not ok:
        want = {"str": "a string", "text": "a non-empty string", "int": "an integer",
                "number": "an issue number (an integer, or a string such as \"5-6\")",
                "sha": "64 lowercase hex digits (a SHA-256)", "date": "null or YYYY-MM-DD",
                "list": "a list", "dict": "an object", "str?": "null or a string",
                "rel": "a relative '/'-separated path without '.', '..' or empty parts"}[kind]
        shown = json.dumps(v, ensure_ascii=False)
        raise _Shape(f"{where}.{key}: expected {want}, found {shown[:60]}")
    return v


def _real_date(text: str) -> bool:
    """YYYY-MM-DD naming a day of the calendar (not 2024-13-45, not 2023-02-29)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        _dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_issue_number(text: str) -> bool:
    """A combined number ("5-6") or a supplement ("增刊"); a plain number is stored as an int."""
    from typeset.model.numbers import parse_number
    n = parse_number(text)
    return not isinstance(n, str) and n.text == text and not isinstance(n.value, int)


def _relative_shape(rel: str) -> bool:
    """A relative '/'-separated path with no empty, '.' or '..' part, no backslash, NUL or
    other control character, no drive: the shape of every path the archive writes."""
    return (rel != "" and not rel.startswith("/") and not re.match(r"[A-Za-z]:", rel)
            and not re.search(r"[\\\x00-\x1f\x7f]", rel)
            and all(p not in ("", ".", "..") for p in rel.split("/")))


# Provenance (typeset.provenance.provenance): every key, and its kind. Optional in an entry
# (catalogues written before it, files stored without it); when present, complete.
_PROVENANCE_KEYS = {"format": "int", "build_key": "sha", "typeset": "dict", "python": "text",
                    "libraries": "dict", "variant": "text", "pdfx": "str?",
                    "conformance": "text", "date": "text", "layout": "str?", "inputs": "list"}
_INPUT_KEYS = {"role": "text", "name": "rel", "sha256": "sha", "size": "int"}
_ROLES = ("manifest", "article", "picture", "page", "layout", "font")


def _provenance_from_json(p: object, where: str) -> dict:
    w = f"{where}.provenance"
    if not isinstance(p, dict):
        raise _Shape(f"{w}: expected an object")
    if set(p) != set(_PROVENANCE_KEYS):
        odd = sorted(set(p) ^ set(_PROVENANCE_KEYS))[0]
        raise _Shape(f"{w}: {'unknown' if odd in p else 'no'} field '{odd}'")
    for key, kind in _PROVENANCE_KEYS.items():
        _field(p, key, kind, w)
    if p["format"] != 1:
        raise _Shape(f"{w}.format: {p['format']} is not a provenance format this typeset reads")
    t = p["typeset"]
    if set(t) != {"version", "code"}:
        raise _Shape(f"{w}.typeset: expected exactly 'version' and 'code'")
    _field(t, "version", "text", f"{w}.typeset")
    _field(t, "code", "sha", f"{w}.typeset")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in p["libraries"].items()):
        raise _Shape(f"{w}.libraries: expected names and versions (strings)")
    if not (re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[0-9:+.Z-]+)?", p["date"])
            and _real_date(p["date"][:10])):
        raise _Shape(f"{w}.date: expected an ISO date, found {p['date'][:40]!r}")
    names: set[str] = set()
    for i, item in enumerate(p["inputs"]):
        wi = f"{w}.inputs[{i}]"
        if not isinstance(item, dict):
            raise _Shape(f"{wi}: expected an object")
        extra = set(item) - set(_INPUT_KEYS) - {"ref"}
        if extra:
            raise _Shape(f"{wi}: unknown field '{sorted(extra)[0]}'")
        for key, kind in _INPUT_KEYS.items():
            _field(item, key, kind, wi)
        if "ref" in item:
            _field(item, "ref", "text", wi)
        if item["role"] not in _ROLES:
            raise _Shape(f"{wi}.role: {item['role'][:20]!r} is not one of {', '.join(_ROLES)}")
        if item["size"] < 0 or item["name"] in names:
            raise _Shape(f"{wi}: a negative size or a name listed twice")
        names.add(item["name"])
    return p


def _stored_extras(d: dict, where: str, new_format: bool) -> dict:
    """The optional provenance and sources of an entry or revision."""
    out: dict = {}
    if ("provenance" in d or "sources" in d) and not new_format:
        raise _Shape(f"{where}: provenance or sources in a typeset-archive/1 catalogue")
    if "provenance" in d:
        out["provenance"] = _provenance_from_json(d["provenance"], where)
    if "sources" in d:
        out["sources"] = _field(d, "sources", "rel", where)
        if not out["sources"].endswith(SOURCES_SUFFIX):
            raise _Shape(f"{where}.sources: a sources bag's name ends in {SOURCES_SUFFIX}")
    return out


_ENTRY_KEYS = {"journal", "year", "number", "title", "date", "language", "file", "sha256",
               "size", "revisions", "provenance", "sources"}
_REVISION_KEYS = {"revision", "file", "sha256", "size", "provenance", "sources"}


def _entry_from_json(d: object, where: str, new_format: bool = True) -> ArchiveEntry:
    if not isinstance(d, dict):
        raise _Shape(f"{where}: expected an object")
    unknown = sorted(set(d) - _ENTRY_KEYS)
    if unknown:
        raise _Shape(f"{where}: unknown field '{unknown[0]}'")
    revs = []
    for i, r in enumerate(_field(d, "revisions", "list", where)):
        w = f"{where}.revisions[{i}]"
        if not isinstance(r, dict):
            raise _Shape(f"{w}: expected an object")
        if set(r) - _REVISION_KEYS:
            raise _Shape(f"{w}: unknown field '{sorted(set(r) - _REVISION_KEYS)[0]}'")
        revs.append(Revision(_field(r, "revision", "int", w), _field(r, "file", "text", w),
                             _field(r, "sha256", "sha", w), _field(r, "size", "int", w),
                             **_stored_extras(r, w, new_format)))
    e = ArchiveEntry(journal=_field(d, "journal", "text", where),
                     year=_field(d, "year", "int", where),
                     number=_field(d, "number", "number", where),
                     title=_field(d, "title", "str", where), date=_field(d, "date", "date", where),
                     language=_field(d, "language", "str", where),
                     file=_field(d, "file", "text", where), sha256=_field(d, "sha256", "sha", where),
                     size=_field(d, "size", "int", where), revisions=tuple(revs),
                     **_stored_extras(d, where, new_format))
    if not 1000 <= e.year <= 9999 or e.size < 0 or any(r.size < 0 for r in revs):
        raise _Shape(f"{where}: year, number or size out of range")
    # the names a run gives: <file>.pdf, its revisions <file>-r1.pdf, -r2.pdf … in order, and
    # each bag beside its file (<name>.sources)
    # (a path leading outside is not refused here: --verify reports it as `outside`)
    for i, r in enumerate(revs):
        w = f"{where}.revisions[{i}]"
        if r.revision != i + 1 or r.file != _revision_path(e.file, i + 1):
            raise _Shape(f"{w}: revision {i + 1} of {e.file} is {_revision_path(e.file, i + 1)}"
                         f", found revision {r.revision} {json.dumps(r.file)[:60]}")
    for r, w in [(e, where)] + [(r, f"{where}.revisions[{i}]") for i, r in enumerate(revs)]:
        if r.sources is not None and r.sources != r.file[:-4] + SOURCES_SUFFIX:
            raise _Shape(f"{w}.sources: the bag of {r.file} is {r.file[:-4] + SOURCES_SUFFIX}, "
                         f"found {json.dumps(r.sources)[:60]}")
    return e


def read_catalogue(to: Path) -> list[ArchiveEntry]:
    """The catalogue's entries; an archive without a catalogue is empty. A catalogue typeset
    did not write (not JSON, another shape, wrong types, duplicate issues, too large) is a
    TypesetError naming what is wrong. Paths are not checked here (see `confined`)."""
    path = Path(to) / CATALOGUE
    if not os.path.lexists(path):
        return []
    data = _read_limited(path, CATALOGUE_LIMIT, "the archive catalogue")
    try:
        try:
            doc = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as e:
            raise _Shape(f"not JSON ({type(e).__name__}: {str(e)[:80]})") from None
        if not isinstance(doc, dict):
            raise _Shape("expected a JSON object with 'format' and 'issues'")
        if doc.get("format") not in FORMATS:
            raise _Shape(f"format is {json.dumps(doc.get('format'))[:60]}, expected one of "
                         f"{', '.join(FORMATS)}")
        if set(doc) != {"format", "issues"} or not isinstance(doc["issues"], list):
            raise _Shape("expected exactly 'format' and a list 'issues'")
        new = doc["format"] != FORMATS[0]
        entries = [_entry_from_json(d, f"issues[{i}]", new)
                   for i, d in enumerate(doc["issues"])]
        seen: set[tuple] = set()
        files: dict[str, str] = {}               # every file and bag, once in the catalogue
        for i, e in enumerate(entries):
            if e.key in seen:
                raise _Shape(f"issues[{i}]: {e.journal} {e.year} no. {e.number} is listed twice")
            seen.add(e.key)
            for r in e.stored():
                for rel in (r.file, r.sources):
                    if rel is None:
                        continue
                    key = unicodedata.normalize("NFC", rel)
                    if key in files:
                        raise _Shape(f"issues[{i}]: {rel} is listed twice (also in "
                                     f"{files[key]})")
                    files[key] = f"issues[{i}]"
        return entries
    except _Shape as e:
        raise TypesetError(f"the archive catalogue is not one typeset wrote: {e}", file=path,
                           hint="restore catalogue.json from a backup (typeset never writes it "
                                "partially), or correct it by hand; then run "
                                "`typeset archive --verify`") from None


def _catalogue_bytes(entries: list[ArchiveEntry]) -> bytes:
    entries = sorted(entries, key=lambda e: (e.journal, e.year, number_key(e.number)))
    doc = {"format": FORMAT, "issues": [_entry_to_json(e) for e in entries]}
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")

