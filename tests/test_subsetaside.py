"""Font subsets made by a forked child while the pages are drawn (render/subsetaside.py): the
same bytes and the same subset cache as one process, the parent makes none of them, a child
that raises or dies changes nothing (a damaged font's error included), and nothing is forked
for few pages, a warm cache or one core."""
from __future__ import annotations

import os
import shutil
import signal

import pytest

import typeset.parallel as P
from typeset.errors import TypesetError
from typeset.render import aside, fontprogram, subsetaside
from typeset.render.pagestreams import PageStreams


@pytest.fixture
def idle(monkeypatch):
    """As if the other core were idle (the load average decides otherwise); aside.make forks
    nothing (its children would make the subsets before drawing)."""
    monkeypatch.setattr(P, "_load", lambda: 0.0)
    monkeypatch.setattr(aside, "MIN_FORKED_COST", 10**12)
    P.enable()
    yield
    P.enable()


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A cache whose pictures are made (once for the module); its subsets are what one
    process makes."""
    return tmp_path_factory.mktemp("subsetaside-warm")


@pytest.fixture
def spied(monkeypatch):
    """The sample's 44 pages are enough; records the children started and the subsets the
    parent made itself (by face family)."""
    monkeypatch.setattr(subsetaside, "SUBSET_ASIDE_PAGES", 2)
    seen = {"children": 0, "here": []}
    real_init = subsetaside.Making.__init__

    def init(self, jobs):
        seen["children"] += 1
        real_init(self, jobs)
    monkeypatch.setattr(subsetaside.Making, "__init__", init)
    parent = os.getpid()
    real = fontprogram.build_subset

    def counted(face, gids, codes=None):
        if os.getpid() == parent:
            seen["here"].append(face.family)
        return real(face, gids, codes)
    monkeypatch.setattr(fontprogram, "build_subset", counted)
    return seen


def _render(comp, monkeypatch, cache, variant="print", streams=None) -> bytes:
    from typeset.build import render
    monkeypatch.setenv("TYPESET_CACHE", str(cache))
    return render(comp, variant, streams=streams if streams is not None else PageStreams())


def _alone(comp, monkeypatch, cache, variant="print") -> bytes:
    P.disable()
    try:
        return _render(comp, monkeypatch, cache, variant)
    finally:
        P.enable()


def _cold_subsets(warm, tmp_path):
    """A copy of the warm cache (pictures, key) without its subsets."""
    cache = tmp_path / "cache"
    shutil.copytree(warm, cache)
    shutil.rmtree(cache / "subsets", ignore_errors=True)
    return cache


def _subsets(cache):
    return sorted(p.name for p in (cache / "subsets").rglob("*.bin"))


@pytest.mark.parametrize("variant", ["print", "archive"])
def test_subsets_made_by_the_child_give_the_bytes_one_process_gives(
        sample_composition, monkeypatch, warm, tmp_path, idle, spied, variant):
    alone = _alone(sample_composition, monkeypatch, warm, variant)
    cache = _cold_subsets(warm, tmp_path)
    spied["here"].clear()
    assert _render(sample_composition, monkeypatch, cache, variant) == alone
    assert spied["children"] == 1 and spied["here"] == []    # all three made by the child
    assert len(_subsets(cache)) == 3 and _subsets(cache) == _subsets(warm)
    # warm now: nothing forked, nothing made
    assert _render(sample_composition, monkeypatch, cache, variant) == alone
    assert spied["children"] == 1 and spied["here"] == []


def test_a_child_that_raises_changes_nothing(sample_composition, monkeypatch, warm, tmp_path,
                                             idle, spied, capfd):
    alone = _alone(sample_composition, monkeypatch, warm)
    cache = _cold_subsets(warm, tmp_path)
    parent = os.getpid()
    real = fontprogram.build_subset            # (the spy: counts the parent's)

    def broken_in_a_child(face, gids, codes=None):
        if os.getpid() != parent:
            raise KeyboardInterrupt            # as Ctrl-C, or any error, in the child
        return real(face, gids, codes)
    monkeypatch.setattr(fontprogram, "build_subset", broken_in_a_child)
    spied["here"].clear()
    assert _render(sample_composition, monkeypatch, cache) == alone
    assert spied["children"] == 1 and len(spied["here"]) == 3    # the parent made them all
    assert _subsets(cache) == _subsets(warm)
    assert "Traceback" not in capfd.readouterr().err


def test_a_child_that_dies_changes_nothing(sample_composition, monkeypatch, warm, tmp_path,
                                           idle, spied, capfd):
    alone = _alone(sample_composition, monkeypatch, warm)
    cache = _cold_subsets(warm, tmp_path)
    parent = os.getpid()
    real = fontprogram.build_subset
    calls = []

    def killed_in_the_child(face, gids, codes=None):
        if os.getpid() != parent:
            calls.append(1)
            if len(calls) == 2:                # after one subset was sent
                os.kill(os.getpid(), signal.SIGKILL)
        return real(face, gids, codes)
    monkeypatch.setattr(fontprogram, "build_subset", killed_in_the_child)
    spied["here"].clear()
    assert _render(sample_composition, monkeypatch, cache) == alone
    assert spied["children"] == 1 and len(spied["here"]) == 3
    assert "Traceback" not in capfd.readouterr().err


def test_a_damaged_font_is_the_error_one_process_gives(sample_composition, monkeypatch, warm,
                                                       tmp_path, idle, spied):
    """A subset that cannot be made fails the child; the parent makes it when saving and
    stops with the message one process gives."""
    def damaged(face, gids, codes=None):
        raise ValueError("bad CFF INDEX")
    monkeypatch.setattr(fontprogram, "build_subset", damaged)
    P.disable()
    with pytest.raises(TypesetError) as one:
        _render(sample_composition, monkeypatch, _cold_subsets(warm, tmp_path / "1"))
    P.enable()
    with pytest.raises(TypesetError) as two:
        _render(sample_composition, monkeypatch, _cold_subsets(warm, tmp_path / "2"))
    assert spied["children"] == 1
    assert str(two.value) == str(one.value) and "cannot subset the font" in str(one.value)


def test_nothing_forked_with_one_core(sample_composition, monkeypatch, warm, tmp_path, idle,
                                      spied):
    alone = _alone(sample_composition, monkeypatch, warm)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    spied["here"].clear()
    assert _render(sample_composition, monkeypatch, _cold_subsets(warm, tmp_path)) == alone
    assert spied["children"] == 0 and len(spied["here"]) == 3


def test_nothing_forked_for_few_pages_or_a_warm_cache(sample_composition, monkeypatch, warm,
                                                      tmp_path, idle, spied):
    """Fewer pages than SUBSET_ASIDE_PAGES (the default: more than the sample's 44), page
    streams in the cache (warm: few pages drawn) or no subset missing: no child."""
    alone = _alone(sample_composition, monkeypatch, warm)
    monkeypatch.setattr(subsetaside, "SUBSET_ASIDE_PAGES", 120)
    assert _render(sample_composition, monkeypatch, _cold_subsets(warm, tmp_path / "1")) \
        == alone
    assert spied["children"] == 0
    monkeypatch.setattr(subsetaside, "SUBSET_ASIDE_PAGES", 2)
    streams = PageStreams()
    streams.put("some page", b"x")
    assert _render(sample_composition, monkeypatch, _cold_subsets(warm, tmp_path / "2"),
                   streams=streams) == alone
    assert spied["children"] == 0
    assert _render(sample_composition, monkeypatch, warm) == alone      # nothing missing
    assert spied["children"] == 0
