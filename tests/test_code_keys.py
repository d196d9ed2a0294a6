"""What the keys of the caches and the build key cover of the software (issue 13; found by the
wave-7 adversarial tester, fixed since): an editor's lock file beside the code is no reason
for a build to fail (cacheseal.code_files), and the build key changes with the Markdown
plugins, Python's Unicode database and zlib (provenance._key_software). What held is in
tests/test_adv7b_holds.py."""
from __future__ import annotations

import importlib.metadata
import os
import shutil
import sys
from pathlib import Path

import pytest


_ARTICLE = "---\ntitle: 山城秋晚\nauthors: [江小舟]\n---\n\n江水东流，两岸灯火渐次亮起。\n"
_MANIFEST = ("layout: guangxi\nyear: 2026\nnumber: 11\nsections:\n  - title: 要闻\n"
             "    articles: [a.md]\n")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _package_copy_with_lock_link(tmp_path: Path, package: Path, lock: str) -> Path:
    """A copy of one folder of the package's code with an editor's lock file in it, as Emacs
    leaves one beside every file being edited: `.#name.py`, a symbolic link to
    `user@host.pid:time` that leads nowhere."""
    copy = tmp_path / "code" / package.name
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    os.symlink("dev@host.4242:1764460800", copy / lock)
    return copy


# -- finding 1: an editor's lock file beside the model's code makes every build an internal error

def test_an_editors_lock_file_in_the_model_folder_is_no_reason_to_fail(tmp_path, cache,
                                                                     monkeypatch):
    """`artcache.code_digest` (the key of both new caches: articles and YAML documents)
    reads every name ending in `.py` in typeset/model/ with no guard. While a developer edits
    typeset/model/article.py in Emacs, the folder holds `.#article.py`, a symbolic link to
    `user@host.pid:time` that leads nowhere; `read_bytes` raises FileNotFoundError and every
    `typeset build`, `check`, `dump`, `stats` stops with "internal error (a bug in typeset)"
    and exit 3, caches on or off (seen with the real CLI: ln -s x typeset/model/.#article.py;
    typeset build … → exit 3, FileNotFoundError). Before wave 7 (72c92a5) the same checkout
    built. A cache is only an optimisation: what cannot be hashed is a miss (no cache), never
    an error; the article and the manifest load as they do without the cache."""
    from typeset.model import artcache, yamlsrc
    from typeset.model.article import load_article

    model = Path(artcache.__file__).resolve().parent
    copy = _package_copy_with_lock_link(tmp_path, model, ".#article.py")
    monkeypatch.setattr(artcache, "__file__", str(copy / "artcache.py"))
    monkeypatch.setattr(artcache, "_code", None)          # computed again, from the copy
    art = tmp_path / "a.md"
    art.write_text(_ARTICLE, encoding="utf-8")
    manifest = tmp_path / "issue.yaml"
    manifest.write_text(_MANIFEST, encoding="utf-8")

    got = load_article(art)                                # FileNotFoundError on main
    assert got.front.title == ("山城秋晚",)
    tree = yamlsrc.load_yaml(manifest)
    assert tree["layout"] == "guangxi"


def test_an_editors_lock_file_beside_the_text_or_picture_code_is_no_reason_to_fail(
        tmp_path, monkeypatch):
    """The same unguarded read in the older caches' code digests (pre-existing, wave 5-6,
    same class): `text/parcache.py` hashes every `*.py` of typeset/text/ when it is imported
    (`_VERSION = _code_version()`: an Emacs lock `typeset/text/.#items.py` makes every build
    exit 3 with FileNotFoundError, seen with the real CLI), and
    `render/pictures/cache.py`'s `code_digest` every `*.py` of its folder. Promise: a file
    that cannot be read there is no error (skipped, or no cache)."""
    from typeset.render.pictures import cache as piccache
    from typeset.text import parcache

    text = Path(parcache.__file__).resolve().parent
    copy = _package_copy_with_lock_link(tmp_path / "t", text, ".#items.py")
    monkeypatch.setattr(parcache, "__file__", str(copy / "parcache.py"))
    assert isinstance(parcache._code_version(), str)      # FileNotFoundError on main

    pics = Path(piccache.__file__).resolve().parent
    copy = _package_copy_with_lock_link(tmp_path / "p", pics, ".#pipeline.py")
    monkeypatch.setattr(piccache, "__file__", str(copy / "cache.py"))
    assert isinstance(piccache.code_digest.__wrapped__(), str)


