"""The paragraph cache changes speed, never output."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLE
from typeset.build import compose, render
from typeset.cli import main
from typeset.layout import issue as I
from typeset.render.debug import dump_pages


def rewrite_file(path, header=None, body=None) -> None:
    """Rewrite a paragraph cache file (text/parcache.py's format) with its header (a dict)
    and/or body (bytes) changed by these functions (`body(header, rest)`), sealed with the key
    of the cache folder the file is in (as that cache's own builds seal it): what the
    reader's other checks must catch."""
    import json
    import os

    from typeset import cacheseal
    from typeset.text import parcache

    data = path.read_bytes()[:-cacheseal.SEAL_SIZE]
    at = len(parcache._MAGIC)
    hlen = int.from_bytes(data[at:at + 4], "little")
    head = json.loads(data[at + 4:at + 4 + hlen])
    rest = data[at + 4 + hlen:]
    if header is not None:
        head = header(head)
    if body is not None:
        rest = body(head, rest)
    h = json.dumps(head).encode("ascii")
    out = parcache._MAGIC + len(h).to_bytes(4, "little") + h + rest
    was = os.environ.get("TYPESET_CACHE")
    os.environ["TYPESET_CACHE"] = os.fspath(path.parent.parent)   # <cache>/paragraphs/<file>
    try:
        sealed = cacheseal.sealed("paragraphs", "", out)
    finally:
        if was is None:
            del os.environ["TYPESET_CACHE"]
        else:
            os.environ["TYPESET_CACHE"] = was
    assert sealed is not None, "a key of the cache's own"
    path.write_bytes(sealed)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_cold_warm_and_uncached_builds_are_identical(cache_dir):
    cold = compose(SAMPLE)
    assert list((cache_dir / "paragraphs").glob("*.lines"))
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
    from typeset.text import parcache, words

    cold = compose(SAMPLE)
    (path,) = (cache_dir / "paragraphs").glob("*.lines")
    _, found = parcache._decode(path.read_bytes())
    assert found and all(isinstance(v, tuple) and v for v in found.values())
    plain = dump_pages(compose(SAMPLE, use_cache=False).pages)
    good = path.read_bytes()
    for planted in ([5, 4], [0], ["x"], [10 ** 9], "nonsense", [True]):
        path.write_bytes(good)
        rewrite_file(path, header=lambda h: {**h, "words": {k: planted for k in h["words"]}})
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


def _through_the_file(tmp_path, spans, widths, lines, last=None):
    """Write `lines` as the entry of paragraph `spans` into a cache file, read the file with
    another cache and ask it for the paragraph: (the lines it gave, whether the entry was
    used)."""
    from typeset.text import parcache
    from typeset.text.types import BreakSettings

    bs = BreakSettings()
    one = parcache.ParagraphCache(str(tmp_path / "issue.yaml"), lambda st: f"fp-{st}")
    one.new = {one.key(spans, widths, bs, last): lines}
    one.misses = 1
    one.save()
    two = parcache.ParagraphCache(str(tmp_path / "issue.yaml"), lambda st: f"fp-{st}")
    got = two.lines(spans, widths, bs, last, lambda: ["broken again"])
    return got, two.hits == 1


def _bad_variants(spans, good):
    """Lines that are not the paragraph's, each way a planted entry could be wrong."""
    from dataclasses import replace

    from typeset.text.linebreak import Glyph

    def edited(i, **change):
        lines = [replace(ln, glyphs=list(ln.glyphs)) for ln in good]
        lines[i] = replace(lines[i], **change)
        return lines
    first = good[0]
    g0 = first.glyphs
    return {
        "other characters": edited(0, glyphs=[g0[1]._replace(ch="反")] + g0[1:]),
        "another style": edited(0, glyphs=[g0[0]._replace(style="bold")] + g0[1:]),
        "another style later": edited(1, glyphs=good[1].glyphs[:-1] + [
            good[1].glyphs[-1]._replace(style="kai")]),
        "a line lost": good[:1] + good[2:],
        "the last line lost": good[:-1],
        "a glyph lost": edited(0, glyphs=g0[:-1]),
        "a line added": good + [good[-1]],
        "another measure": edited(1, measure=200.0),
        "off the measure": edited(1, glyphs=[g._replace(x=g.x + 50) for g in good[1].glyphs]),
        "left of the line": edited(1, glyphs=[g._replace(x=g.x - 50) for g in good[1].glyphs]),
        "stepping back": edited(1, glyphs=[good[1].glyphs[0]._replace(x=good[1].glyphs[1].x),
                                           good[1].glyphs[1]._replace(x=good[1].glyphs[0].x)]
                                + good[1].glyphs[2:]),
        "not the last": edited(len(good) - 1, last=False),
        "two last lines": edited(0, last=True),
        "indent past the measure": edited(0, indent=500.0),
        "positions shifted": edited(0, start=1, end=first.end + 1,
                                    glyphs=[Glyph(c, "body", g.x, g.width) for c, g in
                                            zip(spans[0].text[1:] + "加", g0)]),
    }


def test_an_entry_read_from_the_file_is_checked_as_lines_match_checks(tmp_path, monkeypatch):
    """An entry read from the file is checked in two halves (its shape when read, its
    characters, style runs and measures at use): together they accept and refuse exactly
    what `lines_match` does — a good entry is used as it was written, a planted one never."""
    from typeset.text.linebreak import Span
    from typeset.text.paragraph import SpecMetrics, set_paragraph
    from typeset.text.parcache import lines_match

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    spans = [Span("正文第一段，"), Span("加粗", "bold"), Span("的文字 continues here 以及更多的文字。")]
    good = set_paragraph(spans, 100.0, SpecMetrics(10.0))
    assert len(good) > 2
    got, used = _through_the_file(tmp_path, spans, 100.0, good)
    assert used and got == good
    for why, lines in _bad_variants(spans, good).items():
        assert not lines_match(spans, lines, 100.0), why
        got, used = _through_the_file(tmp_path, spans, 100.0, lines)
        assert not used and got == ["broken again"], why
    got, used = _through_the_file(tmp_path, [Span("另一段文字")], 100.0, good)
    assert not used


def test_fresh_breaks_go_through_the_file_unchanged(tmp_path, monkeypatch):
    """Property: whatever the text, styles and measures, the lines the breaker sets are read
    back from the file exactly (every float, flag and style) and used."""
    from hypothesis import given, settings, strategies as st

    from typeset.text.linebreak import Span
    from typeset.text.paragraph import SpecMetrics, set_paragraph

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    alphabet = st.sampled_from(list("政协委员会议，。、“”《》（）——……abc 123-/") + ["\u200b"])

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.tuples(st.text(alphabet, min_size=1, max_size=40),
                              st.sampled_from(["body", "bold", "kai"])), min_size=1, max_size=4),
           st.lists(st.sampled_from([60.0, 100.0, 155.0]), min_size=1, max_size=3),
           st.one_of(st.none(), st.just(80.0)))
    def check(parts, widths, last):
        spans = [Span(t, s) for t, s in parts]
        lines = set_paragraph(spans, widths, SpecMetrics(10.0), last_width=last)
        got, used = _through_the_file(tmp_path, spans, widths, lines, last)
        assert used and got == lines
        assert [[tuple(map(repr, g)) for g in ln.glyphs] for ln in got] == \
            [[tuple(map(repr, g)) for g in ln.glyphs] for ln in lines]
    check()


