"""Wave 7 adversarial tests of invariants that HOLD on 72c92a5 (issue 13 parts 1 and 4), kept
as regression tests: whatever sequence of edits, a warm `Session` writes the bytes a fresh
`typeset build` writes; an interrupted or failed write leaves the earlier file whole and no
temporary file; `typeset check --pdf` accepts what a session writes."""
from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.adv7kit import (SENTENCES, article_text, check_pdf, cold_build, issue_with_picture,
                           picture_sizes, stalled_build, write_issue)


@pytest.fixture()
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def set_article(manifest: Path, name: str, title: str, paragraphs: list[str]) -> None:
    (manifest.parent / "articles" / name).write_text(article_text(title, paragraphs),
                                                     encoding="utf-8")


def page_texts(pdf: bytes) -> list[str]:
    import io

    import pypdf
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def outline(pdf: Path) -> list[tuple[str, int]]:
    """The bookmarks (title, PDF page index), depth first."""
    import pypdf
    r = pypdf.PdfReader(pdf)
    out = []

    def walk(items):
        for it in items:
            if isinstance(it, list):
                walk(it)
            else:
                out.append((it.title, r.get_destination_page_number(it)))
    walk(r.outline)
    return out


# -- generated edit sequences ---------------------------------------------------------------------

#: characters the edits are made of: common ones, punctuation, and ones that test the codes —
#: supplementary ideographs whose low 11 bits meet (U+2008A, U+2688A, U+2808A: pool code
#: D88A and its neighbours), one LXGW WenKai lacks (U+2808A in 楷: Noto Serif's glyph), and
#: the three faces (宋 body, *楷* italic, **黑** bold)
_PIECES = list(SENTENCES) + ["，", "。", "“引号”", "2024年", "𠂊", "𦢊", "𨂊", "*斜体𨂊*",
                             "**粗体𦢊**", "*𠂊楷*", "龘"]
_edit = st.one_of(
    st.tuples(st.just("text"), st.integers(0, 2), st.integers(0, 2),
              st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6)),
    st.tuples(st.just("add"), st.integers(0, 2), st.integers(0, 2),
              st.lists(st.sampled_from(_PIECES), min_size=3, max_size=12)),
    st.tuples(st.just("title"), st.integers(0, 2), st.sampled_from(["短题", "一个比较长的标题文字",
                                                                    "标题𦢊"])),
    st.tuples(st.just("move"), st.integers(0, 2), st.integers(0, 1)),
    st.tuples(st.just("undo")),
)


def _apply(m: Path, edit, paras: dict, titles: dict, order: list) -> None:
    kind = edit[0]
    if kind in ("text", "add"):
        art, at, pieces = edit[1], edit[2], "".join(edit[3])
        ps = paras[art]
        if kind == "text":
            ps[at % len(ps)] = pieces
        else:
            ps.insert(at % (len(ps) + 1), pieces)
    elif kind == "title":
        titles[edit[1]] = edit[2]
    elif kind == "move":                      # an article to the end of a section
        art, to = edit[1], edit[2]
        for sec in order:
            if art in sec and len(sec) > 1:
                sec.remove(art)
                order[to].append(art)
                break
    for k in range(3):
        set_article(m, f"a{k}.md", titles[k], paras[k])
    listing = "".join(f"  - title: 栏目{j + 1}\n    articles:\n"
                      + "".join(f"      - articles/a{k}.md\n" for k in sec)
                      for j, sec in enumerate(order))
    m.write_text("layout: house.yaml\njournal: 测试政协\nyear: 2024\nnumber: 2\n"
                 f"sections:\n{listing}", encoding="utf-8")


@settings(max_examples=2, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(_edit, min_size=2, max_size=3))
@example(edits=[("add", 0, 0, [SENTENCES[1]] * 6 + ["𨂊", "*斜体𨂊*"]),   # folios move, pool codes
                ("move", 0, 1),                                          # to the other section
                ("text", 2, 0, ["𠂊", "**粗体𦢊**", "龘"]),                  # meets 𨂊's code
                ("undo",), ("undo",)])
