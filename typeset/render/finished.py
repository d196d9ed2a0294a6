"""Finished files kept whole: a one-shot build whose writer would be given exactly what a
previous build's writer was given takes that build's PDF from the cache instead of drawing,
subsetting and formatting it again through ReportLab (issue 13 part 1).

The key (`file_key`) is made from the writer's complete input — the arguments of
`render_pdf` — not from guesses about what changed:

* every page: its size, kind, folio, label, anchors and links, and every item with every one
  of its fields (a text run's font file key and that face's identity, i.e. the font's
  SHA-256, its size, position, scaling, characters, glyph positions and role; a rule, box,
  picture or placed page field by field, `_canon`); what a page check left on the page
  (`Page.checked`) is not an input of the writer;
* each placed picture's content key, made as the writer makes it (`Pictures.key`: the
  picture's SHA-256, the receiver, pixel size, both profiles, Pillow's, LittleCMS's,
  libjpeg's and zlib's versions, the pipeline's code) — so also the subsets' input: each
  face's identity and, through the runs, the characters shown with it;
* each placed PDF page's file SHA-256 and pypdf's version;
* the document information, the issue's metadata, the variant (every field), the bleed, the
  crop marks and the picture policy;
* the code: every module of `typeset/render/` (and its ICC profiles), of `typeset/text/`,
  the modules the writer takes its inputs' classes from, and the versions of Python, zlib,
  ReportLab and fontTools (read from their files: ReportLab is not imported to key).

A field added to an item later is in the key without a change here (`_canon` walks the
dataclass fields; a text run's fields are listed, and tests/test_finished.py fails if
`TextRun` gains one). A value the key cannot write canonically makes no key: the file is
drawn, never taken.

One file per issue, variant and part, under `$TYPESET_CACHE/finished/` (so the disk holds
one PDF per issue and variant, overwritten by the next build that draws):

    b"typeset-finished/1\\n"  u32 LE header length  header (ASCII JSON: {"key": …,
    "sha256": the PDF's SHA-256, "length": …})  the PDF  seal (32 bytes)

The seal (`cacheseal.seal_of`, the user's key, bound to the cache's kind and the entry's
name) is of the magic, the header and the PDF's SHA-256: the PDF is hashed when read and must
be what the sealed header says, so a planted, truncated, moved or foreign entry is a miss —
the file is drawn as on a cold build and the entry written again. The PDF's SHA-256 is the
build's digest, so a file taken from here is hashed once (a drawn one twice: for its /ID,
and read back).
"""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import struct
import sys
from array import array
from datetime import date, datetime, time
from pathlib import Path, PurePath

from typeset.cachefiles import cache_dir, read_cache, write_cache
from typeset.cacheseal import SEAL_SIZE, cache_key, code_files, seal_of
from typeset.layout.page import Image, Page, PlacedPage, TextRun
from typeset.records import dataclass

FORMAT = 1
#: False: no finished file is taken or kept (the pages are drawn: tests of the page-stream
#: cache and of the writer itself, which need it to run)
use_finished_cache = True
_MAGIC = b"typeset-finished/1\n"
_KIND = "finished"
_LIMIT = 1 << 30            # the hundred-times sample is ~18 MB, 3,668 pages of distinct text 28
#: `TextRun`'s fields, in the order `_page_parts` writes them (tests/test_finished.py checks
#: this is every field: one added later must be keyed, or no file is taken)
TEXT_RUN_FIELDS = ("x", "y", "size", "hscale", "font", "text", "xs", "role")


class _Unkeyable(Exception):
    """A value the key cannot write canonically: no key, the file is drawn."""


def _canon(value, out: list) -> None:
    """Append a canonical, unambiguous text of `value` to `out`: the same value gives the
    same text in every process (sets sorted: their order follows string hashing, which
    differs between processes), two different values different texts."""
    if value is None or value is True or value is False:
        out.append(repr(value))
    elif isinstance(value, (str, int, float, bytes)):
        out.append(f"{type(value).__name__}:{value!r}")  # (exact: a float's repr round-trips)
    elif isinstance(value, (tuple, list)):
        out.append("(" if isinstance(value, tuple) else "[")
        for v in value:
            _canon(v, out)
            out.append(",")
        out.append(")")
    elif isinstance(value, (set, frozenset)):
        texts = []
        for v in value:
            t: list = []
            _canon(v, t)
            texts.append("".join(t))
        out.append("{" + ",".join(sorted(texts)) + "}")
    elif isinstance(value, dict):
        items = []
        for k, v in value.items():
            t: list = []
            _canon(k, t)
            t.append(":")
            _canon(v, t)
            items.append("".join(t))
        out.append("{" + ",".join(sorted(items)) + "}")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        out.append(f"{type(value).__module__}.{type(value).__qualname__}(")
        for f in dataclasses.fields(value):
            out.append(f.name + "=")
            _canon(getattr(value, f.name), out)
            out.append(",")
        out.append(")")
    elif isinstance(value, (datetime, date, time)):
        out.append(f"{type(value).__name__}:{value.isoformat()}:"
                   f"{getattr(value, 'tzinfo', None)!r}")
    elif isinstance(value, PurePath):
        out.append(f"path:{str(value)!r}")
    else:
        raise _Unkeyable(type(value).__name__)


