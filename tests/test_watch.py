"""`typeset watch`: the rebuild loop, the preview's state over HTTP, the files watched, the
error panel, robustness (a manifest that does not load, files deleted and made again, a port
in use, Ctrl-C), and that nothing but the PDF is written. No browser here
(tests/test_watch_browser.py drives one)."""
from __future__ import annotations

import http.client
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.watchkit import (ARTICLE, EDIT, SAMPLE, Watching, files_under, manifest_text,
                            page_texts, save, tiny_issue)
from typeset.cli import main
from typeset.errors import TypesetError
from typeset.watch.files import FileWatch, listing
from typeset.watch.page import page_html
from typeset.watch.preview import Preview, State
from typeset.watch.rebuild import Outcome, PageInfo, Problem

ROOT = Path(__file__).resolve().parents[1]


# -- the rebuild loop on the sample issue -----------------------------------------------------

@pytest.fixture(scope="module")
def sample_watch(tmp_path_factory):
    base = tmp_path_factory.mktemp("watch")
    shutil.copytree(SAMPLE, base / "sample")
    (base / "out").mkdir()
    w = Watching(base / "sample" / "issue.yaml", base / "out" / "sample.pdf")
    w.base = base
    yield w
    w.close()


def _sample_pages() -> int:
    from tests.conftest import SAMPLE
    from typeset.build import compose
    return len(compose(SAMPLE).pages)


SAMPLE_PAGES = _sample_pages()



def test_first_build_writes_what_build_writes_and_serves_every_page(sample_watch, tmp_path):
    w = sample_watch
    first = w.wait_step(0)
    assert first.outcome.ok and first.change is None
    pdf = w.base / "out" / "sample.pdf"
    from typeset.build import compose, write
    write(compose(w.base / "sample" / "issue.yaml"), tmp_path / "build.pdf")
    assert pdf.read_bytes() == (tmp_path / "build.pdf").read_bytes()     # the same file

    s = w.state()
    from typeset.proof import page_names
    pages = compose(w.base / "sample" / "issue.yaml").pages
    n = len(pages)
    assert s["error"] is None and s["title"] == "广西政协工作 2024年第2期"
    assert len(s["pages"]) == n and n % 2 == 0
    assert [p["name"] for p in s["pages"]] == page_names(pages)
    assert [p["name"] for p in s["pages"][:2]] == ["封一", "封二"]
    # spreads as the sheets fold: page 1 alone on the right, then 2|3, …, the last alone
    assert s["spreads"][:3] == [[None, 0], [1, 2], [3, 4]] and s["spreads"][-1] == [n - 1, None]
    assert len({p["version"] for p in s["pages"]}) == n
    status, headers, body = w.get(f"/page/2.png?v={s['pages'][2]['version']}")
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert body.startswith(b"\x89PNG")
    from PIL import Image
    im = Image.open(io.BytesIO(body))
    assert im.size == (s["pages"][2]["width"], s["pages"][2]["height"]) == (698, 982)  # 96 dpi
    status, headers, body = w.get("/")
    assert status == 200 and "text/html" in headers["Content-Type"]
    page = body.decode("utf-8")
    assert "广西政协工作 2024年第2期" in page and "EventSource" in page
    assert "http://" not in page.replace(w.url, "") and "https://" not in page   # offline


def test_a_paragraph_edit_changes_the_pdf_and_only_its_page(sample_watch):
    w = sample_watch
    w.settle()
    before = w.state()
    pdf_path = w.base / "out" / "sample.pdf"
    old_pdf = pdf_path.read_bytes()
    article = w.base / "sample" / ARTICLE
    n = len(w.steps)
    save(article, article.read_text(encoding="utf-8").replace(EDIT[0], EDIT[1], 1))
    step = w.wait_step(n)
    assert step.outcome.ok and step.change.paths == [str(article)]
    new_pdf = pdf_path.read_bytes()
    assert new_pdf != old_pdf
    texts = page_texts(new_pdf)
    holding = [i for i, t in enumerate(texts) if "知情人" in t.replace("\n", "")]
    assert len(holding) == 1
    assert "明白的知情人" in texts[holding[0]].replace("\n", "")
    after = w.state()
    assert after["generation"] > before["generation"]
    bumped = [i for i, (a, b) in enumerate(zip(before["pages"], after["pages"]))
              if a["version"] != b["version"]]
    assert bumped == holding == step.applied.updated
    assert after["pages"][holding[0]]["name"] in after["status"]
    # the rebuilder only renders what may have changed; here a page or two, not all
    assert len(step.applied.rendered) < 5
    assert any("1 page(s) changed" in line and ARTICLE.split("/")[1] in line
               for line in w.lines)