def test_a_session_writes_what_a_fresh_build_writes_after_every_edit(tmp_path_factory, edits):
    """After every edit of a generated sequence (paragraphs changed or added — page breaks,
    folios, contents and running heads move —, titles, articles moved between sections,
    supplementary characters whose pool codes meet, the three faces, edits undone), the
    session's PDF is the one `typeset build` writes in a process with an empty cache."""
    import copy

    from typeset.session import Session

    tmp = tmp_path_factory.mktemp("seq")
    os.environ["TYPESET_CACHE"] = str(tmp / "cache")
    try:
        m = write_issue(tmp / "issue", articles=3, paragraphs=2, sections=2)
        paras = {k: [SENTENCES[(k + j) % 4] * (1 + j) for j in range(2)] for k in range(3)}
        titles = {k: f"第{k + 1}篇 调查报告" for k in range(3)}
        order = [[0, 1], [2]]
        history = []
        out = tmp / "session.pdf"
        with Session(m, output=out) as s:
            assert s.rebuild().ok
            for n, edit in enumerate(edits):
                if edit[0] == "undo":
                    if not history:
                        continue
                    paras, titles, order = history.pop()
                    edit = ("none",)
                else:
                    history.append(copy.deepcopy((paras, titles, order)))
                _apply(m, edit, paras, titles, order)
                r = s.rebuild()
                assert r.ok, r.errors
                cold = cold_build(m, tmp / f"cold{n}.pdf", tmp / f"empty{n}")
                assert out.read_bytes() == cold, (n, edits)
    finally:
        os.environ.pop("TYPESET_CACHE", None)


# -- hand-picked sequences ------------------------------------------------------------------------

def test_supplementary_characters_meeting_in_the_pool_move_only_their_pages_and_undo(
        tmp_path, cache):
    """U+2808A 𨂊 shown in the last article takes pool code D88A; a correction bringing in
    U+2008A 𠂊 (the same low 11 bits, a lower code point) in the first article takes D88A
    from it (cidfont: codes in code-point order), so the page of the last article is drawn
    again too; the file is the cold build's. Taking 𠂊 out again gives back the first file,
    byte for byte."""
    from typeset.session import Session

    m = write_issue(tmp_path / "issue", articles=3, paragraphs=2, sections=1)
    set_article(m, "a2.md", "第三篇", ["最后一篇里有一个字𨂊在这里。"])
    out = tmp_path / "s.pdf"
    with Session(m, output=out) as s:
        first = s.rebuild()
        assert first.ok
        before = out.read_bytes()
        shows = [i for i, t in enumerate(page_texts(before)) if "𨂊" in t]
        assert len(shows) == 1 and shows[0] > 2
        set_article(m, "a0.md", "第1篇 调查报告", ["第一篇里加了一个字𠂊。"])
        met = s.rebuild()
        assert met.ok
        # the first article's page and the page showing 𨂊 (whose code moved) are drawn again
        assert met.pages_drawn == [2, shows[0]], met.pages_drawn
        assert out.read_bytes() == cold_build(m, tmp_path / "c1.pdf", tmp_path / "e1")
        set_article(m, "a0.md", "第1篇 调查报告", [SENTENCES[0], SENTENCES[1] * 2])
        back = s.rebuild()
        assert back.ok and back.sha256 == first.sha256 and out.read_bytes() == before


def test_an_article_moved_to_another_section_moves_contents_outline_and_heads(tmp_path,
                                                                              cache):
    """An article moved from the first section to the end of the second, with a paragraph
    added before it (folios shift): the session's file is the cold build's, and its outline
    names the sections and articles in the new order."""
    from typeset.session import Session

    m = write_issue(tmp_path / "issue", articles=4, paragraphs=2, sections=2)
    out = tmp_path / "s.pdf"
    with Session(m, output=out) as s:
        assert s.rebuild().ok
        first = [t for t, _ in outline(out)]
        text = m.read_text(encoding="utf-8").replace("      - articles/a0.md\n", "")
        m.write_text(text + "      - articles/a0.md\n", encoding="utf-8")
        set_article(m, "a1.md", "第2篇 调查报告", [SENTENCES[1] * 6] * 4)
        r = s.rebuild()
        assert r.ok, r.errors
    assert out.read_bytes() == cold_build(m, tmp_path / "cold.pdf", tmp_path / "empty")
    now = [t for t, _ in outline(out)]
    assert now != first and now.index("第1篇 调查报告") > now.index("栏目2")


def test_two_sessions_on_one_cache_folder_each_write_the_cold_bytes(tmp_path, cache):
    """Two warm processes (sessions) of the same issue share one cache folder, build,
    correct and close in interleaved order (each writes the paragraph and page-stream files
    the other reads); each file they write, and a later build from that cache, is the cold
    build's."""
    from typeset.build import build
    from typeset.session import Session

    m = write_issue(tmp_path / "issue", articles=3, paragraphs=2, sections=1)
    a, b = Session(m, output=tmp_path / "a.pdf"), Session(m, output=tmp_path / "b.pdf")
    assert a.rebuild().ok and b.rebuild().ok
    set_article(m, "a1.md", "改过的标题𦢊", [SENTENCES[2] * 5, "新的一段。"])
    assert a.rebuild().ok
    a.close()                                 # writes its caches
    set_article(m, "a2.md", "另一篇", ["又改了一段𨂊。"])
    assert b.rebuild().ok
    cold = cold_build(m, tmp_path / "cold.pdf", tmp_path / "empty")
    assert (tmp_path / "b.pdf").read_bytes() == cold
    b.close()                                 # replaces the files a wrote
    assert a.rebuild().ok                     # (a closed session may go on)
    assert (tmp_path / "a.pdf").read_bytes() == cold
    a.close()
    build(m, tmp_path / "later.pdf")
    assert (tmp_path / "later.pdf").read_bytes() == cold


