"""Incremental builds (issue 13 part 4): pages whose content did not change are not drawn again,
and whatever is reused, the file is byte for byte the one a cold build writes."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.adv7kit import cold_build   # (`typeset build` in a process of its own)
from typeset.build import compose, render
from typeset.render.pagestreams import PageStreams

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "issues" / "sample" / "issue.yaml"



@pytest.fixture()
def issue(tmp_path, monkeypatch) -> Path:
    """A copy of the sample issue (its articles may be edited) with a cache of its own."""
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    dest = tmp_path / "issue"
    shutil.copytree(SAMPLE.parent, dest)
    return dest / "issue.yaml"


def edit(manifest: Path, article: str, old: str, new: str) -> None:
    path = next((manifest.parent / "articles").glob(article))
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unchanged_pages_reuse_their_streams_and_the_bytes_are_the_same(issue):
    streams = PageStreams()
    comp = compose(issue)
    first = render(comp, streams=streams)
    pages = len(comp.pages)
    assert streams.misses + streams.hits == pages     # (blank pages are alike: hits)
    assert streams.misses > pages - 5
    streams.begin()
    again = render(compose(issue), streams=streams)
    assert again == first
    assert streams.misses == 0 and streams.hits == pages
    # one paragraph of one article changed: only the pages that draw something else are
    # drawn again, and the file is the one a build without any stream gives
    edit(issue, "05-*.md", "。", "，另。")
    streams.begin()
    comp = compose(issue)
    edited = render(comp, streams=streams)
    assert 0 < streams.misses < pages // 2, streams.misses
    assert edited == render(comp, streams=PageStreams()) == render(comp, use_cache=False)
    assert edited != first


def test_page_streams_on_disk_are_reused_by_the_next_process(issue):
    cold = render(compose(issue))                      # writes the cache file
    files = list((Path(issue.parent.parent / "cache") / "pages").glob("*.bin"))
    assert len(files) == 1
    from typeset.render.writer import page_streams
    streams = page_streams(f"{issue.resolve()}\0print-x4\0")
    comp = compose(issue)
    empty = sum(1 for p in comp.pages if not p.items)     # blank pages share one stream
    assert streams._index and len(streams._index) >= len(comp.pages) - empty
    assert render(compose(issue)) == cold
    # a damaged stream in the file is not used: its page is drawn again, same bytes
    data = bytearray(files[0].read_bytes())
    data[-10] ^= 0xFF
    files[0].write_bytes(bytes(data))
    assert render(compose(issue)) == cold


def test_a_build_lets_go_of_the_stream_file_before_the_pdf_is_put_together(issue,
                                                                             monkeypatch):
    """build.render's streams are for one build: once the pages are drawn, the cache file's
    bytes are let go (the PDF is joined after that, so they do not add to the peak), and an
    unchanged file is still not written again."""
    import os

    from typeset.render import pagestreams
    from typeset.render.rl import document as rl_document
    cold = render(compose(issue))
    path = next((issue.parent.parent / "cache" / "pages").glob("*.bin"))
    mtime = os.stat(path).st_mtime_ns
    seen = []
    save = rl_document.Document.save

    def spy(self, **kw):
        seen.append([(ps.once, len(ps._blob), ps._index is None) for ps in live])
        return save(self, **kw)

    live = []
    made = pagestreams.PageStreams.on_disk.__func__

    def on_disk(cls, name, code):
        ps = made(cls, name, code)
        live.append(ps)
        return ps

    monkeypatch.setattr(rl_document.Document, "save", spy)
    monkeypatch.setattr(pagestreams.PageStreams, "on_disk", classmethod(on_disk))
    assert render(compose(issue)) == cold
    assert seen == [[(True, 0, True)]]                 # nothing of the file held at save
    assert live[0].hits > 0 and live[0].misses == 0
    assert os.stat(path).st_mtime_ns == mtime          # not rewritten


# -- the warm process: typeset.session ------------------------------------------------------------

def test_a_session_rebuild_after_an_edit_writes_what_a_cold_build_writes(issue, tmp_path):
    from typeset.session import Session

    out = tmp_path / "session.pdf"
    with Session(issue, output=out) as s:
        first = s.rebuild()
        assert first.ok and first.errors == [] and first.page_count == 44
        assert len(first.pages_drawn) > 30 and len(first.articles_read) == 10
        again = s.rebuild()                        # nothing changed: nothing read or drawn
        assert again.ok and again.articles_read == [] and again.pages_drawn == []
        assert again.pages_changed == [] and again.sha256 == first.sha256
        # a correction in one paragraph: one article read again, few pages drawn
        edit(issue, "05-*.md", "政治上的清醒", "政治上的清楚")
        fixed = s.rebuild()
        assert fixed.ok and [p.name for p in fixed.articles_read] == ["05-shizheng-yiliu.md"]
        assert 0 < len(fixed.pages_drawn) < 10 and fixed.pages_changed
        assert set(fixed.timings) >= {"load", "compose", "paginate", "render", "write"}
        edited = out.read_bytes()
    assert cold_build(issue, tmp_path / "cold.pdf", tmp_path / "empty-cache") == edited
    assert fixed.sha256 != first.sha256


def test_a_new_character_draws_only_the_page_that_shows_it(issue, tmp_path):
    """A character's code is its own (render/cidfont.py): a correction that brings in a
    character the issue did not use changes the stream of the page that shows it, and no
    other (with codes numbered by first use, every later page using a character first used
    after it was drawn again); the face's objects change, and the file is the cold build's."""
    from typeset.session import Session

    out = tmp_path / "session.pdf"
    with Session(issue, output=out) as s:
        first = s.rebuild()
        assert first.ok
        assert "龘" not in "".join(p.read_text(encoding="utf-8")
                                   for p in (issue.parent / "articles").glob("*.md"))
        edit(issue, "05-*.md", "政治上的清醒", "政治上的清龘")     # one ideograph for another
        fixed = s.rebuild()
        assert fixed.ok and [p.name for p in fixed.articles_read] == ["05-shizheng-yiliu.md"]
        assert len(fixed.pages_changed) == 1 and fixed.pages_drawn == fixed.pages_changed
        assert fixed.sha256 != first.sha256
        edited = out.read_bytes()
    assert cold_build(issue, tmp_path / "cold.pdf", tmp_path / "empty-cache") == edited


def test_a_figure_added_early_draws_only_the_pages_whose_content_changed(issue, tmp_path):
    """Resource names are each page's own (render/rl/, "Resource names"): a correction that
    places a picture in article 01 which the issue first showed in article 10 changes which
    picture (and font) the document uses first, but renames nothing on the later pages; only
    the pages of article 01 are drawn again (with names numbered by first use in the document,
    the pages of articles 07 and 10 showing a picture were drawn again, and counted as
    changed), and the file is the cold build's."""
    from typeset.session import Session

    out = tmp_path / "session.pdf"
    with Session(issue, output=out) as s:
        first = s.rebuild()
        assert first.ok
        import pypdf
        pictures = {i for i, p in enumerate(pypdf.PdfReader(out).pages)
                    if "/XObject" in p["/Resources"]}          # the pages showing a picture
        assert len(pictures) == 4                             # (the cover, 01, 07, 10)
        edit(issue, "01-*.md", "推动学习成果转化为做好政协工作的思路举措。\n",
             "推动学习成果转化为做好政协工作的思路举措。\n\n"
             "![红水河](../images/hongshuihe.png){width=half}\n")
        fixed = s.rebuild()
        assert fixed.ok and [p.name for p in fixed.articles_read] == ["01-zhuxi-huiyi.md"]
        assert fixed.pages_drawn == fixed.pages_changed
        assert 0 < len(fixed.pages_drawn) <= 6 and max(fixed.pages_drawn) < 10, fixed.pages_drawn
        later = {i for i in pictures if i >= 10}
        assert len(later) == 2 and later.isdisjoint(fixed.pages_drawn)
        assert fixed.sha256 != first.sha256
        edited = out.read_bytes()
    assert cold_build(issue, tmp_path / "cold.pdf", tmp_path / "empty-cache") == edited