def test_a_broken_save_is_served_with_file_line_and_the_pages_stay(sample_watch):
    w = sample_watch
    w.settle()
    manifest = w.base / "sample" / "issue.yaml"
    good = manifest.read_text(encoding="utf-8")
    pdf_before = (w.base / "out" / "sample.pdf").read_bytes()
    before = w.state()
    n = len(w.steps)
    save(manifest, good.replace("number: 2", "number: [2 <b>&"))
    step = w.wait_step(n)
    assert not step.outcome.ok
    s = w.state()
    err = s["error"]
    assert err["location"] == f"{manifest}:7:5" and err["line"] == 7
    assert "malformed YAML" in err["message"] and err["hint"]
    assert [p["version"] for p in s["pages"]] == [p["version"] for p in before["pages"]]
    assert (w.base / "out" / "sample.pdf").read_bytes() == pdf_before     # unchanged
    page = w.get("/")[2].decode("utf-8")
    assert f"{manifest}:7:5" in page and "malformed YAML" in page
    assert any("error" in line and "issue.yaml:7:5" in line and "\n  hint: " in line
               and line.endswith("is unchanged (the preview shows it)") for line in w.lines)
    status, _, png = w.get("/page/5.png")
    assert status == 200 and png.startswith(b"\x89PNG")           # the last good pages

    save(manifest, good)
    step = w.wait_step(n + 1)
    assert step.outcome.ok
    s = w.state()
    assert s["error"] is None and len(s["pages"]) == SAMPLE_PAGES
    # the same sources again: every page's pixels as before, no version bumped
    assert [p["version"] for p in s["pages"]] == [p["version"] for p in before["pages"]]


def test_events_stream_tells_each_new_generation(sample_watch):
    w = sample_watch
    w.settle()
    c = http.client.HTTPConnection("127.0.0.1", w.port, timeout=30)
    c.request("GET", "/events")
    r = c.getresponse()
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/event-stream")
    assert r.fp.readline() == b"retry: 1000\n"
    gen = int(r.fp.readline().split(b":")[1])
    assert gen == w.state()["generation"]
    article = w.base / "sample" / "articles" / "01-zhuxi-huiyi.md"
    os.utime(article)                     # touched: rebuilt, nothing changes but the state
    lines = []
    while len([x for x in lines if x.startswith(b"data:")]) < 1:
        lines.append(r.fp.readline())
    assert int(lines[-1].split(b":")[1]) > gen
    c.close()


def test_the_server_answers_only_to_this_machine(sample_watch):
    w = sample_watch
    status, _, body = w.get("/state", host=f"attacker.example:{w.port}")
    assert status == 421
    assert w.get("/page/400.png")[0] == 404
    assert w.get("/../../etc/passwd")[0] == 404
    assert w.get("/state", host=f"localhost:{w.port}")[0] == 200


def test_the_session_plugs_in(tmp_path):
    """`SessionBuild` (typeset.session.Session, issue 13 part 4) in the same loop: an edit
    changes exactly its page, a broken save is served, the fix clears it."""
    pytest.importorskip("typeset.session", reason="typeset.session (issue 13) is not here yet")
    from typeset.watch.rebuild import SessionBuild

    shutil.copytree(SAMPLE, tmp_path / "sample")
    manifest = tmp_path / "sample" / "issue.yaml"
    w = Watching(manifest, tmp_path / "out.pdf",
                 rebuilder=SessionBuild(manifest, output=tmp_path / "out.pdf"))
    try:
        assert w.wait_step(0).outcome.ok and len(w.state()["pages"]) == SAMPLE_PAGES
        n = w.settle()
        before = w.state()
        article = tmp_path / "sample" / ARTICLE
        save(article, article.read_text(encoding="utf-8").replace(EDIT[0], EDIT[1], 1))
        step = w.wait_step(n)
        assert step.outcome.ok and len(step.applied.updated) == 1
        after = w.state()
        assert [i for i, (a, b) in enumerate(zip(before["pages"], after["pages"]))
                if a["version"] != b["version"]] == step.applied.updated
        assert "明白的知情人" in page_texts((tmp_path / "out.pdf").read_bytes())[
            step.applied.updated[0]].replace("\n", "")
        good = manifest.read_text(encoding="utf-8")
        save(manifest, good.replace("number: 2", "number: [2"))
        assert not w.wait_step(n + 1).outcome.ok
        assert w.state()["error"]["location"] == f"{manifest}:7:5"
        save(manifest, good)
        assert w.wait_step(n + 2).outcome.ok and w.state()["error"] is None
    finally:
        w.close()


