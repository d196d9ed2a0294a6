"""Parsed articles kept in the cache (typeset/model/artcache.py, issue 13 wave 7): an article
read from the cache is the article the parser makes, field for field and type for type (its
repr, which goes into the paragraph cache's keys); an entry that is broken, planted without
the user's key, moved under another key or of another shape is a miss, and the PDF is the
same bytes as a cold build's."""
from __future__ import annotations

import contextlib
import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, SAMPLE
from typeset.errors import TypesetError
from typeset.model import article, artcache


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@contextlib.contextmanager
def _no_cache():
    artcache.use_article_cache = False
    try:
        yield
    finally:
        artcache.use_article_cache = True


def _parsed(path: Path) -> str:
    with _no_cache():
        return repr(article.load_article(path))


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("articles/*/*.art"))


def _spy_parse(monkeypatch) -> list:
    calls = []
    real = article._parse
    monkeypatch.setattr(article, "_parse", lambda p, t: calls.append(p) or real(p, t))
    return calls


def _articles() -> list[Path]:
    """Every article of the repository that loads without error."""
    found = []
    for path in sorted(ROOT.glob("issues/**/*.md")) + sorted(ROOT.glob("tests/data/**/*.md")):
        try:
            _parsed(path)
        except TypesetError:
            continue
        found.append(path)
    return found


def test_every_article_reads_back_as_parsed(cache_dir, monkeypatch):
    paths = _articles()
    assert len(paths) >= 10
    plain = [_parsed(p) for p in paths]
    assert [repr(article.load_article(p)) for p in paths] == plain      # cold: written
    assert len(_entries(cache_dir)) == len({p.read_bytes() for p in paths})
    calls = _spy_parse(monkeypatch)
    assert [repr(article.load_article(p)) for p in paths] == plain      # warm: read
    assert calls == []


_FRAGMENTS = ["茶叶", "产量", "**加粗**", "*斜体*", "“引号”", "2024 年", "A B", "\\*",
              "<https://example.org/a>", "`代码`", "。", "，", "——", "~", "**茶。**深入"]


@st.composite
def _bodies(draw):
    paragraphs = draw(st.lists(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=6),
                               min_size=1, max_size=5))
    out, notes = [], []
    for n, words in enumerate(paragraphs):
        text = "".join(words)
        kind = draw(st.sampled_from(["p", "h2", "h3", "list", "note", "table"]))
        if kind == "h2":
            text = "## " + text
        elif kind == "h3":
            text = "### " + text
        elif kind == "list":
            text = "- " + text + "\n- " + words[0]
        elif kind == "note":
            text += f"[^n{n}]"
            notes.append(f"[^n{n}]: 注释{words[-1]}")
        elif kind == "table":
            text = f"| 甲 | {words[0]} |\n|---|--:|\n| {text} | 1 |\n\n: 表{n}"
        out.append(text)
    return "\n\n".join(out + notes) + "\n"


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_bodies(), subtitle=st.sampled_from(["", "subtitle: 副题\n", "lead: |\n  导语\n  二行\n"]))
def test_generated_articles_read_back_as_parsed(cache_dir, tmp_path, body, subtitle):
    path = tmp_path / "a.md"
    path.write_text(f"---\ntitle: [标题, 二行]\nauthors: [甲, 乙]\n{subtitle}---\n\n{body}",
                    encoding="utf-8")
    try:
        plain = _parsed(path)
    except TypesetError:
        return
    assert repr(article.load_article(path)) == plain
    assert repr(article.load_article(path)) == plain


