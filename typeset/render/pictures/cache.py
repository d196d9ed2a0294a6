"""Prepared pictures cached on disk, by content: a warm build never decodes or converts an
unchanged picture again.

File `$TYPESET_CACHE/pictures/<xx>/<key>.pic`, binary, read as data and checked (no pickle):

    b"typeset-picture/2\n"        magic
    u32 LE                          length of the header
    header                          ASCII JSON: width, height, space, filter, decode_inverted,
                                    predictor, how, ink, data and profile lengths
    data, profile                   the image stream as embedded, the ICC profile (or nothing)
    seal                            HMAC-SHA256 of everything before it and the key, with the
                                    user's cache key (cacheseal.sealed; 32 bytes)

The key is the SHA-256 of everything that decides the bytes: the picture file's SHA-256, the
target (receiver, rendering intent, black-point compensation, ink limit, JPEG quality), the
pixel size, the SHA-256 of both output-intent profiles, the versions of Pillow, LittleCMS,
libjpeg and zlib, and a digest of this package's code. An entry cannot be checked against the
picture it stands for without converting the picture again (the work the cache saves): a
checksum only proves it whole, and any other picture of the same size and colour space would
pass. So the file is sealed with the user's cache key, bound to its key: only a picture this
user's own build prepared for this very key is used. Anything planted (without the key),
truncated, moved to another key, of another version or failing its seal is ignored (and
rebuilt): the PDF is the same bytes with the cache cold, warm or deleted. An entry is also
checked against the request (`fits`): the pixel size asked for, a colour space the receiver
takes, an ink within its limit. Without a key of ours nothing is read or written here.

`dump` and `load` are the entry's bytes without the seal (also how a forked child hands a
prepared picture back, render/aside.py).
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import struct
from pathlib import Path

from typeset.cachefiles import cache_dir, write_cache
from typeset.cacheseal import SEAL_SIZE, code_files, sealed, unseal
from typeset.fileread import FileSlice, file_stamp, open_regular, pread, read_kept_open
from typeset.render.pictures.spec import Prepared
from typeset.render.variants import CMYK, GRAY, ICC_RGB, RGB

MAGIC = b"typeset-picture/2\n"
FORMAT = 1
LIMIT = 1 << 30                      # a cache file larger than 1 GiB is not read
_HEADER_MAX = 1 << 16
#: a prepared stream at least this long is left in its cache file until the PDF is written
#: (fileread.FileSlice; the writer's collector writes it into the file in pieces, as it
#: writes any stream of rl.save.BIG_STREAM bytes or more)
HELD_IN_FILE = 1 << 16
_FIELDS = {"width": int, "height": int, "space": str, "filter": str, "decode_inverted": bool,
           "predictor": bool, "how": str, "ink": (float, type(None)), "data": int, "icc": int}


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the pipeline's source files (a change of code is a change of key)."""
    h = hashlib.sha256()
    try:
        for p in code_files(Path(__file__).parent):
            h.update(p.name.encode() + b"\0" + p.read_bytes())
    except OSError:                       # a module that cannot be read: a key no entry
        return os.urandom(32).hex()       # has (every picture made afresh), not an error
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    """What decides the bytes besides our code: the versions of Pillow, LittleCMS, libjpeg
    and zlib, part of every cache key. Read from Pillow's C modules (what `PIL.features` and
    `ImageCms.core` report: tests/test_pictures_cache.py), not through PIL.Image, so that a
    warm build, which finds every picture here, never imports Pillow's image machinery."""
    import zlib

    import PIL
    from PIL import _imaging, _imagingcms
    jpeg = _imaging.jpeglib_version if "jpeg_encoder" in dir(_imaging) else None
    return {"pillow": PIL.__version__, "lcms": str(_imagingcms.littlecms_version),
            "jpeg": str(jpeg), "zlib": zlib.ZLIB_VERSION}


@functools.lru_cache(maxsize=None)
def profile_digests() -> dict[str, str]:
    """SHA-256 of both output intents' profiles (the shipped FOGRA39 and sRGB): part of every
    cache key."""
    from typeset.render.variants import CMYK_PROFILE, RGB_PROFILE, load_profile
    return {"cmyk": hashlib.sha256(load_profile(CMYK_PROFILE)).hexdigest(),
            "srgb": hashlib.sha256(load_profile(RGB_PROFILE)).hexdigest()}


def cache_key(source_sha: str, target: dict, size: tuple[int, int] | None,
              profiles: dict[str, str], libraries: dict[str, str]) -> str:
    doc = {"format": FORMAT, "source": source_sha, "target": target,
           "size": list(size) if size else None, "profiles": profiles,
           "libraries": libraries, "code": code_digest()}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode("ascii")).hexdigest()


def path_for(key: str, root: Path | None = None) -> Path:
    return (root or cache_dir()) / "pictures" / key[:2] / f"{key}.pic"


def dump_head(p: Prepared) -> bytes:
    """An entry's bytes before its stream: the magic and the header."""
    icc = p.icc or b""
    header = {"width": p.width, "height": p.height, "space": p.space, "filter": p.filter,
              "decode_inverted": p.decode_inverted, "predictor": p.predictor, "how": p.how,
              "ink": p.ink, "data": len(p.data), "icc": len(icc)}
    raw = json.dumps(header, sort_keys=True, ensure_ascii=True).encode("ascii")
    return MAGIC + struct.pack("<I", len(raw)) + raw


