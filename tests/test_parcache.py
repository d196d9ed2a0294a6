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


def test_the_key_is_the_digest_of_the_whole_tuple_repr(cache_dir):
    """`key` writes the tuple's repr out piece by piece (the settings' repr made once): it
    must be exactly the digest of repr() of the tuple, or a warm cache would miss."""
    import hashlib

    from hypothesis import given, settings as hsettings, strategies as st

    from typeset.text import parcache
    from typeset.text.types import BreakSettings, Span

    cache = parcache.ParagraphCache("x", lambda style: f"fp-{style}", on_disk=False)
    spans_st = st.lists(st.builds(Span, st.text(max_size=5), st.sampled_from(["body", "bold"])),
                        max_size=3)
    widths_st = st.one_of(st.floats(1, 500), st.lists(st.floats(1, 500), min_size=1, max_size=3))

    @hsettings(max_examples=60, deadline=None)
    @given(spans_st, widths_st, st.one_of(st.none(), st.floats(0, 500)),
           st.sampled_from([BreakSettings(), BreakSettings(indent=0.0, strict=False)]),
           st.one_of(st.none(), st.lists(st.integers(1, 9), max_size=3)),
           st.one_of(st.none(), st.tuples(st.integers(1, 9), st.floats(0, 1))))
    def check(spans, widths, last, bs, words, target):
        styles = sorted({s.style for s in spans})
        material = repr((parcache._VERSION, [(s.text, s.style) for s in spans],
                         widths if isinstance(widths, (int, float)) else tuple(widths),
                         last, bs, [(s, f"fp-{s}") for s in styles],
                         None if words is None else tuple(words))
                        + (() if target is None else (target,)))
        assert cache.key(spans, widths, bs, last, words, target) == \
            hashlib.sha256(material.encode("utf-8")).hexdigest()
    check()


def test_lines_read_from_the_cache_share_one_string_per_character(cache_dir):
    """A glyph read from the cache keeps the one string object of its character (iterating
    a string makes a new 76-byte object for each CJK character; an issue of distinct text
    holds millions of glyphs): as many character objects as distinct characters."""
    from typeset.text.parcache import _dump, _line

    compose(SAMPLE)                                   # fills the cache
    warm = compose(SAMPLE)
    lines = [sl.line for fr in warm.frames for pl in fr.placements
             for sl in getattr(pl.item, "lines", ())]
    glyphs = [g for ln in lines for g in ln.glyphs]
    assert len(glyphs) > 10000
    assert len({id(g.ch) for g in glyphs}) == len({g.ch for g in glyphs})
    again = _line(_dump(lines[0]))                    # the same line read again: same objects
    assert again == lines[0]
    assert all(a.ch is b.ch for a, b in zip(again.glyphs, lines[0].glyphs))
    # equal glyphs and numbers of the lines read from one file are one object each
    assert len({id(g) for g in glyphs}) < 0.8 * len(glyphs)
    assert len({id(g.x) for g in glyphs}) == len({g.x for g in glyphs})
    assert len({id(g.width) for g in glyphs}) == len({g.width for g in glyphs})


def test_shared_lines_keep_the_sign_of_a_zero_and_integers():
    """Sharing never changes a line read: -0.0 equals 0.0 and 1 equals 1.0, but a line holding
    one keeps its own objects (bit for bit and type for type what the file says)."""
    import math

    from typeset.text.parcache import _Shared, _line

    def row(xs, ws):
        return [60.0, 60.0, 0.0, True, False, False, 0, 3, 0.0, "中文字",
                [["body", 3]], xs, ws]

    shared = _Shared()
    a = _line(row([0.0, 10.0, 20.0], [10.0, 10.0, 10.0]), shared)
    b = _line(row([-0.0, 10.0, 20.0], [10.0, 10.0, 10.0]), shared)
    c = _line(row([0, 10.0, 20.0], [10, 10.0, 10.0]), shared)
    d = _line(row([0.0, 10.0, 20.0], [10.0, 10.0, 10.0]), shared)
    assert math.copysign(1, b.glyphs[0].x) == -1 and math.copysign(1, a.glyphs[0].x) == 1
    assert type(c.glyphs[0].x) is int and type(c.glyphs[0].width) is int
    assert all(p is q for p, q in zip(a.glyphs, d.glyphs))          # equal lines: shared
    assert a.glyphs[1].x is d.glyphs[1].x and a.glyphs[0].width is d.glyphs[2].width
    assert b.glyphs[1] is not a.glyphs[1] and c.glyphs[1] is not a.glyphs[1]