def test_a_session_reports_bad_input_and_keeps_the_earlier_file(issue, tmp_path):
    from typeset.session import Session

    out = tmp_path / "session.pdf"
    s = Session(issue, output=out, report=True)
    good = s.rebuild()
    assert good.ok and good.report is not None and good.report.lines > 1000
    before = out.read_bytes()
    edit(issue, "03-*.md", "title:", "title: [unclosed")          # broken front matter
    bad = s.rebuild()
    assert not bad.ok and bad.output is None and len(bad.errors) == 1
    assert "03-tian-huitoukan.md:" in bad.errors[0] and "malformed YAML" in bad.errors[0]
    assert "hint:" in bad.errors[0]
    assert out.read_bytes() == before
    edit(issue, "03-*.md", "title: [unclosed", "title:")          # fixed again
    back = s.rebuild()
    assert back.ok and back.sha256 == good.sha256 and out.read_bytes() == before
    # a changed layout file is read again: everything is made anew
    layout = issue.parent / "house.yaml"
    layout.write_text((ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8")
                      .replace("indent: 2\n", "indent: 3\n", 1), encoding="utf-8")
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text.replace("layout: guangxi", "layout: house.yaml"), encoding="utf-8")
    other = s.rebuild()
    assert other.ok and other.sha256 != good.sha256 and len(other.pages_drawn) > 30
    s.close()
    assert cold_build(issue, tmp_path / "cold.pdf", tmp_path / "empty-cache") == out.read_bytes()