# -- finding 2: a batch skips an issue whose bytes a build would change ------------------------

def _sources(tmp_path: Path):
    from typeset.provenance import issue_sources
    (tmp_path / "a.md").write_text(_ARTICLE, encoding="utf-8")
    (tmp_path / "issue.yaml").write_text(_MANIFEST, encoding="utf-8")
    return issue_sources(tmp_path / "issue.yaml")


def _key(sources) -> str:
    from typeset import provenance
    provenance.library_versions.cache_clear()
    try:
        return provenance.build_key(sources, "print", "x4")
    finally:
        provenance.library_versions.cache_clear()


def test_the_build_key_changes_when_the_markdown_plugins_change(tmp_path, cache, monkeypatch):
    """`typeset batch` skips an issue whose stored build key equals the one it computes
    ("unchanged … (same sources, layout, fonts and code)"); provenance.py says the key is
    "everything that decides the finished file's bytes … the versions of the libraries that
    write or read". Articles are read by markdown-it-py *with mdit-py-plugins* (footnotes
    `[^1]`, figure attributes `{width=… credit=…}`) and mdurl; wave 7's article cache puts
    all three in its key for that reason (artcache.code_digest), but the build key has only
    markdown-it-py (LIBRARIES): after `pip install -U mdit-py-plugins` a batch calls every
    stored issue unchanged and keeps bytes a fresh build would not give. The key must change
    when the plugins' (or mdurl's) version changes."""
    import mdit_py_plugins
    import mdurl

    from typeset.model import artcache

    sources = _sources(tmp_path)
    before = _key(sources)
    real = importlib.metadata.version

    def version(name: str) -> str:
        if name.replace("_", "-").lower() in ("mdit-py-plugins", "mdurl"):
            return "99.0.0"
        return real(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    monkeypatch.setattr(mdit_py_plugins, "__version__", "99.0.0")
    monkeypatch.setattr(mdurl, "__version__", "99.0.0")
    monkeypatch.setattr(artcache, "_code", b"\x99" * 32, raising=False)   # the parse key
    assert _key(sources) != before


def test_the_build_key_changes_with_pythons_unicode_database(tmp_path, cache, monkeypatch):
    """The same skip across a Python upgrade: the build key holds no Python version at all
    (`_key_software` drops the `python` that `software()` records), while the characters'
    fates (chars.py: categories, NFC), markdown-it's and our Han/Latin rules read Python's
    Unicode database — wave 7's article key holds `sys.version` and
    `unicodedata.unidata_version` for that reason. A batch after Python 3.11 → 3.12 (Unicode
    14 → 15) keeps every stored file as "unchanged". The key must change with them."""
    import platform
    import unicodedata

    from typeset.model import artcache

    sources = _sources(tmp_path)
    before = _key(sources)
    monkeypatch.setattr(unicodedata, "unidata_version", "99.0.0")
    monkeypatch.setattr(platform, "python_version", lambda: "3.99.0")
    monkeypatch.setattr(sys, "version", "3.99.0 (main, Nov 30 2026)")
    monkeypatch.setattr(sys, "version_info", (3, 99, 0, "final", 0))
    monkeypatch.setattr(artcache, "_code", b"\x98" * 32, raising=False)
    assert _key(sources) != before


def test_the_build_key_changes_with_the_zlib_that_compresses_the_pages(tmp_path, cache,
                                                                        monkeypatch):
    """Every page, font program and profile of the PDF is a FlateDecode stream made by zlib;
    the compressed-streams cache keys on "zlib's version and level" (README, Speed and
    caches) because another zlib compresses to other bytes, and the picture cache keys on
    zlib's version too — but the build key, "everything that decides the finished file's
    bytes", holds no zlib version (CPython links the system's libz: an OS update changes it
    under the same Python and the same libraries). The key must change with it."""
    import zlib

    sources = _sources(tmp_path)
    before = _key(sources)
    monkeypatch.setattr(zlib, "ZLIB_RUNTIME_VERSION", "9.9.9")
    monkeypatch.setattr(zlib, "ZLIB_VERSION", "9.9.9")
    assert _key(sources) != before
