"""What went into a finished issue: every input file, the build key, the provenance record.

`issue_sources(manifest, layout_override)` loads the issue and its layout and lists every file
the build reads — the manifest, each article, each picture, each PDF of whole pages (role
`page`: covers and inserts), the layout, each font file the
layout names (a face of a collection with its index) — with its SHA-256 and size, and the
name it has in a sources bag (`data/issue/…`, `data/layout/…`, `data/fonts/…`).

`build_key(sources, variant, pdfx)` is the SHA-256 over everything that decides the bytes of
the finished file: those inputs (role, name, hash), typeset's version and a hash of its code
(every module and ICC profile of the package), the versions of the libraries that write or
read (ReportLab, fontTools, PyYAML, markdown-it-py with mdit-py-plugins and mdurl, Pillow),
Python's version, its Unicode database and the zlib it compresses with, the variant and
PDF/X level and a layout given on the command line. Two builds with the same key give the same bytes, so a
batch skips an issue whose stored key equals the one it computes.

`provenance(...)` is the record the archive keeps per stored file (README, "Provenance").
Nothing here imports ReportLab or fontTools, and no date is read from the clock.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from typeset.records import dataclass, fields, is_dataclass
from pathlib import Path

from typeset import __version__
from typeset.errors import TypesetError

KEY_FORMAT = "typeset-build-key/1"
PROVENANCE_FORMAT = 1
#: distribution names of the libraries recorded (and part of the build key)
LIBRARIES = ("reportlab", "fonttools", "PyYAML", "markdown-it-py", "mdit-py-plugins", "mdurl",
             "Pillow")
ROLES = ("manifest", "article", "picture", "page", "layout", "font")


@dataclass(frozen=True)
class Input:
    """One file a build reads."""
    role: str                 # one of ROLES
    name: str                 # its place in a sources bag, '/'-separated, under data/
    path: str                 # where it was read (absolute; not recorded)
    sha256: str
    size: int
    ref: str | None = None    # fonts: as the layout writes it (with #index for a collection)

    def record(self) -> dict:
        d = {"role": self.role, "name": self.name, "sha256": self.sha256, "size": self.size}
        if self.ref is not None:
            d["ref"] = self.ref
        return d


@dataclass(frozen=True)
class Sources:
    """A loaded issue, its layout and every file that went into them."""
    manifest: Path
    issue: object             # typeset.model.manifest.Issue
    layout: object            # typeset.model.layout.Layout
    layout_override: str | None
    inputs: tuple[Input, ...]

    def of(self, role: str) -> list[Input]:
        return [i for i in self.inputs if i.role == role]


# ---------------------------------------------------------------------------------------------
# Hashes

def file_sha256(path: str | Path) -> tuple[str, int]:
    """SHA-256 and size of a file's bytes."""
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


