"""A cold build's pictures and font subsets made by forked children before drawing
(render/aside.py): the same bytes as one process, the caches written as one process writes
them, nothing forked when warm, and a failing child changes nothing, errors included."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import typeset.parallel as P
from tests.conftest import SAMPLE
from tests.picturekit import jpeg_bytes, photo
from typeset.errors import TypesetError
from typeset.render import aside


@pytest.fixture
def idle(monkeypatch):
    """As if the other core were idle (the load average decides otherwise)."""
    monkeypatch.setattr(P, "_load", lambda: 0.0)
    P.enable()
    yield
    P.enable()


@pytest.fixture
def forks(monkeypatch):
    """Records each map_forked call of the aside: (number of pieces, whether it was used)."""
    calls = []
    real = P.map_forked

    def spy(fn, items, **kw):
        items = list(items)
        got = real(fn, items, **kw)
        calls.append((len(items), got is not None))
        return got
    monkeypatch.setattr(P, "map_forked", spy)
    return calls


def _render(comp, monkeypatch, cache, variant="print", pdfx="x4") -> bytes:
    from typeset.build import render
    monkeypatch.setenv("TYPESET_CACHE", str(cache))
    return render(comp, variant, pdfx)


def test_glyph_orders_forecast_the_subsets_drawing_asks_for(sample_composition, monkeypatch,
                                                             tmp_path):
    """The codes and glyphs of each face, said before drawing, are the ones `subset_for` is
    asked for at save time."""
    from typeset.build import file_pages
    from typeset.render import fontprogram
    from typeset.render.rl import fonts as rl_fonts
    from typeset.render.writer import check_glyphs

    asked = {}
    real = fontprogram.subset_for

    def spy(face, gids, cache, codes):
        asked[face.identity] = (list(codes), list(gids))
        return real(face, gids, cache, codes)
    monkeypatch.setattr(rl_fonts, "subset_for", spy)
    P.disable()
    try:
        _render(sample_composition, monkeypatch, tmp_path / "c")
    finally:
        P.enable()
    pages = file_pages(sample_composition, "print")
    order: dict = {}
    check_glyphs(pages, sample_composition.book.library, order)
    forecast = aside.glyph_orders(order)
    assert len(asked) == 3 and len(forecast) == 3
    assert {f.face_data.identity: g for f, g in forecast.items()} == asked


@pytest.mark.parametrize("variant,pdfx", [("print", "x4"), ("archive", "x4")])
def test_forked_children_give_the_bytes_one_process_gives(sample_composition, monkeypatch,
                                                          tmp_path, idle, forks, variant,
                                                          pdfx):
    from typeset.render.pictures import convert

    P.disable()
    alone = _render(sample_composition, monkeypatch, tmp_path / "one", variant, pdfx)
    P.enable()
    here = []
    real = convert.prepare
    monkeypatch.setattr(convert, "prepare", lambda *a, **k: here.append(a) or real(*a, **k))
    cold = _render(sample_composition, monkeypatch, tmp_path / "two", variant, pdfx)
    assert forks == [(7, True)]                         # 4 pictures + 3 faces
    assert cold == alone and here == []                 # every conversion made by a child
    # the parent wrote the caches as a one-process build does: warm, nothing made, no fork
    pics = sorted(p.name for p in (tmp_path / "two" / "pictures").rglob("*.pic"))
    assert pics == sorted(p.name for p in (tmp_path / "one" / "pictures").rglob("*.pic"))
    subs = sorted(p.name for p in (tmp_path / "two" / "subsets").rglob("*.bin"))
    assert len(subs) == 3
    assert subs == sorted(p.name for p in (tmp_path / "one" / "subsets").rglob("*.bin"))
    forks.clear()
    assert _render(sample_composition, monkeypatch, tmp_path / "two", variant, pdfx) == alone
    assert forks == [] and here == []


def test_a_child_that_fails_changes_nothing(sample_composition, monkeypatch, tmp_path, idle,
                                            forks, capfd):
    """A piece that fails in a child (here: every subset) is made here, with everything
    else: the same bytes."""
    from typeset.render import fontprogram

    P.disable()
    alone = _render(sample_composition, monkeypatch, tmp_path / "one")
    P.enable()

    import os
    parent = os.getpid()
    good = fontprogram.build_subset

    def broken_in_a_child(face, gids, codes=None):
        if os.getpid() != parent:
            raise KeyboardInterrupt          # as Ctrl-C in a child
        return good(face, gids, codes)
    monkeypatch.setattr(fontprogram, "build_subset", broken_in_a_child)
    assert _render(sample_composition, monkeypatch, tmp_path / "two") == alone
    assert forks == [(7, False)]
    assert "Traceback" not in capfd.readouterr().err          # the children ended quietly


def test_a_damaged_picture_is_the_same_message_with_children(monkeypatch, tmp_path, idle,
                                                             forks):
    """Large pictures and a truncated one: the children fail, the build does the work here
    and stops at the damaged picture with the words a one-process build says."""
    from typeset.issueinfo import Metadata, document_info
    from typeset.layout.page import Image, Page, TextRun
    from typeset.render.variants import PDF_X4
    from typeset.render.writer import PicturePolicy, render_pdf
    from typeset.resources import FONTS_DIR
    from typeset.text.fonts import FontLibrary
    import datetime as dt

    big = tmp_path / "big.jpg"
    big.write_bytes(jpeg_bytes(photo(2000, 1400), quality=90))
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(jpeg_bytes(photo(2000, 1400, seed=2), quality=90)[:4000])
    serif = str(FONTS_DIR / "NotoSerifCJKsc-Regular.otf")
    pages = [Page(524.41, 737.01, label="3", items=[
        TextRun(72, 700, serif, 12, "图片", role="body"),
        Image(72, 400, 200, 140, str(big)), Image(72, 100, 200, 140, str(cut))])]
    meta = Metadata(title="图片", journal="图片", year=2024, number=2, date=dt.date(2024, 3, 15))

    def write():
        return render_pdf(pages, FontLibrary(), document_info(meta), variant=PDF_X4,
                          issue=meta, bleed=8.5, crop_marks=True,
                          pictures=PicturePolicy(None, 300.0))
    said = []
    for forked, cache in ((False, "one"), (True, "two")):
        (P.enable if forked else P.disable)()
        monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / cache))
        with pytest.raises(TypesetError) as e:
            write()
        said.append((e.value.message, e.value.hint))
    assert said[0] == said[1] and "cut.jpg" in said[0][0] and "page 1 (3)" in said[0][0]
    assert forks == [(3, False)]             # (the two pictures and the face's subset)


# -- the head start: pictures prepared beside composition ---------------------------------------

def _sample_copy(tmp_path):
    import shutil
    from tests.conftest import ROOT
    dst = tmp_path / "issue"
    shutil.copytree(ROOT / "issues" / "sample", dst)
    return dst / "issue.yaml"


def test_a_head_start_gives_the_bytes_one_process_gives(monkeypatch, tmp_path, idle):
    """`typeset build` cold with pictures started beside composition: the same file as one
    process writes, and the child's pictures were taken from the cache it filled."""
    from typeset.build import build

    P.disable()
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "one"))
    build(SAMPLE, tmp_path / "one.pdf")
    P.enable()
    seen = []
    real_stop = aside.Ahead.stop

    def stop(self):
        busy = real_stop(self)
        seen.append((len(self.sources), set(self.done), busy))
        return busy
    monkeypatch.setattr(aside.Ahead, "stop", stop)
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "two"))
    build(SAMPLE, tmp_path / "two.pdf")
    assert (tmp_path / "two.pdf").read_bytes() == (tmp_path / "one.pdf").read_bytes()
    assert len(seen) == 1 and seen[0][0] == 4           # the sample's four pictures
    assert aside._ahead is None
    # warm: nothing started
    seen.clear()
    build(SAMPLE, tmp_path / "three.pdf")
    assert seen == [] and (tmp_path / "three.pdf").read_bytes() == \
        (tmp_path / "one.pdf").read_bytes()