# -- the files watched ------------------------------------------------------------------------

@pytest.fixture(params=[True, False], ids=["events", "polling"])
def events(request):
    return request.param


def _wait_in_thread(fw: FileWatch, stop=None, timeout=5.0):
    got: dict = {}
    t = threading.Thread(target=lambda: got.setdefault("c", fw.wait(stop, timeout)))
    t.start()
    return t, got


@pytest.mark.parametrize("how", ["in place", "renamed over", "deleted", "deleted and made again"])
def test_a_save_is_seen_however_it_is_made(tmp_path, events, how):
    f = tmp_path / "a.md"
    f.write_text("one", encoding="utf-8")
    fw = FileWatch([str(f)], events=events)
    try:
        t, got = _wait_in_thread(fw)
        time.sleep(0.1)
        if how == "in place":
            with open(f, "a", encoding="utf-8") as fh:
                fh.write(" more")
        elif how == "renamed over":
            tmp = tmp_path / "a.md.tmp"
            tmp.write_text("two", encoding="utf-8")    # same size: the inode says it
            os.replace(tmp, f)
        elif how == "deleted":
            f.unlink()
        else:
            f.unlink()
            time.sleep(0.01)
            f.write_text("one", encoding="utf-8")
        t.join()
        assert got["c"] is not None and got["c"].paths == [str(f)]
    finally:
        fw.close()



def test_a_file_saved_just_before_a_rebuild_is_not_taken_for_one_saved_during_it(tmp_path):
    """`since` is later by the file clock than every change before it (watch.files.fresh_tick):
    a file changed right before the rebuild began (in the same tick of the coarse clock file
    times come from, or with a finer time than it: multigrain timestamps) is watched with its
    own stamp, not as possibly changed (which made a second, needless rebuild); one changed
    after `since` is still seen as changed."""
    from typeset.watch.files import UNSURE, fresh_tick, stamp

    before, during = tmp_path / "before.md", tmp_path / "during.md"
    for _ in range(20):                     # (each try: a save, then at once the rebuild)
        before.write_text("one", encoding="utf-8")
        since = fresh_tick()
        during.write_text("two", encoding="utf-8")
        fw = FileWatch([], events=False)
        try:
            fw.watch([str(before), str(during)], since=since)
            assert fw.changed({str(before): stamp(str(before))}) == []
            assert fw.changed({str(during): stamp(str(during))}) == [str(during)]
            assert fw._files[str(during)] == UNSURE
        finally:
            fw.close()

def test_several_quick_saves_make_one_change(tmp_path, events):
    files = [tmp_path / f"{k}.md" for k in range(3)]
    for p in files:
        p.write_text("x", encoding="utf-8")
    # a quiet time of 0.3 s (0.05 s in use) so that a loaded machine cannot stretch the
    # 20 ms between saves past it
    fw = FileWatch([str(p) for p in files], events=events, quiet=0.3)
    try:
        t, got = _wait_in_thread(fw)
        time.sleep(0.1)
        for k in range(6):                     # 6 saves, 20 ms apart
            files[k % 3].write_text("y" * (k + 2), encoding="utf-8")
            time.sleep(0.02)
        t.join()
        assert sorted(got["c"].paths) == sorted(str(p) for p in files)
        assert got["c"].settled - got["c"].first_seen >= 0.3
        assert fw.wait(timeout=0.5) is None       # nothing left over: one rebuild
    finally:
        fw.close()