def test_a_build_interrupted_while_writing_keeps_the_old_file_and_no_temporary(tmp_path,
                                                                                 cache):
    """Ctrl-C (SIGINT) while `typeset build` streams the PDF: exit 130, the earlier file as it
    was, no `.typeset-*.tmp` left; the next build writes the new file."""
    m = write_issue(tmp_path / "issue")
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "issue.pdf"
    old = cold_build(m, out, cache)
    set_article(m, "a0.md", "新标题", ["新加的一段话。"])
    p = stalled_build(m, out, cache, tmp_path / "ready")
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130 and "interrupted" in err.decode()
    assert out.read_bytes() == old and os.listdir(out.parent) == ["issue.pdf"]
    assert cold_build(m, out, cache) != old and os.listdir(out.parent) == ["issue.pdf"]


def _full_disk_in(folder: Path, monkeypatch) -> None:
    """Writes into files in `folder` fail with ENOSPC after their first 4 KB (cache files,
    elsewhere, are written as usual)."""
    import typeset.fsutil as F
    real = F._write_fd

    def full(fd, data):
        path = os.readlink(f"/proc/self/fd/{fd}")
        if Path(path).parent == folder and os.lseek(fd, 0, os.SEEK_CUR) + len(data) > 4096:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)
    monkeypatch.setattr(F, "_write_fd", full)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
def test_a_full_disk_while_writing_keeps_the_old_file_and_no_temporary(tmp_path, cache,
                                                                          monkeypatch):
    """The disk fills while the PDF is written — streamed by `build`, whole by a session: a
    TypesetError naming the path and the full disk (no traceback), the earlier file as it
    was, no temporary file; once there is room the session writes the cold build's bytes."""
    from typeset.build import build
    from typeset.errors import TypesetError
    from typeset.session import Session

    m = write_issue(tmp_path / "issue")
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "issue.pdf"
    build(m, out)
    old = out.read_bytes()
    set_article(m, "a0.md", "新标题", ["新加的一段话。"])
    with monkeypatch.context() as mp:
        _full_disk_in(folder, mp)
        with pytest.raises(TypesetError, match="no space left"):
            build(m, out)
        assert out.read_bytes() == old and os.listdir(folder) == ["issue.pdf"]
        s = Session(m, output=out)
        r = s.rebuild()
        assert not r.ok and "no space left" in r.errors[0] and str(out) in r.errors[0]
        assert out.read_bytes() == old and os.listdir(folder) == ["issue.pdf"]
    r = s.rebuild()
    s.close()
    assert r.ok and out.read_bytes() == cold_build(m, tmp_path / "cold.pdf", tmp_path / "e")


def test_watch_sees_a_save_made_while_it_rebuilds(tmp_path, cache):
    """A save of an article the watch already watched, made while the issue is being rebuilt
    (after the session read the article), is seen: another rebuild follows and the PDF is
    the cold build's (the control of test_adv7_findings'
    test_watch_sees_a_save_of_a_new_article_made_while_its_first_build_runs)."""
    from tests.adv7kit import SaveDuringRebuild
    from tests.watchkit import Watching, save
    from typeset.watch.rebuild import SessionBuild

    m = write_issue(tmp_path / "issue", articles=2, paragraphs=2, sections=1)
    a0 = m.parent / "articles" / "a0.md"
    out = tmp_path / "watch.pdf"
    rebuilder = SaveDuringRebuild(SessionBuild(m, output=out), 2, a0,
                                   article_text("后来改的标题", ["第二次保存的内容。"]))
    w = Watching(m, out, rebuilder=rebuilder)
    try:
        save(a0, article_text("第一次改的标题", ["第一次保存的内容。"]))
        w.wait_step(2)
        w.settle(1.0)
    finally:
        w.close()
    assert out.read_bytes() == cold_build(m, tmp_path / "cold.pdf", tmp_path / "empty")