def test_a_head_start_nobody_takes_ends_quietly(monkeypatch, tmp_path, idle, capfd):
    """A build that fails before drawing (here: composition) ends the child it started."""
    import typeset.build as B

    started = []
    real = aside.Ahead.__init__

    def init(self, *a, **k):
        real(self, *a, **k)
        started.append(self)
    monkeypatch.setattr(aside.Ahead, "__init__", init)

    def fails(*a, **k):
        raise TypesetError("composition failed")
    monkeypatch.setattr(B, "compose", fails)
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "c"))
    with pytest.raises(TypesetError):
        B.build(SAMPLE, tmp_path / "a.pdf")
    assert len(started) == 1 and not started[0].child.is_alive()
    assert aside._ahead is None and not (tmp_path / "a.pdf").exists()
    assert "Traceback" not in capfd.readouterr().err


def test_a_damaged_picture_is_named_as_before_with_a_head_start(tmp_path, monkeypatch, capfd):
    """A picture whose header reads but whose pixels do not: the head start and the children
    fail quietly, the build stops on it with the words and the status of one process."""
    from typeset.cli import main

    manifest = _sample_copy(tmp_path)
    pic = manifest.parent / "images" / "chaye.jpg"
    pic.write_bytes(pic.read_bytes()[:6000])
    said = []
    for forked in (False, True):
        monkeypatch.setattr(P, "_load", lambda: 0.0)
        (P.enable if forked else P.disable)()
        monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / f"c{forked}"))
        code = main(["build", str(manifest), "-o", str(tmp_path / "a.pdf")])
        err = capfd.readouterr().err          # (the children's too: the same descriptor)
        said.append((code, err))
    P.enable()
    assert said[0] == said[1], said
    assert said[0][0] == 1 and "chaye.jpg" in said[0][1] and "Traceback" not in said[0][1]
    assert not (tmp_path / "a.pdf").exists()


