"""Regression tests for the input and layout findings of the trust audit (issue 8; the
audit's reproductions are `tests/test_audit_findings.py` on the `audit` branch): F1 contents
credits off the page and builds that write such pages, F3 a text block too small to hold
anything (and the page builder's loop guard), F5 YAML aliases that multiply text and the
colophon split, F9 template format specs, F10 text silently not printed (byline beside
authors, head_order, block formats), F11 footnote markup, F12 non-finite layout numbers and
measures left without a place, F16 empty colophon entries, F8d symbolic-link loops.

Builds that cannot hang run in-process through `typeset.cli.main`; those that once hung or
ate memory run as `python -m typeset` in a child process with a timeout and an address-space
limit, so a regression costs seconds and never the machine.
"""
from __future__ import annotations

import dataclasses
import os
import re
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from typeset.cli import main
from typeset.errors import TypesetError

ROOT = Path(__file__).resolve().parents[1]
GUANGXI = (ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8")
MANIFEST = ("layout: {layout}\njournal: 测试刊\nyear: 2024\nnumber: 1\nsections:\n"
            "  - title: 栏目\n    articles:\n      - a.md\n{extra}")
# issue.yaml lines: 1 layout, 2 journal, 3 year, 4 number, 5 sections, 6 - title,
# 7 articles, 8 - a.md, 9… extra (colophon: 9, first entry 10, its text 11)
ARTICLE = "---\n{front}\n---\n{body}\n"
EARLIER = b"%PDF-1.4 an earlier good build\n"
MEMORY_LIMIT = 2 << 30


def issue(root: Path, *, front: str = "title: 标题\nauthors: [张三]", body: str = "正文第一段。",
          extra: str = "", layout_text: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    layout = "guangxi"
    if layout_text is not None:
        (root / "lay.yaml").write_text(layout_text, encoding="utf-8")
        layout = "lay.yaml"
    (root / "issue.yaml").write_text(MANIFEST.format(layout=layout, extra=extra),
                                     encoding="utf-8")
    (root / "a.md").write_text(ARTICLE.format(front=front, body=body), encoding="utf-8")
    return root / "issue.yaml"


def layout_with(*changes: tuple[str, str]) -> str:
    text = GUANGXI
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def line_of(text: str, needle: str) -> int:
    """The 1-based line of `needle` in `text`."""
    return text[:text.index(needle)].count("\n") + 1


def build(manifest: Path, capsys, out: Path | None = None) -> tuple[int, str, str, Path]:
    """`typeset build` in-process over an earlier PDF; a failure must leave it unchanged."""
    pdf = out or manifest.parent / "o.pdf"
    pdf.write_bytes(EARLIER)
    code = main(["build", str(manifest), "-o", str(pdf)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if code != 0:
        assert code == 1, captured.err
        assert captured.err.startswith("typeset: error: "), captured.err
        assert pdf.read_bytes() == EARLIER
        assert [p.name for p in pdf.parent.iterdir() if p.name.startswith(".o.pdf")] == []
    return code, captured.out, captured.err, pdf


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def child(*args, cwd: Path, timeout: float) -> tuple[int | None, str, str, float]:
    """`python -m typeset …` in a child process: (status or None after the timeout, stdout,
    stderr, seconds)."""
    env = dict(os.environ)
    env.pop("TYPESET_DEBUG", None)
    start = time.monotonic()
    try:
        p = subprocess.run([sys.executable, "-m", "typeset", *map(str, args)], cwd=cwd, env=env,
                           capture_output=True, text=True, timeout=timeout, preexec_fn=_limit)
    except subprocess.TimeoutExpired:
        return None, "", "", time.monotonic() - start
    return p.returncode, p.stdout, p.stderr, time.monotonic() - start


def python(code: str, timeout: float) -> subprocess.CompletedProcess | None:
    """Run `code` in a child Python (None if it is still running after `timeout`)."""
    try:
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout,
                              preexec_fn=_limit)
    except subprocess.TimeoutExpired:
        return None


def pdf_text(pdf: Path) -> str:
    from tests.pdfinspect import drawn_text, reader

    r = reader(pdf)
    return re.sub(r"\s+", "", "".join(run.text for i in range(len(r.pages))
                                      for run in drawn_text(r, i)))


# ---------------------------------------------------------------------------------------------
# F1: a contents credit wider than the measure; builds never write pages with items off them

NAME = "Alexander Maximilian Fitzgerald"


def test_contents_author_list_wraps_inside_the_text_block(tmp_path, capsys):
    from typeset.build import compose
    from typeset.pagecheck import check_pages

    m = issue(tmp_path, front=f"title: 标题\nauthors: [{', '.join([NAME] * 3)}]")
    code, out, err, pdf = build(m, capsys)
    assert code == 0, err
    assert "0 outside the page, 0 overlaps" in out
    assert pdf_text(pdf).count(NAME.replace(" ", "")) == 6     # the contents and the head
    comp = compose(m)
    lib = comp.book.library
    assert check_pages(comp.pages, lambda f, ch: lib.face(f).advance(ch)) == ([], [])
    # the credit stands on lines of its own, whole names on each, flush right; its last line
    # keeps the leader and the page
    (entry,) = [pl.item for fr in comp.contents_frames for pl in fr.placements
                if getattr(pl.item, "role", "") == "contents-entry"]
    lines = entry.parts[0].lines
    assert [sl.line.text for sl in lines] == ["标题", NAME, NAME, NAME]
    measure = comp.layout.measure
    for sl in lines[1:3]:
        assert sl.x > 0 and abs(sl.x + max(g.x + g.width for g in sl.line.glyphs) - measure) < 0.01
    leader, page = lines[-1].tail
    assert set(leader[0]) == {"…"} and leader[2] >= 0 and page[0].strip() == "(1)"


def test_contents_chinese_author_list_wraps(tmp_path, capsys):
    names = ", ".join(f"姓名{chr(0x4E00 + i)}" for i in range(18))
    m = issue(tmp_path, front=f"title: 关于加强政协工作的意见\nauthors: [{names}]")
    code, out, err, pdf = build(m, capsys)
    assert code == 0, err
    assert "0 outside the page, 0 overlaps" in out
    text = pdf_text(pdf)
    for i in range(18):
        assert text.count(f"姓名{chr(0x4E00 + i)}") == 2    # the contents and the article


def _shifted(comp, how: str):
    """A composition with one text run of the contents moved off the page (`outside`) or
    drawn again on top of another (`overlap`)."""
    from typeset.layout.page import TextRun

    page = comp.pages[0]
    runs = [it for it in page.items if isinstance(it, TextRun) and "标题" in it.text]
    run = runs[0]
    if how == "outside":
        page.items[page.items.index(run)] = dataclasses.replace(run, x=-40.0)
    else:
        page.items.append(dataclasses.replace(run, text="重叠的字"))
    return comp


@pytest.mark.parametrize("forked", [False, True], ids=["report-here", "report-forked"])
@pytest.mark.parametrize("how,words", [("outside", ["p.目录", "标题", "outside the trim box"]),
                                       ("overlap", ["p.目录", "重叠的字", "drawn over"])])
def test_build_writes_no_pdf_with_anything_off_the_page(tmp_path, capsys, monkeypatch, how,
                                                         words, forked):
    """Also when the report (and with it the page check) is made by a forked child while the
    PDF is made (build.report_aside): the same message, nothing written."""
    import typeset.build as B
    from typeset import parallel

    if forked:
        monkeypatch.setattr(B, "REPORT_ASIDE_PAGES", 1)
        monkeypatch.setattr(parallel, "workers", lambda: 2)
    compose = B.compose
    monkeypatch.setattr(B, "compose", lambda *a, **k: _shifted(compose(*a, **k), how))
    m = issue(tmp_path)
    code, out, err, pdf = build(m, capsys)
    assert code == 1
    for word in words:
        assert word in err, err
    assert "typeset check" in err


def test_render_refuses_pages_off_the_trim_box(tmp_path):
    """The check stands in `build.render`, which every command that makes a PDF uses
    (build, batch, archive, rebuild, proof)."""
    from typeset.build import compose, render

    comp = _shifted(compose(issue(tmp_path)), "outside")
    with pytest.raises(TypesetError) as info:
        render(comp, "archive")
    assert "outside the trim box" in info.value.message


# ---------------------------------------------------------------------------------------------
# F3: a text block too small for an article head; the page builder never loops

def test_one_line_text_block_is_refused_at_the_layout_line(tmp_path):
    lay = layout_with(("lines: 28", "lines: 1"),
                      ("line_pitch: 22pt\n  top", "line_pitch: 100pt\n  top"))
    m = issue(tmp_path, front="title: 标题", body="甲" * 40, layout_text=lay)
    rc, out, err, secs = child("build", m, "-o", tmp_path / "o.pdf", cwd=tmp_path, timeout=20)
    assert rc == 1, (rc, err)
    assert f"lay.yaml:{line_of(lay, 'lines: 1')}:" in err
    assert "cannot hold an article head" in err and "hint:" in err


def test_text_block_must_hold_a_subhead_and_two_lines(tmp_path, capsys):
    lay = layout_with(("subhead2: {style: subhead2, indent: 2, continuation_indent: 2, "
                       "line_pitch: 22pt, space_before: 11pt}",
                       "subhead2: {style: subhead2, indent: 2, continuation_indent: 2, "
                       "line_pitch: 22pt, space_before: 600pt}"))
    code, out, err, _ = build(issue(tmp_path, layout_text=lay), capsys)
    assert code == 1 and "lay.yaml:14:" in err and "article.subhead2" in err


def test_page_builder_never_loops_on_a_one_line_page():
    """The loop of the audit (a two-line paragraph on a one-line page) and its relatives: the
    page builder finishes, whatever the page holds."""
    proc = python("""
        from typeset.layout.flow import Band, Part, Run, SetLine, Space, PageBreak
        from typeset.layout.paginate import paginate
        from typeset.text.types import Line
        line = lambda: SetLine(Line([], 100.0, 0.0, 0.0, True), 0.0, 12.0, "body")
        head = Band([Part([line()], 22.0, 0.0, 8.0)], keep_with_next=True, role="head",
                    origin=("a.md", 2))
        items = [PageBreak(), head, Run([line(), line()]), Space(1), Run([line()] * 5),
                 PageBreak(recto=True), head, Run([line()] * 3)]
        frames = paginate(items, 1, 100.0)
        print(len(frames))
        """, timeout=20)
    assert proc is not None, "the page builder loops"
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) >= 10


BROKEN_RULES = {
    # no line ever fits: empty pages, one after another
    "empty pages": """
        def broken(item, new_page, current, place_body, *rest):
            while True:
                new_page()
        """,
    # each page takes a slot of the paragraph but never a line of it: pages without end
    "pages without progress": """
        def broken(item, new_page, current, place_body, *rest):
            while True:
                place_body(P.Placement(item, 0, 0, 0), 1)
                new_page()
        """,
}


@pytest.mark.parametrize("rule", sorted(BROKEN_RULES))
def test_page_builder_guard_names_the_item_it_cannot_place(rule):
    """If a rule ever leaves an item that no page takes, the builder stops with an error at
    the item's source line instead of adding pages for ever."""
    proc = python("""
        import typeset.layout.paginate as P
        from typeset.errors import TypesetError
        from typeset.layout.flow import Run, SetLine
        from typeset.text.types import Line
        """ + BROKEN_RULES[rule] + """
        P._place_run = broken
        line = SetLine(Line([], 100.0, 0.0, 0.0, True), 0.0, 12.0, "body")
        try:
            P.paginate([Run([line] * 3, origin=("a.md", 7))], 28, 22.0)
        except TypesetError as err:
            print(err)
        """, timeout=20)
    assert proc is not None, "the page builder loops"
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("a.md:7: no page can hold the paragraph"), proc.stdout
    assert "hint:" in proc.stdout


# ---------------------------------------------------------------------------------------------
# F5: aliases that multiply text; the colophon split is linear

def test_alias_amplified_authors_are_refused_quickly(tmp_path):
    name = "甲乙丙丁" * 250
    front = f'title: 标题\nauthors: [&n "{name}"' + ", *n" * 1000 + "]"
    m = issue(tmp_path, front=front)
    assert (tmp_path / "a.md").stat().st_size < 10_000
    rc, out, err, secs = child("build", m, "-o", tmp_path / "o.pdf", cwd=tmp_path, timeout=20)
    assert rc == 1, (rc, err)
    assert "a.md:3:" in err and "characters of text" in err and "alias" in err
    assert secs < 10


def test_alias_amplified_colophon_is_refused_quickly(tmp_path):
    extra = (f'colophon:\n  - &c {{label: 编, text: "{"甲" * 1000}"}}\n' + "  - *c\n" * 1000)
    m = issue(tmp_path, extra=extra)
    rc, out, err, secs = child("build", m, "-o", tmp_path / "o.pdf", cwd=tmp_path, timeout=20)
    assert rc == 1, (rc, err)
    assert re.search(r"issue\.yaml:\d+:\d+: malformed YAML: the document expands to more than "
                     r"512K characters", err), err
    assert secs < 10


def test_text_cap_counts_characters_after_aliases(tmp_path):
    from typeset.model.yamlsrc import MAX_TEXT, load_yaml

    path = tmp_path / "x.yaml"
    piece = "字" * 1000
    under = f'a: &a "{piece}"\nb: [' + ", ".join(["*a"] * (MAX_TEXT // 1000 - 2)) + "]\n"
    assert len(load_yaml(path, under)["b"]) == MAX_TEXT // 1000 - 2
    over = f'a: &a "{piece}"\nb: [' + ", ".join(["*a"] * (MAX_TEXT // 1000)) + "]\n"
    start = time.perf_counter()
    with pytest.raises(TypesetError) as info:
        load_yaml(path, over)
    assert time.perf_counter() - start < 1
    assert info.value.line == 2 and info.value.hint


def test_split_band_is_linear_and_keeps_every_line():
    from typeset.layout.flow import Band, Part, SetLine
    from typeset.layout.closing import _split_band
    from typeset.text.types import Line

    lines = [SetLine(Line([], 100.0, 0.0, 0.0, True), 0.0, 10.5, "colophon")
             for _ in range(20_000)]
    band = Band([Part(lines, 22.0, 11.0, 0.0, rule=0.75, rule_gap=5.25)], role="colophon")
    start = time.perf_counter()
    pieces = _split_band(band, 28, 22.0)
    assert time.perf_counter() - start < 1.0
    assert [sl for p in pieces for sl in p.parts[0].lines] == lines     # in order, each once
    assert pieces[0].parts[0].rule == 0.75 and all(p.parts[0].rule is None for p in pieces[1:])
    assert len(pieces[0].parts[0].lines) == 27          # the rule and its gap take a line
    assert all(len(p.parts[0].lines) == 28 for p in pieces[1:-1])
    assert all(p.slots(22.0, at_top=True) <= 28 for p in pieces)
    # a pitch that does not divide the grid: still as many lines as fit, never more
    band = Band([Part(lines[:500], 17.0, 0.0, 0.0, rule=0.5, rule_gap=4.0)], role="colophon")
    pieces = _split_band(band, 40, 15.0)
    for p in pieces:
        k = len(p.parts[0].lines)
        assert p.slots(15.0, True) <= 40
        if p is not pieces[-1]:
            bigger = Band([Part(lines[:k + 1], 17.0, 0.0, 0.0, rule=p.parts[0].rule,
                                rule_gap=p.parts[0].rule_gap)])
            assert bigger.slots(15.0, True) > 40


# ---------------------------------------------------------------------------------------------
# F9: templates take plain {fields} only

def test_template_width_spec_is_refused_at_layout_load(tmp_path):
    lay = layout_with(('format: "（{text}）"', 'format: "（{text:>200000000}）"'))
    m = issue(tmp_path, layout_text=lay)
    rc, out, err, secs = child("build", m, "-o", tmp_path / "o.pdf", cwd=tmp_path, timeout=20)
    assert rc == 1, (rc, err)
    assert f"lay.yaml:{line_of(lay, '（{text:>')}:" in err
    assert "article.note.format" in err and "format spec" in err and "hint:" in err


@pytest.mark.parametrize("old,new,key,words", [
    ('issue_line: "{issue}"', 'issue_line: "{year:x}年{issue}"',
     "contents.issue_line", "format spec"),
    ('format: "（{text}）"', 'format: "（{text!r}）"', "article.note.format", "conversion"),
    ('folio_format: "{folio}"', 'folio_format: "{folio:03d}"', "running_heads.folio_format",
     "format spec"),
    ('section_format: "※ {title} ※"', 'section_format: "※ {title.upper} ※"',
     "running_heads.section_format", "unknown field {title.upper}"),
    ('page_format: " ({page})"', 'page_format: " ({})"', "contents.page_format",
     "unknown field {}"),
])
def test_template_specs_and_conversions_are_refused(tmp_path, capsys, old, new, key, words):
    lay = layout_with((old, new))
    code, out, err, _ = build(issue(tmp_path, layout_text=lay), capsys)
    assert code == 1
    assert f"lay.yaml:{line_of(lay, new)}:" in err and key in err and words in err


@pytest.mark.parametrize("template,ok", [
    ("{text}", True), ("（{text}）", True), ("{{{text}}}", True), ("{text}{text}", True),
    ("{text:>9}", False), ("{text!r}", False), ("{text!s:}", False), ("{0}", False),
    ("{}", False), ("{text[0]}", False), ("{text.x}", False), ("{text", False), ("}", False),
])
def test_check_template(template, ok):
    from typeset.model.chars import Where
    from typeset.model.layout import check_template

    where = Where(Path("lay.yaml"), 3, 5)
    if ok:
        check_template(template, ("text",), where, "k", ("text",))
    else:
        with pytest.raises(TypesetError) as info:
            check_template(template, ("text",), where, "k", ("text",))
        assert info.value.line == 3 and info.value.hint


# ---------------------------------------------------------------------------------------------
# F10: no text silently not printed

@pytest.mark.parametrize("order,first,second", [(None, "张三", "记者李四"),
                                                ("before", "记者李四", "张三")])
def test_byline_and_authors_both_print(tmp_path, capsys, order, first, second):
    lay = None
    if order:
        lay = layout_with(("  suppress_running_head: false\n",
                           f"  suppress_running_head: false\n  byline_with_authors: {order}\n"))
    m = issue(tmp_path, front="title: 标题\nauthors: [张三, 王小五]\nbyline: 记者 李四",
              layout_text=lay)
    code, out, err, pdf = build(m, capsys)
    assert code == 0, err
    text = pdf_text(pdf)
    body = text[text.rindex("标题"):]                  # the article page (after the contents)
    assert body.index(first) < body.index(second)
    assert "记者李四" in body and "张三" in body and "王小五" in body


def test_byline_and_authors_refused_when_the_layout_says(tmp_path, capsys):
    lay = layout_with(("  suppress_running_head: false\n",
                       "  suppress_running_head: false\n  byline_with_authors: refuse\n"))
    m = issue(tmp_path, front="title: 标题\nauthors: [张三]\nbyline: 记者 李四", layout_text=lay)
    code, out, err, _ = build(m, capsys)
    assert code == 1 and "a.md:4:" in err and "both authors and byline" in err


@pytest.mark.parametrize("order,words", [("[]", "has no 'title'"),
                                         ("[subtitle, authors, lead]", "has no 'title'"),
                                         ("[title, authors, title]", "'title' is listed twice"),
                                         ("[title, byline]", "unknown part 'byline'")])
def test_head_order_must_print_the_title_once(tmp_path, capsys, order, words):
    lay = layout_with(("  suppress_running_head: false\n",
                       f"  suppress_running_head: false\n  head_order: {order}\n"))
    code, out, err, _ = build(issue(tmp_path, layout_text=lay), capsys)
    assert code == 1 and f"lay.yaml:{line_of(lay, 'head_order')}:" in err and words in err


@pytest.mark.parametrize("key,front", [("subtitle", "title: 标题\nsubtitle: 副题"),
                                       ("lead", "title: 标题\nlead: 导语。"),
                                       ("byline", "title: 标题\nbyline: 记者 李四")])
def test_a_head_part_the_layout_leaves_out_is_refused(tmp_path, capsys, key, front):
    lay = layout_with(("  suppress_running_head: false\n",
                       "  suppress_running_head: false\n  head_order: [title]\n"))
    code, out, err, _ = build(issue(tmp_path, front=front, layout_text=lay), capsys)
    assert code == 1 and "a.md:3:" in err and f"prints no {key}" in err
    # an article without those parts builds with that layout
    code, out, err, pdf = build(issue(tmp_path / "plain", front="title: 独特标题",
                                      layout_text=lay), capsys)
    assert code == 0, err
    assert pdf_text(pdf).count("独特标题") == 2         # the contents and the article page


@pytest.mark.parametrize("old,new,words", [
    ('format: "（{text}）"', 'format: "（注）"', "has no {text}"),
    ('format: "※ {text} ※"', 'format: "※ 栏目 ※"', "has no {text}"),
    ('format: "{names}"', 'format: "作者"', "has no {names}"),
    ('caption_format: "{caption}{credit}"', 'caption_format: "{caption}"', "has no {credit}"),
])
def test_a_template_must_print_its_text(tmp_path, capsys, old, new, words):
    lay = layout_with((old, new))
    m = issue(tmp_path, front="title: 标题\nnote: 作者系某县政协委员。", layout_text=lay)
    code, out, err, _ = build(m, capsys)
    assert code == 1 and f"lay.yaml:{line_of(lay, new)}:" in err and words in err


# ---------------------------------------------------------------------------------------------
# F11: footnotes are notes, not markup

def test_footnote_syntax_is_not_printed_as_markup(tmp_path, capsys):
    m = issue(tmp_path, body="发挥专门协商机构作用[^1]。\n\n[^1]: 见章程第三条。")
    code, out, err, pdf = build(m, capsys)
    assert code == 0, err
    text = pdf_text(pdf)
    assert "[^1]" not in text and "]:" not in text
    assert "发挥专门协商机构作用" in text and "见章程第三条。" in text


# ---------------------------------------------------------------------------------------------
# F12: numbers that are not finite; measures with no room, at their line

@pytest.mark.parametrize("old,new", [
    ("  indent: 2\n", "  indent: .nan\n"),
    ("  min_last_line: 2\n", "  min_last_line: 2\n  line_penalty: .nan\n"),
    ("  min_last_line: 2\n", "  min_last_line: 2\n  looseness: .inf\n"),
    ("han_latin: [0.25, 0.125, 0.5]", "han_latin: [0.25, 0.125, .inf]"),
    ("max_height: 0.75", "max_height: -.inf"),
    ("line_pitch: 22pt\n  top", "line_pitch: .nan\n  top"),
    ("  min_last_line: 2\n", "  min_last_line: 2\n  widow_cost: 1e999\n"),
    ("lines: 28", "lines: " + "1" * 5000),
])
def test_non_finite_layout_numbers_are_refused_at_their_line(tmp_path, capsys, old, new):
    lay = layout_with((old, new))
    code, out, err, _ = build(issue(tmp_path, layout_text=lay), capsys)
    needle = next(ln for ln in new.split("\n") if re.search(r"nan|inf|e999|1111", ln))
    line = line_of(lay, needle)
    assert code == 1 and f"lay.yaml:{line}:" in err and "hint:" in err, err


@pytest.mark.parametrize("old,new,key", [
    ("lead:     {style: lead, indent: 2,", "lead:     {style: lead, indent: 40,", "article.lead"),
    ("  lead_right_indent: 2\n", "  lead_right_indent: 31\n", "article.lead"),
    ("subhead3: {style: subhead3, indent: 2, continuation_indent: 2,",
     "subhead3: {style: subhead3, indent: 2, continuation_indent: 40,", "article.subhead3"),
    ("note:     {style: note, line_pitch: 22pt,", "note:     {style: note, indent: 40, "
     "line_pitch: 22pt,", "article.note"),
    ("section_block: {style: contents-section, align: left,",
     "section_block: {style: contents-section, align: left, indent: 30,",
     "contents.section_block"),
])
def test_indents_wider_than_the_measure_are_refused_at_their_line(tmp_path, capsys, old, new,
                                                                   key):
    lay = layout_with((old, new))
    m = issue(tmp_path, front="title: 标题\nlead: 导语。\nnote: 注。", layout_text=lay)
    code, out, err, _ = build(m, capsys)
    assert code == 1 and f"lay.yaml:{line_of(lay, new.strip())}:" in err, err
    assert key in err and "no room for a character" in err


def test_negative_break_cost_is_refused_at_its_line(tmp_path, capsys):
    lay = layout_with(("  min_last_line: 2\n",
                       "  min_last_line: 2\n  squeeze_costs: [1, 2, -6, 8, 8]\n"))
    code, out, err, _ = build(issue(tmp_path, layout_text=lay), capsys)
    assert code == 1 and f"lay.yaml:{line_of(lay, 'squeeze_costs')}:" in err
    assert "paragraph.squeeze_costs" in err and "must not be negative" in err


def test_emergency_costs_must_rise_at_their_line(tmp_path, capsys):
    lay = layout_with(("  min_last_line: 2\n",
                       "  min_last_line: 2\n  emergency_costs: [1e12, 1e11, 1e13]\n"))
    code, out, err, _ = build(issue(tmp_path, layout_text=lay), capsys)
    assert code == 1 and f"lay.yaml:{line_of(lay, 'emergency_costs')}:" in err


def test_long_colophon_label_is_refused_at_its_line(tmp_path, capsys):
    m = issue(tmp_path, extra="colophon:\n  - label: " + "编" * 60 + "\n    text: 张三\n")
    code, out, err, _ = build(m, capsys)
    assert code == 1 and "issue.yaml:10:" in err and "colophon label" in err


def test_line_breaking_errors_carry_the_source_line(tmp_path, capsys, monkeypatch):
    """Whatever the line breaker refuses is reported at the line of what was being set."""
    import typeset.layout.compose as C

    real = C.set_paragraph

    def refuse(spans, *a, **k):
        if "第二段" in "".join(s.text for s in spans):
            raise TypesetError("measure -1.00pt is narrower than the character '第'",
                               hint="widen the measure")
        return real(spans, *a, **k)
    monkeypatch.setattr(C, "set_paragraph", refuse)
    m = issue(tmp_path, body="第一段。\n\n第二段。")
    code, out, err, _ = build(m, capsys)
    assert code == 1 and "a.md:7: measure -1.00pt" in err


# ---------------------------------------------------------------------------------------------
# F16: empty colophon entries; F8d: symbolic-link loops

@pytest.mark.parametrize("entry,line,key", [('  - label: 编辑\n    text: "  "\n', 11, "text"),
                                            ('  - label: 编辑\n    text: ""\n', 11, "text"),
                                            ('  - label: "　"\n    text: 张三\n', 10, "label")])
def test_empty_colophon_entry_is_refused(tmp_path, capsys, entry, line, key):
    code, out, err, _ = build(issue(tmp_path, extra="colophon:\n" + entry), capsys)
    assert code == 1 and f"issue.yaml:{line}:" in err and f"{key} is empty" in err


def test_article_symlink_loop_is_a_message(tmp_path, capsys):
    m = issue(tmp_path)
    (tmp_path / "a.md").unlink()
    (tmp_path / "a.md").symlink_to("a.md")
    code, out, err, _ = build(m, capsys)
    assert code == 1 and "issue.yaml:8:" in err and "loop of symbolic links" in err


def test_manifest_symlink_loop_without_output_is_a_message(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    code = main(["build", "loop.yaml"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("typeset: error: loop.yaml:"), err
    assert not (tmp_path / "out").exists()