# -- two cores ------------------------------------------------------------------------------------

def test_the_report_made_aside_is_the_report(sample_composition, monkeypatch):
    """A large issue's typographic report is made by a forked child while the PDF is written
    (build.report_aside); it is the report the build makes itself, findings and all."""
    import typeset.build as B
    from typeset.report import check_composition

    import typeset.parallel as P
    monkeypatch.setattr(P, "_load", lambda: 0.0)          # as if the other core were idle
    monkeypatch.setattr(B, "REPORT_ASIDE_PAGES", 1)
    made = B.report_aside(sample_composition)
    inline = check_composition(sample_composition)
    aside = made()
    assert aside == inline and aside.lines > 1000 and aside.notes and aside.tables
    monkeypatch.setattr(B, "_report_child", lambda comp, conn: conn.close())   # a child that dies
    assert B.report_aside(sample_composition)() == inline


def test_forked_children_give_what_this_process_gives(monkeypatch, tmp_path):
    """A cold build on two cores (faces read and paragraphs broken by forked children) lays
    out exactly what one process lays out, and a child that fails changes nothing."""
    import typeset.parallel as P
    from typeset.layout.compose import Composer, compose_issue, prebreak
    from typeset.layout.styles import StyleBook
    from typeset.render.debug import dump_pages
    from typeset.text.fonts import FontLibrary
    from typeset.text.parcache import ParagraphCache
    from typeset.build import load
    from typeset.layout.issue import paginate_issue

    monkeypatch.setattr(P, "_load", lambda: 0.0)
    import typeset.layout.compose as C
    monkeypatch.setattr(C, "PREBREAK_FORKS", True)       # (off by default: it does not pay)
    assert P.map_forked(lambda x: x * x, [1, 2, 3, 4]) == [1, 4, 9, 16]
    assert P.map_forked(lambda x: 1 // (x - 3), [1, 2, 3]) is None     # a child failed

    def laid_out(cache_name: str, forked: bool) -> str:
        monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / cache_name))
        (P.enable if forked else P.disable)()
        issue, layout = load(SAMPLE)
        book = StyleBook(layout, FontLibrary())
        cache = ParagraphCache(str(issue.path.resolve()), book.fingerprint)
        comp = Composer(layout, book, cache)
        assert prebreak(issue, comp) is forked
        assert forked == (len(cache.old) + len(cache.new) > 500)   # (new: the probe)
        pages = paginate_issue(issue, comp, compose_issue(issue, comp), comp.colophon(issue))
        return dump_pages(pages.pages)
    try:
        assert laid_out("one", False) == laid_out("two", True)
    finally:
        P.enable()