def test_an_article_with_an_error_is_not_kept(cache_dir, tmp_path):
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: 题\n---\n\n正文[链接](http://x)。\n", encoding="utf-8")
    messages = []
    for _ in range(2):
        with pytest.raises(TypesetError) as err:
            article.load_article(path)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "a.md:5" in messages[0]
    assert _entries(cache_dir) == []


def test_pictures_are_probed_on_every_load(cache_dir, tmp_path):
    """An entry holds no picture: a picture removed after the entry was written is an error
    at the figure's line, as on a cold build."""
    pic = next(ROOT.glob("issues/sample/images/*.jpg"))
    (tmp_path / "p.jpg").write_bytes(pic.read_bytes())
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: 题\n---\n\n正文。\n\n![图注](p.jpg)\n", encoding="utf-8")
    first = article.load_article(path)
    assert first.blocks[1].figure.picture is not None and len(_entries(cache_dir)) == 1
    (tmp_path / "p.jpg").unlink()
    from typeset.model import picture
    picture._probed.clear()
    with pytest.raises(TypesetError) as err:
        article.load_article(path)
    assert "a.md:7" in str(err.value) and "p.jpg" in str(err.value)


def _someone_else_seal(key: str, data: bytes) -> bytes:
    import hashlib
    import hmac
    mac = hmac.new(os.urandom(32), digestmod=hashlib.sha256)
    mac.update(data)
    return data + mac.digest()


def _user_seal(key: str, data: bytes) -> bytes:
    from typeset.cacheseal import sealed
    return sealed("articles", key, data)


def _body(blob: bytes) -> list:
    from typeset.cacheseal import SEAL_SIZE
    return json.loads(blob[len(artcache._MAGIC):-SEAL_SIZE].decode("utf-8"))


def _with_text(doc: list, text: str) -> list:
    doc = json.loads(json.dumps(doc))
    runs = doc[2][0][2]
    runs[0] = text if isinstance(runs[0], str) else [text] + runs[0][1:]
    return doc


def _enc(doc) -> bytes:
    return artcache._MAGIC + json.dumps(doc, ensure_ascii=False).encode("utf-8")


# (what is planted, sealed by whom): every one a miss
PLANTS = {
    "text changed, someone else's seal":
        lambda key, blob, other: _someone_else_seal(key, _enc(_with_text(_body(blob), "假"))),
    "text changed, seal kept": lambda key, blob, other: _enc(_with_text(_body(blob), "假"))
        + blob[-32:],
    "another article's entry (the user's seal, another key)": lambda key, blob, other: other,
    "truncated": lambda key, blob, other: blob[:len(blob) // 2],
    "a byte flipped": lambda key, blob, other: blob[:40] + bytes([blob[40] ^ 1]) + blob[41:],
    "empty": lambda key, blob, other: b"",
    "another format, the user's seal":
        lambda key, blob, other: _user_seal(key, _enc([2] + _body(blob)[1:])),
    "a line that is text, the user's seal":
        lambda key, blob, other: _user_seal(key, _enc(_body(blob)[:2] + [
            [b[:3] + ["3"] + b[4:] for b in _body(blob)[2]]] + _body(blob)[3:])),
    "a run that is a number, the user's seal":
        lambda key, blob, other: _user_seal(key, _enc(_with_text(_body(blob), 7))),
    "a block cut short, the user's seal":
        lambda key, blob, other: _user_seal(key, _enc(_body(blob)[:2] + [
            [b[:5] for b in _body(blob)[2]]] + _body(blob)[3:])),
    "not JSON, the user's seal":
        lambda key, blob, other: _user_seal(key, artcache._MAGIC + b"[1, 2"),
    "not UTF-8, the user's seal":
        lambda key, blob, other: _user_seal(key, artcache._MAGIC + b"\xff\xfe"),
}


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_a_planted_entry_is_a_miss(cache_dir, tmp_path, monkeypatch, plant):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("---\ntitle: 题\n---\n\n真的**正文**。\n", encoding="utf-8")
    b.write_text("---\ntitle: 题\n---\n\n另一篇。\n", encoding="utf-8")
    plain = _parsed(a)
    article.load_article(a)
    article.load_article(b)
    key_a = artcache.entry_key(a.read_text(encoding="utf-8"))
    key_b = artcache.entry_key(b.read_text(encoding="utf-8"))
    path_a, path_b = artcache._path(key_a), artcache._path(key_b)
    good = path_a.read_bytes()
    path_a.write_bytes(PLANTS[plant](key_a, good, path_b.read_bytes()))
    calls = _spy_parse(monkeypatch)
    assert repr(article.load_article(a)) == plain
    assert calls == [a]                              # parsed again ...
    assert path_a.read_bytes() == good               # ... and the entry written again


def test_a_sealed_entry_of_another_article_is_refused_by_its_key(cache_dir, tmp_path):
    """The seal is bound to the key: the user's own entry of one article put in place of
    another's is a miss (the test above); and the reader of the other key refuses it."""
    a = tmp_path / "a.md"
    a.write_text("---\ntitle: 题\n---\n\n正文。\n", encoding="utf-8")
    article.load_article(a)
    key = artcache.entry_key(a.read_text(encoding="utf-8"))
    assert artcache.read(key) is not None
    other = "0" * 64
    artcache._path(other).parent.mkdir(parents=True, exist_ok=True)
    artcache._path(other).write_bytes(artcache._path(key).read_bytes())
    assert artcache.read(other) is None


def test_compose_without_cache_neither_reads_nor_writes_articles(cache_dir, monkeypatch):
    from typeset.build import compose
    from typeset.cachefiles import read_cache
    compose(SAMPLE, use_cache=False)
    assert not (cache_dir / "articles").exists()
    compose(SAMPLE)
    assert len(_entries(cache_dir)) == 10
    read = []
    monkeypatch.setattr("typeset.cachefiles.read_cache",
                        lambda p, limit: read.append(str(p)) or read_cache(p, limit))
    calls = _spy_parse(monkeypatch)
    compose(SAMPLE, use_cache=False)
    assert not [p for p in read if "/articles/" in p] and len(calls) == 10
    assert artcache.use_article_cache


def _build(out: Path, cache: Path, *args: str) -> bytes:
    env = dict(os.environ, TYPESET_CACHE=str(cache))
    r = subprocess.run([sys.executable, "-m", "typeset", "build", str(SAMPLE), "-o", str(out),
                        *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return out.read_bytes()


def test_planted_articles_print_the_same_bytes(tmp_path):
    """Every article entry of the sample planted (its first run's text changed, sealed with
    someone else's key; then broken): the PDF is byte for byte the cold build's, and a warm
    build's too."""
    cache = tmp_path / "cache"
    cold = _build(tmp_path / "cold.pdf", cache)
    entries = _entries(cache)
    assert len(entries) == 10
    assert _build(tmp_path / "warm.pdf", cache) == cold
    for n, path in enumerate(entries):
        blob = path.read_bytes()
        key = path.stem
        path.write_bytes(_someone_else_seal(key, _enc(_with_text(_body(blob), "假文")))
                         if n % 2 else blob[:-1])
    assert _build(tmp_path / "planted.pdf", cache) == cold
    assert _build(tmp_path / "again.pdf", cache) == cold


# =============================================================================================
# YAML documents (model/doccache.py): the manifest's and the layouts' trees, marks included

def _documents():
    from tests.test_yaml_fast import repository_documents
    return [(name, text, offset) for name, text, offset in repository_documents()]


def _load_doc(text: str, offset: int):
    from tests.test_yaml_fast import snapshot
    from typeset.model.yamlsrc import load_yaml
    try:
        return ("ok", snapshot(load_yaml(Path("t.yaml"), text, line_offset=offset)))
    except TypesetError as err:
        return ("error", str(err), err.line, err.column, err.hint)


def test_every_yaml_document_reads_back_as_parsed(cache_dir, monkeypatch):
    from typeset.model import doccache, yamlparse
    docs = _documents()
    assert len(docs) >= 30
    monkeypatch.setattr(doccache, "use_document_cache", False)
    plain = [_load_doc(t, o) for _, t, o in docs]
    monkeypatch.setattr(doccache, "use_document_cache", True)
    calls = []
    real = yamlparse._load_fast
    monkeypatch.setattr(yamlparse, "_load_fast", lambda *a: calls.append(a) or real(*a))
    assert [_load_doc(t, o) for _, t, o in docs] == plain            # cold: written
    cold = len(calls)
    kept = list(cache_dir.glob("documents/*/*.doc"))
    assert len(kept) >= 20
    del calls[:]
    assert [_load_doc(t, o) for _, t, o in docs] == plain            # warm: read
    assert len(calls) + len(kept) <= cold                            # (each kept one: no parse)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
              st.floats(allow_nan=True, allow_infinity=True),
              st.dates(), st.datetimes(timezones=st.just(None)),
              st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
                      max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text("abcxyz_", min_size=1, max_size=5), inner,
                                            max_size=4)), max_leaves=12))
