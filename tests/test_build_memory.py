"""What a one-shot build lets go of while it writes (issue 13 part 5): once the typographic
report is made, the frames (set lines and their glyphs) go, and each page's positioned items
go as soon as its stream is drawn — the bytes written are those of a build that keeps them."""
from __future__ import annotations

import gc
import tracemalloc

import pytest

from tests.conftest import SAMPLE


def _build_watching_save(out, forked: bool | str, keep: bool = False):
    """build.build of the sample, the composition it made and, at the moment the writer
    starts to save the file, how many pages still hold items, how many frames are left and
    the traced memory then and after composing."""
    import typeset.build as B
    from typeset import parallel
    from typeset.render.rl import document as rl_document

    made, seen = [], {}
    compose, write = B.compose, B.write

    def composing(*a, **k):
        comp = compose(*a, **k)
        gc.collect()
        seen["composed"] = tracemalloc.get_traced_memory()[0]
        made.append(comp)
        return comp
    save = rl_document.Document.save

    def saving(self, **k):
        comp = made[0]
        gc.collect()
        seen["at save"] = tracemalloc.get_traced_memory()[0]
        seen["pages with items"] = sum(1 for p in comp.pages if p.items)
        seen["frames"] = len(comp.frames) + len(comp.contents_frames)
        return save(self, **k)
    from typeset.render import finished
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(finished, "use_finished_cache", False)   # (drawn: not taken whole)
        if forked:
            mp.setattr(B, "REPORT_ASIDE_PAGES", 1)
            mp.setattr(B, "LET_GO_PAGES", 1 if forked == "let go" else 10 ** 6)
        mp.setattr(parallel, "workers", lambda: 2 if forked else 1)
        mp.setattr(B, "compose", composing)
        mp.setattr(rl_document.Document, "save", saving)
        if keep:
            mp.setattr(B, "let_go_of_frames", lambda comp: None)
            mp.setattr(B, "write", lambda *a, let_go=False, **k: write(*a, **k))
        tracemalloc.start()
        try:
            report = B.build(SAMPLE, out)
        finally:
            tracemalloc.stop()
    return report, out.read_bytes(), seen


def test_a_build_lets_go_of_each_page_once_it_is_drawn(tmp_path, sample_composition):
    """Report made here (a small issue, or no idle core): by the time the file is saved no
    page holds its items and no frame is left, what the build holds then has grown less
    since composing than when it keeps them (by what it let go), and the file is byte for
    byte the one written from a composition that keeps everything (`write`, the session's
    path)."""
    from typeset.build import build, render

    build(SAMPLE, tmp_path / "warm.pdf")    # both builds measured below warm (a cold one
    #                                         holds the subsets and pictures it made)
    report, data, seen = _build_watching_save(tmp_path / "here.pdf", forked=False)
    assert seen["pages with items"] == 0 and seen["frames"] == 0
    assert data == render(sample_composition)
    # the same build keeping every page (`write`, as a warm process writes): what the
    # writer holds at save grows by the pages and frames let go here
    _, kept, held = _build_watching_save(tmp_path / "kept.pdf", forked=False, keep=True)
    assert kept == data
    grown, grown_keeping = (s["at save"] - s["composed"] for s in (seen, held))
    assert grown < grown_keeping - (1 << 20), (grown, grown_keeping)
    assert report.typography is not None and report.typography.lines > 1000
    assert report.pages == len(sample_composition.pages)


def test_a_build_whose_report_is_made_aside_lets_go_once_it_has_the_report(tmp_path,
                                                                            sample_composition):
    """Report made by a forked child (report_aside): the parent waits for it before the first
    page is drawn (everything checked and prepared meanwhile), then lets go as above: the
    same report as one made here, the same bytes."""
    from typeset.build import render
    from typeset.report import check_composition

    report, data, seen = _build_watching_save(tmp_path / "out.pdf", forked="let go")
    assert seen["pages with items"] == 0 and seen["frames"] == 0
    assert data == render(sample_composition)
    assert report.typography == check_composition(sample_composition)


def test_a_smaller_issue_draws_its_pages_while_the_child_reports(tmp_path,
                                                                 sample_composition):
    """Below LET_GO_PAGES the parent does not wait for the report child before drawing
    (its wall time would be lost for ~1 MB): the pages keep their items, the same report
    and the same bytes."""
    from typeset.build import render
    from typeset.report import check_composition

    report, data, seen = _build_watching_save(tmp_path / "out.pdf", forked=True)
    assert seen["pages with items"] > 0 and seen["frames"] > 0
    assert data == render(sample_composition)
    assert report.typography == check_composition(sample_composition)


def test_a_report_child_that_dies_leaves_the_parent_its_pages_to_make_it(tmp_path,
                                                                         sample_composition):
    """If the child dies, the parent makes the report itself when it asks for it, before the
    first page is drawn: it still holds every frame and item then."""
    import typeset.build as B
    from typeset.build import render
    from typeset.report import check_composition

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(B, "_report_child", lambda comp, conn: conn.close())
        report, data, seen = _build_watching_save(tmp_path / "out.pdf", forked="let go")
    assert seen["pages with items"] == 0
    assert report.typography == check_composition(sample_composition)
    assert report.typography.lines > 1000
    assert data == render(sample_composition)