@functools.lru_cache(maxsize=None)
def code_hash() -> str:
    """SHA-256 over typeset's own code: every .py module of the package and the ICC profiles
    it embeds, by relative path (the shipped fonts and layouts are inputs, hashed as such)."""
    root = Path(__file__).resolve().parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".icc")
                   and "_data" not in p.relative_to(root).parts
                   and "__pycache__" not in p.parts)
    h = hashlib.sha256()
    for p in files:
        rel = p.relative_to(root).as_posix().encode()
        data = p.read_bytes()
        h.update(len(rel).to_bytes(4, "big") + rel + len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


@functools.lru_cache(maxsize=None)
def library_versions() -> dict[str, str]:
    """The installed versions of LIBRARIES (from their metadata; nothing is imported)."""
    from importlib import metadata
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def software() -> dict:
    """typeset's version and code hash, Python's version, the libraries' versions."""
    import platform                      # (not for input_files, which every build asks)

    return {"typeset": {"version": __version__, "code": code_hash()},
            "python": platform.python_version(), "libraries": dict(library_versions())}


# ---------------------------------------------------------------------------------------------
# Inputs

_INDEX = re.compile(r"^(.*\.(?:ttc|otc))#(\d+)$", re.I)


def split_font_ref(ref: str) -> tuple[str, int | None]:
    """'NotoSerifCJK.ttc#2' -> ('NotoSerifCJK.ttc', 2); anything else -> (ref, None)."""
    m = _INDEX.match(ref)
    return (m.group(1), int(m.group(2))) if m else (ref, None)


def font_ref(written: str, layout_path: str | None) -> str:
    """The reference the style book asks the font library for (layout/styles.py): a name
    holding '/' that is not absolute is relative to the layout's folder."""
    if "/" in written and not Path(written).is_absolute() and layout_path:
        return str(Path(layout_path).parent / written)
    return written


#: values that hold nothing (most of an issue's values are text): skipped at once
_LEAVES = frozenset((str, int, float, bool, type(None), bytes))
_FIELDS: dict[type, tuple[str, ...]] = {}       # a dataclass's fields that may hold a picture


def pictures_of(obj, found: list | None = None, _depth: int = 0) -> list:
    """Every picture (model/picture.py `PictureInfo`) reachable from a loaded issue: the one
    place that knows where pictures hang (article blocks, covers, inserts …), found by walking
    the issue's dataclasses, so a new kind of picture needs no change here. A field whose
    annotation cannot reach a picture (text, numbers, tuples of spans …) is not walked
    (`_may_hold`): a ten-times issue's walk 41 -> ~5 ms."""
    from typeset.model.picture import PictureInfo

    found = [] if found is None else found
    if _depth > 40 or type(obj) in _LEAVES:
        return found
    if isinstance(obj, PictureInfo):
        found.append(obj)
        return found
    if is_dataclass(obj) and not isinstance(obj, type):
        names = _FIELDS.get(type(obj))
        if names is None:
            names = _FIELDS[type(obj)] = _picture_fields(type(obj), PictureInfo)
        values = [getattr(obj, name, None) for name in names]
    elif isinstance(obj, (list, tuple)):
        values = obj
    elif isinstance(obj, dict):
        values = obj.values()
    else:
        return found
    leaves = _LEAVES
    for x in values:
        if type(x) not in leaves:        # (most values are text: no call for them)
            pictures_of(x, found, _depth + 1)
    return found


def _picture_fields(cls: type, target: type) -> tuple[str, ...]:
    """The fields of dataclass `cls` whose annotations may hold a `target`."""
    hints = _hints(cls)
    return tuple(f.name for f in fields(cls) if _may_hold(hints.get(f.name, object), target,
                                                          set()))


def _hints(cls: type) -> dict:
    import typing
    try:
        return typing.get_type_hints(cls)
    except Exception:               # a name the annotations cannot resolve: walk every field
        return {}


def _may_hold(tp, target: type, seen: set) -> bool:
    """Whether a value annotated `tp` can reach a `target`, through containers, unions and
    dataclasses (and their subclasses). Conservative: whatever is not understood (`object`,
    `Any`, a protocol, an unresolved name) may."""
    import enum
    import typing

    if tp in _LEAVES or tp is target:
        return tp is target
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return False
    if origin is typing.Annotated:
        return _may_hold(typing.get_args(tp)[0], target, seen)
    if origin is not None:          # list[X], tuple[X, ...], dict[K, V], X | None, Union
        return any(_may_hold(a, target, seen) for a in typing.get_args(tp) if a is not ...)
    if isinstance(tp, type) and is_dataclass(tp):
        if tp in seen:              # met again inside itself: its other fields decide
            return False
        seen.add(tp)
        hints = _hints(tp)
        return (any(_may_hold(hints.get(f.name, object), target, seen) for f in fields(tp))
                or any(_may_hold(sub, target, seen) for sub in tp.__subclasses__()))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return False
    return True


def _common_root(paths: list[Path]) -> Path:
    return Path(os.path.commonpath([str(p.parent) for p in paths]))


def input_files(issue, layout, library=None) -> list[tuple[str, str]]:
    """Every file a build of the loaded `issue` in `layout` reads, as (role, absolute path):
    the manifest, each article, each picture (once), the layout, each font file the layout
    names (for a face of a collection, the collection's file). Nothing is hashed: the output
    writer uses this list to refuse an output path that is one of them (fsutil `inputs=`);
    `issue_sources` hashes the same list."""
    own = [("manifest", os.path.abspath(issue.path))]
    own += [("article", os.path.abspath(a.path)) for s in issue.sections for a in s.articles]
    seen_pics: set[str] = set()
    for pic in pictures_of(issue):
        if pic.path not in seen_pics:
            seen_pics.add(pic.path)
            own.append(("picture", os.path.abspath(pic.path)))
    for page in issue.pages.pdfs():            # whole pages given as PDFs (covers, inserts)
        own.append(("page", os.path.abspath(page.path)))
    own.append(("layout", os.path.abspath(layout.path)))
    own += [("font", path) for _, path in _font_inputs(layout, library)]
    return own


def _font_inputs(layout, library=None) -> list[tuple[str, str]]:
    """(the name as the layout writes it, the font file's path) for each font, once."""
    from typeset.text.fonts import FontLibrary

    library = library or FontLibrary()
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for files in layout.fonts.values():
        for written in files:
            if written in seen:
                continue
            seen.add(written)
            path = library.resolve(font_ref(written, layout.path))
            out.append((written, split_font_ref(path)[0]))
    return out


def issue_sources(manifest: Path, layout_override: str | None = None, *,
                  library=None) -> Sources:
    """Load the issue and its layout (TypesetError on bad input, as `typeset build`) and list
    every file that goes into it (`input_files`), hashed."""
    from typeset.model.load import load
    from typeset.text.fonts import FontLibrary

    manifest = Path(manifest)
    issue, layout = load(manifest, layout_override)
    library = library or FontLibrary()
    inputs: list[Input] = []

    # the issue's own files keep their places relative to one another (a manifest naming
    # ../shared/a.md still finds it in the bag): names are relative to their common folder
    files = input_files(issue, layout, library)
    own = [(role, Path(path)) for role, path in files
           if role in ("manifest", "article", "picture", "page")]
    root = _common_root([p for _, p in own])
    for role, p in own:
        sha, size = file_sha256(p)
        inputs.append(Input(role, "issue/" + p.relative_to(root).as_posix(), str(p), sha, size))

    lpath = Path(os.path.abspath(layout.path))
    sha, size = file_sha256(lpath)
    inputs.append(Input("layout", f"layout/{lpath.name}", str(lpath), sha, size,
                        ref=layout_override or issue.layout))
    cover = getattr(layout, "cover", None)
    if cover is not None and cover.artwork is not None:     # a masthead beside the layout
        art = lpath.parent / cover.artwork.file
        sha, size = file_sha256(art)
        inputs.append(Input("picture", f"layout/{Path(cover.artwork.file).as_posix()}",
                            str(art), sha, size))

    names: dict[str, str] = {}           # bag name -> sha (two different files, one name)
    for written, path in _font_inputs(layout, library):
        sha, size = _font_sha256(path)
        name = f"fonts/{Path(path).name}"
        if names.get(name, sha) != sha:
            name = f"fonts/{sha[:12]}-{Path(path).name}"
        names[name] = sha
        inputs.append(Input("font", name, path, sha, size, ref=written))
    return Sources(manifest, issue, layout, layout_override, tuple(inputs))


# ---------------------------------------------------------------------------------------------
# The key and the record

def _pypdf_too(sources: Sources) -> dict:
    """pypdf's version, for an issue that places PDF pages (its parser reads what they copy)."""
    if not sources.of("page"):
        return {}
    from importlib import metadata
    try:
        return {"pypdf": metadata.version("pypdf")}
    except metadata.PackageNotFoundError:
        return {"pypdf": "not installed"}


def build_key(sources: Sources, variant: str, pdfx: str | None) -> str:
    """SHA-256 over everything that decides the finished file's bytes (module doc)."""
    sw = _key_software()
    sw = {**sw, "libraries": {**sw["libraries"], **_pypdf_too(sources)}}
    doc = {"format": KEY_FORMAT, "software": sw, "variant": variant,
           "pdfx": pdfx if variant == "print" else None,
           "layout": sources.layout_override,
           "inputs": sorted([i.role, i.name, i.sha256, i.ref or ""] for i in sources.inputs)}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=True)
                          .encode("ascii")).hexdigest()