_CODE: str | None = None


def code_digest() -> str:
    """The code the finished file's bytes depend on besides the writer's inputs (see the
    module docstring); once per process."""
    global _CODE
    if _CODE is None:
        import zlib
        h = hashlib.sha256(f"{FORMAT}\0{sys.version}\0{zlib.ZLIB_VERSION}\0"
                           f"{zlib.ZLIB_RUNTIME_VERSION}\0".encode())
        root = Path(__file__).resolve().parent.parent        # typeset/
        files: list[Path] = []
        for folder in ("render", "render/rl", "render/pictures", "render/preflight", "text"):
            files += code_files(root / folder)
        icc = root / "render" / "icc"
        files += [icc / n for n in sorted(os.listdir(icc)) if n.endswith(".icc")]
        files += [root / n for n in ("model/picture.py", "model/pdfpage.py", "model/layout.py",
                                     "layout/page.py", "issueinfo.py", "resources.py")]
        for p in files:
            data = p.read_bytes()
            h.update(b"%d\0%s\0" % (len(data), p.relative_to(root).as_posix().encode()))
            h.update(data)
        for package in ("reportlab", "fontTools"):       # their versions, from their files
            h.update(_package_init(package))
        _CODE = h.hexdigest()
    return _CODE


def _package_init(name: str) -> bytes:
    """The bytes of a package's `__init__.py` (which states its version), found without
    importing it."""
    import importlib.util
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return b"%s: none" % name.encode()
    data = Path(spec.origin).read_bytes()
    return b"%s\0%d\0" % (name.encode(), len(data)) + data


def file_key(pages: list[Page], library, info, *, variant, issue, bleed: float,
             crop_marks, pictures) -> str | None:
    """The key of the finished file `render_pdf` makes of these arguments (writer.py), or
    None where something cannot be keyed (the file is then drawn and not kept)."""
    try:
        head: list = []
        _canon((info, issue, variant, float(bleed), crop_marks, pictures), head)
        parts = [code_digest().encode(), "".join(head).encode("utf-8", "surrogatepass")]
        faces: dict[str, bytes] = {}
        sources: dict[str, None] = {}
        placed: dict[str, None] = {}
        texts: list[str] = []
        memo: dict = {}
        for page in pages:
            _page_parts(page, library, faces, sources, placed, parts, texts, memo)
        parts.append("".join(texts).encode("utf-8", "surrogatepass"))
        if sources:
            parts.append(_picture_keys(pages, variant, pictures, list(sources)))
        if placed:
            parts.append(_placed_keys(list(placed)))
    except Exception:            # noqa: BLE001 (anything unkeyable: the file is drawn, and
        return None              # the writer says what is wrong, if anything is)
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.hexdigest()


def _page_parts(page: Page, library, faces: dict, sources: dict, placed: dict,
                parts: list, texts: list, memo: dict) -> None:
    """Append what `page` gives the writer to `parts`; its runs' characters to `texts` (all
    encoded once, at the end: their lengths are in `parts`). `memo`: a run's glyph positions
    and role by identity, for this key only (runs share their offset tuples)."""
    add = parts.append
    head: list = ["P"]
    for f in dataclasses.fields(page):
        if f.name in ("items", "checked"):   # (checked: the page check's memo, not drawn)
            continue
        head.append(f.name + "=")
        _canon(getattr(page, f.name), head)
    add("".join(head).encode("utf-8", "surrogatepass"))
    pack = struct.pack
    text_of = texts.append
    for item in page.items:
        if type(item) is TextRun:
            fk = faces.get(item.font)
            if fk is None:
                face = library.face(item.font)
                fk = faces[item.font] = b"F%d\0%s\0%s\0" % (
                    len(item.font), item.font.encode("utf-8", "surrogatepass"),
                    face.identity.encode("ascii"))
            xs, role = item.xs, item.role
            got = memo.get(id(xs))
            if got is None or got[0] is not xs:
                got = memo[id(xs)] = (xs, b"" if xs is None else array("d", xs).tobytes())
            r = memo.get(role)
            if r is None:
                r = memo[role] = b"%d\0%s" % (len(role), role.encode("utf-8", "surrogatepass"))
            add(fk)
            add(pack("<c4dIi", b"T", item.x, item.y, item.size, item.hscale, len(item.text),
                     -1 if xs is None else len(xs)))
            add(r)
            add(got[1])
            text_of(item.text)
        else:
            if isinstance(item, Image):
                sources[item.source] = None
            elif isinstance(item, PlacedPage):
                placed[item.source] = None
            out: list = ["I"]
            _canon(item, out)
            add("".join(out).encode("utf-8", "surrogatepass"))