def test_a_session_notices_a_font_file_replaced(issue, tmp_path):
    """A font file the layout names, replaced by another face while the session runs: the
    next rebuild reads the faces again and writes what a cold build writes."""
    import shutil as sh

    from typeset.session import Session

    fonts = ROOT / "fonts"
    sh.copyfile(fonts / "LXGWWenKai-Regular.ttf", issue.parent / "kai.ttf")
    layout = issue.parent / "house.yaml"
    layout.write_text((ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8")
                      .replace("kai: [LXGWWenKai-Regular.ttf", "kai: [./kai.ttf"),
                      encoding="utf-8")
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text.replace("layout: guangxi", "layout: house.yaml"), encoding="utf-8")
    out = tmp_path / "session.pdf"
    with Session(issue, output=out) as s:
        first = s.rebuild()
        assert first.ok, first.errors
        sh.copyfile(fonts / "NotoSerifCJKsc-Regular.otf", issue.parent / "kai.ttf")
        second = s.rebuild()
        assert second.ok and second.sha256 != first.sha256
    assert cold_build(issue, tmp_path / "cold.pdf", tmp_path / "empty-cache") == out.read_bytes()


def test_placed_pages_and_the_barcode_are_kept_and_a_changed_pdf_is_drawn_again(tmp_path,
                                                                               monkeypatch):
    """Pages showing a placed PDF page or the barcode's boxes are keyed like any other: the
    same page again is found, and an insert whose file changed (same name, other content) is
    not — its page is drawn anew and the file is what a cold build writes."""
    from tests.test_whole_issue import make_issue, page_pdf

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    m = make_issue(tmp_path / "issue", "cover: {}\npages:\n  inserts:\n    - after: 2\n"
                   "      file: ad.pdf\n")
    page_pdf(tmp_path / "issue" / "ad.pdf", text="第一版广告")
    streams = PageStreams()
    comp = compose(m)
    first = render(comp, streams=streams)
    streams.keep_used()
    streams.begin()
    assert render(compose(m), streams=streams) == first and streams.misses == 0
    streams.keep_used()
    page_pdf(tmp_path / "issue" / "ad.pdf", text="第二版广告")
    streams.begin()
    changed = render(compose(m), streams=streams)
    assert streams.misses == 1                         # the insert's page, nothing else
    assert changed == render(compose(m), streams=PageStreams())
    assert changed != first


def test_a_session_writes_both_files_of_separate_cover_stock(tmp_path, monkeypatch):
    """Covers on separate stock: a session writes OUT-text.pdf and OUT-cover.pdf, byte for
    byte what `typeset build` writes, and a rebuild finds every page of both."""
    from tests.test_whole_issue import make_issue, picture, separate_layout
    from typeset.session import Session

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "issue"
    root.mkdir()
    picture(root / "photo.jpg")
    m = make_issue(root, "issn: 1234-5679\ncover:\n  image: photo.jpg\n",
                   layout=separate_layout(root))
    with Session(m, output=tmp_path / "s" / "issue.pdf") as s:
        (tmp_path / "s").mkdir()
        first = s.rebuild()
        assert first.ok, first.errors
        text, cover = tmp_path / "s" / "issue-text.pdf", tmp_path / "s" / "issue-cover.pdf"
        assert first.output == text and s.outputs == [text, cover]
        assert not (tmp_path / "s" / "issue.pdf").exists()
        again = s.rebuild()
        assert again.ok and again.pages_drawn == [] and again.pages_changed == []
    (tmp_path / "c").mkdir()
    with pytest.raises(FileNotFoundError):          # (two files are written, not issue.pdf)
        cold_build(m, tmp_path / "c" / "issue.pdf", tmp_path / "empty")
    assert (tmp_path / "c" / "issue-text.pdf").read_bytes() == text.read_bytes()
    assert (tmp_path / "c" / "issue-cover.pdf").read_bytes() == cover.read_bytes()