def test_letting_go_of_drawn_pages_writes_the_same_bytes(sample_composition):
    """render_pdf(let_go=True) on a composition of its own: every page's items (and the page
    check's findings kept with them) are gone after, anchors and labels stay, the bytes are
    those of a render that keeps the items."""
    from typeset.build import compose, render
    from typeset.pagecheck import check_composition_pages

    comp = compose(SAMPLE)
    check_composition_pages(comp)                   # (findings kept on each page)
    anchors = [list(p.anchors) for p in comp.pages]
    assert render(comp, let_go=True) == render(sample_composition)
    assert all(p.items == [] and p.checked is None for p in comp.pages)
    assert [list(p.anchors) for p in comp.pages] == anchors


@pytest.mark.parametrize("variant", ["print", "archive"])
def test_the_build_with_pages_let_go_writes_what_write_writes(tmp_path, monkeypatch, variant,
                                                              sample_composition):
    import typeset.build as B
    from typeset import parallel

    monkeypatch.setattr(parallel, "workers", lambda: 1)
    B.build(SAMPLE, tmp_path / "a.pdf", variant=variant)
    B.write(sample_composition, tmp_path / "b.pdf", variant)
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


# -- pictures (adversarial round 8, finding 7) --------------------------------------------------

def _photo_issue(root, n: int):
    """An issue of one article holding `n` distinct noisy photos of 1200x900 (print: a CMYK
    JPEG of ~1.7 MB each), each after two sentences."""
    import random

    from PIL import Image
    (root / "articles" / "images").mkdir(parents=True, exist_ok=True)
    noise = Image.effect_noise((1200, 900), 60).convert("RGB")
    r = random.Random(10)
    words = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同"
    parts = []
    for i in range(n):
        tint = Image.new("RGB", noise.size, tuple(r.randint(0, 255) for _ in range(3)))
        Image.blend(noise, tint, 0.6).save(root / "articles" / "images" / f"p{i}.jpg",
                                           quality=85)
        parts.append("".join(r.choice(words) for _ in range(40)) + "。")
        parts.append(f"![图{i + 1} 照片{i + 1}](images/p{i}.jpg){{width=half}}")
    (root / "articles" / "a.md").write_text(
        "---\ntitle: 照片\nauthors: [王小明]\n---\n\n" + "\n\n".join(parts) + "\n",
        encoding="utf-8")
    m = root / "issue.yaml"
    m.write_text("layout: guangxi\njournal: 测试政协\nyear: 2024\nnumber: 2\nsections:\n"
                 "  - title: 调查研究\n    articles:\n      - articles/a.md\n", encoding="utf-8")
    return m


def _held_after_preparing(manifest, out) -> int:
    """Traced memory (bytes) a build of `manifest` holds once its pictures are prepared,
    before the first page is drawn (in this process, the caches warm as left)."""
    from typeset.build import build
    from typeset.render import finished
    from typeset.render import writer as W
    seen = []
    prepare = W._Writer.prepare_pictures

    def preparing(self, policy):
        prepare(self, policy)
        gc.collect()
        seen.append(tracemalloc.get_traced_memory()[0])
    gc.collect()
    tracemalloc.start()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(W._Writer, "prepare_pictures", preparing)
            mp.setattr(finished, "use_finished_cache", False)   # (drawn: not taken whole)
            build(manifest, out)
    finally:
        tracemalloc.stop()
    assert len(seen) == 1
    return seen[0]


def test_a_warm_build_leaves_its_pictures_in_the_cache_until_it_writes_them(tmp_path,
                                                                           private_cache):
    """4 and 16 photos, each issue built twice (the second warm): once every picture is
    prepared, the warm build holds far less than the 12 more pictures' bytes more (their
    streams are left in their cache files, fileread.FileSlice, read as the file is written;
    was: every stream in memory until the file was saved — adversarial round 8: +35 MB of
    peak for +39 MB of pictures), and the warm file is the cold one."""
    held, sizes = {}, {}
    for n in (4, 16):
        m = _photo_issue(tmp_path / f"p{n}", n)
        cold, warm = tmp_path / f"cold{n}.pdf", tmp_path / f"warm{n}.pdf"
        _held_after_preparing(m, cold)
        held[n] = _held_after_preparing(m, warm)
        sizes[n] = warm.stat().st_size
        assert warm.read_bytes() == cold.read_bytes()
    grew, pictures = held[16] - held[4], sizes[16] - sizes[4]
    assert pictures > 8 << 20
    assert grew < pictures / 8, (
        f"held {held[4] >> 20} -> {held[16] >> 20} MB (+{grew >> 20} MB) for "
        f"+{pictures >> 20} MB of pictures in the PDF")