def _key_software() -> dict:
    """What of the software decides the bytes: typeset's code, the libraries, and what
    Python brings with it — its version and Unicode database (the characters' categories and
    normal forms the parser and the line breaker read) and the zlib that compresses every
    stream (CPython links the system's: an OS update changes it under the same Python)."""
    import unicodedata
    import zlib

    s = software()
    return {"typeset": s["typeset"], "libraries": s["libraries"], "python": s["python"],
            "unicode": unicodedata.unidata_version, "zlib": zlib.ZLIB_RUNTIME_VERSION}


def provenance(sources: Sources, *, variant: str, pdfx: str | None, conformance: str,
               date: str, key: str | None = None) -> dict:
    """The record stored with a finished file (archive catalogue, `--out` sidecar)."""
    s = software()
    return {"format": PROVENANCE_FORMAT,
            "build_key": key or build_key(sources, variant, pdfx),
            "typeset": s["typeset"], "python": s["python"],
            "libraries": {**s["libraries"], **_pypdf_too(sources)},
            "variant": variant, "pdfx": pdfx if variant == "print" else None,
            "conformance": conformance, "date": date,
            "layout": sources.layout_override,
            "inputs": [i.record() for i in sources.inputs]}


def _font_sha256(path: str) -> tuple[str, int]:
    """A font's SHA-256 and size: the hash the face cache keys on (text.fontid.file_identity,
    memoised in the process by the file's stamp, so a worker building many issues hashes each
    font once; never the hash the cache on disk remembers: the bytes hashed here)."""
    from typeset.text.fontid import file_identity
    return file_identity(path, remembered=False), os.stat(path).st_size


def check_unchanged(sources: Sources) -> None:
    """Refuse inputs that changed since they were hashed (a file edited during the build):
    their recorded hashes would not be what was built."""
    for i in sources.inputs:
        try:
            sha, _ = _font_sha256(i.path) if i.role == "font" else file_sha256(i.path)
        except OSError as err:
            raise TypesetError(f"cannot read {i.role} file: {err.strerror}", file=i.path) \
                from None
        if sha != i.sha256:
            raise TypesetError(f"the {i.role} file changed while the issue was being built",
                               file=i.path, hint="build the issue again when nobody edits it")