def test_a_change_during_the_rebuild_is_seen_next(tmp_path, events):
    f = tmp_path / "a.md"
    f.write_text("one", encoding="utf-8")
    fw = FileWatch([str(f)], events=events)
    try:
        t, got = _wait_in_thread(fw)
        time.sleep(0.1)
        f.write_text("two!", encoding="utf-8")
        t.join()
        assert got["c"].paths == [str(f)]
        f.write_text("three", encoding="utf-8")       # "while the issue is rebuilt"
        fw.watch([str(f)])                            # the rebuild names its inputs again
        change = fw.wait(timeout=3)
        assert change is not None and change.paths == [str(f)]
    finally:
        fw.close()


def test_folders_see_new_sources_but_not_editor_files(tmp_path, events):
    fw = FileWatch([], [str(tmp_path)], events=events)
    try:
        for name in (".a.md.swp", "4913", "a.md~", "#a.md#", ".#a.md"):
            (tmp_path / name).write_text("x", encoding="utf-8")
        assert fw.wait(timeout=0.4) is None
        t, got = _wait_in_thread(fw)
        (tmp_path / "new.md").write_text("x", encoding="utf-8")
        t.join()
        assert got["c"].paths == [str(tmp_path)]
        assert listing(str(tmp_path)) == ("new.md",)
    finally:
        fw.close()


def test_stop_ends_the_wait(tmp_path, events):
    fw = FileWatch([str(tmp_path / "missing.md")], events=events)
    stop = threading.Event()
    t, got = _wait_in_thread(fw, stop, timeout=None)
    time.sleep(0.1)
    stop.set()
    t.join(2)
    assert not t.is_alive() and got["c"] is None
    fw.close()


# -- robustness on a small issue --------------------------------------------------------------

def test_an_article_added_to_the_manifest_is_watched_next(tmp_path):
    manifest = tiny_issue(tmp_path / "issue")
    w = Watching(manifest, tmp_path / "out.pdf")
    try:
        assert w.wait_step(0).outcome.ok
        new = tmp_path / "issue" / "a2.md"
        new.write_text("---\ntitle: 第三篇\n---\n\n新的文章。\n", encoding="utf-8")
        n = w.settle()
        save(manifest, manifest_text(["a0.md", "a1.md", "a2.md"]))
        assert w.wait_step(n).outcome.ok
        assert any("新的文章" in t for t in page_texts((tmp_path / "out.pdf").read_bytes()))
        save(new, "---\ntitle: 第三篇\n---\n\n改过的文章。\n")
        step = w.wait_step(n + 1)
        assert step.outcome.ok and step.change.paths == [str(new)]
        assert any("改过的文章" in t for t in page_texts((tmp_path / "out.pdf").read_bytes()))
    finally:
        w.close()


def test_an_article_deleted_and_made_again(tmp_path):
    manifest = tiny_issue(tmp_path / "issue")
    w = Watching(manifest, tmp_path / "out.pdf")
    try:
        assert w.wait_step(0).outcome.ok
        a1 = tmp_path / "issue" / "a1.md"
        text = a1.read_text(encoding="utf-8")
        n = w.settle()
        a1.unlink()
        step = w.wait_step(n)
        assert not step.outcome.ok
        err = w.state()["error"]
        assert err["file"].endswith("issue.yaml") and err["line"] == 6
        assert "a1.md" in err["message"]
        a1.write_text(text.replace("第二段文字", "又写了一遍"), encoding="utf-8")
        step = w.wait_step(n + 1)
        assert step.outcome.ok and w.state()["error"] is None
        assert any("又写了一遍" in t for t in page_texts((tmp_path / "out.pdf").read_bytes()))
    finally:
        w.close()


def test_a_manifest_that_does_not_load_at_the_start(tmp_path):
    folder = tmp_path / "issue"
    manifest = tiny_issue(folder)
    good = manifest.read_text(encoding="utf-8")
    manifest.write_text(good.replace("year: 2025", "year: [2025"), encoding="utf-8")
    w = Watching(manifest, tmp_path / "out.pdf")
    try:
        first = w.wait_step(0)
        assert not first.outcome.ok
        s = w.state()
        assert s["pages"] == [] and s["error"]["location"] == f"{manifest}:3:7"
        assert "malformed YAML" in s["error"]["message"]
        assert any("error" in line and str(manifest) in line for line in w.lines)
        assert "No page has been built yet" in w.get("/")[2].decode("utf-8")
        assert not (tmp_path / "out.pdf").exists()
        save(manifest, good)
        assert w.wait_step(1).outcome.ok
        s = w.state()
        assert s["error"] is None and len(s["pages"]) >= 2
    finally:
        w.close()


