"""The paragraph cache changes speed, never output."""
from __future__ import annotations

import pytest

from tests.conftest import SAMPLE
from typeset.build import compose, render
from typeset.render.debug import dump_pages


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_cold_warm_and_uncached_builds_are_identical(cache_dir):
    cold = compose(SAMPLE)
    assert list((cache_dir / "paragraphs").glob("*.json"))
    warm = compose(SAMPLE)
    plain = compose(SAMPLE, use_cache=False)
    assert dump_pages(cold.pages) == dump_pages(warm.pages) == dump_pages(plain.pages)
    assert render(cold) == render(warm) == render(plain)


def test_a_corrected_paragraph_is_broken_again(cache_dir, tmp_path):
    import shutil

    copy = tmp_path / "issue"
    shutil.copytree(SAMPLE.parent, copy)
    first = compose(copy / "issue.yaml")
    art = copy / "articles" / "01-zhuxi-huiyi.md"
    text = art.read_text(encoding="utf-8")
    art.write_text(text.replace("会议认为", "会议一致认为", 1), encoding="utf-8")
    second = compose(copy / "issue.yaml")
    assert dump_pages(first.pages) != dump_pages(second.pages)
    assert dump_pages(second.pages) == dump_pages(compose(copy / "issue.yaml", use_cache=False).pages)


def test_word_boundaries_are_cached_and_planted_ones_ignored(cache_dir):
    """The sample's wrapping titles are segmented once; the cache file keeps the boundaries,
    and a damaged answer (falling, zero, not a number, past the text) is never used: the build
    is the same as without a cache."""
    import json

    from typeset.text import words

    cold = compose(SAMPLE)
    (path,) = (cache_dir / "paragraphs").glob("*.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["words"] and all(isinstance(v, list) for v in doc["words"].values())
    plain = dump_pages(compose(SAMPLE, use_cache=False).pages)
    for planted in ([5, 4], [0], ["x"], [10 ** 9], "nonsense", [True]):
        doc["words"] = {k: planted for k in doc["words"]}
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        words._memo.clear()
        assert dump_pages(compose(SAMPLE).pages) == plain == dump_pages(cold.pages), planted