def test_an_entry_the_file_cannot_hold_exactly_is_not_kept(tmp_path, monkeypatch):
    """A number that is not a float (an int would come back a float) or a glyph that is not
    one character: the entry is left out of the file (broken afresh next time), the others
    are kept."""
    from dataclasses import replace

    from typeset.text import parcache
    from typeset.text.linebreak import Glyph, Line

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path))
    good = [Line([Glyph("中", "body", 0.0, 12.0)], 300.0, 12.0, 0.0, True, start=0, end=1)]
    cache = parcache.ParagraphCache("issue", lambda st: "x")
    cache.new = {"good": good, "int": [replace(good[0], measure=300)],
                 "two chars": [replace(good[0], glyphs=[Glyph("中文", "body", 0.0, 12.0)])],
                 "int x": [replace(good[0], glyphs=[Glyph("中", "body", 0, 12.0)])]}
    cache.misses = 1
    cache.save()
    assert parcache.ParagraphCache("issue", lambda st: "x").old == {"good": good}


def test_the_key_follows_each_styles_fingerprint():
    """The fingerprints' repr is made once per set of styles: keys still differ whenever a
    style's size or fonts do (another cache, another answer) and whatever styles a
    paragraph uses, and are the same when asked again."""
    from typeset.text import parcache
    from typeset.text.types import BreakSettings, Span

    bs = BreakSettings()
    one = [Span("中文", "body")]
    two = [Span("中", "body"), Span("文", "bold")]
    bold = [Span("中文", "bold")]
    first = parcache.ParagraphCache("x", lambda st: f"12.0|{st}", on_disk=False)
    second = parcache.ParagraphCache("x", lambda st: "10.5|body" if st == "body" else
                                     f"12.0|{st}", on_disk=False)
    keys = [c.key(s, 100.0, bs, None) for c in (first, second) for s in (one, two, bold)]
    assert len(set(keys)) == 5 and keys[2] == keys[5]          # bold's fingerprint is the same
    assert [c.key(s, 100.0, bs, None) for c in (first, second) for s in (one, two, bold)] == keys