def test_an_article_named_before_it_exists_is_seen_when_made(tmp_path):
    """While the build fails, the manifest's folder is watched: a missing article that
    appears is picked up."""
    folder = tmp_path / "issue"
    manifest = tiny_issue(folder)
    manifest.write_text(manifest_text(["a0.md", "a1.md", "later.md"]), encoding="utf-8")
    w = Watching(manifest, tmp_path / "out.pdf")
    try:
        assert not w.wait_step(0).outcome.ok
        (folder / "later.md").write_text("---\ntitle: 后来的\n---\n\n后来写的。\n",
                                         encoding="utf-8")
        assert w.wait_step(1).outcome.ok
    finally:
        w.close()


def test_nothing_but_the_pdf_is_written(tmp_path, monkeypatch):
    folder = tmp_path / "issue"
    manifest = tiny_issue(folder)
    monkeypatch.chdir(tmp_path)
    before = files_under(tmp_path)
    w = Watching(manifest, None)              # the default: out/<issue folder>.pdf
    try:
        assert w.wait_step(0).outcome.ok
        n = w.settle()
        save(folder / "a0.md", (folder / "a0.md").read_text(encoding="utf-8") + "\n再加一段。\n")
        assert w.wait_step(n).outcome.ok
        w.settle()
    finally:
        w.close()
    after = files_under(tmp_path)
    assert sorted(set(after) - set(before)) == ["out/issue.pdf"]
    assert set(before) <= set(after)
    assert [k for k in before if before[k] != after[k]] == ["issue/a0.md"]     # the edit


def test_the_output_is_never_an_input(tmp_path):
    manifest = tiny_issue(tmp_path / "issue")
    w = Watching(manifest, tmp_path / "issue" / "a0.pdf")
    try:
        assert w.wait_step(0).outcome.ok
        n = w.settle()
        # the output path becomes an article (a hard link to it): refused, never written
        (tmp_path / "issue" / "a0.pdf").unlink()
        os.link(tmp_path / "issue" / "a1.md", tmp_path / "issue" / "a0.pdf")
        save(manifest, manifest_text(["a0.md", "a1.md"]) + "# touched\n")
        step = w.wait_step(n)
        assert not step.outcome.ok
        assert "the output path is an article of the issue" in step.outcome.problem.message
        assert (tmp_path / "issue" / "a1.md").read_text(encoding="utf-8").startswith("---")
    finally:
        w.close()


class _Broken:
    """A rebuilder with a bug on its second call."""

    def __init__(self, manifest):
        self.manifest = manifest
        self.calls = 0

    def rebuild(self):
        self.calls += 1
        if self.calls == 2:
            try:
                raise ZeroDivisionError("division by zero")
            except ZeroDivisionError as err:
                return Outcome(False, problem=Problem.from_bug(err))
        return Outcome(False, problem=Problem("no such thing <i>", str(self.manifest), 2, 1,
                                              "hint & more"))

    def inputs(self):
        return [("manifest", str(self.manifest))]

    def close(self):
        pass


def test_a_bug_is_shown_and_watching_goes_on(tmp_path):
    manifest = tiny_issue(tmp_path / "issue")
    w = Watching(manifest, tmp_path / "out.pdf", rebuilder=_Broken(manifest))
    try:
        w.wait_step(0)
        os.utime(manifest, ns=(1, 1))
        step = w.wait_step(1)
        assert step.outcome.problem.bug
        assert "internal error (a bug in typeset" in w.state()["error"]["message"]
        os.utime(manifest, ns=(2, 2))
        w.wait_step(2)
        assert w.state()["error"]["message"] == "no such thing <i>"
    finally:
        w.close()


class _Flaky:
    """A rebuilder whose second outcome holds a PDF PDFium cannot open."""

    def __init__(self, manifest, pdf: bytes, pages):
        self.manifest, self.pdf, self.pages = manifest, pdf, pages
        self.calls = 0

    def rebuild(self):
        self.calls += 1
        if self.calls == 2:
            return Outcome(True, b"%PDF-1.4 not really", self.pages, [])
        return Outcome(True, self.pdf, self.pages, None if self.calls == 1 else [])

    def inputs(self):
        return [("manifest", str(self.manifest))]

    def close(self):
        pass