def test_a_warm_cache_of_repeated_paragraphs_is_not_taken_for_a_cold_one(tmp_path, monkeypatch):
    """Whether the paragraph cache is warm is found by setting the first and last article:
    counting its entries cannot tell (an issue repeating paragraphs holds fewer entries than
    blocks: a 3,764-page issue spent 1.3 s re-breaking in children with a warm cache)."""
    import shutil

    import typeset.parallel as P
    from typeset.build import compose, load
    from typeset.layout.compose import Composer, prebreak
    from typeset.layout.styles import StyleBook
    from typeset.text.fonts import FontLibrary
    from typeset.text.parcache import ParagraphCache

    copy = tmp_path / "issue"
    shutil.copytree(SAMPLE.parent, copy)
    manifest = copy / "issue.yaml"
    short = copy / "articles" / "03-tian-huitoukan.md"
    names = []
    for k in range(60):                     # one short article sixty times, word for word
        shutil.copyfile(short, short.with_name(f"copy-{k}.md"))
        names.append(f"      - articles/copy-{k}.md")
    text = manifest.read_text(encoding="utf-8")
    head = text[:text.index("sections:")]
    manifest.write_text(head + "sections:\n  - title: 政协动态\n    articles:\n"
                        + "\n".join(names) + "\n", encoding="utf-8")
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(P, "_load", lambda: 0.0)            # the other core counts as idle
    import typeset.layout.compose as C
    monkeypatch.setattr(C, "PREBREAK_FORKS", True)       # (off by default: it does not pay)
    compose(manifest)                                         # warms the cache
    issue, layout = load(manifest)
    book = StyleBook(layout, FontLibrary())
    cache = ParagraphCache(str(issue.path.resolve()), book.fingerprint)
    blocks = sum(len(a.blocks) for s in issue.sections for a in s.articles)
    assert 0 < len(cache.old) * 4 < blocks          # counting entries would say "cold"
    comp = Composer(layout, book, cache)
    assert prebreak(issue, comp) is False
    assert cache.misses == 0 and cache.hits > 0
    # a cold cache: the children break the rest
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cold"))
    cold = ParagraphCache(str(issue.path.resolve()), book.fingerprint)
    assert prebreak(issue, Composer(layout, book, cold)) is True
    assert cold.old                          # the children's lines came back


def test_a_session_checks_only_the_pages_that_changed(issue, tmp_path, monkeypatch):
    """The page check (outside the trim box, drawn over) of a page kept from the last build
    is kept with it (`Page.checked`); a page drawn anew, or one changed in place, is looked
    at again, and what is found is what a whole check finds."""
    import dataclasses

    import typeset.pagecheck as PC
    from typeset.layout.page import Rule
    from typeset.session import Session

    looked: list = []
    real = PC._boxes                     # (what check_pages measures a page with)
    monkeypatch.setattr(PC, "_boxes", lambda page, *a, **k: looked.append(page) or
                        real(page, *a, **k))
    with Session(issue, output=tmp_path / "s.pdf") as s:
        assert s.rebuild().ok and len(looked) == 44
        for round_ in range(2):          # nothing changed, then one paragraph corrected
            before = {id(p) for p in s.composition.pages}
            kept = [p for p in s.composition.pages]       # (no identity reused meanwhile)
            looked.clear()
            assert s.rebuild().ok
            now = s.composition.pages
            # the pages made again (covers, contents, the pages the change moved) are looked
            # at; the body pages kept from the last build are not
            assert {id(p) for p in looked} == {id(p) for p in now if id(p) not in before}
            assert 20 < sum(id(p) in before for p in now) and kept
            if round_ == 0:
                edit(issue, "05-*.md", "政治上的清醒", "政治上的清楚")
        comp = s.composition
    page = comp.body[0]
    page.items.append(Rule(-500.0, -500.0, -400.0, -400.0))  # the same page, changed in place
    fresh = dataclasses.replace(comp)
    lib = comp.book.library
    whole = PC.check_pages(fresh.pages, lambda font, ch: lib.face(font).advance(ch))
    assert PC.check_composition_pages(fresh) == whole and whole[0]