def test_compose_pauses_the_garbage_collector_and_restores_it(cache_dir, monkeypatch):
    """build.compose runs with Python's cyclic collector off (its objects all live until the
    pages are written: collecting on the way only walks them again) and leaves it as it found
    it, also when the build fails; the pages are those of a build with the collector on."""
    import gc

    from typeset import build
    from typeset.errors import TypesetError

    seen = []
    real = build.paginate_issue

    def spy(*args, **kw):
        seen.append(gc.isenabled())
        return real(*args, **kw)
    monkeypatch.setattr(build, "paginate_issue", spy)
    assert gc.isenabled()
    paused = build.compose(SAMPLE)
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        build.compose(SAMPLE)
        assert not gc.isenabled()                  # off before: left off
    finally:
        gc.enable()

    def fail(*args, **kw):
        raise TypesetError("planted")
    monkeypatch.setattr(build, "paginate_issue", fail)
    with pytest.raises(TypesetError):
        build.compose(SAMPLE)
    assert gc.isenabled()
    monkeypatch.setattr(build, "paginate_issue", real)
    assert dump_pages(paused.pages) == dump_pages(build.compose.__wrapped__(SAMPLE).pages)


def test_a_remembered_key_is_the_key_of_exactly_those_values():
    """Keys are remembered by texts, styles and the reprs of everything else: values that
    compare equal but print differently (100 and 100.0, 0.0 and -0.0) keep their own keys,
    as the digest of the whole repr gives them."""
    import hashlib

    from typeset.text import parcache
    from typeset.text.types import BreakSettings, Span

    bs = BreakSettings()
    cache = parcache.ParagraphCache("x", lambda st: "fp", on_disk=False)
    spans = [Span("中文", "body")]

    def whole(widths, last):
        return hashlib.sha256(repr((parcache._VERSION, [("中文", "body")], widths, last, bs,
                                    [("body", "fp")], None)).encode("utf-8")).hexdigest()
    for _ in range(2):
        for widths, last in ((100, None), (100.0, None), (100.0, 0.0), (100.0, -0.0),
                             ((100.0, 90.0), None), ((100.0, 90), None)):
            assert cache.key(spans, widths, bs, last) == whole(widths, last), (widths, last)
    assert len(cache._keys) == 6


