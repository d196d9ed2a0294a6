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