def dump(p: Prepared) -> bytes:
    data = p.data if isinstance(p.data, bytes) else p.data.read()
    return dump_head(p) + data + (p.icc or b"")


def load(blob: bytes, trailer: int = 0) -> Prepared | None:
    """The Prepared picture in an entry's bytes (`dump`; followed by `trailer` bytes not
    its own: a cache file's seal), or None if anything about it is wrong."""
    n = len(MAGIC)
    end = len(blob) - trailer
    if len(blob) < n + 4 or blob[:n] != MAGIC:
        return None
    (hlen,) = struct.unpack("<I", blob[n:n + 4])
    if hlen > _HEADER_MAX or n + 4 + hlen > end:
        return None
    try:
        h = json.loads(blob[n + 4:n + 4 + hlen].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(h, dict) or set(h) != set(_FIELDS):
        return None
    for k, tp in _FIELDS.items():
        v = h[k]
        if not isinstance(v, tp) or (tp is int and isinstance(v, bool)):
            return None
    start = n + 4 + hlen
    body = memoryview(blob)[start:end]       # (no copy: a picture is megabytes)
    if (h["space"] not in (GRAY, RGB, ICC_RGB, CMYK) or h["filter"] not in ("DCTDecode",
                                                                              "FlateDecode")
            or not (0 < h["width"] <= 1 << 20 and 0 < h["height"] <= 1 << 20)
            or h["data"] < 1 or h["icc"] < 0 or h["data"] + h["icc"] != len(body)
            or (h["space"] == ICC_RGB) != (h["icc"] > 0)):
        return None
    data, icc = blob[start:start + h["data"]], blob[start + h["data"]:end]
    return Prepared(h["width"], h["height"], h["space"], h["filter"], data,
                    decode_inverted=h["decode_inverted"], predictor=h["predictor"],
                    icc=icc or None, how=h["how"], ink=h["ink"])


#: the colour spaces each receiver's file takes (spec.Target, convert._colour)
_SPACES = {"cmyk": (CMYK, GRAY), "icc-rgb": (ICC_RGB, CMYK, GRAY), "srgb": (RGB, GRAY)}


def fits(p: Prepared, size: tuple[int, int], target) -> bool:
    """Does a cached picture stand for what was asked: `size` pixels (as seen, after any
    downsampling), in a colour space the `target` receiver takes, within its ink limit? A
    key names the request; this checks the entry answers it (cheaply, without decoding)."""
    if (p.width, p.height) != tuple(size) or p.space not in _SPACES.get(target.kind, ()):
        return False
    if p.space == CMYK and target.total_ink is not None:
        return p.ink is not None and p.ink <= target.total_ink + 1e-9
    return True


def get(key: str, size: tuple[int, int] | None = None, target=None) -> Prepared | None:
    """The cached picture for `key`, if there is one that `fits` the request (when `size`
    and `target` are given). A stream of `HELD_IN_FILE` bytes or more is left in the entry's
    file (`FileSlice`), read again only as the PDF is written."""
    path = path_for(key)
    try:
        blob, fd, stamp = read_kept_open(path, LIMIT, follow=False)
    except (OSError, ValueError):
        return None
    held = None
    try:
        p = load(blob, SEAL_SIZE) if unseal("pictures", key, blob) else None
        if p is not None and size is not None and target is not None and not fits(p, size,
                                                                                   target):
            p = None
        if p is not None and len(p.data) >= HELD_IN_FILE and FileSlice.room():
            start = len(MAGIC) + 4 + struct.unpack("<I", blob[len(MAGIC):len(MAGIC) + 4])[0]
            held = FileSlice(fd, start, len(p.data), stamp, os.fspath(path), ("pictures", key))
            p = dataclasses.replace(p, data=held)
    finally:
        if held is None:
            os.close(fd)
    return p


def held_in_file(key: str, p: Prepared) -> Prepared:
    """`p`, just stored under `key` (`put`), with its stream left in the entry's file as
    `get` leaves it, if the file holds what `dump` gave (else `p` as it is)."""
    if len(p.data) < HELD_IN_FILE or not isinstance(p.data, bytes) or not FileSlice.room():
        return p
    path = path_for(key)
    head = len(dump_head(p))
    try:
        fd, st = open_regular(path, follow=False)
    except (OSError, ValueError):
        return p
    try:
        if st.st_size == head + len(p.data) + len(p.icc or b"") + SEAL_SIZE and pread(
                fd, 64, head) == p.data[:64]:
            return dataclasses.replace(p, data=FileSlice(fd, head, len(p.data), file_stamp(st),
                                                          os.fspath(path), ("pictures", key)))
    except OSError:
        pass
    os.close(fd)
    return p


def put(key: str, p: Prepared) -> bool:
    """Store `p` under `key`, sealed (nothing is written without a key of ours)."""
    blob = sealed("pictures", key, dump(p))
    return blob is not None and write_cache(path_for(key), blob)