def _picture_keys(pages, variant, policy, sources: list[str]) -> bytes:
    """Each placed picture's content key as the writer makes it (writer.prepare_pictures)."""
    from typeset.model.layout import Images
    from typeset.render.pictures.pipeline import Pictures
    from typeset.render.pictures.spec import target_for
    from typeset.render.writer import PicturePolicy, _where
    policy = policy or PicturePolicy()
    images = policy.images or Images()
    pics = Pictures(target_for(variant.key, images), max_ppi=images.max_ppi,
                    min_ppi=policy.min_ppi, use_cache=policy.use_cache)
    pics.plan(pages, _where)
    return "".join(f"picture {s!r} {pics.key(s)}\n" for s in sources).encode(
        "utf-8", "surrogatepass")


def _placed_keys(sources: list[str]) -> bytes:
    """Each placed PDF's SHA-256 (its bytes now) and pypdf's version."""
    out = [_package_init("pypdf")]
    for s in sources:
        out.append(b"%s\0%s\0" % (s.encode("utf-8", "surrogatepass"),
                                  hashlib.sha256(Path(s).read_bytes()).hexdigest().encode()))
    return b"".join(out)


@dataclass
class FinishedFile:
    """The cache entry of one finished file: `slot` names it (the issue, variant and part),
    `key` is what its writer was given (`file_key`)."""
    slot: str
    key: str
    path: str
    sha256: str = ""              # the PDF's, when taken (`take`)

    @classmethod
    def for_slot(cls, slot: str, key: str) -> "FinishedFile":
        name = hashlib.sha256(slot.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return cls(slot, key, os.path.join(cache_dir(), _KIND, name + ".pdfc"))

    def take(self) -> memoryview | None:
        """The PDF a previous build wrote for exactly this key, its seal and SHA-256 checked;
        None for anything else (a miss: the file is drawn)."""
        if not cache_key()[1]:
            return None                   # no key of ours: nothing here could be trusted
        blob = read_cache(self.path, _LIMIT)
        if blob is None or not blob.startswith(_MAGIC) or len(blob) < len(_MAGIC) + 4 + SEAL_SIZE:
            return None
        try:
            at = len(_MAGIC)
            hlen = int.from_bytes(blob[at:at + 4], "little")
            start = at + 4 + hlen
            header = json.loads(blob[at + 4:start].decode("ascii"))
            if (not isinstance(header, dict) or header.get("key") != self.key
                    or type(header.get("length")) is not int
                    or start + header["length"] + SEAL_SIZE != len(blob)
                    or not isinstance(header.get("sha256"), str)):
                return None
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
        body = memoryview(blob)[start:start + header["length"]]
        digest = hashlib.sha256(body).hexdigest()
        seal = seal_of(_KIND, self.slot, blob[:start], bytes.fromhex(digest))
        if digest != header["sha256"] or seal is None or \
                not hmac.compare_digest(seal, blob[-SEAL_SIZE:]):
            return None
        self.sha256 = digest
        return body

    def put(self, pdf, sha256: str) -> bool:
        """Keep `pdf` (bytes, its SHA-256 `sha256`) as the file for this key."""
        if not cache_key()[1] or len(pdf) > _LIMIT:
            return False
        header = json.dumps({"key": self.key, "sha256": sha256, "length": len(pdf)},
                            sort_keys=True).encode("ascii")
        head = _MAGIC + len(header).to_bytes(4, "little") + header
        seal = seal_of(_KIND, self.slot, head, bytes.fromhex(sha256))
        if seal is None:
            return False

        def fill(f) -> None:
            f.write(head)
            f.write(pdf)
            f.write(seal)
        return write_cache(self.path, fill)