def test_a_warm_process_remembers_only_the_keys_its_last_build_used():
    from typeset.text import parcache
    from typeset.text.paragraph import SpecMetrics, set_paragraph
    from typeset.text.types import BreakSettings, Span

    bs = BreakSettings()
    cache = parcache.ParagraphCache("x", lambda st: "fp", on_disk=False)
    first, second = [Span("第一段", "body")], [Span("第二段", "body")]

    def breaker(spans):
        return lambda: set_paragraph(spans, 100.0, SpecMetrics(10.0), bs)
    a = cache.lines(first, 100.0, bs, None, breaker(first))
    cache.lines(second, 100.0, bs, None, breaker(second))
    cache.next_build()
    assert cache.lines(first, 100.0, bs, None, lambda: ["again"]) is a and cache.hits == 1
    cache.next_build()                       # the second paragraph was not used: forgotten
    assert len(cache._keys) == 1
    assert cache.key(second, 100.0, bs, None) not in cache.old
    assert cache.key(first, 100.0, bs, None) in cache.old


def test_equal_characters_numbers_and_glyphs_read_from_the_file_are_one_object(tmp_path,
                                                                                 monkeypatch):
    """Memory (issue 13 part 5): lines read from the file share one object per distinct
    character, number and glyph; a file holding a zero of the other sign (equal to 0.0 but
    printed '-0.0') shares nothing, so every number keeps its sign."""
    import math

    from typeset.text import parcache
    from typeset.text.linebreak import Glyph, Line

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path))

    def line(x0):
        return Line([Glyph("中", "body", x0, 12.0), Glyph("文", "body", 12.0, 12.0),
                     Glyph("中", "body", 24.0, 12.0)], 300.0, 36.0, 0.0, True, start=0, end=3)

    def read(entries):
        cache = parcache.ParagraphCache("issue", lambda st: "x")
        cache.new = entries
        cache.misses = 1
        cache.save()
        return parcache.ParagraphCache("issue", lambda st: "x").old

    got = read({"a": [line(0.0)], "b": [line(0.0)]})
    assert got == {"a": [line(0.0)], "b": [line(0.0)]}
    (a,), (b,) = got["a"], got["b"]
    assert a.glyphs[0] is b.glyphs[0] and a.glyphs[0] is not a.glyphs[2]
    assert a.glyphs[0].ch is a.glyphs[2].ch and a.glyphs[0].width is a.glyphs[1].width
    assert a.glyphs[1].x is b.glyphs[1].x
    got = read({"a": [line(0.0)], "b": [line(-0.0)]})
    xs = [ln.glyphs[0].x for k in ("a", "b") for ln in got[k]]
    assert [math.copysign(1.0, x) for x in xs] == [1.0, -1.0]


@pytest.mark.parametrize("block", [1, 2, 5, 1 << 15])
@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_glyphs_made_a_block_at_a_time_are_the_lines_written(tmp_path, monkeypatch, block,
                                                             zero):
    """The file's glyphs are made a block of whole lines at a time (`_GLYPH_BLOCK` glyphs or
    more), never all at once: whatever the block, every entry reads back as written (every
    number's sign too), and equal glyphs are one object across blocks (none shared when the
    file holds a -0.0)."""
    import math

    from typeset.text import parcache
    from typeset.text.linebreak import Glyph, Line

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path))
    monkeypatch.setattr(parcache, "_GLYPH_BLOCK", block)

    def para(text, x0):
        lines, pos = [], 0
        for i, n in enumerate((3, 1, 4)):
            chunk = text[pos:pos + n]
            gl = [Glyph(c, "body" if k % 2 else "bold", (x0 if k == 0 else 12.0 * k), 12.0)
                  for k, c in enumerate(chunk)]
            lines.append(Line(gl, 300.0, 12.0 * n, 0.0, i == 2, start=pos, end=pos + n))
            pos += n
        return lines

    entries = {"k0": para("政协委员会议召开", 0.0), "k1": para("政协委员会议召开", zero)}
    cache = parcache.ParagraphCache("issue", lambda st: "x")
    cache.new = entries
    cache.misses = 1
    cache.save()
    got = parcache.ParagraphCache("issue", lambda st: "x").old
    assert got == entries
    assert [[tuple(map(repr, g)) for ln in got[k] for g in ln.glyphs] for k in got] == \
        [[tuple(map(repr, g)) for ln in entries[k] for g in ln.glyphs] for k in entries]
    a, b = got["k0"][2].glyphs[1], got["k1"][2].glyphs[1]     # 议: in two blocks if small
    assert a == b == Glyph("议", "body", 12.0, 12.0)
    if math.copysign(1.0, zero) > 0:
        assert a is b and a.x is a.width
        assert got["k0"][0].glyphs[0].ch is got["k1"][0].glyphs[0].ch
    else:
        assert a is not b and a.x is not b.x
        assert math.copysign(1.0, got["k1"][0].glyphs[0].x) == -1.0