def test_a_build_with_a_forked_report_checks_each_page_once_there(issue, tmp_path,
                                                                    monkeypatch):
    """When the report is made by a forked child (report_aside), the page check is made
    there, once, while the PDF is made (and written only after the check): the parent
    measures no page."""
    import os

    import typeset.build as B
    import typeset.pagecheck as PC
    from typeset import parallel

    log = tmp_path / "looked"
    real = PC._boxes

    def counted(page, *a, **k):
        with open(log, "a") as f:                  # (seen from the forked child too)
            f.write(f"{os.getpid()}\n")
        return real(page, *a, **k)

    monkeypatch.setattr(PC, "_boxes", counted)
    monkeypatch.setattr(B, "REPORT_ASIDE_PAGES", 1)          # fork for the report here
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    rep = B.build(issue, tmp_path / "a.pdf")
    assert rep.typography is not None and (tmp_path / "a.pdf").exists()
    pids = log.read_text().split()
    assert len(set(pids)) == 1 and str(os.getpid()) not in pids
    assert len(pids) == rep.file_pages


# -- wave 7 adversarial findings 1 and 5: what a session reads is judged by its content ----------
@pytest.fixture()
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"



from tests.adv7kit import (issue_with_kai_copy, issue_with_picture, png,  # noqa: E402
                           picture_sizes)                            # (the wave-7 kit)


def test_a_session_prints_the_picture_now_in_the_file_after_an_in_place_replacement(
        tmp_path, cache):
    """A picture the article places is overwritten in place by another picture of the same
    file size, keeping the modification time (`cp --preserve=timestamps`, an unpacked
    archive, a sync tool): the next `Session.rebuild` must print the new picture, as a cold
    `typeset build` does. Until wave 7 (72c92a5) the session decides "unchanged" from (size, mtime,
    inode) alone (session._picture_states), so it keeps the parsed article with the old
    picture's header and prints the OLD picture (600x400 where the file now holds 300x600),
    drawing no page again. `typeset watch` would rebuild (it also compares ctime) and still
    show the old picture."""
    from typeset.session import Session

    m, pic = issue_with_picture(tmp_path / "issue")
    out = tmp_path / "session.pdf"
    with Session(m, output=out) as s:
        assert s.rebuild().ok
        assert picture_sizes(out) == [(600, 400)]
        before = os.stat(pic)
        png(tmp_path / "other.png", (300, 600), (60, 60, 200), 20000)
        with open(pic, "r+b") as f:                  # in place: same inode, same size
            f.write((tmp_path / "other.png").read_bytes())
        os.utime(pic, ns=(before.st_atime_ns, before.st_mtime_ns))
        again = s.rebuild()
        assert again.ok, again.errors
    cold = cold_build(m, tmp_path / "cold.pdf", tmp_path / "empty-cache")
    assert picture_sizes(tmp_path / "cold.pdf") == [(300, 600)]
    assert picture_sizes(out) == [(300, 600)], "the session printed the picture the file held before"
    assert out.read_bytes() == cold


def test_a_session_notices_a_font_file_replaced_while_it_rebuilds(tmp_path, cache,
                                                                   monkeypatch):
    """The house's 楷 font file (kai.ttf, the layout names it) is replaced by another face
    while a session rebuilds — here just after the PDF is written, before the rebuild ends
    (the window of a save during `typeset watch`'s rebuild). The next rebuilds must print the
    new face, as a cold build does (README: "a font file that changes makes the session
    start afresh"). Until wave 7 (72c92a5) the session takes the fonts' stat at the END of a rebuild
    (`Session._fonts_changed()` after `write_files`), i.e. of the new file, which it never
    read; so every later rebuild finds the fonts "unchanged" and keeps embedding the old
    face (LXGW WenKai where the file and a cold build have Noto Serif CJK), for the rest of
    the session — under `typeset watch` too (the watch sees the save and rebuilds, the
    session prints the old face)."""
    import shutil

    import typeset.build as TB
    from tests.adv7kit import ROOT
    from typeset.session import Session

    m, kai = issue_with_kai_copy(tmp_path / "issue")
    real, calls = TB.write_files, []

    def write_then_replace_font(*args, **kw):
        done = real(*args, **kw)
        calls.append(1)
        if len(calls) == 1:                  # during the first rebuild, after the write
            shutil.copyfile(ROOT / "fonts" / "NotoSerifCJKsc-Regular.otf", tmp_path / "new")
            os.replace(tmp_path / "new", kai)
        return done
    monkeypatch.setattr(TB, "write_files", write_then_replace_font)
    out = tmp_path / "s.pdf"
    with Session(m, output=out) as s:
        assert s.rebuild().ok
        again = s.rebuild()                  # the font file is not what the faces were read from
        assert again.ok
    cold = cold_build(m, tmp_path / "cold.pdf", tmp_path / "empty-cache")
    assert not any("LXGWWenKai" in f for f in _base_fonts(tmp_path / "cold.pdf"))
    assert not any("LXGWWenKai" in f for f in _base_fonts(out)), _base_fonts(out)
    assert out.read_bytes() == cold