def test_check_pdf_accepts_what_a_session_writes(tmp_path, cache):
    """`typeset check --pdf` accepts the print file a session writes after corrections that
    bring in supplementary characters and the three faces."""
    from typeset.session import Session

    m = write_issue(tmp_path / "issue")
    out = tmp_path / "s.pdf"
    with Session(m, output=out) as s:
        assert s.rebuild().ok
        set_article(m, "a1.md", "标题𦢊", ["正文𠂊*斜体𨂊*与**粗体𦢊**。", SENTENCES[3] * 8])
        assert s.rebuild().ok
    r = check_pdf(out, cache)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_picture_saved_as_editors_save_it_is_printed_anew(tmp_path, cache):
    """A placed picture replaced by a file of the same size renamed over it (a new inode, as
    editors and `rsync` save), and then written in place with a new modification time: each
    time the session prints the picture the file holds, the cold build's bytes (the control
    of test_adv7_findings' in-place replacement keeping the modification time)."""
    from tests.adv7kit import png
    from typeset.session import Session

    m, pic = issue_with_picture(tmp_path / "issue")
    out = tmp_path / "s.pdf"
    with Session(m, output=out) as s:
        assert s.rebuild().ok and picture_sizes(out) == [(600, 400)]
        png(tmp_path / "new.png", (300, 600), (60, 60, 200), 20000)
        os.replace(tmp_path / "new.png", pic)
        assert s.rebuild().ok and picture_sizes(out) == [(300, 600)]
        png(tmp_path / "third.png", (400, 400), (90, 90, 90), 20000)
        pic.write_bytes((tmp_path / "third.png").read_bytes())       # in place, mtime moves
        assert s.rebuild().ok and picture_sizes(out) == [(400, 400)]
    assert out.read_bytes() == cold_build(m, tmp_path / "cold.pdf", tmp_path / "empty")


def test_an_archive_session_writes_what_an_archive_build_writes(tmp_path, cache):
    """A session of the archive variant (PDF/A-2u) after corrections that bring in
    supplementary characters and the three faces, then take them out: the bytes of
    `typeset build --variant archive` with an empty cache, and `check --pdf` accepts them."""
    from typeset.session import Session

    m = write_issue(tmp_path / "issue")
    out = tmp_path / "s.pdf"
    with Session(m, output=out, variant="archive") as s:
        assert s.rebuild().ok
        set_article(m, "a0.md", "标题𦢊", ["正文𠂊*斜体𨂊*与**粗体𦢊**。"] * 3)
        assert s.rebuild().ok
        assert out.read_bytes() == cold_build(m, tmp_path / "c1.pdf", tmp_path / "e1",
                                              "--variant", "archive")
        set_article(m, "a0.md", "第1篇 调查报告", [SENTENCES[0]])
        assert s.rebuild().ok
    assert out.read_bytes() == cold_build(m, tmp_path / "c2.pdf", tmp_path / "e2",
                                          "--variant", "archive")
    r = check_pdf(out, cache)
    assert r.returncode == 0 and "PDF/A-2u" in r.stdout, r.stdout + r.stderr


def test_a_session_without_caches_writes_none_and_the_cold_bytes(tmp_path, cache):
    """`Session(use_cache=False)`: after a correction, the cold build's bytes, and nothing
    written under $TYPESET_CACHE (no cache file, no key)."""
    from typeset.session import Session

    m = write_issue(tmp_path / "issue")
    out = tmp_path / "s.pdf"
    with Session(m, output=out, use_cache=False) as s:
        assert s.rebuild().ok
        set_article(m, "a2.md", "改过𦢊", ["又改了一段𨂊。"] * 4)
        assert s.rebuild().ok
    assert not cache.exists() or not any(cache.rglob("*"))
    assert out.read_bytes() == cold_build(m, tmp_path / "cold.pdf", tmp_path / "empty")


def test_watch_builds_once_a_missing_picture_beside_the_articles_is_saved(tmp_path, cache):
    """A correction placing a picture not there yet, beside the articles: the watch shows
    "picture not found"; once the picture is saved, a rebuild follows and the PDF is the
    cold build's (the control of test_adv7_findings'
    test_watch_builds_once_a_missing_picture_in_a_new_folder_is_saved)."""
    from tests.adv7kit import png
    from tests.watchkit import Watching, save

    m = write_issue(tmp_path / "issue", articles=2, paragraphs=2, sections=1)
    a0 = m.parent / "articles" / "a0.md"
    out = tmp_path / "watch.pdf"
    w = Watching(m, out)
    try:
        save(a0, article_text("有图的文章", ["图在下面。"], "\n![新拍的照片](new.png){width=half}\n"))
        w.wait_step(1)
        assert "picture not found" in w.lines[-1]
        png(m.parent / "articles" / "new.png", (400, 300), (10, 100, 10), 9000)
        w.wait_step(2)
        w.settle(1.0)
    finally:
        w.close()
    assert out.read_bytes() == cold_build(m, tmp_path / "cold.pdf", tmp_path / "empty-cache")