def test_generated_documents_read_back_as_parsed(cache_dir, monkeypatch, value):
    """Documents written by PyYAML's dumper from generated values (every scalar type a
    YAML file can give: null, booleans, integers, floats with inf and nan, dates, times,
    text), through the cache and without it."""
    import yaml as pyyaml

    from typeset.model import doccache
    text = pyyaml.safe_dump({"v": value}, allow_unicode=True, sort_keys=False)
    monkeypatch.setattr(doccache, "use_document_cache", False)
    plain = _load_doc(text, 0)
    monkeypatch.setattr(doccache, "use_document_cache", True)
    assert _load_doc(text, 0) == plain
    assert _load_doc(text, 0) == plain


def _doc_entry(cache: Path, text: str) -> tuple[str, Path]:
    from typeset.model import doccache
    key = doccache.entry_key(text, 0)
    return key, doccache._path(key)


DOC_PLANTS = {
    "a value changed, someone else's seal":
        lambda key, blob: _someone_else_seal(key, blob[:-32].replace(b"\"x\"", b"\"y\"")),
    "a value changed, seal kept": lambda key, blob: blob[:-32].replace(b"\"x\"", b"\"y\"")
        + blob[-32:],
    "truncated": lambda key, blob: blob[:len(blob) // 2],
    "empty": lambda key, blob: b"",
    "a mark that is text, the user's seal":
        lambda key, blob: _user_seal(key, blob[:-32].replace(b"[1,1]", b"[\"1\",1]", 1)),
    "an unknown tag, the user's seal":
        lambda key, blob: _user_seal(key, blob[:-32].replace(b"[\"M\",", b"[\"Q\",", 1)),
    "not JSON, the user's seal":
        lambda key, blob: _user_seal(key, blob[:len(_DOC_MAGIC) + 5]),
}
_DOC_MAGIC = b"typeset-document/1\n"


@pytest.mark.parametrize("plant", sorted(DOC_PLANTS))
def test_a_planted_document_is_a_miss(cache_dir, monkeypatch, plant):
    from typeset.model import yamlparse
    text = "a: x\nb: [1, 2.5, 2024-03-15]\n"
    plain = _load_doc(text, 0)
    key, path = _doc_entry(cache_dir, text)
    good = path.read_bytes()
    planted = DOC_PLANTS[plant](key, good)
    assert planted != good
    path.write_bytes(planted)
    calls = []
    real = yamlparse._load_fast
    monkeypatch.setattr(yamlparse, "_load_fast", lambda *a: calls.append(a) or real(*a))
    assert _load_doc(text, 0) == plain
    assert len(calls) == 1 and path.read_bytes() == good


def test_a_document_with_an_error_or_an_alias_is_not_kept(cache_dir):
    assert _load_doc("a: 1\na: 2\n", 0)[0] == "error"
    assert _load_doc("a: &x 1\nb: *x\n", 0)[0] == "ok"
    assert list(cache_dir.glob("documents/*/*.doc")) == []


def test_front_matter_is_kept_with_its_article_only(cache_dir, tmp_path):
    a = tmp_path / "a.md"
    a.write_text("---\ntitle: 题\n---\n\n正文。\n", encoding="utf-8")
    article.load_article(a)
    assert list(cache_dir.glob("documents/*/*.doc")) == [] and len(_entries(cache_dir)) == 1


def test_a_warm_build_imports_no_yaml_and_a_planted_layout_prints_the_same(tmp_path):
    """Every document entry of the sample (manifest, layout) planted by someone else with a
    value changed: the PDF is the cold build's bytes."""
    cache = tmp_path / "cache"
    cold = _build(tmp_path / "cold.pdf", cache)
    docs = sorted(cache.glob("documents/*/*.doc"))
    assert len(docs) >= 2
    env = dict(os.environ, TYPESET_CACHE=str(cache))
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "typeset", "build",
                        str(SAMPLE), "-o", str(tmp_path / "warm.pdf")], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0 and (tmp_path / "warm.pdf").read_bytes() == cold
    assert not re.search(r"\| +yaml$", r.stderr, re.M)
    for path in docs:
        blob = path.read_bytes()
        path.write_bytes(_someone_else_seal(path.stem, blob[:-32].replace(b"[1,", b"[2,")))
    assert _build(tmp_path / "planted.pdf", cache) == cold


def test_one_entry_serves_the_same_text_at_another_path(cache_dir, tmp_path, monkeypatch):
    """An entry holds nothing of the file's path: the same text elsewhere reads back as its
    own parse (its path, its pictures probed beside it)."""
    pic = next(ROOT.glob("issues/sample/images/*.jpg"))
    text = "---\ntitle: 题\nauthors: [甲]\n---\n\n正文**粗**。\n\n![图注](p.jpg){width=half}\n"
    paths = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "p.jpg").write_bytes(pic.read_bytes())
        (tmp_path / name / "x.md").write_text(text, encoding="utf-8")
        paths.append(tmp_path / name / "x.md")
    article.load_article(paths[0])
    calls = _spy_parse(monkeypatch)
    got = article.load_article(paths[1])
    assert calls == [] and repr(got) == _parsed(paths[1])
    assert got.path == paths[1]
    assert [Path(p).resolve() for p in got.pictures] == [(tmp_path / "b" / "p.jpg").resolve()]