def test_a_preview_that_fails_is_shown_and_the_next_build_renders_every_page(tmp_path):
    from typeset.build import compose, render
    manifest = tiny_issue(tmp_path / "issue")
    comp = compose(manifest)
    pages = [PageInfo(str(i), p.kind, p.label) for i, p in enumerate(comp.pages)]
    w = Watching(manifest, tmp_path / "out.pdf",
                 rebuilder=_Flaky(manifest, render(comp), pages))
    try:
        assert len(w.wait_step(0).applied.rendered) == len(pages)
        os.utime(manifest, ns=(1, 1))
        step = w.wait_step(1)
        assert not step.outcome.ok and step.outcome.problem.bug
        assert "preview could not show it" in w.state()["status"]
        os.utime(manifest, ns=(2, 2))
        step = w.wait_step(2)           # says nothing changed; the preview renders all again
        assert step.outcome.ok and len(step.applied.rendered) == len(pages)
        assert w.state()["error"] is None
    finally:
        w.close()


# -- the page -----------------------------------------------------------------------------------

def test_the_error_panel_is_escaped():
    p = Problem('bad <script>alert("x")</script> & more', "a<b>.md", 3, 4, "<hint>")
    state = State(5, "T <b>", (), p, "failed <now>", "", False, False)
    page = page_html(state)
    assert "<script>alert" not in page
    assert "bad &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in page
    assert "a&lt;b&gt;.md:3:4" in page and "hint: &lt;hint&gt;" in page
    assert "failed &lt;now&gt;" in page and "T &lt;b&gt;" in page
    assert "textContent" in page and "innerHTML" not in page


def test_problem_from_text_reads_file_line_column():
    p = Problem.from_text("issues/x/issue.yaml:7:5: malformed YAML: x\n  hint: check it")
    assert (p.file, p.line, p.column, p.message, p.hint) == \
        ("issues/x/issue.yaml", 7, 5, "malformed YAML: x", "check it")
    p = Problem.from_text("a.md:3: no glyph")
    assert (p.file, p.line, p.column, p.message) == ("a.md", 3, None, "no glyph")
    assert Problem.from_text("out of memory").file is None
    e = TypesetError("m", file="f.md", line=2, column=1, hint="h")
    assert str(Problem.from_error(e)) == str(e)


def test_preview_keeps_versions_of_unchanged_pixels():
    from typeset.build import compose, render
    comp = compose(SAMPLE / "issue.yaml")
    pdf = render(comp)
    pages = [PageInfo(str(i), p.kind, p.label) for i, p in enumerate(comp.pages)]
    pv = Preview(dpi=30)
    pv.apply(Outcome(True, pdf, pages, None))
    v1 = [p.version for p in pv.snapshot().pages]
    done = pv.apply(Outcome(True, pdf, pages, [0, 5, 7]))       # said changed, are not
    assert done.rendered == [0, 5, 7] and done.updated == []
    assert [p.version for p in pv.snapshot().pages] == v1
    pv.apply(Outcome(False, problem=Problem("x")))
    assert pv.snapshot().problem is not None and [p.version for p in pv.snapshot().pages] == v1
    done = pv.apply(Outcome(True, pdf, pages[:3], []))            # fewer pages
    assert done.removed == len(pages) - 3 and pv.snapshot().problem is None


# -- the command --------------------------------------------------------------------------------

def test_a_port_in_use_is_a_message(tmp_path, capsys):
    manifest = tiny_issue(tmp_path / "issue")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["watch", str(manifest), "--port", str(port), "-o",
                     str(tmp_path / "out.pdf")]) == 1
    err = capsys.readouterr().err
    assert f"port {port} is in use on 127.0.0.1" in err and "--port" in err
    assert "Traceback" not in err and not (tmp_path / "out.pdf").exists()


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_a_port_that_is_no_port_is_a_usage_error(tmp_path, port, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["watch", str(tmp_path / "issue.yaml"), "--port", port])
    assert exc.value.code == 2
    assert "--port" in capsys.readouterr().err