def test_a_head_start_ended_early_leaves_the_cache_whole(monkeypatch, tmp_path, idle, capfd):
    """Ended while it prepares or stores a picture: the child goes quietly, and what it
    left in the cache is whole files or nothing (never a half-written one)."""
    import time

    from typeset.model.layout import Images
    from typeset.render.pictures import cache
    from typeset.render.pictures.pipeline import Pictures
    from typeset.render.pictures.spec import target_for

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "c"))
    paths = []
    for n in range(3):
        p = tmp_path / f"p{n}.png"
        photo(1200, 800, seed=n + 1).save(p)
        paths.append(str(p))
    for wait in (0.0, 0.3, 0.8):
        pictures = Pictures(target_for("print-x4", Images()), max_ppi=600.0)
        ahead = aside.Ahead(pictures, pictures.missing(paths))
        time.sleep(wait)
        ahead.kill()
        assert not ahead.child.is_alive()
        left = list((tmp_path / "c").rglob("*"))
        assert not [f for f in left if f.name.startswith(".typeset-")], left
        for f in left:
            if f.is_file() and "pictures" in f.relative_to(tmp_path / "c").parts:
                assert cache.get(f.stem) is not None      # whole, and sealed
            elif f.is_file() and f.relative_to(tmp_path / "c") == Path("key"):
                assert len(f.read_bytes()) == 32      # the cache key (cacheseal.cache_seal), whole
            elif f.is_file():                # the picture headers cache (model/picture.py)
                assert f.relative_to(tmp_path / "c").parts[0] == "headers"
                assert json.loads(f.read_bytes())["width"] == 1200
    assert "Traceback" not in capfd.readouterr().err


def test_ctrl_c_during_forked_work_ends_quietly_with_the_parent(tmp_path):
    """Ctrl-C reaches every process of the terminal's group: the pool's children ignore it
    (typeset.parallel), the parent is interrupted and ends them — no traceback from a child,
    no hang (a child killed by it inside the pool's queue left a lock taken that the parent's
    clean-up waited for forever)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    flag = tmp_path / "busy"
    script = tmp_path / "w.py"
    script.write_text(
        "import signal, sys, time\n"
        "from typeset import parallel\n"
        "def late(*a):\n"         # the parent notices a moment later than its children
        "    time.sleep(1)\n"
        "    raise KeyboardInterrupt\n"
        "signal.signal(signal.SIGINT, late)\n"
        "parallel._load = lambda: 0.0\n"
        "def slow(x):\n"          # one child works on, the other waits for more work
        "    if x:\n"
        f"        open({str(flag)!r}, 'a').close()\n"
        "        time.sleep(60)\n"
        "    return x\n"
        "try:\n"
        "    parallel.map_forked(slow, [0, 1])\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
        "    sys.exit(130)\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        for _ in range(600):
            if flag.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert flag.exists(), proc.communicate()
        time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGINT)            # as a terminal's Ctrl-C
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130 and out == "interrupted\n", (out, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