def test_the_file_is_written_piece_by_piece_as_encode_joins_it(tmp_path, monkeypatch):
    """`save` writes the file's pieces one after another and their digest (never the file
    joined in memory): the bytes `_encode` gives, and they read back."""
    from typeset.text import parcache
    from typeset.text.linebreak import Glyph, Line

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path))
    entries = {f"k{i}": [Line([Glyph(c, "body" if j % 3 else "bold", 12.0 * j, 12.0)
                               for j, c in enumerate("政协委员会" [:i + 1])],
                              300.0, 12.0 * (i + 1), 0.5, True, start=0, end=i + 1)]
               for i in range(5)}
    words = {"w": (2, 4)}
    cache = parcache.ParagraphCache("issue", lambda st: "x")
    cache.new, cache.new_words, cache.misses = entries, words, 1
    cache.save()
    assert cache.path.read_bytes() == parcache._encode(entries, words)
    again = parcache.ParagraphCache("issue", lambda st: "x")
    assert again.old == entries and again.old_words == words


# -- the lazy mapped cache written in place by another program (adversarial round 9) -------

def _sample_copy(tmp):
    import shutil
    dest = tmp / "issue"
    shutil.copytree(SAMPLE.parent, dest)
    return dest / "issue.yaml"


def _run(argv, capsys):
    code = main(argv)
    got = capsys.readouterr()
    return code, got.out + got.err


def _streamed(monkeypatch, on):
    from typeset import stream
    monkeypatch.setattr(stream, "STREAM_STRETCHES", 1 if on else 10 ** 9)
    monkeypatch.setattr(stream, "STREAM_CACHE_BYTES", 0)


def _stretch_build_that(tmp_path, monkeypatch, at: int, act):
    """The sample built whole twice (its paragraph cache file made, then read), then set up to
    be built a stretch at a time with `act(the cache file)` done as stretch `at` is set
    (counting every `Stretches.set`). Returns (manifest, [calls so far])."""
    man = _sample_copy(tmp_path)
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    _streamed(monkeypatch, False)
    for _ in range(2):
        assert main(["build", str(man), "-o", str(tmp_path / "whole.pdf")]) == 0
    [path] = (tmp_path / "cache" / "paragraphs").iterdir()
    _streamed(monkeypatch, True)
    real, calls = I.Stretches.set, [0]

    def set_(self, k):
        calls[0] += 1
        if calls[0] == at:
            act(path)
        return real(self, k)
    monkeypatch.setattr(I.Stretches, "set", set_)
    return man, calls


def _nudge_glyphs_in_place(path) -> None:
    import json
    import mmap
    from array import array
    """Write into the paragraph cache file where it stands (as `cp`, `rsync --inplace` or a
    backup restore do: same inode, same size): every glyph's x position scaled by 0.98 —
    lines that still pass every shape check, but not the lines the file was sealed with."""
    with open(path, "r+b") as fh:
        mm = mmap.mmap(fh.fileno(), 0)
        at = mm.find(b"{") - 4
        hlen = int.from_bytes(mm[at:at + 4], "little")
        h = json.loads(mm[at + 4:at + 4 + hlen])
        at += 4 + hlen
        ne, nl, nr, ng = len(h["keys"]), h["lines"], h["runs"], h["glyphs"]
        xs_at = at + 4 * ne + 16 * nl + nl + 32 * nl + 2 * nr + 4 * nr
        xs = array("d")
        xs.frombytes(mm[xs_at:xs_at + 8 * ng])
        for i in range(ng):
            xs[i] *= 0.98
        mm[xs_at:xs_at + 8 * ng] = xs.tobytes()
        mm.flush()
        mm.close()