def test_a_bad_output_path_is_refused_at_the_start(tmp_path, capsys):
    manifest = tiny_issue(tmp_path / "issue")
    assert main(["watch", str(manifest), "-o", str(tmp_path / "out.yaml")]) == 1
    assert "must end in .pdf" in capsys.readouterr().err
    assert main(["watch", str(manifest), "-o", str(tmp_path / "no" / "out.pdf")]) == 1
    assert "does not exist" in capsys.readouterr().err


def _watch_process(manifest: Path, out: Path, cwd: Path) -> tuple[subprocess.Popen, list[str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "typeset", "watch", str(manifest), "-o",
                             str(out)], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines = []
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if " built " in line or " error" in line:
            return proc, lines
    proc.kill()
    raise AssertionError(f"no first build: {lines} {proc.stderr.read()}")


def test_ctrl_c_stops_cleanly_and_names_the_last_pdf(tmp_path):
    manifest = tiny_issue(tmp_path / "issue")
    proc, lines = _watch_process(manifest, tmp_path / "out.pdf", tmp_path)
    assert "preview at http://127.0.0.1:" in lines[0]
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "stopped watching; the last PDF written: out.pdf (" in err
    assert "Traceback" not in err
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")


def test_kill_stops_as_ctrl_c_does(tmp_path):
    manifest = tiny_issue(tmp_path / "issue")
    proc, _ = _watch_process(manifest, tmp_path / "out.pdf", tmp_path)
    proc.terminate()
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and "the last PDF written: out.pdf" in err
    assert sorted(os.listdir(tmp_path)) == ["issue", "out.pdf"]      # no temporary file


def test_ctrl_c_before_any_pdf_says_none_was_written(tmp_path):
    manifest = tiny_issue(tmp_path / "issue")
    manifest.write_text("layout: guangxi\nyear: [\n", encoding="utf-8")
    (tmp_path / "out.pdf").write_bytes(b"%PDF-earlier")
    proc, lines = _watch_process(manifest, tmp_path / "out.pdf", tmp_path)
    assert "issue.yaml:" in lines[-1]
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "no PDF was written (an earlier file at out.pdf is unchanged)" in err
    assert (tmp_path / "out.pdf").read_bytes() == b"%PDF-earlier"


# -- wave 7 adversarial findings (1, 3, 4): the watch prints what the files hold -----------------
from tests.adv7kit import (SaveDuringRebuild, article_text, cold_build,  # noqa: E402
                           issue_with_picture, picture_sizes, png, write_issue)
from typeset.watch.rebuild import SessionBuild  # noqa: E402


@pytest.fixture()
def adv7_cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"



def test_watch_shows_the_picture_saved_in_place_with_the_same_size_and_mtime(tmp_path, adv7_cache):
    """A picture overwritten in place with the same size, keeping its modification time (as
    tests/test_incremental.py tests for the session), seen from `typeset watch` (the same root cause:
    session._picture_states): the watch sees the save (its stamp includes ctime) and
    rebuilds, then says "after a save of …/p.png; no page changed" and the PDF it wrote
    still shows the old picture (600x400, the file now holds 300x600)."""
    m, pic = issue_with_picture(tmp_path / "issue")
    out = tmp_path / "watch.pdf"
    w = Watching(m, out)
    try:
        before = os.stat(pic)
        png(tmp_path / "other.png", (300, 600), (60, 60, 200), 20000)
        with open(pic, "r+b") as f:
            f.write((tmp_path / "other.png").read_bytes())
        os.utime(pic, ns=(before.st_atime_ns, before.st_mtime_ns))
        w.wait_step(1)
        w.settle(1.0)
    finally:
        w.close()
    assert "p.png" in w.lines[-1]                     # the save was seen, a rebuild made
    assert picture_sizes(out) == [(300, 600)], w.lines[-1]


def test_watch_sees_a_save_of_a_new_article_made_while_its_first_build_runs(tmp_path,
                                                                               adv7_cache):
    """The desk adds an article to the manifest and saves it; while `typeset watch` rebuilds
    (the session has read the new article), the article is saved again (a second "save all",
    an editor writing in steps). README, "Seeing a save": "a save made while the issue was
    being rebuilt (the next rebuild follows)". Until wave 7 (72c92a5) that holds only for files watched
    before: a file the rebuild brought in is stamped after the rebuild
    (`FileWatch.watch` -> `stamp(f)`), so the later save is never seen; no rebuild follows and
    the PDF keeps the article's first text until some other save (a cold build prints the
    second). The same save to an article watched before is seen
    (test_adv7_holds: test_watch_sees_a_save_made_while_it_rebuilds)."""

    m = write_issue(tmp_path / "issue", articles=2, paragraphs=2, sections=1)
    new = m.parent / "articles" / "new.md"
    out = tmp_path / "watch.pdf"
    rebuilder = SaveDuringRebuild(SessionBuild(m, output=out), 2, new,
                                   article_text("后来改的标题", ["第二次保存的内容。"]))
    w = Watching(m, out, rebuilder=rebuilder)
    try:
        save(new, article_text("新的文章", ["第一次保存的内容。"]))
        save(m, m.read_text(encoding="utf-8").replace(
            "      - articles/a1.md\n", "      - articles/a1.md\n      - articles/new.md\n"))
        w.wait_step(1)                    # the manifest's save: new.md read, then saved again
        steps = w.settle(2.0)
    finally:
        w.close()
    cold = cold_build(m, tmp_path / "cold.pdf", tmp_path / "empty-cache")
    assert steps == 3, f"no rebuild after the save of new.md: {w.lines[-1]}"
    assert out.read_bytes() == cold


def test_watch_sees_a_save_made_while_its_first_build_runs(tmp_path, adv7_cache):
    """The same defect as test_watch_sees_a_save_of_a_new_article_made_while_its_first_build_runs,
    at its most common: `typeset watch` is started, and while its first build runs (the
    slowest: 1.35 s for the sample in the README, seconds for a long issue) the desk saves an
    article. Every file is stamped only after that build (`WatchLoop._rewatch` ->
    `FileWatch.watch`), so this save is never seen: no rebuild follows, and the PDF and the
    preview show the article as it was before the save until something else is saved."""

    m = write_issue(tmp_path / "issue", articles=2, paragraphs=2, sections=1)
    a0 = m.parent / "articles" / "a0.md"
    out = tmp_path / "watch.pdf"
    rebuilder = SaveDuringRebuild(SessionBuild(m, output=out), 1, a0,
                                   article_text("首次构建时保存的标题", ["这一段是在第一次构建时保存的。"]))
    w = Watching(m, out, rebuilder=rebuilder)
    try:
        steps = w.settle(2.0)
    finally:
        w.close()
    cold = cold_build(m, tmp_path / "cold.pdf", tmp_path / "empty-cache")
    assert steps == 2, f"no rebuild after the save made during the first build: {w.lines}"
    assert out.read_bytes() == cold


def test_watch_builds_once_a_missing_picture_in_a_new_folder_is_saved(tmp_path, adv7_cache):
    """An article is corrected to place a picture the desk has not copied yet, in the
    issue's images folder (`../images/new.png`, the layout of the sample issue), and no
    picture of that folder was placed before: the watch shows "picture not found", as it
    should. Then the picture is saved there: a rebuild must follow (as it does when the
    picture goes beside the articles, and as the README promises for an article the
    manifest names before it exists). Until wave 7 (72c92a5) nothing happens, with file events or
    polling: while the build is broken only the folders of the manifest, the articles and
    the pictures of the last good build are watched (`WatchLoop._rewatch`), so the watch
    keeps showing the error and the old PDF until some other file is saved."""

    m = write_issue(tmp_path / "issue", articles=2, paragraphs=2, sections=1)
    (m.parent / "images").mkdir()
    a0 = m.parent / "articles" / "a0.md"
    out = tmp_path / "watch.pdf"
    w = Watching(m, out)
    try:
        save(a0, article_text("有图的文章", ["图在下面。"],
                              "\n![新拍的照片](../images/new.png){width=half}\n"))
        w.wait_step(1)
        assert "picture not found" in w.lines[-1]
        png(m.parent / "images" / "new.png", (400, 300), (10, 100, 10), 9000)
        steps = w.settle(3.0)
    finally:
        w.close()
    assert steps == 3, f"no rebuild once the picture exists: {w.lines[-1]}"
    assert out.read_bytes() == cold_build(m, tmp_path / "cold.pdf", tmp_path / "empty-cache")