def _base_fonts(pdf: Path) -> list[str]:
    import pypdf
    return sorted({str(f.get_object()["/BaseFont"]) for page in pypdf.PdfReader(pdf).pages
                   for f in (page["/Resources"].get("/Font") or {}).values()})


def test_a_session_notices_a_picture_saved_while_its_article_is_read(tmp_path, cache,
                                                                     monkeypatch):
    """The window is small (between reading the picture and the end of reading its
    article), the cause the font test's above: the session stats a placed picture AFTER its
    article was read (`session._read_article` -> `_picture_states(article)`), so a picture
    saved in between (renamed over: a new inode, another size) is recorded as already seen.
    Every later rebuild, and `typeset watch`'s rebuild after that save, keeps the old
    picture's header, while the picture itself is read from the file at render time: the
    PDF shows the new, tall picture (300x600) cut to the box laid out for the old, wide one
    (192x128 pt of a 192x384 pt picture: a strip of it), where a cold build shows all of it
    (and on the next page)."""
    import typeset.model.picture as MP
    from typeset.session import Session

    m, pic = issue_with_picture(tmp_path / "issue")
    real, seen = MP.probe, []

    def probe_then_save(path, **kw):
        info = real(path, **kw)
        if not seen:                       # the picture is saved just after it was read
            seen.append(path)
            png(tmp_path / "new.png", (300, 600), (60, 60, 200), 30000)
            os.replace(tmp_path / "new.png", pic)
        return info
    monkeypatch.setattr(MP, "probe", probe_then_save)
    out = tmp_path / "s.pdf"
    with Session(m, output=out) as s:
        assert s.rebuild().ok
        assert s.rebuild().ok              # the file changed since it was read
    assert out.read_bytes() == cold_build(m, tmp_path / "cold.pdf", tmp_path / "empty-cache")


def test_a_session_prints_a_font_rewritten_in_place_with_its_size_and_mtime(tmp_path, cache):
    """The house's 楷 font file is patched in place (one glyph's advance in hmtx: the same
    size, the same inode) and its modification time put back (rsync --inplace -t, cp -p over
    it): the next rebuild sets the text in the font as it is now, as a cold build does. The
    memo of a font's hash (text/fontid.py) is keyed by a stamp a changed file cannot keep:
    the change time, which every write and utime sets, and the table directory's checksums."""
    import os

    from fontTools.ttLib import TTFont

    from typeset.session import Session

    m, kai = issue_with_kai_copy(tmp_path / "issue")
    font = TTFont(kai, lazy=True)
    gid = font.getGlyphID(font.getBestCmap()[ord("楷")])
    offset = font.reader.tables["hmtx"].offset + 4 * gid      # (advance, lsb) pairs
    font.close()
    out = tmp_path / "s.pdf"
    with Session(m, output=out) as s:
        assert s.rebuild().ok
        first = out.read_bytes()
        before = os.stat(kai)
        with open(kai, "r+b") as f:                  # in place: same inode, same size
            f.seek(offset)
            advance = int.from_bytes(f.read(2), "big")
            f.seek(offset)
            f.write((advance + 200).to_bytes(2, "big"))
        os.utime(kai, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = os.stat(kai)
        assert (after.st_size, after.st_mtime_ns, after.st_ino) == \
            (before.st_size, before.st_mtime_ns, before.st_ino)
        assert s.rebuild().ok
    cold = cold_build(m, tmp_path / "cold.pdf", tmp_path / "empty-cache")
    assert cold != first
    assert out.read_bytes() == cold