@pytest.mark.parametrize("when", [3, 10])        # pass 1: the 3rd stretch, the last (10th)
def test_a_paragraph_cache_written_in_place_during_a_stretch_build_changes_no_page(
        tmp_path, monkeypatch, capsys, when):
    """The lazy cache checks the file's seal once, when it maps it, then decodes each entry
    from the mapping when asked for, stretches later. Bytes written into the file meanwhile
    (not renamed over it) were decoded unchecked: pass 1 printed glyphs 2 % to the left
    (`439 short lines`, another file, exit 0), pass 2 stopped with an internal error. (Pass 2
    no longer reads the cache since wave 9: it draws the pages pass 1 kept.)"""
    man, calls = _stretch_build_that(tmp_path, monkeypatch, when, _nudge_glyphs_in_place)
    out = tmp_path / "s.pdf"
    code, text = _run(["build", str(man), "-o", str(out)], capsys)
    assert calls[0] >= when
    assert code == 0, text
    assert out.read_bytes() == (tmp_path / "whole.pdf").read_bytes()


_TRUNCATE = """
import os, sys
from typeset import stream
from typeset.layout import issue as I
stream.STREAM_STRETCHES, stream.STREAM_CACHE_BYTES = 1, 0
real, calls = I.Stretches.set, [0]
def set_(self, k):
    calls[0] += 1
    if calls[0] == int(sys.argv[1]):
        d = os.path.join(os.environ["TYPESET_CACHE"], "paragraphs")
        for f in os.listdir(d):
            os.truncate(os.path.join(d, f), os.path.getsize(os.path.join(d, f)) // 2)
    return real(self, k)
I.Stretches.set = set_
from typeset.cli import main
code = main(sys.argv[2:])
sys.exit(code if calls[0] >= int(sys.argv[1]) else 99)      # (99: never cut short)
"""


@pytest.mark.parametrize("when", [3, 10])        # pass 1: the 3rd stretch, the last (10th)
def test_a_paragraph_cache_truncated_during_a_stretch_build_is_no_crash(tmp_path, when):
    """The mapped file cut short in place (another program, a full disk's repair): reading
    the mapping past its new end killed the process with SIGBUS — exit 135, no message, and
    in pass 2 the output's temporary file left beside it."""
    man = _sample_copy(tmp_path)
    env = dict(os.environ, TYPESET_CACHE=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    whole = tmp_path / "out" / "whole.pdf"
    whole.parent.mkdir()
    for _ in range(2):
        assert subprocess.run([sys.executable, "-m", "typeset", "build", str(man), "-o",
                               str(whole)], env=env, capture_output=True).returncode == 0
    (tmp_path / "run.py").write_text(_TRUNCATE, encoding="utf-8")
    out = tmp_path / "out" / "s.pdf"
    res = subprocess.run([sys.executable, str(tmp_path / "run.py"), str(when), "build",
                          str(man), "-o", str(out)], env=env, capture_output=True, text=True)
    assert res.returncode == 0, (res.returncode, res.stderr)
    assert out.read_bytes() == whole.read_bytes()
    assert sorted(os.listdir(out.parent)) == ["s.pdf", "whole.pdf"]


def test_a_paragraph_cache_removed_during_a_stretch_build_is_still_read(tmp_path, monkeypatch,
                                                                        capsys):
    """The cache cleared (or another build's file renamed over this one) while a build a
    stretch at a time reads it: the mapped file lost its name, which moves its change time,
    not its bytes — its seal is checked again once and every entry is still read from it
    (none broken afresh), the same bytes."""
    from typeset.text import parcache as P
    man, _ = _stretch_build_that(tmp_path, monkeypatch, 3, lambda path: path.unlink())
    answers = []
    real_unchanged = P._FileEntries.unchanged
    monkeypatch.setattr(P._FileEntries, "unchanged",
                        lambda self: answers.append(real_unchanged(self)) or answers[-1])
    code, text = _run(["build", str(man), "-o", str(tmp_path / "s.pdf")], capsys)
    assert code == 0, text
    assert len(answers) > 500 and all(answers)     # (each entry decoded: ~800 for the sample)
    assert (tmp_path / "s.pdf").read_bytes() == (tmp_path / "whole.pdf").read_bytes()
